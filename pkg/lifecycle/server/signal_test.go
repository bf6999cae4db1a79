//go:build unix

package server

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"
)

// After release the process is on its way out: a stop signal then is ignored, where its
// default effect would end the process with the signal's status (a worker that had
// drained, passed a SIGTERM by its master, exited with status -1).
func TestReleasedStopSignalsAreIgnored(t *testing.T) {
	stop, _, release := NotifyStop(context.Background(), []os.Signal{syscall.SIGUSR1}, syscall.SIGTERM)
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stop.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not cancel stop")
	}
	release()
	// Without the fix this kills the test binary (the package fails with signal: terminated).
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGUSR1} {
		if err := syscall.Kill(os.Getpid(), sig); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond) // delivery is asynchronous
}
