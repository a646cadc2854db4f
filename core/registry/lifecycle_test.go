package registry_test

import (
	"slices"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
)

// shortPolicy is a namespace policy of seconds, as the time-driven tests use.
func shortPolicy(autoRenew bool) core.PolicyChange {
	return core.PolicyChange{Seconds: map[string]int64{
		"add_grace_period_seconds": 10, "renew_grace_period_seconds": 10, "auto_renew_grace_period_seconds": 20,
		"redemption_period_seconds": 30, "pending_delete_period_seconds": 40,
	}, AutoRenew: &autoRenew}
}

// maintain runs the maintenance loop until nothing is due and answers what it did.
func (h *harness) maintain() map[core.LifecycleChange]int {
	h.t.Helper()
	rep, err := h.svc.RunMaintenance(h.ctx, 1000)
	if err != nil || rep.More {
		h.t.Fatalf("RunMaintenance: %+v %v", rep, err)
	}
	return rep.Changes
}

func (h *harness) info(w world, name string) core.DomainView {
	h.t.Helper()
	v, err := h.svc.InfoDomain(h.ctx, h.actor(w.Token, core.CmdInfoDomain), name)
	if err != nil {
		h.t.Fatalf("info %s: %v", name, err)
	}
	return v
}

// checkMoney fails unless the partner's balance is the sum of its ledger
// (whose first entry is the operator's opening balance).
func (h *harness) checkMoney(w world) {
	const start = 0
	h.t.Helper()
	sum := core.Gems(0)
	for _, e := range h.ledger(w.Partner.ID) {
		sum += e.Amount
	}
	if got := h.balance(w.Partner.ID); got != start+sum {
		h.t.Fatalf("balance %d, want start %d + ledger %d", got, start, sum)
	}
}

func countChanges(events []core.AuditEvent, domain string) map[string]int {
	out := map[string]int{}
	for _, e := range events {
		if e.Actor == "registry" && e.Domain == domain {
			out[e.Command]++
		}
	}
	return out
}

func TestAutoRenewDebitsAndExpiresWhenThePartnerCannotPay(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{Gems: 180, Namespace: namespaceSpec{Policy: shortPolicy(true)}})
	name := "alice." + w.Namespace.Name
	h.create(w, "alice") // 100 of 180
	h.advance(time.Minute)
	if got := h.maintain(); got[core.ChangeEndGrace] != 1 {
		t.Fatalf("add grace end: %v", got)
	}
	exp := h.info(w, name).ExpiresAt
	h.advance(exp.Sub(h.now()))
	if got := h.maintain(); got[core.ChangeAutoRenew] != 1 {
		t.Fatalf("auto-renew: %v", got)
	}
	v := h.info(w, name)
	if !v.ExpiresAt.Equal(core.AddYears(exp, 1)) || !slices.Contains(v.Statuses, core.StatusAutoRenewPeriod) || h.balance(w.Partner.ID) != 0 {
		t.Fatalf("after auto-renew: %s %v balance %d", v.ExpiresAt, v.Statuses, h.balance(w.Partner.ID))
	}
	var reasons []string
	for _, e := range h.ledger(w.Partner.ID) {
		reasons = append(reasons, e.Reason)
	}
	if len(reasons) != 3 || reasons[0] != "operator_adjustment" || reasons[1] != "create" || reasons[2] != "auto_renew" {
		t.Fatalf("ledger reasons %v", reasons)
	}
	// A year later the partner has nothing left: the registration expires.
	exp = v.ExpiresAt
	h.advance(exp.Sub(h.now()))
	got := h.maintain()
	if got[core.ChangeExpire] != 1 {
		t.Fatalf("expiry: %v", got)
	}
	v = h.info(w, name)
	if v.State != core.StateExpired || slices.Contains(v.Statuses, core.StatusAutoRenewPeriod) {
		t.Fatalf("expired: %s %v", v.State, v.Statuses)
	}
	h.checkMoney(w)
	changes := countChanges(h.audit(w.Channel.ID), name)
	if changes["auto_renew_domain"] != 1 || changes["expire_domain"] != 1 {
		t.Fatalf("audited changes %v", changes)
	}
}

