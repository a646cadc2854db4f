package api

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// scenario produces one catalog code through the router and the real core.
type scenario struct {
	code core.Code
	run  func(t *testing.T, e *env)
}

// TestEveryCatalogCodeThroughTheRouter produces every code of core.Catalog()
// from a real scenario: real requests through the real router to the real
// core on the memory store. The three codes a healthy in-process store
// cannot produce (a busy key, an unavailable or broken database) come from
// the store's unit of work failing the way a database adapter does.
func TestEveryCatalogCodeThroughTheRouter(t *testing.T) {
	seen := newCodeSet()
	for _, sc := range catalogScenarios() {
		t.Run(string(sc.code), func(t *testing.T) {
			e := newEnv(t)
			e.codes = seen
			sc.run(t, e)
			if !seen.has(sc.code) {
				t.Fatalf("the scenario never answered %s", sc.code)
			}
		})
	}
	if f := flag.Lookup("test.run"); f != nil && strings.Contains(f.Value.String(), "/") {
		return // a subset of scenarios ran
	}
	var catalog, produced []string
	for _, s := range core.Catalog() {
		if !slices.Contains(eppOnly, s.Code) {
			catalog = append(catalog, string(s.Code))
		}
	}
	for _, c := range eppOnly {
		if _, ok := core.Lookup(c); !ok {
			t.Errorf("%s is listed as EPP-only but is not in the catalog", c)
		}
	}
	for c := range seen.seen {
		produced = append(produced, string(c))
	}
	slices.Sort(catalog)
	slices.Sort(produced)
	if !slices.Equal(catalog, produced) {
		t.Fatalf("codes produced through the router differ from the catalog (less the EPP-only codes)\ncatalog:  %v\nproduced: %v", catalog, produced)
	}
}

// eppOnly are the catalog codes that only the EPP gateway answers: contacts,
// the message queue and EPP sessions have no REST route. Every other code
// must come out of the router.
var eppOnly = []core.Code{
	core.CodeContactNotFound, core.CodeContactNotSponsored, core.CodeContactInUse, core.CodeMessageNotFound,
	core.CodeAuthenticationFailed, core.CodeCommandUseError, core.CodeRequiredParameterMissing, core.CodeUnknownCommand,
	core.CodeUnimplementedCommand, core.CodeUnimplementedExtension, core.CodeUnimplementedObjectService,
	core.CodeUnimplementedProtocolVersion, core.CodeSessionLimitExceeded,
}

func catalogScenarios() []scenario {
	return append([]scenario{
		{core.CodeInvalidAPIKey, invalidAPIKey},
		{core.CodeInsufficientScope, insufficientScope},
		{core.CodeChannelRequired, channelRequired},
		{core.CodeNamespaceNotApproved, namespaceNotApproved},
		{core.CodeChannelNotProductionApproved, notProductionApproved},
		{core.CodeDomainNotSponsored, domainNotSponsored},
		{core.CodeValidation, validationError},
		{core.CodeIdempotencyKeyRequired, idempotencyKeyRequired},
		{core.CodeDomainNotFound, domainNotFound},
		{core.CodeDomainNotAvailable, domainNotAvailable},
		{core.CodeIdempotencyConflict, idempotencyConflict},
		{core.CodeIdempotencyInProgress, idempotencyInProgress},
		{core.CodeStatusProhibitsOperation, statusProhibits},
		{core.CodeProtectedLegacyNotDeletable, protectedLegacy},
		{core.CodeCurrentExpiryMismatch, currentExpiryMismatch},
		{core.CodeClaimAcknowledgementRequired, claimRequired},
		{core.CodeBackendDNSNotSupported, backendDNSNotSupported},
		{core.CodeInsufficientGems, insufficientGems},
		{core.CodeDNSModuleNotEnabled, dnsModuleNotEnabled},
		{core.CodeRateLimitExceeded, rateLimitExceeded},
		{core.CodeStatusNotClientSettable, statusNotClientSettable},
		{core.CodeRegistrationPeriodExceeded, periodExceeded},
		{core.CodeMalformedRequest, malformedRequest},
		{core.CodeRequestTooLarge, requestTooLarge},
		{core.CodeUnsupportedMediaType, unsupportedMediaType},
		{core.CodeRouteNotFound, routeNotFound},
		{core.CodeMethodNotAllowed, methodNotAllowed},
		{core.CodeBackendUnavailable, backendUnavailable},
		{core.CodeResourceBusy, resourceBusy},
		{core.CodeInternal, internalError},
		{core.CodeNotFound, operatorNotFound},
		{core.CodeAlreadyExists, operatorAlreadyExists},
		{core.CodeOTERunNotReady, oteRunNotReady},
	}, transferScenarios()...)
}

