// Package service holds the use cases: validation beyond binding, domain errors, and the
// calls into dao. It is built once at start-up; each method takes the request's context.
package service

import (
	"context"
	"runtime"
	"time"

	"github.com/go-programming-tour-book/blog-service/pkg/token"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/pkg/upload"
)

// Service is every use case of the API.
type Service struct {
	dao   *dao.Dao
	jwt   *token.JWT
	opts  Options
	auths *authCache
	// authSlots holds one token per password check running now; see Options.AuthConcurrency.
	authSlots chan struct{}
}

// Options are the settings the use cases need.
type Options struct {
	// Slow holds the slow endpoint's settings (see slow.go).
	Slow SlowOptions
	// Uploads stores uploaded images.
	Uploads *upload.Store
	// AuthConcurrency caps the password checks (bcrypt, ~50 ms of CPU each) running at once,
	// so a flood of POST /auth cannot take every core from the rest of the API; 0 means half
	// the cores, at least one. A check waits at most AuthWait for its turn, then the client
	// is told to retry (errcode.AuthBusy).
	AuthConcurrency int
	AuthWait        time.Duration
	// AuthCacheTTL is how long the token check trusts what it read about a credential;
	// zero means DefaultAuthCacheTTL.
	AuthCacheTTL time.Duration
}

// New returns a Service. Its dependencies are fixed for its lifetime.
func New(d *dao.Dao, jwt *token.JWT, opts Options) *Service {
	if opts.AuthConcurrency <= 0 {
		opts.AuthConcurrency = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if opts.AuthCacheTTL == 0 {
		opts.AuthCacheTTL = DefaultAuthCacheTTL
	}
	return &Service{dao: d, jwt: jwt, opts: opts, auths: newAuthCache(opts.AuthCacheTTL),
		authSlots: make(chan struct{}, opts.AuthConcurrency)}
}

// Ping reports whether the database answers, for readiness.
func (s *Service) Ping(ctx context.Context) error { return s.dao.Ping(ctx) }

// readBackTimeout bounds the read of what a write just committed (readBack).
const readBackTimeout = 5 * time.Second

// readBack is the context for reading back what a write committed, to answer with it. The
// write happened, so the answer must say so even once the request's context has ended: a
// client that half-closes its side of the connection after its body, which net/http takes
// for leaving, was answered "cancelled" (503) for a write that was done, and a client that
// retries a 503 wrote it twice. The read is one row by its key; readBackTimeout bounds a
// database that stopped answering.
func readBack(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), readBackTimeout)
}
