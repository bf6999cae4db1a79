//go:build linux

package main

// Upgrade tests: SIGHUP to the PID file's process, with the binary file replaced first, under
// load from clients that never retry. They read /proc, so they run on Linux.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-programming-tour-book/blog-service/internal/blogproc"
)

// upgradable is a master started from its own copy of the binary (Exe), with a PID file.
type upgradable struct{ *proc }

func startUpgradable(t *testing.T, env ...string) *upgradable {
	t.Helper()
	dir := t.TempDir()
	exe := filepath.Join(dir, "blog-service")
	if err := blogproc.Install(binary, exe); err != nil {
		t.Fatal(err)
	}
	return startUpgradableAt(t, dir, exe, env...)
}

// startUpgradableAt starts exe in dir, with the PID file there, and waits until it serves
// and the master has written its PID.
func startUpgradableAt(t *testing.T, dir, exe string, env ...string) *upgradable {
	t.Helper()
	// A new worker settles in 0.5 s here, not 5 s: each reload waits for it. (The env
	// given comes after, and wins.)
	env = append([]string{"BLOG_SERVER_UPGRADESETTLE=500ms"}, env...)
	u := &upgradable{launchService(t, &blogproc.Service{Exe: exe, Dir: dir, Port: freePort(t),
		PIDFile: filepath.Join(dir, "blog.pid"), Env: env})}
	u.waitReady()
	// The master writes the PID file as it hears the worker is ready, just after it serves.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(u.PIDFile); err == nil {
			break
		}
	}
	if got := u.pidFromFile(t); got != u.Cmd.Process.Pid {
		t.Fatalf("PID file names %d, want the master %d", got, u.Cmd.Process.Pid)
	}
	return u
}

// replace puts src at the executable's path the way a deploy does (blogproc.Install).
func (u *upgradable) replace(t *testing.T, src string) {
	t.Helper()
	if err := blogproc.Install(src, u.Exe); err != nil {
		t.Fatal(err)
	}
}

// script writes a shell script into the test's directory (not executable itself: replace
// copies it and makes the copy executable).
func (u *upgradable) script(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(u.Dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func (u *upgradable) pidFromFile(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(u.PIDFile)
	if err != nil {
		t.Fatalf("PID file: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("PID file holds %q", b)
	}
	return pid
}

// hup sends SIGHUP to the process the PID file names.
func (u *upgradable) hup(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(u.pidFromFile(t), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
}

// awaitLog waits until the service's log, past its first since bytes, says want.
func (u *upgradable) awaitLog(t *testing.T, since int, want string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(u.Log()[since:], want); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the log never said %q:\n%s", want, u.Log()[since:])
		}
	}
}

// upgradeDuring upgrades while a request of d runs on the serving worker, and returns
// its result to come.
func (u *upgradable) upgradeDuring(t *testing.T, d time.Duration) <-chan result {
	t.Helper()
	res := u.slow(u.token(), d)
	time.Sleep(200 * time.Millisecond) // let it reach the handler
	u.upgrade(t)
	return res
}

// upgrade sends SIGHUP and waits until the master has handed the old worker over and
// /healthz names the new one, which it returns. The master's log says which that is: the
// new worker answers /healthz a moment before the master reads its readiness (a stop
// signal in between stops the old worker as the serving one), and an old worker may still
// take a connection or two as its drain begins, so /healthz alone cannot tell.
func (u *upgradable) upgrade(t *testing.T) int {
	t.Helper()
	logLen := len(u.Log())
	u.hup(t)
	u.awaitLog(t, logLen, "old worker draining")
	served := regexp.MustCompile(`worker serving\t\{"pid": (\d+), "why": "upgrade"\}`).FindAllStringSubmatch(u.Log()[logLen:], -1)
	if served == nil {
		t.Fatalf("the master handed over to no upgrade's worker; log:\n%s", u.Log()[logLen:])
	}
	pid, _ := strconv.Atoi(served[len(served)-1][1])
	for deadline := time.Now().Add(10 * time.Second); u.ServingPID() != pid; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("/healthz does not name the new worker %d 10 s after the hand-over", pid)
		}
	}
	return pid
}

func (u *upgradable) awaitWorkerOtherThan(t *testing.T, old int) int {
	t.Helper()
	pid, err := u.AwaitServing(old, 20*time.Second)
	if err != nil {
		t.Fatalf("/healthz: %v after SIGHUP; log:\n%s", err, u.Log())
	}
	return pid
}

// children lists a process's child processes, whichever of its threads forked them.
func children(pid int) []int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var pids []int
	for _, task := range tasks {
		b, _ := os.ReadFile(task)
		for _, f := range strings.Fields(string(b)) {
			n, _ := strconv.Atoi(f)
			pids = append(pids, n)
		}
	}
	return pids
}

func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return !strings.Contains(string(b), ") Z ") // a zombie is dead, just not reaped
}

