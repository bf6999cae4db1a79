// Package tracing builds the OpenTelemetry tracer provider: spans exported over OTLP/HTTP
// when an endpoint is configured, and a no-op provider (no cost) when it is not. The
// provider is passed to what creates spans; nothing is set globally.
package tracing

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// New returns a tracer provider and the function that flushes and stops it. endpoint is
// the collector's OTLP/HTTP URL (http://collector:4318); empty gives a no-op provider.
// sampleRatio is the share of new traces recorded (a caller's sampling decision wins).
func New(ctx context.Context, endpoint, service, version string, sampleRatio float64) (trace.TracerProvider, func(context.Context) error, error) {
	if endpoint == "" {
		return noop.NewTracerProvider(), func(context.Context) error { return nil }, nil
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint))
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
