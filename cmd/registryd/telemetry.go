package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/headlessdomains/registry/adapters/metrics"
	"github.com/headlessdomains/registry/adapters/tracing"
)

// Telemetry is the process's metrics (always collected; served when
// REGISTRY_METRICS_ADDR is set) and its tracer provider (exporting over
// OTLP/HTTP when the OTEL_* settings ask for it).
type Telemetry struct {
	Metrics *metrics.Metrics
	Tracer  trace.TracerProvider
	Tracing bool
}

// Health is the node's readiness: Ready fails only when the database does
// not answer; Degraded names what is degraded while the node still serves.
type Health struct {
	Ready    func(ctx context.Context) error
	Degraded func(ctx context.Context) map[string]string
}

// provideHealth checks the database for readiness and Redis for
// degradation: with Redis down the rate limits fail open to in-process
// counters and the node keeps serving, so a Redis outage must not take
// every node out of its load balancer. A change of Redis' state is logged.
func provideHealth(st Store, rl RateLimiter, log zerolog.Logger) *Health {
	h := &Health{Ready: func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := st.Ping(ctx); err != nil {
			return fmt.Errorf("database: %w", err)
		}
		return nil
	}}
	if rl.Ping == nil {
		h.Degraded = func(context.Context) map[string]string { return nil }
		return h
	}
	var mu sync.Mutex
	degraded := false
	h.Degraded = func(ctx context.Context) map[string]string {
		err := rl.Ping(ctx)
		if err == nil && rl.FailingOpen != nil && rl.FailingOpen() {
			err = errors.New("recovering: the next rate-limit count probes it")
		}
		mu.Lock()
		changed := degraded != (err != nil)
		degraded = err != nil
		mu.Unlock()
		if changed && err != nil {
			log.Warn().Err(err).Str("component", "redis").Msg("degraded: Redis does not answer; rate limits fail open to in-process counters (per node); still ready")
		} else if changed {
			log.Info().Str("component", "redis").Msg("no longer degraded: Redis answers")
		}
		if err != nil {
			return map[string]string{"redis": "rate limits fail open to in-process counters (per node): Redis does not answer"}
		}
		return nil
	}
	return h
}

// provideTelemetry builds the metrics over the store and readiness, and
// the tracer provider from the OTEL_* environment. The cleanup flushes the
// spans in flight.
func provideTelemetry(ctx context.Context, cfg Config, log zerolog.Logger, st Store, h *Health) (*Telemetry, func(), error) {
	routeOTelLogs(log)
	// The OTLP exporter reads the OTEL_* variables from the process
	// environment itself, so whether tracing is on is read there too.
	tp, enabled, shutdown, err := tracing.Setup(ctx, os.LookupEnv)
	if err != nil {
		return nil, nil, fmt.Errorf("OTEL_*: %w", err)
	}
	if enabled {
		// The background loops (apply worker, housekeeping) take the
		// process-wide provider.
		otel.SetTracerProvider(tp)
		log.Info().Msg("OpenTelemetry tracing on: spans are exported over OTLP/HTTP (OTEL_EXPORTER_OTLP_*)")
	}
	src := metrics.Sources{DB: st.SQL, Pending: st.Pending, Ready: h.Ready, Degraded: h.Degraded}
	if h.Degraded != nil {
		src.DegradedComponents = []string{"redis"}
	}
	t := &Telemetry{Metrics: metrics.New(src), Tracer: tp, Tracing: enabled}
	return t, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shutdown(sctx); err != nil {
			log.Warn().Err(err).Msg("flushing spans failed")
		}
	}, nil
}

// routeOTelLogs sends OpenTelemetry's own log lines and export errors to
// log as JSON (by default they go to stderr as plain text).
func routeOTelLogs(log zerolog.Logger) {
	l := log.With().Str("component", "opentelemetry").Logger()
	otel.SetLogger(funcr.New(func(prefix, args string) {
		l.Debug().Str("detail", args).Msg(prefix)
	}, funcr.Options{}))
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		l.Warn().Err(err).Msg("opentelemetry error")
	}))
}

// startMetrics serves /metrics on addr, on a listener of its own. It
// answers the bound address and a stop that closes the listener.
func startMetrics(addr string, m *metrics.Metrics, log zerolog.Logger) (bound string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn().Err(err).Msg("metrics listener stopped")
		}
	}()
	log.Info().Str("addr", ln.Addr().String()).Msg("metrics listening on /metrics")
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// backgroundSpan starts a span for a registry-made action of a background
// loop on the process-wide tracer provider (a no-op unless tracing is on),
// and answers the logger with the span's trace id.
func backgroundSpan(ctx context.Context, name string, log zerolog.Logger) (context.Context, trace.Span, zerolog.Logger) {
	ctx, span := otel.Tracer("github.com/headlessdomains/registry/cmd/registryd").Start(ctx, name)
	if sc := span.SpanContext(); sc.HasTraceID() {
		log = log.With().Str("trace_id", sc.TraceID().String()).Str("span_id", sc.SpanID().String()).Logger()
	}
	return ctx, span, log
}
