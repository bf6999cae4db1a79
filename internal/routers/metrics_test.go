package routers

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/go-programming-tour-book/blog-service/internal/metrics"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	e := newTestEnvMetrics(t, metrics.Build{Version: "v9.9.9", Commit: "abc123"}, func(*Deps) {})
	e.do(t, "GET", "/api/v1/tags/7", noBody, e.token)
	e.do(t, "GET", "/api/v1/tags/8", noBody, e.token)
	e.do(t, "GET", "/no/such/path/1", noBody, "")
	e.draining.Store(true)
	rec := e.do(t, "GET", "/metrics", noBody, "")
	body := rec.Body.String()
	for _, want := range []string{
		`blog_http_requests_total{method="GET",route="/api/v1/tags/:id",status="404"} 2`,
		`blog_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`blog_http_request_duration_seconds_count{method="GET",route="/api/v1/tags/:id"} 2`,
		`blog_http_requests_in_flight 1`, // the scrape itself
		`blog_draining 1`,
		`blog_build_info{commit="abc123",goversion="go`,
		`go_sql_open_connections{db_name="blog"}`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if rec.Code != 200 || strings.Contains(body, "/no/such/path") {
		t.Errorf("/metrics = %d; an unmatched path must not become a label", rec.Code)
	}
}

// A request whose client left is counted and logged as cancelled (499), at info, not as
// the server failing: the 503 its handler wrote reached nobody, and a client hanging up
// under a load made an error line and a 5xx count of each request. A request the server
// cut at its drain deadline (a context cancelled with a cause) is the server's 503.
func TestRequestWhoseClientLeftIsCountedAsCancelled(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zap.InfoLevel)
	e := newTestEnvMetrics(t, metrics.Build{}, func(d *Deps) { d.AccessLog = zap.New(core) })
	get := func(ctx context.Context) {
		req := httptest.NewRequest("GET", "/api/v1/tags", nil).WithContext(ctx)
		req.Header.Set("token", e.token)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("GET /api/v1/tags with its context ended = %d, want 503", rec.Code)
		}
	}
	left, leave := context.WithCancel(t.Context())
	leave() // as net/http does when the connection closes
	get(left)
	cut, stop := context.WithCancelCause(t.Context())
	stop(errors.New("server shutdown deadline passed"))
	get(cut)

	body := e.do(t, "GET", "/metrics", noBody, "").Body.String()
	for _, want := range []string{
		`blog_http_requests_total{method="GET",route="/api/v1/tags",status="499"} 1`,
		`blog_http_requests_total{method="GET",route="/api/v1/tags",status="503"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	lines := logs.FilterMessage("request").All()
	if len(lines) != 2 {
		t.Fatalf("%d access lines, want 2", len(lines))
	}
	for i, want := range []struct {
		status int64
		level  zapcore.Level
	}{{499, zapcore.InfoLevel}, {503, zapcore.ErrorLevel}} {
		if got := lines[i].ContextMap()["status"]; got != want.status || lines[i].Level != want.level {
			t.Errorf("access line %d: status %v at %v, want %d at %v", i, got, lines[i].Level, want.status, want.level)
		}
	}
}
