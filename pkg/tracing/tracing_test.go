package tracing

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

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
			tp, stop, err := New(ctx, c.URL+tt.path, "blog-service", "test", 1, zap.NewNop())
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

// A collector that never answers cannot hold a stop past FlushTimeout: it held every stop
// until the master killed the worker (exit status 1) and an upgrade's old worker for minutes.
func TestStopIsBoundedWhenTheCollectorHangs(t *testing.T) {
	t.Parallel()
	url := otlptest.NewHanging(t)
	ctx := context.Background()
	tp, stop, err := New(ctx, url, "blog-service", "test", 1, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	_, span := tp.Tracer("test").Start(ctx, "GET /api/v1/tags")
	span.End()
	stopped := make(chan error, 1)
	go func() { stopped <- stop(ctx) }() // no deadline of its own, as at a stop
	select {
	case err := <-stopped:
		if err == nil {
			t.Error("stop reported the spans flushed to a collector that never answered")
		}
	case <-time.After(FlushTimeout + 20*time.Second): // the exporter alone retries for a minute
		t.Fatalf("stop still waits for the collector %v after it began", FlushTimeout+20*time.Second)
	}
}

// A failed export is one line of the service's log, its text cut short, and repeated
// failures are counted, not each logged: the exporter quotes the collector's answer (up to
// 4 MiB), and a collector answering 400 with a large body made 660 MB of log in 11 s.
func TestExportFailuresAreLoggedShortAndSpaced(t *testing.T) {
	// Not parallel: the SDK's error handler is one per process.
	body := strings.Repeat("A", 1<<20)
	c := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, body, http.StatusBadRequest)
	}))
	defer c.Close()
	core, logs := observer.New(zap.WarnLevel)
	ctx := context.Background()
	tp, stop, err := New(ctx, c.URL, "blog-service", "test", 1, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stop(ctx) }()
	_, span := tp.Tracer("test").Start(ctx, "GET /api/v1/tags")
	span.End()
	failed := tp.(*sdktrace.TracerProvider).ForceFlush(ctx) // the exporter's own error
	if failed == nil || len(failed.Error()) < len(body) {
		t.Fatalf("the export to a collector answering 400 = %.200v, want its error quoting the answer", failed)
	}
	handler, ok := otel.GetErrorHandler().(*errorLog)
	if !ok {
		t.Fatalf("otel's error handler is %T, not the service's log", otel.GetErrorHandler())
	}
	for range 5 { // as the batcher reports each failed export
		handler.Handle(failed)
	}
	lines := logs.FilterMessage("tracing: spans not exported").All()
	if len(lines) != 1 {
		t.Fatalf("%d lines for 5 failed exports within %v, want 1 (all log lines: %d)", len(lines), errorEvery, logs.Len())
	}
	if text := lines[0].ContextMap()["error"].(string); len(text) > maxErrorText+len("...(truncated)") || !strings.Contains(text, "400") {
		t.Errorf("logged error of %d bytes, want at most %d, naming the 400: %.200q", len(text), maxErrorText, text)
	}
}
