package registry_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// newHashingHarness is newHarness with a service that hashes auth codes, as
// registryd's does: the registry has transfers, and so transfer fixtures.
func newHashingHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t)
	h.svc = registry.NewService(h.store, memory.NewRateCounter(), dns.NewDefaultBackends(), h.clock, core.NewIDs(), registry.Options{Passwords: cheapHasher})
	return h
}

// transferFixture resets w's sandbox and answers its transfer fixture.
func transferFixture(t *testing.T, h *harness, w world) (core.SandboxFixture, core.SandboxResetResult) {
	t.Helper()
	res, err := h.svc.SandboxReset(h.ctx, h.actor(w.Token, core.CmdSandboxReset))
	wantCode(t, err, "")
	for _, f := range res.Fixtures {
		if f.Purpose == "transfer" {
			return f, res
		}
	}
	t.Fatalf("no transfer fixture in %+v", res.Fixtures)
	return core.SandboxFixture{}, res
}

func (h *harness) domainByName(name string) core.Domain {
	h.t.Helper()
	var d core.Domain
	h.do(func(ctx context.Context, tx ports.Stores) error {
		var err error
		d, err = tx.Domains().GetByName(ctx, core.MustName(name))
		return err
	})
	return d
}

func TestSandboxTransferFixture(t *testing.T) {
	h := newHashingHarness(t)
	w := h.registrar(worldSpec{NoProduction: true, Namespace: namespaceSpec{Policy: transferPolicy()}})
	f, res := transferFixture(t, h, w)
	want := core.FixtureLabel("transfer", w.Channel.Slug) + "." + w.Namespace.Name
	if f.Domain != want || f.Skipped || f.ContactID != "" {
		t.Fatalf("transfer fixture %+v, want %s", f, want)
	}
	if err := core.ValidateAuthCode(f.AuthCode); err != nil {
		t.Fatalf("the reset's auth code %q is not a valid code: %v", f.AuthCode, err)
	}
	for _, other := range res.Fixtures {
		if other.Purpose != "transfer" && other.AuthCode != "" {
			t.Fatalf("fixture %s carries an auth code", other.Purpose)
		}
	}

	// Sponsored by the registry's counterparty: approved, never production
	// approved, no API key; the fixture is past its lock and never due.
	var cp core.Channel
	h.do(func(ctx context.Context, tx ports.Stores) error {
		var err error
		cp, err = tx.Channels().GetBySlug(ctx, core.OTECounterpartySlug)
		return err
	})
	if cp.Status != core.ChannelApproved || cp.ProductionApproved {
		t.Fatalf("counterparty channel %+v", cp)
	}
	h.do(func(ctx context.Context, tx ports.Stores) error {
		keys, err := tx.APIKeys().ListByChannel(ctx, cp.ID)
		if err == nil && len(keys) != 0 {
			t.Errorf("the counterparty has API keys: %+v", keys)
		}
		return err
	})
	d := h.domainByName(want)
	if !d.OTESandbox || d.ChannelID != cp.ID || d.PartnerID != cp.PartnerID || d.State != core.StateActive {
		t.Fatalf("fixture row: sandbox %v channel %s partner %s state %s", d.OTESandbox, d.ChannelID, d.PartnerID, d.State)
	}
	if d.AuthCodeHash == "" || strings.Contains(d.AuthCodeHash, f.AuthCode) {
		t.Fatal("the fixture's auth code is not stored as a hash")
	}
	if lock := w.Namespace.Policy.TransferLock; lock <= 0 || !d.CreatedAt.Add(lock).Before(h.now()) {
		t.Fatalf("created %s with a transfer lock of %s: the lock still runs at %s", d.CreatedAt, lock, h.now())
	}
	if d.NextDue() != nil || d.Due(h.now().Add(3*365*24*time.Hour)) != core.ChangeNone {
		t.Fatal("the transfer fixture moves through time")
	}

	// The reset's audit row never carries the code.
	events := h.audit(w.Channel.ID)
	for _, e := range events {
		if b, _ := json.Marshal(e); strings.Contains(string(b), f.AuthCode) {
			t.Fatalf("audit event %s carries the auth code", e.ID)
		}
	}

	a := h.actor(w.Token, core.CmdRequestTransfer)
	req := func(key, code string, sandbox bool, a core.Actor) (core.Outcome, error) {
		return h.svc.RequestTransfer(h.ctx, a, core.RequestTransferCmd{Mutation: core.Mutation{IdempotencyKey: key, Sandbox: sandbox},
			Domain: want, AuthCode: code, Years: 1})
	}
	_, err := req("wrong", f.AuthCode+"x", true, a)
	wantCode(t, err, core.CodeInvalidAuthCode)

	before := h.domainByName(want)
	balance := h.partnerBalance(w.Partner.ID)
	cpBalance := h.partnerBalance(cp.PartnerID)
	out, err := req("right", f.AuthCode, true, a)
	wantCode(t, err, "")
	if out.Status != core.AuditSandbox || out.Transfer == nil || out.Transfer.Status != core.TransferPending ||
		out.Transfer.GainingChannel.ID != w.Channel.ID || out.Transfer.LosingChannel.ID != cp.ID ||
		out.Transfer.LosingChannel.Slug != core.OTECounterpartySlug {
		t.Fatalf("sandbox transfer request: %+v transfer %+v", out, out.Transfer)
	}
	after := h.domainByName(want)
	if after.Transfer != nil || after.ChannelID != cp.ID || len(after.Statuses) != 0 || !after.UpdatedAt.Equal(before.UpdatedAt) ||
		after.AuthCodeHash != before.AuthCodeHash {
		t.Fatalf("the sandbox request changed the fixture: %+v", after)
	}
	if got, cpGot := h.partnerBalance(w.Partner.ID), h.partnerBalance(cp.PartnerID); got != balance || cpGot != cpBalance {
		t.Fatalf("balances %d and %d after a sandbox transfer request, want %d and %d", got, cpGot, balance, cpBalance)
	}
	for _, e := range h.audit(w.Channel.ID) {
		if b, _ := json.Marshal(e); strings.Contains(string(b), f.AuthCode) {
			t.Fatalf("audit event %s (%s) carries the auth code", e.ID, e.Command)
		}
	}

	// A production channel holding the code is refused a real request: the
	// counterparty never acts and the fixture never reaches a deadline.
	g := h.sameNamespace(w, 0)
	_, err = req("real", f.AuthCode, false, h.actor(g.Token, core.CmdRequestTransfer))
	wantCode(t, err, core.CodeTransferNotEligible)
	if h.domainByName(want).Transfer != nil {
		t.Fatal("a refused real request left a transfer")
	}

	// Every reset answers a new code; the old one no longer works. The
	// counterparty is created once.
	f2, _ := transferFixture(t, h, w)
	if f2.AuthCode == f.AuthCode || f2.Domain != want {
		t.Fatalf("second reset: %+v", f2)
	}
	_, err = req("old", f.AuthCode, true, a)
	wantCode(t, err, core.CodeInvalidAuthCode)
	_, err = req("new", f2.AuthCode, true, a)
	wantCode(t, err, "")
	other := h.registrar(worldSpec{NoProduction: true})
	of, _ := transferFixture(t, h, other)
	if got := h.domainByName(of.Domain); got.ChannelID != cp.ID || got.PartnerID != cp.PartnerID {
		t.Fatalf("another registrar's transfer fixture is sponsored by %s, want the one counterparty %s", got.ChannelID, cp.ID)
	}

	// No operator can take the counterparty's slug or approve it for production.
	_, err = h.svc.CreateChannel(h.ctx, core.CreateChannel{PartnerID: w.Partner.ID, Slug: core.OTECounterpartySlug})
	wantCode(t, err, core.CodeValidation)
	_, err = h.svc.ApproveProduction(h.ctx, core.ApproveProduction{ChannelID: cp.ID, Force: true})
	wantCode(t, err, core.CodeValidation)
}

// Without a password hasher the registry has no transfers: the reset skips
// the transfer fixture and says why.
func TestSandboxTransferFixtureNeedsHasher(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{NoProduction: true})
	f, _ := transferFixture(t, h, w)
	if !f.Skipped || f.Reason == "" || f.AuthCode != "" {
		t.Fatalf("transfer fixture without a hasher: %+v", f)
	}
}

func (h *harness) partnerBalance(id string) core.Gems {
	h.t.Helper()
	var p core.Partner
	h.do(func(ctx context.Context, tx ports.Stores) error {
		var err error
		p, err = tx.Partners().Get(ctx, id)
		return err
	})
	return p.GemsBalance
}