// noRateHeaders fails unless r carries no rate-limit fields.
func noRateHeaders(t *testing.T, r resp) {
	t.Helper()
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit", "Retry-After"} {
		if v := r.Header.Get(h); v != "" {
			t.Fatalf("%s: %q on an answer to a key without an approved channel: %s", h, v, r)
		}
	}
}

func invalidAPIKey(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	// An unknown token, no token at all, a malformed header, a revoked key.
	unknown := e.do(req("GET", regBase+"/status", "hdk_not_a_key", nil))
	e.wantProblem(unknown, core.CodeInvalidAPIKey)
	noRateHeaders(t, unknown)
	missing := req("POST", regBase+"/domains/check", "", map[string]any{"names": []string{"a." + r.Namespace}})
	missing.invalid = true // the document requires the bearer token
	e.wantProblem(e.do(missing), core.CodeInvalidAPIKey)
	basic := req("GET", regBase+"/domains/a."+r.Namespace, "", nil, "Authorization", "Basic "+r.Token)
	basic.invalid = true
	e.wantProblem(e.do(basic), core.CodeInvalidAPIKey)

	e.must(http.StatusOK, e.get(r, "/status"))
	e.opDo("DELETE", "/api-keys/"+r.KeyID, nil, http.StatusOK)
	e.wantProblem(e.get(r, "/status"), core.CodeInvalidAPIKey)
	// The operator API answers the same code to a token that is not the operator's.
	e.wantProblem(e.do(req("GET", opBase+"/partners/"+r.PartnerID, r.Token, nil)), core.CodeInvalidAPIKey)
}

func insufficientScope(t *testing.T, e *env) {
	r := e.admit(regSpec{Scopes: []string{core.ScopeDomainsCheck}})
	ok := e.send(r, "POST", "/domains/check", map[string]any{"names": []string{"free." + r.Namespace}})
	e.must(http.StatusOK, ok)
	e.wantRateHeaders(ok, core.DefaultRateLimitPerMinute, core.DefaultRateLimitPerMinute-1)
	refused := e.get(r, "/domains/free."+r.Namespace)
	e.wantProblem(refused, core.CodeInsufficientScope)
	e.wantRateHeaders(refused, core.DefaultRateLimitPerMinute, core.DefaultRateLimitPerMinute-1)
	e.wantProblem(e.send(r, "POST", "/domains", map[string]any{"domain": "free." + r.Namespace, "registrant": registrant()},
		"Idempotency-Key", "k1"), core.CodeInsufficientScope)
	if e.registered("free." + r.Namespace) {
		t.Fatal("a refused create registered the name")
	}
	// /status reports what is missing.
	st := e.must(http.StatusOK, e.get(r, "/status"))
	for _, row := range st["commands"].([]any) {
		c := row.(map[string]any)
		if c["command"] == "create_domain" && (c["disabled_reason"] != string(core.CodeInsufficientScope) ||
			fmt.Sprint(c["missing_scopes"]) != "["+core.ScopeDomainsCreate+"]") {
			t.Fatalf("status row of create_domain: %v", c)
		}
	}
}

func channelRequired(t *testing.T, e *env) {
	unbound := e.admit(regSpec{Unbound: true})
	nsName := unbound.Namespace
	e.wantProblem(e.send(unbound, "POST", "/domains/check", map[string]any{"names": []string{"a." + nsName}}), core.CodeChannelRequired)
	st := e.get(unbound, "/status")
	body := e.must(http.StatusOK, st)
	noRateHeaders(t, st)
	if body["registrar_channel"] != nil || body["audit_provenance"].(map[string]any)["registrar_channel_id"] != nil {
		t.Fatalf("an unbound key's status names a channel: %s", st.Raw)
	}
	pending := e.admit(regSpec{Pending: true})
	refused := e.get(pending, "/domains/a."+pending.Namespace)
	e.wantProblem(refused, core.CodeChannelRequired)
	noRateHeaders(t, refused)
	// A suspended channel is refused too.
	r := e.admit(regSpec{})
	e.must(http.StatusOK, e.get(r, "/poll"))
	e.opDo("PATCH", "/registrar-channels/"+r.ChannelID, map[string]any{"status": "suspended"}, http.StatusOK)
	e.wantProblem(e.get(r, "/poll"), core.CodeChannelRequired)
}

