// Command drill measures what a deploy does to clients: it starts blog-service, puts read
// and write load on it (wrk with keep-alive and with Connection: close, plus its own
// clients that never retry), performs N upgrades, and counts every request. It runs the
// in-place upgrade (binary replaced, SIGHUP) and, beside it, a plain stop-then-start, then
// prints one table and writes a timeline chart. It exits non-zero if the upgrade run
// failed a request or lost an acknowledged write.
//
//	go run . -bin ../../bin/blog-service -upgrades 5 -chart ../../docs/drill.svg
//
// scripts/deploy-drill.sh (make drill) builds the binary and runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/blog-service", "the blog-service binary to drill")
	upgrades := flag.Int("upgrades", 5, "deploys per run")
	every := flag.Duration("every", 2*time.Second, "time between deploys")
	chart := flag.String("chart", "", "write the timeline chart here (SVG)")
	rolling := flag.String("rolling", "", "instead: a rolling deploy of two replicas behind nginx sharing this MySQL (a DSN without database, e.g. root@tcp(127.0.0.1:3306)/)")
	flag.Parse()
	if *rolling != "" {
		os.Exit(rollingDrill(*bin, *rolling, *every))
	}
	var runs []*run
	for _, mode := range []string{modeUpgrade, modeRestart} {
		r, err := drill(mode, *bin, *upgrades, *every)
		if err != nil {
			fmt.Fprintf(os.Stderr, "drill %s: %v\n", mode, err)
			os.Exit(2)
		}
		runs = append(runs, r)
	}
	printTable(os.Stdout, runs)
	if *chart != "" {
		if err := drawChart(*chart, runs); err != nil {
			fmt.Fprintf(os.Stderr, "chart: %v\n", err)
			os.Exit(2)
		}
		fmt.Printf("\nchart: %s\n", *chart)
	}
	if up := runs[0]; up.failed() > 0 || up.acked != up.present {
		fmt.Println("\nFAIL: the in-place upgrade failed requests or lost acknowledged writes")
		os.Exit(1)
	}
}

const (
	modeUpgrade = "upgrade (SIGHUP)"
	modeRestart = "stop then start"
)

// run is one drill's results.
type run struct {
	mode           string
	wrkKeepAlive   wrkResult
	wrkClose       wrkResult
	reads, writes  *counter
	acked, present int
	handOver       []time.Duration
	deploys        []time.Duration // since the load started
	timeline       *timeline
}

func (r *run) failed() int64 {
	return r.wrkKeepAlive.errors + r.wrkClose.errors + r.reads.failed() + r.writes.failed()
}

func drill(mode, bin string, upgrades int, every time.Duration) (*run, error) {
	dir, err := os.MkdirTemp("", "blog-drill")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	exe := filepath.Join(dir, "blog-service")
	if err := install(bin, exe); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	svc := &service{exe: exe, dir: dir, port: port, pidFile: filepath.Join(dir, "blog.pid")}
	if err := svc.start(); err != nil {
		return nil, err
	}
	defer svc.kill()
	token, err := svc.token()
	if err != nil {
		return nil, err
	}

	r := &run{mode: mode, reads: newCounter(), writes: newCounter(), timeline: newTimeline()}
	load := every*time.Duration(upgrades+1) + time.Second
	ctx, cancel := context.WithTimeout(context.Background(), load)
	defer cancel()
	var wg sync.WaitGroup
	wrkURL := svc.base() + "/api/v1/tags?page_size=1"
	wg.Add(2)
	go func() { defer wg.Done(); r.wrkKeepAlive = runWrk(load, wrkURL, token, false) }()
	go func() { defer wg.Done(); r.wrkClose = runWrk(load, wrkURL, token, true) }()
	for i := range 2 {
		wg.Add(2)
		go func() { defer wg.Done(); keepAliveReads(ctx, svc.addr(), token, r.reads, r.timeline) }()
		go func() { defer wg.Done(); writes(ctx, svc.base(), token, fmt.Sprint("w", i), r.writes, r.timeline) }()
	}
	for range upgrades {
		select {
		case <-time.After(every):
		case <-ctx.Done():
		}
		r.deploys = append(r.deploys, r.timeline.since())
		var took time.Duration
		if mode == modeUpgrade {
			took, err = svc.upgrade(bin)
		} else {
			took, err = svc.restart()
		}
		if err != nil {
			cancel()
			wg.Wait()
			return nil, err
		}
		r.handOver = append(r.handOver, took)
	}
	wg.Wait()
	r.acked = len(r.writes.names())
	r.present, err = svc.countPresent(token, r.writes.names())
	if err != nil {
		return nil, err
	}
	return r, svc.stop()
}

