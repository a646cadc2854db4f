// Package httpadapter is the HTTP/REST transport of the registry: it
// translates HTTP requests into calls of the driving ports
// (ports.RegistrarService, ports.OperatorService) and their results into JSON
// or RFC 9457 problem details. It holds no registry rules: access rules,
// idempotency, sandbox, audit and lifecycle all live in the core.
package httpadapter

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/rs/zerolog"
	"github.com/rs/zerolog/hlog"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// Base paths of the two APIs.
const (
	RegistrarBase = "/api/v1/registrar/v1"
	OperatorBase  = "/api/v1/admin"
	// EvidenceArchivePath is outside OperatorBase, as the seed document names it.
	EvidenceArchivePath = "/admin/registrar-ote-runs/{run_id}/evidence-archive.md"
)

// Mount serves Handler for Path; a Path ending in "/" serves everything under it.
type Mount struct {
	Path    string
	Handler http.Handler
}

// Options tune the server.
type Options struct {
	// Mounts are handlers of other transports served on this listener
	// (RDAP and the lookup page), inside the request id, access log and
	// panic recovery of this one.
	Mounts []Mount
	// OperatorToken is the operator API's bearer token; empty closes the
	// operator API (every call answers 401 invalid_api_key).
	OperatorToken string
	// Ready reports whether the backends answer; nil means always ready.
	Ready func(ctx context.Context) error
	// Clock is the time source for rate-limit header arithmetic; nil is time.Now.
	Clock func() time.Time
	// Degraded names the components that are degraded while the node still
	// serves (for example "redis" while rate limits fail open), with a
	// reason; /readyz lists them and stays 200. nil reports none.
	Degraded func(ctx context.Context) map[string]string
	// Observer counts commands (transport "rest"); nil counts nothing.
	Observer ports.Observer
	// Requests counts answered requests by route template; nil counts nothing.
	Requests RequestObserver
	// Tracer traces requests and the core commands they run; nil traces
	// nothing (a caller's traceparent still reaches the log lines).
	Tracer trace.TracerProvider
	// Propagator reads the caller's trace context; nil is W3C Trace Context.
	Propagator propagation.TextMapPropagator
}

// RequestObserver is told of every answered request: the matched route
// template ("unmatched" for a 404 or 405 that matched no route), the
// method, the status code and the time to answer.
type RequestObserver interface {
	ObserveHTTP(route, method string, status int, d time.Duration)
}

// Server is the HTTP transport.
type Server struct {
	reg  ports.RegistrarService
	op   ports.OperatorService
	log  zerolog.Logger
	opts Options
	ids  *core.IDs

	tracer trace.Tracer
	// untraced: the tracer is the no-op one (no exporter configured), so
	// requests and commands start no spans (middleware.go, observe.go).
	untraced bool

	// The JSON of the /status documents, kept while the service answers
	// the same ones (dto_status.go).
	serviceContract, eppContract docEncoder
	ote                          oteEncoder // status_json.go
}

// TracerName is the instrumentation scope of the HTTP adapter's spans.
const TracerName = "github.com/headlessdomains/registry/adapters/http"

// NewServer builds the HTTP transport over the driving ports.
func NewServer(reg ports.RegistrarService, op ports.OperatorService, log zerolog.Logger, opts Options) *Server {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Observer == nil {
		opts.Observer = ports.NopObserver{}
	}
	if opts.Tracer == nil {
		opts.Tracer = noop.NewTracerProvider()
	}
	if opts.Propagator == nil {
		opts.Propagator = propagation.TraceContext{}
	}
	_, untraced := opts.Tracer.(noop.TracerProvider)
	return &Server{reg: reg, op: op, log: log, opts: opts, ids: core.NewIDs(), tracer: opts.Tracer.Tracer(TracerName),
		untraced: untraced}
}

func (s *Server) now() time.Time { return s.opts.Clock() }

// Handler returns the complete HTTP handler: logging, request ids, access
// log and panic recovery around the router, so that 404 and 405 answers are
// logged and carry a request id too.
func (s *Server) Handler() http.Handler {
	// No path cleaning: mux would answer a non-canonical path (//, ., ..)
	// with a bodyless 301 to another path, which clients follow as a GET;
	// the API answers such paths itself (404 route_not_found, or 400 for a
	// domain segment that is not a name).
	r := mux.NewRouter().SkipClean(true)
	t := &routeTable{}
	r.Use(recordRoute)

	// gorilla/mux tries routes in order, one path regexp each: the
	// registrar's commands, most of the traffic, come first (no other
	// route's path overlaps theirs). A prefix subrouter would try fewer,
	// but a subroute's inherited prefix matcher clears a method mismatch
	// found before it, so 405 answers would become 404s.
	s.registerRegistrarRoutes(r, t)
	s.registerInfraRoutes(r, t)
	s.registerDocRoutes(r, t)
	s.registerOperatorRoutes(r, t)
	for _, m := range s.opts.Mounts {
		if strings.HasSuffix(m.Path, "/") {
			r.PathPrefix(m.Path).Handler(m.Handler)
		} else {
			r.Path(m.Path).Handler(m.Handler)
		}
	}

	r.NotFoundHandler = http.HandlerFunc(s.notFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		// The operator API tells which methods a path takes only to the operator.
		if operatorPath(req.URL.Path) && !s.operatorAdmitted(w, req) {
			return
		}
		s.methodNotAllowed(w, req, t.allowed(req.URL.Path))
	})

	var h http.Handler = r
	h = s.recoverPanics(h)
	h = hlog.AccessHandler(s.logAccess)(h)
	h = s.traceRequests(h)
	h = s.requestID(h)
	return hlog.NewHandler(s.log)(h)
}

// handle registers h for method and path and remembers the pair for Allow.
func handle(r *mux.Router, t *routeTable, method, path string, h http.HandlerFunc) {
	t.add(r.HandleFunc(path, h).Methods(method))
}

// handleRead registers a public GET route that also answers HEAD (load
// balancers and link checkers probe with HEAD; net/http drops the body).
func handleRead(r *mux.Router, t *routeTable, path string, h http.HandlerFunc) {
	t.add(r.HandleFunc(path, h).Methods(http.MethodGet, http.MethodHead))
}

func (s *Server) registerInfraRoutes(r *mux.Router, t *routeTable) {
	handleRead(r, t, "/healthz", s.healthz)
	handleRead(r, t, "/readyz", s.readyz)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 while the node can serve (Ready answers nil), 503
// otherwise. Components that are degraded while the node still serves (a
// Redis outage: rate limits fail open) are listed under "degraded" in a 200.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.opts.Ready != nil {
		if err := s.opts.Ready(r.Context()); err != nil {
			s.fail(w, r, core.Unavailable("a registry backend", err))
			return
		}
	}
	body := map[string]any{"status": "ready"}
	if s.opts.Degraded != nil {
		if d := s.opts.Degraded(r.Context()); len(d) > 0 {
			body["degraded"] = d
		}
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, core.Errorf(core.CodeRouteNotFound, "no endpoint exists at %s", truncate(r.URL.Path, 200)))
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request, allow []string) {
	if len(allow) > 0 {
		w.Header().Set("Allow", joinComma(allow))
	}
	s.fail(w, r, core.Errorf(core.CodeMethodNotAllowed, "%s is not allowed here; allowed: %s",
		truncate(r.Method, 20), joinComma(allow)))
}
