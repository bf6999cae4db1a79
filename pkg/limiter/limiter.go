// Package limiter rate-limits by key (such as route + client address) with token buckets:
// Local keeps them in the process (golang.org/x/time/rate), Redis shares them between
// replicas (go-redis/redis_rate, GCRA on Redis).
package limiter

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter decides whether the request identified by key may go on.
type Limiter interface {
	Allow(ctx context.Context, key string) (bool, error)
}

// Local is a set of token buckets with one rate and burst, one bucket per key, in this
// process. Buckets idle long enough to be full again are forgotten, so a stream of new
// clients cannot grow memory without bound.
type Local struct {
	rate  rate.Limit
	burst int
	// idle is how long an unused bucket takes to refill completely; after that it is
	// indistinguishable from a new one and can be dropped.
	idle time.Duration

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	used time.Time
}

// NewLocal returns buckets that refill at perSecond tokens a second and hold burst tokens.
func NewLocal(perSecond float64, burst int) *Local {
	idle := time.Duration(float64(burst)/perSecond*float64(time.Second)) + time.Second
	return &Local{rate: rate.Limit(perSecond), burst: burst, idle: idle, buckets: map[string]*bucket{}}
}

// Allow takes a token from key's bucket, reporting false when it is empty.
func (l *Local) Allow(_ context.Context, key string) (bool, error) {
	return l.AllowAt(key, time.Now()), nil
}

// AllowAt is Allow at a given time.
func (l *Local) AllowAt(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > l.idle {
		for key, b := range l.buckets {
			if now.Sub(b.used) > l.idle {
				delete(l.buckets, key)
			}
		}
		l.lastSweep = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.buckets[key] = b
	}
	b.used = now
	return b.lim.AllowN(now, 1)
}

// Len is the number of buckets held.
func (l *Local) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
