// Package blogproc runs the built blog-service binary as a process, for the lifecycle tests
// (package main's *_test.go) and for the benchmark and the drills (scripts/, a module of its
// own): start it, wait until it serves, signal it, wait for its exit status, upgrade,
// restart, stop, and talk to it without keep-alive connections (an idle one would delay
// every drain on purpose). It knows nothing of testing: every step returns an error, and
// the tests wrap it in helpers that fail the test.
package blogproc

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// OneShot closes its connection after each request, and gives up on one after 10 s.
var OneShot = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}

// Service is a blog-service master run from a binary in a working directory: the fields
// up to LogPath say how to run it, Start and Launch run it (again after it exited: a
// restart), and Cmd and Exited are the process they started last.
type Service struct {
	Exe     string   // the binary; give each Service its own copy if it is to be replaced (Install)
	Dir     string   // the working directory: the SQLite file, uploads and configs/ are relative to it
	Port    int      // passed as -port
	PIDFile string   // passed as -pidfile when set
	Args    []string // further arguments, after -port and -pidfile
	Env     []string // added to this process's environment
	LogPath string   // the process's stdout and stderr, appended to; Dir/service.log when empty
	Output  *os.File // the process's stdout and stderr instead, when set (a pipe, say); the caller closes it

	Cmd    *exec.Cmd
	Exited chan struct{} // closed once Cmd has exited; Wait then returns its status
	status int
}

// Addr is the service's host:port.
func (s *Service) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// Base is the service's base URL.
func (s *Service) Base() string { return "http://" + s.Addr() }

func (s *Service) logPath() string {
	if s.LogPath == "" {
		return filepath.Join(s.Dir, "service.log")
	}
	return s.LogPath
}

// Launch starts the process without waiting for it to serve.
func (s *Service) Launch() error {
	out, closeOut := s.Output, func() {}
	if out == nil {
		f, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		out, closeOut = f, func() { f.Close() }
	}
	args := []string{"-port", fmt.Sprint(s.Port)}
	if s.PIDFile != "" {
		args = append(args, "-pidfile", s.PIDFile)
	}
	cmd := exec.Command(s.Exe, append(args, s.Args...)...)
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), s.Env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		closeOut()
		return err
	}
	exited := make(chan struct{})
	s.Cmd, s.Exited = cmd, exited
	go func() {
		defer close(exited)
		err := cmd.Wait()
		closeOut()
		var ee *exec.ExitError
		switch {
		case err == nil:
			s.status = 0
		case errors.As(err, &ee):
			s.status = ee.ExitCode() // -1 when a signal killed it
		default:
			s.status = -1
		}
	}()
	return nil
}

// Start launches the process and waits until it is ready (WaitReady, for up to 60 s).
func (s *Service) Start() error {
	if err := s.Launch(); err != nil {
		return err
	}
	return s.WaitReady(60 * time.Second)
}

// WaitReady waits until /readyz answers 200: a worker serves and its database answers. It
// fails at once if the process exits first. A Service that Launch did not start (Exited
// nil) is only polled.
func (s *Service) WaitReady(limit time.Duration) error {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		select {
		case <-s.Exited: // a nil channel never is: then the select takes default
			return fmt.Errorf("exited with status %d before serving (see %s)", s.status, s.logPath())
		default:
		}
		if resp, err := OneShot.Get(s.Base() + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("no /readyz 200 within %v (see %s)", limit, s.logPath())
}

// Log is everything the process has written so far (and the earlier runs' output, since
// each appends).
func (s *Service) Log() string {
	b, _ := os.ReadFile(s.logPath()) // a missing log has nothing in it
	return string(b)
}

// WaitLog waits until the log contains text.
func (s *Service) WaitLog(text string, limit time.Duration) error {
	for deadline := time.Now().Add(limit); !strings.Contains(s.Log(), text); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("the log did not say %q within %v", text, limit)
		}
	}
	return nil
}

// Signal sends sig to the master.
func (s *Service) Signal(sig os.Signal) error {
	if err := s.Cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("signal %v: %w", sig, err)
	}
	return nil
}

// Wait waits up to limit for the process to exit, and returns its exit status (-1 if a
// signal killed it).
func (s *Service) Wait(limit time.Duration) (int, error) {
	select {
	case <-s.Exited:
		return s.status, nil
	case <-time.After(limit):
		return 0, fmt.Errorf("still running after %v", limit)
	}
}

// Stop sends SIGTERM and waits up to 30 s for the master to exit, whatever its status.
func (s *Service) Stop() error {
	if err := s.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	_, err := s.Wait(30 * time.Second)
	return err
}

// Kill ends the master at once and waits until it has exited (cleanup after a failed run;
// on Linux its worker sees the master die and drains). It does nothing if Launch never
// succeeded.
func (s *Service) Kill() {
	if s.Exited == nil {
		return
	}
	_ = s.Cmd.Process.Kill() // fails only when the process has exited already
	<-s.Exited
}

