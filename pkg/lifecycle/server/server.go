// Package server runs an http.Server on a listener it is given and stops it without
// breaking requests: on the stop signal (after Options.DrainDelay, unless it is a
// hand-over) it refuses new connections, lets keep-alive clients leave, waits for requests
// in flight up to a deadline, then cuts the rest with their contexts cancelled so each can
// still answer. It knows nothing about blogs.
package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Options are the server's timeouts and how it drains.
type Options struct {
	ReadTimeout       time.Duration
	ReadHeaderTimeout time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// ShutdownTimeout bounds the whole drain; requests still running then are cut.
	ShutdownTimeout time.Duration
	// HandOverTimeout, if set, bounds it instead when the drain is a hand-over
	// (ErrHandOver): another process serves already, so nothing is gained by cutting a
	// long request (a slow upload) a stop would have to cut.
	HandOverTimeout time.Duration
	// IdleDrainTimeout is how long the drain waits for keep-alive connections to be used
	// once more (and answered with Connection: close) or closed by their clients, before
	// Shutdown closes the idle ones. Closing an idle connection races with a client that
	// has just started sending on it, and that client sees a reset.
	IdleDrainTimeout time.Duration
	// DrainDelay keeps serving after the stop signal, with readiness failing, so that load
	// balancers stop sending new connections before the listener closes (Kubernetes
	// removes endpoints seconds after SIGTERM). A hand-over (ErrHandOver) skips it.
	DrainDelay time.Duration
	// OnServe, if set, is called once the server accepts connections, for instance to
	// tell a supervisor that it serves.
	OnServe func()
	// MaxConns caps the connections open at once, and MaxConnsPerClient those from one
	// address (0: no cap). Each holds a goroutine and buffers (15-35 KB) for as long as the
	// timeouts let it idle, so without caps one client could open connections until the
	// process runs out of file descriptors and memory, and no one else could connect.
	// A connection over a cap is never served: it gets Refused, if set (an HTTP
	// response), and is closed.
	MaxConns, MaxConnsPerClient int
	Refused                     []byte
	// Unreadable, if set, answers the requests net/http cannot read (a malformed request
	// line, header or body framing; headers over http.DefaultMaxHeaderBytes) in place of
	// net/http's plain-text answer: given its status and reason, it returns the whole HTTP
	// response to send. The connection is closed after it.
	Unreadable func(status int, reason string) []byte
}

// ErrForced is returned when a second stop signal cut the drain short.
var ErrForced = errors.New("forced stop: second signal during drain")

// ErrHandOverCut is in Serve's error when a hand-over's drain (ErrHandOver) cut requests
// at HandOverTimeout before any stop signal: the upgrade cut them, not a stop.
var ErrHandOverCut = errors.New("requests cut at the hand-over deadline")

// cutGrace is how long requests cut at the deadline get to write their error response.
const cutGrace = 500 * time.Millisecond

// acceptQueueWait bounds the wait for Serve to accept the connections already queued when
// the drain closes the listener.
const acceptQueueWait = 500 * time.Millisecond

// Server serves HTTP and drains gracefully. Create it with New, hand Draining to whatever
// reports readiness, then call Serve once.
type Server struct {
	opts     Options
	log      *zap.Logger
	draining atomic.Bool
	inflight atomic.Int64

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	// silent holds when each connection still new (no request read on it yet) was accepted.
	silent   map[net.Conn]time.Time
	byClient map[netip.Addr]int
	// refused counts the connections the caps refused; lastRefusal is when that was last logged.
	refused     int64
	lastRefusal time.Time
	// lingering counts refused connections waiting to be closed (see refuse).
	lingering atomic.Int64
}

const (
	// refusalLogEvery spaces the warnings about refused connections: a flood would write
	// one per connection.
	refusalLogEvery = 10 * time.Second
	// A refused connection stays open refusalLinger after its answer (maxLingering at
	// most, then they are closed at once): closed at once, a socket holding the client's
	// unread request is reset, and the reset can destroy the answer before it is read.
	refusalLinger = time.Second
	maxLingering  = 1024
)

