package registry_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

func ptr[T any](v T) *T { return &v }

// ledgerSum is the sum of a partner's ledger entries.
func ledgerSum(entries []core.LedgerEntry) core.Gems {
	var sum core.Gems
	for _, e := range entries {
		sum += e.Amount
	}
	return sum
}

func TestCreatePartner(t *testing.T) {
	cases := []struct {
		name string
		cmd  core.CreatePartner
		want core.Code
	}{
		{"valid", core.CreatePartner{Name: "Acme Registrar", GemsBalance: 500, DNSModuleEnabled: true}, ""},
		{"zero balance", core.CreatePartner{Name: "Zero"}, ""},
		{"name of 200 characters", core.CreatePartner{Name: strings.Repeat("é", 200)}, ""},
		{"empty name", core.CreatePartner{Name: "  "}, core.CodeValidation},
		{"name of 201 characters", core.CreatePartner{Name: strings.Repeat("a", 201)}, core.CodeValidation},
		{"negative balance", core.CreatePartner{Name: "Neg", GemsBalance: -1}, core.CodeValidation},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			p, err := h.svc.CreatePartner(h.ctx, tc.cmd)
			wantCode(t, err, tc.want)
			if tc.want != "" {
				if n := len(h.audit("")); n != 0 {
					t.Fatalf("a refused call wrote %d audit rows", n)
				}
				return
			}
			if !strings.HasPrefix(p.ID, "ptr_") || p.Name != strings.TrimSpace(tc.cmd.Name) ||
				p.GemsBalance != tc.cmd.GemsBalance || p.DNSModuleEnabled != tc.cmd.DNSModuleEnabled {
				t.Fatalf("partner = %+v", p)
			}
			if !p.CreatedAt.Equal(h.now()) {
				t.Fatalf("created_at %v, want the clock's %v", p.CreatedAt, h.now())
			}
			got, err := h.svc.GetPartner(h.ctx, p.ID)
			wantCode(t, err, "")
			if got.ID != p.ID || got.GemsBalance != p.GemsBalance {
				t.Fatalf("GetPartner = %+v", got)
			}
			entries := h.ledger(p.ID)
			if ledgerSum(entries) != p.GemsBalance {
				t.Fatalf("ledger sum %d != balance %d", ledgerSum(entries), p.GemsBalance)
			}
			if tc.cmd.GemsBalance > 0 && (len(entries) != 1 || entries[0].Command != "opening_balance" || entries[0].Balance != p.GemsBalance) {
				t.Fatalf("opening ledger = %+v", entries)
			}
		})
	}
}

func TestGetPartnerNotFound(t *testing.T) {
	h := newHarness(t)
	_, err := h.svc.GetPartner(h.ctx, "ptr_missing")
	wantCode(t, err, core.CodeNotFound)
}

func TestPatchPartnerKeepsLedgerInvariant(t *testing.T) {
	h := newHarness(t)
	p := h.partner(1000, false)
	steps := []struct {
		patch core.PatchPartner
		want  core.Gems
		dns   bool
	}{
		{core.PatchPartner{GemsBalance: ptr[core.Gems](250)}, 250, false},
		{core.PatchPartner{GemsBalance: ptr[core.Gems](4000), DNSModuleEnabled: ptr(true)}, 4000, true},
		{core.PatchPartner{DNSModuleEnabled: ptr(false)}, 4000, false},
		{core.PatchPartner{GemsBalance: ptr[core.Gems](4000)}, 4000, false}, // no change: no ledger entry
		{core.PatchPartner{GemsBalance: ptr[core.Gems](0)}, 0, false},
	}
	for i, st := range steps {
		got, err := h.svc.PatchPartner(h.ctx, p.ID, st.patch)
		wantCode(t, err, "")
		if got.GemsBalance != st.want || got.DNSModuleEnabled != st.dns {
			t.Fatalf("step %d: partner %+v, want balance %d dns %v", i, got, st.want, st.dns)
		}
		entries := h.ledger(p.ID)
		if ledgerSum(entries) != got.GemsBalance {
			t.Fatalf("step %d: ledger sum %d != balance %d", i, ledgerSum(entries), got.GemsBalance)
		}
		last := entries[len(entries)-1]
		if last.Balance != got.GemsBalance {
			t.Fatalf("step %d: last ledger balance %d != %d", i, last.Balance, got.GemsBalance)
		}
	}
	entries := h.ledger(p.ID)
	if len(entries) != 4 { // opening + three balance changes
		t.Fatalf("ledger has %d entries, want 4: %+v", len(entries), entries)
	}
	for _, e := range entries[1:] {
		if e.Command != "operator_adjust" {
			t.Fatalf("adjustment entry %+v", e)
		}
	}
}

