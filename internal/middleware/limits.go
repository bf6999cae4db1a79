package middleware

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/pkg/limiter"
)

// RateLimits are the limiters of each route (its gin path): PerClient keys a bucket by
// route and client address, Global has one bucket per route for every client.
type RateLimits struct {
	PerClient map[string]limiter.Limiter
	Global    map[string]limiter.Limiter
}

// selfCheckKey marks a request a worker sends its own handler (SelfCheck).
type selfCheckKey struct{}

// SelfCheck marks ctx as a worker's check of its own readiness, before it accepts a
// connection: no rate limit counts it, since a limit on /readyz, spent by whoever polls
// it, would otherwise keep a new worker from ever serving.
func SelfCheck(ctx context.Context) context.Context {
	return context.WithValue(ctx, selfCheckKey{}, true)
}

func isSelfCheck(ctx context.Context) bool { return ctx.Value(selfCheckKey{}) != nil }

// RateLimit applies the request's route limiters, the client's own bucket first (so a
// client over its own limit spends nothing of the shared one): a request over either gets
// 429 with code 10000007. Routes without a limiter are not limited. When a limiter fails
// (Redis unreachable), the request goes on if failOpen, else it gets 503; either way the
// failure is logged, at most every 10 s.
func RateLimit(limits RateLimits, failOpen bool, log *zap.Logger) gin.HandlerFunc {
	var lastLog atomic.Int64
	return func(c *gin.Context) {
		path := c.FullPath()
		perClient, global := limits.PerClient[path], limits.Global[path]
		if perClient == nil && global == nil || isSelfCheck(c.Request.Context()) {
			c.Next() // no limit here (most routes), or a self-check: no key to build (ClientIP parses headers)
			return
		}
		for _, check := range []struct {
			l   limiter.Limiter
			key string
		}{
			{perClient, path + " " + c.ClientIP()},
			{global, path + " *"},
		} {
			if check.l == nil {
				continue
			}
			allowed, err := check.l.Allow(c.Request.Context(), check.key)
			if err != nil {
				if now := time.Now().Unix(); now-lastLog.Load() >= 10 && lastLog.Swap(now) != now {
					log.Error("rate limiter failed", zap.Bool("fail_open", failOpen), zap.Error(err))
				}
				if failOpen {
					continue
				}
				app.Error(c, errcode.ServiceUnavailable.WithDetail("rate limiter unavailable", "限流器不可用"))
				return
			}
			if !allowed {
				c.Header("Retry-After", "1")
				app.Error(c, errcode.TooManyRequests)
				return
			}
		}
		c.Next()
	}
}

// Timeout bounds a request's work: its context is cancelled after d, so queries and
// upstream calls stop, and the handler answers 504. (A list's query on SQLite, once
// started, runs to its end: it is bounded, dao.read.)
func Timeout(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// BodyLimit caps the request body at n bytes before anything reads it; binding a larger
// body fails with 413. A POST, PUT or PATCH body declared larger is refused before a byte
// of it is read, so a client waiting for "100 Continue" gets the 413 instead and never
// sends it. (The API reads no other method's body, and such a request is answered as if
// it had none.)
func BodyLimit(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if m := c.Request.Method; c.Request.ContentLength > n && (m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch) {
			app.Error(c, app.BodyTooLarge(n))
			return
		}
		if c.Request.Body != http.NoBody { // net/http's body of a request that has none: nothing to cap
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		}
		c.Next()
	}
}

// QueryString answers 400 to a query string that does not parse. Go's URL parsing drops a
// malformed pair (name=%zz, or a pair after a ;) without a word, and every pair of a query
// with more than maxQueryParams, so a filter the client sent would be ignored and the
// answer would list what it did not ask for.
func QueryString() gin.HandlerFunc {
	return func(c *gin.Context) {
		raw := c.Request.URL.RawQuery
		switch {
		case strings.Count(raw, "&") >= maxQueryParams: // only long queries have as many
			app.Error(c, errcode.InvalidParams.WithDetail(
				fmt.Sprintf("the query string has more than %d parameters", maxQueryParams),
				fmt.Sprintf("查询字符串的参数超过 %d 个", maxQueryParams)))
			return
		case strings.ContainsAny(raw, "%;"): // the other ways to fail
			if _, err := url.ParseQuery(raw); err != nil {
				app.Error(c, errcode.InvalidParams.WithDetail(
					"the query string is malformed: a % must begin an escape such as %20, and pairs are separated by &, not ;",
					"查询字符串格式错误：% 必须开始一个转义（如 %20），参数之间用 & 而不是 ; 分隔"))
				return
			}
		}
		c.Next()
	}
}

// maxQueryParams is net/url's cap on a query's pairs (its defaultMaxParams): past it,
// ParseQuery returns none of them.
const maxQueryParams = 10000
