package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/headlessdomains/registry/adapters/http/openapi"
	"github.com/headlessdomains/registry/core"
)

// The sandbox reset answers the transfer fixture's auth code (documented in
// the OpenAPI document's SandboxFixture), a sandbox transfer request with it
// answers 202 with the transfer object and changes nothing, a wrong code is
// refused, and the code appears in no poll event.
func TestOTETransferFixtureOverREST(t *testing.T) {
	e := newEnv(t)
	r := e.admit(regSpec{NoProduction: true})

	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapi.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc.Components.Schemas["SandboxFixture"].Properties["auth_code"]; !ok {
		t.Fatal("the OpenAPI document's SandboxFixture does not describe auth_code")
	}

	want := core.FixtureLabel("transfer", r.Slug) + "." + r.Namespace
	code := ""
	for _, f := range e.must(http.StatusOK, e.send(r, "POST", "/sandbox/reset", nil))["fixtures"].([]any) {
		m := f.(map[string]any)
		if m["purpose"] == "transfer" && m["domain"] == want && m["skipped"] == false {
			code, _ = m["auth_code"].(string)
		} else if _, ok := m["auth_code"]; ok {
			t.Fatalf("fixture %v carries an auth_code", m)
		}
	}
	if code == "" {
		t.Fatalf("the reset answered no auth_code for %s", want)
	}

	sandbox := func(code string) resp {
		return e.send(r, "POST", "/domains/"+want+"/transfer", map[string]any{"auth_code": code, "sandbox": true},
			"Idempotency-Key", e.unique("ote-xfer-"))
	}
	e.wantProblem(sandbox(code+"0"), core.CodeInvalidAuthCode)
	balance := e.balance(r.PartnerID)
	out := e.must(http.StatusAccepted, sandbox(code))
	tr, _ := out["transfer"].(map[string]any)
	if out["status"] != "sandbox" || tr == nil || tr["status"] != core.TransferPending || tr["domain"] != want ||
		tr["gaining_channel"].(map[string]any)["id"] != r.ChannelID ||
		tr["losing_channel"].(map[string]any)["slug"] != core.OTECounterpartySlug {
		t.Fatalf("sandbox transfer request: %v", out)
	}
	if b := e.balance(r.PartnerID); b != balance {
		t.Fatalf("balance %d after a sandbox transfer request, want %d", b, balance)
	}
	// Nothing was recorded: the requester has no transfer to read.
	e.wantProblem(e.get(r, "/domains/"+want+"/transfer"), core.CodeDomainNotSponsored)

	poll := e.must(http.StatusOK, e.get(r, "/poll?limit=500"))
	raw, _ := json.Marshal(poll)
	if strings.Contains(string(raw), code) {
		t.Fatal("a poll event carries the transfer fixture's auth code")
	}
	if !strings.Contains(string(raw), `"command":"request_transfer"`) {
		t.Fatal("the sandbox transfer request left no audit event to attach as evidence")
	}
}