func TestPatchPartnerErrors(t *testing.T) {
	h := newHarness(t)
	p := h.partner(10, true)
	_, err := h.svc.PatchPartner(h.ctx, p.ID, core.PatchPartner{GemsBalance: ptr[core.Gems](-5)})
	wantField(t, err, "gems_balance")
	_, err = h.svc.PatchPartner(h.ctx, "ptr_nope", core.PatchPartner{DNSModuleEnabled: ptr(true)})
	wantCode(t, err, core.CodeNotFound)
	got, err := h.svc.GetPartner(h.ctx, p.ID)
	wantCode(t, err, "")
	if got.GemsBalance != 10 || len(h.ledger(p.ID)) != 1 {
		t.Fatalf("a refused patch changed the partner: %+v", got)
	}
}

func TestCreateNamespace(t *testing.T) {
	cases := []struct {
		name  string
		cmd   core.CreateNamespace
		want  core.Code
		field string
		check func(t *testing.T, ns core.Namespace)
	}{
		{name: "defaults to no DNS backend", cmd: core.CreateNamespace{Name: "defiwallet", CreatePriceGems: 100, RenewPriceGems: 80},
			check: func(t *testing.T, ns core.Namespace) {
				if ns.DNSBackend != core.DNSBackendNone || ns.CreatePriceGems != 100 || ns.RenewPriceGems != 80 {
					t.Fatalf("namespace %+v", ns)
				}
			}},
		{name: "memory backend, labels as sorted unique A-labels",
			cmd: core.CreateNamespace{Name: "Wallet", DNSBackend: "memory", ReservedLabels: []string{"www", "Admin", "www"},
				ClaimLabels: []string{"bücher"}},
			check: func(t *testing.T, ns core.Namespace) {
				if ns.Name != "wallet" || ns.DNSBackend != "memory" {
					t.Fatalf("namespace %+v", ns)
				}
				if strings.Join(ns.ReservedLabels, ",") != "admin,www" || strings.Join(ns.ClaimLabels, ",") != "xn--bcher-kva" {
					t.Fatalf("labels %v %v", ns.ReservedLabels, ns.ClaimLabels)
				}
			}},
		{name: "IDN name stored as A-label", cmd: core.CreateNamespace{Name: "münchen", DNSBackend: "rfc2136"},
			check: func(t *testing.T, ns core.Namespace) {
				if ns.Name != "xn--mnchen-3ya" || ns.DNSBackend != "rfc2136" {
					t.Fatalf("namespace %+v", ns)
				}
			}},
		{name: "bad name", cmd: core.CreateNamespace{Name: "-bad"}, want: core.CodeValidation, field: "name"},
		{name: "dotted name", cmd: core.CreateNamespace{Name: "a.b"}, want: core.CodeValidation, field: "name"},
		{name: "unknown backend", cmd: core.CreateNamespace{Name: "x1", DNSBackend: "bind"}, want: core.CodeValidation, field: "dns_backend"},
		{name: "negative create price", cmd: core.CreateNamespace{Name: "x2", CreatePriceGems: -1}, want: core.CodeValidation, field: "create_price_gems"},
		{name: "negative renew price", cmd: core.CreateNamespace{Name: "x3", RenewPriceGems: -1}, want: core.CodeValidation, field: "renew_price_gems"},
		{name: "bad reserved label", cmd: core.CreateNamespace{Name: "x4", ReservedLabels: []string{"a_b"}}, want: core.CodeValidation, field: "reserved_labels"},
		{name: "bad claim label", cmd: core.CreateNamespace{Name: "x5", ClaimLabels: []string{""}}, want: core.CodeValidation, field: "claim_labels"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			ns, err := h.svc.CreateNamespace(h.ctx, tc.cmd)
			wantCode(t, err, tc.want)
			if tc.want != "" {
				wantField(t, err, tc.field)
				return
			}
			tc.check(t, ns)
			list, err := h.svc.ListNamespaces(h.ctx)
			wantCode(t, err, "")
			if len(list) != 1 || list[0].Name != ns.Name {
				t.Fatalf("ListNamespaces = %+v", list)
			}
		})
	}
}

func TestCreateNamespaceDuplicate(t *testing.T) {
	h := newHarness(t)
	h.namespace(namespaceSpec{Name: "defiwallet"})
	_, err := h.svc.CreateNamespace(h.ctx, core.CreateNamespace{Name: "DefiWallet"})
	wantCode(t, err, core.CodeAlreadyExists)
}

func TestListNamespacesEmpty(t *testing.T) {
	h := newHarness(t)
	list, err := h.svc.ListNamespaces(h.ctx)
	wantCode(t, err, "")
	if list == nil || len(list) != 0 {
		t.Fatalf("ListNamespaces = %#v, want an empty non-nil list", list)
	}
}