func namespaceNotApproved(t *testing.T, e *env) {
	r := e.admit(regSpec{PendingListing: true})
	e.wantProblem(e.get(r, "/domains/alice."+r.Namespace), core.CodeNamespaceNotApproved)
	other := e.namespace(nsSpec{})
	e.wantProblem(e.send(r, "POST", "/domains", map[string]any{"domain": "alice." + other, "registrant": registrant()},
		"Idempotency-Key", "k1"), core.CodeNamespaceNotApproved)
	e.wantProblem(e.send(r, "POST", "/domains/check", map[string]any{"names": []string{"alice." + other}}), core.CodeNamespaceNotApproved)
	if n := len(e.registrarAudit(r.ChannelID)); n != 0 {
		t.Fatalf("rule 5 refusals wrote %d audit rows", n)
	}
}

func notProductionApproved(t *testing.T, e *env) {
	r := e.admit(regSpec{NoProduction: true})
	name := "alice." + r.Namespace
	body := map[string]any{"domain": name, "registrant": registrant()}
	e.wantProblem(e.send(r, "POST", "/domains", body, "Idempotency-Key", "k1"), core.CodeChannelNotProductionApproved)
	sb := e.must(http.StatusAccepted, e.send(r, "POST", "/domains", body, "Idempotency-Key", "k2", "X-Registrar-Sandbox", "1"))
	if sb["status"] != "sandbox" || sb["sandbox"] != true {
		t.Fatalf("sandbox create: %v", sb)
	}
	if e.registered(name) || e.balance(r.PartnerID) != 10_000 {
		t.Fatal("a sandbox or refused create changed inventory or balance")
	}
	audit := e.registrarAudit(r.ChannelID)
	if len(audit) != 1 || audit[0].Status != core.AuditSandbox {
		t.Fatalf("audit after a refusal and a sandbox create: %+v", audit)
	}
}

func domainNotSponsored(t *testing.T, e *env) {
	a := e.admit(regSpec{})
	b := e.admit(regSpec{Namespace: a.Namespace})
	name := "alice." + a.Namespace
	e.create(a, name, "a-1")
	e.wantProblem(e.get(b, "/domains/"+name), core.CodeDomainNotSponsored)
}

func validationError(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	p := e.wantProblem(e.send(r, "POST", "/domains", map[string]any{"domain": "-x." + r.Namespace, "registrant": registrant()},
		"Idempotency-Key", "k1"), core.CodeValidation)
	e.wantField(p, "domain")
	e.wantProblem(e.send(r, "POST", "/domains/check", map[string]any{"names": []string{"alice.nosuchspace"}}), core.CodeValidation)
	c := req("POST", regBase+"/domains", r.Token, map[string]any{"domain": "bob." + r.Namespace,
		"registrant": map[string]any{"name": "Bob"}}, "Idempotency-Key", "k2")
	c.invalid = true // the document requires the e-mail too
	e.wantField(e.wantProblem(e.do(c), core.CodeValidation), "registrant.email")
	if e.registered("bob." + r.Namespace) {
		t.Fatal("an invalid create registered the name")
	}
}

func idempotencyKeyRequired(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	name := "alice." + r.Namespace
	e.wantProblem(e.send(r, "POST", "/domains", map[string]any{"domain": name, "registrant": registrant()}), core.CodeIdempotencyKeyRequired)
	e.create(r, name, "c-1")
	e.wantProblem(e.send(r, "DELETE", "/domains/"+name, nil), core.CodeIdempotencyKeyRequired)
	if !e.registered(name) {
		t.Fatal("a delete without a key ran")
	}
}

func domainNotFound(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	e.wantProblem(e.get(r, "/domains/nobody."+r.Namespace), core.CodeDomainNotFound)
	e.wantProblem(e.send(r, "POST", "/domains/nobody."+r.Namespace+"/renew",
		map[string]any{"years": 1, "current_expires_at": e.clock.Now().Format(time.RFC3339)}, "Idempotency-Key", "r-1"), core.CodeDomainNotFound)
}

