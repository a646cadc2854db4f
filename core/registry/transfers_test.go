package registry_test

import (
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
)

const testAuthCode = "Xfer-Code-2026-abcd"

// transferPolicy is a policy of seconds with transfer periods: pending 30,
// lock 60, transfer grace 10, auth code TTL 3600.
func transferPolicy() core.PolicyChange {
	p := shortPolicy(true)
	p.Seconds["transfer_pending_period_seconds"] = 30
	p.Seconds["transfer_lock_period_seconds"] = 60
	p.Seconds["transfer_grace_period_seconds"] = 10
	p.Seconds["auth_code_ttl_seconds"] = 3600
	return p
}

// transferWorlds builds a harness whose service hashes auth codes, the
// losing registrar (its namespace with transferPolicy) and a gaining one
// listed in the same namespace.
func transferWorlds(t *testing.T, gainingGems core.Gems) (*harness, world, world) {
	t.Helper()
	h := newHarness(t)
	h.svc = registry.NewService(h.store, memory.NewRateCounter(), dns.NewDefaultBackends(), h.clock, core.NewIDs(), registry.Options{Passwords: cheapHasher})
	loser := h.registrar(worldSpec{Namespace: namespaceSpec{Policy: transferPolicy()}})
	return h, loser, h.sameNamespace(loser, gainingGems)
}

// sameNamespace builds another production registrar listed in w's namespace.
func (h *harness) sameNamespace(w world, gems core.Gems) world {
	h.t.Helper()
	if gems == 0 {
		gems = 10_000
	}
	g := world{Namespace: w.Namespace}
	g.Partner = h.partner(gems, true)
	g.Channel = h.channel(g.Partner.ID)
	h.approve(g.Channel.ID)
	g.Channel = h.production(g.Channel.ID)
	h.listing(g.Channel.ID, w.Namespace.Name, true)
	g.Key, g.Token = h.key(g.Partner.ID, g.Channel.ID)
	return g
}

// transferable creates label with w, sets its auth code and lets the
// transfer lock pass.
func (h *harness) transferable(w world, label string) string {
	h.t.Helper()
	h.create(w, label)
	name := label + "." + w.Namespace.Name
	h.setAuthCode(w, name, testAuthCode)
	h.advance(61 * time.Second)
	return name
}

func (h *harness) setAuthCode(w world, name, code string) {
	h.t.Helper()
	_, err := h.svc.UpdateDomain(h.ctx, h.actor(w.Token, core.CmdUpdateDomain), core.UpdateDomain{
		Mutation: core.Mutation{IdempotencyKey: h.unique("ac")}, Domain: name, AuthCode: &code})
	if err != nil {
		h.t.Fatalf("set auth code: %v", err)
	}
}

func (h *harness) requestTransfer(w world, name, code string, years int) (core.Outcome, error) {
	return h.svc.RequestTransfer(h.ctx, h.actor(w.Token, core.CmdRequestTransfer), core.RequestTransferCmd{
		Mutation: core.Mutation{IdempotencyKey: h.unique("rq")}, Domain: name, AuthCode: code, Years: years})
}

func (h *harness) transferAction(w world, cmd core.Command, name string) (core.Outcome, error) {
	a := h.actor(w.Token, cmd)
	c := core.TransferAction{Mutation: core.Mutation{IdempotencyKey: h.unique("ta")}, Domain: name}
	switch cmd {
	case core.CmdApproveTransfer:
		return h.svc.ApproveTransfer(h.ctx, a, c)
	case core.CmdRejectTransfer:
		return h.svc.RejectTransfer(h.ctx, a, c)
	default:
		return h.svc.CancelTransfer(h.ctx, a, c)
	}
}

// drain acknowledges every queued message of w and answers their transfer statuses.
func (h *harness) drain(w world) []string {
	h.t.Helper()
	a := h.actor(w.Token, core.CmdPoll)
	var out []string
	for {
		st, err := h.svc.PollMessages(h.ctx, a)
		if err != nil {
			h.t.Fatal(err)
		}
		if st.Message == nil {
			return out
		}
		if st.Message.Kind == core.MsgTransfer {
			out = append(out, toString(st.Message.Payload["transfer_status"]))
		}
		if _, err := h.svc.AckMessage(h.ctx, a, st.Message.ID); err != nil {
			h.t.Fatal(err)
		}
	}
}

