// Command bench measures the service against a floor in one run: it seeds a database
// (1,000 tags, 10,000 articles with tags), runs wrk on each scenario at 32 connections,
// and prints requests/s, p50 and p99 latency and each scenario's ratio to the floor (the
// same tags query on net/http + database/sql, no framework), the server's peak RSS, and
// lifecycle figures: start to ready, SIGHUP hand-over, idle SIGTERM exit.
//
//	go run . -bin ../../bin/blog-service -floor /tmp/floor -out ../../docs/BENCHMARKS.md
//
// scripts/bench.sh (make bench) builds both binaries and runs it.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-programming-tour-book/blog-service/scripts/internal/blogproc"
)

// benchJWTSecret lets the service start in release mode: 32 bytes or more, and none of the
// repository's examples (release mode refuses those).
const benchJWTSecret = "BLOG_JWT_SECRET=bench-only-jwt-secret-2c6f0a9e4b71d583"

func main() {
	bin := flag.String("bin", "bin/blog-service", "the release binary")
	floorBin := flag.String("floor", "", "the floor binary")
	dur := flag.Duration("d", 10*time.Second, "wrk duration per scenario")
	conns := flag.Int("c", 32, "wrk connections")
	out := flag.String("out", "", "also write the report here (Markdown)")
	mysqlDSN := flag.String("mysql", "", "also run the service's scenarios on this MySQL (DSN without database)")
	flag.Parse()
	// Absolute: the processes start in their own working directory.
	for _, p := range []*string{bin, floorBin} {
		if abs, err := filepath.Abs(*p); err == nil {
			*p = abs
		}
	}
	rep, err := run(*bin, *floorBin, *dur, *conns, *mysqlDSN)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	fmt.Print(rep)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(rep), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
}

// result is one wrk run.
type result struct {
	name          string
	rps           float64
	p50, p99      time.Duration
	errors        int64
	floorRPS      float64
	floorP99      time.Duration
	compareFloor  bool
	costOfTagPage float64 // for article scenarios: their cost relative to the tags page
}

func run(bin, floorBin string, dur time.Duration, conns int, mysqlDSN string) (string, error) {
	dir, err := os.MkdirTemp("", "blog-bench")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	sqliteEnv := []string{"BLOG_DATABASE_PATH=" + filepath.Join(dir, "blog.db")}
	// The floor runs on the freshly seeded data, before the service's writes add rows.
	var floorRes result
	var floorRSS float64
	measureFloor := func() error {
		floor, err := startFloor(floorBin, filepath.Join(dir, "blog.db"))
		if err != nil {
			return err
		}
		defer floor.stop()
		floorRes = wrk("floor: GET /api/v1/tags", floor.url+"/api/v1/tags?page_size=10", "", dur, conns, "")
		floorRSS = peakRSS(floor.cmd.Process.Pid)
		return nil
	}
	results, rss, err := scenarios(bin, dir, sqliteEnv, "sqlite", dur, conns, func() error {
		if err := seedSQLite(filepath.Join(dir, "blog.db")); err != nil {
			return err
		}
		return measureFloor()
	})
	if err != nil {
		return "", err
	}
	for i := range results {
		results[i].floorRPS, results[i].floorP99 = floorRes.rps, floorRes.p99
	}
	life, err := lifecycle(bin, dir, sqliteEnv)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\nMade by `make bench` (scripts/bench.sh) on %s: %d cores (%s), %s, wrk -c%d -d%v on the same machine.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), cpuModel(), runtime.Version(), conns, dur)
	fmt.Fprintln(&b, "## SQLite (1,000 tags, 10,000 articles)")
	fmt.Fprintln(&b)
	writeTable(&b, floorRes, results)
	fmt.Fprintf(&b, "\nPeak RSS of the serving process under the suite: **%.1f MB** (floor: %.1f MB; budget 60 MB).\n", rss, floorRSS)
	if mysqlDSN != "" {
		res, rssMy, err := mysqlScenarios(bin, dir, mysqlDSN, dur, conns)
		if err != nil {
			return "", err
		}
		fmt.Fprintln(&b, "\n## MySQL/MariaDB (same data)")
		fmt.Fprintln(&b)
		writeTable(&b, result{}, res)
		fmt.Fprintf(&b, "\nPeak RSS of the serving process: %.1f MB.\n", rssMy)
	}
	fmt.Fprintln(&b, "\n## Lifecycle (median of 5)")
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "| figure | measured | budget |")
	fmt.Fprintln(&b, "|---|---|---|")
	fmt.Fprintf(&b, "| process start to /readyz 200 | %d ms | 300 ms |\n", life.ready.Milliseconds())
	fmt.Fprintf(&b, "| SIGHUP to a new serving process | %d ms | 500 ms |\n", life.handOver.Milliseconds())
	fmt.Fprintf(&b, "| idle SIGTERM to exit | %d ms | |\n", life.stop.Milliseconds())
	return b.String(), nil
}

func writeTable(b io.Writer, floor result, results []result) {
	fmt.Fprintln(b, "| scenario | requests/s | p50 | p99 | errors | vs floor (req/s, p99) |")
	fmt.Fprintln(b, "|---|---|---|---|---|---|")
	if floor.name != "" {
		fmt.Fprintf(b, "| %s | %.0f | %v | %v | %d | 1.00, 1.00 |\n", floor.name, floor.rps, floor.p50, floor.p99, floor.errors)
	}
	var tagRPS float64
	for _, r := range results {
		if strings.Contains(r.name, "GET /api/v1/tags") {
			tagRPS = r.rps
		}
	}
	for _, r := range results {
		vs := ""
		if r.floorRPS > 0 {
			vs = fmt.Sprintf("%.2f, %.2f", r.rps/r.floorRPS, float64(r.p99)/float64(r.floorP99))
		}
		if strings.Contains(r.name, "articles") && tagRPS > 0 {
			vs += fmt.Sprintf(" (cost vs tags page: %.2fx)", tagRPS/r.rps)
		}
		fmt.Fprintf(b, "| %s | %.0f | %v | %v | %d | %s |\n", r.name, r.rps, r.p50, r.p99, r.errors, vs)
	}
}

