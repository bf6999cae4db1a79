package routers

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/middleware"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/pkg/limiter"
)

func TestRateLimit(t *testing.T) {
	t.Parallel()
	e := newTestEnvDeps(t, service.Options{}, func(d *Deps) {
		d.RateLimits = middleware.RateLimits{PerClient: map[string]limiter.Limiter{"/api/v1/tags/:id": limiter.NewLocal(0.001, 3)}}
	})
	for i := range 3 {
		if rec := e.do(t, "GET", "/api/v1/tags/1", noBody, e.token); rec.Code != 404 {
			t.Fatalf("request %d within the burst = %d", i+1, rec.Code)
		}
	}
	rec := e.do(t, "GET", "/api/v1/tags/2", noBody, e.token)
	if rec.Code != 429 || errorBody(t, rec).Code != errcode.TooManyRequests.Code() || rec.Header().Get("Retry-After") == "" {
		t.Errorf("request past the burst = %d %s, want 429 with code 10000007 and Retry-After", rec.Code, rec.Body)
	}
	// Another route has its own bucket; a client cannot claim to be another one with a
	// header its peer is not trusted to set.
	if rec := e.do(t, "GET", "/api/v1/tags", noBody, e.token); rec.Code != 200 {
		t.Errorf("unlimited route = %d", rec.Code)
	}
	other := e.send(t, "GET", "/api/v1/tags/1", "", map[string]string{"token": e.token, "X-Forwarded-For": "203.0.113.9"})
	if other.Code != 429 {
		t.Errorf("X-Forwarded-For from an untrusted peer changed the client: %d, want 429", other.Code)
	}
}

func TestAuthIsRateLimitedByDefault(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{}) // the default rule: /auth, 10 per second
	codes := map[int]int{}
	for range 15 {
		// An empty form fails fast (400), so the bucket has no time to refill; a wrong
		// secret would spend bcrypt's time on each try.
		codes[e.do(t, "POST", "/auth", form(""), "").Code]++
	}
	if codes[429] == 0 || codes[400] < 10 {
		t.Errorf("15 quick POST /auth gave %v, want 10 answered and the rest 429", codes)
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	e := newTestEnvDeps(t, service.Options{}, func(d *Deps) { d.MaxBodyBytes = 1024 })
	big := `{"name":"Go","created_by":"` + strings.Repeat("x", 2048) + `"}`
	rec := e.do(t, "POST", "/api/v1/tags", jsonBody(big), e.token)
	if rec.Code != 413 || errorBody(t, rec).Code != errcode.RequestTooLarge.Code() {
		t.Errorf("2 KB body with a 1 KB cap = %d %s, want 413", rec.Code, rec.Body)
	}
	rec = e.do(t, "POST", "/api/v1/tags", form("name=Go&created_by="+strings.Repeat("x", 2048)), e.token)
	if rec.Code != 413 {
		t.Errorf("2 KB form with a 1 KB cap = %d %s, want 413", rec.Code, rec.Body)
	}
	// A GET or DELETE body is never read: the spec lists no 413 for them.
	for _, method := range []string{"GET", "DELETE"} {
		if rec := e.do(t, method, "/api/v1/tags/999", jsonBody(big), e.token); rec.Code != 404 {
			t.Errorf("%s with a 2 KB body over a 1 KB cap = %d %s, want the 404 of no body", method, rec.Code, rec.Body)
		}
	}
	// A client that declares a body over the cap and waits for "100 Continue" before
	// sending it gets the 413 at once: net/http says 100 Continue when the body is read.
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/tags HTTP/1.1\r\nHost: x\r\nToken: %s\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n", e.token)
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 413 ") {
		t.Errorf("a 5 MB body declared with Expect: 100-continue: first line %q (%v), want a 413", status, err)
	}
}

func TestRequestTimeout(t *testing.T) {
	t.Parallel()
	e := newTestEnvDeps(t, service.Options{}, func(d *Deps) { d.RequestTimeout = 50 * time.Millisecond })
	start := time.Now()
	rec := e.do(t, "GET", "/api/v1/tags/slow?delay=20s", noBody, e.token)
	if rec.Code != 504 || errorBody(t, rec).Code != errcode.RequestTimeout.Code() {
		t.Errorf("slow request past App.DefaultContextTimeout = %d %s, want 504", rec.Code, rec.Body)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the timed-out request ran on for %v", took)
	}
}