func goneWithin(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !alive(pid) {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// awaitOneWorker waits until the master has exactly one child (old workers drained).
func (u *upgradable) awaitOneWorker(t *testing.T) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		kids := children(u.Cmd.Process.Pid)
		if len(kids) == 1 {
			return kids[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("master has children %v, want one worker; log:\n%s", kids, u.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestUpgradeKeepsRequestInFlightAndRunsTheNewBinary(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t)
	old := u.ServingPID()
	res := u.slow(u.token(), 2*time.Second)
	u.replace(t, binary)
	ino := inode(t, u.Exe)
	cur := u.upgrade(t)
	if got := inode(t, fmt.Sprintf("/proc/%d/exe", cur)); got != ino {
		t.Errorf("new worker runs inode %d, want the replaced file's %d", got, ino)
	}
	if r := <-res; r.err != nil || r.status != 200 {
		t.Errorf("request in flight across SIGHUP: %+v, want 200", r)
	}
	if !goneWithin(old, 10*time.Second) {
		t.Errorf("old worker %d still runs after its drain", old)
	}
	if pid := u.pidFromFile(t); pid != u.Cmd.Process.Pid {
		t.Errorf("PID file names %d after the upgrade, want the master %d", pid, u.Cmd.Process.Pid)
	}
	u.signal(syscall.SIGTERM)
	if status := u.wait(15 * time.Second); status != 0 {
		t.Errorf("stop after an upgrade: status %d", status)
	}
	if _, err := os.Stat(u.PIDFile); !os.IsNotExist(err) {
		t.Errorf("PID file left after a clean stop: %v", err)
	}
	if alive(cur) {
		t.Errorf("worker %d outlived the master's stop", cur)
	}
}

// reload runs `blog-service -pidfile PID reload` and returns its exit status and output.
func (u *upgradable) reload(t *testing.T) (int, string) {
	t.Helper()
	cmd := exec.Command(binary, "-pidfile", u.PIDFile, "reload")
	cmd.Dir = u.Dir
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	}
	t.Fatal(err)
	return 0, ""
}

// SIGHUP (here through `reload`, which waits for the outcome) re-executes the master
// itself from the replaced file, same PID, then replaces the worker; a binary that cannot
// take over leaves the master on its old code, and reload fails with the reason.
func TestReloadUpgradesTheMasterInPlace(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t, "BLOG_SERVER_UPGRADETIMEOUT=5s")
	master := u.Cmd.Process.Pid
	res := u.slow(u.token(), 2*time.Second)
	before := u.ServingPID()
	u.replace(t, binary)
	ino := inode(t, u.Exe)
	if status, out := u.reload(t); status != 0 || !strings.Contains(out, "serves") {
		t.Fatalf("reload = %d %q; log:\n%s", status, out, u.Log())
	}
	if got := inode(t, fmt.Sprintf("/proc/%d/exe", master)); got != ino {
		t.Errorf("the master runs inode %d after reload, want the new file's %d", got, ino)
	}
	// The old worker takes the hand-over signal as the reload returns, and may accept a
	// connection or two of the shared socket before it closes its listener.
	if _, err := u.AwaitServing(before, 2*time.Second); err != nil {
		t.Errorf("after reload: %v, want a new worker (was %d)", err, before)
	}
	if r := <-res; r.err != nil || r.status != 200 {
		t.Errorf("request in flight across the master's re-exec: %+v", r)
	}
	if pid := u.pidFromFile(t); pid != master || !strings.Contains(u.Log(), "master re-executed") {
		t.Errorf("PID file %d (want %d), or no re-exec in the log", pid, master)
	}

	serving := u.ServingPID()
	u.replace(t, u.script(t, "exits", "echo cannot start >&2; exit 3"))
	status, out := u.reload(t)
	if status == 0 || !strings.Contains(out, "status 3") {
		t.Errorf("reload with a broken binary = %d %q, want a failure naming status 3", status, out)
	}
	if got := inode(t, fmt.Sprintf("/proc/%d/exe", master)); got != ino || !strings.Contains(u.Log(), "master not upgraded") {
		t.Errorf("a master that cannot re-execute must keep its code and say so (inode %d, want %d)", got, ino)
	}
	if now := u.ServingPID(); now != serving {
		t.Errorf("serving pid %d after a failed reload, want %d", now, serving)
	}
	u.replace(t, binary)
	if status, out := u.reload(t); status != 0 {
		t.Errorf("reload after a fix = %d %q", status, out)
	}
}

// A SIGHUP after a config change puts the new values in effect: a worker's setting
// (App.DefaultPageSize) in the new worker at once, and a master's (Server.UpgradeTimeout)
// in the master, which re-executes and so reads the file afresh too.
func TestSIGHUPAppliesAChangedConfig(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t)
	token := u.token()
	for i := range 5 {
		req, _ := http.NewRequest("POST", u.Base()+"/api/v1/tags", strings.NewReader(url.Values{"name": {fmt.Sprint("cfg-", i)}, "created_by": {"test"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("token", token)
		if r := roundTrip(oneShot, req); r.status != 200 {
			t.Fatalf("POST /api/v1/tags: %d %v %s", r.status, r.err, r.body)
		}
	}
	// page returns the default page's size and how many tags it holds.
	page := func() (size, n int) {
		t.Helper()
		req, _ := http.NewRequest("GET", u.Base()+"/api/v1/tags", nil)
		req.Header.Set("token", token)
		r := roundTrip(oneShot, req)
		var body struct {
			List  []json.RawMessage
			Pager struct {
				PageSize int `json:"page_size"`
			}
		}
		if err := json.Unmarshal([]byte(r.body), &body); r.status != 200 || err != nil {
			t.Fatalf("GET /api/v1/tags: %d %v %v %s", r.status, r.err, err, r.body)
		}
		return body.Pager.PageSize, len(body.List)
	}
	if size, n := page(); size != 10 || n != 5 {
		t.Fatalf("before the change: page_size %d with %d tags, want the default 10 with all 5", size, n)
	}

	if err := os.MkdirAll(filepath.Join(u.Dir, "configs"), 0o755); err != nil {
		t.Fatal(err)
	}
	config := "App:\n  DefaultPageSize: 3\nServer:\n  UpgradeTimeout: 5s\n"
	if err := os.WriteFile(filepath.Join(u.Dir, "configs", "config.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	logLen := len(u.Log())
	u.upgrade(t)
	// The old worker still takes new connections for a moment after the new one first
	// answers, until its drain closes its listener: ask once it has gone.
	u.awaitOneWorker(t)
	if size, n := page(); size != 3 || n != 3 {
		t.Errorf("after SIGHUP: page_size %d with %d tags, want 3 with 3", size, n)
	}
	if !strings.Contains(u.Log()[logLen:], "master re-executed") {
		t.Fatalf("the master did not re-execute on SIGHUP; log:\n%s", u.Log()[logLen:])
	}

	// The next "binary" answers the master's probe with a failure (the master stays as it
	// is) and, as a worker, never serves: it is killed after the re-executed master's
	// timeout, 5s, not the 30s default the master started with.
	serving := u.ServingPID()
	u.replace(t, u.script(t, "hangs", `[ "$SUPERVISOR_PROBE" = 1 ] && exit 1; exec sleep 60`))
	status, out := u.reload(t)
	if status == 0 || !strings.Contains(out, "not serving within the upgrade timeout (5s)") {
		t.Errorf("reload with a worker that hangs = %d %q, want a failure naming the 5s timeout", status, out)
	}
	if now := u.ServingPID(); now != serving {
		t.Errorf("serving pid %d after the failed reload, want %d", now, serving)
	}
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// loadStats counts what the test clients saw.
type loadStats struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	errs       []string
	acked      []string
}

func (s *loadStats) fail(format string, args ...any) {
	s.failed.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) < 10 {
		s.errs = append(s.errs, fmt.Sprintf(format, args...))
	}
}

// keepAliveReads sends GETs on one kept-alive connection with a hand-written client that
// never retries (Go's transport silently retries a GET whose reused connection failed),
// reconnecting only when the server says Connection: close.
func keepAliveReads(ctx context.Context, addr, token string, s *loadStats) {
	var conn net.Conn
	var br *bufio.Reader
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for ctx.Err() == nil {
		if conn == nil {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				s.fail("dial: %v", err)
				continue
			}
			conn, br = c, bufio.NewReader(c)
		}
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/tags?page_size=1", nil)
		req.Header.Set("token", token)
		if err := req.Write(conn); err != nil {
			s.fail("keep-alive write: %v", err)
			conn.Close()
			conn = nil
			continue
		}
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			s.fail("keep-alive read: %v", err)
			conn.Close()
			conn = nil
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			s.fail("keep-alive status %d", resp.StatusCode)
		} else {
			s.ok.Add(1)
		}
		if resp.Close {
			conn.Close()
			conn = nil
		}
	}
}

// freshReads sends GETs each on a new connection.
func freshReads(ctx context.Context, base, token string, s *loadStats) {
	for ctx.Err() == nil {
		req, _ := http.NewRequest("GET", base+"/api/v1/tags?page_size=1", nil)
		req.Header.Set("token", token)
		if r := roundTrip(oneShot, req); r.err != nil || r.status != 200 {
			s.fail("fresh GET: %d %v", r.status, r.err)
		} else {
			s.ok.Add(1)
		}
	}
}

// writes POSTs new tags on a kept-alive client (Go never retries a POST) and records the
// acknowledged names.
func writes(ctx context.Context, base, token, prefix string, s *loadStats) {
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for i := 0; ctx.Err() == nil; i++ {
		name := fmt.Sprintf("%s-%d", prefix, i)
		req, _ := http.NewRequest("POST", base+"/api/v1/tags", strings.NewReader(url.Values{"name": {name}, "created_by": {"drill"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("token", token)
		if r := roundTrip(client, req); r.err != nil || r.status != 200 {
			s.fail("POST: %d %v %s", r.status, r.err, r.body)
			continue
		}
		s.ok.Add(1)
		s.mu.Lock()
		s.acked = append(s.acked, name)
		s.mu.Unlock()
	}
}

func TestUpgradeUnderLoadLosesNothing(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t)
	token := u.token()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var reads, fresh, posts loadStats
	addr := fmt.Sprintf("127.0.0.1:%d", u.Port)
	for i := range 2 {
		wg.Add(3)
		go func() { defer wg.Done(); keepAliveReads(ctx, addr, token, &reads) }()
		go func() { defer wg.Done(); freshReads(ctx, u.Base(), token, &fresh) }()
		go func() { defer wg.Done(); writes(ctx, u.Base(), token, fmt.Sprint("w", i), &posts) }()
	}
	for range 3 {
		time.Sleep(300 * time.Millisecond)
		u.replace(t, binary)
		u.upgrade(t)
	}
	time.Sleep(300 * time.Millisecond)
	cancel()
	wg.Wait()
	for name, s := range map[string]*loadStats{"keep-alive reads": &reads, "fresh-connection reads": &fresh, "writes": &posts} {
		if s.failed.Load() != 0 || s.ok.Load() == 0 {
			t.Errorf("%s across 3 upgrades: %d ok, %d failed: %v", name, s.ok.Load(), s.failed.Load(), s.errs)
		}
	}
	// Every acknowledged write is stored, and nothing else (read page by page: total_rows
	// would show the number, not the names).
	stored := u.storedTagNames(token)
	for _, name := range posts.acked {
		if !stored[name] {
			t.Errorf("acknowledged tag %s is not stored", name)
		}
	}
	if len(stored) != len(posts.acked) {
		t.Errorf("%d writes acknowledged, %d rows stored", len(posts.acked), len(stored))
	}
	t.Logf("3 upgrades under load: %d keep-alive reads, %d fresh reads, %d writes, 0 failed",
		reads.ok.Load(), fresh.ok.Load(), posts.ok.Load())
}

func TestFailedUpgradesKeepTheOldWorker(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t, "BLOG_SERVER_UPGRADETIMEOUT=2s")
	tests := []struct {
		name    string
		prepare func()
		want    string // in the master's log
	}{
		{"binary that exits", func() { u.replace(t, u.script(t, "exits", "exit 3")) }, "new worker exited before serving"},
		{"binary that crashes", func() { u.replace(t, u.script(t, "crashes", "kill -SEGV $$")) }, "new worker exited before serving"},
		{"binary that hangs", func() { u.replace(t, u.script(t, "hangs", "exec sleep 60")) }, "not ready in time"},
		{"missing binary", func() { os.Remove(u.Exe) }, "upgrade failed"},
		{"unparsable config", func() {
			u.replace(t, binary)
			os.MkdirAll(filepath.Join(u.Dir, "configs"), 0o755)
			os.WriteFile(filepath.Join(u.Dir, "configs", "config.yaml"), []byte("Server: [unclosed\n"), 0o644)
		}, "new worker exited before serving"},
	}
	for _, tt := range tests {
		before := u.ServingPID()
		tt.prepare()
		logLen := len(u.Log())
		u.hup(t)
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(u.Log()[logLen:], tt.want) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the log never said %q:\n%s", tt.name, tt.want, u.Log()[logLen:])
			}
			time.Sleep(20 * time.Millisecond)
		}
		if now := u.ServingPID(); now != before {
			t.Errorf("%s: serving pid %d, want the old worker %d still serving", tt.name, now, before)
		}
		if kids := u.awaitOneWorker(t); kids != before {
			t.Errorf("%s: the master's child is %d, want only %d (the failed one killed)", tt.name, kids, before)
		}
	}
	// A later upgrade with a good binary and config still works.
	os.Remove(filepath.Join(u.Dir, "configs", "config.yaml"))
	u.replace(t, binary)
	u.upgrade(t)
}

func TestSIGHUPStormEndsWithOneWorker(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t)
	first := u.ServingPID()
	for range 5 {
		u.hup(t)
	}
	u.awaitWorkerOtherThan(t, first)
	time.Sleep(500 * time.Millisecond) // let a queued upgrade start, if one is due
	worker := u.awaitOneWorker(t)
	if pid := u.ServingPID(); pid != worker {
		t.Errorf("serving pid %d, the master's only child %d", pid, worker)
	}
}

func TestStopDuringUpgradeStopsEverything(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t)
	old := u.ServingPID()
	// The next "binary" takes a while to start: the upgrade is under way when SIGTERM comes.
	real := filepath.Join(u.Dir, "real")
	if err := os.Link(u.Exe, real); err != nil {
		t.Fatal(err)
	}
	u.replace(t, u.script(t, "slow-start", "sleep 2; exec "+real+` "$@"`))
	u.hup(t)
	u.waitLog("worker starting")
	time.Sleep(200 * time.Millisecond)
	starting := children(u.Cmd.Process.Pid)
	u.signal(syscall.SIGTERM)
	if status := u.wait(15 * time.Second); status != 0 {
		t.Errorf("SIGTERM during an upgrade: status %d, want 0", status)
	}
	for _, pid := range append(starting, old) {
		if !goneWithin(pid, 5*time.Second) {
			t.Errorf("process %d outlived the stop", pid)
		}
	}
}

func TestDeadWorkerIsReplaced(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t)
	old := u.ServingPID()
	syscall.Kill(old, syscall.SIGKILL)
	if pid := u.awaitWorkerOtherThan(t, old); pid == 0 {
		t.Error("no new worker after the serving one was killed")
	}
	u.waitLog("serving worker died")
}

// When the serving worker dies and replacements keep failing, the master retries with
// back-off and then exits non-zero, so systemd or Kubernetes can act, rather than hold a
// socket nobody serves.
func TestMasterGivesUpWhenReplacementsKeepFailing(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t)
	u.replace(t, u.script(t, "exits", "exit 3"))
	syscall.Kill(u.ServingPID(), syscall.SIGKILL)
	if status := u.wait(30 * time.Second); status == 0 {
		t.Error("master exited 0 after giving up, want non-zero")
	}
	if log := u.Log(); !strings.Contains(log, "gave up after") || !strings.Contains(log, "retrying to start a worker") {
		t.Errorf("the log should show the retries and giving up:\n%s", log)
	}
}