// notices answers the transfer statuses of the transfer_notice rows in w's /poll.
func (h *harness) notices(w world, name string) []string {
	h.t.Helper()
	page, err := h.svc.Poll(h.ctx, h.actor(w.Token, core.CmdPoll), core.PollFilter{Domain: name, Limit: 500})
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range page.Events {
		if e.Command == string(core.CmdTransferNotice) {
			if e.Actor != "registry" {
				h.t.Fatalf("transfer notice with actor %s", e.Actor)
			}
			out = append(out, toString(e.ResponseSummary["transfer_status"]))
		}
	}
	return out
}

func equalList(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func TestTransferApprovedByTheSponsor(t *testing.T) {
	h, loser, gainer := transferWorlds(t, 0)
	name := h.transferable(loser, "alice")
	exp := h.info(loser, name).ExpiresAt

	out, err := h.requestTransfer(gainer, name, testAuthCode, 1)
	wantCode(t, err, "")
	if out.Transfer == nil || out.Transfer.Status != core.TransferPending || out.Transfer.GainingChannel.Slug != gainer.Channel.Slug ||
		out.Transfer.LosingChannel.ID != loser.Channel.ID || out.Debited() != 80 || out.SuccessHTTPStatus() != 201 {
		t.Fatalf("request: %+v %+v", out, out.Transfer)
	}
	if !slices.Contains(h.info(loser, name).Statuses, core.StatusPendingTransfer) {
		t.Fatalf("no pendingTransfer: %v", h.info(loser, name).Statuses)
	}
	pend, err := h.svc.BackendPending(h.ctx, h.actor(gainer.Token, core.CmdBackendPending), core.PendingFilter{Domain: name})
	if err != nil || len(pend) != 1 || pend[0].Command != string(core.CmdRequestTransfer) {
		t.Fatalf("gaining pending: %+v %v", pend, err)
	}
	// While pending the sponsor may not renew, update or delete.
	_, err = h.svc.RenewDomain(h.ctx, h.actor(loser.Token, core.CmdRenewDomain), core.RenewDomain{
		Mutation: core.Mutation{IdempotencyKey: h.unique("r")}, Domain: name, Years: 1, CurrentExpiresAt: exp})
	wantCode(t, err, core.CodeStatusProhibitsOperation)
	_, err = h.svc.DeleteDomain(h.ctx, h.actor(loser.Token, core.CmdDeleteDomain), core.DeleteDomain{
		Mutation: core.Mutation{IdempotencyKey: h.unique("d")}, Domain: name})
	wantCode(t, err, core.CodeStatusProhibitsOperation)
	_, err = h.svc.UpdateDomain(h.ctx, h.actor(loser.Token, core.CmdUpdateDomain), core.UpdateDomain{
		Mutation: core.Mutation{IdempotencyKey: h.unique("u")}, Domain: name, Statuses: core.StatusChange{Add: []string{core.StatusClientHold}}})
	wantCode(t, err, core.CodeStatusProhibitsOperation)
	// The wrong sides.
	_, err = h.transferAction(gainer, core.CmdApproveTransfer, name)
	wantCode(t, err, core.CodeDomainNotSponsored)
	_, err = h.transferAction(loser, core.CmdCancelTransfer, name)
	wantCode(t, err, core.CodeDomainNotSponsored)
	_, err = h.requestTransfer(gainer, name, testAuthCode, 1)
	wantCode(t, err, core.CodeTransferAlreadyPending)

	out, err = h.transferAction(loser, core.CmdApproveTransfer, name)
	wantCode(t, err, "")
	if out.Transfer.Status != core.TransferClientApproved || !out.Transfer.ExpiresAt.Equal(core.AddYears(exp, 1)) {
		t.Fatalf("approve: %+v", out.Transfer)
	}
	v := h.info(gainer, name)
	if v.ChannelID != gainer.Channel.ID || !v.ExpiresAt.Equal(core.AddYears(exp, 1)) || v.AuthCodeSet ||
		!slices.Contains(v.Statuses, core.StatusTransferPeriod) || slices.Contains(v.Statuses, core.StatusPendingTransfer) {
		t.Fatalf("after approval: %+v", v)
	}
	_, err = h.svc.InfoDomain(h.ctx, h.actor(loser.Token, core.CmdInfoDomain), name)
	wantCode(t, err, core.CodeDomainNotSponsored)
	_, err = h.transferAction(gainer, core.CmdApproveTransfer, name)
	wantCode(t, err, core.CodeTransferNotPending)

	h.checkMoney(loser)
	h.checkMoney(gainer)
	if h.balance(gainer.Partner.ID) != 10_000-80 || h.balance(loser.Partner.ID) != 10_000-100 {
		t.Fatalf("balances %d %d", h.balance(gainer.Partner.ID), h.balance(loser.Partner.ID))
	}
	both := []string{core.TransferPending, core.TransferClientApproved}
	if g, l := h.drain(gainer), h.drain(loser); !equalList(g, both) || !equalList(l, both) {
		t.Fatalf("messages: gaining %v losing %v", g, l)
	}
	// Each side's /poll: its own command, and the other's as a notice.
	if g, l := h.notices(gainer, name), h.notices(loser, name); !equalList(g, []string{core.TransferClientApproved}) ||
		!equalList(l, []string{core.TransferPending}) {
		t.Fatalf("notices: gaining %v losing %v", g, l)
	}
	// The loser's own events stay in its /poll after the domain left it.
	page, err := h.svc.Poll(h.ctx, h.actor(loser.Token, core.CmdPoll), core.PollFilter{Domain: name, Command: string(core.CmdApproveTransfer)})
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("loser's approval in its poll: %v %v", page.Events, err)
	}
	pend, _ = h.svc.BackendPending(h.ctx, h.actor(gainer.Token, core.CmdBackendPending), core.PendingFilter{Domain: name})
	if len(pend) != 1 || pend[0].Command != string(core.CmdTransferDomain) {
		t.Fatalf("gaining pending after approval: %+v", pend)
	}
	q, err := h.svc.QueryTransfer(h.ctx, h.actor(loser.Token, core.CmdQueryTransfer), name)
	if err == nil {
		t.Fatalf("the loser no longer sponsors nor requested: %+v", q)
	}
	q, err = h.svc.QueryTransfer(h.ctx, h.actor(gainer.Token, core.CmdQueryTransfer), name)
	if err != nil || q.Status != core.TransferClientApproved {
		t.Fatalf("query: %+v %v", q, err)
	}
	// The auth code was never written anywhere readable.
	raw, _ := json.Marshal(h.audit(""))
	if strings.Contains(string(raw), testAuthCode) {
		t.Fatal("the auth code is in an audit row")
	}
}