// New returns a Server with the given timeouts, logging to log.
func New(opts Options, log *zap.Logger) *Server {
	return &Server{opts: opts, log: log, conns: make(map[net.Conn]struct{}),
		silent: make(map[net.Conn]time.Time), byClient: make(map[netip.Addr]int)}
}

// Draining reports whether the drain has begun, for readiness probes.
func (s *Server) Draining() bool { return s.draining.Load() }

// Serve serves h on ln until sig.Stop is done, then drains. sig.Force, when done during the
// drain, closes everything at once; sig.Hurry gives a hand-over's drain a stop's deadline.
// Serve returns nil after a clean drain, an error when requests had to be cut at the
// deadline or the drain was forced, and an error at once if serving itself fails. After a
// clean drain nothing it started still runs; after a cut or a forced stop, a handler that
// ignores its cancelled context may outlive it, and a forced stop returns as soon as it has
// closed the server, without waiting for its goroutines to end.
func (s *Server) Serve(sig Signals, ln net.Listener, h http.Handler) error {
	stop, hurry, force := sig.Stop, cmp.Or(sig.Hurry, context.Background()), cmp.Or(sig.Force, context.Background())
	// Request contexts derive from base, not from stop: the first signal must not cancel
	// the requests it lets finish. base is cancelled when the deadline passes, when the
	// stop is forced, and when Serve returns.
	base, cut := context.WithCancelCause(context.WithoutCancel(stop))
	defer cut(nil)
	srv := &http.Server{
		Handler:           s.track(h),
		ReadTimeout:       s.opts.ReadTimeout,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		BaseContext:       func(net.Listener) context.Context { return base },
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
		ConnState: s.connState,
		// OPTIONS * goes to the handler too, through track, like every other request: net/http
		// would answer it itself, without Connection: close during a drain.
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     zap.NewStdLog(s.log.Named("http")),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(cappedListener{ln, s}) }()
	if s.opts.OnServe != nil {
		s.opts.OnServe()
	}
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-stop.Done():
	}

	cause := context.Cause(stop)
	timeout := s.opts.ShutdownTimeout
	handOver := errors.Is(cause, ErrHandOver) && s.opts.HandOverTimeout > 0
	if handOver {
		timeout = s.opts.HandOverTimeout
	}
	s.log.Info("shutting down: draining", zap.String("cause", cause.Error()),
		zap.Duration("deadline", timeout))
	s.draining.Store(true)
	if s.opts.DrainDelay > 0 && !errors.Is(cause, ErrHandOver) {
		s.log.Info("readiness fails; serving on during the drain delay", zap.Duration("delay", s.opts.DrainDelay))
		delay := time.NewTimer(s.opts.DrainDelay)
		select {
		case <-force.Done():
			delay.Stop()
			return s.forced(srv, cut)
		case <-delay.C:
		}
	}
	deadline, cancel := context.WithTimeout(context.WithoutCancel(stop), timeout)
	defer cancel()
	if handOver {
		// A stop signal during a hand-over's long drain (Hurry) stops, but does not force:
		// from then on the requests have a stop's deadline and are cut, with their answers,
		// when it passes. The next stop signal forces, as after any stop.
		var shorten context.CancelFunc
		deadline, shorten = context.WithCancel(deadline)
		defer context.AfterFunc(hurry, func() {
			s.log.Info("stop signal during the hand-over drain: it ends within the stop's deadline", zap.Duration("deadline", s.opts.ShutdownTimeout))
			time.AfterFunc(s.opts.ShutdownTimeout, shorten)
		})()
	}
	// Connections the kernel has already completed but nobody has accepted yet are reset
	// when the socket closes for good (their clients may have sent a request already): let
	// Serve take them first, briefly.
	queued, cancelQueued := context.WithTimeout(deadline, acceptQueueWait)
	if err := waitUntil(queued, force, func() bool { n, ok := acceptQueueLen(ln); return !ok || n == 0 }); errors.Is(err, ErrForced) {
		cancelQueued()
		return s.forced(srv, cut)
	}
	cancelQueued()
	// Closing the listener stops this server accepting, and Serve returns. The kernel
	// refuses new connections from then on unless another process holds the socket too
	// (a supervisor's master, or the worker taking over).
	if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		s.log.Warn("close listener", zap.Error(err))
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		s.log.Warn("serve", zap.Error(err))
	}

	idle, cancelIdle := context.WithTimeout(deadline, s.opts.IdleDrainTimeout)
	defer cancelIdle()
	if err := waitUntil(idle, force, s.noConns); errors.Is(err, ErrForced) {
		return s.forced(srv, cut)
	}
	s.closeSilent(s.opts.IdleDrainTimeout)
	// A request whose headers are still arriving is let in (its headers are due within
	// ReadHeaderTimeout): Shutdown would close its connection, as idle or as new for 5 s.
	if err := waitUntil(deadline, force, s.noneArriving); errors.Is(err, ErrForced) {
		return s.forced(srv, cut)
	}

	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(deadline) }()
	select {
	case <-force.Done():
		return s.forced(srv, cut)
	case err := <-shut:
		if err == nil {
			s.log.Info("drained: every request finished")
			return nil
		}
	}

	// The deadline passed: cancel the stragglers' contexts so their queries and upstream
	// calls stop, give them a moment to write their error response, then close.
	n := s.inflight.Load()
	if n == 0 { // only connections that never sent a whole request were left
		s.log.Info("drain deadline passed: closing connections without a request")
		srv.Close()
		return nil
	}
	byHandOver := handOver && hurry.Err() == nil // no stop signal has come
	s.log.Warn("drain deadline passed: cutting requests in flight", zap.Int64("requests", n))
	cut(errors.New("server shutdown deadline passed"))
	grace, cancelGrace := context.WithTimeout(context.Background(), cutGrace)
	defer cancelGrace()
	if err := waitUntil(grace, force, func() bool { return s.inflight.Load() == 0 }); errors.Is(err, ErrForced) {
		return s.forced(srv, cut)
	}
	srv.Close()
	if byHandOver {
		return fmt.Errorf("drain: %d %w", n, ErrHandOverCut)
	}
	return fmt.Errorf("drain: %d requests cut at the deadline", n)
}

