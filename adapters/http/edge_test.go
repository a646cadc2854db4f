package httpadapter_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/headlessdomains/registry/core"
)

func TestEveryCatalogCodeRendersItsRow(t *testing.T) {
	for _, spec := range core.Catalog() {
		t.Run(string(spec.Code), func(t *testing.T) {
			h := newHarness(t)
			e := &core.Error{Code: spec.Code, Detail: "detail of " + string(spec.Code), Cause: errors.New("db password=hunter2")}
			if spec.Code == core.CodeValidation {
				e.Field = "registrant.email"
			}
			h.reg.InfoDomainFn = func(ctx context.Context, a core.Actor, domain string) (core.DomainView, error) {
				return core.DomainView{}, e
			}
			rec := h.do(req{method: "GET", path: base + "/domains/alice.defiwallet"})
			p := problem(t, rec, spec.HTTPStatus, spec.Code)
			want := map[string]any{
				"type": "/docs/registrar/errors#" + string(spec.Code), "title": spec.Title,
				"status": float64(spec.HTTPStatus), "detail": "detail of " + string(spec.Code),
				"instance": base + "/domains/alice.defiwallet", "epp_result_code": float64(spec.EPPCode),
				"epp_result": spec.EPPMessage, "retryable": spec.Retryable,
				"request_id": rec.Header().Get("X-Request-ID"),
			}
			for k, v := range want {
				if p[k] != v {
					t.Errorf("%s = %#v, want %#v", k, p[k], v)
				}
			}
			if p["request_id"] == "" {
				t.Error("request_id is empty")
			}
			if spec.Code == core.CodeValidation {
				if fieldOf(t, p) != "registrant.email" {
					t.Errorf("errors = %v", p["errors"])
				}
			} else if _, ok := p["errors"]; ok {
				t.Errorf("errors present without a field: %v", p["errors"])
			}
			if strings.Contains(rec.Body.String(), "hunter2") {
				t.Error("the cause leaked into the response")
			}
		})
	}
}

func TestUnknownErrorsAreInternalAndLogged(t *testing.T) {
	h := newHarness(t)
	h.reg.InfoDomainFn = func(ctx context.Context, a core.Actor, domain string) (core.DomainView, error) {
		return core.DomainView{}, errors.New("pq: connection to 10.0.0.5 refused")
	}
	rec := h.do(req{method: "GET", path: base + "/domains/a.defiwallet", header: map[string]string{"X-Request-ID": "trace-42"}})
	p := problem(t, rec, 500, core.CodeInternal)
	if strings.Contains(rec.Body.String(), "10.0.0.5") || p["retryable"] != true {
		t.Errorf("problem = %v", p)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, `"level":"error"`) || !strings.Contains(logs, "10.0.0.5") || !strings.Contains(logs, `"request_id":"trace-42"`) {
		t.Errorf("the cause must be logged at error level with the request id:\n%s", logs)
	}
}

func TestRouteNotFound(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/nope", base + "/domains/a.defiwallet/transfer", "/api/v1/admin/unknown"} {
		rec := h.do(req{method: "GET", path: path})
		p := problem(t, rec, 404, core.CodeRouteNotFound)
		if p["instance"] != path || p["request_id"] == "" {
			t.Errorf("%s: %v", path, p)
		}
	}
	if !strings.Contains(h.logs.String(), `"status":404`) {
		t.Errorf("404 answers must be access-logged:\n%s", h.logs.String())
	}
}

func TestMethodNotAllowedListsAllow(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ method, path, allow string }{
		{"POST", base + "/status", "GET"},
		{"PUT", base + "/domains/alice.defiwallet", "DELETE, GET, PATCH"},
		{"GET", base + "/domains", "POST"},
		{"DELETE", base + "/domains/alice.defiwallet/records", "GET, PUT"},
		{"GET", "/api/v1/admin/partners", "POST"},
	} {
		rec := h.do(req{method: tc.method, path: tc.path, header: map[string]string{"Authorization": "Bearer " + operatorToken}})
		if !strings.HasPrefix(tc.path, "/api/v1/admin/") {
			rec = h.do(req{method: tc.method, path: tc.path})
		}
		problem(t, rec, 405, core.CodeMethodNotAllowed)
		if got := rec.Header().Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow = %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
	if !strings.Contains(h.logs.String(), `"status":405`) {
		t.Errorf("405 answers must be access-logged")
	}
}