func TestWorkerDoesNotOutliveAKilledMaster(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t)
	worker := u.ServingPID()
	u.Cmd.Process.Kill()
	if !goneWithin(worker, 10*time.Second) {
		t.Errorf("worker %d still runs 10 s after its master was killed", worker)
	}
}

// A master killed with SIGKILL cannot stop its worker; the kernel tells the worker (once per
// thread of the dying master), and the worker drains once: the requests in flight finish.
func TestKilledMasterLetsRequestsInFlightFinish(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t, "BLOG_SERVER_SHUTDOWNTIMEOUT=10s")
	token := u.token()
	worker := u.ServingPID()
	var inflight []<-chan result
	for range 4 {
		inflight = append(inflight, u.slow(token, 2*time.Second))
	}
	u.Cmd.Process.Kill()
	for i, ch := range inflight {
		if r := <-ch; r.err != nil || r.status != 200 {
			t.Errorf("request %d in flight when the master died: %d %v %s", i, r.status, r.err, r.body)
		}
	}
	if !goneWithin(worker, 15*time.Second) {
		t.Errorf("worker %d still runs after its drain", worker)
	}
}

func TestNoLeaksOverTenUpgrades(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t)
	master := u.Cmd.Process.Pid
	fds := func() int {
		entries, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", master))
		return len(entries)
	}
	u.upgrade(t)
	u.awaitOneWorker(t)
	// The fewest over half a second: the count taken at one moment may include a descriptor
	// the master holds for that moment only (CI once saw 12, then 11 after ten upgrades).
	before := fds()
	for range 10 {
		time.Sleep(50 * time.Millisecond)
		before = min(before, fds())
	}
	var workers []int
	for range 10 {
		u.replace(t, binary)
		workers = append(workers, u.upgrade(t))
	}
	last := u.awaitOneWorker(t)
	// A descriptor the master holds for a moment (the status file it is writing, a worker
	// it is still reaping) is not a leak: a leak stays.
	after := fds()
	for deadline := time.Now().Add(5 * time.Second); after > before && time.Now().Before(deadline); after = fds() {
		time.Sleep(50 * time.Millisecond)
	}
	if after > before {
		t.Errorf("master's descriptors went from %d to %d over ten upgrades", before, after)
	}
	for _, pid := range workers[:len(workers)-1] {
		if pid != last && !goneWithin(pid, 10*time.Second) {
			t.Errorf("old worker %d still runs, or is an unreaped zombie", pid)
		}
	}
}

