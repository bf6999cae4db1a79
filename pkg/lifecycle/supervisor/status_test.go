//go:build unix

package supervisor

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestStatusRoundTrip(t *testing.T) {
	tests := []status{
		{seq: 0, ok: true, detail: "started"},
		{seq: 1, ok: true, detail: "worker 4243 serves"},
		{seq: 12, ok: false, detail: "new worker 4250 exited with status 1 before serving: config: unknown key Sever in configs/config.yaml; did you mean Server?"},
		{seq: 13, ok: false, detail: ""},
		{seq: 14, ok: true, detail: "worker 4260 serves", began: 1796027583123456789},
	}
	dir := t.TempDir()
	path := StatusFile(filepath.Join(dir, "blog.pid"))
	for _, want := range tests {
		if err := writeStatus(path, want, true); err != nil {
			t.Fatal(err)
		}
		if got, err := readStatus(path); err != nil || got != want {
			t.Errorf("readStatus after writeStatus(%+v) = %+v, %v", want, got, err)
		}
	}
	// Each write is a rename over the last: nothing else is left in the directory.
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files beside the status file, want none", len(entries)-1)
	}
}

func TestReadStatusRefusesWhatItCannotRead(t *testing.T) {
	tests := []struct{ name, content string }{
		{"empty", ""},
		{"a number alone", "7\n"},
		{"no number", "seven ok started\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "blog.pid.status")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			if got, err := readStatus(path); err == nil || got.seq != -1 {
				t.Errorf("readStatus(%q) = %+v, %v; want seq -1 and an error", tt.content, got, err)
			}
		})
	}
	if got, err := readStatus(filepath.Join(t.TempDir(), "none")); !os.IsNotExist(err) || got.seq != -1 {
		t.Errorf("readStatus of a missing file = %+v, %v; want seq -1 and not-exist", got, err)
	}
}

// The file keeps the newest outcomes, the newest first, so that reloads sent close together
// each find theirs; a master of an earlier release wrote one line without began.
func TestStatusKeepsTheNewestOutcomes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "blog.pid.status")
	if err := writeStatus(path, status{seq: 0, ok: true, detail: "started"}, true); err != nil {
		t.Fatal(err)
	}
	for seq := 1; seq <= 10; seq++ {
		if err := writeStatus(path, status{seq: seq, ok: seq%2 == 0, detail: "line one\nline two", began: int64(seq)}, false); err != nil {
			t.Fatal(err)
		}
	}
	all, err := readStatuses(path)
	if err != nil || len(all) != statusHistory {
		t.Fatalf("readStatuses = %d outcomes, %v; want %d", len(all), err, statusHistory)
	}
	for i, st := range all {
		if want := (status{seq: 10 - i, ok: (10-i)%2 == 0, detail: "line one line two", began: int64(10 - i)}); st != want {
			t.Errorf("outcome %d = %+v, want %+v", i, st, want)
		}
	}
	if err := os.WriteFile(path, []byte("3 ok worker 12 serves\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := readStatus(path); err != nil || got != (status{seq: 3, ok: true, detail: "worker 12 serves"}) {
		t.Errorf("an earlier release's status = %+v, %v", got, err)
	}
}

// A reload whose SIGHUP came during another upgrade takes the outcome of the upgrade its
// signal queued, not the one under way, and waits for it a whole timeout from when the one
// under way ended. The master here is a process that ignores SIGHUP; the test writes the
// outcomes a master would.
func TestReloadWaitsForTheUpgradeItsSignalQueued(t *testing.T) {
	pidFile := deafMaster(t)
	path := StatusFile(pidFile)
	if err := writeStatus(path, status{seq: 3, ok: true, detail: "worker 1 serves", began: 1}, true); err != nil {
		t.Fatal(err)
	}
	const timeout = 2 * time.Second
	running := time.Now().UnixNano() // the upgrade under way began before the reload
	type outcome struct {
		detail string
		err    error
	}
	done := make(chan outcome, 1)
	go func() {
		detail, err := Reload(context.Background(), pidFile, timeout)
		done <- outcome{detail, err}
	}()
	time.Sleep(timeout / 2)
	if err := writeStatus(path, status{seq: 4, ok: false, detail: "the one under way failed", began: running}, false); err != nil {
		t.Fatal(err)
	}
	time.Sleep(timeout * 3 / 4) // past the first timeout, within the one counted again
	if err := writeStatus(path, status{seq: 5, ok: true, detail: "worker 2 serves", began: time.Now().UnixNano()}, false); err != nil {
		t.Fatal(err)
	}
	if got := <-done; got.err != nil || got.detail != "worker 2 serves" {
		t.Errorf("Reload = %q, %v; want the queued upgrade's outcome, worker 2 serves", got.detail, got.err)
	}
}

// A master that writes no outcome (it cannot write the status file: a full disk) may have
// upgraded: Reload says it does not know, not that the upgrade failed.
func TestReloadWithoutAnOutcomeSaysItDoesNotKnow(t *testing.T) {
	pidFile := deafMaster(t)
	if err := writeStatus(StatusFile(pidFile), status{seq: 1, ok: true, detail: "started"}, true); err != nil {
		t.Fatal(err)
	}
	_, err := Reload(context.Background(), pidFile, 300*time.Millisecond)
	if !errors.Is(err, ErrNoOutcome) || errors.Is(err, ErrUpgradeFailed) {
		t.Errorf("Reload = %v, want ErrNoOutcome and not ErrUpgradeFailed", err)
	}
}

// deafMaster starts a process that ignores SIGHUP, stands for a master, and returns a PID
// file naming it; the test writes the outcomes a master would.
func deafMaster(t *testing.T) (pidFile string) {
	t.Helper()
	master := exec.Command("sh", "-c", `trap "" HUP; sleep 60`)
	if err := master.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = master.Process.Kill(); _ = master.Wait() })
	time.Sleep(100 * time.Millisecond) // let the trap be set
	pidFile = filepath.Join(t.TempDir(), "blog.pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(master.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	return pidFile
}
