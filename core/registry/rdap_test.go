package registry_test

import (
	"slices"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

func TestLookupDomain(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{Namespace: namespaceSpec{Reserved: []string{"kept"}}})
	ns := w.Namespace.Name
	h.create(w, "alice")
	h.create(w, "freed")
	h.create(w, "later")
	a := h.actor(w.Token, core.CmdDeleteDomain)
	if _, err := h.svc.DeleteDomain(h.ctx, a, core.DeleteDomain{Mutation: core.Mutation{IdempotencyKey: "d1"}, Domain: "freed." + ns}); err != nil {
		t.Fatal(err) // inside add grace: cancelled at once
	}
	if _, err := h.svc.SandboxReset(h.ctx, h.actor(w.Token, core.CmdSandboxReset)); err != nil {
		t.Fatal(err)
	}
	h.advance(6 * 24 * time.Hour)
	if _, err := h.svc.DeleteDomain(h.ctx, a, core.DeleteDomain{Mutation: core.Mutation{IdempotencyKey: "d2"}, Domain: "later." + ns}); err != nil {
		t.Fatal(err) // outside add grace: redemption
	}

	cases := []struct {
		query string
		want  core.LookupResult
	}{
		{"ALICE." + ns, core.LookupRegistered},
		{"later." + ns + ".", core.LookupRegistered},
		{"freed." + ns, core.LookupAvailable},
		{"nobody." + ns, core.LookupAvailable},
		{"kept." + ns, core.LookupReserved},
		{core.FixtureLabel("renew", w.Channel.Slug) + "." + ns, core.LookupWithheld},
		{"alice.notserved", core.LookupNotServed},
		{"www.alice." + ns, core.LookupNotServed},
		{ns, core.LookupNotServed},
	}
	for _, c := range cases {
		got, err := h.svc.LookupDomain(h.ctx, c.query)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if got.Result != c.want || (got.Domain != nil) != (c.want == core.LookupRegistered) {
			t.Errorf("%s: %s (domain %v), want %s", c.query, got.Result, got.Domain != nil, c.want)
		}
	}
	got, _ := h.svc.LookupDomain(h.ctx, "alice."+ns)
	if d := got.Domain; d.Registrar.Handle != w.Channel.Slug || d.Registrar.Name != w.Partner.Name || d.RegistrantCountry != "US" {
		t.Errorf("alice: %+v", d)
	}
	got, _ = h.svc.LookupDomain(h.ctx, "later."+ns)
	if d := got.Domain; !slices.Contains(d.Statuses, "redemption period") || !slices.Contains(d.Statuses, "pending delete") || d.LastChangedAt == nil {
		t.Errorf("later: %+v", d)
	}
	for _, bad := range []string{"", "a..b", "-x." + ns, "x y." + ns, "x_y." + ns} {
		_, err := h.svc.LookupDomain(h.ctx, bad)
		wantCode(t, err, core.CodeValidation)
	}
}

func TestLookupRegistrar(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	r, err := h.svc.LookupRegistrar(h.ctx, w.Channel.Slug)
	if err != nil || r.Handle != w.Channel.Slug || r.Name != w.Partner.Name || len(r.Statuses) != 1 || r.Statuses[0] != "active" {
		t.Fatalf("registrar: %+v %v", r, err)
	}
	pending := h.registrar(worldSpec{Pending: true, NoProduction: true})
	for _, handle := range []string{pending.Channel.Slug, "no-such-registrar", ""} {
		_, err := h.svc.LookupRegistrar(h.ctx, handle)
		wantCode(t, err, core.CodeNotFound)
	}
}

func TestCountLookupSharesOneWindowPerClient(t *testing.T) {
	h := newHarness(t)
	for i := 1; i <= 3; i++ {
		d := h.svc.CountLookup(h.ctx, "192.0.2.1", 2)
		if d.Allowed != (i <= 2) || d.Limit != 2 {
			t.Fatalf("lookup %d: %+v", i, d)
		}
	}
	if d := h.svc.CountLookup(h.ctx, "192.0.2.2", 2); !d.Allowed {
		t.Fatalf("another client was refused: %+v", d)
	}
	h.advance(time.Minute)
	if d := h.svc.CountLookup(h.ctx, "192.0.2.1", 2); !d.Allowed {
		t.Fatalf("the next window refused: %+v", d)
	}
}