func TestDrainDelayKeepsServingWithReadinessFailing(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t, "BLOG_SERVER_DRAINDELAY=2s")
	u.signal(syscall.SIGTERM)
	u.waitLog("drain delay")
	// New connections are still served during the delay, but readiness fails.
	ready, _ := oneShot.Get(u.Base() + "/readyz")
	live, _ := oneShot.Get(u.Base() + "/healthz")
	if ready == nil || ready.StatusCode != 503 || live == nil || live.StatusCode != 200 {
		t.Errorf("during the drain delay: /readyz %v, /healthz %v; want 503 and 200", ready, live)
	}
	if status := u.wait(15 * time.Second); status != 0 {
		t.Errorf("status %d after a drain delay, want 0", status)
	}
}

// Under systemd (Type=notify) the master reports READY=1 once serving, RELOADING=1 and
// READY=1 around an upgrade, and STOPPING=1: a test socket stands in for systemd's.
func TestSystemdNotify(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msgs := make(chan string, 16)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	expect := func(prefix string) {
		t.Helper()
		select {
		case m := <-msgs:
			if !strings.HasPrefix(m, prefix) {
				t.Errorf("sd_notify message %q, want %q", m, prefix)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no sd_notify %q", prefix)
		}
	}
	u := startUpgradable(t, "NOTIFY_SOCKET="+sock)
	expect("READY=1")
	u.upgrade(t)
	expect("RELOADING=1\nMONOTONIC_USEC=")
	expect("READY=1")
	u.signal(syscall.SIGTERM)
	expect("STOPPING=1")
	u.wait(15 * time.Second)
}

// `go run main.go` keeps working: the master stays the foreground process that go run
// waits for, so repeated SIGHUPs each upgrade (go run's temporary binary is still there),
// and Ctrl+C (SIGINT to the whole process group) stops everything with status 0.
func TestGoRunUpgradesAndStops(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// go run starts the process, not Launch: the Service only describes it, for the helpers.
	u := &upgradable{&proc{t: t, Service: &blogproc.Service{Dir: dir, Port: freePort(t),
		PIDFile: filepath.Join(dir, "gorun.pid"), LogPath: filepath.Join(dir, "gorun.log")}}}
	out, err := os.Create(u.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	// Compiled first, with no deadline: on a cold build cache, beside the suite's race builds
	// on a busy machine, go run's compiling alone took more than the wait for /readyz below.
	if b, err := exec.Command("go", "build", "-o", os.DevNull, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	cmd := exec.Command("go", "run", "main.go", "-port", fmt.Sprint(u.Port), "-pidfile", u.PIDFile)
	cmd.Env = append(os.Environ(), "BLOG_DATABASE_PATH="+filepath.Join(dir, "blog.db"),
		"BLOG_APP_UPLOADSAVEPATH="+filepath.Join(dir, "uploads"))
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a terminal's foreground job
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	goRunDone := make(chan error, 1)
	go func() { goRunDone <- cmd.Wait() }()
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	if err := u.WaitReady(120 * time.Second); err != nil {
		t.Fatalf("go run main.go: %v\n%s", err, u.Log())
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(u.PIDFile); err == nil {
			break
		}
	}
	var worker int
	for range 3 {
		worker = u.upgrade(t)
	}
	select {
	case err := <-goRunDone:
		t.Fatalf("go run ended during the upgrades (%v): the terminal would lose its job\n%s", err, u.Log())
	default:
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) // what Ctrl+C does
	select {
	case <-goRunDone: // go run's own status is 1 after SIGINT (golang/go#40467)
	case <-time.After(20 * time.Second):
		t.Fatalf("go run still running 20 s after Ctrl+C\n%s", u.Log())
	}
	if log := u.Log(); strings.Contains(log, "exit status") || !strings.Contains(log, "Server exiting") {
		t.Errorf("the program did not stop with status 0 (go run prints a non-zero one):\n%s", log)
	}
	if !goneWithin(worker, 5*time.Second) {
		t.Errorf("worker %d outlived Ctrl+C", worker)
	}
}

// An upgrade lets a request longer than the stop's deadline finish: the new worker serves
// already, so the old one drains for Server.HandOverTimeout, not Server.ShutdownTimeout. (A
// 5 MB upload at 700 KB/s was cut by every SIGHUP.)
func TestUpgradeLetsALongRequestFinish(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t, "BLOG_SERVER_SHUTDOWNTIMEOUT=1s", "BLOG_SERVER_HANDOVERTIMEOUT=30s")
	old := u.ServingPID()
	res := u.upgradeDuring(t, 4*time.Second)
	if r := <-res; r.err != nil || r.status != 200 {
		t.Errorf("a 4 s request across SIGHUP with a 1 s stop deadline: %+v, want 200", r)
	}
	if !goneWithin(old, 10*time.Second) {
		t.Errorf("old worker %d still runs after its last request", old)
	}
}

// A stop during an old worker's hand-over drain reaches that worker too: its long request
// is cut at the stop's deadline with the JSON error, not killed with the worker when the
// master's stop timeout passes, and the master reports the cut.
func TestStopDuringAHandOverDrainCutsAtTheStopDeadline(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t, "BLOG_SERVER_SHUTDOWNTIMEOUT=1s")
	res := u.upgradeDuring(t, 30*time.Second)
	u.signal(syscall.SIGTERM)
	r := <-res
	if r.err != nil || r.status != 503 || !strings.Contains(r.body, `"code":10000008`) {
		t.Errorf("a long request on the draining worker at a stop: %+v, want the 503 (10000008)", r)
	}
	if status := u.wait(30 * time.Second); status != 1 {
		t.Errorf("exit status = %d, want 1: a request was cut", status)
	}
	if log := u.Log(); strings.Contains(log, "killing them") {
		t.Errorf("the master had to kill workers; log:\n%s", log)
	}
}

// A second stop during an old worker's hand-over drain cuts its requests at once, as a
// second signal does in any drain. The first gives them the stop's deadline, here longer
// than the request, so without the second step the request would run to its end.
func TestSecondStopDuringAHandOverDrainForces(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t, "BLOG_SERVER_SHUTDOWNTIMEOUT=50s")
	res := u.upgradeDuring(t, 30*time.Second)
	u.signal(syscall.SIGTERM)
	// The old worker logs the first stop's step before the second is sent: two SIGTERMs
	// pending at once would reach the master as one.
	u.awaitLog(t, 0, "stop signal during the hand-over drain")
	u.signal(syscall.SIGTERM)
	if r := <-res; r.err == nil && r.status == 200 {
		t.Errorf("a 30 s request on the draining worker after two stops: %+v, want it cut, not run to its end", r)
	}
	if status := u.wait(60 * time.Second); status == 0 {
		t.Error("exit status 0 after a forced stop, want non-zero: a request was cut")
	}
	if log := u.Log(); !strings.Contains(log, "second signal: stopping now") {
		t.Errorf("no worker stopped at once; log:\n%s", log)
	}
}

