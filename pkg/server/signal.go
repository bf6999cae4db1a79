package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
)

// ErrHandOver is the stop cause when another process has taken over the listening socket:
// the drain starts at once, without Options.DrainDelay.
var ErrHandOver = errors.New("handing over to a new process")

// NotifyStop returns two contexts: stop, cancelled by the first signal (start draining),
// and force, cancelled by the second (stop now). The first signal is stop's cause; when
// it is handOver (nil for none) the cause wraps ErrHandOver. Call release to stop
// listening; after it, the signals have their default effect again.
func NotifyStop(parent context.Context, handOver os.Signal, stops ...os.Signal) (stop, force context.Context, release func()) {
	ch := make(chan os.Signal, 2)
	sigs := stops
	if handOver != nil {
		sigs = append([]os.Signal{handOver}, stops...)
	}
	signal.Notify(ch, sigs...)
	stop, stopCancel := context.WithCancelCause(parent)
	force, forceCancel := context.WithCancelCause(context.WithoutCancel(parent))
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for _, cancel := range []context.CancelCauseFunc{stopCancel, forceCancel} {
			select {
			case sig := <-ch:
				if sig == handOver {
					cancel(fmt.Errorf("signal %v received: %w", sig, ErrHandOver))
				} else {
					cancel(fmt.Errorf("signal %v received", sig))
				}
			case <-done:
				return
			}
		}
	}()
	return stop, force, func() {
		signal.Stop(ch)
		close(done)
		<-finished
		stopCancel(nil)
		forceCancel(nil)
	}
}
