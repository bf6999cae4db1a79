package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
)

type serving struct {
	addr   string
	stop   context.CancelFunc
	force  context.CancelFunc
	result chan error
	srv    *Server
}

func serve(t *testing.T, opts Options, h http.Handler) *serving {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stopCtx, stop := context.WithCancel(context.Background())
	forceCtx, force := context.WithCancel(context.Background())
	s := &serving{addr: ln.Addr().String(), stop: stop, force: force, result: make(chan error, 1), srv: New(opts, zap.NewNop())}
	go func() { s.result <- s.srv.Serve(Signals{Stop: stopCtx, Force: forceCtx}, ln, h) }()
	t.Cleanup(func() { force(); stop() })
	return s
}

func (s *serving) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-s.result:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
		return nil
	}
}

var opts = Options{ShutdownTimeout: 5 * time.Second, IdleDrainTimeout: time.Second}

// get sends one request on a fresh connection and returns status, body and whether the
// server asked to close the connection.
func get(addr string) (int, string, bool, error) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + addr + "/")
	if err != nil {
		return 0, "", false, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Close, nil
}

func TestDrainWaitsForRequestsInFlight(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	s := serve(t, opts, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "done")
	}))
	type res struct {
		status int
		body   string
		close  bool
		err    error
	}
	got := make(chan res, 1)
	go func() { st, b, c, err := get(s.addr); got <- res{st, b, c, err} }()
	<-started
	s.stop()
	for !s.srv.Draining() {
		time.Sleep(time.Millisecond)
	}
	// The listener is closed once draining: a new connection is refused.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", s.addr)
		if errors.Is(err, syscall.ECONNREFUSED) {
			break
		}
		if err == nil {
			c.Close()
		}
		if time.Now().After(deadline) {
			t.Fatal("new connections still accepted while draining")
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	r := <-got
	if r.err != nil || r.status != 200 || r.body != "done" || !r.close {
		t.Errorf("request in flight = %+v, want 200 done with Connection: close", r)
	}
	if err := s.wait(t); err != nil {
		t.Errorf("Serve = %v, want nil after a clean drain", err)
	}
}

// A request whose headers are still arriving when the drain starts is answered, on a new
// connection and on a keep-alive one alike: net/http counts a connection busy only once
// the headers are all in, and the drain used to close both (the new one as silent after
// IdleDrainTimeout, the idle one at Shutdown), without an answer.
func TestDrainAnswersRequestsWhoseHeadersAreArriving(t *testing.T) {
	t.Parallel()
	s := serve(t, Options{ShutdownTimeout: 20 * time.Second, IdleDrainTimeout: time.Second},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "done") }))
	fresh, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	kept, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()
	keptR := bufio.NewReader(kept)
	const head, end = "GET / HTTP/1.1\r\nHost: x\r\n", "\r\n"
	if _, err := io.WriteString(kept, head+end); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.ReadResponse(keptR, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("first request on the keep-alive connection: %v %v", resp, err)
	} else {
		_, _ = io.Copy(io.Discard, resp.Body)
	}
	for _, c := range []net.Conn{fresh, kept} {
		if _, err := io.WriteString(c, head); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond) // read by the server
	s.stop()
	time.Sleep(1500 * time.Millisecond) // past IdleDrainTimeout
	for name, r := range map[string]*bufio.Reader{"new": bufio.NewReader(fresh), "keep-alive": keptR} {
		c := fresh
		if name == "keep-alive" {
			c = kept
		}
		if _, err := io.WriteString(c, end); err != nil {
			t.Errorf("%s connection: finishing the headers: %v", name, err)
			continue
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Errorf("%s connection: %v, want the request answered", name, err)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(b) != "done" || !resp.Close {
			t.Errorf("%s connection: %d %q close=%v, want 200 done with Connection: close", name, resp.StatusCode, b, resp.Close)
		}
	}
	if err := s.wait(t); err != nil {
		t.Errorf("Serve = %v, want nil after a clean drain", err)
	}
}

func TestDeadlineCancelsRequestContexts(t *testing.T) {
	s := serve(t, Options{ShutdownTimeout: 100 * time.Millisecond}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // stands for work that honours its context
		w.WriteHeader(503)
		io.WriteString(w, "cut: "+context.Cause(r.Context()).Error())
	}))
	got := make(chan string, 1)
	go func() {
		st, b, _, err := get(s.addr)
		got <- strings.Join([]string{http.StatusText(st), b, errString(err)}, "|")
	}()
	waitInflight(t, s.srv, 1)
	s.stop()
	err := s.wait(t)
	if err == nil || !strings.Contains(err.Error(), "1 requests cut") {
		t.Errorf("Serve = %v, want an error counting 1 cut request", err)
	}
	if r := <-got; !strings.HasPrefix(r, "Service Unavailable|cut: server shutdown deadline") {
		t.Errorf("cut request got %q, want its own 503 written after the cancel", r)
	}
}

