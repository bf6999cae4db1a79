package middleware

import (
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// AccessLog writes one line per request. It logs the path without its query string and no
// headers or bodies, so tokens (which may travel in ?token=) and secrets never reach the log
// (the book logged app_secret). Errors handlers recorded with c.Error are logged here, once,
// and the trace id, when the request is traced, ties the line to its spans.
func AccessLog(log *zap.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		fields := []zap.Field{
			zap.String("method", c.Request.Method),
			zap.String("path", c.Request.URL.Path),
			zap.String("route", c.FullPath()),
			zap.Int("status", status),
			zap.Duration("latency", time.Since(start)),
			zap.String("client_ip", c.ClientIP()),
			zap.String("request_id", GetRequestID(c)),
		}
		if sc := trace.SpanContextFromContext(c.Request.Context()); sc.HasTraceID() {
			fields = append(fields, zap.String("trace_id", sc.TraceID().String()))
		}
		if len(c.Errors) > 0 {
			fields = append(fields, zap.String("error", c.Errors.String()))
		}
		level := zapcore.InfoLevel
		if status >= 500 {
			level = zapcore.ErrorLevel
		}
		log.Log(level, "request", fields...)
	}
}
