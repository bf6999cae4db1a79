//go:build unix

package supervisor

import (
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"testing"
	"time"
)

// checkMasterChild is the worker side of TestCheckMasterResendsTheLostSignal, run in a
// child process: it listens for SignalMasterGone, calls CheckMaster, and exits 0 if the
// signal came, 3 if it did not within the wait.
func checkMasterChild(wait time.Duration) {
	got := make(chan os.Signal, 1)
	signal.Notify(got, SignalMasterGone)
	CheckMaster(os.Getenv)
	select {
	case <-got:
		os.Exit(0)
	case <-time.After(wait):
		os.Exit(3)
	}
}

// A worker whose master died while it started (the kernel's signal came before it
// listened, and was dropped) learns it from CheckMaster; one whose master lives does not.
func TestCheckMasterResendsTheLostSignal(t *testing.T) {
	if wait := os.Getenv("CHECK_MASTER_CHILD"); wait != "" {
		d, _ := time.ParseDuration(wait)
		checkMasterChild(d)
	}
	run := func(masterPID int, wait string) int {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCheckMasterResendsTheLostSignal$")
		cmd.Env = append(os.Environ(), "CHECK_MASTER_CHILD="+wait, workerEnv+"=1", masterPIDEnv+"="+strconv.Itoa(masterPID))
		err := cmd.Run()
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	// Its parent is this test, not the master that started it, which is gone: no process
	// has that PID (Linux's PIDs stop at 4,194,304).
	if code := run(1<<23, "30s"); code != 0 {
		t.Errorf("a worker whose master is gone: exit %d, want 0 (SignalMasterGone came)", code)
	}
	if code := run(os.Getpid(), "200ms"); code != 3 {
		t.Errorf("a worker whose master lives: exit %d, want 3 (no signal)", code)
	}
	// A wrapper script between the master and the worker: the worker's parent is the
	// script's shell, and the master lives on.
	if code := run(os.Getppid(), "200ms"); code != 3 {
		t.Errorf("a worker started through a wrapper whose master lives: exit %d, want 3 (no signal)", code)
	}
}
