package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

// TestIDNLookalikesAndMixedScripts: over HTTP, a name mixing Latin and
// Cyrillic letters is a 400 validation_error (in check for the whole
// command); an all-Cyrillic look-alike of a reserved label checks reserved
// and create answers 409 domain_not_available; one of a claim label checks
// claim_required and needs the claim acknowledgement (Unicode TS #39).
func TestIDNLookalikesAndMixedScripts(t *testing.T) {
	e := newEnv(t)
	r := e.admit(regSpec{NS: nsSpec{Reserved: []string{"scope"}, Claims: []string{"coca"}}})
	ns := r.Namespace
	mixed := "p\u0430ypal." + ns // Latin with a Cyrillic а
	p := e.wantProblem(e.send(r, "POST", "/domains/check", map[string]any{"names": []string{"alice." + ns, mixed}}), core.CodeValidation)
	e.wantField(p, "names")
	c := req("POST", regBase+"/domains", r.Token, map[string]any{"domain": mixed, "registrant": registrant()}, "Idempotency-Key", "mixed-1")
	c.invalid = true
	e.wantField(e.wantProblem(e.do(c), core.CodeValidation), "domain")

	scope, coca := "ѕсоре."+ns, "соса."+ns // every letter Cyrillic
	res := e.must(http.StatusOK, e.send(r, "POST", "/domains/check", map[string]any{"names": []string{scope, coca, "cola." + ns}}))
	got := map[string][2]any{}
	for _, x := range res["results"].([]any) {
		m := x.(map[string]any)
		got[m["name"].(string)] = [2]any{m["available"], m["reason"]}
	}
	want := map[string][2]any{"xn--e1argc3h." + ns: {false, "reserved"}, "xn--80a1aib." + ns: {true, "claim_required"},
		"cola." + ns: {true, nil}}
	for name, w := range want {
		if g, ok := got[name]; !ok || g[0] != w[0] || g[1] != w[1] && !(w[1] == nil && g[1] == "") {
			t.Errorf("check %s = %v, want %v (all: %v)", name, got[name], w, got)
		}
	}
	e.wantProblem(e.send(r, "POST", "/domains", map[string]any{"domain": scope, "registrant": registrant()},
		"Idempotency-Key", "look-1"), core.CodeDomainNotAvailable)
	e.wantProblem(e.send(r, "POST", "/domains", map[string]any{"domain": coca, "registrant": registrant()},
		"Idempotency-Key", "look-2"), core.CodeClaimAcknowledgementRequired)
	e.must(http.StatusCreated, e.send(r, "POST", "/domains", map[string]any{"domain": coca, "registrant": registrant(),
		"claim_acknowledgement": map[string]any{"notice_id": "notice-1", "accepted_at": e.clock.Now().Add(-time.Minute).Format(time.RFC3339)}},
		"Idempotency-Key", "look-3"))
	if got := e.balance(r.PartnerID); got != 10_000-100 {
		t.Fatalf("balance %d after one create and three refusals", got)
	}
}