// A reload sent while an upgrade is failing gets its own outcome: the upgrade its SIGHUP
// queued runs after the failure, with the binary and config of then, and that is what it
// reports. (A second reload, sent with a fix while a bad upgrade ran, failed with the first
// one's reason, and nothing deployed the fix until a third.)
func TestReloadDuringAFailingUpgradeGetsItsOwnOutcome(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t, "BLOG_SERVER_UPGRADETIMEOUT=2s")
	before := u.ServingPID()
	reload := func(out chan<- string) {
		cmd := exec.Command(binary, "-pidfile", u.PIDFile, "reload")
		cmd.Dir = u.Dir
		b, err := cmd.CombinedOutput()
		out <- fmt.Sprintf("err=%v %s", err, b)
	}
	u.replace(t, u.script(t, "hangs", "exec sleep 60"))
	logLen := len(u.Log())
	first := make(chan string, 1)
	go reload(first)
	// The hanging binary fails the master's probe (2 s); then a worker of it is starting,
	// which fails in 2 s more. Meanwhile the good binary is put back and reloaded.
	u.awaitLog(t, logLen, "worker starting")
	u.replace(t, binary)
	second := make(chan string, 1)
	go reload(second)
	if out := <-first; strings.HasPrefix(out, "err=<nil>") {
		t.Errorf("the reload of the hanging binary: %s, want a failure", out)
	}
	if out := <-second; !strings.HasPrefix(out, "err=<nil>") || !strings.Contains(out, "serves") {
		t.Errorf("the reload of the fixed binary: %s, want its own upgrade's success; log:\n%s", out, u.Log()[logLen:])
	}
	// As the reload returns, the old worker may still accept a connection or two of the
	// shared socket before the hand-over signal closes its listener.
	if _, err := u.AwaitServing(before, 2*time.Second); err != nil {
		t.Errorf("after the fixed reload: %v: the old worker %d still serves", err, before)
	}
	// The queued upgrade upgrades the master too, as every SIGHUP does.
	if !strings.Contains(u.Log()[logLen:], "master re-executed") {
		t.Errorf("the master did not re-execute for the queued upgrade; log:\n%s", u.Log()[logLen:])
	}
}