func TestTransferApprovedAtTheDeadline(t *testing.T) {
	h, loser, gainer := transferWorlds(t, 0)
	name := h.transferable(loser, "bob")
	_, err := h.requestTransfer(gainer, name, testAuthCode, 2)
	wantCode(t, err, "")
	h.advance(29 * time.Second)
	if got := h.maintain(); got[core.ChangeApproveTransfer] != 0 {
		t.Fatalf("approved early: %v", got)
	}
	h.advance(time.Second)
	if got := h.maintain(); got[core.ChangeApproveTransfer] != 1 {
		t.Fatalf("deadline: %v", got)
	}
	if v := h.info(gainer, name); v.ChannelID != gainer.Channel.ID {
		t.Fatalf("sponsor %s", v.ChannelID)
	}
	h.checkMoney(loser)
	h.checkMoney(gainer)
	if h.balance(gainer.Partner.ID) != 10_000-160 {
		t.Fatalf("gaining balance %d", h.balance(gainer.Partner.ID))
	}
	want := []string{core.TransferPending, core.TransferServerApproved}
	if g, l := h.drain(gainer), h.drain(loser); !equalList(g, want) || !equalList(l, want) {
		t.Fatalf("messages: gaining %v losing %v", g, l)
	}
	if g, l := h.notices(gainer, name), h.notices(loser, name); !equalList(g, []string{core.TransferServerApproved}) ||
		!equalList(l, want) {
		t.Fatalf("notices: gaining %v losing %v", g, l)
	}
}

