package httpadapter

import (
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// command runs one registrar or operator command (run receives the request
// with the command's context) in a span named after the core command,
// "registry.<name>", and tells the observer its outcome and catalog code.
func (s *Server) command(r *http.Request, name string, run func(r *http.Request) error) error {
	if s.untraced {
		err := run(r)
		outcome, code := Outcome(err)
		s.opts.Observer.CommandDone(name, ports.TransportREST, outcome, code, stateOf(r.Context()).replay)
		return err
	}
	ctx, span := s.tracer.Start(r.Context(), "registry."+name,
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attribute.String("registry.command", name), attribute.String("registry.transport", ports.TransportREST)))
	err := run(r.WithContext(ctx))
	outcome, code := Outcome(err)
	replay := stateOf(ctx).replay
	span.SetAttributes(attribute.String("registry.outcome", outcome), attribute.String("registry.code", code),
		attribute.Bool("registry.idempotent_replay", replay))
	if outcome == ports.OutcomeFailed {
		span.SetStatus(codes.Error, code)
	}
	span.End()
	s.opts.Observer.CommandDone(name, ports.TransportREST, outcome, code, replay)
	return err
}

// Outcome classifies a command's error for an Observer: success with code
// "ok", refused (a catalog code answered with a 4xx status) or failed (a 5xx
// status: internal_error, backend_unavailable).
func Outcome(err error) (outcome, code string) {
	if err == nil {
		return ports.OutcomeSuccess, "ok"
	}
	c := core.CodeOf(err)
	if core.SpecOf(c).HTTPStatus >= 500 {
		return ports.OutcomeFailed, string(c)
	}
	return ports.OutcomeRefused, string(c)
}