// TestLifecycleToPurge: expired, deleted by the registry after the
// auto-renew grace, redemption, pending delete, purge — each once, audited
// as the registry's and told to the sponsor's message queue — and then the
// name is available.
func TestLifecycleToPurge(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{Namespace: namespaceSpec{Policy: shortPolicy(false)}})
	name := "gone." + w.Namespace.Name
	h.create(w, "gone")
	h.create(w, "kept")
	a := h.actor(w.Token, core.CmdCheckDomain)
	exp := h.info(w, name).ExpiresAt
	steps := []struct {
		after time.Duration
		want  core.LifecycleChange
		state core.State
	}{
		{0, core.ChangeExpire, core.StateExpired},
		{20 * time.Second, core.ChangeDeleteExpired, core.StateRedemption},
		{30 * time.Second, core.ChangeEndRedemption, core.StatePendingDelete},
		{40 * time.Second, core.ChangePurge, core.StateCancelled},
	}
	h.advance(exp.Sub(h.now()))
	for _, st := range steps {
		h.advance(st.after - time.Second)
		if got := h.maintain(); got[st.want] != 0 {
			t.Fatalf("%s a second early", st.want)
		}
		h.advance(time.Second)
		got := h.maintain()
		if got[st.want] < 1 {
			t.Fatalf("%s not made: %v", st.want, got)
		}
		if st.state != core.StateCancelled {
			if v := h.info(w, name); v.State != st.state {
				t.Fatalf("after %s: %s", st.want, v.State)
			}
		}
	}
	_, err := h.svc.InfoDomain(h.ctx, h.actor(w.Token, core.CmdInfoDomain), name)
	wantCode(t, err, core.CodeDomainNotFound)
	res, err := h.svc.CheckDomains(h.ctx, a, core.CheckDomains{Names: []string{name}})
	if err != nil || len(res) != 1 || !res[0].Available {
		t.Fatalf("the purged name is not available: %+v %v", res, err)
	}
	changes := countChanges(h.audit(w.Channel.ID), name)
	for _, c := range []string{"expire_domain", "delete_expired_domain", "redemption_ended", "purge_domain"} {
		if changes[c] != 1 {
			t.Fatalf("%s audited %d times: %v", c, changes[c], changes)
		}
	}
	lifecycle := map[string]int{}
	for i := 0; i < 100; i++ {
		q, err := h.svc.PollMessages(h.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if q.Message == nil {
			break
		}
		if q.Message.Kind == core.MsgLifecycle && q.Message.Domain == name {
			lifecycle[q.Message.Payload["change"].(string)]++
		}
		if _, err := h.svc.AckMessage(h.ctx, a, q.Message.ID); err != nil {
			t.Fatal(err)
		}
	}
	if len(lifecycle) != 4 || lifecycle["purge_domain"] != 1 || lifecycle["expire_domain"] != 1 {
		t.Fatalf("lifecycle messages %v", lifecycle)
	}
}

func TestDeleteRefundsAndRestore(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{Namespace: namespaceSpec{Policy: shortPolicy(true)}})
	name := "bob." + w.Namespace.Name
	h.create(w, "bob")
	h.advance(time.Minute) // past add grace
	h.maintain()
	v := h.info(w, name)
	ra := h.actor(w.Token, core.CmdRenewDomain)
	if _, err := h.svc.RenewDomain(h.ctx, ra, core.RenewDomain{Mutation: core.Mutation{IdempotencyKey: "r1"}, Domain: name,
		Years: 2, CurrentExpiresAt: v.ExpiresAt}); err != nil {
		t.Fatal(err)
	}
	before := h.balance(w.Partner.ID)
	da := h.actor(w.Token, core.CmdDeleteDomain)
	out, err := h.svc.DeleteDomain(h.ctx, da, core.DeleteDomain{Mutation: core.Mutation{IdempotencyKey: "d1"}, Domain: name})
	if err != nil {
		t.Fatal(err)
	}
	if out.Freed || out.RefundedGems != 160 || h.balance(w.Partner.ID) != before+160 {
		t.Fatalf("delete in renew grace: %+v balance %d", out, h.balance(w.Partner.ID))
	}
	v2 := h.info(w, name)
	if v2.State != core.StateRedemption || !v2.ExpiresAt.Equal(v.ExpiresAt) {
		t.Fatalf("after delete: %s %s", v2.State, v2.ExpiresAt)
	}
	last := h.ledger(w.Partner.ID)
	if e := last[len(last)-1]; e.Reason != "refund_renew" || e.Amount != 160 {
		t.Fatalf("refund ledger entry %+v", e)
	}
	// Every registrar command but restore is refused in redemption.
	_, err = h.svc.RenewDomain(h.ctx, ra, core.RenewDomain{Mutation: core.Mutation{IdempotencyKey: "r2"}, Domain: name,
		Years: 1, CurrentExpiresAt: v.ExpiresAt})
	wantCode(t, err, core.CodeStatusProhibitsOperation)
	rs := h.actor(w.Token, core.CmdRestoreDomain)
	out, err = h.svc.RestoreDomain(h.ctx, rs, core.RestoreDomain{Mutation: core.Mutation{IdempotencyKey: "s1"}, Domain: name})
	if err != nil {
		t.Fatal(err)
	}
	if out.Domain.State != core.StateActive || out.DebitedGems != 80 {
		t.Fatalf("restore: %s debited %d", out.Domain.State, out.DebitedGems)
	}
	_, err = h.svc.RestoreDomain(h.ctx, rs, core.RestoreDomain{Mutation: core.Mutation{IdempotencyKey: "s2"}, Domain: name})
	wantCode(t, err, core.CodeStatusProhibitsOperation)
	h.checkMoney(w)
}

func TestRunMaintenanceLimit(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{Namespace: namespaceSpec{Policy: shortPolicy(false)}})
	for _, l := range []string{"a1", "a2", "a3"} {
		h.create(w, l)
	}
	h.advance(2 * 365 * 24 * time.Hour)
	rep, err := h.svc.RunMaintenance(h.ctx, 2)
	if err != nil || !rep.More || rep.Total() != 2 {
		t.Fatalf("limited pass: %+v %v", rep, err)
	}
	rep, err = h.svc.RunMaintenance(h.ctx, registry.DefaultMaintenanceBatch)
	if err != nil || rep.More {
		t.Fatalf("second pass: %+v %v", rep, err)
	}
}