func TestCreateChannel(t *testing.T) {
	cases := []struct {
		name  string
		slug  string
		rate  int
		want  core.Code
		field string
	}{
		{"default rate limit", "acme", 0, "", ""},
		{"explicit rate limit", "acme-2", 600, "", ""},
		{"forty characters", strings.Repeat("a", 40), 1, "", ""},
		{"max rate limit", "max", registry.MaxRateLimitPerMinute, "", ""},
		{"too short", "ab", 0, core.CodeValidation, "slug"},
		{"too long", strings.Repeat("a", 41), 0, core.CodeValidation, "slug"},
		{"uppercase", "Acme", 0, core.CodeValidation, "slug"},
		{"leading hyphen", "-acme", 0, core.CodeValidation, "slug"},
		{"trailing hyphen", "acme-", 0, core.CodeValidation, "slug"},
		{"underscore", "ac_me", 0, core.CodeValidation, "slug"},
		{"negative rate", "acme", -1, core.CodeValidation, "rate_limit_per_minute"},
		{"rate too high", "acme", registry.MaxRateLimitPerMinute + 1, core.CodeValidation, "rate_limit_per_minute"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			p := h.partner(0, false)
			ch, err := h.svc.CreateChannel(h.ctx, core.CreateChannel{PartnerID: p.ID, Slug: tc.slug, RateLimitPerMinute: tc.rate})
			wantCode(t, err, tc.want)
			if tc.want != "" {
				wantField(t, err, tc.field)
				return
			}
			wantRate := tc.rate
			if wantRate == 0 {
				wantRate = core.DefaultRateLimitPerMinute
			}
			if ch.Status != core.ChannelPending || ch.ProductionApproved || ch.ProductionApprovedAt != nil ||
				ch.RateLimitPerMinute != wantRate || ch.Slug != tc.slug || ch.PartnerID != p.ID || !strings.HasPrefix(ch.ID, "chn_") {
				t.Fatalf("channel %+v", ch)
			}
			// Fixture labels built from the slug stay valid labels.
			if _, err := core.ParseLabel(core.FixtureLabel("update", ch.Slug)); err != nil {
				t.Fatalf("fixture label of slug %q: %v", ch.Slug, err)
			}
		})
	}
}

func TestCreateChannelUnknownPartnerAndDuplicate(t *testing.T) {
	h := newHarness(t)
	_, err := h.svc.CreateChannel(h.ctx, core.CreateChannel{PartnerID: "ptr_nope", Slug: "acme"})
	wantField(t, err, "partner_id")
	_, err = h.svc.CreateChannel(h.ctx, core.CreateChannel{Slug: "acme"})
	wantField(t, err, "partner_id")

	p := h.partner(0, false)
	q := h.partner(0, false)
	if _, err := h.svc.CreateChannel(h.ctx, core.CreateChannel{PartnerID: p.ID, Slug: "acme"}); err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.CreateChannel(h.ctx, core.CreateChannel{PartnerID: q.ID, Slug: "acme"})
	wantCode(t, err, core.CodeAlreadyExists)
}

func TestChannelLifecycle(t *testing.T) {
	h := newHarness(t)
	p := h.partner(0, false)
	ch := h.channel(p.ID)

	got, err := h.svc.GetChannel(h.ctx, ch.ID)
	wantCode(t, err, "")
	if got.ID != ch.ID || got.Status != core.ChannelPending {
		t.Fatalf("GetChannel = %+v", got)
	}

	got, err = h.svc.ApproveChannel(h.ctx, ch.ID)
	wantCode(t, err, "")
	if got.Status != core.ChannelApproved || got.ProductionApproved {
		t.Fatalf("approved channel %+v", got)
	}

	// Without an OT&E run, or with one that lacks evidence, approval needs force.
	_, err = h.svc.ApproveProduction(h.ctx, core.ApproveProduction{ChannelID: ch.ID})
	wantCode(t, err, core.CodeOTERunNotReady)
	run, err := h.svc.CreateOTERun(h.ctx, ch.ID, "first OT&E")
	wantCode(t, err, "")
	_, err = h.svc.ApproveProduction(h.ctx, core.ApproveProduction{ChannelID: ch.ID})
	wantCode(t, err, core.CodeOTERunNotReady)
	if msg := err.Error(); !strings.Contains(msg, run.Run.ID) || !strings.Contains(msg, "passed 0 of") || !strings.Contains(msg, "sandbox_reset") {
		t.Fatalf("the refusal does not name the run and its missing steps: %v", err)
	}
	if got, _ := h.svc.GetChannel(h.ctx, ch.ID); got.ProductionApproved {
		t.Fatal("a refused approval approved the channel")
	}
	got, err = h.svc.ApproveProduction(h.ctx, core.ApproveProduction{ChannelID: ch.ID, Force: true})
	wantCode(t, err, "")
	if !got.ProductionApproved || got.ProductionApprovedAt == nil || !got.ProductionApprovedAt.Equal(h.now()) {
		t.Fatalf("production-approved channel %+v", got)
	}
	first := *got.ProductionApprovedAt
	h.advance(time.Hour)
	got, err = h.svc.ApproveProduction(h.ctx, core.ApproveProduction{ChannelID: ch.ID}) // already approved: no evidence check
	wantCode(t, err, "")
	if !got.ProductionApprovedAt.Equal(first) {
		t.Fatalf("approving again moved approved_at from %v to %v", first, got.ProductionApprovedAt)
	}

	suspended := core.ChannelSuspended
	got, err = h.svc.PatchChannel(h.ctx, ch.ID, core.PatchChannel{RateLimitPerMinute: ptr(30), Status: &suspended})
	wantCode(t, err, "")
	if got.Status != core.ChannelSuspended || got.RateLimitPerMinute != 30 || !got.ProductionApproved {
		t.Fatalf("patched channel %+v", got)
	}
	got, err = h.svc.PatchChannel(h.ctx, ch.ID, core.PatchChannel{})
	wantCode(t, err, "")
	if got.Status != core.ChannelSuspended || got.RateLimitPerMinute != 30 {
		t.Fatalf("an empty patch changed the channel: %+v", got)
	}

	bogus := core.ChannelStatus("deleted")
	_, err = h.svc.PatchChannel(h.ctx, ch.ID, core.PatchChannel{Status: &bogus})
	wantField(t, err, "status")
	_, err = h.svc.PatchChannel(h.ctx, ch.ID, core.PatchChannel{RateLimitPerMinute: ptr(0)})
	wantField(t, err, "rate_limit_per_minute")
	_, err = h.svc.PatchChannel(h.ctx, ch.ID, core.PatchChannel{RateLimitPerMinute: ptr(registry.MaxRateLimitPerMinute + 1)})
	wantField(t, err, "rate_limit_per_minute")

	for name, call := range map[string]func() error{
		"get":     func() error { _, err := h.svc.GetChannel(h.ctx, "chn_nope"); return err },
		"patch":   func() error { _, err := h.svc.PatchChannel(h.ctx, "chn_nope", core.PatchChannel{}); return err },
		"approve": func() error { _, err := h.svc.ApproveChannel(h.ctx, "chn_nope"); return err },
		"production": func() error {
			_, err := h.svc.ApproveProduction(h.ctx, core.ApproveProduction{ChannelID: "chn_nope"})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) { wantCode(t, call(), core.CodeNotFound) })
	}
}

