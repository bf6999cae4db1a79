package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cmdResult is how a command run of the binary ended.
type cmdResult struct {
	status         int
	stdout, stderr string
}

// runBinary runs the binary once in dir with args, stdin and extra environment, as an
// operator would, and waits for it to exit on its own (a server would not).
func runBinary(t *testing.T, dir, stdin string, env []string, args ...string) cmdResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%v still running after a minute; stderr:\n%s", args, &stderr)
	case errors.As(err, &ee):
	case err != nil:
		t.Fatal(err)
	}
	return cmdResult{status: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

// postAuth asks for a token and returns the status and the token (empty unless 200).
func postAuth(t *testing.T, base, appKey, appSecret string) (int, string) {
	t.Helper()
	resp, err := oneShot.PostForm(base+"/auth", url.Values{"app_key": {appKey}, "app_secret": {appSecret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Token
}

// get sends GET url with the token.
func get(url, token string) result {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("token", token)
	return roundTrip(oneShot, req)
}

// The auth commands manage credentials on the database the service serves from, with the
// same flags, config file and environment, and never serve themselves. A credential added
// gets a token from the service; once removed it does not.
func TestAuthCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "blog.yaml")
	if err := os.WriteFile(cfgPath, []byte("Database:\n  Path: "+filepath.Join(dir, "creds.db")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := []string{"-config", cfgPath}
	auth := func(stdin string, args ...string) cmdResult {
		t.Helper()
		return runBinary(t, dir, stdin, releaseEnv, append(append(flags, "auth"), args...)...)
	}
	list := func() string {
		t.Helper()
		r := auth("", "list")
		if r.status != 0 {
			t.Fatalf("auth list: status %d, stderr:\n%s", r.status, r.stderr)
		}
		return r.stdout
	}

	if r := auth("secret-of-myapp-1\n", "add", "myapp"); r.status != 0 {
		t.Fatalf("auth add myapp: status %d, stderr:\n%s", r.status, r.stderr)
	}
	secretFile := filepath.Join(dir, "other.secret")
	if err := os.WriteFile(secretFile, []byte("secret-of-other-2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := auth("", "add", "-secret-file", secretFile, "other"); r.status != 0 {
		t.Fatalf("auth add -secret-file: status %d, stderr:\n%s", r.status, r.stderr)
	}
	if got := list(); got != "myapp\nother\n" {
		t.Errorf("auth list = %q, want the two app keys, one a line", got)
	}
	if r := auth("another-secret-3\n", "add", "-if-absent", "myapp"); r.status != 0 {
		t.Errorf("auth add -if-absent on an existing key: status %d, stderr:\n%s", r.status, r.stderr)
	}

	tests := []struct {
		name, stdin string
		args        []string
		wantErr     string
	}{
		{"duplicate key", "another-secret-3\n", []string{"add", "myapp"}, `"myapp" already exists`},
		{"remove unknown key", "", []string{"remove", "nobody"}, `no credential has the app_key "nobody"`},
		{"empty secret", "\n", []string{"add", "k1"}, "the secret is empty"},
		{"no input", "", []string{"add", "k1"}, "the secret is empty"},
		{"short secret", "11-bytes-ab\n", []string{"add", "k1"}, "11 bytes, too short: at least 12"},
		{"long secret", strings.Repeat("s", 73) + "\n", []string{"add", "k1"}, "73 bytes, more than the 72"},
		{"long key", "secret-of-long-key\n", []string{"add", strings.Repeat("k", 21)}, "21 characters, more than the 20"},
		{"key with a space", "secret-of-spaced-key\n", []string{"add", "my app"}, "spaces"},
		// Invisible at an end, which POST /auth refuses: the key could never get a token.
		{"key starting with a Hangul filler", "secret-of-filler-key\n", []string{"add", "\u3164x"}, "invisible ones at either end"},
		{"key ending with a blank braille cell", "secret-of-braille-key\n", []string{"add", "x\u2800"}, "invisible ones at either end"},
		{"two lines", "secret-line-one\nsecret-line-two\n", []string{"add", "k1"}, "must be one line"},
		{"secret as an argument", "", []string{"add", "k1", "secret-in-argv-1"}, "never an argument"},
		{"flag after the key", "", []string{"add", "k1", "-secret-file", secretFile}, "never an argument"},
		{"the demo secret", "go-programming-tour-book\n", []string{"add", "k1"}, "public demo secret"},
		{"missing secret file", "", []string{"add", "-secret-file", filepath.Join(dir, "none"), "k1"}, "no such file"},
		{"no subcommand", "", nil, "usage:"},
		{"unknown subcommand", "", []string{"rename", "myapp"}, "usage:"},
		{"remove without a key", "", []string{"remove"}, "usage:"},
	}
	for _, tt := range tests {
		r := auth(tt.stdin, tt.args...)
		if r.status == 0 || !strings.Contains(r.stderr, tt.wantErr) {
			t.Errorf("%s: auth %q = status %d, stderr %q; want non-zero and %q", tt.name, tt.args, r.status, r.stderr, tt.wantErr)
		}
	}
	if r := runBinary(t, dir, "", releaseEnv, "frobnicate"); r.status == 0 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("an unknown command: status %d, stderr %q", r.status, r.stderr)
	}
	if got := list(); got != "myapp\nother\n" {
		t.Errorf("after the refused commands auth list = %q, want it unchanged", got)
	}
	if db, _ := os.ReadFile(filepath.Join(dir, "creds.db")); bytes.Contains(db, []byte("secret-of-myapp-1")) {
		t.Error("the secret is stored in clear")
	}

	p := launchExe(t, binary, dir, freePort(t), flags, releaseEnv...)
	p.waitReady()
	status, token := postAuth(t, p.Base(), "myapp", "secret-of-myapp-1")
	if status != 200 || token == "" {
		t.Fatalf("POST /auth with the added credential = %d, want 200 and a token", status)
	}
	if r := get(p.Base()+"/api/v1/tags", token); r.status != 200 {
		t.Errorf("GET /api/v1/tags with its token = %+v", r)
	}
	if r := auth("", "remove", "myapp"); r.status != 0 {
		t.Fatalf("auth remove myapp: status %d, stderr:\n%s", r.status, r.stderr)
	}
	if status, _ := postAuth(t, p.Base(), "myapp", "secret-of-myapp-1"); status != 401 {
		t.Errorf("POST /auth with the removed credential = %d, want 401", status)
	}
	// The token it had is refused within 10 s (the service caches credential checks 5 s).
	deadline := time.Now().Add(10 * time.Second)
	r := get(p.Base()+"/api/v1/tags", token)
	for r.status == 200 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		r = get(p.Base()+"/api/v1/tags", token)
	}
	if r.status != 401 || !strings.Contains(r.body, `"code":10000004`) {
		t.Errorf("the removed credential's token 10 s later: %d %s, want 401 code 10000004", r.status, r.body)
	}
	if status, _ := postAuth(t, p.Base(), "other", "secret-of-other-2"); status != 200 {
		t.Errorf("POST /auth with the credential left = %d, want 200", status)
	}
	p.signal(syscall.SIGTERM)
	p.wait(10 * time.Second)
}

// A database first run in debug mode holds the demo credential; release mode removes it at
// start and says so, so its public secret never gets a token there.
func TestReleaseRemovesDemoCredential(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	debug := startProcIn(t, dir)
	debug.token() // seeded
	debug.signal(syscall.SIGTERM)
	debug.wait(10 * time.Second)

	release := startProcIn(t, dir, releaseEnv...)
	if status, _ := postAuth(t, release.Base(), "eddycjy", "go-programming-tour-book"); status != 401 {
		t.Errorf("release mode: the demo credential got %d, want 401", status)
	}
	if log := release.Log(); !strings.Contains(log, "removed the public demo credential") || !strings.Contains(log, `"level":"warn"`) {
		t.Errorf("the release log does not warn that the demo credential was removed:\n%s", log)
	}
	if r := runBinary(t, dir, "", releaseEnv, "auth", "list"); r.status != 0 || r.stdout != "" {
		t.Errorf("auth list after the release start = %d %q, want no credential", r.status, r.stdout)
	}
}
