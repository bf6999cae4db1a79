package main

// Lifecycle tests: they build the real binary, start it as a process, send real signals
// and check every response and the exit status. Timings are measured by the benchmarks
// at the end, never asserted.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/go-programming-tour-book/blog-service/internal/blogproc"
)

var binary string

// releaseEnv runs the binary in release mode with a JWT secret it accepts: 32 bytes or more
// and none of the repository's examples.
var releaseEnv = []string{"BLOG_SERVER_RUNMODE=release", "BLOG_JWT_SECRET=lifecycle-tests-only-5d0f1b9c8e27a643"}

// oneShot closes its connection after each request, as blogproc.OneShot does (an idle
// keep-alive connection left in a pool would make every stop wait Server.IdleDrainTimeout
// for it, on purpose), but with no time limit: a slow request may take 30 s.
var oneShot = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "blog-service-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "blog-service")
	// Built as `make build` builds the release binary (stripped, -trimpath), so the memory
	// the tests measure is the memory that ships.
	build := exec.Command("go", "build", "-o", binary, "-trimpath",
		"-ldflags", "-s -w -X github.com/go-programming-tour-book/blog-service/global.Version=v0.0.0-test", ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a blogproc.Service run by a test. Its lower-case helpers are the Service's steps
// that fail the test on an error (with the process's log where it tells why).
type proc struct {
	*blogproc.Service
	t testing.TB
}

// startProc starts the binary in its own temporary working directory (so its SQLite file
// lands there) on a free port, with extra environment variables, and waits until it is ready.
func startProc(t testing.TB, env ...string) *proc {
	t.Helper()
	return startProcIn(t, t.TempDir(), env...)
}

// startProcIn is startProc with a given working directory, so processes can share one.
func startProcIn(t testing.TB, dir string, env ...string) *proc {
	t.Helper()
	p := launchIn(t, dir, freePort(t), env...)
	p.waitReady()
	return p
}

func launch(t testing.TB, port int, env ...string) *proc {
	t.Helper()
	return launchIn(t, t.TempDir(), port, env...)
}

func launchIn(t testing.TB, dir string, port int, env ...string) *proc {
	t.Helper()
	return launchExe(t, binary, dir, port, nil, env...)
}

// launchExe starts exe (a copy of the binary, for tests that replace it) in dir with -port
// and the extra args, without waiting for it to serve; the test's end kills it. Its log is
// dir/app-PORT.log, so processes can share a directory.
func launchExe(t testing.TB, exe, dir string, port int, args []string, env ...string) *proc {
	t.Helper()
	return launchService(t, &blogproc.Service{Exe: exe, Dir: dir, Port: port, Args: args, Env: env})
}

// launchService launches s, logging to Dir/app-PORT.log unless s names its log, and kills
// it at the test's end.
func launchService(t testing.TB, s *blogproc.Service) *proc {
	t.Helper()
	if s.LogPath == "" {
		s.LogPath = filepath.Join(s.Dir, fmt.Sprintf("app-%d.log", s.Port))
	}
	if err := s.Launch(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Kill)
	return &proc{Service: s, t: t}
}

func freePort(t testing.TB) int {
	t.Helper()
	port, err := blogproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// waitReady waits until the process is ready (/readyz 200), for up to 60 s.
func (p *proc) waitReady() {
	p.t.Helper()
	if err := p.WaitReady(60 * time.Second); err != nil {
		p.t.Fatalf("%v; log:\n%s", err, p.Log())
	}
}

// waitLog waits until the log contains s.
func (p *proc) waitLog(s string) {
	p.t.Helper()
	if err := p.WaitLog(s, 20*time.Second); err != nil {
		p.t.Fatalf("%v:\n%s", err, p.Log())
	}
}

func (p *proc) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
}

// wait waits for the process to exit and returns its status.
func (p *proc) wait(limit time.Duration) int {
	p.t.Helper()
	status, err := p.Wait(limit)
	if err != nil {
		p.t.Fatalf("%v after the signal; log:\n%s", err, p.Log())
	}
	return status
}

// token gets a token for the demo credential (debug mode).
func (p *proc) token() string {
	p.t.Helper()
	token, err := p.Token()
	if err != nil {
		p.t.Fatal(err)
	}
	return token
}

// servingPID is the pid of the process that answers /healthz: the worker, not the master.
func (p *proc) servingPID() int {
	p.t.Helper()
	pid := p.ServingPID()
	if pid == 0 {
		p.t.Fatalf("/healthz does not answer with a pid; log:\n%s", p.Log())
	}
	return pid
}

type result struct {
	status int
	body   string
	close  bool // the server asked to close the connection
	err    error
}

// slow starts GET /api/v1/tags/slow?delay=d on its own connection and returns once the
// request is on the wire; the result arrives on the channel.
func (p *proc) slow(token string, d time.Duration) <-chan result {
	p.t.Helper()
	written := make(chan struct{})
	done := make(chan result, 1)
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { close(written) }}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
		"GET", fmt.Sprintf("%s/api/v1/tags/slow?delay=%v", p.Base(), d), nil)
	req.Header.Set("token", token)
	go func() { done <- roundTrip(oneShot, req) }()
	select {
	case <-written:
	case r := <-done:
		p.t.Fatalf("slow request failed before it was sent: %+v", r)
	}
	return done
}

