// Package blogproc runs blog-service processes for the drills and the benchmark: start one
// from its own copy of the binary, wait until it serves, upgrade, restart, stop, and talk
// to it without keep-alive connections (an idle one would delay every drain on purpose).
package blogproc

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// OneShot closes its connection after each request.
var OneShot = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}

// Service is one blog-service master, started from its own copy of the binary.
type Service struct {
	Exe, Dir, PIDFile string
	Port              int
	Env               []string // added to this process's environment
	Cmd               *exec.Cmd
	Exited            chan struct{}
}

// Addr is the service's host:port.
func (s *Service) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// Base is the service's base URL.
func (s *Service) Base() string { return "http://" + s.Addr() }

// Start starts the master, logging to Dir/service.log, and waits for /readyz 200.
func (s *Service) Start() error {
	log, err := os.OpenFile(filepath.Join(s.Dir, "service.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	s.Cmd = exec.Command(s.Exe, "-port", fmt.Sprint(s.Port), "-pidfile", s.PIDFile)
	s.Cmd.Dir = s.Dir
	s.Cmd.Env = append(os.Environ(), s.Env...)
	s.Cmd.Stdout, s.Cmd.Stderr = log, log
	if err := s.Cmd.Start(); err != nil {
		return err
	}
	s.Exited = make(chan struct{})
	go func() { _ = s.Cmd.Wait(); log.Close(); close(s.Exited) }() // its status is not a result
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if resp, err := OneShot.Get(s.Base() + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("start: no /readyz 200 within 60 s (see %s)", filepath.Join(s.Dir, "service.log"))
}

// ServingPID is the pid /healthz reports, 0 if it does not answer.
func (s *Service) ServingPID() int {
	pid, _ := s.Serving()
	return pid
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

// AwaitServing waits until /healthz reports a serving pid other than notPID, and returns it.
func (s *Service) AwaitServing(notPID int, limit time.Duration) (int, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if pid := s.ServingPID(); pid != 0 && pid != notPID {
			return pid, nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0, fmt.Errorf("no new serving process within %v", limit)
}

// Upgrade replaces the binary and sends SIGHUP, timing until a new process serves.
func (s *Service) Upgrade(bin string) (time.Duration, error) {
	if err := Install(bin, s.Exe); err != nil {
		return 0, err
	}
	old := s.ServingPID()
	t0 := time.Now()
	if err := s.Cmd.Process.Signal(syscall.SIGHUP); err != nil {
		return 0, err
	}
	_, err := s.AwaitServing(old, 30*time.Second)
	return time.Since(t0), err
}

// Restart is the plain deploy: stop, then start the new binary, timing the gap.
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

// Stop sends SIGTERM and waits for the master to exit.
func (s *Service) Stop() error {
	if err := s.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("signal the master: %w", err)
	}
	select {
	case <-s.Exited:
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("still running 30 s after SIGTERM")
	}
}

// Kill ends the master at once (cleanup after a failed run).
func (s *Service) Kill() {
	if s.Cmd != nil && s.Cmd.Process != nil {
		_ = s.Cmd.Process.Kill()
	}
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

// Tags reads every page of tags: each stored tag's name by id.
func (s *Service) Tags(token string) (map[int]string, error) {
	tags := map[int]string{}
	for page := 1; ; page++ {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/tags?page_size=100&page=%d", s.Base(), page), nil)
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
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET tags page %d: status %d %v", page, resp.StatusCode, err)
		}
		if len(list.List) == 0 {
			return tags, nil
		}
		for _, t := range list.List {
			tags[t.ID] = t.Name
		}
	}
}

// Install copies the binary into place through a rename, as a deploy does.
func Install(src, dst string) error {
	if out, err := exec.Command("cp", src, dst+".new").CombinedOutput(); err != nil {
		return fmt.Errorf("cp: %v %s", err, out)
	}
	return os.Rename(dst+".new", dst)
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