func TestBodyTooLarge(t *testing.T) {
	h := newHarness(t)
	big := `{"names":["` + strings.Repeat("a", 1<<20) + `"]}`
	rec := h.do(req{method: "POST", path: base + "/domains/check", body: big})
	problem(t, rec, 413, core.CodeRequestTooLarge)

	// Without a Content-Length (chunked), the limit still holds while reading.
	r := httptest.NewRequest("POST", base+"/domains/check", strings.NewReader(big))
	r.ContentLength = -1
	r.Header.Set("Authorization", "Bearer "+goodToken)
	r.Header.Set("Content-Type", "application/json")
	rec = httptest.NewRecorder()
	h.handler().ServeHTTP(rec, r)
	problem(t, rec, 413, core.CodeRequestTooLarge)
}

func TestUnsupportedMediaType(t *testing.T) {
	h := newHarness(t)
	h.reg.CheckDomainsFn = func(ctx context.Context, a core.Actor, cmd core.CheckDomains) ([]core.CheckResult, error) {
		return nil, nil
	}
	for _, ct := range []string{"text/plain", "-", "application/x-www-form-urlencoded", "application/jsonx"} {
		rec := h.do(req{method: "POST", path: base + "/domains/check", body: `{"names":["a"]}`, contentType: ct})
		problem(t, rec, 415, core.CodeUnsupportedMediaType)
	}
	rec := h.do(req{method: "POST", path: base + "/domains/check", body: `{"names":["a"]}`, contentType: "application/json; charset=utf-8"})
	if rec.Code != 200 {
		t.Errorf("charset parameter refused: %d %s", rec.Code, rec.Body.String())
	}
	// A command that needs a body refuses a missing content type even when empty.
	rec = h.do(req{method: "POST", path: base + "/domains", header: map[string]string{"Idempotency-Key": "k"}})
	problem(t, rec, 415, core.CodeUnsupportedMediaType)
}

func TestOptionalBodies(t *testing.T) {
	h := newHarness(t)
	h.reg.DeleteDomainFn = func(ctx context.Context, a core.Actor, cmd core.DeleteDomain) (core.Outcome, error) {
		return testOutcome(core.CmdDeleteDomain, cmd.Mutation), nil
	}
	h.reg.SandboxResetFn = func(ctx context.Context, a core.Actor) (core.SandboxResetResult, error) {
		return core.SandboxResetResult{Fixtures: []core.SandboxFixture{
			{Purpose: "registrant_contact", ContactID: "ote-0123456789ab"}, {Purpose: "renew", Domain: "ote-renew-acme.defiwallet"}}}, nil
	}
	del := base + "/domains/a.defiwallet"
	idem := map[string]string{"Idempotency-Key": "k"}
	if rec := h.do(req{method: "DELETE", path: del, header: idem}); rec.Code != 200 {
		t.Errorf("DELETE without body: %d %s", rec.Code, rec.Body.String())
	}
	if rec := h.do(req{method: "DELETE", path: del, header: idem, body: `{"sandbox":false}`}); rec.Code != 200 {
		t.Errorf("DELETE with JSON body: %d %s", rec.Code, rec.Body.String())
	}
	problem(t, h.do(req{method: "DELETE", path: del, header: idem, body: `sandbox=1`, contentType: "text/plain"}), 415, core.CodeUnsupportedMediaType)

	rec := h.do(req{method: "POST", path: base + "/sandbox/reset"})
	if rec.Code != 200 {
		t.Fatalf("reset without body: %d %s", rec.Code, rec.Body.String())
	}
	fx := decode(t, rec)["fixtures"].([]any)
	contact, renew := fx[0].(map[string]any), fx[1].(map[string]any)
	if contact["contact_id"] != "ote-0123456789ab" || contact["domain"] != nil || contact["reason"] != nil {
		t.Errorf("contact fixture = %v", contact)
	}
	if _, ok := renew["contact_id"]; ok || renew["domain"] != "ote-renew-acme.defiwallet" || renew["skipped"] != false {
		t.Errorf("domain fixture = %v", renew)
	}
}

