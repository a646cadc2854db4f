package registry_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func reg() core.Registrant {
	return core.Registrant{Name: "Alice", Email: "alice@example.com", Phone: "+1.5555551234", Country: "us"}
}

func createCmd(domain, key string) core.CreateDomain {
	return core.CreateDomain{Mutation: core.Mutation{IdempotencyKey: key}, Domain: domain, Years: 1, Registrant: reg()}
}

func (h *harness) balance(id string) core.Gems {
	h.t.Helper()
	p, err := h.svc.GetPartner(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return p.GemsBalance
}

// create registers name for w and returns the outcome.
func (h *harness) create(w world, name string) core.Outcome {
	h.t.Helper()
	out, err := h.svc.CreateDomain(h.ctx, h.actor(w.Token, core.CmdCreateDomain), createCmd(name+"."+w.Namespace.Name, h.unique("k")))
	if err != nil {
		h.t.Fatalf("create %s: %v", name, err)
	}
	return out
}

// registrarAudit answers the registrar-origin audit events of a channel.
func (h *harness) registrarAudit(channelID string) []core.AuditEvent {
	var out []core.AuditEvent
	for _, e := range h.audit(channelID) {
		if e.Actor == "registrar" {
			out = append(out, e)
		}
	}
	return out
}

func countStatus(events []core.AuditEvent, command, status string) int {
	n := 0
	for _, e := range events {
		if e.Command == command && e.Status == status {
			n++
		}
	}
	return n
}

func TestAuthorizeRules(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	_, _, err := h.svc.Authorize(h.ctx, "", core.CmdStatus)
	wantCode(t, err, core.CodeInvalidAPIKey)
	_, _, err = h.svc.Authorize(h.ctx, "hd_live_unknown", core.CmdCheckDomain)
	wantCode(t, err, core.CodeInvalidAPIKey)

	unbound := h.registrar(worldSpec{Unbound: true})
	a, rate, err := h.svc.Authorize(h.ctx, unbound.Token, core.CmdStatus)
	if err != nil || rate != nil || a.Channel != nil {
		t.Fatalf("status with an unbound key: %v %v %v", a.Channel, rate, err)
	}
	_, _, err = h.svc.Authorize(h.ctx, unbound.Token, core.CmdCheckDomain)
	wantCode(t, err, core.CodeChannelRequired)
	pending := h.registrar(worldSpec{Pending: true, NoProduction: true})
	_, _, err = h.svc.Authorize(h.ctx, pending.Token, core.CmdCreateDomain)
	wantCode(t, err, core.CodeChannelRequired)

	narrow := h.registrar(worldSpec{Scopes: []string{core.ScopeDomainsCheck}})
	_, rate, err = h.svc.Authorize(h.ctx, narrow.Token, core.CmdCreateDomain)
	wantCode(t, err, core.CodeInsufficientScope)
	if rate == nil {
		t.Fatal("a scope refusal on an approved channel still carries the rate decision")
	}

	if _, err := h.svc.RevokeAPIKey(h.ctx, w.Key.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = h.svc.Authorize(h.ctx, w.Token, core.CmdStatus)
	wantCode(t, err, core.CodeInvalidAPIKey)
}

func TestRateLimitPerChannelKeyAndCommand(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	limit := 3
	if _, err := h.svc.PatchChannel(h.ctx, w.Channel.ID, core.PatchChannel{RateLimitPerMinute: &limit}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		_, rate, err := h.svc.Authorize(h.ctx, w.Token, core.CmdCheckDomain)
		if err != nil || rate.Remaining != 3-i || rate.Limit != 3 {
			t.Fatalf("request %d: %+v %v", i, rate, err)
		}
	}
	_, rate, err := h.svc.Authorize(h.ctx, w.Token, core.CmdCheckDomain)
	wantCode(t, err, core.CodeRateLimitExceeded)
	if rate == nil || rate.Remaining != 0 || rate.RetryAfter(h.now()) < 1 || !rate.Reset.After(h.now()) {
		t.Fatalf("429 decision: %+v", rate)
	}
	// Another command has its own window; the next minute starts afresh.
	if _, _, err := h.svc.Authorize(h.ctx, w.Token, core.CmdInfoDomain); err != nil {
		t.Fatalf("other endpoint: %v", err)
	}
	h.advance(time.Minute)
	if _, _, err := h.svc.Authorize(h.ctx, w.Token, core.CmdCheckDomain); err != nil {
		t.Fatalf("next window: %v", err)
	}
}

func TestCreateDebitsAuditsAndReplays(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	a := h.actor(w.Token, core.CmdCreateDomain)
	cmd := createCmd("alice."+w.Namespace.Name, "key-1")
	cmd.Years = 2
	cmd.Nameservers = []string{"NS1.example.net"}
	out, err := h.svc.CreateDomain(h.ctx, a, cmd)
	wantCode(t, err, "")
	if out.Domain == nil || out.Domain.State != core.StateActive || out.SuccessHTTPStatus() != 201 || out.Idempotent {
		t.Fatalf("outcome: %+v", out)
	}
	if !out.Domain.ExpiresAt.Equal(core.AddYears(h.now().UTC(), 2)) || out.Domain.Registrant.Country != "US" {
		t.Fatalf("expiry/country: %v %s", out.Domain.ExpiresAt, out.Domain.Registrant.Country)
	}
	if got := h.balance(w.Partner.ID); got != 10_000-200 {
		t.Fatalf("balance %d", got)
	}
	again, err := h.svc.CreateDomain(h.ctx, a, cmd)
	wantCode(t, err, "")
	if !again.Idempotent || again.AuditID != out.AuditID || again.Domain.ID != out.Domain.ID {
		t.Fatalf("replay: %+v", again)
	}
	if got := h.balance(w.Partner.ID); got != 10_000-200 {
		t.Fatalf("replay debited again: %d", got)
	}
	ev := h.registrarAudit(w.Channel.ID)
	if countStatus(ev, "create_domain", "success") != 1 {
		t.Fatalf("audit rows: %+v", ev)
	}
	for _, e := range ev {
		if e.Command == "create_domain" {
			if e.HTTPStatus != 201 || e.IdempotencyKey != "key-1" || e.ChannelSlug != w.Channel.Slug || e.APIKeyID != w.Key.ID {
				t.Fatalf("audit row: %+v", e)
			}
			if s := e.RequestSummary["registrant"].(map[string]any); s["email"] != nil {
				t.Fatal("audit summary leaks the e-mail")
			}
		}
	}
	// Same key, other body or domain: conflict.
	other := cmd
	other.Years = 3
	_, err = h.svc.CreateDomain(h.ctx, a, other)
	wantCode(t, err, core.CodeIdempotencyConflict)
	other = createCmd("bob."+w.Namespace.Name, "key-1")
	_, err = h.svc.CreateDomain(h.ctx, a, other)
	wantCode(t, err, core.CodeIdempotencyConflict)
	// Pending work for the nameservers.
	items, err := h.svc.BackendPending(h.ctx, h.actor(w.Token, core.CmdBackendPending), core.PendingFilter{})
	if err != nil || len(items) != 1 || items[0].Command != "update_nameservers" || items[0].AuditID != out.AuditID {
		t.Fatalf("pending: %+v %v", items, err)
	}
	// The ledger explains the balance.
	var sum core.Gems
	for _, e := range h.ledger(w.Partner.ID) {
		sum += e.Amount
	}
	if sum != h.balance(w.Partner.ID) {
		t.Fatalf("ledger sum %d != balance %d", sum, h.balance(w.Partner.ID))
	}
}

func TestCreateRefusals(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{Gems: 250, Namespace: namespaceSpec{Reserved: []string{"registry"}, Claims: []string{"bitcoin"}}})
	a := h.actor(w.Token, core.CmdCreateDomain)
	ns := w.Namespace.Name
	h.create(w, "taken")
	cases := []struct {
		name   string
		mutate func(c *core.CreateDomain)
		want   core.Code
		failed bool // writes a failed audit row
	}{
		{"no key", func(c *core.CreateDomain) { c.IdempotencyKey = "" }, core.CodeIdempotencyKeyRequired, false},
		{"bad name", func(c *core.CreateDomain) { c.Domain = "-bad." + ns }, core.CodeValidation, false},
		{"unknown namespace", func(c *core.CreateDomain) { c.Domain = "alice.nowhere" }, core.CodeValidation, false},
		{"years 11", func(c *core.CreateDomain) { c.Years = 11 }, core.CodeRegistrationPeriodExceeded, true},
		{"years negative", func(c *core.CreateDomain) { c.Years = -1 }, core.CodeValidation, true},
		{"years zero", func(c *core.CreateDomain) { c.Years = 0 }, core.CodeValidation, true},
		{"no registrant email", func(c *core.CreateDomain) { c.Registrant.Email = "" }, core.CodeValidation, true},
		{"14 nameservers", func(c *core.CreateDomain) { c.Nameservers = make([]string, 14) }, core.CodeValidation, true},
		{"reserved", func(c *core.CreateDomain) { c.Domain = "registry." + ns }, core.CodeDomainNotAvailable, true},
		{"registered", func(c *core.CreateDomain) { c.Domain = "taken." + ns }, core.CodeDomainNotAvailable, true},
		{"claim", func(c *core.CreateDomain) { c.Domain = "bitcoin." + ns }, core.CodeClaimAcknowledgementRequired, true},
		{"gems", func(c *core.CreateDomain) { c.Years = 2 }, core.CodeInsufficientGems, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(h.registrarAudit(w.Channel.ID))
			cmd := createCmd("fresh."+ns, h.unique("k"))
			c.mutate(&cmd)
			_, err := h.svc.CreateDomain(h.ctx, a, cmd)
			wantCode(t, err, c.want)
			after := h.registrarAudit(w.Channel.ID)
			if c.failed != (len(after) == before+1) {
				t.Fatalf("failed audit row written = %v, want %v", len(after) == before+1, c.failed)
			}
			if c.failed && (after[len(after)-1].Status != "failed" || after[len(after)-1].HTTPStatus != core.SpecOf(c.want).HTTPStatus) {
				t.Fatalf("failed row: %+v", after[len(after)-1])
			}
		})
	}
	if got := h.balance(w.Partner.ID); got != 150 {
		t.Fatalf("refusals changed the balance: %d", got)
	}
	// A claim with its acknowledgement goes through.
	cmd := createCmd("bitcoin."+ns, "claim-ok")
	cmd.Claim = &core.ClaimAcknowledgement{NoticeID: "n-1", AcceptedAt: h.now().Add(-time.Hour)}
	_, err := h.svc.CreateDomain(h.ctx, a, cmd)
	wantCode(t, err, "")

	// Namespace and production rules, before anything is looked up.
	noProd := h.registrar(worldSpec{NoProduction: true})
	_, err = h.svc.CreateDomain(h.ctx, h.actor(noProd.Token, core.CmdCreateDomain), createCmd("x."+noProd.Namespace.Name, "k"))
	wantCode(t, err, core.CodeChannelNotProductionApproved)
	_, err = h.svc.CreateDomain(h.ctx, h.actor(noProd.Token, core.CmdCreateDomain), createCmd("x."+ns, "k"))
	wantCode(t, err, core.CodeNamespaceNotApproved)
	pendingListing := h.registrar(worldSpec{PendingListing: true})
	_, err = h.svc.CreateDomain(h.ctx, h.actor(pendingListing.Token, core.CmdCreateDomain), createCmd("x."+pendingListing.Namespace.Name, "k"))
	wantCode(t, err, core.CodeNamespaceNotApproved)
	if n := len(h.registrarAudit(noProd.Channel.ID)); n != 0 {
		t.Fatalf("rule 5/6 refusals wrote %d audit rows", n)
	}
}

