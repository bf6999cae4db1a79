package server

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

// NotifyStop returns two contexts: stop, cancelled by the first of sigs (start draining),
// and force, cancelled by the second (stop now). Call release to stop listening; after it,
// the signals have their default effect again.
func NotifyStop(parent context.Context, sigs ...os.Signal) (stop, force context.Context, release func()) {
	ch := make(chan os.Signal, 2)
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
				cancel(fmt.Errorf("signal %v received", sig))
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