func roundTrip(client *http.Client, req *http.Request) result {
	resp, err := client.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, body: string(b), close: resp.Close, err: err}
}

func TestStopLetsRequestInFlightFinish(t *testing.T) {
	t.Parallel()
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			p := startProc(t)
			res := p.slow(p.token(), 2*time.Second)
			p.signal(sig)
			r := <-res
			if r.err != nil || r.status != 200 {
				t.Errorf("request in flight across %v: status %d err %v body %s, want 200", sig, r.status, r.err, r.body)
			}
			if status := p.wait(10 * time.Second); status != 0 {
				t.Errorf("exit status after a clean drain = %d, want 0", status)
			}
			if !strings.Contains(p.Log(), "Server exiting") {
				t.Errorf("no \"Server exiting\" in the log:\n%s", p.Log())
			}
		})
	}
}

func TestStopRefusesNewConnections(t *testing.T) {
	t.Parallel()
	p := startProc(t)
	res := p.slow(p.token(), 4*time.Second)
	p.signal(syscall.SIGTERM)
	p.waitLog("shutting down")
	// The listener closes as the drain begins: a new connection must be refused while the
	// request in flight still runs. Poll briefly, since the close follows the log line.
	refused := false
	for range 100 {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p.Port), time.Second)
		if errors.Is(err, syscall.ECONNREFUSED) {
			refused = true
			break
		}
		if err == nil {
			c.Close()
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !refused {
		t.Error("new connections were still accepted after the drain began")
	}
	if r := <-res; r.status != 200 {
		t.Errorf("request in flight: status %d err %v, want 200", r.status, r.err)
	}
	if status := p.wait(10 * time.Second); status != 0 {
		t.Errorf("exit status = %d, want 0", status)
	}
}

func TestStopPastDeadlineCutsWithJSONError(t *testing.T) {
	t.Parallel()
	p := startProc(t, "BLOG_SERVER_SHUTDOWNTIMEOUT=1s")
	res := p.slow(p.token(), 20*time.Second)
	p.signal(syscall.SIGTERM)
	r := <-res
	var body struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}
	if r.status != 503 || json.Unmarshal([]byte(r.body), &body) != nil || body.Code != 10000008 {
		t.Errorf("request cut at the deadline: status %d body %q err %v; want 503 with code 10000008", r.status, r.body, r.err)
	}
	if status := p.wait(10 * time.Second); status != 1 {
		t.Errorf("exit status after cutting requests = %d, want 1", status)
	}
	if log := p.Log(); !strings.Contains(log, "1 requests cut") {
		t.Errorf("the log does not say how many requests were cut:\n%s", log)
	}
}

func TestSecondSignalForcesExit(t *testing.T) {
	t.Parallel()
	p := startProc(t, "BLOG_SERVER_SHUTDOWNTIMEOUT=60s")
	res := p.slow(p.token(), 30*time.Second)
	p.signal(syscall.SIGTERM)
	p.waitLog("shutting down")
	p.signal(os.Interrupt)
	if status := p.wait(5 * time.Second); status == 0 {
		t.Error("forced exit: status 0, want non-zero")
	}
	if r := <-res; r.status == 200 {
		t.Errorf("request cut by a forced exit got 200: %+v", r)
	}
}