// scenarios starts the service, seeds it, runs every scenario, and returns the results and
// the serving process's peak RSS in MB.
func scenarios(bin, dir string, env []string, db string, dur time.Duration, conns int, seed func() error) ([]result, float64, error) {
	// A first start in debug mode creates the schema and the demo credential.
	s, err := startSvc(bin, dir, append(env, "BLOG_SERVER_RUNMODE=debug"))
	if err != nil {
		return nil, 0, err
	}
	s.Stop()
	if err := seed(); err != nil {
		return nil, 0, fmt.Errorf("seed: %w", err)
	}
	s, err = startSvc(bin, dir, append(env, "BLOG_SERVER_RUNMODE=release", benchJWTSecret))
	if err != nil {
		return nil, 0, err
	}
	defer s.Stop()
	// Release mode removed the demo credential at start: add one, as an operator would.
	if err := s.AddCredential("bench", "bench-app-secret-4e1d"); err != nil {
		return nil, 0, err
	}
	token, err := s.TokenFor("bench", "bench-app-secret-4e1d")
	if err != nil {
		return nil, 0, err
	}
	var results []result
	for _, sc := range []struct{ name, path, script string }{
		{"GET /api/v1/tags (page of 10)", "/api/v1/tags?page_size=10", ""},
		{"GET /api/v1/articles/:id", "/api/v1/articles/5000", ""},
		{"GET /api/v1/articles?tag_id= (page of 10)", "/api/v1/articles?tag_id=7&page_size=10", ""},
		{"POST /api/v1/tags", "/api/v1/tags", "post.lua"},
	} {
		r := wrk(db+": "+sc.name, s.Base()+sc.path, token, dur, conns, sc.script)
		r.compareFloor = strings.Contains(sc.name, "tags (page")
		results = append(results, r)
	}
	return results, peakRSS(s.ServingPID()), nil
}

var (
	rpsRe = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	p50Re = regexp.MustCompile(`\s50%\s+([\d.]+)(us|ms|s)`)
	p99Re = regexp.MustCompile(`\s99%\s+([\d.]+)(us|ms|s)`)
	errRe = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)|Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

func wrk(name, target, token string, dur time.Duration, conns int, script string) result {
	args := []string{"-t2", fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%ds", int(dur.Seconds())), "--latency"}
	if token != "" {
		args = append(args, "-H", "token: "+token)
	}
	if script != "" {
		args = append(args, "-s", script)
	}
	cmd := exec.Command("wrk", append(args, target)...)
	cmd.Env = append(os.Environ(), "BENCH_TOKEN="+token)
	out, err := cmd.CombinedOutput()
	r := result{name: name}
	if err != nil {
		r.errors = -1
		return r
	}
	if m := rpsRe.FindSubmatch(out); m != nil {
		r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	r.p50, r.p99 = latency(p50Re, out), latency(p99Re, out)
	for _, m := range errRe.FindAllSubmatch(out, -1) {
		for _, g := range m[1:] {
			n, _ := strconv.ParseInt(string(g), 10, 64)
			r.errors += n
		}
	}
	return r
}

func latency(re *regexp.Regexp, out []byte) time.Duration {
	m := re.FindSubmatch(out)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[string(m[2])]
	return time.Duration(v * float64(unit)).Round(10 * time.Microsecond)
}

// startSvc starts the service from bin in dir with env and waits until it serves.
func startSvc(bin, dir string, env []string) (*blogproc.Service, error) {
	port, err := blogproc.FreePort()
	if err != nil {
		return nil, err
	}
	s := &blogproc.Service{Exe: bin, Dir: dir, Port: port, PIDFile: filepath.Join(dir, "blog.pid"),
		Env: append([]string{"BLOG_APP_UPLOADSAVEPATH=" + filepath.Join(dir, "uploads")}, env...)}
	return s, s.Start()
}

type lifecycleFigures struct{ ready, handOver, stop time.Duration }

// lifecycle measures, five times each, start to ready, SIGHUP hand-over and idle stop.
func lifecycle(bin, dir string, env []string) (lifecycleFigures, error) {
	env = append(env, "BLOG_SERVER_RUNMODE=release", benchJWTSecret)
	var ready, hand, stop []time.Duration
	for range 5 {
		t0 := time.Now()
		s, err := startSvc(bin, dir, env)
		if err != nil {
			return lifecycleFigures{}, err
		}
		ready = append(ready, time.Since(t0))
		old := s.ServingPID()
		t0 = time.Now()
		s.Cmd.Process.Signal(syscall.SIGHUP)
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if pid := s.ServingPID(); pid != 0 && pid != old {
				break
			}
		}
		hand = append(hand, time.Since(t0))
		t0 = time.Now()
		s.Stop()
		stop = append(stop, time.Since(t0))
	}
	return lifecycleFigures{median(ready), median(hand), median(stop)}, nil
}

func median(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2].Round(time.Millisecond)
}

// peakRSS is a process's high-water resident set in MB, from /proc.
func peakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