// A stop's exit status is the stop's: an old worker whose hand-over drain cut a request
// and ended before the stop does not make a clean stop exit 1, nor does one that ended
// before a later upgrade re-executed the master (it was carried over, already reaped, and
// reported as status -1).
func TestStopStatusCountsOnlyTheWorkersItStops(t *testing.T) {
	t.Parallel()
	u := cutHandOver(t)
	// One more upgrade, whose new worker fails: the master re-executes carrying the
	// workers still draining, then keeps the serving one.
	old := u.ServingPID()
	configs := filepath.Join(u.Dir, "configs")
	if err := os.MkdirAll(configs, 0o755); err != nil {
		t.Fatal(err)
	}
	// It loads (the master's probe passes), but no worker can create the upload directory.
	if err := os.WriteFile(filepath.Join(configs, "config.yaml"), []byte("App:\n  UploadSavePath: /proc/none/uploads\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	logLen := len(u.Log())
	u.hup(t)
	u.awaitLog(t, logLen, "upgrade failed")
	if now := u.ServingPID(); now != old {
		t.Fatalf("serving %d after the failed upgrade, want %d", now, old)
	}
	u.stopsClean(t)
}

// The first half of the above alone: no upgrade between the cut hand-over and the stop.
func TestCleanStopAfterACutHandOverExitsZero(t *testing.T) {
	t.Parallel()
	cutHandOver(t).stopsClean(t)
}

// A stop that comes as the old worker cuts its hand-over's requests, before it has exited,
// is clean too: the stop took that worker's status as a cut of its own and exited 1.
func TestStopAsAHandOverCutsExitsZero(t *testing.T) {
	t.Parallel()
	u, _, res := handOverCutting(t)
	u.stopsClean(t)
	if r := <-res; r.status != 503 {
		t.Errorf("a 5 s request across a hand-over of 1 s: %+v, want the 503 cut", r)
	}
}

// An old worker that ends its hand-over's cut while the master checks the binary of the
// next SIGHUP is logged as that cut: the image that reaped it during the check passed it
// on as still draining, and the next image, which could not wait for it, logged its
// status as lost.
func TestHandOverCutEndingDuringTheNextCheckIsLogged(t *testing.T) {
	t.Parallel()
	u, since, res := handOverCutting(t)
	u.upgrade(t)
	<-res
	u.awaitLog(t, since, "old worker exited: requests cut at its hand-over deadline")
	if log := u.Log()[since:]; strings.Contains(log, "went with the master's previous image") {
		t.Errorf("the cut worker's status was lost:\n%s", log)
	}
}

// handOverCutting starts the service with a 1 s hand-over drain, upgrades it under a 5 s
// request, and returns once the old worker says it cuts that request: the service, the
// length of its log before the upgrade, and the request's result to come.
func handOverCutting(t *testing.T) (u *upgradable, since int, res <-chan result) {
	t.Helper()
	u = startUpgradable(t, "BLOG_SERVER_HANDOVERTIMEOUT=1s")
	since = len(u.Log())
	res = u.upgradeDuring(t, 5*time.Second)
	u.awaitLog(t, since, "drain deadline passed: cutting requests in flight")
	return u, since, res
}

// stopsClean sends SIGTERM and wants the master's exit status 0.
func (u *upgradable) stopsClean(t *testing.T) {
	t.Helper()
	u.signal(syscall.SIGTERM)
	if status := u.wait(30 * time.Second); status != 0 {
		t.Errorf("exit status %d after a clean stop, want 0; log:\n%s", status, u.Log())
	}
}

// cutHandOver starts the service with a 1 s hand-over drain and upgrades it under a 5 s
// request, which the old worker cuts (the JSON 503) before it exits with
// supervisor.StatusHandOverCut.
func cutHandOver(t *testing.T) *upgradable {
	t.Helper()
	u := startUpgradable(t, "BLOG_SERVER_HANDOVERTIMEOUT=1s")
	old := u.ServingPID()
	res := u.upgradeDuring(t, 5*time.Second)
	if r := <-res; r.status != 503 {
		t.Errorf("a 5 s request across a hand-over of 1 s: %+v, want the 503 cut", r)
	}
	if !goneWithin(old, 10*time.Second) {
		t.Fatalf("old worker %d still runs after its drain", old)
	}
	return u
}

// A binary replaced while the master checks it is not what the master re-executes into:
// execve opens the path again, and a broken file put there during the check ended the
// master and took the service down. The master now sees the change and keeps its code.
func TestBinaryReplacedDuringItsCheckIsNotExecuted(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t)
	master, serving, logLen := u.hupDuringASlowCheck(t)
	u.replace(t, u.script(t, "broken", "exit 3"))
	u.awaitLog(t, logLen, "changed while it was checked")
	u.awaitLog(t, logLen, "upgrade failed") // the worker of the broken file
	if pid := u.pidFromFile(t); pid != master || syscall.Kill(master, 0) != nil {
		t.Fatalf("the master %d is gone; log:\n%s", master, u.Log()[logLen:])
	}
	if now := u.ServingPID(); now != serving {
		t.Errorf("serving %d, want the old worker %d", now, serving)
	}
}

// A release switched by pointing a symlink elsewhere (current -> releases/v2) is what an
// upgrade runs, master and worker: the master upgrades from the path it was started by,
// not from the file that path resolved to then (which kept the old release serving while
// reload said the upgrade was done).
func TestUpgradeFollowsASwitchedSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, r := range []string{"v1", "v2"} {
		if err := os.MkdirAll(filepath.Join(dir, "releases", r), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := blogproc.Install(binary, filepath.Join(dir, "releases", r, "blog-service")); err != nil {
			t.Fatal(err)
		}
	}
	current := filepath.Join(dir, "current")
	if err := os.Symlink("releases/v1", current); err != nil {
		t.Fatal(err)
	}
	u := startUpgradableAt(t, dir, filepath.Join(current, "blog-service"))
	// The switch, as deploy tools make it: a new link renamed over the old.
	if err := os.Symlink("releases/v2", current+".new"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(current+".new", current); err != nil {
		t.Fatal(err)
	}
	worker := u.upgrade(t)
	want := filepath.Join(dir, "releases", "v2", "blog-service")
	for _, pid := range []int{worker, u.Cmd.Process.Pid} {
		if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); exe != want {
			t.Errorf("process %d runs %s, want %s", pid, exe, want)
		}
	}
}

// A config that does not load: reload says why, not only "see the service log" (the
// worker failed before it could report, and the master passed on nothing).
func TestReloadSaysWhyTheConfigDoesNotLoad(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t)
	configs := filepath.Join(u.Dir, "configs")
	if err := os.MkdirAll(configs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(configs, "config.yaml"), []byte("Server:\n  ShutdownTimout: 5s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Run from elsewhere, as an operator's reload with its own config would: the reload
	// command itself would refuse this config before signalling.
	cmd := exec.Command(binary, "-pidfile", u.PIDFile, "reload")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "ShutdownTimout") {
		t.Errorf("reload with an unknown key = %v %q, want a failure naming the key", err, out)
	}
}

// A SIGHUP sent with a newer binary while the master checks the one before: the master
// checks the newer one and runs it (the SIGHUP was dropped, and the master kept its old
// code though the worker ran the newest).
func TestSIGHUPDuringTheCheckChecksTheNewerBinary(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t)
	master, serving, logLen := u.hupDuringASlowCheck(t)
	u.replace(t, binary)
	u.hup(t)
	u.awaitWorkerOtherThan(t, serving)
	u.awaitLog(t, logLen, "checking it again")
	if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", master)); exe != u.Exe {
		t.Errorf("the master runs %s, want the binary installed last, %s", exe, u.Exe)
	}
}

