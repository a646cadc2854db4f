package httpadapter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	httpadapter "github.com/headlessdomains/registry/adapters/http"
	"github.com/headlessdomains/registry/core"
)

const (
	goodToken     = "hdk_live_0123456789abcdefSECRETTOKEN"
	operatorToken = "op-token-ABCDEF-0123456789"
	base          = httpadapter.RegistrarBase
)

var fixedNow = time.Date(2026, 3, 2, 10, 0, 37, 0, time.UTC)

func testActor() core.Actor {
	approvedAt := fixedNow.Add(-24 * time.Hour)
	return core.Actor{
		APIKey:  core.APIKey{ID: "key_1", PartnerID: "ptr_1", ChannelID: "chn_1", Profile: core.ProfileRegistrarAPI, TokenPrefix: "hdk_live_01"},
		Partner: core.Partner{ID: "ptr_1", Name: "Acme", GemsBalance: 5000, DNSModuleEnabled: true},
		Channel: &core.Channel{ID: "chn_1", PartnerID: "ptr_1", Slug: "acme", Status: core.ChannelApproved,
			ProductionApproved: true, ProductionApprovedAt: &approvedAt, RateLimitPerMinute: 120},
		Scopes:   core.AllScopes(),
		Listings: []core.Listing{{ChannelID: "chn_1", Namespace: "defiwallet", Status: core.ListingApproved}},
	}
}

func testRate() *core.RateDecision {
	return &core.RateDecision{Allowed: true, Limit: 120, Remaining: 37,
		Reset: fixedNow.Truncate(time.Minute).Add(time.Minute), Window: time.Minute}
}

func testDomain() core.DomainView {
	return core.DomainView{
		ID: "dom_1", Name: "alice.defiwallet", UnicodeName: "alice.defiwallet", Label: "alice", Namespace: "defiwallet",
		State: core.StateActive, Statuses: []string{"ok", "addPeriod"}, ChannelID: "chn_1",
		CreatedAt: fixedNow, UpdatedAt: fixedNow, ExpiresAt: fixedNow.AddDate(1, 0, 0).Add(123456 * time.Microsecond),
		Registrant: core.Registrant{Name: "Alice", Email: "alice@example.com", Phone: "+1.5555551234", Country: "US",
			Metadata: map[string]string{"customer": "c-1"}},
		NameserversDesired: []string{"ns1.example.net"}, NameserversApplied: []string{},
		ApplyStatus: core.ApplyPending, BackendKind: "memory",
	}
}

func testOutcome(cmd core.Command, m core.Mutation) core.Outcome {
	d := testDomain()
	o := core.Outcome{Command: cmd, Status: core.AuditSuccess, Sandbox: m.Sandbox, IdempotencyKey: m.IdempotencyKey,
		AuditID: "aud_1", Domain: &d}
	if m.Sandbox {
		o.Status = core.AuditSandbox
	}
	return o
}

// harness is a server over fakes whose log output is captured.
type harness struct {
	t    *testing.T
	reg  *fakeRegistrar
	op   *fakeOperator
	logs *bytes.Buffer
	opts httpadapter.Options
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, reg: &fakeRegistrar{}, op: &fakeOperator{}, logs: &bytes.Buffer{},
		opts: httpadapter.Options{OperatorToken: operatorToken, Clock: func() time.Time { return fixedNow }}}
	h.reg.AuthorizeFn = func(ctx context.Context, token string, command core.Command) (core.Actor, *core.RateDecision, error) {
		if token != goodToken {
			return core.Actor{}, nil, core.Errorf(core.CodeInvalidAPIKey, "the API key is unknown or revoked")
		}
		return testActor(), testRate(), nil
	}
	return h
}

func (h *harness) handler() http.Handler {
	log := zerolog.New(h.logs).Level(zerolog.DebugLevel)
	return httpadapter.NewServer(h.reg, h.op, log, h.opts).Handler()
}

type req struct {
	method, path, body string
	header             map[string]string
	noAuth             bool
	contentType        string // "" → application/json when body is set; "-" → none
}

func (h *harness) do(r req) *httptest.ResponseRecorder {
	h.t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if !r.noAuth {
		hr.Header.Set("Authorization", "Bearer "+goodToken)
	}
	switch {
	case r.contentType == "-":
	case r.contentType != "":
		hr.Header.Set("Content-Type", r.contentType)
	case r.body != "":
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.handler().ServeHTTP(rec, hr)
	return rec
}

func decode(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, rec.Body.String())
	}
	return m
}

// problem asserts rec is problem+json with status and code, and returns it.
func problem(t *testing.T, rec *httptest.ResponseRecorder, status int, code core.Code) map[string]any {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != httpadapter.ProblemContentType {
		t.Fatalf("Content-Type = %q, want %q", ct, httpadapter.ProblemContentType)
	}
	p := decode(t, rec)
	if p["code"] != string(code) {
		t.Fatalf("code = %v, want %s; body %s", p["code"], code, rec.Body.String())
	}
	return p
}

func fieldOf(t *testing.T, p map[string]any) string {
	t.Helper()
	errs, ok := p["errors"].([]any)
	if !ok || len(errs) != 1 {
		t.Fatalf("errors = %v, want one entry", p["errors"])
	}
	return errs[0].(map[string]any)["field"].(string)
}
