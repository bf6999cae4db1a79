package routers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/service"
)

func TestSlowUpstream(t *testing.T) {
	t.Parallel()
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.WriteHeader(204)
		case "/fail":
			w.WriteHeader(503)
		case "/hang":
			select {
			case <-hang:
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(upstream.Close)
	tests := []struct {
		name, path string
		wantStatus int
		wantCode   int
	}{
		{"upstream ok", "/ok", 200, 0},
		{"upstream fails", "/fail", 502, errcode.UpstreamError.Code()},
		{"upstream hangs past the client timeout", "/hang", 504, errcode.UpstreamTimeout.Code()},
		{"upstream unreachable", "", 502, errcode.UpstreamError.Code()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := upstream.URL + tt.path
			if tt.path == "" {
				url = "http://127.0.0.1:1/" // nothing listens on port 1
			}
			e := newTestEnv(t, service.Options{Slow: service.SlowOptions{
				UpstreamURL:    url,
				UpstreamClient: &http.Client{Timeout: 200 * time.Millisecond},
			}})
			rec := e.do(t, "GET", "/api/v1/tags/slow?delay=0s", noBody, e.token)
			if rec.Code != tt.wantStatus {
				t.Fatalf("slow with upstream %s = %d %s, want %d", tt.path, rec.Code, rec.Body, tt.wantStatus)
			}
			if tt.wantCode != 0 && errorBody(t, rec).Code != tt.wantCode {
				t.Errorf("code in %s, want %d", rec.Body, tt.wantCode)
			}
		})
	}
}

// A cancelled request context (the client left, or the drain deadline passed) stops the
// slow work at once and answers the JSON 503.
func TestSlowStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, "GET", "/api/v1/tags/slow?delay=30s", nil)
	req.Header.Set("token", e.token)
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.h.ServeHTTP(rec, req)
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the slow handler ignored its cancelled context")
	}
	checkResponse(t, req, rec)
	if rec.Code != 503 || errorBody(t, rec).Code != errcode.RequestCancelled.Code() {
		t.Errorf("cancelled slow request = %d %s, want 503 code %d", rec.Code, rec.Body, errcode.RequestCancelled.Code())
	}
}