func (s *Server) forced(srv *http.Server, cut context.CancelCauseFunc) error {
	s.log.Warn("second signal: stopping now", zap.Int64("requests_cut", s.inflight.Load()))
	cut(ErrForced)
	srv.Close()
	return ErrForced
}

// track counts requests in flight and, once draining, asks every client to close its
// connection after the response, so keep-alive clients move to another server. A request
// with a chunked body closes its connection too: with a Content-Length beside the chunks,
// a proxy in front that framed it by the length would read what follows the chunks as
// another request (request smuggling), and RFC 9112 (6.1) says the server MUST close the
// connection after answering such a request. net/http drops the Content-Length and keeps
// the connection, and leaves no trace of which chunked requests had one. An HTTP/1.0
// request closes its connection too: RFC 9112 calls its Transfer-Encoding faulty framing,
// to be closed after, and net/http drops that header without a trace and frames the body
// by its Content-Length, so on a keep-alive connection the chunks' contents would be served
// as another request. (Proxies keep connections with HTTP/1.1; nginx's HTTP/1.0 closes.)
func (s *Server) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.inflight.Add(1)
		defer s.inflight.Add(-1)
		if c, ok := r.Context().Value(connKey{}).(*conn); ok {
			c.responding.Store(true) // until the connection is idle again (connState)
		}
		if s.draining.Load() || len(r.TransferEncoding) > 0 || !r.ProtoAtLeast(1, 1) {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) connState(c net.Conn, state http.ConnState) {
	if sc, ok := c.(*conn); ok {
		sc.setState(state)
		// A request turns its connection active, then idle: past the first request that
		// changes nothing below, so a request takes no lock here.
		if (state == http.StateActive || state == http.StateIdle) && !sc.silent.CompareAndSwap(true, false) {
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch state {
	case http.StateNew:
		s.byClient[clientAddr(c)]++
		s.conns[c] = struct{}{}
		s.silent[c] = time.Now()
	case http.StateClosed, http.StateHijacked:
		delete(s.conns, c)
		delete(s.silent, c)
		client := clientAddr(c)
		if s.byClient[client]--; s.byClient[client] <= 0 {
			delete(s.byClient, client)
		}
	default:
		delete(s.silent, c)
	}
}

// closeSilent closes the connections that have sent nothing since they were accepted, at
// least d ago. http.Server.Shutdown would wait 5 s for each before it counts it idle, and
// a drain would pass its deadline for connections that hold no request.
func (s *Server) closeSilent(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c, since := range s.silent {
		if time.Since(since) >= d && !arriving(c) {
			_ = c.Close() // its goroutine in net/http fails its read and reports StateClosed
		}
	}
}

// noneArriving reports whether no connection is receiving a request's headers.
func (s *Server) noneArriving() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if arriving(c) {
			return false
		}
	}
	return true
}