func domainNotAvailable(t *testing.T, e *env) {
	r := e.admit(regSpec{NS: nsSpec{Reserved: []string{"registry"}}})
	name := "alice." + r.Namespace
	e.create(r, name, "c-1")
	e.wantProblem(e.send(r, "POST", "/domains", map[string]any{"domain": name, "registrant": registrant()},
		"Idempotency-Key", "c-2"), core.CodeDomainNotAvailable)
	e.wantProblem(e.send(r, "POST", "/domains", map[string]any{"domain": "registry." + r.Namespace, "registrant": registrant()},
		"Idempotency-Key", "c-3"), core.CodeDomainNotAvailable)
	if got := e.balance(r.PartnerID); got != 10_000-100 {
		t.Fatalf("balance %d after one create and two refusals", got)
	}
}

func idempotencyConflict(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	e.create(r, "alice."+r.Namespace, "same-key")
	e.wantProblem(e.send(r, "POST", "/domains", map[string]any{"domain": "bob." + r.Namespace, "registrant": registrant()},
		"Idempotency-Key", "same-key"), core.CodeIdempotencyConflict)
	e.wantProblem(e.send(r, "POST", "/domains", map[string]any{"domain": "alice." + r.Namespace, "years": 2, "registrant": registrant()},
		"Idempotency-Key", "same-key"), core.CodeIdempotencyConflict)
	if e.registered("bob."+r.Namespace) || e.balance(r.PartnerID) != 9_900 {
		t.Fatal("a conflicting key executed")
	}
}

func idempotencyInProgress(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	name := "alice." + r.Namespace
	body := map[string]any{"domain": name, "registrant": registrant()}
	// The store's claim on the key times out, as PostgreSQL's lock wait does
	// while another node runs the same key.
	e.store.failDo(fmt.Errorf("postgres: reserve idempotency key: %w: %w", ports.ErrKeyBusy, ports.ErrBusy))
	p := e.wantProblem(e.send(r, "POST", "/domains", body, "Idempotency-Key", "busy-1"), core.CodeIdempotencyInProgress)
	if p["retryable"] != true {
		t.Fatalf("in progress is not retryable: %v", p)
	}
	if e.store.armed() || e.registered(name) || len(e.registrarAudit(r.ChannelID)) != 0 {
		t.Fatal("an in-progress refusal changed something or wrote an audit row")
	}
	won := e.must(http.StatusCreated, e.send(r, "POST", "/domains", body, "Idempotency-Key", "busy-1"))
	if won["idempotent"] != false {
		t.Fatalf("the retry after in-progress is a replay: %v", won)
	}
}

func statusProhibits(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	name := "alice." + r.Namespace
	e.create(r, name, "c-1")
	add := func(key string, statuses map[string]any) {
		e.must(http.StatusOK, e.send(r, "PATCH", "/domains/"+name, map[string]any{"statuses": statuses}, "Idempotency-Key", key))
	}
	add("u-1", map[string]any{"add": []string{"clientDeleteProhibited", "clientUpdateProhibited", "clientRenewProhibited"}})
	e.wantProblem(e.send(r, "DELETE", "/domains/"+name, nil, "Idempotency-Key", "d-1"), core.CodeStatusProhibitsOperation)
	e.wantProblem(e.send(r, "PUT", "/domains/"+name+"/nameservers", map[string]any{"nameservers": []string{"ns1.example.net"}},
		"Idempotency-Key", "n-1"), core.CodeStatusProhibitsOperation)
	info := e.must(http.StatusOK, e.get(r, "/domains/"+name))
	e.wantProblem(e.send(r, "POST", "/domains/"+name+"/renew", map[string]any{"years": 1, "current_expires_at": info["expires_at"]},
		"Idempotency-Key", "r-1"), core.CodeStatusProhibitsOperation)
	e.wantProblem(e.send(r, "PATCH", "/domains/"+name, map[string]any{"registrant": registrant()}, "Idempotency-Key", "u-2"),
		core.CodeStatusProhibitsOperation)
	// The update that removes clientUpdateProhibited is allowed.
	add("u-3", map[string]any{"remove": []string{"clientUpdateProhibited"}})
	e.must(http.StatusOK, e.send(r, "PUT", "/domains/"+name+"/nameservers", map[string]any{"nameservers": []string{"ns1.example.net"}},
		"Idempotency-Key", "n-2"))
	failed := 0
	for _, ev := range e.registrarAudit(r.ChannelID) {
		if ev.Status == core.AuditFailed {
			failed++
		}
	}
	if failed != 4 {
		t.Fatalf("%d failed audit rows, want one per refusal (4)", failed)
	}
}

