//go:build unix

package supervisor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
)

func TestMasterStateRoundTrip(t *testing.T) {
	tests := []masterState{
		{fd: 3, serving: 4242, hasPIDFile: true},
		{fd: 7, serving: 4242, draining: []int{4100}, seq: 1, pidFile: "blog.pid", hasPIDFile: true},
		{fd: 7, serving: 4242, draining: []int{4100, 4200}, seq: 12, pidFile: "run/blog.pid", hasPIDFile: true},
		{fd: 3, serving: 4242, pidFile: "/run/blog service/blog.pid", hasPIDFile: true},
		{fd: 3, serving: 4242, pidFile: "", hasPIDFile: true},
	}
	for _, want := range tests {
		got, err := parseMasterState(want.String())
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parseMasterState(%q) = %+v, %v; want %+v", want.String(), got, err, want)
		}
	}
}

// A master of an older release names no PID file: the new image keeps its configured one.
func TestMasterStateOfAnOlderRelease(t *testing.T) {
	st, err := parseMasterState("fd=3 serving=4242 draining= seq=2")
	if err != nil || st.hasPIDFile {
		t.Errorf("parseMasterState = %+v, %v; want no PID file named", st, err)
	}
}

func TestParseMasterStateRefusesABadState(t *testing.T) {
	tests := []struct{ name, value string }{
		{"empty", ""},
		{"no socket", "serving=4242 draining= seq=0"},
		{"a standard descriptor", "fd=2 serving=4242 draining= seq=0"},
		{"no serving worker", "fd=3 draining=4100 seq=1"},
		{"fd not a number", "fd=three serving=4242"},
		{"a draining pid not a number", "fd=3 serving=4242 draining=4100,x seq=1"},
		{"seq not a number", "fd=3 serving=4242 draining= seq=-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseMasterState(tt.value)
			if err == nil || !strings.Contains(err.Error(), masterStateEnv) {
				t.Errorf("parseMasterState(%q) = %v, want an error naming %s", tt.value, err, masterStateEnv)
			}
		})
	}
}

// hangingBinary is a script that runs a child holding its output open, as a wrapper script
// that starts the real binary without exec does, where that binary hangs.
func hangingBinary(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "blog-service")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\nsleep 300\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return exe
}

// A probe of a binary that hangs ends at its timeout, the process it started killed too:
// the master's loop waits for the probe.
func TestProbeOfAHangingWrapperEnds(t *testing.T) {
	m := &master{cfg: Config{UpgradeTimeout: 200 * time.Millisecond}, log: zap.NewNop()}
	done := make(chan error, 1)
	go func() { done <- m.probe(context.Background(), hangingBinary(t)) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "cannot take over as master") {
			t.Errorf("probe = %v, want it to fail", err)
		}
	case <-time.After(60 * time.Second): // 1.2 s at most; the sleep it started lasts 300 s
		t.Fatal("the probe still waits 60 s after its timeout")
	}
}

// A stop signal during a probe stops the master at once, not when the probe ends.
func TestStopSignalEndsAProbe(t *testing.T) {
	m := &master{cfg: Config{UpgradeTimeout: time.Hour}, log: zap.NewNop()}
	sigs := make(chan os.Signal, 2)
	sigs <- syscall.SIGHUP
	sigs <- syscall.SIGTERM
	done := make(chan error, 1)
	go func() {
		hup, sig, err := m.probeWatching(hangingBinary(t), sigs)
		if !hup || sig != syscall.SIGTERM {
			t.Errorf("probeWatching = %v, %v, want the SIGHUP noted and the SIGTERM returned", hup, sig)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, errStopFirst) {
			t.Errorf("probeWatching = %v, want errStopFirst", err)
		}
	case <-time.After(60 * time.Second): // at once; the probe would take its 10 s timeout
		t.Fatal("the probe went on 60 s after a SIGTERM")
	}
}

// The probe's answer must come from the process it started: a wrapper script that runs
// the binary without exec answers from a child, and execve would make the master a shell.
func TestProbeAnswerComesFromTheProcessStarted(t *testing.T) {
	m := &master{cfg: Config{UpgradeTimeout: 10 * time.Second}, log: zap.NewNop()}
	script := func(body string) string {
		exe := filepath.Join(t.TempDir(), "blog-service")
		if err := os.WriteFile(exe, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return exe
	}
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"the binary itself", `echo "` + ProbeReply + ` pid=$$"`, true},
		{"a wrapper that execs it", `exec sh -c 'echo "` + ProbeReply + ` pid=$$"'`, true},
		{"a release that names no PID", `echo "` + ProbeReply + `"`, true},
		{"a wrapper that runs it as a child", `sh -c 'echo "` + ProbeReply + ` pid=$$"'`, false},
	}
	for _, tt := range tests {
		err := m.probe(context.Background(), script(tt.body))
		if (err == nil) != tt.ok {
			t.Errorf("%s: probe = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}
