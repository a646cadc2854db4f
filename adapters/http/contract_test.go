package httpadapter_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/headlessdomains/registry/adapters/http/openapi"
	"github.com/headlessdomains/registry/core"
)

// loadRouter loads a served OpenAPI document and routes requests against it.
func loadRouter(t *testing.T, body []byte) routers.Router {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(body)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the served document is not valid OpenAPI: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	return router
}

// validateExchange runs r through the server and validates both the request
// and the answer against the document: status, content type, headers, body.
func validateExchange(t *testing.T, h *harness, router routers.Router, r req) *httptest.ResponseRecorder {
	t.Helper()
	return exchange(t, h, router, r, true)
}

// validateRefusal is validateExchange for a request that is wrong on
// purpose: only the answer is checked against the document.
func validateRefusal(t *testing.T, h *harness, router routers.Router, r req) *httptest.ResponseRecorder {
	t.Helper()
	return exchange(t, h, router, r, false)
}

func exchange(t *testing.T, h *harness, router routers.Router, r req, checkRequest bool) *httptest.ResponseRecorder {
	t.Helper()
	rec := h.do(r)

	vr := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
	if r.body != "" {
		vr.Header.Set("Content-Type", "application/json")
	}
	if !r.noAuth {
		vr.Header.Set("Authorization", "Bearer "+goodToken)
	}
	for k, v := range r.header {
		vr.Header.Set(k, v)
	}
	route, params, err := router.FindRoute(vr)
	if err != nil {
		t.Fatalf("%s %s: no operation in the document: %v", r.method, r.path, err)
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if err := openapi3filter.ValidateRequest(ctx, in); checkRequest && err != nil {
		t.Errorf("%s %s: the test request does not match the document: %v", r.method, r.path, err)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
		Body:    io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s → %d: the answer does not match the document: %v\nbody: %s", r.method, r.path, rec.Code, err, rec.Body.String())
	}
	return rec
}

// fullStatus makes Status answer a report with every member populated.
func fullStatus(h *harness) {
	h.reg.StatusFn = func(ctx context.Context, a core.Actor, rate *core.RateDecision) (core.StatusReport, error) {
		rows := []core.CommandStatus{}
		for _, spec := range core.Commands() {
			rows = append(rows, core.CommandStatus{Spec: spec, ScopeStatus: "granted", SandboxAvailable: true, ProductionAvailable: true})
		}
		return core.StatusReport{Actor: a, Rate: rate, RateLimitPerMinute: 120, Commands: rows,
			OTESequence: core.OTESequence(), GeneratedAt: fixedNow,
			RegistryServiceContract: map[string]any{"commands": []string{"status"}},
			EPPGatewayContract: map[string]any{"command_mapping": map[string]any{}, "lifecycle_states": []string{},
				"audit_idempotency": map[string]any{}, "protected_legacy_policy": map[string]any{},
				"dns_adapter_capabilities": map[string]any{}, "conformance_checklist": []any{}}}, nil
	}
}

func TestResponsesMatchTheRegistrarDocument(t *testing.T) {
	router := loadRouter(t, openapi.Document())
	reqs := registrarRequests()
	for _, spec := range core.Commands() {
		t.Run(string(spec.Command), func(t *testing.T) {
			h := newHarness(t)
			stubAll(h, map[core.Command]any{})
			fullStatus(h)
			r := reqs[spec.Command]

			if rec := validateExchange(t, h, router, r); rec.Code >= 300 {
				t.Errorf("success case answered %d", rec.Code)
			}
			if spec.Mutating {
				sb := r
				sb.header = map[string]string{"Idempotency-Key": "key-sb", "X-Registrar-Sandbox": "1"}
				if rec := validateExchange(t, h, router, sb); rec.Code != http.StatusAccepted {
					t.Errorf("sandbox case answered %d", rec.Code)
				}
			}

			// Errors: a bad key (no rate headers), and the rate limit (with Retry-After).
			bad := r
			bad.noAuth = true
			if rec := validateExchange(t, h, router, bad); rec.Code != http.StatusUnauthorized {
				t.Errorf("bad key answered %d", rec.Code)
			}
			h.reg.AuthorizeFn = func(ctx context.Context, token string, c core.Command) (core.Actor, *core.RateDecision, error) {
				d := testRate()
				d.Allowed, d.Remaining = false, 0
				return testActor(), d, core.Errorf(core.CodeRateLimitExceeded, "slow down")
			}
			if rec := validateExchange(t, h, router, r); rec.Code != http.StatusTooManyRequests {
				t.Errorf("rate limit answered %d", rec.Code)
			}
		})
	}
}

func TestDomainErrorsMatchTheRegistrarDocument(t *testing.T) {
	router := loadRouter(t, openapi.Document())
	h := newHarness(t)
	h.reg.InfoDomainFn = func(ctx context.Context, a core.Actor, domain string) (core.DomainView, error) {
		return core.DomainView{}, core.Errorf(core.CodeDomainNotFound, "no registration named %s", domain)
	}
	validateExchange(t, h, router, req{method: "GET", path: base + "/domains/missing.defiwallet"})
	h.reg.CreateDomainFn = func(ctx context.Context, a core.Actor, cmd core.CreateDomain) (core.Outcome, error) {
		if cmd.Domain == "-bad-.defiwallet" {
			return core.Outcome{}, core.Invalid("domain", "labels may not start or end with a hyphen")
		}
		return core.Outcome{}, core.Errorf(core.CodeInsufficientGems, "the balance of 5 Gems does not cover 100")
	}
	for _, name := range []string{"-bad-.defiwallet", "rich.defiwallet"} {
		validateExchange(t, h, router, req{method: "POST", path: base + "/domains", header: map[string]string{"Idempotency-Key": "k"},
			body: `{"domain":"` + name + `","registrant":{"name":"A","email":"a@example.com"}}`})
	}
	// Edge refusals the adapter itself produces are documented too.
	validateRefusal(t, h, router, req{method: "POST", path: base + "/domains/check", body: `{"names":["a"],"bogus":1}`})
	validateRefusal(t, h, router, req{method: "POST", path: base + "/domains/check", body: `{"names":`})
	validateRefusal(t, h, router, req{method: "POST", path: base + "/domains/check", body: `{"names":["a"]}`, contentType: "text/plain"})
	validateRefusal(t, h, router, req{method: "POST", path: base + "/domains/check",
		body: `{"names":["` + strings.Repeat("a", 1<<20) + `"]}`})
	validateRefusal(t, h, router, req{method: "PUT", path: base + "/domains/a.defiwallet/nameservers",
		body: `{"nameservers":[],"idempotency_key":"b"}`, header: map[string]string{"Idempotency-Key": "a"}})
}

// markdownDecoder lets the validator read text/markdown answers as strings.
func markdownDecoder(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	b, err := io.ReadAll(body)
	return string(b), err
}

func TestResponsesMatchTheOperatorDocument(t *testing.T) {
	openapi3filter.RegisterBodyDecoder("text/markdown", markdownDecoder)
	t.Cleanup(func() { openapi3filter.UnregisterBodyDecoder("text/markdown") })
	router := loadRouter(t, openapi.OperatorDocument())
	h := newHarness(t)
	stubOperator(t, h, func(string) {})
	for _, tc := range operatorCases() {
		validateExchange(t, h, router, tc.r)
		bad := tc.r
		bad.header = map[string]string{"Authorization": "Bearer not-the-operator"}
		if rec := validateRefusal(t, h, router, bad); rec.Code != http.StatusUnauthorized {
			t.Errorf("%s %s with a wrong token: %d", bad.method, bad.path, rec.Code)
		}
	}
	validateExchange(t, h, router, opReq("GET", "/admin/registrar-ote-runs/run_1/evidence-archive.md", ""))
	validateRefusal(t, h, router, opReq("POST", "/api/v1/admin/partners", `{"name":"x","gems":1}`))
}
