// Package tracing builds the OpenTelemetry tracer provider: spans exported over OTLP/HTTP
// when an endpoint is configured, and a no-op provider (no cost) when it is not. The
// provider is passed to what creates spans; nothing is set globally.
package tracing

import (
	"context"
	"fmt"
	"net/url"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// New returns a tracer provider and the function that flushes and stops it. endpoint is
// the collector's OTLP/HTTP URL, either its base (http://collector:4318) or the full traces
// URL (http://collector:4318/v1/traces); empty gives a no-op provider. sampleRatio is the
// share of new traces recorded (a caller's sampling decision wins).
func New(ctx context.Context, endpoint, service, version string, sampleRatio float64) (trace.TracerProvider, func(context.Context) error, error) {
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
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(sampleRatio))),
		sdktrace.WithResource(resource.NewWithAttributes(semconv.SchemaURL,
			semconv.ServiceName(service), semconv.ServiceVersion(version))),
	)
	return tp, tp.Shutdown, nil
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