func protectedLegacy(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	name := "legacy." + r.Namespace
	d := e.importDomain(r.ChannelID, name, true)
	if d["protected_legacy"] != true {
		t.Fatalf("imported: %v", d)
	}
	e.wantProblem(e.send(r, "DELETE", "/domains/"+name, nil, "Idempotency-Key", "d-1"), core.CodeProtectedLegacyNotDeletable)
	e.wantProblem(e.send(r, "DELETE", "/domains/"+name, nil, "Idempotency-Key", "d-2", "X-Registrar-Sandbox", "1"),
		core.CodeProtectedLegacyNotDeletable)
	if info := e.must(http.StatusOK, e.get(r, "/domains/"+name)); info["state"] != "active" {
		t.Fatalf("a protected registration changed: %v", info)
	}
}

func currentExpiryMismatch(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	name := "alice." + r.Namespace
	d := e.create(r, name, "c-1")
	exp, err := time.Parse(time.RFC3339Nano, d["expires_at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	e.wantProblem(e.send(r, "POST", "/domains/"+name+"/renew", map[string]any{"years": 1,
		"current_expires_at": exp.AddDate(0, 0, 1).Format(time.RFC3339)}, "Idempotency-Key", "r-1"), core.CodeCurrentExpiryMismatch)
	if got := e.balance(r.PartnerID); got != 9_900 {
		t.Fatalf("balance %d after a refused renew", got)
	}
	ok := e.must(http.StatusOK, e.send(r, "POST", "/domains/"+name+"/renew", map[string]any{"years": 1,
		"current_expires_at": d["expires_at"]}, "Idempotency-Key", "r-2"))
	if ok["domain"].(map[string]any)["expires_at"] == d["expires_at"] || e.balance(r.PartnerID) != 9_820 {
		t.Fatalf("renew: %v", ok)
	}
}

func claimRequired(t *testing.T, e *env) {
	r := e.admit(regSpec{NS: nsSpec{Claims: []string{"bitcoin"}}})
	name := "bitcoin." + r.Namespace
	check := e.must(http.StatusOK, e.send(r, "POST", "/domains/check", map[string]any{"names": []string{name}}))
	res := check["results"].([]any)[0].(map[string]any)
	if res["available"] != true || res["reason"] != "claim_required" {
		t.Fatalf("check of a claim label: %v", res)
	}
	e.wantProblem(e.send(r, "POST", "/domains", map[string]any{"domain": name, "registrant": registrant()},
		"Idempotency-Key", "c-1"), core.CodeClaimAcknowledgementRequired)
	if e.registered(name) {
		t.Fatal("a claim label registered without acknowledgement")
	}
	e.must(http.StatusCreated, e.send(r, "POST", "/domains", map[string]any{"domain": name, "registrant": registrant(),
		"claim_acknowledgement": map[string]any{"notice_id": "notice-1", "accepted_at": e.clock.Now().Add(-time.Minute).Format(time.RFC3339)}},
		"Idempotency-Key", "c-2"))
}

func backendDNSNotSupported(t *testing.T, e *env) {
	r := e.admit(regSpec{NS: nsSpec{Backend: core.DNSBackendNone}})
	name := "alice." + r.Namespace
	e.create(r, name, "c-1")
	e.wantProblem(e.get(r, "/domains/"+name+"/records"), core.CodeBackendDNSNotSupported)
	e.wantProblem(e.send(r, "PUT", "/domains/"+name+"/records", map[string]any{"records": []any{
		map[string]any{"type": "A", "name": "@", "ttl": 300, "value": "192.0.2.1"}}}, "Idempotency-Key", "rec-1"),
		core.CodeBackendDNSNotSupported)
}

func insufficientGems(t *testing.T, e *env) {
	r := e.admit(regSpec{Gems: 50})
	name := "alice." + r.Namespace
	e.wantProblem(e.send(r, "POST", "/domains", map[string]any{"domain": name, "registrant": registrant()},
		"Idempotency-Key", "c-1"), core.CodeInsufficientGems)
	if e.registered(name) || e.balance(r.PartnerID) != 50 || len(e.ledger(r.PartnerID)) != 1 {
		t.Fatal("a create without the Gems for it changed inventory, balance or ledger")
	}
}