func TestSandboxChangesNothingButAudits(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{NoProduction: true})
	a := h.actor(w.Token, core.CmdCreateDomain)
	cmd := createCmd("alice."+w.Namespace.Name, "sb-1")
	cmd.Sandbox = true
	out, err := h.svc.CreateDomain(h.ctx, a, cmd)
	wantCode(t, err, "")
	if out.Status != "sandbox" || out.SuccessHTTPStatus() != 202 || out.Domain == nil {
		t.Fatalf("sandbox outcome: %+v", out)
	}
	_, err = h.svc.InfoDomain(h.ctx, a, "alice."+w.Namespace.Name)
	wantCode(t, err, core.CodeDomainNotFound)
	if h.balance(w.Partner.ID) != 10_000 {
		t.Fatal("sandbox debited Gems")
	}
	again, err := h.svc.CreateDomain(h.ctx, a, cmd)
	if err != nil || !again.Idempotent || again.AuditID != out.AuditID || again.Status != "sandbox" {
		t.Fatalf("sandbox replay: %+v %v", again, err)
	}
	ev := h.registrarAudit(w.Channel.ID)
	if countStatus(ev, "create_domain", "sandbox") != 1 || len(ev) != 1 {
		t.Fatalf("sandbox audit: %+v", ev)
	}
	// Validation is exactly production's.
	poor := h.registrar(worldSpec{Gems: 10, NoProduction: true})
	cmd = createCmd("alice."+poor.Namespace.Name, "sb-2")
	cmd.Sandbox = true
	_, err = h.svc.CreateDomain(h.ctx, h.actor(poor.Token, core.CmdCreateDomain), cmd)
	wantCode(t, err, core.CodeInsufficientGems)
}