func TestListings(t *testing.T) {
	h := newHarness(t)
	p := h.partner(0, false)
	ch := h.channel(p.ID)
	ns := h.namespace(namespaceSpec{Name: "defiwallet"})

	_, err := h.svc.ApproveListing(h.ctx, ch.ID, ns.Name)
	wantCode(t, err, core.CodeNotFound)

	l, err := h.svc.AddListing(h.ctx, ch.ID, "DefiWallet")
	wantCode(t, err, "")
	if l.Status != core.ListingPending || l.Namespace != "defiwallet" || l.ChannelID != ch.ID || l.ApprovedAt != nil {
		t.Fatalf("listing %+v", l)
	}
	_, err = h.svc.AddListing(h.ctx, ch.ID, ns.Name)
	wantCode(t, err, core.CodeAlreadyExists)
	_, err = h.svc.AddListing(h.ctx, "chn_nope", ns.Name)
	wantCode(t, err, core.CodeNotFound)
	_, err = h.svc.AddListing(h.ctx, ch.ID, "nowhere")
	wantField(t, err, "namespace")
	_, err = h.svc.AddListing(h.ctx, ch.ID, "not valid")
	wantField(t, err, "namespace")

	l, err = h.svc.ApproveListing(h.ctx, ch.ID, ns.Name)
	wantCode(t, err, "")
	if l.Status != core.ListingApproved || l.ApprovedAt == nil {
		t.Fatalf("approved listing %+v", l)
	}
	_, err = h.svc.ApproveListing(h.ctx, "chn_nope", ns.Name)
	wantCode(t, err, core.CodeNotFound)
	_, err = h.svc.ApproveListing(h.ctx, ch.ID, "nowhere")
	wantCode(t, err, core.CodeNotFound)
}