func arriving(c net.Conn) bool {
	sc, ok := c.(*conn)
	return ok && sc.arriving.Load()
}

// cappedListener hands net/http only the connections within the caps. http.Server calls
// ConnState(StateNew) for a connection before it accepts the next, so the counts admit
// reads are never behind.
type cappedListener struct {
	net.Listener
	s *Server
}

func (l cappedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		switch {
		case err != nil:
			return nil, err
		case !l.s.admit(c):
		default:
			return newConn(c, l.s.opts.Unreadable), nil
		}
	}
}

// admit reports whether c is within the caps, and refuses it if not.
func (s *Server) admit(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	client := clientAddr(c)
	if (s.opts.MaxConns <= 0 || len(s.conns) < s.opts.MaxConns) &&
		(s.opts.MaxConnsPerClient <= 0 || s.byClient[client] < s.opts.MaxConnsPerClient) {
		return true
	}
	s.refuse(c)
	return false
}

// refuse answers a connection over a cap, ends its sending side and closes it
// refusalLinger later, reading nothing from it. The write cannot hold up the accept loop
// for long: the connection is new, its send buffer empty.
func (s *Server) refuse(c net.Conn) {
	if len(s.opts.Refused) == 0 || s.lingering.Load() >= maxLingering {
		_ = c.Close()
	} else {
		_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		_, _ = c.Write(s.opts.Refused)
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		s.lingering.Add(1)
		time.AfterFunc(refusalLinger, func() {
			_ = c.Close()
			s.lingering.Add(-1)
		})
	}
	s.refused++
	if now := time.Now(); now.Sub(s.lastRefusal) >= refusalLogEvery {
		s.lastRefusal = now
		s.log.Warn("connections refused: over the connection caps", zap.Int64("refused_so_far", s.refused),
			zap.Int("open", len(s.conns)), zap.Int("max_conns", s.opts.MaxConns),
			zap.Int("max_conns_per_client", s.opts.MaxConnsPerClient), zap.String("last_client", clientAddr(c).String()))
	}
}

// clientAddr is the connection's peer address, without its port (the zero Addr for a
// listener that is not TCP, such as a Unix socket: all its clients count as one).
func clientAddr(c net.Conn) netip.Addr {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}

// noConns reports whether every connection has gone. The drain waits for this (up to
// IdleDrainTimeout) before Shutdown, rather than for "no idle connection": a connection
// whose response was written just before the drain began turns idle a moment later, and
// Shutdown would close it under a client already sending its next request.
func (s *Server) noConns() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns) == 0
}

// waitUntil polls cond until it holds (nil), ctx ends (ctx's error) or force is done
// (ErrForced). Polling mirrors http.Server.Shutdown; the states come from callbacks.
func waitUntil(ctx, force context.Context, cond func() bool) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-force.Done():
			return ErrForced
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}
