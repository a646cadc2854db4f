// Package rdap is the public registration data transport of the registry:
// RDAP (RFC 7480 HTTP usage, RFC 9082 queries, RFC 9083 JSON responses, RFC
// 9537 redaction, the ICANN gTLD RDAP response profile) under /rdap, and the
// /lookup page that shows the same answers to people. It reads through
// ports.PublicLookupService only; what a registration publishes is decided
// in the core.
package rdap

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// Paths the transport answers.
const (
	BasePath   = "/rdap/"
	LookupPath = "/lookup"
)

// ContentType is the RDAP media type (RFC 7480 section 4.2).
const ContentType = "application/rdap+json"

// Options tune the transport.
type Options struct {
	// RateLimitPerMinute is each client IP's budget of lookups per minute
	// (RDAP queries and /lookup answers together); 0 means the default.
	RateLimitPerMinute int
	// Clock is the time source of Retry-After arithmetic; nil is time.Now.
	Clock func() time.Time
}

// Server is the RDAP transport and the lookup page.
type Server struct {
	svc  ports.PublicLookupService
	log  zerolog.Logger
	opts Options
}

// NewServer builds the transport over the lookup port.
func NewServer(svc ports.PublicLookupService, log zerolog.Logger, opts Options) *Server {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &Server{svc: svc, log: log, opts: opts}
}

// RDAPHandler answers everything under BasePath.
func (s *Server) RDAPHandler() http.Handler { return http.HandlerFunc(s.serveRDAP) }

// LookupHandler answers LookupPath.
func (s *Server) LookupHandler() http.Handler { return http.HandlerFunc(s.serveLookup) }

// Handler answers both, for tests and for a listener of its own.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(BasePath, s.RDAPHandler())
	mux.Handle(LookupPath, s.LookupHandler())
	return mux
}

func (s *Server) serveRDAP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*") // RDAP is public: any web page may read it (TIG section 1.13)
	h.Set("Access-Control-Expose-Headers", "Retry-After")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Accept")
		h.Set("Access-Control-Max-Age", "86400")
		h.Set("Allow", "GET, HEAD, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		h.Set("Allow", "GET, HEAD, OPTIONS")
		s.writeError(w, r, http.StatusMethodNotAllowed, "Method not allowed", "RDAP answers GET and HEAD only.")
		return
	}
	if !s.allow(w, r) {
		return
	}
	kind, arg, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, BasePath), "/")
	switch {
	case kind == "domain" && arg != "" && !strings.Contains(arg, "/"):
		s.domain(w, r, arg)
	case kind == "entity" && arg != "" && !strings.Contains(arg, "/"):
		s.entity(w, r, arg)
	case kind == "help" && arg == "":
		s.writeJSON(w, r, http.StatusOK, s.help(r))
	default:
		s.writeError(w, r, http.StatusNotFound, "Not found",
			"This server answers /rdap/domain/{name}, /rdap/entity/{registrar handle} and /rdap/help.")
	}
}

// allow counts the request against the client's budget and answers 429
// when it is spent.
func (s *Server) allow(w http.ResponseWriter, r *http.Request) bool {
	d := s.svc.CountLookup(r.Context(), ClientIP(r), s.opts.RateLimitPerMinute)
	if d.Allowed {
		return true
	}
	w.Header().Set("Retry-After", strconv.Itoa(d.RetryAfter(s.opts.Clock())))
	if r.URL.Path == LookupPath {
		s.renderPage(w, r, http.StatusTooManyRequests, page{Query: r.URL.Query().Get("name"),
			Error: "Too many lookups from your address; try again in a minute."})
		return false
	}
	s.writeError(w, r, http.StatusTooManyRequests, "Too many requests",
		"This client has made more than "+strconv.Itoa(d.Limit)+" lookups this minute; retry after the Retry-After interval.")
	return false
}

// ClientIP is the address a lookup is counted against: the TCP peer.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) domain(w http.ResponseWriter, r *http.Request, name string) {
	res, err := s.svc.LookupDomain(r.Context(), name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if res.Domain == nil {
		s.writeError(w, r, http.StatusNotFound, "Not found", notFoundText(res))
		return
	}
	s.writeJSON(w, r, http.StatusOK, s.domainObject(r, *res.Domain))
}

func (s *Server) entity(w http.ResponseWriter, r *http.Request, handle string) {
	reg, err := s.svc.LookupRegistrar(r.Context(), handle)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, s.entityObject(r, reg))
}

// notFoundText says why nothing is published for a name.
func notFoundText(res core.DomainLookup) string {
	switch res.Result {
	case core.LookupNotServed:
		return res.Query + " is not in a namespace this registry serves."
	case core.LookupReserved:
		return res.Query + " is not registered: the label is reserved."
	case core.LookupWithheld:
		return res.Query + " is not registered: it is held by the registry for registrar testing."
	default:
		return res.Query + " is not registered."
	}
}

// fail answers a core error: a bad name is 400, a missing object 404,
// anything else 503 or 500 (logged with its cause, never shown).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	spec := core.SpecOf(core.CodeOf(err))
	detail := ""
	if ce := (*core.Error)(nil); errors.As(err, &ce) {
		detail = ce.Detail
	}
	switch code := core.CodeOf(err); {
	case code == core.CodeValidation:
		s.writeError(w, r, http.StatusBadRequest, "Bad request", detail)
	case spec.HTTPStatus == http.StatusNotFound:
		s.writeError(w, r, http.StatusNotFound, "Not found", detail)
	case code == core.CodeBackendUnavailable:
		s.logger(r).Warn().Err(err).Msg("rdap lookup: backend unavailable")
		w.Header().Set("Retry-After", "5")
		s.writeError(w, r, http.StatusServiceUnavailable, "Service unavailable", "The registry is unavailable; retry shortly.")
	default:
		s.logger(r).Error().Err(err).Msg("rdap lookup failed")
		s.writeError(w, r, http.StatusInternalServerError, "Internal error", "An unexpected error occurred.")
	}
}

func (s *Server) logger(r *http.Request) *zerolog.Logger {
	if l := zerolog.Ctx(r.Context()); l != nil && l.GetLevel() != zerolog.Disabled {
		return l
	}
	return &s.log
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, status int, title, description string) {
	body := errorObject{
		Conformance: conformance(),
		ErrorCode:   status,
		Title:       title,
		Description: []string{description},
		Notices:     []notice{termsNotice(r)},
	}
	s.writeJSON(w, r, status, body)
}

// writeJSON answers v as application/rdap+json; HEAD gets the same status
// and headers without the body (RFC 7480 section 4.1).
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.logger(r).Error().Err(err).Msg("rdap: encode")
		status, b = http.StatusInternalServerError, []byte(`{"errorCode":500,"title":"Internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "public, max-age=60")
	if status >= 400 {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b) // the client went away; nothing left to tell it
	}
}