func dnsModuleNotEnabled(t *testing.T, e *env) {
	r := e.admit(regSpec{NoDNSModule: true})
	name := "alice." + r.Namespace
	e.create(r, name, "c-1")
	e.wantProblem(e.get(r, "/domains/"+name+"/records"), core.CodeDNSModuleNotEnabled)
	e.wantProblem(e.send(r, "PUT", "/domains/"+name+"/records", map[string]any{"records": []any{}}, "Idempotency-Key", "rec-1"),
		core.CodeDNSModuleNotEnabled)
	// The operator enables the module: records work.
	e.opDo("PATCH", "/partners/"+r.PartnerID, map[string]any{"dns_module_enabled": true}, http.StatusOK)
	e.must(http.StatusOK, e.get(r, "/domains/"+name+"/records"))
}

func rateLimitExceeded(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	first := e.get(r, "/status")
	e.must(http.StatusOK, first)
	e.wantRateHeaders(first, 120, 119)
	e.opDo("PATCH", "/registrar-channels/"+r.ChannelID, map[string]any{"rate_limit_per_minute": 2}, http.StatusOK)
	// The window already counts one status call: the second is the last.
	second := e.get(r, "/status")
	e.must(http.StatusOK, second)
	e.wantRateHeaders(second, 2, 0)
	limited := e.get(r, "/status")
	p := e.wantProblem(limited, core.CodeRateLimitExceeded)
	e.wantRateHeaders(limited, 2, 0)
	wait := int(e.clock.Now().Truncate(registryWindow).Add(registryWindow).Sub(e.clock.Now()).Seconds())
	if got := limited.Header.Get("Retry-After"); got != fmt.Sprint(wait) || p["retryable"] != true {
		t.Fatalf("Retry-After %q, want %d; problem %v", got, wait, p)
	}
	if second.Header.Get("Retry-After") != "" {
		t.Fatal("Retry-After on an admitted answer")
	}
	// Another endpoint has its own window; mutations are counted the same way.
	check := e.send(r, "POST", "/domains/check", map[string]any{"names": []string{"a." + r.Namespace}})
	e.must(http.StatusOK, check)
	e.wantRateHeaders(check, 2, 1)
	e.must(http.StatusOK, e.send(r, "POST", "/domains/check", map[string]any{"names": []string{"a." + r.Namespace}}))
	e.wantProblem(e.send(r, "POST", "/domains/check", map[string]any{"names": []string{"a." + r.Namespace}}), core.CodeRateLimitExceeded)
	// A refused mutation executes nothing.
	e.create(r, "alice."+r.Namespace, "c-1")
	e.create(r, "bob."+r.Namespace, "c-2")
	e.wantProblem(e.send(r, "POST", "/domains", map[string]any{"domain": "carol." + r.Namespace, "registrant": registrant()},
		"Idempotency-Key", "c-3"), core.CodeRateLimitExceeded)
	if e.registered("carol."+r.Namespace) || len(e.registrarAudit(r.ChannelID)) != 2 {
		t.Fatal("a rate-limited create ran or was audited")
	}
	// The next window admits again.
	e.clock.advance(time.Duration(wait) * time.Second)
	next := e.get(r, "/status")
	e.must(http.StatusOK, next)
	e.wantRateHeaders(next, 2, 1)
}

func statusNotClientSettable(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	name := "alice." + r.Namespace
	e.create(r, name, "c-1")
	for i, st := range []string{"serverHold", "serverDeleteProhibited", "pendingDelete"} {
		// The document lists the client statuses, so these requests are off
		// the document on purpose; the core names the rule they break.
		c := req("PATCH", regBase+"/domains/"+name, r.Token, map[string]any{"statuses": map[string]any{"add": []string{st}}},
			"Idempotency-Key", fmt.Sprintf("u-%d", i))
		c.invalid = true
		e.wantProblem(e.do(c), core.CodeStatusNotClientSettable)
	}
	info := e.must(http.StatusOK, e.get(r, "/domains/"+name))
	for _, s := range info["statuses"].([]any) {
		if s != "addPeriod" && s != "ok" {
			t.Fatalf("statuses changed: %v", info["statuses"])
		}
	}
}

