// Package tracing builds the OpenTelemetry tracer provider: spans exported over OTLP/HTTP
// when an endpoint is configured, and a no-op provider (no cost) when it is not. The
// provider is passed to what creates spans; the one global set is otel's error handler,
// the SDK's only way to report a failed export (see errorLog).
package tracing

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"
)

// FlushTimeout bounds the flush of the last spans when the provider stops. A collector that
// hung or answered slowly held every stop until the master killed the worker (15 s, exit
// status 1), and an upgrade's old worker, with its database connections, for minutes.
const FlushTimeout = 2 * time.Second

// New returns a tracer provider and the function that flushes and stops it (within
// FlushTimeout). endpoint is the collector's OTLP/HTTP URL, either its base
// (http://collector:4318) or the full traces URL (http://collector:4318/v1/traces); empty
// gives a no-op provider. sampleRatio is the share of new traces recorded (a caller's
// sampling decision wins). The SDK's errors, such as a failed export, go to log.
func New(ctx context.Context, endpoint, service, version string, sampleRatio float64, log *zap.Logger) (trace.TracerProvider, func(context.Context) error, error) {
	if endpoint == "" {
		return noop.NewTracerProvider(), func(context.Context) error { return nil }, nil
	}
	traces, err := tracesURL(endpoint)
	if err != nil {
		return nil, nil, err
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(traces))
	if err != nil {
		return nil, nil, fmt.Errorf("OTLP exporter: %w", err)
	}
	otel.SetErrorHandler(&errorLog{log: log})
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(sampleRatio))),
		sdktrace.WithResource(resource.NewWithAttributes(semconv.SchemaURL,
			semconv.ServiceName(service), semconv.ServiceVersion(version))),
	)
	stop := func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, FlushTimeout)
		defer cancel()
		return tp.Shutdown(ctx)
	}
	return tp, stop, nil
}

// errorLog reports the SDK's errors through a zap logger, at most one line per
// errorEvery (with how many it left out) and each cut to maxErrorText bytes. The
// exporter's error quotes the collector's answer, up to 4 MiB of it, and otel's default
// handler printed every one whole, as plain text through the standard library's log: a
// collector answering 400 with a large body made 660 MB of log in 11 s.
type errorLog struct {
	log *zap.Logger

	mu      sync.Mutex
	last    time.Time // of the last line
	skipped int       // errors since, not logged
}

const (
	errorEvery   = 10 * time.Second
	maxErrorText = 512
)

func (l *errorLog) Handle(err error) {
	l.mu.Lock()
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < errorEvery {
		l.skipped++
		l.mu.Unlock()
		return
	}
	skipped := l.skipped
	l.last, l.skipped = now, 0
	l.mu.Unlock()
	text := err.Error()
	if len(text) > maxErrorText {
		text = strings.ToValidUTF8(text[:maxErrorText], "") + "...(truncated)"
	}
	l.log.Warn("tracing: spans not exported", zap.String("error", text), zap.Int("errors_since_last_line", skipped))
}

// tracesURL is the URL spans are posted to. A collector's base URL, with no path or just
// "/", gets the standard /v1/traces: since otel v1.45 the exporter posts a URL without a
// path to "/", where a collector answers 404 and every span is lost, silently, since the
// exporter only reports to otel's error handler. Any other path is kept as written (a
// proxy may serve OTLP under its own prefix).
func tracesURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("OTLP endpoint %q is not an http(s) URL", endpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	return u.String(), nil
}