func TestDebugEndpointsOnlyWhenEnabled(t *testing.T) {
	t.Parallel()
	off := newTestEnv(t, service.Options{})
	on := newTestEnvDeps(t, service.Options{}, func(d *Deps) { d.DebugEndpoints = true })
	for _, path := range []string{"/debug/vars", "/debug/pprof/", "/debug/pprof/heap"} {
		if rec := off.do(t, "GET", path, noBody, ""); rec.Code != 404 {
			t.Errorf("GET %s with debug endpoints off = %d, want 404", path, rec.Code)
		}
		if rec := on.do(t, "GET", path, noBody, ""); rec.Code != 200 {
			t.Errorf("GET %s with debug endpoints on = %d, want 200", path, rec.Code)
		}
	}
	// Its body is capped: the named profiles read their parameters with FormValue, which
	// would parse a multipart body of any size, here one whose seconds=abc would be a 400.
	capped := newTestEnvDeps(t, service.Options{}, func(d *Deps) { d.DebugEndpoints = true; d.MaxBodyBytes = 1024 })
	big := multipartOf(t, formPart{name: "pad", content: make([]byte, 2048)}, formPart{name: "seconds", content: []byte("abc")})
	if rec := capped.do(t, "GET", "/debug/pprof/heap", big, ""); rec.Code != 200 {
		t.Errorf("GET /debug/pprof/heap with a 2 KB multipart body over a 1 KB cap = %d %.200s, want 200 (the body unread)", rec.Code, rec.Body)
	}
	// net/http/pprof's plain-text errors are the API's JSON errors.
	for path, want := range map[string]struct {
		status int
		code   *errcode.Error
		detail string
	}{
		"/debug/pprof/nosuch":           {404, errcode.NotFound, "Unknown profile"},
		"/debug/pprof/heap?seconds=abc": {400, errcode.InvalidParams, "invalid value for \"seconds\""},
	} {
		rec := on.do(t, "GET", path, noBody, "")
		body := errorBody(t, rec)
		if rec.Code != want.status || body.Code != want.code.Code() || len(body.Details) != 1 || !strings.Contains(body.Details[0], want.detail) ||
			rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("GET %s = %d %q %s, want %d, code %d, naming %q", path, rec.Code, rec.Header().Get("Content-Type"), rec.Body, want.status, want.code.Code(), want.detail)
		}
	}
}

// Two replicas sharing Redis share the limit; with Redis down the limiter fails open or
// closed as configured.
func TestRateLimitSharedThroughRedis(t *testing.T) {
	addr := os.Getenv(daotest.RedisEnv)
	if addr == "" {
		t.Skipf("needs Redis: set %s (CI does)", daotest.RedisEnv)
	}
	t.Parallel()
	client := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { client.Close() })
	prefix := fmt.Sprintf("test:%d:", time.Now().UnixNano())
	replica := func() *testEnv {
		return newTestEnvDeps(t, service.Options{}, func(d *Deps) {
			d.RateLimits = middleware.RateLimits{PerClient: map[string]limiter.Limiter{"/api/v1/tags": limiter.NewRedis(client, prefix, 0.001, 4)}}
		})
	}
	a, b := replica(), replica()
	codes := map[int]int{}
	for i := range 8 {
		e := []*testEnv{a, b}[i%2]
		codes[e.do(t, "GET", "/api/v1/tags", noBody, e.token).Code]++
	}
	if codes[200] != 4 || codes[429] != 4 {
		t.Errorf("8 requests over two replicas sharing a burst of 4: %v, want 4 answered and 4 refused", codes)
	}
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { down.Close() })
	for _, tt := range []struct {
		failOpen bool
		want     int
	}{{true, 200}, {false, 503}} {
		e := newTestEnvDeps(t, service.Options{}, func(d *Deps) {
			d.RateLimits = middleware.RateLimits{PerClient: map[string]limiter.Limiter{"/api/v1/tags": limiter.NewRedis(down, prefix, 1, 1)}}
			d.FailOpen = tt.failOpen
		})
		if rec := e.do(t, "GET", "/api/v1/tags", noBody, e.token); rec.Code != tt.want {
			t.Errorf("Redis down, fail open %v: %d %s, want %d", tt.failOpen, rec.Code, rec.Body, tt.want)
		}
	}
}

// A profile or trace pushes its connection's write deadline past Server.WriteTimeout
// through http.ResponseController; jsonErrors must leave that within reach (a minute's
// profile was cut at the WriteTimeout without it).
func TestJSONErrorsKeepsTheConnectionWithinReach(t *testing.T) {
	t.Parallel()
	r := gin.New()
	r.GET("/x", jsonErrors, func(c *gin.Context) {
		if err := http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			c.String(http.StatusOK, "unreachable: "+err.Error())
			return
		}
		c.String(http.StatusOK, "reached")
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != "reached" {
		t.Errorf("SetWriteDeadline through jsonErrors: %s", b)
	}
}

// A worker's check of its own /readyz (middleware.SelfCheck) spends no rate limit, and is
// not refused by one: whoever polls /readyz would otherwise keep a new worker from serving.
func TestSelfCheckIsNotRateLimited(t *testing.T) {
	t.Parallel()
	e := newTestEnvDeps(t, service.Options{}, func(d *Deps) {
		d.RateLimits = middleware.RateLimits{
			PerClient: map[string]limiter.Limiter{"/readyz": limiter.NewLocal(0.001, 1)},
			Global:    map[string]limiter.Limiter{"/readyz": limiter.NewLocal(0.001, 1)},
		}
	})
	if rec := e.do(t, "GET", "/readyz", noBody, ""); rec.Code != 200 {
		t.Fatalf("first /readyz = %d", rec.Code)
	}
	if rec := e.do(t, "GET", "/readyz", noBody, ""); rec.Code != 429 {
		t.Fatalf("second /readyz = %d, want 429: the limit is spent", rec.Code)
	}
	for i := range 3 {
		req := httptest.NewRequestWithContext(middleware.SelfCheck(context.Background()), "GET", "/readyz", nil)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Errorf("self-check %d = %d %s, want 200", i+1, rec.Code, rec.Body)
		}
	}
}
