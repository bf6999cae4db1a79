package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
)

// ErrHandOver is the stop cause when the drain must start at once, without
// Options.DrainDelay: another process has taken over the listening socket, or the
// supervising process that owns it is gone.
var ErrHandOver = errors.New("handing over: drain now")

// NotifyStop returns two contexts: stop, cancelled by the first signal (start draining),
// and force, cancelled by a stop signal that comes after it (stop now). A signal in
// drainNow cancels stop with a cause wrapping ErrHandOver and never forces: the kernel may
// deliver a parent-death signal once per thread of the dying parent, and those repeats must
// not cut the requests in flight. Call release when the process is on its way out: from
// then on the signals are ignored, so that one arriving during the exit (a supervisor
// passes a stop on to every worker, draining ones too) cannot end the process by the
// signal's default effect, with the signal's status instead of its own.
func NotifyStop(parent context.Context, drainNow []os.Signal, stops ...os.Signal) (stop, force context.Context, release func()) {
	ch := make(chan os.Signal, 4)
	sigs := append(append([]os.Signal{}, drainNow...), stops...)
	signal.Notify(ch, sigs...)
	stop, stopCancel := context.WithCancelCause(parent)
	force, forceCancel := context.WithCancelCause(context.WithoutCancel(parent))
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		stopping := false
		for {
			select {
			case sig := <-ch:
				switch {
				case slices.Contains(drainNow, sig):
					stopCancel(fmt.Errorf("signal %v received: %w", sig, ErrHandOver)) // repeats are no-ops
					stopping = true
				case !stopping:
					stopCancel(fmt.Errorf("signal %v received", sig))
					stopping = true
				default:
					forceCancel(fmt.Errorf("signal %v received", sig))
					return
				}
			case <-done:
				return
			}
		}
	}()
	return stop, force, func() {
		signal.Ignore(sigs...) // and no more to ch; never the default in between
		close(done)
		<-finished
		stopCancel(nil)
		forceCancel(nil)
	}
}
