package httpadapter

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/headlessdomains/registry/core"
)

// registrarHandler serves one registrar command for an authorized actor.
// It returns an error to be answered as problem details.
type registrarHandler func(w http.ResponseWriter, r *http.Request, a core.Actor, rate *core.RateDecision) error

// registerRegistrarRoutes adds one route per core.Commands() entry.
func (s *Server) registerRegistrarRoutes(r *mux.Router, t *routeTable) {
	handlers := map[core.Command]registrarHandler{
		core.CmdStatus:            s.status,
		core.CmdSandboxReset:      s.sandboxReset,
		core.CmdCheckDomain:       s.checkDomains,
		core.CmdCreateDomain:      s.createDomain,
		core.CmdInfoDomain:        s.infoDomain,
		core.CmdRenewDomain:       s.renewDomain,
		core.CmdUpdateDomain:      s.updateDomain,
		core.CmdUpdateNameservers: s.updateNameservers,
		core.CmdReadRecords:       s.readRecords,
		core.CmdUpdateRecords:     s.updateRecords,
		core.CmdDeleteDomain:      s.deleteDomain,
		core.CmdRestoreDomain:     s.restoreDomain,
		core.CmdPoll:              s.poll,
		core.CmdBackendPending:    s.backendPending,
	}
	for c, h := range s.transferHandlers() {
		handlers[c] = h
	}
	for _, spec := range core.Commands() {
		h, ok := handlers[spec.Command]
		if !ok {
			panic("httpadapter: no handler for registrar command " + string(spec.Command)) // caught by tests at startup
		}
		handle(r, t, spec.Method, RegistrarBase+spec.Path, s.registrar(spec.Command, h))
	}
}

// registrar authorizes the bearer token for command through the core (rules
// 1 to 4), sends the rate-limit headers whenever the core returns a
// decision, and then runs h.
func (s *Server) registrar(command core.Command, h registrarHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := s.command(r, string(command), func(r *http.Request) error {
			actor, rate, err := s.reg.Authorize(r.Context(), bearerToken(r), command)
			limited := core.CodeOf(err) == core.CodeRateLimitExceeded
			switch {
			case rate != nil:
				s.setRateHeaders(w, rate, limited)
			case limited: // a refusal without a decision still tells the client when to come back
				w.Header().Set("Retry-After", "60")
			}
			if err != nil {
				return err
			}
			return h(w, r, actor, rate)
		})
		if err != nil {
			s.fail(w, r, err)
		}
	}
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header, or "" when the header is missing or malformed (the core then
// answers invalid_api_key).
func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return ""
	}
	return token
}

// The fields every registrar answer carries, in the canonical form
// (textproto.CanonicalMIMEHeaderKey) net/http keeps header names in.
// setCanonical puts them straight into the header map: Header.Set
// canonicalizes the name on every call, allocating a new string for names
// spelled as the specifications spell them ("X-RateLimit-Limit"), which was
// most of setRateHeaders' CPU in the in-process info benchmark.
const (
	hdrRateLimitLimit     = "X-Ratelimit-Limit"
	hdrRateLimitRemaining = "X-Ratelimit-Remaining"
	hdrRateLimitReset     = "X-Ratelimit-Reset"
	hdrRateLimitPolicy    = "Ratelimit-Policy"
	hdrRateLimit          = "Ratelimit"
	hdrRequestID          = "X-Request-Id" // HeaderRequestID
	hdrContentType        = "Content-Type"
	hdrCacheControl       = "Cache-Control"
)

// setCanonical is h.Set(key, value) for a key already in canonical form.
func setCanonical(h http.Header, key, value string) { h[key] = []string{value} }

// RateLimitPolicyName names the one quota policy in the IETF fields.
const RateLimitPolicyName = "default"

// rateLimitPolicyItem is RateLimitPolicyName as a structured-field String.
var rateLimitPolicyItem = strconv.Quote(RateLimitPolicyName)

// setRateHeaders writes the rate-limit fields of decision d:
//
//   - X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (Unix
//     seconds when the window ends), the de facto convention the seed names;
//   - RateLimit-Policy and RateLimit in the structured-field form of
//     draft-ietf-httpapi-ratelimit-headers-09 (and -10): a List of quota
//     policy Items, `"default";q=120;w=60`, and the current state,
//     `"default";r=37;t=23` where r is the remaining quota and t the
//     seconds until the window ends;
//   - Retry-After (seconds) when the request was refused with 429.
func (s *Server) setRateHeaders(w http.ResponseWriter, d *core.RateDecision, limited bool) {
	now := s.now()
	remaining := d.Remaining
	if remaining < 0 {
		remaining = 0
	}
	window := int(d.Window.Seconds())
	if window <= 0 {
		window = 60
	}
	untilReset := d.RetryAfter(now)
	if !d.Reset.After(now) {
		untilReset = 0
	}
	h := w.Header()
	setCanonical(h, hdrRateLimitLimit, strconv.Itoa(d.Limit))
	setCanonical(h, hdrRateLimitRemaining, strconv.Itoa(remaining))
	setCanonical(h, hdrRateLimitReset, strconv.FormatInt(d.Reset.Unix(), 10))
	setCanonical(h, hdrRateLimitPolicy, rateLimitPolicyItem+";q="+strconv.Itoa(d.Limit)+";w="+strconv.Itoa(window))
	setCanonical(h, hdrRateLimit, rateLimitPolicyItem+";r="+strconv.Itoa(remaining)+";t="+strconv.Itoa(untilReset))
	if limited {
		h.Set("Retry-After", strconv.Itoa(d.RetryAfter(now)))
	}
}

// domainVar is the {domain} path variable, as sent (the core parses it).
func domainVar(r *http.Request) string { return mux.Vars(r)["domain"] }
