package httpadapter

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/rs/zerolog"
	"github.com/rs/zerolog/hlog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/headlessdomains/registry/core"
)

// HeaderRequestID carries the request id in and out.
const HeaderRequestID = "X-Request-ID"

// requestState is per-request data that outer middleware shares with the
// router: the request id, and the route template once a route matched.
type requestState struct {
	id     string
	route  string
	status int
	// replay is set when a mutating command answered a recorded result.
	replay bool
}

type stateKey struct{}

func stateOf(ctx context.Context) *requestState {
	if st, ok := ctx.Value(stateKey{}).(*requestState); ok {
		return st
	}
	return &requestState{}
}

// RequestID returns the request id of ctx, or "" outside a request.
func RequestID(ctx context.Context) string { return stateOf(ctx).id }

// validRequestID accepts 1 to 128 characters of [A-Za-z0-9._:-].
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// requestID honours a valid inbound X-Request-ID or generates one, keeps it
// in the context (for problem details), adds it to every log line of the
// request and echoes it on the response.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(HeaderRequestID)
		if !validRequestID(id) {
			id = s.ids.NewID("req")
		}
		st := &requestState{id: id}
		ctx := context.WithValue(r.Context(), stateKey{}, st)
		zerolog.Ctx(ctx).UpdateContext(func(c zerolog.Context) zerolog.Context {
			return c.Str("request_id", id)
		})
		setCanonical(w.Header(), hdrRequestID, id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// recordRoute runs on matched routes only and tells the access log which
// route template answered.
func recordRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt := mux.CurrentRoute(r); rt != nil {
			if tpl, err := rt.GetPathTemplate(); err == nil {
				stateOf(r.Context()).route = tpl
			}
		}
		next.ServeHTTP(w, r)
	})
}

// logAccess writes one line per request. It logs the path without its
// query string, and never headers or bodies: tokens and contact data stay out.
func (s *Server) logAccess(r *http.Request, status, size int, d time.Duration) {
	l := hlog.FromRequest(r)
	ev := l.Info()
	if status >= 500 {
		ev = l.Warn()
	}
	st := stateOf(r.Context())
	st.status = status
	if st.route != "" {
		ev = ev.Str("route", st.route)
	}
	if s.opts.Requests != nil {
		route := st.route
		if route == "" {
			route = "unmatched"
		}
		s.opts.Requests.ObserveHTTP(route, r.Method, status, d)
	}
	ev.Str("method", r.Method).
		Str("path", truncate(r.URL.Path, 256)).
		Int("status", status).
		Int("bytes", size).
		Dur("duration", d).
		Msg("http request")
}

// traceRequests reads the caller's trace context (traceparent), runs the
// request in a server span named after its method and route template, and
// puts the trace id on every log line of the request beside request_id.
// Without a tracer the caller's trace id still reaches the log lines, and
// no span is started: a no-op span would only carry the caller's span
// context, which the context already holds.
func (s *Server) traceRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := s.opts.Propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		if s.untraced {
			logTraceIDs(ctx, trace.SpanContextFromContext(ctx))
			if ctx != r.Context() {
				r = r.WithContext(ctx)
			}
			next.ServeHTTP(w, r)
			return
		}
		ctx, span := s.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(semconv.HTTPRequestMethodKey.String(r.Method),
				attribute.String("registry.request_id", RequestID(ctx))))
		defer span.End()
		logTraceIDs(ctx, trace.SpanContextFromContext(ctx))
		next.ServeHTTP(w, r.WithContext(ctx))
		st := stateOf(ctx)
		if st.route != "" {
			span.SetName(r.Method + " " + st.route)
			span.SetAttributes(semconv.HTTPRoute(st.route))
		}
		if st.status != 0 {
			span.SetAttributes(semconv.HTTPResponseStatusCode(st.status))
			if st.status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(st.status))
			}
		}
	})
}

// logTraceIDs adds trace_id and span_id to the logger of ctx when sc is valid.
func logTraceIDs(ctx context.Context, sc trace.SpanContext) {
	if !sc.HasTraceID() {
		return
	}
	zerolog.Ctx(ctx).UpdateContext(func(c zerolog.Context) zerolog.Context {
		c = c.Str("trace_id", sc.TraceID().String())
		if sc.HasSpanID() {
			c = c.Str("span_id", sc.SpanID().String())
		}
		return c
	})
}

// recoverPanics turns a panic into a logged 500 internal_error.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &trackingWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			zerolog.Ctx(r.Context()).Error().
				Str("panic", fmt.Sprint(v)).
				Bytes("stack", debug.Stack()).
				Msg("handler panicked")
			if tw.wrote {
				return // too late for a problem document; the client sees a cut answer
			}
			s.writeProblem(w, r, core.Internal(fmt.Errorf("panic: %v", v)))
		}()
		next.ServeHTTP(tw, r)
	})
}

// trackingWriter remembers whether the response has started.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) WriteHeader(code int) {
	t.wrote = true
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}

func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// routeTable remembers every registered path pattern and method, to compute
// the Allow header of a 405.
type routeTable struct {
	entries []routeEntry
}

type routeEntry struct {
	re     *regexp.Regexp
	method string
}

func (t *routeTable) add(rt *mux.Route) {
	expr, err := rt.GetPathRegexp()
	if err != nil {
		panic("httpadapter: route without path: " + err.Error()) // a programming error at startup
	}
	methods, _ := rt.GetMethods()
	re := regexp.MustCompile(expr)
	for _, m := range methods {
		t.entries = append(t.entries, routeEntry{re: re, method: m})
	}
}

// allowed lists the methods registered for path, sorted.
func (t *routeTable) allowed(path string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, e := range t.entries {
		if !seen[e.method] && e.re.MatchString(path) {
			seen[e.method] = true
			out = append(out, e.method)
		}
	}
	sort.Strings(out)
	return out
}

func joinComma(s []string) string { return strings.Join(s, ", ") }

// truncate bounds client-supplied text echoed in details and logs.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