// service is one blog-service master, started from its own copy of the binary.
type service struct {
	exe, dir, pidFile string
	port              int
	env               []string // added to the drill's environment
	cmd               *exec.Cmd
	exited            chan struct{}
}

func (s *service) addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }
func (s *service) base() string { return "http://" + s.addr() }

func (s *service) start() error {
	log, err := os.OpenFile(filepath.Join(s.dir, "service.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	// Debug mode seeds the demo credential; warn level keeps the access log out.
	s.cmd = exec.Command(s.exe, "-port", fmt.Sprint(s.port), "-pidfile", s.pidFile)
	s.cmd.Dir = s.dir
	s.cmd.Env = append(append(os.Environ(), "BLOG_LOG_LEVEL=warn"), s.env...)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.exited = make(chan struct{})
	go func() { s.cmd.Wait(); log.Close(); close(s.exited) }()
	if _, err := s.awaitServing(0, 60*time.Second); err != nil {
		return fmt.Errorf("start: %w (see %s)", err, filepath.Join(s.dir, "service.log"))
	}
	return nil
}

// servingPID is the pid /healthz reports, 0 if it does not answer.
func (s *service) servingPID() int {
	resp, err := oneShot.Get(s.base() + "/healthz")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var h struct{ PID int }
	json.NewDecoder(resp.Body).Decode(&h)
	return h.PID
}

func (s *service) awaitServing(notPID int, limit time.Duration) (int, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if pid := s.servingPID(); pid != 0 && pid != notPID {
			return pid, nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0, fmt.Errorf("no new serving process within %v", limit)
}

// upgrade replaces the binary and sends SIGHUP, timing until a new process serves.
func (s *service) upgrade(bin string) (time.Duration, error) {
	if err := install(bin, s.exe); err != nil {
		return 0, err
	}
	old := s.servingPID()
	t0 := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		return 0, err
	}
	_, err := s.awaitServing(old, 30*time.Second)
	return time.Since(t0), err
}

// restart is the plain deploy: stop, then start the new binary, timing the gap.
func (s *service) restart() (time.Duration, error) {
	t0 := time.Now()
	if err := s.stop(); err != nil {
		return 0, err
	}
	if err := s.start(); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

func (s *service) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("still running 30 s after SIGTERM")
	}
}

func (s *service) kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
	}
}

func (s *service) token() (string, error) {
	resp, err := oneShot.PostForm(s.base()+"/auth", url.Values{"app_key": {"eddycjy"}, "app_secret": {"go-programming-tour-book"}})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Token == "" {
		return "", fmt.Errorf("POST /auth: %d %v", resp.StatusCode, err)
	}
	return body.Token, nil
}

// countPresent counts how many of the acknowledged names are stored, reading every page.
func (s *service) countPresent(token string, names []string) (int, error) {
	stored := map[string]bool{}
	for page := 1; ; page++ {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/tags?page_size=100&page=%d", s.base(), page), nil)
		req.Header.Set("token", token)
		resp, err := oneShot.Do(req)
		if err != nil {
			return 0, err
		}
		var list struct {
			List []struct {
				Name string `json:"name"`
			} `json:"list"`
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil {
			return 0, err
		}
		if len(list.List) == 0 {
			break
		}
		for _, t := range list.List {
			stored[t.Name] = true
		}
	}
	present := 0
	for _, n := range names {
		if stored[n] {
			present++
		}
	}
	return present, nil
}

// install copies the binary into place through a rename, as a deploy does.
func install(src, dst string) error {
	if out, err := exec.Command("cp", src, dst+".new").CombinedOutput(); err != nil {
		return fmt.Errorf("cp: %v %s", err, out)
	}
	return os.Rename(dst+".new", dst)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

var oneShot = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
