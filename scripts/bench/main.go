// Command bench measures the service against a floor in one run: it seeds a database
// (1,000 tags, 10,000 articles with tags) and runs wrk at 32 connections, on GET
// /api/v1/tags against the floor (the same tags query on net/http + database/sql, no
// framework) in turns, then on each scenario. It prints requests/s, p50 and p99 latency,
// the service's ratio to the floor and each article scenario's cost against the tags
// page, the master's and the worker's resident memory, lifecycle figures (start to ready,
// SIGHUP hand-over, idle SIGTERM exit) and the list-cost curve (page 1 and a deep page of
// each list as its table grows).
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

	"github.com/go-programming-tour-book/blog-service/internal/blogproc"
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
	pairs := flag.Int("pairs", 7, "alternated floor/service runs of GET /api/v1/tags")
	profile := flag.Bool("profile", true, "profile the floor and the service under the tags load and attribute their CPU per request")
	only := flag.String("only", "", `run one section: "listcost" (list cost vs table size), "tags" (GET /api/v1/tags against the floor, in turns, and profiled), "gc" (the same under GC settings) or "fixes" (each fix on its own, see -before); empty runs them all`)
	before := flag.String("before", "", "with -only fixes: name=binary=part,... the service built with one fix undone, and the profile part the fix aims at (scripts/bench-fixes.sh)")
	costDur := flag.Duration("listcost-d", 2*time.Second, "wrk duration of each list-cost turn")
	costRounds := flag.Int("listcost-rounds", 5, "list-cost turns per target and size (the lowest p50 is reported)")
	afterIdle := flag.Duration("after-idle", 65*time.Second, "how long after the load the processes' idle memory is read again: past twice a worker's wait before it releases what serving made it hold (main.go's releaseIdleAfter); 0 skips it")
	flag.Parse()
	// Absolute: the processes start in their own working directory.
	for _, p := range []*string{bin, floorBin} {
		if abs, err := filepath.Abs(*p); err == nil {
			*p = abs
		}
	}
	var rep string
	var err error
	switch *only {
	case "":
		rep, err = run(*bin, *floorBin, *dur, *conns, *pairs, *profile, *mysqlDSN, *costDur, *costRounds, *afterIdle)
	case "listcost":
		rep, err = runListCost(*bin, *mysqlDSN, *costDur, *costRounds)
	case "tags":
		rep, err = runTags(*bin, *floorBin, *dur, *conns, *pairs, *profile)
	case "gc":
		rep, err = runGC(*bin, *floorBin, *dur, *conns, *pairs)
	case "fixes":
		var fixes []fix
		if fixes, err = parseFixes(*before); err == nil {
			rep, err = runFixes(*bin, fixes, *dur, *conns, *pairs)
		}
	default:
		err = fmt.Errorf("-only %q: want listcost, tags, gc or fixes", *only)
	}
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
	name     string
	rps      float64
	p50, p99 time.Duration
	errors   int64
}