func TestConcurrentDuplicatesExecuteOnce(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	a := h.actor(w.Token, core.CmdCreateDomain)
	cmd := createCmd("race."+w.Namespace.Name, "same-key")
	var wg sync.WaitGroup
	outs := make([]core.Outcome, 50)
	errs := make([]error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = h.svc.CreateDomain(context.Background(), a, cmd)
		}()
	}
	wg.Wait()
	fresh := 0
	for i := range 50 {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if !outs[i].Idempotent {
			fresh++
		}
		if outs[i].AuditID != outs[0].AuditID {
			t.Fatal("replays answered different audit ids")
		}
	}
	if fresh != 1 {
		t.Fatalf("%d executions, want exactly 1", fresh)
	}
	if h.balance(w.Partner.ID) != 10_000-100 {
		t.Fatalf("balance %d", h.balance(w.Partner.ID))
	}
	if n := countStatus(h.registrarAudit(w.Channel.ID), "create_domain", "success"); n != 1 {
		t.Fatalf("%d success audit rows", n)
	}
	debits := 0
	for _, e := range h.ledger(w.Partner.ID) {
		if e.Command == "create_domain" {
			debits++
		}
	}
	if debits != 1 {
		t.Fatalf("%d debits", debits)
	}
}

func TestRenewUpdateNameserversDelete(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	ns := w.Namespace.Name
	out := h.create(w, "alice")
	name := "alice." + ns
	a := h.actor(w.Token, core.CmdRenewDomain)

	renew := core.RenewDomain{Mutation: core.Mutation{IdempotencyKey: "r1"}, Domain: name, Years: 1, CurrentExpiresAt: out.Domain.ExpiresAt}
	r, err := h.svc.RenewDomain(h.ctx, a, renew)
	wantCode(t, err, "")
	if !r.Domain.ExpiresAt.Equal(core.AddYears(out.Domain.ExpiresAt, 1)) || h.balance(w.Partner.ID) != 10_000-100-80 {
		t.Fatalf("renew: %v, balance %d", r.Domain.ExpiresAt, h.balance(w.Partner.ID))
	}
	renew.IdempotencyKey = "r2"
	_, err = h.svc.RenewDomain(h.ctx, a, renew) // stale current expiry
	wantCode(t, err, core.CodeCurrentExpiryMismatch)

	up := core.UpdateDomain{Mutation: core.Mutation{IdempotencyKey: "u1"}, Domain: name,
		Statuses: core.StatusChange{Add: []string{core.StatusClientUpdateProhibited, core.StatusClientRenewProhibited, core.StatusClientDeleteProhibited}}}
	_, err = h.svc.UpdateDomain(h.ctx, a, up)
	wantCode(t, err, "")
	renew.IdempotencyKey, renew.CurrentExpiresAt = "r3", r.Domain.ExpiresAt
	_, err = h.svc.RenewDomain(h.ctx, a, renew)
	wantCode(t, err, core.CodeStatusProhibitsOperation)
	_, err = h.svc.UpdateNameservers(h.ctx, a, core.UpdateNameservers{Mutation: core.Mutation{IdempotencyKey: "n0"}, Domain: name, Nameservers: []string{"ns1.example.net"}})
	wantCode(t, err, core.CodeStatusProhibitsOperation)
	_, err = h.svc.DeleteDomain(h.ctx, a, core.DeleteDomain{Mutation: core.Mutation{IdempotencyKey: "d0"}, Domain: name})
	wantCode(t, err, core.CodeStatusProhibitsOperation)
	newReg := reg()
	newReg.Name = "Alice B"
	_, err = h.svc.UpdateDomain(h.ctx, a, core.UpdateDomain{Mutation: core.Mutation{IdempotencyKey: "u2"}, Domain: name, Registrant: &newReg})
	wantCode(t, err, core.CodeStatusProhibitsOperation)
	_, err = h.svc.UpdateDomain(h.ctx, a, core.UpdateDomain{Mutation: core.Mutation{IdempotencyKey: "u3"}, Domain: name,
		Statuses: core.StatusChange{Add: []string{core.StatusServerHold}}})
	wantCode(t, err, core.CodeStatusNotClientSettable)
	got, err := h.svc.UpdateDomain(h.ctx, a, core.UpdateDomain{Mutation: core.Mutation{IdempotencyKey: "u4"}, Domain: name, Registrant: &newReg,
		Statuses: core.StatusChange{Remove: []string{core.StatusClientUpdateProhibited, core.StatusClientDeleteProhibited}}})
	wantCode(t, err, "")
	if got.Domain.Registrant.Name != "Alice B" {
		t.Fatalf("registrant not replaced: %+v", got.Domain.Registrant)
	}

	_, err = h.svc.UpdateNameservers(h.ctx, a, core.UpdateNameservers{Mutation: core.Mutation{IdempotencyKey: "n1"}, Domain: name, Nameservers: make([]string, 14)})
	wantCode(t, err, core.CodeValidation)
	nsOut, err := h.svc.UpdateNameservers(h.ctx, a, core.UpdateNameservers{Mutation: core.Mutation{IdempotencyKey: "n2"}, Domain: name, Nameservers: []string{"ns2.example.net", "ns1.example.net"}})
	wantCode(t, err, "")
	if nsOut.Domain.ApplyStatus != core.ApplyPending || nsOut.PendingID == "" {
		t.Fatalf("nameservers: %+v", nsOut)
	}
	item, err := h.svc.ApplyPending(h.ctx, nsOut.PendingID)
	wantCode(t, err, "")
	if item.Status != core.PendingApplied {
		t.Fatalf("apply: %+v", item)
	}
	info, _ := h.svc.InfoDomain(h.ctx, a, name)
	if info.ApplyStatus != core.ApplyApplied || len(info.NameserversApplied) != 2 {
		t.Fatalf("applied: %+v", info)
	}

	// Delete inside add grace frees the name and refunds every debit since
	// the create: the create (100) and the renewal (80).
	balance := h.balance(w.Partner.ID)
	del, err := h.svc.DeleteDomain(h.ctx, a, core.DeleteDomain{Mutation: core.Mutation{IdempotencyKey: "d1"}, Domain: name})
	wantCode(t, err, "")
	if !del.Freed || del.RefundedGems != 180 || h.balance(w.Partner.ID) != balance+180 {
		t.Fatalf("delete in grace: %+v", del)
	}
	_, err = h.svc.InfoDomain(h.ctx, a, name)
	wantCode(t, err, core.CodeDomainNotFound)
	h.create(w, "alice") // the name is available again

	// After add grace: redemption (RFC 3915) and backend work.
	h.create(w, "late")
	h.advance(6 * 24 * time.Hour)
	del, err = h.svc.DeleteDomain(h.ctx, h.actor(w.Token, core.CmdDeleteDomain), core.DeleteDomain{Mutation: core.Mutation{IdempotencyKey: "d2"}, Domain: "late." + ns})
	wantCode(t, err, "")
	if del.Freed || del.Domain.State != core.StateRedemption || del.PendingID == "" {
		t.Fatalf("delete after grace: %+v", del)
	}
	_, err = h.svc.CheckDomains(h.ctx, a, core.CheckDomains{Names: []string{"late." + ns}})
	wantCode(t, err, "")
}

