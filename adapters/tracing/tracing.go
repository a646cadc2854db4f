// Package tracing sets up OpenTelemetry tracing for registryd and traces
// the store: Setup builds a tracer provider exporting over OTLP/HTTP when
// the standard OTEL_* variables ask for it, and UnitOfWork wraps a
// ports.UnitOfWork so that every store transaction is a span.
package tracing

import (
	"context"
	"errors"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/headlessdomains/registry/ports"
)

// ScopeName is the instrumentation scope of the registry's spans.
const ScopeName = "github.com/headlessdomains/registry"

// Propagator is the one propagator the transports use: W3C Trace Context
// (traceparent, tracestate) and W3C Baggage.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// Enabled reports whether the OTEL_* settings ask for trace export: an
// OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, OTEL_SDK_DISABLED is not
// "true" and OTEL_TRACES_EXPORTER is not "none".
func Enabled(lookup func(string) (string, bool)) bool {
	if v, _ := lookup("OTEL_SDK_DISABLED"); strings.EqualFold(strings.TrimSpace(v), "true") {
		return false
	}
	if v, _ := lookup("OTEL_TRACES_EXPORTER"); strings.EqualFold(strings.TrimSpace(v), "none") {
		return false
	}
	for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
		if v, ok := lookup(k); ok && strings.TrimSpace(v) != "" {
			return true
		}
	}
	return false
}

// Setup answers the tracer provider of the process. When Enabled it
// exports in batches over OTLP/HTTP (the exporter reads
// OTEL_EXPORTER_OTLP_* itself: endpoint, headers, timeout, compression,
// certificates), samples as OTEL_TRACES_SAMPLER says (parent-based, always
// on by default) and names the service from OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES (default "registryd"). Otherwise it answers a
// no-op provider: spans cost nothing and a caller's traceparent still
// reaches the log lines. shutdown flushes the spans in flight.
func Setup(ctx context.Context, lookup func(string) (string, bool)) (tp trace.TracerProvider, enabled bool, shutdown func(context.Context) error, err error) {
	if !Enabled(lookup) {
		return noop.NewTracerProvider(), false, func(context.Context) error { return nil }, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, false, nil, err
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "registryd")),
		resource.WithFromEnv(), resource.WithTelemetrySDK(), resource.WithHost())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		_ = exp.Shutdown(ctx)
		return nil, false, nil, err
	}
	sdk := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return sdk, true, sdk.Shutdown, nil
}

// UnitOfWork wraps uow so that each Do is a span "store.do" and each View a
// span "store.view", children of the span in the caller's context.
func UnitOfWork(uow ports.UnitOfWork, tp trace.TracerProvider) ports.UnitOfWork {
	return &tracedUoW{uow: uow, tracer: tp.Tracer(ScopeName)}
}

// Unwrap answers the wrapped unit of work.
func Unwrap(uow ports.UnitOfWork) ports.UnitOfWork {
	if t, ok := uow.(*tracedUoW); ok {
		return t.uow
	}
	return uow
}

type tracedUoW struct {
	uow    ports.UnitOfWork
	tracer trace.Tracer
}

func (t *tracedUoW) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Stores) error) error {
	return t.span(ctx, "store.do", false, func(ctx context.Context) error { return t.uow.Do(ctx, fn) })
}

func (t *tracedUoW) DoEach(ctx context.Context, fns []func(ctx context.Context, tx ports.Stores) error) []error {
	var errs []error
	_ = t.span(ctx, "store.do_each", false, func(ctx context.Context) error {
		errs = t.uow.DoEach(ctx, fns)
		return errors.Join(errs...)
	})
	return errs
}

func (t *tracedUoW) View(ctx context.Context, fn func(ctx context.Context, tx ports.Stores) error) error {
	return t.span(ctx, "store.view", true, func(ctx context.Context) error { return t.uow.View(ctx, fn) })
}

func (t *tracedUoW) span(ctx context.Context, name string, readOnly bool, run func(context.Context) error) error {
	ctx, span := t.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attribute.Bool("registry.store.read_only", readOnly)))
	defer span.End()
	err := run(ctx)
	if err != nil {
		// The error's text may name a record; its kind is enough here.
		span.SetStatus(codes.Error, errorKind(err))
	}
	return err
}

// errorKind names a store error by its sentinel, never by its text.
func errorKind(err error) string {
	switch {
	case errors.Is(err, ports.ErrNotFound):
		return "not_found"
	case errors.Is(err, ports.ErrDuplicate):
		return "duplicate"
	case errors.Is(err, ports.ErrBusy):
		return "busy"
	case errors.Is(err, ports.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	}
	return "error"
}