func TestMalformedJSON(t *testing.T) {
	h := newHarness(t)
	for _, body := range []string{`{"names":`, `{"names":["a"]} {"x":1}`, `{"names":["a"]}garbage`, `[1,2]`, `"text"`, `{names:1}`} {
		rec := h.do(req{method: "POST", path: base + "/domains/check", body: body})
		problem(t, rec, 400, core.CodeMalformedRequest)
	}
	rec := h.do(req{method: "POST", path: base + "/domains/check", contentType: "application/json"})
	problem(t, rec, 400, core.CodeMalformedRequest)
}

func TestUnknownAndMistypedFields(t *testing.T) {
	h := newHarness(t)
	idem := map[string]string{"Idempotency-Key": "k"}
	for _, tc := range []struct{ path, method, body, field string }{
		{base + "/domains/check", "POST", `{"names":["a"],"bogus":1}`, "bogus"},
		{base + "/domains", "POST", `{"domain":"a.defiwallet","years":"abc"}`, "years"},
		{base + "/domains", "POST", `{"domain":"a.defiwallet","years":1.5}`, "years"},
		{base + "/domains", "POST", `{"domain":"a.defiwallet","registrant":{"name":5}}`, "registrant.name"},
		{base + "/domains", "POST", `{"domain":"a.defiwallet","registrant":{"nickname":"x"}}`, "nickname"},
		{base + "/domains", "POST", `{"domain":"a.defiwallet","sandbox":"yes"}`, "sandbox"},
		{base + "/domains", "POST", `{"domain":"a.defiwallet","claim_acknowledgement":{"notice_id":"n","accepted_at":"soon"}}`, "claim_acknowledgement.accepted_at"},
		{base + "/domains/a.defiwallet/nameservers", "PUT", `{"nameservers":"ns1.example.net"}`, "nameservers"},
		{base + "/domains/a.defiwallet/nameservers", "PUT", `{}`, "nameservers"},
		{base + "/domains/a.defiwallet/records", "PUT", `{"records":[{"type":"A","ttl":"300"}]}`, "records.ttl"},
		{base + "/domains/a.defiwallet", "PATCH", `{"statuses":{"add":"clientHold"}}`, "statuses.add"},
	} {
		rec := h.do(req{method: tc.method, path: tc.path, body: tc.body, header: idem})
		p := problem(t, rec, 400, core.CodeValidation)
		if f := fieldOf(t, p); f != tc.field {
			t.Errorf("%s: field %q, want %q (%v)", tc.body, f, tc.field, p["detail"])
		}
		if d, _ := p["detail"].(string); strings.Contains(d, "json:") || strings.Contains(d, "Go ") {
			t.Errorf("%s: detail leaks decoder text: %q", tc.body, d)
		}
	}
}