func TestTransferRejectedAndCancelledRefund(t *testing.T) {
	for _, tc := range []struct {
		cmd    core.Command
		status string
	}{{core.CmdRejectTransfer, core.TransferClientRejected}, {core.CmdCancelTransfer, core.TransferClientCancelled}} {
		t.Run(string(tc.cmd), func(t *testing.T) {
			h, loser, gainer := transferWorlds(t, 0)
			name := h.transferable(loser, "carol")
			_, err := h.requestTransfer(gainer, name, testAuthCode, 1)
			wantCode(t, err, "")
			actor := loser
			if tc.cmd == core.CmdCancelTransfer {
				actor = gainer
			}
			out, err := h.transferAction(actor, tc.cmd, name)
			wantCode(t, err, "")
			if out.Transfer.Status != tc.status || out.RefundedGems != 80 {
				t.Fatalf("%+v refunded %d", out.Transfer, out.RefundedGems)
			}
			if v := h.info(loser, name); v.ChannelID != loser.Channel.ID || slices.Contains(v.Statuses, core.StatusPendingTransfer) || !v.AuthCodeSet {
				t.Fatalf("after: %+v", v)
			}
			h.checkMoney(loser)
			h.checkMoney(gainer)
			if h.balance(gainer.Partner.ID) != 10_000 {
				t.Fatalf("gaining balance %d", h.balance(gainer.Partner.ID))
			}
			want := []string{core.TransferPending, tc.status}
			if g, l := h.drain(gainer), h.drain(loser); !equalList(g, want) || !equalList(l, want) {
				t.Fatalf("messages: gaining %v losing %v", g, l)
			}
			pend, _ := h.svc.BackendPending(h.ctx, h.actor(gainer.Token, core.CmdBackendPending), core.PendingFilter{Domain: name})
			if len(pend) != 0 {
				t.Fatalf("the intent is still pending: %+v", pend)
			}
			_, err = h.transferAction(loser, core.CmdRejectTransfer, name)
			wantCode(t, err, core.CodeTransferNotPending)
		})
	}
}