func TestCreateAPIKey(t *testing.T) {
	h := newHarness(t)
	p := h.partner(0, false)
	other := h.partner(0, false)
	ch := h.approve(h.channel(p.ID).ID)
	otherCh := h.channel(other.ID)

	cases := []struct {
		name  string
		cmd   core.CreateAPIKey
		want  core.Code
		field string
		scope []string // effective scopes expected
	}{
		{name: "profile, bound", cmd: core.CreateAPIKey{PartnerID: p.ID, ChannelID: ch.ID, Profile: core.ProfileRegistrarAPI}, scope: core.AllScopes()},
		{name: "scopes, unbound", cmd: core.CreateAPIKey{PartnerID: p.ID, Scopes: []string{core.ScopeDomainsCheck, core.ScopeDomainsCheck}},
			scope: []string{core.ScopeDomainsCheck}},
		{name: "neither profile nor scopes", cmd: core.CreateAPIKey{PartnerID: p.ID}, want: core.CodeValidation, field: "profile"},
		{name: "unknown profile", cmd: core.CreateAPIKey{PartnerID: p.ID, Profile: "root"}, want: core.CodeValidation, field: "profile"},
		{name: "unknown scope", cmd: core.CreateAPIKey{PartnerID: p.ID, Scopes: []string{"domains:steal"}}, want: core.CodeValidation, field: "scopes"},
		{name: "missing partner", cmd: core.CreateAPIKey{Profile: core.ProfileRegistrarAPI}, want: core.CodeValidation, field: "partner_id"},
		{name: "unknown partner", cmd: core.CreateAPIKey{PartnerID: "ptr_nope", Profile: core.ProfileRegistrarAPI}, want: core.CodeValidation, field: "partner_id"},
		{name: "unknown channel", cmd: core.CreateAPIKey{PartnerID: p.ID, ChannelID: "chn_nope", Profile: core.ProfileRegistrarAPI},
			want: core.CodeValidation, field: "registrar_channel_id"},
		{name: "another partner's channel", cmd: core.CreateAPIKey{PartnerID: p.ID, ChannelID: otherCh.ID, Profile: core.ProfileRegistrarAPI},
			want: core.CodeValidation, field: "registrar_channel_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(h.audit(""))
			nk, err := h.svc.CreateAPIKey(h.ctx, tc.cmd)
			wantCode(t, err, tc.want)
			if tc.want != "" {
				wantField(t, err, tc.field)
				if after := len(h.audit("")); after != before {
					t.Fatalf("a refused call wrote %d audit rows", after-before)
				}
				return
			}
			k := nk.Key
			if !strings.HasPrefix(nk.Token, registry.TokenPrefix) || len(nk.Token) != len(registry.TokenPrefix)+43 {
				t.Fatalf("token %q is not %s + 32 base64url bytes", nk.Token, registry.TokenPrefix)
			}
			if k.TokenHash != core.HashToken(nk.Token) || k.TokenPrefix != nk.Token[:12] || !strings.HasPrefix(k.ID, "key_") {
				t.Fatalf("stored key %+v", k)
			}
			if strings.Contains(k.TokenHash, nk.Token) {
				t.Fatal("the token is stored in clear")
			}
			// The token authenticates (status needs no channel and no scope).
			a, _, err := h.svc.Authorize(h.ctx, nk.Token, core.CmdStatus)
			wantCode(t, err, "")
			if a.APIKey.ID != k.ID || a.ChannelID() != tc.cmd.ChannelID {
				t.Fatalf("actor %+v", a)
			}
			for _, sc := range tc.scope {
				if !a.HasScope(sc) {
					t.Fatalf("key lacks %s: %v", sc, a.Scopes)
				}
			}
			if len(a.Scopes) != len(tc.scope) {
				t.Fatalf("scopes %v, want %v", a.Scopes, tc.scope)
			}
			// Nothing in any audit row carries the token.
			for _, e := range h.audit("") {
				raw, _ := json.Marshal(e)
				if strings.Contains(string(raw), nk.Token) || strings.Contains(string(raw), nk.Token[len(registry.TokenPrefix):]) {
					t.Fatalf("audit event %s carries the token", e.ID)
				}
			}
		})
	}

	// Two keys never share a token.
	a, _ := h.key(p.ID, "")
	b, _ := h.key(p.ID, "")
	if a.TokenHash == b.TokenHash {
		t.Fatal("two keys got the same token")
	}
}

func TestRevokeAPIKey(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	h.actor(w.Token, core.CmdPoll)

	k, err := h.svc.RevokeAPIKey(h.ctx, w.Key.ID)
	wantCode(t, err, "")
	if k.RevokedAt == nil || !k.RevokedAt.Equal(h.now()) {
		t.Fatalf("revoked key %+v", k)
	}
	_, _, err = h.svc.Authorize(h.ctx, w.Token, core.CmdPoll)
	wantCode(t, err, core.CodeInvalidAPIKey)
	_, _, err = h.svc.Authorize(h.ctx, w.Token, core.CmdStatus)
	wantCode(t, err, core.CodeInvalidAPIKey)

	first := *k.RevokedAt
	h.advance(time.Minute)
	k, err = h.svc.RevokeAPIKey(h.ctx, w.Key.ID)
	wantCode(t, err, "")
	if !k.RevokedAt.Equal(first) {
		t.Fatalf("revoking again moved revoked_at from %v to %v", first, k.RevokedAt)
	}
	_, err = h.svc.RevokeAPIKey(h.ctx, "key_nope")
	wantCode(t, err, core.CodeNotFound)

	rows := 0
	for _, e := range h.audit(w.Channel.ID) {
		if e.Command == "operator.revoke_api_key" {
			rows++
		}
	}
	if rows != 2 {
		t.Fatalf("%d revoke audit rows on the key's channel, want 2", rows)
	}
}