// Restart is the plain deploy: stop, then start the binary (replaced meanwhile, or not),
// timing the gap.
func (s *Service) Restart() (time.Duration, error) {
	t0 := time.Now()
	if err := s.Stop(); err != nil {
		return 0, err
	}
	if err := s.Start(); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// Upgrade is the in-place deploy: it installs bin as the executable and sends SIGHUP,
// timing until a new process serves.
func (s *Service) Upgrade(bin string) (time.Duration, error) {
	if err := Install(bin, s.Exe); err != nil {
		return 0, err
	}
	old := s.ServingPID()
	t0 := time.Now()
	if err := s.Signal(syscall.SIGHUP); err != nil {
		return 0, err
	}
	_, err := s.AwaitServing(old, 30*time.Second)
	return time.Since(t0), err
}

// Serving is the pid and version /healthz reports, 0 and "" if it does not answer.
func (s *Service) Serving() (pid int, version string) {
	resp, err := OneShot.Get(s.Base() + "/healthz")
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	var h struct {
		PID     int
		Version string
	}
	_ = json.NewDecoder(resp.Body).Decode(&h) // a bad answer leaves zeros: "not serving"
	return h.PID, h.Version
}

// ServingPID is the pid /healthz reports: the worker's, not the master's; 0 if it does not
// answer.
func (s *Service) ServingPID() int {
	pid, _ := s.Serving()
	return pid
}

// AwaitServing waits until /healthz reports a serving pid other than notPID, and returns it.
func (s *Service) AwaitServing(notPID int, limit time.Duration) (int, error) {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if pid := s.ServingPID(); pid != 0 && pid != notPID {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no serving process other than %d within %v", notPID, limit)
}

// AddCredential runs `auth add -if-absent appKey` with the service's binary, directory and
// environment, the secret on standard input: how a release deployment gets a credential.
func (s *Service) AddCredential(appKey, appSecret string) error {
	cmd := exec.Command(s.Exe, "auth", "add", "-if-absent", appKey)
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), s.Env...)
	cmd.Stdin = strings.NewReader(appSecret + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("auth add %s: %v: %s", appKey, err, out)
	}
	return nil
}

// Token gets a token for the demo credential, which exists in debug mode only.
func (s *Service) Token() (string, error) { return s.TokenFor("eddycjy", "go-programming-tour-book") }

// TokenFor gets a token for a credential.
func (s *Service) TokenFor(appKey, appSecret string) (string, error) {
	resp, err := OneShot.PostForm(s.Base()+"/auth", url.Values{"app_key": {appKey}, "app_secret": {appSecret}})
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

// CountPresent counts how many of the acknowledged names are stored, reading every page.
func (s *Service) CountPresent(token string, names []string) (int, error) {
	tags, err := s.Tags(token)
	if err != nil {
		return 0, err
	}
	stored := map[string]bool{}
	for _, name := range tags {
		stored[name] = true
	}
	present := 0
	for _, n := range names {
		if stored[n] {
			present++
		}
	}
	return present, nil
}

// Tags reads every page of tags: each stored tag's name by id. It follows each page's
// pager.next_after_id, since page numbers stop at App.MaxPageOffset rows (10,000 by
// default: a drill that wrote more got a 400 past page 101); a release from before
// after_id, whose pages have none, is read by page number.
func (s *Service) Tags(token string) (map[int]string, error) {
	tags := map[int]string{}
	afterID := 0 // 0: by page number
	for page := 1; ; page++ {
		q := fmt.Sprintf("page=%d", page)
		if afterID > 0 {
			q = fmt.Sprintf("after_id=%d", afterID)
		}
		req, err := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/tags?page_size=100&%s", s.Base(), q), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("token", token)
		resp, err := OneShot.Do(req)
		if err != nil {
			return nil, err
		}
		var list struct {
			List []struct {
				ID   int    `json:"id"`
				Name string `json:"name"`
			} `json:"list"`
			Pager struct {
				NextAfterID int `json:"next_after_id"`
			} `json:"pager"`
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET tags %s: status %d %v", q, resp.StatusCode, err)
		}
		for _, t := range list.List {
			tags[t.ID] = t.Name
		}
		switch {
		case len(list.List) == 0:
			return tags, nil
		case list.Pager.NextAfterID > 0:
			afterID = list.Pager.NextAfterID
		case afterID > 0: // the last page after an id
			return tags, nil
		}
	}
}

// Install puts src at dst the way a deploy does: an executable copy renamed over the old
// file, so the running processes keep their (now unlinked) file. cp writes the copy: a file
// this process held open for writing could leak into a child forked meanwhile by another
// goroutine, and exec of it would then fail with "text file busy" (golang/go#22315).
func Install(src, dst string) error {
	if out, err := exec.Command("cp", src, dst+".new").CombinedOutput(); err != nil {
		return fmt.Errorf("cp: %v %s", err, out)
	}
	if err := os.Chmod(dst+".new", 0o755); err != nil {
		return err
	}
	return os.Rename(dst+".new", dst)
}

// FreePort returns a loopback port that was free a moment ago, below the kernel's range
// of ephemeral ports: a port from that range (what listening on :0 gives) can be taken by
// any outgoing connection before the service binds it, and a test that opened many
// connections made another's service fail with "address already in use". Ports are not
// handed out twice in one process.
func FreePort() (int, error) {
	low := 32768 // Linux's default start of ip_local_port_range
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				low = n
			}
		}
	}
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 100 {
		if low <= 11000 {
			break
		}
		port := 10000 + rand.IntN(low-10000)
		if portsGiven[port] {
			continue
		}
		if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			ln.Close()
			portsGiven[port] = true
			return port, nil
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)