func run(bin, floorBin string, dur time.Duration, conns, pairs int, profile bool, mysqlDSN string, costDur time.Duration, costRounds int, afterIdle time.Duration) (string, error) {
	dir, err := os.MkdirTemp("", "blog-bench")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	sqliteEnv := []string{"BLOG_DATABASE_PATH=" + filepath.Join(dir, "blog.db")}
	// The floor and the service take turns on GET /api/v1/tags, on the freshly seeded data
	// (before the service's writes add rows), so that both see the same machine state: a
	// floor measured once, before the service, flattered or hurt the ratio by whatever else
	// the machine did then.
	var alt alternation
	results, mem, err := scenarios(bin, dir, sqliteEnv, "sqlite", dur, conns, afterIdle, func() error {
		return seedSQLite(filepath.Join(dir, "blog.db"))
	}, func(svc *blogproc.Service, token string) error {
		floor, err := startFloor(floorBin, filepath.Join(dir, "blog.db"))
		if err != nil {
			return err
		}
		defer floor.stop()
		// The floor is sent the same request, token header included (it ignores it), so
		// both servers read the same bytes and only what they do with them differs.
		alt.tagsInTurns(floor.url, svc.Base(), token, dur, conns, pairs)
		alt.floorRSS = peakRSS(floor.cmd.Process.Pid)
		if profile {
			alt.floorCPU = profileUnderLoad(floor.url, token, floor.url+"/api/v1/tags?page_size=10", dur, conns)
			alt.svcCPU = profileUnderLoad(svc.Base(), token, svc.Base()+"/api/v1/tags?page_size=10", dur, conns)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	life, err := lifecycle(bin, dir, sqliteEnv)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\n%s\n\n", madeBy(conns, dur))
	fmt.Fprintln(&b, "## SQLite (1,000 tags, 10,000 articles)")
	fmt.Fprintln(&b)
	alt.write(&b)
	fmt.Fprintln(&b)
	writeTable(&b, results)
	mem.write(&b, alt.floorRSS)
	fmt.Fprintln(&b, "\n### The garbage collector")
	fmt.Fprintln(&b)
	if err := writeGC(&b, bin, floorBin, filepath.Join(dir, "gc"), dur, conns, pairs); err != nil {
		return "", err
	}
	if mysqlDSN != "" {
		res, memMy, err := mysqlScenarios(bin, dir, mysqlDSN, dur, conns, afterIdle)
		if err != nil {
			return "", err
		}
		fmt.Fprintln(&b, "\n## MySQL/MariaDB (same data)")
		fmt.Fprintln(&b)
		writeTable(&b, res)
		memMy.write(&b, 0)
	}
	fmt.Fprintln(&b, "\n## Lifecycle (median of 5)")
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "| figure | measured | budget |")
	fmt.Fprintln(&b, "|---|---|---|")
	fmt.Fprintf(&b, "| process start to /readyz 200 | %d ms | 300 ms |\n", life.ready.Milliseconds())
	fmt.Fprintf(&b, "| SIGHUP to a new serving process | %d ms | 500 ms |\n", life.handOver.Milliseconds())
	fmt.Fprintf(&b, "| idle SIGTERM to exit | %d ms | |\n", life.stop.Milliseconds())
	if err := writeListCost(&b, bin, dir, mysqlDSN, costDur, costRounds); err != nil {
		return "", err
	}
	return b.String(), nil
}

// runListCost is `-only listcost`: the list-cost curve alone.
func runListCost(bin, mysqlDSN string, dur time.Duration, rounds int) (string, error) {
	return onlySection("list cost only", madeBy(listCostConns, dur), func(b io.Writer, dir string) error {
		return writeListCost(b, bin, dir, mysqlDSN, dur, rounds)
	})
}

// onlySection is the report of a `-only` run of one of the suite's sections: its title,
// the run's machine and write's section, written with its own temporary directory.
func onlySection(title, made string, write func(b io.Writer, dir string) error) (string, error) {
	dir, err := os.MkdirTemp("", "blog-bench")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks: %s\n\n%s\n", title, made)
	if err := write(&b, dir); err != nil {
		return "", err
	}
	return b.String(), nil
}

// runTags is `-only tags`: the service and the floor in turns on GET /api/v1/tags, and
// both profiled, as in the whole suite but without its other scenarios: the quick loop
// while working on the service's CPU per request.
func runTags(bin, floorBin string, dur time.Duration, conns, pairs int, profile bool) (string, error) {
	dir, err := os.MkdirTemp("", "blog-bench")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	s, err := startSeeded(bin, dir)
	if err != nil {
		return "", err
	}
	defer func() { _ = s.svc.Stop() }()
	floor, err := startFloor(floorBin, filepath.Join(dir, "blog.db"))
	if err != nil {
		return "", err
	}
	defer floor.stop()
	var alt alternation
	alt.tagsInTurns(floor.url, s.svc.Base(), s.token, dur, conns, pairs)
	if profile {
		alt.floorCPU = profileUnderLoad(floor.url, s.token, floor.url+"/api/v1/tags?page_size=10", dur, conns)
		alt.svcCPU = profileUnderLoad(s.svc.Base(), s.token, s.url(), dur, conns)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks: GET /api/v1/tags only\n\n%s\n\n", madeBy(conns, dur))
	alt.write(&b)
	return b.String(), nil
}

// tagsInTurns runs the floor (at floorBase) and the service (at svcBase) on the tags page
// in turns, pairs times, and records both.
func (a *alternation) tagsInTurns(floorBase, svcBase, token string, dur time.Duration, conns, pairs int) {
	const tags = "/api/v1/tags?page_size=10"
	warmUp(token, dur, conns, floorBase+tags, svcBase+tags)
	for pair := range pairs {
		var f, r result
		inTurns(pair, func() { f = wrk("floor: GET /api/v1/tags", floorBase+tags, token, dur, conns, "") },
			func() { r = wrk("service: GET /api/v1/tags", svcBase+tags, token, dur, conns, "") })
		a.floor, a.svc = append(a.floor, f), append(a.svc, r)
	}
}

// warmUp puts each target under the load once, for warmUpFor (at most dur), before its
// measured runs, which it leaves out: a server's first seconds under load also pay for
// faulting its code in, growing its heap and filling its caches, and the first pair's
// ratio measured that as much as the two servers. (It fell to 0.79 in a run whose other
// pairs were 0.89-1.00.)
func warmUp(token string, dur time.Duration, conns int, targets ...string) {
	for _, t := range targets {
		wrk("warm-up", t, token, min(dur, warmUpFor), conns, "")
	}
}

// warmUpFor is how long warmUp loads each target.
const warmUpFor = 3 * time.Second

// inTurns runs the two measurements of a pair, a first in even pairs and b first in odd
// ones: these machines' speed drifts by up to 2x over minutes, and a run that always came
// second would pay for a machine slowing down over the suite (or gain from one speeding up).
func inTurns(pair int, a, b func()) {
	if pair%2 == 1 {
		a, b = b, a
	}
	a()
	b()
}

// madeBy names the command, the day and the machine a report comes from.
func madeBy(conns int, dur time.Duration) string {
	return fmt.Sprintf("Made by `make bench` (scripts/bench.sh) on %s: %d cores (%s), %s, wrk -c%d -d%v on the same machine.",
		time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), cpuModel(), runtime.Version(), conns, dur)
}

// alternation is the floor and the service measured in turns on the same scenario.
type alternation struct {
	floor, svc       []result
	floorRSS         float64
	floorCPU, svcCPU cpuProfile
}

// write prints each pair and the spread of the ratios (service / floor).
func (a alternation) write(b io.Writer) {
	fmt.Fprintf(b, "GET /api/v1/tags (page of 10), the floor and the service in turns, %d pairs (the floor first in odd-numbered pairs, the service in even-numbered ones), after a run of each left out (warm-up):\n\n", len(a.svc))
	fmt.Fprintln(b, "| pair | floor req/s | service req/s | ratio req/s | floor p99 | service p99 | ratio p99 | errors (floor, service) |")
	fmt.Fprintln(b, "|---|---|---|---|---|---|---|---|")
	var rps, p99 []float64
	for i := range a.svc {
		f, s := a.floor[i], a.svc[i]
		r1, r2 := ratio(s.rps, f.rps), ratio(float64(s.p99), float64(f.p99))
		rps, p99 = append(rps, r1), append(p99, r2)
		fmt.Fprintf(b, "| %d | %.0f | %.0f | %.2f | %v | %v | %.2f | %d, %d |\n", i+1, f.rps, s.rps, r1, f.p99, s.p99, r2, f.errors, s.errors)
	}
	fmt.Fprintf(b, "\nService / floor, req/s: median **%.2f** (min %.2f, max %.2f; target >= 0.90). p99: median **%.2f** (min %.2f, max %.2f; target <= 1.20).\n",
		medianF(rps), minF(rps), maxF(rps), medianF(p99), minF(p99), maxF(p99))
	if a.svcCPU.requests > 0 && a.floorCPU.requests > 0 {
		writeAttribution(b, a.floorCPU, a.svcCPU)
	}
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func medianF(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64{}, xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func minF(xs []float64) float64 {
	s := append([]float64{}, xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[0]
}

func maxF(xs []float64) float64 {
	s := append([]float64{}, xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1]
}

// memory is the master's and the serving worker's resident memory (MB), idle, at their
// peak while the load ran (sampled every 100 ms), and idle again afterIdle after the load
// (0: not read).
type memory struct {
	masterIdle, workerIdle, masterPeak, workerPeak, sumPeak float64
	afterIdle                                               time.Duration
	masterAfter, workerAfter                                float64
}

func (m memory) write(b io.Writer, floorRSS float64) {
	fmt.Fprintln(b)
	after := func(v float64) string {
		if m.afterIdle == 0 {
			return "not read"
		}
		return fmt.Sprintf("%.1f", v)
	}
	fmt.Fprintf(b, "| memory (RSS, MB) | idle | peak under load (sampled every 100 ms) | idle %v after the load | budget |\n", m.afterIdle)
	fmt.Fprintln(b, "|---|---|---|---|---|")
	fmt.Fprintf(b, "| master | %.1f | %.1f | %s | 15 idle |\n", m.masterIdle, m.masterPeak, after(m.masterAfter))
	fmt.Fprintf(b, "| worker | %.1f | %.1f | %s | 30 idle |\n", m.workerIdle, m.workerPeak, after(m.workerAfter))
	fmt.Fprintf(b, "| master + worker | %.1f | %.1f | %s | 60 peak |\n", m.masterIdle+m.workerIdle, m.sumPeak, after(m.masterAfter+m.workerAfter))
	if floorRSS > 0 {
		fmt.Fprintf(b, "| floor (one process) | | %.1f | | |\n", floorRSS)
	}
}

func writeTable(b io.Writer, results []result) {
	fmt.Fprintln(b, "| scenario | requests/s | p50 | p99 | errors | cost vs the tags page |")
	fmt.Fprintln(b, "|---|---|---|---|---|---|")
	var tagRPS float64
	for _, r := range results {
		if strings.Contains(r.name, "GET /api/v1/tags") {
			tagRPS = r.rps
		}
	}
	for _, r := range results {
		vs := ""
		if strings.Contains(r.name, "articles") && tagRPS > 0 && r.rps > 0 {
			vs = fmt.Sprintf("%.2fx", tagRPS/r.rps)
		}
		fmt.Fprintf(b, "| %s | %.0f | %v | %v | %d | %s |\n", r.name, r.rps, r.p50, r.p99, r.errors, vs)
	}
}

// scenarios starts the service, seeds it, runs before (if set: the alternated runs) and
// every scenario, and returns the results and the processes' memory.
func scenarios(bin, dir string, env []string, db string, dur time.Duration, conns int, afterIdle time.Duration, seed func() error,
	before func(*blogproc.Service, string) error) ([]result, memory, error) {
	// A first start in debug mode creates the schema and the demo credential.
	var mem memory
	s, err := startSvc(bin, dir, append(env, "BLOG_SERVER_RUNMODE=debug"))
	if err != nil {
		return nil, mem, err
	}
	if err := s.Stop(); err != nil {
		return nil, mem, err
	}
	if err := seed(); err != nil {
		return nil, mem, fmt.Errorf("seed: %w", err)
	}
	s, err = startSvc(bin, dir, append(env, "BLOG_SERVER_RUNMODE=release", benchJWTSecret, "BLOG_SERVER_DEBUGENDPOINTS=true"))
	if err != nil {
		return nil, mem, err
	}
	defer func() { _ = s.Stop() }() // the figures are taken
	// Release mode removed the demo credential at start: add one, as an operator would.
	if err := s.AddCredential("bench", "bench-app-secret-4e1d"); err != nil {
		return nil, mem, err
	}
	token, err := s.TokenFor("bench", "bench-app-secret-4e1d")
	if err != nil {
		return nil, mem, err
	}
	time.Sleep(time.Second) // idle: what the processes hold between requests
	master, worker := s.Cmd.Process.Pid, s.ServingPID()
	mem.masterIdle, mem.workerIdle = currentRSS(master), currentRSS(worker)
	// Peaks are sampled while the load runs: VmHWM would also count each process's start-up.
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
			m, w := currentRSS(master), currentRSS(worker)
			mem.masterPeak, mem.workerPeak = max(mem.masterPeak, m), max(mem.workerPeak, w)
			mem.sumPeak = max(mem.sumPeak, m+w)
		}
	}()
	defer func() {
		if stopSampling != nil { // an early return
			close(stopSampling)
			<-sampled
		}
	}()
	if before != nil {
		if err := before(s, token); err != nil {
			return nil, mem, err
		}
	}
	var results []result
	scenarios := []struct{ name, path, script string }{
		{"GET /api/v1/tags (page of 10)", "/api/v1/tags?page_size=10", ""},
		{"GET /api/v1/articles/:id", "/api/v1/articles/5000", ""},
		{"GET /api/v1/articles?tag_id= (page of 10)", "/api/v1/articles?tag_id=7&page_size=10", ""},
		{"POST /api/v1/tags", "/api/v1/tags", "post.lua"},
	}
	for _, sc := range scenarios {
		results = append(results, wrk(db+": "+sc.name, s.Base()+sc.path, token, dur, conns, sc.script))
	}
	close(stopSampling)
	<-sampled
	stopSampling = nil
	if afterIdle > 0 {
		// A worker gives back what serving made it hold once requests stop for a while:
		// what an operator sees of an idle service between bursts.
		time.Sleep(afterIdle)
		mem.afterIdle = afterIdle
		mem.masterAfter, mem.workerAfter = currentRSS(master), currentRSS(worker)
	}
	return results, mem, nil
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
		if err := s.Signal(syscall.SIGHUP); err != nil {
			return lifecycleFigures{}, err
		}
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if pid := s.ServingPID(); pid != 0 && pid != old {
				break
			}
		}
		hand = append(hand, time.Since(t0))
		t0 = time.Now()
		if err := s.Stop(); err != nil {
			return lifecycleFigures{}, err
		}
		stop = append(stop, time.Since(t0))
	}
	return lifecycleFigures{median(ready), median(hand), median(stop)}, nil
}

func median(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2].Round(time.Millisecond)
}

// peakRSS is a process's high-water resident set in MB, from /proc.
func peakRSS(pid int) float64 { return statusMB(pid, "VmHWM:") }

// currentRSS is a process's resident set now, in MB.
func currentRSS(pid int) float64 { return statusMB(pid, "VmRSS:") }

func statusMB(pid int, field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
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