// A hand-over's drain that cuts requests at HandOverTimeout says so (ErrHandOverCut): the
// cut is the upgrade's, and a stop that follows must not count it as its own. Once a stop
// signal has come (Hurry), a cut is the stop's.
func TestHandOverCutIsToldFromAStopsCut(t *testing.T) {
	for _, tt := range []struct {
		name    string
		hurry   bool
		opts    Options
		handOff bool // want ErrHandOverCut
	}{
		{"the hand-over's deadline", false, Options{HandOverTimeout: 100 * time.Millisecond, ShutdownTimeout: time.Minute}, true},
		{"a stop during the hand-over", true, Options{HandOverTimeout: time.Minute, ShutdownTimeout: 100 * time.Millisecond}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			stop, handOver := context.WithCancelCause(context.Background())
			hurry, stopSignal := context.WithCancel(context.Background())
			defer stopSignal()
			srv := New(tt.opts, zap.NewNop())
			served := make(chan error, 1)
			go func() {
				served <- srv.Serve(Signals{Stop: stop, Hurry: hurry}, ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					<-r.Context().Done()
				}))
			}()
			go get(ln.Addr().String())
			waitInflight(t, srv, 1)
			handOver(ErrHandOver)
			if tt.hurry {
				for !srv.Draining() {
					time.Sleep(time.Millisecond)
				}
				stopSignal()
			}
			select {
			case err = <-served:
			case <-time.After(10 * time.Second):
				t.Fatal("Serve did not return")
			}
			if errors.Is(err, ErrHandOverCut) != tt.handOff || !strings.Contains(fmt.Sprint(err), "1 requests cut at the") {
				t.Errorf("Serve = %v; want ErrHandOverCut in it: %v", err, tt.handOff)
			}
		})
	}
}

func TestForceStopsAtOnce(t *testing.T) {
	s := serve(t, Options{ShutdownTimeout: time.Minute}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	go get(s.addr)
	waitInflight(t, s.srv, 1)
	s.stop()
	for !s.srv.Draining() {
		time.Sleep(time.Millisecond)
	}
	s.force()
	if err := s.wait(t); !errors.Is(err, ErrForced) {
		t.Errorf("Serve = %v, want ErrForced", err)
	}
}

func TestServeFailsOnABrokenListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	err = New(opts, zap.NewNop()).Serve(Signals{Stop: context.Background()}, ln, http.NotFoundHandler())
	if err == nil {
		t.Error("Serve on a closed listener = nil, want an error")
	}
}

func waitInflight(t *testing.T, s *Server, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.inflight.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("requests in flight = %d, want %d", s.inflight.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// OPTIONS * reaches the handler through track, like any request, rather than net/http's
// own answer, which a drain could not mark Connection: close.
func TestOptionsStarReachesTheHandler(t *testing.T) {
	s := serve(t, opts, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "handled "+r.RequestURI)
	}))
	if out := exchange(t, s.addr, "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"); !strings.HasSuffix(out, "handled *") {
		t.Errorf("OPTIONS * answered %q, want the handler's answer", out)
	}
}

// A request with both a Content-Length and a chunked body is the shape of request
// smuggling behind a proxy: answered, its connection is closed (RFC 9112, 6.1), so what
// follows its chunks is never served as a request of its own; an HTTP/1.0 request too. An
// HTTP/1.1 request without a body keeps its connection.
func TestChunkedRequestClosesItsConnection(t *testing.T) {
	s := serve(t, opts, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "handled "+r.URL.Path)
	}))
	out := exchange(t, s.addr, "GET /first HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"+
		"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.Contains(out, "handled /first") || strings.Contains(out, "/smuggled") || !strings.Contains(out, "Connection: close") {
		t.Errorf("a request with Content-Length and chunks, then another, answered:\n%s\nwant the first answered with Connection: close, and the second not served", out)
	}
	// HTTP/1.0 has no chunks: net/http frames the body by its length, and reads the chunks'
	// contents as a request of their own.
	out = exchange(t, s.addr, "POST /first HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"+
		"23\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n\r\n0\r\n\r\n")
	if !strings.Contains(out, "handled /first") || strings.Contains(out, "/smuggled") || strings.Contains(out, "Connection: keep-alive") {
		t.Errorf("an HTTP/1.0 request with Transfer-Encoding, keep-alive, then a request inside its chunk, answered:\n%s\nwant the first answered and the connection closed", out)
	}
	out = exchange(t, s.addr, "GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.Contains(out, "handled /first") || !strings.Contains(out, "handled /second") {
		t.Errorf("two requests without bodies on one connection answered:\n%s\nwant both served", out)
	}
}
