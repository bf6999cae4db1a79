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

// Signals are the contexts a process's stop signals cancel, one step each (see NotifyStop).
// A nil context is never done.
type Signals struct {
	// Stop is done at the first signal: serve no more, drain. Its cause wraps
	// ErrHandOver when the signal was a drain-now one.
	Stop context.Context
	// Hurry is done at a stop signal after a hand-over: the long drain a hand-over allows
	// (Options.HandOverTimeout) gets a stop's deadline instead.
	Hurry context.Context
	// Force is done at a stop signal after a stop signal, or after Hurry: stop now.
	Force context.Context
}

// NotifyStop returns the Signals that drainNow and stops cancel: the first signal cancels
// Stop (start draining); a stop signal after a stop signal cancels Force (stop now); a stop
// signal after a drain-now one cancels Hurry, and the next one Force. A signal in drainNow
// never hurries or forces: the kernel may deliver a parent-death signal once per thread of
// the dying parent, and those repeats must not cut the requests in flight. Call release when
// the process is on its way out: from then on the signals are ignored, so that one arriving
// during the exit (a supervisor passes a stop on to every worker, draining ones too) cannot
// end the process by the signal's default effect, with the signal's status instead of its own.
func NotifyStop(parent context.Context, drainNow []os.Signal, stops ...os.Signal) (sig Signals, release func()) {
	ch := make(chan os.Signal, 4)
	sigs := append(append([]os.Signal{}, drainNow...), stops...)
	signal.Notify(ch, sigs...)
	stop, stopCancel := context.WithCancelCause(parent)
	hurry, hurryCancel := context.WithCancelCause(context.WithoutCancel(parent))
	force, forceCancel := context.WithCancelCause(context.WithoutCancel(parent))
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		// Each signal moves one step: running, then stopping (or handed over, then
		// hurried), then forced.
		stopping, handedOver := false, false
		for {
			select {
			case s := <-ch:
				switch {
				case slices.Contains(drainNow, s):
					if !stopping {
						stopCancel(fmt.Errorf("signal %v received: %w", s, ErrHandOver))
						stopping, handedOver = true, true
					}
				case !stopping:
					stopCancel(fmt.Errorf("signal %v received", s))
					stopping = true
				case handedOver:
					hurryCancel(fmt.Errorf("signal %v received", s))
					handedOver = false // the next stop signal forces
				default:
					forceCancel(fmt.Errorf("signal %v received", s))
					return
				}
			case <-done:
				return
			}
		}
	}()
	return Signals{Stop: stop, Hurry: hurry, Force: force}, func() {
		signal.Ignore(sigs...) // and no more to ch; never the default in between
		close(done)
		<-finished
		stopCancel(nil)
		hurryCancel(nil)
		forceCancel(nil)
	}
}
