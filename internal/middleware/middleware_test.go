package middleware

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func newEngine(log *zap.Logger) *gin.Engine {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.Use(RequestID(), AccessLog(log), Recovery(log))
	r.GET("/panic", func(*gin.Context) { panic("boom: internal detail") })
	r.GET("/ok", func(c *gin.Context) { c.String(200, "ok") })
	return r
}

func TestRecoveryAnswersJSONWithoutStack(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	r := newEngine(zap.New(core))
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/panic", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"code":10000000`) {
		t.Errorf("panic answered %d %s, want the JSON 500 envelope", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "boom") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("the response leaks the panic: %s", rec.Body)
	}
	panics := logs.FilterMessage("panic in handler").All()
	if len(panics) != 1 || !strings.Contains(panics[0].ContextMap()["stack"].(string), "goroutine") {
		t.Errorf("want one logged panic with its stack, got %v", panics)
	}
	// The process serves on.
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/ok", nil))
	if rec.Code != 200 {
		t.Errorf("after a panic: %d", rec.Code)
	}
}

func TestAccessLogNeverRecordsTokens(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	r := newEngine(zap.New(core))
	req := httptest.NewRequest("GET", "/ok?token=secret-token-value&app_secret=hunter2", nil)
	req.Header.Set("Authorization", "Bearer secret-token-value")
	r.ServeHTTP(httptest.NewRecorder(), req)
	entries := logs.All()
	if len(entries) != 1 {
		t.Fatalf("want one access log line, got %d", len(entries))
	}
	for k, v := range entries[0].ContextMap() {
		if s, ok := v.(string); ok && (strings.Contains(s, "secret-token-value") || strings.Contains(s, "hunter2")) {
			t.Errorf("access log field %s records a secret: %q", k, s)
		}
	}
	if entries[0].ContextMap()["request_id"] == "" {
		t.Error("access log lacks the request id")
	}
}

func TestRequestID(t *testing.T) {
	r := newEngine(zap.NewNop())
	tests := []struct {
		name, sent string
		wantEcho   bool
	}{
		{"echoed", "abc-123", true},
		{"generated when absent", "", false},
		{"replaced when unsafe", "bad id\nwith newline", false},
		{"replaced when too long", strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/ok", nil)
			if tt.sent != "" {
				req.Header.Set(RequestIDHeader, tt.sent)
			}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			got := rec.Header().Get(RequestIDHeader)
			if tt.wantEcho && got != tt.sent || !tt.wantEcho && (got == "" || got == tt.sent) {
				t.Errorf("X-Request-ID = %q for %q", got, tt.sent)
			}
		})
	}
}
