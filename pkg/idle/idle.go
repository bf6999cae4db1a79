// Package idle calls a function when an HTTP handler that has served requests has had none
// for a while: for a server to give back, between bursts, what a burst left it holding.
package idle

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"
)

// Handler returns h counting its requests, and calls release, until ctx ends, once after
// each spell of at least after without a request that follows requests (between after and
// twice after since the last one began). A server that has served none is not idle in this
// sense: it holds only what starting left, released then if at all.
func Handler(ctx context.Context, h http.Handler, after time.Duration, release func()) http.Handler {
	var served atomic.Uint64
	go func() {
		tick := time.NewTicker(after)
		defer tick.Stop()
		var seen, released uint64 // the count at the last tick, and at the last release
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			switch n := served.Load(); {
			case n != seen:
				seen = n // requests since the last tick: not idle yet
			case n != released:
				released = n
				release()
			}
		}
	}()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		h.ServeHTTP(w, r)
	})
}
