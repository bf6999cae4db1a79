package supervisor

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// An old worker that has exited has ended, even before the goroutine that reaps it runs (on
// a busy machine it can run late). A stop signalled right after an old worker's drain was
// cut counted that worker as one it stopped, and the master exited 1 for a clean stop.
func TestReapTakesAnExitedWorkerItsWatcherHasNotReapedYet(t *testing.T) {
	cmd := exec.Command("sh", "-c", "exit 1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	w := processWorker(pid)
	for deadline := time.Now().Add(10 * time.Second); !isZombie(pid); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("worker %d has not exited", pid)
		}
	}
	watching := time.AfterFunc(100*time.Millisecond, func() { w.watch(cmd.Process) })
	defer watching.Stop()

	core, logs := observer.New(zap.InfoLevel)
	m := &master{log: zap.New(core)}
	if live := m.reap([]*worker{w}); len(live) != 0 {
		t.Fatalf("reap counts worker %d as running; it has exited", pid)
	}
	if w.status != 1 {
		t.Errorf("status %d, want the worker's 1", w.status)
	}
	if got := logs.FilterMessageSnippet("old worker exited with a failure status").Len(); got != 1 {
		t.Errorf("%d lines report its failure status, want 1", got)
	}
}

func isZombie(pid int) bool {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return strings.Contains(string(b), ") Z ")
}
