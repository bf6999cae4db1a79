package routers

import (
	"strings"
	"testing"

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