func TestStopClosesIdleKeepAliveConnections(t *testing.T) {
	t.Parallel()
	p := startProc(t)
	client := &http.Client{Transport: &http.Transport{}}
	resp, err := client.Get(p.Base() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close() // the connection stays open, idle, in the client's pool
	p.signal(syscall.SIGTERM)
	if status := p.wait(10 * time.Second); status != 0 {
		t.Errorf("exit status with an idle keep-alive connection = %d, want 0", status)
	}
}

// A keep-alive client that sends on its idle connection during the drain is served and
// told to close, instead of having the connection shut under it.
func TestDrainAnswersKeepAliveClientsWithConnectionClose(t *testing.T) {
	t.Parallel()
	p := startProc(t, "BLOG_SERVER_IDLEDRAINTIMEOUT=10s")
	token := p.token()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	get := func() result {
		req, _ := http.NewRequest("GET", p.Base()+"/api/v1/tags", nil)
		req.Header.Set("token", token)
		return roundTrip(client, req)
	}
	if r := get(); r.status != 200 || r.close {
		t.Fatalf("before the drain: %+v", r)
	}
	p.signal(syscall.SIGTERM)
	p.waitLog("shutting down")
	r := get()
	if r.err != nil || r.status != 200 || !r.close {
		t.Errorf("request on an idle keep-alive connection during the drain: %+v; want 200 with Connection: close", r)
	}
	if status := p.wait(10 * time.Second); status != 0 {
		t.Errorf("exit status = %d, want 0", status)
	}
}

func TestReadinessTurnsUnavailableWhileDraining(t *testing.T) {
	t.Parallel()
	p := startProc(t)
	token := p.token()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	res := p.slow(token, 2*time.Second)
	// Keep one connection open to ask /readyz after the listener has closed.
	if resp, err := client.Get(p.Base() + "/readyz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/readyz while serving: %v %v", resp, err)
	} else {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	p.signal(syscall.SIGTERM)
	p.waitLog("shutting down")
	resp, err := client.Get(p.Base() + "/readyz")
	if err != nil || resp.StatusCode != 503 {
		t.Errorf("/readyz while draining: %v %v, want 503", resp, err)
	} else {
		resp.Body.Close()
	}
	<-res
	p.wait(10 * time.Second)
}

func TestTakenPortFailsFast(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p := launch(t, ln.Addr().(*net.TCPAddr).Port)
	if status := p.wait(10 * time.Second); status == 0 {
		t.Error("exit status 0 with the port taken, want non-zero")
	}
	if log := p.Log(); !strings.Contains(log, "address already in use") {
		t.Errorf("the error does not say the port is in use:\n%s", log)
	}
}

func TestBadConfigFailsBeforeListening(t *testing.T) {
	t.Parallel()
	tests := []struct{ env, wantKey string }{
		{"BLOG_DATABASE_DBTYPE=oracle", "Database.DBType"},
		{"BLOG_SERVER_SHUTDOWNTIMEOUT=soon", "Server.ShutdownTimeout"},
		{"BLOG_SERVER_RUNMODE=release", "JWT.Secret"},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Parallel()
			p := launch(t, freePort(t), tt.env)
			if status := p.wait(10 * time.Second); status == 0 {
				t.Errorf("exit status 0 with %s, want non-zero", tt.env)
			}
			if log := p.Log(); !strings.Contains(log, tt.wantKey) || strings.Contains(log, "serving") {
				t.Errorf("with %s the output should name %s before serving:\n%s", tt.env, tt.wantKey, log)
			}
		})
	}
	t.Run("port out of range", func(t *testing.T) {
		t.Parallel()
		p := launch(t, 70000)
		if status := p.wait(10 * time.Second); status == 0 || !strings.Contains(p.Log(), "Server.HttpPort") {
			t.Errorf("-port 70000: status %d, output:\n%s", status, p.Log())
		}
	})
}

// Two processes on one SQLite file, as during an upgrade hand-over: concurrent writes
// through both must all succeed ("database is locked" would be a 500) and all be stored.
func TestTwoProcessesShareSQLite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := startProcIn(t, dir)
	b := startProcIn(t, dir)
	token := a.token()
	const writers, each = 4, 40
	failures := make(chan string, writers*each)
	var wg sync.WaitGroup
	for w := range writers {
		target := []*proc{a, b}[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				req, _ := http.NewRequest("POST", target.Base()+"/api/v1/tags",
					strings.NewReader(fmt.Sprintf("name=w%d-%d&created_by=test", w, i)))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("token", token)
				if r := roundTrip(oneShot, req); r.status != 200 {
					failures <- fmt.Sprintf("write via :%d: %d %v %s", target.Port, r.status, r.err, r.body)
				}
			}
		}()
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	// total_rows counts every live tag, whichever process wrote it.
	req, _ := http.NewRequest("GET", b.Base()+"/api/v1/tags?page_size=100", nil)
	req.Header.Set("token", token)
	r := roundTrip(oneShot, req)
	var list struct {
		Pager struct {
			TotalRows  int  `json:"total_rows"`
			TotalExact bool `json:"total_exact"`
		} `json:"pager"`
	}
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || list.Pager.TotalRows != writers*each || !list.Pager.TotalExact {
		t.Errorf("rows present = %d exact %v (%v), want %d", list.Pager.TotalRows, list.Pager.TotalExact, err, writers*each)
	}
}

func TestVersionFlag(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(binary, "-version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "v0.0.0-test") || !strings.Contains(string(out), "go1.") {
		t.Errorf("-version = %q, %v; want the stamped version and the Go version", out, err)
	}
}