func TestRateLimitHeaders(t *testing.T) {
	h := newHarness(t)
	h.reg.InfoDomainFn = func(ctx context.Context, a core.Actor, domain string) (core.DomainView, error) {
		if domain == "missing.defiwallet" {
			return core.DomainView{}, core.Errorf(core.CodeDomainNotFound, "no such domain")
		}
		return testDomain(), nil
	}
	check := func(rec *httptest.ResponseRecorder, remaining string) {
		t.Helper()
		want := map[string]string{
			"X-RateLimit-Limit": "120", "X-RateLimit-Remaining": remaining,
			"X-RateLimit-Reset": "1772445660", // 10:01:00 UTC, the end of the window
			"RateLimit-Policy":  `"default";q=120;w=60`, "RateLimit": `"default";r=` + remaining + `;t=23`,
		}
		for k, v := range want {
			if got := rec.Header().Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
	}
	rec := h.do(req{method: "GET", path: base + "/domains/alice.defiwallet"})
	check(rec, "37")
	if rec.Header().Get("Retry-After") != "" {
		t.Error("Retry-After on a success")
	}
	rec = h.do(req{method: "GET", path: base + "/domains/missing.defiwallet"})
	problem(t, rec, 404, core.CodeDomainNotFound)
	check(rec, "37")

	// Over the limit: the core refuses with a decision; Retry-After joins.
	h.reg.AuthorizeFn = func(ctx context.Context, token string, c core.Command) (core.Actor, *core.RateDecision, error) {
		d := testRate()
		d.Allowed, d.Remaining = false, 0
		return testActor(), d, core.Errorf(core.CodeRateLimitExceeded, "slow down")
	}
	rec = h.do(req{method: "GET", path: base + "/domains/alice.defiwallet"})
	problem(t, rec, 429, core.CodeRateLimitExceeded)
	check(rec, "0")
	if got := rec.Header().Get("Retry-After"); got != "23" {
		t.Errorf("Retry-After = %q, want 23", got)
	}

	// A refusal with a decision (scope) carries the headers too; one without (bad key) does not.
	h.reg.AuthorizeFn = func(ctx context.Context, token string, c core.Command) (core.Actor, *core.RateDecision, error) {
		if token != goodToken {
			return core.Actor{}, nil, core.Errorf(core.CodeInvalidAPIKey, "bad")
		}
		return testActor(), testRate(), core.Errorf(core.CodeInsufficientScope, "no scope")
	}
	rec = h.do(req{method: "GET", path: base + "/domains/alice.defiwallet"})
	problem(t, rec, 403, core.CodeInsufficientScope)
	check(rec, "37")
	rec = h.do(req{method: "GET", path: base + "/domains/alice.defiwallet", noAuth: true})
	problem(t, rec, 401, core.CodeInvalidAPIKey)
	if rec.Header().Get("X-RateLimit-Limit") != "" {
		t.Error("rate headers without a decision")
	}
	if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer ") {
		t.Errorf("401 without a Bearer challenge: %q", rec.Header().Get("WWW-Authenticate"))
	}
}

func TestBearerTokenExtraction(t *testing.T) {
	h := newHarness(t)
	var seen []string
	h.reg.AuthorizeFn = func(ctx context.Context, token string, c core.Command) (core.Actor, *core.RateDecision, error) {
		seen = append(seen, token)
		return core.Actor{}, nil, core.Errorf(core.CodeInvalidAPIKey, "bad")
	}
	for _, hv := range []string{"", "Basic abc", "Bearer", "Bearer ", "bearer tok1", "Bearer  tok2 ", "Bearer a b"} {
		r := httptest.NewRequest("GET", base+"/status", nil)
		if hv != "" {
			r.Header.Set("Authorization", hv)
		}
		rec := httptest.NewRecorder()
		h.handler().ServeHTTP(rec, r)
		problem(t, rec, 401, core.CodeInvalidAPIKey)
	}
	want := []string{"", "", "", "", "tok1", "tok2", ""}
	if strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Errorf("tokens = %q, want %q", seen, want)
	}
}

func TestRequestIDs(t *testing.T) {
	h := newHarness(t)
	rec := h.do(req{method: "GET", path: "/nope", header: map[string]string{"X-Request-ID": "client-abc.123:x_y"}})
	if rec.Header().Get("X-Request-ID") != "client-abc.123:x_y" || decode(t, rec)["request_id"] != "client-abc.123:x_y" {
		t.Errorf("inbound id not honoured: %q", rec.Header().Get("X-Request-ID"))
	}
	for _, bad := range []string{"has space", "semi;colon", strings.Repeat("a", 129), "<script>"} {
		rec = h.do(req{method: "GET", path: "/nope", header: map[string]string{"X-Request-ID": bad}})
		id := rec.Header().Get("X-Request-ID")
		if id == "" || id == bad || decode(t, rec)["request_id"] != id {
			t.Errorf("invalid inbound %q: answered %q", bad, id)
		}
	}
	rec = h.do(req{method: "GET", path: "/healthz"})
	gen := rec.Header().Get("X-Request-ID")
	if gen == "" {
		t.Fatal("no generated request id")
	}
	rec2 := h.do(req{method: "GET", path: "/healthz"})
	if rec2.Header().Get("X-Request-ID") == gen {
		t.Error("generated ids repeat")
	}
	if !strings.Contains(h.logs.String(), `"request_id":"`+gen+`"`) {
		t.Errorf("access log lacks the request id:\n%s", h.logs.String())
	}
}