func TestImportDomain(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{Namespace: namespaceSpec{Name: "defiwallet"}})
	reg := core.Registrant{Name: "Legacy Holder", Email: "legacy@example.com", Phone: "+1.5555551234", Country: "us"}
	expires := h.now().AddDate(2, 0, 0)

	valid := core.ImportDomain{Domain: "Legacy.defiwallet", ChannelID: w.Channel.ID, ExpiresAt: expires, Registrant: reg, ProtectedLegacy: true}
	with := func(f func(c *core.ImportDomain)) core.ImportDomain {
		c := valid
		f(&c)
		return c
	}
	cases := []struct {
		name  string
		cmd   core.ImportDomain
		want  core.Code
		field string
	}{
		{name: "invalid name", cmd: with(func(c *core.ImportDomain) { c.Domain = "no_dots" }), want: core.CodeValidation},
		{name: "unknown namespace", cmd: with(func(c *core.ImportDomain) { c.Domain = "legacy.nowhere" }), want: core.CodeValidation, field: "domain"},
		{name: "missing channel", cmd: with(func(c *core.ImportDomain) { c.ChannelID = "" }), want: core.CodeValidation, field: "registrar_channel_id"},
		{name: "unknown channel", cmd: with(func(c *core.ImportDomain) { c.ChannelID = "chn_nope" }), want: core.CodeValidation, field: "registrar_channel_id"},
		{name: "missing expiry", cmd: with(func(c *core.ImportDomain) { c.ExpiresAt = time.Time{} }), want: core.CodeValidation, field: "expires_at"},
		{name: "past expiry", cmd: with(func(c *core.ImportDomain) { c.ExpiresAt = h.now().Add(-time.Second) }), want: core.CodeValidation, field: "expires_at"},
		{name: "beyond ten years", cmd: with(func(c *core.ImportDomain) { c.ExpiresAt = h.now().AddDate(10, 0, 1) }), want: core.CodeRegistrationPeriodExceeded},
		{name: "registrant without email", cmd: with(func(c *core.ImportDomain) { c.Registrant.Email = "" }), want: core.CodeValidation, field: "registrant.email"},
		{name: "registrant without name", cmd: with(func(c *core.ImportDomain) { c.Registrant.Name = "" }), want: core.CodeValidation, field: "registrant.name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.svc.ImportDomain(h.ctx, tc.cmd)
			wantCode(t, err, tc.want)
			if tc.field != "" {
				wantField(t, err, tc.field)
			}
		})
	}

	v, err := h.svc.ImportDomain(h.ctx, valid)
	wantCode(t, err, "")
	if v.Name != "legacy.defiwallet" || v.State != core.StateActive || !v.Imported || !v.ProtectedLegacy ||
		v.ChannelID != w.Channel.ID || !v.ExpiresAt.Equal(expires) || v.Registrant.Country != "US" || v.OTESandbox {
		t.Fatalf("imported %+v", v)
	}
	for _, st := range v.Statuses {
		if st == core.StatusAddPeriod {
			t.Fatalf("an imported domain has add grace: %v", v.Statuses)
		}
	}
	if p, _ := h.svc.GetPartner(h.ctx, w.Partner.ID); p.GemsBalance != w.Partner.GemsBalance {
		t.Fatalf("import charged Gems: balance %d, was %d", p.GemsBalance, w.Partner.GemsBalance)
	}
	// The registrar sees it as its own.
	info, err := h.svc.InfoDomain(h.ctx, h.actor(w.Token, core.CmdInfoDomain), "legacy.defiwallet")
	wantCode(t, err, "")
	if !info.ProtectedLegacy || !info.Imported {
		t.Fatalf("info %+v", info)
	}

	_, err = h.svc.ImportDomain(h.ctx, valid)
	wantCode(t, err, core.CodeDomainNotAvailable)

	// The audit row is the channel's, names the domain and carries no contact data.
	var row *core.AuditEvent
	for _, e := range h.audit(w.Channel.ID) {
		if e.Command == "operator.import_domain" {
			row = &e
		}
	}
	if row == nil || row.Domain != "legacy.defiwallet" || row.HTTPStatus != 201 || row.Actor != registry.OperatorActor {
		t.Fatalf("import audit row %+v", row)
	}
	raw, _ := json.Marshal(row)
	if strings.Contains(string(raw), "legacy@example.com") || strings.Contains(string(raw), "5555551234") {
		t.Fatalf("import audit row carries contact data: %s", raw)
	}
}

