package middleware

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/pkg/app"
	"github.com/go-programming-tour-book/blog-service/pkg/errcode"
	"github.com/go-programming-tour-book/blog-service/pkg/limiter"
	"github.com/go-programming-tour-book/blog-service/pkg/setting"
)

// RateLimit applies a token bucket per rule and client address: a client over its rule's
// rate gets 429 with code 10000007. Routes without a rule are not limited.
func RateLimit(rules []setting.LimitRule) gin.HandlerFunc {
	byPath := map[string]*limiter.Keyed{}
	for _, r := range rules {
		byPath[r.Path] = limiter.New(r.Rate, r.Burst)
	}
	return func(c *gin.Context) {
		if l, ok := byPath[c.FullPath()]; ok && !l.Allow(c.ClientIP(), time.Now()) {
			c.Header("Retry-After", "1")
			app.Error(c, errcode.TooManyRequests)
			return
		}
		c.Next()
	}
}

// Timeout bounds a request's work: its context is cancelled after d, so queries and
// upstream calls stop, and the handler answers 504.
func Timeout(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// BodyLimit caps the request body at n bytes before anything reads it; binding a larger
// body fails with 413.
func BodyLimit(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}