func periodExceeded(t *testing.T, e *env) {
	r := e.admit(regSpec{Gems: 100_000})
	c := req("POST", regBase+"/domains", r.Token, map[string]any{"domain": "alice." + r.Namespace, "years": 11, "registrant": registrant()},
		"Idempotency-Key", "c-1")
	c.invalid = true // the document says at most 10
	e.wantProblem(e.do(c), core.CodeRegistrationPeriodExceeded)
	created := e.must(http.StatusCreated, e.send(r, "POST", "/domains", map[string]any{"domain": "bob." + r.Namespace, "years": 10,
		"registrant": registrant()}, "Idempotency-Key", "c-2"))
	d := created["domain"].(map[string]any)
	e.wantProblem(e.send(r, "POST", "/domains/bob."+r.Namespace+"/renew", map[string]any{"years": 1,
		"current_expires_at": d["expires_at"]}, "Idempotency-Key", "r-1"), core.CodeRegistrationPeriodExceeded)
	if got := e.balance(r.PartnerID); got != 100_000-1000 {
		t.Fatalf("balance %d, want only the 10-year create debited", got)
	}
}

func malformedRequest(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	c := req("POST", regBase+"/domains/check", r.Token, `{"names":`)
	c.invalid = true
	e.wantProblem(e.do(c), core.CodeMalformedRequest)
	c = req("POST", regBase+"/domains", r.Token, `{"domain":"a.`+r.Namespace+`"} {}`, "Idempotency-Key", "k")
	c.invalid = true
	e.wantProblem(e.do(c), core.CodeMalformedRequest)
}

func requestTooLarge(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	c := req("POST", regBase+"/domains", r.Token, `{"domain":"a.`+r.Namespace+`","registrant":{"name":"`+strings.Repeat("a", 1<<20)+`"}}`,
		"Idempotency-Key", "k")
	c.invalid = true
	e.wantProblem(e.do(c), core.CodeRequestTooLarge)
	if e.registered("a."+r.Namespace) || len(e.registrarAudit(r.ChannelID)) != 0 {
		t.Fatal("an oversize create ran or was audited")
	}
}

func unsupportedMediaType(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	c := req("POST", regBase+"/domains/check", r.Token, `{"names":["a"]}`)
	c.contentType, c.invalid = "text/plain", true
	e.wantProblem(e.do(c), core.CodeUnsupportedMediaType)
	c.contentType = "-"
	e.wantProblem(e.do(c), core.CodeUnsupportedMediaType)
}

func routeNotFound(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	for _, path := range []string{regBase + "/nothing-here", "/api/v1/registrar/v2/status", opBase + "/nothing"} {
		c := req("GET", path, r.Token, nil)
		c.invalid = true
		e.wantProblem(e.do(c), core.CodeRouteNotFound)
	}
}