func TestTransferRefusals(t *testing.T) {
	h, loser, gainer := transferWorlds(t, 0)
	third := h.sameNamespace(loser, 0)
	name := loser.Namespace.Name
	h.create(loser, "dave")
	dave := "dave." + name
	h.setAuthCode(loser, dave, testAuthCode)

	_, err := h.requestTransfer(gainer, dave, testAuthCode, 1)
	wantCode(t, err, core.CodeTransferNotEligible) // within the transfer lock
	h.advance(61 * time.Second)
	_, err = h.requestTransfer(loser, dave, testAuthCode, 1)
	wantCode(t, err, core.CodeTransferNotEligible) // its own
	_, err = h.requestTransfer(gainer, dave, "Wrong-Code-2026-abcd", 1)
	wantCode(t, err, core.CodeInvalidAuthCode)
	_, err = h.requestTransfer(gainer, dave, testAuthCode, 10)
	wantCode(t, err, core.CodeRegistrationPeriodExceeded)

	h.create(loser, "erin")
	erin := "erin." + name
	h.advance(61 * time.Second)
	_, unsetErr := h.requestTransfer(gainer, erin, testAuthCode, 1)
	wantCode(t, unsetErr, core.CodeInvalidAuthCode)
	_, wrongErr := h.requestTransfer(gainer, dave, "Wrong-Code-2026-abcd", 1)
	if unsetErr.Error() != wrongErr.Error() {
		t.Fatalf("unset %q and wrong %q answer differently", unsetErr, wrongErr)
	}

	// Expired: the TTL is 3600 seconds.
	h.create(loser, "fred")
	fred := "fred." + name
	h.setAuthCode(loser, fred, testAuthCode)
	h.advance(3601 * time.Second)
	if h.info(loser, fred).AuthCodeSet {
		t.Fatal("an expired code still shows as set")
	}
	_, err = h.requestTransfer(gainer, fred, testAuthCode, 1)
	wantCode(t, err, core.CodeInvalidAuthCode)

	// Weak codes.
	for _, weak := range []string{"short-A1", "alllowercaseletters", "lowercase-and-symbols"} {
		c := weak
		_, err := h.svc.UpdateDomain(h.ctx, h.actor(loser.Token, core.CmdUpdateDomain), core.UpdateDomain{
			Mutation: core.Mutation{IdempotencyKey: h.unique("w")}, Domain: dave, AuthCode: &c})
		wantField(t, err, "auth_code")
	}

	h.setAuthCode(loser, dave, testAuthCode)
	_, err = h.svc.UpdateDomain(h.ctx, h.actor(loser.Token, core.CmdUpdateDomain), core.UpdateDomain{
		Mutation: core.Mutation{IdempotencyKey: h.unique("p")}, Domain: dave,
		Statuses: core.StatusChange{Add: []string{core.StatusClientTransferProhibited}}})
	wantCode(t, err, "")
	_, err = h.requestTransfer(gainer, dave, testAuthCode, 1)
	wantCode(t, err, core.CodeStatusProhibitsOperation)
	_, err = h.svc.UpdateDomain(h.ctx, h.actor(loser.Token, core.CmdUpdateDomain), core.UpdateDomain{
		Mutation: core.Mutation{IdempotencyKey: h.unique("p")}, Domain: dave,
		Statuses: core.StatusChange{Remove: []string{core.StatusClientTransferProhibited}}})
	wantCode(t, err, "")

	// A partner short of the price.
	poor := h.sameNamespace(loser, 10)
	_, err = h.requestTransfer(poor, dave, testAuthCode, 1)
	wantCode(t, err, core.CodeInsufficientGems)

	_, err = h.transferAction(loser, core.CmdApproveTransfer, dave)
	wantCode(t, err, core.CodeTransferNotPending)
	_, err = h.requestTransfer(gainer, dave, testAuthCode, 1)
	wantCode(t, err, "")
	_, err = h.svc.QueryTransfer(h.ctx, h.actor(third.Token, core.CmdQueryTransfer), dave)
	wantCode(t, err, core.CodeDomainNotSponsored)
	_, err = h.transferAction(third, core.CmdCancelTransfer, dave)
	wantCode(t, err, core.CodeDomainNotSponsored)
	_, err = h.requestTransfer(third, dave, testAuthCode, 1)
	wantCode(t, err, core.CodeTransferAlreadyPending)

	// Unsetting the code.
	empty := ""
	_, err = h.svc.UpdateDomain(h.ctx, h.actor(loser.Token, core.CmdUpdateDomain), core.UpdateDomain{
		Mutation: core.Mutation{IdempotencyKey: h.unique("x")}, Domain: erin, AuthCode: &empty})
	wantCode(t, err, "")
	h.setAuthCode(loser, erin, testAuthCode)
	if !h.info(loser, erin).AuthCodeSet {
		t.Fatal("set code not shown as set")
	}
	_, err = h.svc.UpdateDomain(h.ctx, h.actor(loser.Token, core.CmdUpdateDomain), core.UpdateDomain{
		Mutation: core.Mutation{IdempotencyKey: h.unique("x")}, Domain: erin, AuthCode: &empty})
	wantCode(t, err, "")
	if h.info(loser, erin).AuthCodeSet {
		t.Fatal("unset code shown as set")
	}

	page, err := h.svc.ListTransfers(h.ctx, h.actor(gainer.Token, core.CmdListTransfers), core.TransferFilter{Role: core.TransferRoleGaining})
	if err != nil || len(page.Transfers) != 1 || page.Transfers[0].Domain != dave {
		t.Fatalf("list gaining: %+v %v", page, err)
	}
	page, _ = h.svc.ListTransfers(h.ctx, h.actor(gainer.Token, core.CmdListTransfers), core.TransferFilter{Role: core.TransferRoleLosing})
	if len(page.Transfers) != 0 {
		t.Fatalf("list losing: %+v", page)
	}
	page, _ = h.svc.ListTransfers(h.ctx, h.actor(loser.Token, core.CmdListTransfers), core.TransferFilter{Status: core.TransferPending})
	if len(page.Transfers) != 1 {
		t.Fatalf("list loser pending: %+v", page)
	}
	raw, _ := json.Marshal(h.audit(""))
	if strings.Contains(string(raw), testAuthCode) {
		t.Fatal("the auth code is in an audit row")
	}
}

func TestTransferInsideAutoRenewGraceRefundsTheLoser(t *testing.T) {
	h, loser, gainer := transferWorlds(t, 0)
	name := h.transferable(loser, "gina")
	exp := h.info(loser, name).ExpiresAt
	h.advance(exp.Sub(h.now()))
	if got := h.maintain(); got[core.ChangeAutoRenew] != 1 {
		t.Fatalf("auto-renew: %v", got)
	}
	h.setAuthCode(loser, name, testAuthCode)
	_, err := h.requestTransfer(gainer, name, testAuthCode, 1)
	wantCode(t, err, "")
	out, err := h.transferAction(loser, core.CmdApproveTransfer, name)
	wantCode(t, err, "")
	if out.RefundedGems != 80 || !out.Transfer.ExpiresAt.Equal(core.AddYears(exp, 1)) {
		t.Fatalf("refunded %d, expiry %s (old %s)", out.RefundedGems, out.Transfer.ExpiresAt, exp)
	}
	h.checkMoney(loser)
	h.checkMoney(gainer)
	if h.balance(loser.Partner.ID) != 10_000-100 {
		t.Fatalf("losing balance %d", h.balance(loser.Partner.ID))
	}
	var reasons []string
	for _, e := range h.ledger(loser.Partner.ID) {
		reasons = append(reasons, e.Reason)
	}
	if !slices.Contains(reasons, "refund_auto_renew") {
		t.Fatalf("ledger reasons %v", reasons)
	}
}

