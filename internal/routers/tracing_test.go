package routers

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"gorm.io/gorm"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/pkg/upload"
)

// A request is a span named after its route template, each query a child span, the trace
// id is in the access log, and a caller's traceparent is continued. The SDK's in-memory
// exporter stands in for the OTLP collector.
func TestTracing(t *testing.T) {
	t.Parallel()
	spans, tp, db := tracedDB(t)
	core, logs := observer.New(zap.InfoLevel)
	e := newTestEnvOn(t, db, service.Options{}, func(d *Deps) {
		d.Tracer = tp
		d.Log = zap.New(core)
	})
	tag := e.createTag(t, "Go")
	spans.Reset()

	const caller = "4bf92f3577b34da6a3ce929d0e0e4736"
	rec := e.send(t, "GET", fmt.Sprintf("/api/v1/tags/%d", tag.ID), "", map[string]string{
		"token": e.token, "traceparent": "00-" + caller + "-00f067aa0ba902b7-01"})
	if rec.Code != 200 {
		t.Fatalf("GET tag = %d", rec.Code)
	}
	var server trace.SpanContext
	for _, s := range spans.GetSpans() {
		if s.SpanKind == trace.SpanKindServer && strings.Contains(s.Name, "/api/v1/tags/:id") {
			server = s.SpanContext
		}
	}
	if !server.IsValid() || server.TraceID().String() != caller {
		t.Fatalf("no server span for /api/v1/tags/:id continuing trace %s; spans: %v", caller, spanNames(spans))
	}
	queries := 0
	for _, s := range spans.GetSpans() {
		if s.Parent.SpanID() == server.SpanID() && s.SpanKind == trace.SpanKindClient {
			queries++
			for _, a := range s.Attributes {
				if a.Key == "db.query.text" && !strings.Contains(a.Value.AsString(), "id = ?") {
					t.Errorf("query span records the query's values: %s=%s", a.Key, a.Value.AsString())
				}
			}
		}
	}
	if queries == 0 {
		t.Errorf("no query spans under the request's span; spans: %v", spanNames(spans))
	}
	var logged string
	for _, entry := range logs.FilterMessage("request").All() {
		if entry.ContextMap()["route"] == "/api/v1/tags/:id" {
			logged, _ = entry.ContextMap()["trace_id"].(string)
		}
	}
	if logged != caller {
		t.Errorf("access log trace_id = %q, want %s", logged, caller)
	}
}

// The list's reads run outside gorm (dao.read) and are spans all the same: the count and
// the page, under the request's span, with their SQL and none of the values bound to it.
func TestTracingListReads(t *testing.T) {
	t.Parallel()
	spans, tp, db := tracedDB(t)
	e := newTestEnvOn(t, db, service.Options{}, func(d *Deps) { d.Tracer = tp })
	e.createTag(t, "Go")
	spans.Reset()

	const afterID = "424242"
	rec := e.send(t, "GET", "/api/v1/tags?after_id="+afterID, "", map[string]string{"token": e.token})
	if rec.Code != 200 {
		t.Fatalf("GET tags = %d: %s", rec.Code, rec.Body)
	}
	var server trace.SpanContext
	for _, s := range spans.GetSpans() {
		if s.SpanKind == trace.SpanKindServer {
			server = s.SpanContext
		}
	}
	want := map[string]bool{"select blog_list_count": false, "select blog_tag": false}
	for _, s := range spans.GetSpans() {
		if s.SpanKind != trace.SpanKindClient || s.Parent.SpanID() != server.SpanID() {
			continue
		}
		if _, ok := want[s.Name]; ok {
			want[s.Name] = true
		}
		for _, a := range s.Attributes {
			if strings.Contains(a.Value.String(), afterID) {
				t.Errorf("span %q records a bound value: %s=%s", s.Name, a.Key, a.Value.String())
			}
			if a.Key == "db.query.text" && !strings.Contains(a.Value.AsString(), "?") {
				t.Errorf("span %q: query text without placeholders: %s", s.Name, a.Value.AsString())
			}
		}
	}
	for name, seen := range want {
		if !seen {
			t.Errorf("no %q span under the request's span; spans: %v", name, spanNames(spans))
		}
	}
}

// tracedDB is a test database whose queries are spans of tp, kept in spans. The SDK's
// in-memory exporter stands in for the OTLP collector.
func tracedDB(t *testing.T) (*tracetest.InMemoryExporter, *sdktrace.TracerProvider, *gorm.DB) {
	t.Helper()
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	db := daotest.Open(t)
	if err := dao.Trace(db, tp); err != nil {
		t.Fatal(err)
	}
	return spans, tp, db
}

func spanNames(e *tracetest.InMemoryExporter) []string {
	var names []string
	for _, s := range e.GetSpans() {
		names = append(names, s.Name)
	}
	return names
}

// A failed request's span has an error status and none of the error's text: the text is
// the access log's, and it may quote what the client sent (an upload refused for want of
// space named the client's file name in the span sent to the collector) and the server's
// own details.
func TestFailedRequestsSpanKeepsTheErrorTextOut(t *testing.T) {
	t.Parallel()
	spans, tp, db := tracedDB(t)
	store, err := upload.NewStore(upload.Options{Dir: filepath.Join(t.TempDir(), "uploads"), MaxSize: 1 << 20,
		Exts: []string{".png"}, MinFree: 256 << 20, FreeSpace: func(string) (uint64, error) { return 1 << 20, nil }})
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.InfoLevel)
	e := newTestEnvOn(t, db, service.Options{Uploads: store}, func(d *Deps) {
		d.Tracer = tp
		d.Log = zap.New(core)
	})
	const name = "client-chose-this-name-7c1d.png"
	rec := e.do(t, "POST", "/upload/file", multipartBody(t, map[string]string{"type": "1"}, name, pngBytes(t)), e.token)
	if rec.Code != 507 {
		t.Fatalf("upload with the disk full = %d %s, want 507", rec.Code, rec.Body)
	}
	var failed bool
	for _, s := range spans.GetSpans() {
		if s.SpanKind != trace.SpanKindServer || !strings.Contains(s.Name, "/upload/file") {
			continue
		}
		failed = s.Status.Code == codes.Error
		if strings.Contains(fmt.Sprint(s.Status, s.Attributes, s.Events), name) {
			t.Errorf("the request's span quotes the client's file name: status %q, attributes %v, events %v", s.Status.Description, s.Attributes, s.Events)
		}
	}
	if !failed {
		t.Errorf("no server span for /upload/file with an error status: %v", spanNames(spans))
	}
	var logged bool
	for _, entry := range logs.FilterMessage("request").All() {
		logged = logged || strings.Contains(fmt.Sprint(entry.ContextMap()["error"]), "free")
	}
	if !logged {
		t.Error("the access log does not have the error: the span's loss is the log's too")
	}
}