func TestLogsCarryNoSecrets(t *testing.T) {
	h := newHarness(t)
	h.reg.CreateDomainFn = func(ctx context.Context, a core.Actor, cmd core.CreateDomain) (core.Outcome, error) {
		return core.Outcome{}, core.Internal(errors.New("boom"))
	}
	body := `{"domain":"a.defiwallet","registrant":{"name":"Alice","email":"alice-secret@example.com","phone":"+1.5555559876"}}`
	h.do(req{method: "POST", path: base + "/domains?token=query-secret-xyz", body: body,
		header: map[string]string{"Idempotency-Key": "k"}})
	h.do(req{method: "POST", path: "/api/v1/admin/partners", body: `{"name":"p"}`,
		header: map[string]string{"Authorization": "Bearer wrong-operator-secret"}})
	logs := h.logs.String()
	if logs == "" {
		t.Fatal("nothing logged")
	}
	for _, secret := range []string{goodToken, "wrong-operator-secret", operatorToken, "alice-secret", "5555559876", "query-secret-xyz", "Authorization", "Bearer"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, `"route":"/api/v1/registrar/v1/domains"`) {
		t.Errorf("access log lacks the route template:\n%s", logs)
	}
}

func TestPanicsAnswerInternalError(t *testing.T) {
	h := newHarness(t)
	h.reg.InfoDomainFn = func(ctx context.Context, a core.Actor, domain string) (core.DomainView, error) {
		panic("nil map somewhere")
	}
	rec := h.do(req{method: "GET", path: base + "/domains/a.defiwallet"})
	problem(t, rec, 500, core.CodeInternal)
	if !strings.Contains(h.logs.String(), "handler panicked") || !strings.Contains(h.logs.String(), `"status":500`) {
		t.Errorf("panic not logged:\n%s", h.logs.String())
	}
}

func TestHealthAndReadiness(t *testing.T) {
	h := newHarness(t)
	rec := h.do(req{method: "GET", path: "/healthz", noAuth: true})
	if rec.Code != 200 || decode(t, rec)["status"] != "ok" {
		t.Errorf("healthz: %d %s", rec.Code, rec.Body.String())
	}
	if rec := h.do(req{method: "GET", path: "/readyz", noAuth: true}); rec.Code != 200 {
		t.Errorf("readyz without a check: %d", rec.Code)
	}
	h.opts.Ready = func(ctx context.Context) error { return errors.New("redis: dial tcp 127.0.0.1:6379 refused") }
	rec = h.do(req{method: "GET", path: "/readyz", noAuth: true})
	problem(t, rec, 503, core.CodeBackendUnavailable)
	if strings.Contains(rec.Body.String(), "6379") {
		t.Error("readiness cause leaked")
	}
}