func TestDeleteInsideTransferGraceRefundsTheTransfer(t *testing.T) {
	h, loser, gainer := transferWorlds(t, 0)
	name := h.transferable(loser, "hank")
	_, err := h.requestTransfer(gainer, name, testAuthCode, 1)
	wantCode(t, err, "")
	_, err = h.transferAction(loser, core.CmdApproveTransfer, name)
	wantCode(t, err, "")
	out, err := h.svc.DeleteDomain(h.ctx, h.actor(gainer.Token, core.CmdDeleteDomain), core.DeleteDomain{
		Mutation: core.Mutation{IdempotencyKey: h.unique("d")}, Domain: name})
	wantCode(t, err, "")
	if out.RefundedGems != 80 {
		t.Fatalf("refunded %d", out.RefundedGems)
	}
	h.checkMoney(gainer)
	if h.balance(gainer.Partner.ID) != 10_000 {
		t.Fatalf("gaining balance %d", h.balance(gainer.Partner.ID))
	}
	last := h.ledger(gainer.Partner.ID)
	if r := last[len(last)-1].Reason; r != "refund_transfer" {
		t.Fatalf("reason %s", r)
	}
}

func TestOperatorSettlesTransfers(t *testing.T) {
	h, loser, gainer := transferWorlds(t, 0)
	a := h.transferable(loser, "ivan")
	b := "jane." + loser.Namespace.Name
	h.create(loser, "jane")
	h.setAuthCode(loser, b, testAuthCode)
	h.advance(61 * time.Second)
	for _, n := range []string{a, b} {
		_, err := h.requestTransfer(gainer, n, testAuthCode, 1)
		wantCode(t, err, "")
	}
	v, err := h.svc.OperatorTransfer(h.ctx, a, true)
	if err != nil || v.Status != core.TransferServerApproved {
		t.Fatalf("operator approve: %+v %v", v, err)
	}
	_, err = h.svc.OperatorTransfer(h.ctx, a, false)
	wantCode(t, err, core.CodeTransferNotPending)
	// The intent of b, failed by an operator, rejects it.
	items, err := h.svc.ListPending(h.ctx, core.PendingFilter{Domain: b, Command: string(core.CmdRequestTransfer)})
	if err != nil || len(items) != 1 {
		t.Fatalf("intent of %s: %+v %v", b, items, err)
	}
	if _, err := h.svc.FailPending(h.ctx, items[0].ID, "registrant objected"); err != nil {
		t.Fatal(err)
	}
	q, err := h.svc.QueryTransfer(h.ctx, h.actor(gainer.Token, core.CmdQueryTransfer), b)
	if err != nil || q.Status != core.TransferServerCancelled {
		t.Fatalf("after fail: %+v %v", q, err)
	}
	h.checkMoney(loser)
	h.checkMoney(gainer)
	if h.balance(gainer.Partner.ID) != 10_000-80 {
		t.Fatalf("gaining balance %d", h.balance(gainer.Partner.ID))
	}
	// The worker never acts on an intent.
	_, err = h.requestTransfer(gainer, b, testAuthCode, 1)
	wantCode(t, err, "")
	res, err := h.svc.ApplyBatch(h.ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Command == string(core.CmdRequestTransfer) && r.Outcome != registry.ApplyOutcomeLeft {
			t.Fatalf("the worker acted on an intent: %+v", r)
		}
	}
	q, _ = h.svc.QueryTransfer(h.ctx, h.actor(gainer.Token, core.CmdQueryTransfer), b)
	if q.Status != core.TransferPending {
		t.Fatalf("after the worker: %+v", q)
	}
}