// seedPending inserts a domain's pending work as the registrar commands leave it.
func seedPending(h *harness, w world, d core.DomainView, command string, payload map[string]any) core.PendingItem {
	h.t.Helper()
	item := core.PendingItem{ID: h.unique("pnd_test"), AuditID: "aud_x", ChannelID: w.Channel.ID, Command: command,
		Domain: d.Name, DomainID: d.ID, Payload: payload, Status: core.PendingQueued, NextTryAt: h.now(),
		CreatedAt: h.now(), UpdatedAt: h.now()}
	h.do(func(ctx context.Context, tx ports.Stores) error {
		if _, err := tx.Domains().Update(ctx, d.ID, func(dom *core.Domain) error {
			if ns, ok := payload["nameservers"].([]string); ok {
				dom.SetDesiredNameservers(ns, h.now())
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.Pending().Insert(ctx, item)
	})
	return item
}

func TestPendingApplyAndFail(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{Namespace: namespaceSpec{Name: "defiwallet"}})
	reg := core.Registrant{Name: "Holder", Email: "h@example.com"}
	imp := func(name string) core.DomainView {
		v, err := h.svc.ImportDomain(h.ctx, core.ImportDomain{Domain: name, ChannelID: w.Channel.ID,
			ExpiresAt: h.now().AddDate(1, 0, 0), Registrant: reg})
		wantCode(t, err, "")
		return v
	}
	alice, bob, carol := imp("alice.defiwallet"), imp("bob.defiwallet"), imp("carol.defiwallet")

	nsAlice := seedPending(h, w, alice, "update_nameservers", map[string]any{"nameservers": []string{"ns1.example.net", "ns2.example.net"}})
	// After a JSON round trip (SQL stores) the list is []any.
	var decoded map[string]any
	_ = json.Unmarshal([]byte(`{"nameservers":["ns1.example.org"]}`), &decoded)
	nsBob := seedPending(h, w, bob, "update_nameservers", decoded)
	h.do(func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Domains().Update(ctx, bob.ID, func(d *core.Domain) error {
			d.SetDesiredNameservers([]string{"ns1.example.org"}, h.now())
			return nil
		})
		return err
	})
	delCarol := seedPending(h, w, carol, "delete_domain", map[string]any{"freed": false})

	list, err := h.svc.ListPending(h.ctx, core.PendingFilter{})
	wantCode(t, err, "")
	if len(list) != 3 {
		t.Fatalf("ListPending = %d items, want 3", len(list))
	}
	list, err = h.svc.ListPending(h.ctx, core.PendingFilter{Command: "delete_domain"})
	wantCode(t, err, "")
	if len(list) != 1 || list[0].ID != delCarol.ID {
		t.Fatalf("filtered ListPending = %+v", list)
	}
	_, err = h.svc.ListPending(h.ctx, core.PendingFilter{Status: "weird"})
	wantField(t, err, "status")

	a := h.actor(w.Token, core.CmdInfoDomain)
	for _, tc := range []struct {
		item core.PendingItem
		want []string
	}{
		{nsAlice, []string{"ns1.example.net", "ns2.example.net"}},
		{nsBob, []string{"ns1.example.org"}},
	} {
		got, err := h.svc.ApplyPending(h.ctx, tc.item.ID)
		wantCode(t, err, "")
		if got.Status != core.PendingApplied {
			t.Fatalf("applied item %+v", got)
		}
		info, err := h.svc.InfoDomain(h.ctx, a, tc.item.Domain)
		wantCode(t, err, "")
		if strings.Join(info.NameserversApplied, ",") != strings.Join(tc.want, ",") || info.ApplyStatus != core.ApplyApplied {
			t.Fatalf("%s after apply: applied %v status %s", tc.item.Domain, info.NameserversApplied, info.ApplyStatus)
		}
	}
	got, err := h.svc.ApplyPending(h.ctx, delCarol.ID)
	wantCode(t, err, "")
	if got.Status != core.PendingApplied {
		t.Fatalf("applied delete %+v", got)
	}

	// Applied work leaves the pending list and cannot be settled again.
	list, _ = h.svc.ListPending(h.ctx, core.PendingFilter{})
	if len(list) != 0 {
		t.Fatalf("pending list after apply: %+v", list)
	}
	_, err = h.svc.ApplyPending(h.ctx, nsAlice.ID)
	wantCode(t, err, core.CodeValidation)
	_, err = h.svc.FailPending(h.ctx, nsAlice.ID, "too late")
	wantCode(t, err, core.CodeValidation)
	_, err = h.svc.ApplyPending(h.ctx, "pnd_nope")
	wantCode(t, err, core.CodeNotFound)
	_, err = h.svc.FailPending(h.ctx, "pnd_nope", "x")
	wantCode(t, err, core.CodeNotFound)

	// Failing needs a reason and leaves the domain's apply status failed.
	again := seedPending(h, w, alice, "update_nameservers", map[string]any{"nameservers": []string{"ns9.example.net"}})
	_, err = h.svc.FailPending(h.ctx, again.ID, "   ")
	wantField(t, err, "reason")
	got, err = h.svc.FailPending(h.ctx, again.ID, "lame delegation")
	wantCode(t, err, "")
	if got.Status != core.PendingFailed || got.Reason != "lame delegation" {
		t.Fatalf("failed item %+v", got)
	}
	info, _ := h.svc.InfoDomain(h.ctx, a, "alice.defiwallet")
	if info.ApplyStatus != core.ApplyFailed || strings.Join(info.NameserversApplied, ",") != "ns1.example.net,ns2.example.net" {
		t.Fatalf("alice after a failed apply: %+v", info)
	}
	failed, err := h.svc.ListPending(h.ctx, core.PendingFilter{Status: core.PendingFailed})
	wantCode(t, err, "")
	if len(failed) != 1 || failed[0].ID != again.ID {
		t.Fatalf("failed list %+v", failed)
	}
}

// TestOperatorCallsAreAudited checks that each successful operator call
// writes exactly one audit row (actor operator, its command, its HTTP status,
// the object's channel) and a refused call writes none.
func TestOperatorCallsAreAudited(t *testing.T) {
	h := newHarness(t)
	p := h.partner(100, true)
	ns := h.namespace(namespaceSpec{Name: "defiwallet"})
	ch := h.channel(p.ID)

	type call struct {
		name    string
		command string
		status  int
		channel string
		fn      func() error
	}
	calls := []call{
		{"create partner", "operator.create_partner", 201, "", func() error {
			_, err := h.svc.CreatePartner(h.ctx, core.CreatePartner{Name: "Other"})
			return err
		}},
		{"get partner", "operator.get_partner", 200, "", func() error { _, err := h.svc.GetPartner(h.ctx, p.ID); return err }},
		{"patch partner", "operator.patch_partner", 200, "", func() error {
			_, err := h.svc.PatchPartner(h.ctx, p.ID, core.PatchPartner{GemsBalance: ptr[core.Gems](50)})
			return err
		}},
		{"create namespace", "operator.create_namespace", 201, "", func() error {
			_, err := h.svc.CreateNamespace(h.ctx, core.CreateNamespace{Name: "second"})
			return err
		}},
		{"list namespaces", "operator.list_namespaces", 200, "", func() error { _, err := h.svc.ListNamespaces(h.ctx); return err }},
		{"get channel", "operator.get_channel", 200, ch.ID, func() error { _, err := h.svc.GetChannel(h.ctx, ch.ID); return err }},
		{"patch channel", "operator.patch_channel", 200, ch.ID, func() error {
			_, err := h.svc.PatchChannel(h.ctx, ch.ID, core.PatchChannel{RateLimitPerMinute: ptr(60)})
			return err
		}},
		{"approve channel", "operator.approve_channel", 200, ch.ID, func() error { _, err := h.svc.ApproveChannel(h.ctx, ch.ID); return err }},
		{"approve production", "operator.approve_production", 200, ch.ID, func() error {
			_, err := h.svc.ApproveProduction(h.ctx, core.ApproveProduction{ChannelID: ch.ID, Force: true})
			return err
		}},
		{"add listing", "operator.add_listing", 201, ch.ID, func() error { _, err := h.svc.AddListing(h.ctx, ch.ID, ns.Name); return err }},
		{"approve listing", "operator.approve_listing", 200, ch.ID, func() error { _, err := h.svc.ApproveListing(h.ctx, ch.ID, ns.Name); return err }},
		{"create key", "operator.create_api_key", 201, ch.ID, func() error {
			_, err := h.svc.CreateAPIKey(h.ctx, core.CreateAPIKey{PartnerID: p.ID, ChannelID: ch.ID, Profile: core.ProfileRegistrarAPI})
			return err
		}},
		{"import domain", "operator.import_domain", 201, ch.ID, func() error {
			_, err := h.svc.ImportDomain(h.ctx, core.ImportDomain{Domain: "old.defiwallet", ChannelID: ch.ID,
				ExpiresAt: h.now().AddDate(1, 0, 0), Registrant: core.Registrant{Name: "N", Email: "n@example.com"}})
			return err
		}},
		{"list pending", "operator.list_pending", 200, "", func() error { _, err := h.svc.ListPending(h.ctx, core.PendingFilter{}); return err }},
		{"create OT&E run", "operator.create_ote_run", 201, ch.ID, func() error { _, err := h.svc.CreateOTERun(h.ctx, ch.ID, "run"); return err }},
	}
	for _, c := range calls {
		before := h.audit("")
		if err := c.fn(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		after := h.audit("")
		if len(after) != len(before)+1 {
			t.Fatalf("%s wrote %d audit rows, want 1", c.name, len(after)-len(before))
		}
		e := after[len(after)-1]
		if e.Actor != registry.OperatorActor || e.Command != c.command || e.Status != core.AuditSuccess ||
			e.HTTPStatus != c.status || e.ChannelID != c.channel || !e.CreatedAt.Equal(h.now()) || !strings.HasPrefix(e.ID, "aud_") {
			t.Fatalf("%s audit row %+v", c.name, e)
		}
		if c.channel != "" && e.ChannelSlug != ch.Slug {
			t.Fatalf("%s audit row slug %q, want %q", c.name, e.ChannelSlug, ch.Slug)
		}
	}

	// Operator rows are filed under the channel but are not the registrar's
	// commands: its poll shows none of them.
	_, token := h.key(p.ID, ch.ID)
	page, err := h.svc.Poll(h.ctx, h.actor(token, core.CmdPoll), core.PollFilter{})
	if err != nil || len(page.Events) != 0 {
		t.Fatalf("the registrar polls operator rows: %+v %v", page.Events, err)
	}

	refused := []func() error{
		func() error { _, err := h.svc.GetPartner(h.ctx, "ptr_nope"); return err },
		func() error {
			_, err := h.svc.CreateNamespace(h.ctx, core.CreateNamespace{Name: "defiwallet"})
			return err
		},
		func() error { _, err := h.svc.ApproveChannel(h.ctx, "chn_nope"); return err },
		func() error { _, err := h.svc.AddListing(h.ctx, ch.ID, ns.Name); return err },
		func() error { _, err := h.svc.CreateOTERun(h.ctx, "chn_nope", "run"); return err },
	}
	before := len(h.audit(""))
	for i, fn := range refused {
		if fn() == nil {
			t.Fatalf("refused call %d succeeded", i)
		}
	}
	if after := len(h.audit("")); after != before {
		t.Fatalf("refused calls wrote %d audit rows", after-before)
	}
}
