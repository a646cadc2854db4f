package registry_test

import (
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

// Cyrillic labels that read as Latin ones: every letter is Cyrillic, so
// they pass the mixed-script rule and only the UTS #39 skeleton sees them.
const (
	cyrillicScope = "ѕсоре"  // ѕ с о р е: a look-alike of "scope"
	cyrillicCoca  = "соса"   // с о с а: a look-alike of "coca"
	mixedPaypal   = "pаypal" // Latin with a Cyrillic а
)

// TestMixedScriptNamesAreInvalid: a label mixing Latin with Cyrillic or
// Greek is a validation_error in check (for the whole command), create and
// the namespace lists; one script, or Latin with Han, goes through.
func TestMixedScriptNamesAreInvalid(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	ns := w.Namespace.Name
	check := h.actor(w.Token, core.CmdCheckDomain)
	for _, names := range [][]string{
		{"alice." + ns, mixedPaypal + "." + ns},
		{"alice", mixedPaypal},                 // bare labels, checked in every approved namespace
		{"alice." + ns, "xn--pypal-4ve." + ns}, // the A-label of the same
		{"αlpha." + ns},                        // Greek α
	} {
		res, err := h.svc.CheckDomains(h.ctx, check, core.CheckDomains{Names: names})
		if core.CodeOf(err) != core.CodeValidation || core.AsError(err).Field != "names" {
			t.Errorf("check %q = %+v, %v; want validation_error on names", names, res, err)
		}
	}
	res, err := h.svc.CheckDomains(h.ctx, check, core.CheckDomains{Names: []string{"пример." + ns, "東京abc." + ns}})
	wantCode(t, err, "")
	for _, r := range res {
		if !r.Available || r.Reason != "" {
			t.Errorf("single-script or Latin+Han name: %+v", r)
		}
	}

	create := h.actor(w.Token, core.CmdCreateDomain)
	before := len(h.registrarAudit(w.Channel.ID))
	_, err = h.svc.CreateDomain(h.ctx, create, createCmd(mixedPaypal+"."+ns, "mixed-1"))
	wantCode(t, err, core.CodeValidation)
	if got := h.balance(w.Partner.ID); got != 10_000 {
		t.Fatalf("a refused create moved the balance to %d", got)
	}
	if n := len(h.registrarAudit(w.Channel.ID)) - before; n != 0 {
		t.Fatalf("a mixed-script create wrote %d audit rows; an invalid name writes none", n)
	}
	for i, name := range []string{"пример", "東京abc"} {
		out, err := h.svc.CreateDomain(h.ctx, create, createCmd(name+"."+ns, h.unique("ok")))
		wantCode(t, err, "")
		if out.Domain == nil || out.Domain.UnicodeName != name+"."+ns {
			t.Fatalf("create %d: %+v", i, out)
		}
	}

	_, err = h.svc.CreateNamespace(h.ctx, core.CreateNamespace{Name: h.unique("ns"), ReservedLabels: []string{mixedPaypal}})
	if core.CodeOf(err) != core.CodeValidation || core.AsError(err).Field != "reserved_labels" {
		t.Fatalf("a mixed-script reserved label: %v", err)
	}
}

// TestLookalikesOfReservedAndClaimLabels: through the service, a look-alike
// of a reserved label checks reserved and create answers 409
// domain_not_available; a look-alike of a claim label is claim-required and
// needs the acknowledgement; other names are unaffected.
func TestLookalikesOfReservedAndClaimLabels(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{Namespace: namespaceSpec{Reserved: []string{"scope"}, Claims: []string{"coca"}}})
	ns := w.Namespace.Name
	res, err := h.svc.CheckDomains(h.ctx, h.actor(w.Token, core.CmdCheckDomain),
		core.CheckDomains{Names: []string{cyrillicScope + "." + ns, cyrillicCoca + "." + ns, "scope." + ns, "coca." + ns, "cola." + ns}})
	wantCode(t, err, "")
	want := map[string]struct {
		avail  bool
		reason string
	}{
		"xn--e1argc3h." + ns: {false, "reserved"}, "xn--80a1aib." + ns: {true, "claim_required"},
		"scope." + ns: {false, "reserved"}, "coca." + ns: {true, "claim_required"}, "cola." + ns: {true, ""},
	}
	if len(res) != len(want) {
		t.Fatalf("results: %+v", res)
	}
	for _, r := range res {
		if w, ok := want[r.Name]; !ok || w.avail != r.Available || w.reason != r.Reason {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}

	a := h.actor(w.Token, core.CmdCreateDomain)
	_, err = h.svc.CreateDomain(h.ctx, a, createCmd(cyrillicScope+"."+ns, "lookalike-reserved"))
	wantCode(t, err, core.CodeDomainNotAvailable)
	_, err = h.svc.CreateDomain(h.ctx, a, createCmd(cyrillicCoca+"."+ns, "lookalike-claim"))
	wantCode(t, err, core.CodeClaimAcknowledgementRequired)
	cmd := createCmd(cyrillicCoca+"."+ns, "lookalike-claim-ack")
	cmd.Claim = &core.ClaimAcknowledgement{NoticeID: "n-1", AcceptedAt: h.now().Add(-time.Hour)}
	out, err := h.svc.CreateDomain(h.ctx, a, cmd)
	wantCode(t, err, "")
	if out.Domain == nil || out.Domain.Name != "xn--80a1aib."+ns {
		t.Fatalf("acknowledged look-alike of a claim label: %+v", out.Domain)
	}
	_, err = h.svc.CreateDomain(h.ctx, a, createCmd("cola."+ns, "unaffected"))
	wantCode(t, err, "")
}