// hupDuringASlowCheck installs a binary whose check (a probe: run with SUPERVISOR_PROBE
// set) takes a second, sends SIGHUP and returns once the check runs, with the master's and
// the serving worker's PIDs and the log's length before the SIGHUP.
func (u *upgradable) hupDuringASlowCheck(t *testing.T) (master, serving, logLen int) {
	t.Helper()
	master, serving = u.pidFromFile(t), u.ServingPID()
	u.replace(t, u.script(t, "slow-check", `[ -n "$SUPERVISOR_PROBE" ] && sleep 1; exec `+binary+` "$@"`))
	logLen = len(u.Log())
	u.hup(t)
	// The check runs once the probe's shell has started its sleep (a child of the probe):
	// the probe's own process is there before it executes the file.
	checking := func() bool {
		return slices.ContainsFunc(children(master), func(pid int) bool { return pid != serving && len(children(pid)) > 0 })
	}
	for deadline := time.Now().Add(20 * time.Second); !checking(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the master never started its check")
		}
	}
	return master, serving, logLen
}

// A release that serves, then crashes (a fault on its first requests), fails its reload:
// its worker exits within Server.UpgradeSettle, and the master replaces it. reload used to
// say it served, and the master restarted it in a tight loop. (The crash is a SIGKILL from
// here: the master runs a worker from its own executable's file only.)
func TestReloadOfAReleaseThatCrashesOnceServingFails(t *testing.T) {
	t.Parallel()
	u := startUpgradable(t, "BLOG_SERVER_UPGRADESETTLE=10s")
	logLen := len(u.Log())
	reloaded := make(chan string, 1)
	go func() {
		cmd := exec.Command(binary, "-pidfile", u.PIDFile, "reload")
		cmd.Dir = u.Dir
		out, err := cmd.CombinedOutput()
		reloaded <- fmt.Sprintf("err=%v %s", err, out)
	}()
	u.awaitLog(t, logLen, `"why": "upgrade"}`)
	m := regexp.MustCompile(`worker serving\t\{"pid": (\d+), "why": "upgrade"\}`).FindStringSubmatch(u.Log()[logLen:])
	if m == nil {
		t.Fatalf("no new worker's pid in the log:\n%s", u.Log()[logLen:])
	}
	crashed, _ := strconv.Atoi(m[1])
	if err := syscall.Kill(crashed, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	out := <-reloaded
	if strings.HasPrefix(out, "err=<nil>") || !strings.Contains(out, fmt.Sprintf("new worker %d exited", crashed)) {
		t.Errorf("reload of the release that crashed: %s; want it failed, naming the worker", out)
	}
	if _, err := u.AwaitServing(crashed, 20*time.Second); err != nil {
		t.Errorf("no worker serves after the crash: %v", err)
	}
}