func TestReleaseModeLogsJSONAndSeedsNothing(t *testing.T) {
	t.Parallel()
	p := startProc(t, releaseEnv...)
	resp, err := http.PostForm(p.Base()+"/auth", url.Values{"app_key": {"eddycjy"}, "app_secret": {"go-programming-tour-book"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("release mode: the demo credential got %d, want 401 (never seeded)", resp.StatusCode)
	}
	p.signal(syscall.SIGTERM)
	p.wait(10 * time.Second)
	sc := bufio.NewScanner(strings.NewReader(p.Log()))
	for sc.Scan() {
		if line := sc.Text(); !json.Valid([]byte(line)) {
			t.Errorf("release log line is not JSON: %s", line)
		}
	}
}

// BenchmarkStop prints how long a stop takes, from the signal to the process's exit: idle,
// with an idle keep-alive client (bounded by Server.IdleDrainTimeout), and with one 200 ms
// request in flight.
func BenchmarkStop(b *testing.B) {
	b.Run("idle", func(b *testing.B) {
		benchStop(b, func(*proc) {})
	})
	b.Run("idle-keepalive-client", func(b *testing.B) {
		benchStop(b, func(p *proc) {
			client := &http.Client{Transport: &http.Transport{}}
			if resp, err := client.Get(p.Base() + "/healthz"); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close() // left idle in the pool: the stop waits IdleDrainTimeout for it
			}
		})
	})
	b.Run("drain-200ms-request", func(b *testing.B) {
		benchStop(b, func(p *proc) { p.slow(p.token(), 200*time.Millisecond) })
	})
}

// benchStop starts a process, lets before set the scene, and times SIGTERM to exit.
func benchStop(b *testing.B, before func(*proc)) {
	var total time.Duration
	for range b.N {
		p := startProc(b)
		before(p)
		t0 := time.Now()
		p.signal(syscall.SIGTERM)
		p.wait(10 * time.Second)
		total += time.Since(t0)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/stop")
}

// A connection that has sent nothing holds no request: a stop closes it and ends cleanly,
// rather than passing its deadline for it and exiting 1 as if requests had been cut
// (http.Server.Shutdown counts such a connection busy for 5 s).
func TestStopWithASilentConnectionEndsCleanly(t *testing.T) {
	t.Parallel()
	p := startProc(t, "BLOG_SERVER_SHUTDOWNTIMEOUT=3s")
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(100 * time.Millisecond) // accepted
	p.signal(syscall.SIGTERM)
	if status := p.wait(20 * time.Second); status != 0 {
		t.Errorf("exit status = %d, want 0: no request was cut; log:\n%s", status, p.Log())
	}
}

// A service whose log reader goes away (a pipe to a logger that died) keeps serving: Go
// ends a program that writes to a broken stdout with SIGPIPE unless it ignores it.
func TestServiceOutlivesItsLogReader(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	cmd := exec.Command(binary, "-port", strconv.Itoa(port))
	cmd.Dir = t.TempDir()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()
	healthz := fmt.Sprintf("http://127.0.0.1:%d/healthz", port)
	get := func() int {
		resp, err := blogproc.OneShot.Get(healthz)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for deadline := time.Now().Add(30 * time.Second); get() != 200; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the service did not serve within 30 s")
		}
	}
	r.Close()           // the reader goes
	for i := range 10 { // each logs an access line: written within 100 ms, into the broken pipe
		if code := get(); code != 200 {
			t.Fatalf("request %d after the log reader went: %d, want 200", i, code)
		}
		time.Sleep(150 * time.Millisecond)
	}
	select {
	case err := <-exited:
		t.Fatalf("the service exited (%v) once its log reader had gone", err)
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Error("the service did not stop within 30 s of SIGTERM")
	}
}

// A worker accepts connections only once its own handler answers GET /readyz with 200,
// asking again until then: a database that answers late (or routes that fail) delays the
// hand-over instead of putting a worker that cannot serve in front of clients.
func TestAwaitReadyWaitsForItsOwnReadyz(t *testing.T) {
	t.Parallel()
	var asked int
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked++
		if r.URL.Path != "/readyz" {
			t.Errorf("asked %s, want /readyz", r.URL.Path)
		}
		if asked < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"code":10000012}`)
			return
		}
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	if err := awaitReady(context.Background(), zap.NewNop(), h); err != nil || asked != 3 {
		t.Errorf("awaitReady = %v after %d requests, want nil after the third (the first 200)", err, asked)
	}
	never := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := awaitReady(ctx, zap.NewNop(), never); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("awaitReady of a handler never ready = %v, want its context's error", err)
	}
}
