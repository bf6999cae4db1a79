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
	sig, release := NotifyStop(context.Background(), []os.Signal{syscall.SIGUSR1}, syscall.SIGTERM)
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sig.Stop.Done():
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

// Each signal moves one step. After a stop signal the next forces; after a hand-over
// (drain-now) a stop signal hurries and only the next forces, and repeated drain-now
// signals move nothing.
func TestStopSignalsStepByStep(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sends []syscall.Signal
		want  string // which of stop, hurry and force are done, as s, h, f
	}{
		{"stop", []syscall.Signal{syscall.SIGTERM}, "s"},
		{"stop, stop", []syscall.Signal{syscall.SIGTERM, syscall.SIGTERM}, "sf"},
		{"hand-over", []syscall.Signal{syscall.SIGUSR1, syscall.SIGUSR1}, "s"},
		{"hand-over, stop", []syscall.Signal{syscall.SIGUSR1, syscall.SIGUSR1, syscall.SIGTERM}, "sh"},
		{"hand-over, stop, stop", []syscall.Signal{syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGUSR1, syscall.SIGTERM}, "shf"},
		{"stop, hand-over", []syscall.Signal{syscall.SIGTERM, syscall.SIGUSR1}, "s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sig, release := NotifyStop(context.Background(), []os.Signal{syscall.SIGUSR1}, syscall.SIGTERM)
			defer release()
			for _, s := range tc.sends {
				// One at a time: signals of one kind still pending in the kernel merge.
				before := steps(sig)
				if err := syscall.Kill(os.Getpid(), s); err != nil {
					t.Fatal(err)
				}
				for deadline := time.Now().Add(time.Second); time.Now().Before(deadline) && steps(sig) == before; {
					time.Sleep(time.Millisecond)
				}
			}
			time.Sleep(50 * time.Millisecond) // a step taken too many would show by now
			if got := steps(sig); got != tc.want {
				t.Errorf("after %v: done %q, want %q", tc.sends, got, tc.want)
			}
		})
	}
}

func steps(sig Signals) string {
	var s string
	for _, c := range []struct {
		ctx  context.Context
		name string
	}{{sig.Stop, "s"}, {sig.Hurry, "h"}, {sig.Force, "f"}} {
		if c.ctx.Err() != nil {
			s += c.name
		}
	}
	return s
}