func TestProtectedLegacyIsNotDeletable(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	name := "legacy." + w.Namespace.Name
	_, err := h.svc.ImportDomain(h.ctx, core.ImportDomain{Domain: name, ChannelID: w.Channel.ID,
		ExpiresAt: h.now().Add(365 * 24 * time.Hour), Registrant: reg(), ProtectedLegacy: true})
	wantCode(t, err, "")
	_, err = h.svc.DeleteDomain(h.ctx, h.actor(w.Token, core.CmdDeleteDomain), core.DeleteDomain{Mutation: core.Mutation{IdempotencyKey: "d"}, Domain: name})
	wantCode(t, err, core.CodeProtectedLegacyNotDeletable)
}

func TestRecordsRules(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	h.create(w, "alice")
	name := "alice." + w.Namespace.Name
	a := h.actor(w.Token, core.CmdUpdateRecords)
	prio := 10
	recs := []core.Record{{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.1"}, {Type: "MX", Name: "@", TTL: 300, Value: "mail.example.com", Priority: &prio}}
	sb := core.UpdateRecords{Mutation: core.Mutation{IdempotencyKey: "rs", Sandbox: true}, Domain: name, Records: recs}
	_, err := h.svc.UpdateRecords(h.ctx, a, sb)
	wantCode(t, err, "")
	view, err := h.svc.ReadRecords(h.ctx, a, name)
	if err != nil || len(view.Records) != 0 {
		t.Fatalf("sandbox wrote records: %+v %v", view, err)
	}
	_, err = h.svc.UpdateRecords(h.ctx, a, core.UpdateRecords{Mutation: core.Mutation{IdempotencyKey: "r1"}, Domain: name, Records: recs})
	wantCode(t, err, "")
	view, err = h.svc.ReadRecords(h.ctx, a, name)
	if err != nil || len(view.Records) != 2 || view.Backend.Kind != "memory" {
		t.Fatalf("records: %+v %v", view, err)
	}
	_, err = h.svc.UpdateRecords(h.ctx, a, core.UpdateRecords{Mutation: core.Mutation{IdempotencyKey: "r2"}, Domain: name,
		Records: []core.Record{{Type: "A", Name: "@", TTL: 30, Value: "192.0.2.1"}}})
	wantCode(t, err, core.CodeValidation)

	noModule := h.registrar(worldSpec{NoDNSModule: true})
	h.create(noModule, "bob")
	_, err = h.svc.ReadRecords(h.ctx, h.actor(noModule.Token, core.CmdReadRecords), "bob."+noModule.Namespace.Name)
	wantCode(t, err, core.CodeDNSModuleNotEnabled)
	noDNS := h.registrar(worldSpec{Namespace: namespaceSpec{Backend: core.DNSBackendNone}})
	h.create(noDNS, "carol")
	_, err = h.svc.UpdateRecords(h.ctx, h.actor(noDNS.Token, core.CmdUpdateRecords), core.UpdateRecords{Mutation: core.Mutation{IdempotencyKey: "x"}, Domain: "carol." + noDNS.Namespace.Name, Records: recs})
	wantCode(t, err, core.CodeBackendDNSNotSupported)
}

// TestRegistrarSeparation: a channel never reads or changes another
// channel's registrations, records, audits or pending work.
func TestRegistrarSeparation(t *testing.T) {
	h := newHarness(t)
	alice := h.registrar(worldSpec{})
	bob := h.registrar(worldSpec{})
	h.listing(bob.Channel.ID, alice.Namespace.Name, true)
	created := h.create(alice, "mine")
	name := "mine." + alice.Namespace.Name
	b := h.actor(bob.Token, core.CmdInfoDomain)
	_, err := h.svc.InfoDomain(h.ctx, b, name)
	wantCode(t, err, core.CodeDomainNotSponsored)
	_, err = h.svc.RenewDomain(h.ctx, b, core.RenewDomain{Mutation: core.Mutation{IdempotencyKey: "k1"}, Domain: name, Years: 1, CurrentExpiresAt: created.Domain.ExpiresAt})
	wantCode(t, err, core.CodeDomainNotSponsored)
	_, err = h.svc.UpdateDomain(h.ctx, b, core.UpdateDomain{Mutation: core.Mutation{IdempotencyKey: "k2"}, Domain: name, Statuses: core.StatusChange{Add: []string{core.StatusClientHold}}})
	wantCode(t, err, core.CodeDomainNotSponsored)
	_, err = h.svc.UpdateNameservers(h.ctx, b, core.UpdateNameservers{Mutation: core.Mutation{IdempotencyKey: "k3"}, Domain: name})
	wantCode(t, err, core.CodeDomainNotSponsored)
	_, err = h.svc.ReadRecords(h.ctx, b, name)
	wantCode(t, err, core.CodeDomainNotSponsored)
	_, err = h.svc.UpdateRecords(h.ctx, b, core.UpdateRecords{Mutation: core.Mutation{IdempotencyKey: "k4"}, Domain: name})
	wantCode(t, err, core.CodeDomainNotSponsored)
	_, err = h.svc.DeleteDomain(h.ctx, b, core.DeleteDomain{Mutation: core.Mutation{IdempotencyKey: "k5"}, Domain: name})
	wantCode(t, err, core.CodeDomainNotSponsored)
	page, err := h.svc.Poll(h.ctx, b, core.PollFilter{Domain: name})
	if err != nil || len(page.Events) != 0 {
		t.Fatalf("bob polls alice's events: %+v", page)
	}
	page, err = h.svc.Poll(h.ctx, b, core.PollFilter{})
	if err != nil || len(page.Events) != 0 {
		t.Fatalf("bob sees events: %+v", page)
	}
	items, err := h.svc.BackendPending(h.ctx, b, core.PendingFilter{Domain: name})
	if err != nil || len(items) != 0 {
		t.Fatalf("bob sees pending work: %+v", items)
	}
	if n := len(h.registrarAudit(bob.Channel.ID)); n != 0 {
		t.Fatalf("sponsorship refusals wrote %d audit rows", n)
	}
	// Bob's idempotency keys are his own: the same key works for him.
	_, err = h.svc.CreateDomain(h.ctx, h.actor(bob.Token, core.CmdCreateDomain), createCmd("his."+bob.Namespace.Name, "shared-key"))
	wantCode(t, err, "")
	_, err = h.svc.CreateDomain(h.ctx, h.actor(alice.Token, core.CmdCreateDomain), createCmd("hers."+alice.Namespace.Name, "shared-key"))
	wantCode(t, err, "")
}

func TestCheckDomains(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{Namespace: namespaceSpec{Reserved: []string{"registry"}, Claims: []string{"bitcoin"}}})
	h.create(w, "taken")
	a := h.actor(w.Token, core.CmdCheckDomain)
	ns := w.Namespace.Name
	res, err := h.svc.CheckDomains(h.ctx, a, core.CheckDomains{Names: []string{"free", "taken." + ns, "registry." + ns, "bitcoin." + ns, "bücher." + ns}})
	wantCode(t, err, "")
	want := map[string]struct {
		avail  bool
		reason string
	}{
		"free." + ns: {true, ""}, "taken." + ns: {false, "registered"}, "registry." + ns: {false, "reserved"},
		"bitcoin." + ns: {true, "claim_required"}, "xn--bcher-kva." + ns: {true, ""},
	}
	if len(res) != len(want) {
		t.Fatalf("results: %+v", res)
	}
	for _, r := range res {
		w, ok := want[r.Name]
		if !ok || w.avail != r.Available || w.reason != r.Reason || r.PriceGems != 100 {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
	_, err = h.svc.CheckDomains(h.ctx, a, core.CheckDomains{Names: []string{"ok." + ns, "bad_name." + ns}})
	wantCode(t, err, core.CodeValidation)
	_, err = h.svc.CheckDomains(h.ctx, a, core.CheckDomains{Names: []string{"x.nowhere"}})
	wantCode(t, err, core.CodeValidation)
	_, err = h.svc.CheckDomains(h.ctx, a, core.CheckDomains{Names: make([]string, 51)})
	wantCode(t, err, core.CodeValidation)
}

func TestPollPagesAndFilters(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	for i := 0; i < 7; i++ {
		h.create(w, h.unique("d"))
	}
	a := h.actor(w.Token, core.CmdPoll)
	var all []core.AuditEvent
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := h.svc.Poll(h.ctx, a, core.PollFilter{Limit: 3, Cursor: cursor})
		wantCode(t, err, "")
		all = append(all, page.Events...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(all) != 7 {
		t.Fatalf("paged %d events", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID <= all[i-1].ID {
			t.Fatal("events are not oldest first")
		}
	}
	page, _ := h.svc.Poll(h.ctx, a, core.PollFilter{IdempotencyKey: all[2].IdempotencyKey})
	if len(page.Events) != 1 || page.Events[0].ID != all[2].ID {
		t.Fatalf("key filter: %+v", page.Events)
	}
	since := h.now().Add(time.Second)
	page, _ = h.svc.Poll(h.ctx, a, core.PollFilter{Since: &since})
	if len(page.Events) != 0 {
		t.Fatalf("since filter: %d", len(page.Events))
	}
}

func TestSandboxResetFixtures(t *testing.T) {
	h := newHashingHarness(t)
	w := h.registrar(worldSpec{NoProduction: true})
	a := h.actor(w.Token, core.CmdSandboxReset)
	res, err := h.svc.SandboxReset(h.ctx, a)
	wantCode(t, err, "")
	if len(res.Fixtures) != 7 || res.Fixtures[0].Purpose != "registrant_contact" ||
		res.Fixtures[0].ContactID != core.OTEContactID(w.Channel.Slug) {
		t.Fatalf("fixtures: %+v", res.Fixtures)
	}
	for _, f := range res.Fixtures[1:] {
		info, err := h.svc.InfoDomain(h.ctx, a, f.Domain)
		if f.Purpose == "claim" {
			wantCode(t, err, core.CodeDomainNotFound)
			continue
		}
		if f.Purpose == "transfer" { // sponsored by the OT&E counterparty: TestSandboxTransferFixture
			wantCode(t, err, core.CodeDomainNotSponsored)
			continue
		}
		if err != nil || !info.OTESandbox || info.State != core.StateActive || !info.ExpiresAt.Equal(core.AddYears(h.now(), 1)) {
			t.Fatalf("fixture %s: %+v %v", f.Domain, info, err)
		}
	}
	// A sandbox renew works on the fixture and a second reset restores it.
	renewName := "ote-renew-" + w.Channel.Slug + "." + w.Namespace.Name
	info, _ := h.svc.InfoDomain(h.ctx, a, renewName)
	_, err = h.svc.RenewDomain(h.ctx, a, core.RenewDomain{Mutation: core.Mutation{IdempotencyKey: "r", Sandbox: true}, Domain: renewName, Years: 1, CurrentExpiresAt: info.ExpiresAt})
	wantCode(t, err, "")
	claim := createCmd("ote-claim-"+w.Channel.Slug+"."+w.Namespace.Name, "c")
	claim.Sandbox = true
	_, err = h.svc.CreateDomain(h.ctx, a, claim)
	wantCode(t, err, core.CodeClaimAcknowledgementRequired)

	// A real registration holding a fixture name is left alone.
	other := h.registrar(worldSpec{})
	h.listing(other.Channel.ID, w.Namespace.Name, true)
	h.do(func(ctx context.Context, tx ports.Stores) error {
		d, err := tx.Domains().GetByName(ctx, core.MustName("ote-ns-"+w.Channel.Slug+"."+w.Namespace.Name))
		if err != nil {
			return err
		}
		_, err = tx.Domains().Update(ctx, d.ID, func(d *core.Domain) error { d.OTESandbox = false; return nil })
		return err
	})
	res, err = h.svc.SandboxReset(h.ctx, a)
	wantCode(t, err, "")
	skipped := 0
	for _, f := range res.Fixtures {
		if f.Skipped {
			skipped++
			if f.Purpose != "ns" || f.Reason == "" {
				t.Fatalf("skipped: %+v", f)
			}
		}
	}
	if skipped != 1 {
		t.Fatalf("skipped %d", skipped)
	}
}
