package tracing

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// collector is an OTLP/HTTP receiver as a collector serves it: protobuf posted to
// /v1/traces, 404 anywhere else. It keeps the names of the spans it received.
type collector struct {
	mu       sync.Mutex
	requests int // protobuf requests accepted on /v1/traces
	spans    []string
	misses   []string // paths posted to that a collector does not serve
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
		c.misses = append(c.misses, r.Method+" "+r.URL.Path)
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	var req coltrace.ExportTraceServiceRequest
	if err == nil {
		err = proto.Unmarshal(body, &req)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.requests++
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				c.spans = append(c.spans, s.Name)
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
	w.Write(out)
}

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
			c := &collector{}
			srv := httptest.NewServer(c)
			defer srv.Close()
			ctx := context.Background()
			tp, stop, err := New(ctx, srv.URL+tt.path, "blog-service", "test", 1)
			if err != nil {
				t.Fatal(err)
			}
			_, span := tp.Tracer("test").Start(ctx, "GET /api/v1/tags")
			span.End()
			if err := stop(ctx); err != nil { // flushes the batch
				t.Fatalf("stop: %v", err)
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.requests != 1 || len(c.spans) != 1 || c.spans[0] != "GET /api/v1/tags" || len(c.misses) > 0 {
				t.Errorf("endpoint %s: collector got %d requests, spans %q, misses %q; want 1 request with span \"GET /api/v1/tags\"",
					srv.URL+tt.path, c.requests, c.spans, c.misses)
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
