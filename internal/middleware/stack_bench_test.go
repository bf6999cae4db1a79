package middleware

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/internal/metrics"
	"github.com/go-programming-tour-book/blog-service/pkg/logger"
	"github.com/go-programming-tour-book/blog-service/pkg/token"
)

// BenchmarkStack is the cost of the middleware of GET /api/v1/tags, as main.go and
// internal/routers set them up, in front of a handler that answers "ok": the whole stack,
// the stack without each one in turn, and none. Compare ns/op and allocs/op between them:
//
//	go test -run '^$' -bench Stack -benchmem -count 5 ./internal/middleware
func BenchmarkStack(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	f, err := os.Create(filepath.Join(b.TempDir(), "access.log"))
	if err != nil {
		b.Fatal(err)
	}
	log, access, err := logger.New(f, "info", true)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = access.Sync(); _ = f.Close() })
	jwt := token.NewJWT("bench-only-jwt-secret-2c6f0a9e4b71d583", "blog-service", time.Hour)
	tok, err := jwt.Generate("bench", "", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	stack := []struct {
		name string
		h    gin.HandlerFunc
	}{
		{"metrics", metrics.New(metrics.Build{}, func() bool { return false }, nil).Middleware()},
		{"request-id", RequestID()},
		{"access-log", AccessLog(access)},
		{"recovery", Recovery(log)},
		{"rate-limit", RateLimit(RateLimits{}, false, log)}, // no rule for the route
		{"query-string", QueryString()},
		{"jwt", JWT(jwt, func(context.Context, *token.Claims) error { return nil })},
		{"body-limit", BodyLimit(64 << 10)},
		{"timeout", Timeout(time.Minute)},
	}
	run := func(b *testing.B, skip func(name string) bool) {
		r := gin.New()
		for _, m := range stack {
			if !skip(m.name) {
				r.Use(m.h)
			}
		}
		r.GET("/api/v1/tags", func(c *gin.Context) { c.String(200, "ok") })
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest("GET", "/api/v1/tags?page_size=10", nil)
			req.Header.Set("Token", tok)
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("GET = %d %s", rec.Code, rec.Body)
			}
		}
	}
	b.Run("all", func(b *testing.B) { run(b, func(string) bool { return false }) })
	for _, m := range stack {
		b.Run("without-"+m.name, func(b *testing.B) { run(b, func(name string) bool { return name == m.name }) })
	}
	b.Run("none", func(b *testing.B) { run(b, func(string) bool { return true }) })
}
