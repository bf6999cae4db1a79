// Package otlptest is an OTLP/HTTP receiver for tests: it accepts what a collector accepts,
// protobuf posted to /v1/traces, answers 404 anywhere else, and keeps the spans it got.
package otlptest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Collector is a running receiver; URL is its base URL, without a path.
type Collector struct {
	URL string

	mu       sync.Mutex
	requests int // export requests accepted on /v1/traces
	spans    []*tracepb.Span
	misses   []string // "METHOD /path" of requests a collector would refuse
}

// New starts a receiver that stops when the test ends.
func New(t testing.TB) *Collector {
	c := &Collector{}
	srv := httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(srv.Close)
	c.URL = srv.URL
	return c
}

// NewHanging starts a collector that takes every request and never answers (until the test
// ends), and returns its URL.
func NewHanging(t testing.TB) string {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(hang) }) // cleanups run last-in first-out: before Close waits
	return srv.URL
}

func (c *Collector) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
		c.mu.Lock()
		c.misses = append(c.misses, r.Method+" "+r.URL.Path)
		c.mu.Unlock()
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
	c.mu.Lock()
	c.requests++
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			c.spans = append(c.spans, ss.Spans...)
		}
	}
	c.mu.Unlock()
	out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out) // an exporter that already gave up has no reply to read
}

// Received returns the export requests accepted, the spans in them, and the requests
// refused (posted to another path, or not protobuf).
func (c *Collector) Received() (requests int, spans []*tracepb.Span, misses []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests, append([]*tracepb.Span(nil), c.spans...), append([]string(nil), c.misses...)
}

// Attrs returns span's attributes, each value as text.
func Attrs(span *tracepb.Span) map[string]string {
	m := make(map[string]string, len(span.Attributes))
	for _, kv := range span.Attributes {
		if s, ok := kv.Value.GetValue().(*commonpb.AnyValue_StringValue); ok {
			m[kv.Key] = s.StringValue
		} else {
			m[kv.Key] = kv.Value.String()
		}
	}
	return m
}
