package main

import (
	"strings"
	"syscall"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/go-programming-tour-book/blog-service/pkg/tracing/otlptest"
)

// With Tracing.Endpoint set to a collector's bare URL, the form the README shows, the
// service's spans reach a real OTLP/HTTP receiver: the request's, and its queries' as its
// children, named as before (gorm.io/plugin/opentelemetry's names) and without the values
// bound to the queries.
func TestTracesReachCollector(t *testing.T) {
	t.Parallel()
	c := otlptest.New(t)
	p := startProc(t, "BLOG_TRACING_ENDPOINT="+c.URL)
	const secret = "no-such-tag-5e1f0a"
	if r := get(p.Base()+"/api/v1/tags?name="+secret, p.token()); r.status != 200 {
		t.Fatalf("GET /api/v1/tags = %+v", r)
	}
	p.signal(syscall.SIGTERM) // the last spans are flushed on the way out
	if status := p.wait(30 * time.Second); status != 0 {
		t.Fatalf("exit status %d; log:\n%s", status, p.Log())
	}
	_, spans, misses := c.Received()
	if len(misses) > 0 {
		t.Errorf("the exporter posted where a collector does not listen: %q", misses)
	}
	var request []byte
	for _, s := range spans {
		if s.Name == "GET /api/v1/tags" {
			request = s.SpanId
		}
	}
	if request == nil {
		t.Fatalf("no span named GET /api/v1/tags among %d spans: %v", len(spans), names(spans))
	}
	queries := 0
	for _, s := range spans {
		if string(s.ParentSpanId) != string(request) {
			continue
		}
		attrs := otlptest.Attrs(s)
		if s.Name == "select blog_tag" && attrs["db.collection.name"] == "blog_tag" && strings.Contains(attrs["db.query.text"], "?") {
			queries++
		}
		for k, v := range attrs {
			if strings.Contains(v, secret) {
				t.Errorf("span %q records a bound value: %s=%s", s.Name, k, v)
			}
		}
	}
	if queries == 0 {
		t.Errorf("no select blog_tag span with its statement under the request's span: %v", names(spans))
	}
}

// A collector that never answers does not hold a stop: the last spans' flush gives up after
// tracing.FlushTimeout and the service exits 0. The master killed the worker at its stop
// timeout instead (exit status 1), and an upgrade's old worker lived on for minutes.
func TestStopIsNotHeldByAHangingCollector(t *testing.T) {
	t.Parallel()
	// The master's stop timeout is then 12 s, the flush's bound 2 s.
	p := startProc(t, "BLOG_TRACING_ENDPOINT="+otlptest.NewHanging(t), "BLOG_SERVER_SHUTDOWNTIMEOUT=2s")
	if r := get(p.Base()+"/api/v1/tags", p.token()); r.status != 200 {
		t.Fatalf("GET /api/v1/tags = %+v", r)
	}
	p.signal(syscall.SIGTERM)
	if status := p.wait(60 * time.Second); status != 0 {
		t.Fatalf("exit status %d with the collector hanging; log:\n%s", status, p.Log())
	}
}

func names(spans []*tracepb.Span) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}