// TestTransferPendingAcrossTheExpiry: a registration that expires (its
// sponsor cannot pay the auto-renewal) while a transfer is pending is
// approved at the transfer's deadline, active again with the transfer's
// year and its delegation restored.
func TestTransferPendingAcrossTheExpiry(t *testing.T) {
	h := newHarness(t)
	h.svc = registry.NewService(h.store, memory.NewRateCounter(), dns.NewDefaultBackends(), h.clock, core.NewIDs(), registry.Options{Passwords: cheapHasher})
	loser := h.registrar(worldSpec{Gems: 100, Namespace: namespaceSpec{Policy: transferPolicy()}})
	gainer := h.sameNamespace(loser, 0)
	name := h.transferable(loser, "ivy")
	exp := h.info(loser, name).ExpiresAt
	h.advance(exp.Sub(h.now()) - 10*time.Second)
	h.setAuthCode(loser, name, testAuthCode)
	_, err := h.requestTransfer(gainer, name, testAuthCode, 1)
	wantCode(t, err, "")
	h.advance(10 * time.Second)
	if got := h.maintain(); got[core.ChangeExpire] != 1 {
		t.Fatalf("expiry: %v", got)
	}
	if v := h.info(loser, name); v.State != core.StateExpired || !slices.Contains(v.Statuses, core.StatusPendingTransfer) {
		t.Fatalf("expired: %+v", v)
	}
	h.advance(20 * time.Second) // the transfer's deadline (30 s after the request)
	if got := h.maintain(); got[core.ChangeApproveTransfer] != 1 {
		t.Fatalf("deadline: %v", got)
	}
	v := h.info(gainer, name)
	if v.State != core.StateActive || !v.ExpiresAt.Equal(core.AddYears(exp, 1)) || v.ChannelID != gainer.Channel.ID {
		t.Fatalf("after approval: %+v", v)
	}
	pend, _ := h.svc.BackendPending(h.ctx, h.actor(gainer.Token, core.CmdBackendPending), core.PendingFilter{Domain: name})
	var restore bool
	for _, p := range pend {
		if p.Payload["action"] == "restore" {
			restore = true
		}
	}
	if !restore {
		t.Fatalf("no restore work for the gaining channel: %+v", pend)
	}
	h.checkMoney(loser)
	h.checkMoney(gainer)
}

// countingHasher counts verifications of the cheap hasher.
type countingHasher struct {
	verifies atomic.Int64
}

func (c *countingHasher) Hash(pw string) (string, error) { return cheapHasher.Hash(pw) }

func (c *countingHasher) Verify(hash, pw string) (bool, error) {
	c.verifies.Add(1)
	return cheapHasher.Verify(hash, pw)
}

// TestEveryAuthCodeAnswerVerifiesOnce: a wrong, an unset and an expired
// code each cost exactly one hash verification (against a dummy hash when
// no code is set), so that the three cannot be told apart by timing, and
// answer the same refusal.
func TestEveryAuthCodeAnswerVerifiesOnce(t *testing.T) {
	h := newHarness(t)
	hasher := &countingHasher{}
	h.svc = registry.NewService(h.store, memory.NewRateCounter(), dns.NewDefaultBackends(), h.clock, core.NewIDs(), registry.Options{Passwords: hasher})
	loser := h.registrar(worldSpec{Namespace: namespaceSpec{Policy: transferPolicy()}})
	gainer := h.sameNamespace(loser, 0)
	wrong := h.transferable(loser, "wrong")
	h.create(loser, "unset")
	unset := "unset." + loser.Namespace.Name
	expired := h.transferable(loser, "expired")
	h.advance(3601 * time.Second)
	h.setAuthCode(loser, wrong, testAuthCode)

	var details []string
	for _, c := range []struct{ name, code string }{{wrong, "Wrong#Code-2026-xyz"}, {unset, testAuthCode}, {expired, testAuthCode}} {
		before := hasher.verifies.Load()
		_, err := h.requestTransfer(gainer, c.name, c.code, 1)
		wantCode(t, err, core.CodeInvalidAuthCode)
		if n := hasher.verifies.Load() - before; n != 1 {
			t.Fatalf("%s: %d verifications, want 1", c.name, n)
		}
		details = append(details, err.Error())
	}
	if details[0] != details[1] || details[1] != details[2] {
		t.Fatalf("the refusals differ: %q", details)
	}
}
