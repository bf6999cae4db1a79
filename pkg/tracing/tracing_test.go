package tracing

import (
	"context"
	"testing"

	"github.com/go-programming-tour-book/blog-service/pkg/tracing/otlptest"
)

// Spans reach a real OTLP/HTTP receiver whether Tracing.Endpoint is the collector's base
// URL (the form the README shows) or the full traces URL.
func TestNewExportsToCollector(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, path string }{
		{"bare URL", ""},
		{"bare URL with slash", "/"},
		{"full URL", "/v1/traces"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := otlptest.New(t)
			ctx := context.Background()
			tp, stop, err := New(ctx, c.URL+tt.path, "blog-service", "test", 1)
			if err != nil {
				t.Fatal(err)
			}
			_, span := tp.Tracer("test").Start(ctx, "GET /api/v1/tags")
			span.End()
			if err := stop(ctx); err != nil { // flushes the batch
				t.Fatalf("stop: %v", err)
			}
			requests, spans, misses := c.Received()
			if requests != 1 || len(spans) != 1 || spans[0].Name != "GET /api/v1/tags" || len(misses) > 0 {
				t.Errorf("endpoint %s: collector got %d requests, %d spans, misses %q; want 1 request with span \"GET /api/v1/tags\"",
					c.URL+tt.path, requests, len(spans), misses)
			}
		})
	}
}

func TestTracesURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"http://otel-collector:4318", "http://otel-collector:4318/v1/traces"},
		{"http://otel-collector:4318/", "http://otel-collector:4318/v1/traces"},
		{"https://otel.example.com", "https://otel.example.com/v1/traces"},
		{"http://otel-collector:4318/v1/traces", "http://otel-collector:4318/v1/traces"},
		{"https://gw.example.com/otlp/v1/traces", "https://gw.example.com/otlp/v1/traces"}, // a proxy's own prefix is kept
	} {
		got, err := tracesURL(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("tracesURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"otel-collector:4318", "grpc://otel-collector:4317", "http://"} {
		if got, err := tracesURL(in); err == nil {
			t.Errorf("tracesURL(%q) = %q, want an error", in, got)
		}
	}
}