func methodNotAllowed(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	for _, tc := range []struct{ method, path, allow string }{
		{"DELETE", regBase + "/status", "GET"},
		{"GET", regBase + "/sandbox/reset", "POST"},
		{"DELETE", regBase + "/poll", "GET"},
		{"POST", regBase + "/domains/alice." + r.Namespace, "DELETE, GET, PATCH"},
		{"PUT", opBase + "/partners", "POST"},
	} {
		token := r.Token
		if strings.HasPrefix(tc.path, opBase) {
			token = operatorToken // the operator API checks its token before the method
		}
		c := req(tc.method, tc.path, token, nil)
		c.invalid = true
		res := e.do(c)
		e.wantProblem(res, core.CodeMethodNotAllowed)
		if got := res.Header.Get("Allow"); got != tc.allow {
			t.Fatalf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
}

func backendUnavailable(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	name := "alice." + r.Namespace
	body := map[string]any{"domain": name, "registrant": registrant()}
	e.store.failDo(fmt.Errorf("postgres: dial tcp 127.0.0.1:5432: connection refused: %w", ports.ErrUnavailable))
	p := e.wantProblem(e.send(r, "POST", "/domains", body, "Idempotency-Key", "c-1"), core.CodeBackendUnavailable)
	if p["retryable"] != true || strings.Contains(fmt.Sprint(p["detail"]), "5432") {
		t.Fatalf("backend_unavailable: %v", p)
	}
	if e.registered(name) || e.balance(r.PartnerID) != 10_000 || len(e.registrarAudit(r.ChannelID)) != 0 {
		t.Fatal("a command whose transaction failed left a trace")
	}
	e.must(http.StatusCreated, e.send(r, "POST", "/domains", body, "Idempotency-Key", "c-1"))
	// Reads fail the same way when the store does not answer.
	e.store.failView(fmt.Errorf("postgres: %w", ports.ErrUnavailable))
	e.wantProblem(e.get(r, "/status"), core.CodeBackendUnavailable)
}

// resourceBusy: a lock wait on a row other than the idempotency key (the
// partner's balance row that a long command holds) runs out. It is its own
// retryable cause, not idempotency_key_in_progress: the key is free.
func resourceBusy(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	name := "alice." + r.Namespace
	body := map[string]any{"domain": name, "registrant": registrant()}
	e.store.failDo(fmt.Errorf("postgres: lock partner: %w", ports.ErrBusy))
	p := e.wantProblem(e.send(r, "POST", "/domains", body, "Idempotency-Key", "c-1"), core.CodeResourceBusy)
	if p["retryable"] != true || p["status"] != float64(http.StatusConflict) {
		t.Fatalf("resource_busy: %v", p)
	}
	if e.registered(name) || e.balance(r.PartnerID) != 10_000 || len(e.registrarAudit(r.ChannelID)) != 0 {
		t.Fatal("a command refused as busy left a trace")
	}
	e.must(http.StatusCreated, e.send(r, "POST", "/domains", body, "Idempotency-Key", "c-1"))
	// An operator's Gems adjustment on a busy partner row answers the same.
	e.store.failDo(fmt.Errorf("postgres: lock partner: %w", ports.ErrBusy))
	e.wantProblem(e.do(req("POST", opBase+"/partners/"+r.PartnerID+"/gems-adjustments", operatorToken,
		map[string]any{"delta": 5, "reason": "goodwill credit"})), core.CodeResourceBusy)
	if e.balance(r.PartnerID) != 9_900 {
		t.Fatal("a busy adjustment moved Gems")
	}
}

func internalError(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	name := "alice." + r.Namespace
	body := map[string]any{"domain": name, "registrant": registrant()}
	e.store.failDo(errors.New("pq: index registry_secret_idx is corrupt"))
	p := e.wantProblem(e.send(r, "POST", "/domains", body, "Idempotency-Key", "c-1"), core.CodeInternal)
	if p["retryable"] != true || strings.Contains(fmt.Sprint(p), "corrupt") {
		t.Fatalf("internal_error leaks its cause or is not retryable: %v", p)
	}
	if e.registered(name) || e.balance(r.PartnerID) != 10_000 || len(e.registrarAudit(r.ChannelID)) != 0 {
		t.Fatal("a command whose transaction failed left a trace")
	}
	e.must(http.StatusCreated, e.send(r, "POST", "/domains", body, "Idempotency-Key", "c-1"))
}

func operatorNotFound(t *testing.T, e *env) {
	for _, path := range []string{"/partners/ptr_missing", "/registrar-channels/chn_missing", "/registrar-ote-runs/run_missing"} {
		e.wantProblem(e.do(req("GET", opBase+path, operatorToken, nil)), core.CodeNotFound)
	}
	e.wantProblem(e.do(req("POST", opBase+"/registrar-channels/chn_missing/approve", operatorToken, nil)), core.CodeNotFound)
}

// oteRunNotReady: production approval without a run, then with a run that
// lacks evidence, is refused; force: true records it.
func oteRunNotReady(t *testing.T, e *env) {
	r := e.admit(regSpec{NoProduction: true})
	path := opBase + "/registrar-channels/" + r.ChannelID + "/production-approval"
	e.wantProblem(e.do(req("POST", path, operatorToken, nil)), core.CodeOTERunNotReady)
	e.opDo("POST", "/registrar-ote-runs", map[string]any{"registrar_channel_id": r.ChannelID, "name": "empty run"}, http.StatusCreated)
	e.wantProblem(e.do(req("POST", path, operatorToken, nil)), core.CodeOTERunNotReady)
	e.opDo("POST", "/registrar-channels/"+r.ChannelID+"/production-approval", map[string]any{"force": true}, http.StatusOK)
}

func operatorAlreadyExists(t *testing.T, e *env) {
	r := e.admit(regSpec{})
	e.wantProblem(e.do(req("POST", opBase+"/registrar-channels", operatorToken,
		map[string]any{"partner_id": r.PartnerID, "slug": r.Slug})), core.CodeAlreadyExists)
	e.wantProblem(e.do(req("POST", opBase+"/namespaces", operatorToken, map[string]any{"name": r.Namespace, "dns_backend": "memory",
		"create_price_gems": 1, "renew_price_gems": 1})), core.CodeAlreadyExists)
	e.wantProblem(e.do(req("POST", opBase+"/registrar-channels/"+r.ChannelID+"/namespace-listings", operatorToken,
		map[string]any{"namespace": r.Namespace})), core.CodeAlreadyExists)
}
