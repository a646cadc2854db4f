package registry_test

import (
	"context"
	"testing"

	"github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// revokeBehindTheService revokes a key in the store directly, as another
// node of the registry would: this service hears nothing of it.
func revokeBehindTheService(h *harness, keyID string) {
	h.t.Helper()
	h.do(func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.APIKeys().Update(ctx, keyID, func(k *core.APIKey) error {
			now := h.now()
			k.RevokedAt = &now
			return nil
		})
		return err
	})
}

func TestActorCacheServesAKeyForItsTTL(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	h.actor(w.Token, core.CmdCheckDomain)

	// Another node revoked the key: this one keeps the resolution for the TTL...
	revokeBehindTheService(h, w.Key.ID)
	a := h.actor(w.Token, core.CmdCheckDomain)
	if a.APIKey.ID != w.Key.ID || a.ChannelID() != w.Channel.ID || !a.NamespaceApproved(w.Namespace.Name) {
		t.Fatalf("cached actor %+v", a)
	}
	// ...and no longer.
	h.advance(registry.DefaultActorCacheTTL)
	_, _, err := h.svc.Authorize(h.ctx, w.Token, core.CmdCheckDomain)
	wantCode(t, err, core.CodeInvalidAPIKey)
}

func TestActorCacheDisabled(t *testing.T) {
	h := newHarness(t)
	h.svc = registry.NewService(h.store, memory.NewRateCounter(), dns.NewDefaultBackends(), h.clock, core.NewIDs(),
		registry.Options{ActorCacheTTL: -1})
	w := h.registrar(worldSpec{})
	h.actor(w.Token, core.CmdCheckDomain)
	revokeBehindTheService(h, w.Key.ID)
	_, _, err := h.svc.Authorize(h.ctx, w.Token, core.CmdCheckDomain)
	wantCode(t, err, core.CodeInvalidAPIKey)
}

// Operator calls of this service take effect on the very next request.
func TestOperatorCallsDropCachedActors(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	other := h.registrar(worldSpec{})

	h.actor(w.Token, core.CmdCheckDomain)
	limit := 7
	if _, err := h.svc.PatchChannel(h.ctx, w.Channel.ID, core.PatchChannel{RateLimitPerMinute: &limit}); err != nil {
		t.Fatal(err)
	}
	_, rate, err := h.svc.Authorize(h.ctx, w.Token, core.CmdCheckDomain)
	if err != nil || rate == nil || rate.Limit != 7 {
		t.Fatalf("after PATCH rate_limit_per_minute 7: %+v, %v", rate, err)
	}

	suspended := core.ChannelSuspended
	if _, err := h.svc.PatchChannel(h.ctx, w.Channel.ID, core.PatchChannel{Status: &suspended}); err != nil {
		t.Fatal(err)
	}
	_, _, err = h.svc.Authorize(h.ctx, w.Token, core.CmdCheckDomain)
	wantCode(t, err, core.CodeChannelRequired)

	// A new listing shows at once.
	h.actor(other.Token, core.CmdCheckDomain)
	ns := h.namespace(namespaceSpec{})
	h.listing(other.Channel.ID, ns.Name, true)
	if a := h.actor(other.Token, core.CmdCheckDomain); !a.NamespaceApproved(ns.Name) {
		t.Fatalf("listing of %s approved, actor still lacks it: %+v", ns.Name, a.Listings)
	}

	if _, err := h.svc.RevokeAPIKey(h.ctx, other.Key.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = h.svc.Authorize(h.ctx, other.Token, core.CmdCheckDomain)
	wantCode(t, err, core.CodeInvalidAPIKey)
}

// A cached actor is a copy: changing one never reaches the next request.
func TestCachedActorsAreCopies(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	a := h.actor(w.Token, core.CmdCheckDomain)
	a.Channel.Slug = "mutated"
	a.Scopes[0] = "mutated"
	a.Listings[0].Namespace = "mutated"
	b := h.actor(w.Token, core.CmdCheckDomain)
	if b.Channel.Slug != w.Channel.Slug || b.Scopes[0] == "mutated" || b.Listings[0].Namespace != w.Namespace.Name {
		t.Fatalf("a change to one actor reached the next: %+v", b)
	}
}

// /status reports the balance as it is, however fresh the cached actor.
func TestStatusBalanceAfterACreate(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{Gems: 1000})
	h.create(w, "alice")
	a, rate, err := h.svc.Authorize(h.ctx, w.Token, core.CmdStatus)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := h.svc.Status(h.ctx, a, rate)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Actor.Partner.GemsBalance != 900 {
		t.Fatalf("status reports %d Gems after a create of 100 from 1000", rep.Actor.Partner.GemsBalance)
	}
}

// An unknown namespace is never kept: one created since (here behind the
// service, as another node would) is found on the next request.
func TestUnknownNamespaceIsNotCached(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	a := h.actor(w.Token, core.CmdCheckDomain)
	_, err := h.svc.CheckDomains(h.ctx, a, core.CheckDomains{Names: []string{"alice.later"}})
	wantCode(t, err, core.CodeValidation)
	h.do(func(ctx context.Context, tx ports.Stores) error {
		return tx.Namespaces().Insert(ctx, core.Namespace{Name: "later", DNSBackend: core.DNSBackendNone,
			ReservedLabels: []string{}, ClaimLabels: []string{}, CreatedAt: h.now()})
	})
	_, err = h.svc.CheckDomains(h.ctx, a, core.CheckDomains{Names: []string{"alice.later"}})
	wantCode(t, err, core.CodeNamespaceNotApproved)

	// A known one answers as before.
	got, err := h.svc.CheckDomains(h.ctx, a, core.CheckDomains{Names: []string{"alice." + w.Namespace.Name}})
	if err != nil || len(got) != 1 || got[0].PriceGems != w.Namespace.CreatePriceGems || !got[0].Available {
		t.Fatalf("check: %+v, %v", got, err)
	}
}
