package middleware

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/go-programming-tour-book/blog-service/pkg/app"
	"github.com/go-programming-tour-book/blog-service/pkg/errcode"
	"github.com/go-programming-tour-book/blog-service/pkg/limiter"
)

// RateLimit applies the limiter of the request's route (its gin path), keyed by route and
// client address: a client over its rule gets 429 with code 10000007. Routes without a
// limiter are not limited. When a limiter fails (Redis unreachable), the request goes on
// if failOpen, else it gets 503; either way the failure is logged, at most every 10 s.
func RateLimit(byPath map[string]limiter.Limiter, failOpen bool, log *zap.Logger) gin.HandlerFunc {
	var lastLog atomic.Int64
	return func(c *gin.Context) {
		path := c.FullPath()
		l, ok := byPath[path]
		if !ok {
			c.Next()
			return
		}
		allowed, err := l.Allow(c.Request.Context(), path+" "+c.ClientIP())
		if err != nil {
			if now := time.Now().Unix(); now-lastLog.Load() >= 10 && lastLog.Swap(now) != now {
				log.Error("rate limiter failed", zap.Bool("fail_open", failOpen), zap.Error(err))
			}
			if failOpen {
				c.Next()
				return
			}
			app.Error(c, errcode.ServiceUnavailable.WithDetails("rate limiter unavailable"))
			return
		}
		if !allowed {
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