func TestStatusRendering(t *testing.T) {
	h := newHarness(t)
	unbound := testActor()
	unbound.Channel, unbound.Listings = nil, nil
	h.reg.AuthorizeFn = func(ctx context.Context, token string, c core.Command) (core.Actor, *core.RateDecision, error) {
		return unbound, nil, nil
	}
	h.reg.StatusFn = func(ctx context.Context, a core.Actor, rate *core.RateDecision) (core.StatusReport, error) {
		if rate != nil {
			t.Error("unbound key got a rate decision")
		}
		rows := []core.CommandStatus{}
		for _, spec := range core.Commands() {
			rows = append(rows, core.CommandStatus{Spec: spec, ScopeStatus: "granted", MissingScopes: nil,
				DisabledReason: core.CodeChannelRequired})
		}
		return core.StatusReport{Actor: a, RateLimitPerMinute: 120, Commands: rows, OTESequence: core.OTESequence(),
			RegistryServiceContract: map[string]any{"commands": []string{"status"}},
			EPPGatewayContract:      map[string]any{"command_mapping": map[string]any{}}}, nil
	}
	rec := h.do(req{method: "GET", path: base + "/status"})
	if rec.Code != 200 {
		t.Fatalf("status: %d %s", rec.Code, rec.Body.String())
	}
	if rec.Header().Get("X-RateLimit-Limit") != "" {
		t.Error("rate headers for an unbound key")
	}
	b := decode(t, rec)
	if b["registrar_channel"] != nil || b["audit_provenance"].(map[string]any)["registrar_channel_id"] != nil {
		t.Errorf("unbound key: %v / %v", b["registrar_channel"], b["audit_provenance"])
	}
	rl := b["rate_limit"].(map[string]any)
	if rl["limit_per_minute"] != 120.0 || rl["remaining"] != nil || rl["window_seconds"] != 60.0 {
		t.Errorf("rate_limit = %v", rl)
	}
	cmds := b["commands"].([]any)
	if len(cmds) != len(core.Commands()) {
		t.Fatalf("commands = %d rows", len(cmds))
	}
	row := cmds[4].(map[string]any)
	if row["path"] != base+"/domains/{domain}" || row["disabled_reason"] != "registrar_channel_required" ||
		row["production_blocked_reason"] != nil || row["missing_scopes"] == nil {
		t.Errorf("command row = %v", row)
	}
	for _, k := range []string{"api_key", "partner", "namespace_listings", "production_approval", "sandbox", "ote",
		"docs", "registry_service_contract", "epp_gateway_contract"} {
		if _, ok := b[k]; !ok {
			t.Errorf("status lacks %s", k)
		}
	}
	docs := b["docs"].(map[string]any)
	if docs["openapi"] != base+"/openapi.json" {
		t.Errorf("docs = %v", docs)
	}
	for slug, path := range docs {
		rec := h.do(req{method: "GET", path: path.(string), noAuth: true})
		if rec.Code != 200 || rec.Body.Len() == 0 {
			t.Errorf("docs link %s (%s) does not resolve: %d", slug, path, rec.Code)
		}
	}
}

func TestStatusRateLimitFromDecision(t *testing.T) {
	h := newHarness(t)
	h.reg.StatusFn = func(ctx context.Context, a core.Actor, rate *core.RateDecision) (core.StatusReport, error) {
		return core.StatusReport{Actor: a, Rate: rate, RateLimitPerMinute: 120}, nil
	}
	b := decode(t, h.do(req{method: "GET", path: base + "/status"}))
	rl := b["rate_limit"].(map[string]any)
	if rl["remaining"] != 37.0 || rl["reset"] != 1772445660.0 {
		t.Errorf("rate_limit = %v", rl)
	}
	pa := b["production_approval"].(map[string]any)
	if pa["approved"] != true || pa["approved_at"] != "2026-03-01T10:00:37Z" {
		t.Errorf("production_approval = %v", pa)
	}
	if b["registrar_channel"].(map[string]any)["slug"] != "acme" {
		t.Errorf("registrar_channel = %v", b["registrar_channel"])
	}
	if b["audit_provenance"].(map[string]any)["registrar_channel_id"] != "chn_1" {
		t.Errorf("audit_provenance = %v", b["audit_provenance"])
	}
}

func TestDocumentsAreServedWithoutAuth(t *testing.T) {
	h := newHarness(t)
	rec := h.do(req{method: "GET", path: base + "/openapi.json", noAuth: true})
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	rec = h.do(req{method: "GET", path: "/docs/registrar/errors", noAuth: true})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `<a id="domain_not_sponsored"></a>`) {
		t.Errorf("errors doc: %d", rec.Code)
	}
	if rec := h.do(req{method: "POST", path: base + "/openapi.json", noAuth: true}); rec.Code != http.StatusMethodNotAllowed ||
		rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST openapi.json: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	if rec := h.do(req{method: "HEAD", path: "/healthz", noAuth: true}); rec.Code != 200 {
		t.Errorf("HEAD /healthz: %d", rec.Code)
	}
}
