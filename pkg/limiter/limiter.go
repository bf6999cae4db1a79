// Package limiter keeps one token bucket per key (such as route + client address) using
// golang.org/x/time/rate. Buckets idle long enough to be full again are forgotten, so a
// stream of new clients cannot grow memory without bound.
package limiter

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed is a set of token buckets with one rate and burst, one bucket per key.
type Keyed struct {
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

// New returns buckets that refill at perSecond tokens a second and hold burst tokens.
func New(perSecond float64, burst int) *Keyed {
	idle := time.Duration(float64(burst)/perSecond*float64(time.Second)) + time.Second
	return &Keyed{rate: rate.Limit(perSecond), burst: burst, idle: idle, buckets: map[string]*bucket{}}
}

// Allow takes a token from key's bucket, reporting false when it is empty.
func (k *Keyed) Allow(key string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.lastSweep) > k.idle {
		for key, b := range k.buckets {
			if now.Sub(b.used) > k.idle {
				delete(k.buckets, key)
			}
		}
		k.lastSweep = now
	}
	b, ok := k.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(k.rate, k.burst)}
		k.buckets[key] = b
	}
	b.used = now
	return b.lim.AllowN(now, 1)
}

// Len is the number of buckets held, for tests and metrics.
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}
