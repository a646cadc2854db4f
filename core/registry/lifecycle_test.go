package registry_test

import (
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

func TestPurgeCompletesPendingDeletes(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	h.create(w, "gone")
	h.create(w, "kept")
	name := "gone." + w.Namespace.Name
	h.advance(6 * 24 * time.Hour) // past add grace: delete goes to pending delete
	a := h.actor(w.Token, core.CmdDeleteDomain)
	if _, err := h.svc.DeleteDomain(h.ctx, a, core.DeleteDomain{Mutation: core.Mutation{IdempotencyKey: "d"}, Domain: name}); err != nil {
		t.Fatal(err)
	}
	h.advance(core.RedemptionPeriod + core.PendingDeletePeriod - time.Minute)
	if n, err := h.svc.PurgeDeleted(h.ctx, 100); err != nil || n != 0 {
		t.Fatalf("purge before the periods end: %d %v", n, err)
	}
	h.advance(time.Minute)
	n, err := h.svc.PurgeDeleted(h.ctx, 100)
	if err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if n, _ := h.svc.PurgeDeleted(h.ctx, 100); n != 0 {
		t.Fatalf("a second sweep purged %d again", n)
	}
	_, err = h.svc.InfoDomain(h.ctx, a, name)
	wantCode(t, err, core.CodeDomainNotFound)
	if _, err := h.svc.InfoDomain(h.ctx, a, "kept."+w.Namespace.Name); err != nil {
		t.Fatalf("an active registration was touched: %v", err)
	}
	res, err := h.svc.CheckDomains(h.ctx, a, core.CheckDomains{Names: []string{name}})
	if err != nil || len(res) != 1 || !res[0].Available {
		t.Fatalf("the purged name is not available: %+v %v", res, err)
	}
	// Drain the queue: exactly one lifecycle message names the purged domain.
	lifecycle := 0
	for i := 0; i < 100; i++ {
		q, err := h.svc.PollMessages(h.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if q.Message == nil {
			break
		}
		if q.Message.Kind == core.MsgLifecycle && q.Message.Domain == name {
			lifecycle++
		}
		if _, err := h.svc.AckMessage(h.ctx, a, q.Message.ID); err != nil {
			t.Fatal(err)
		}
	}
	if lifecycle != 1 {
		t.Fatalf("%d lifecycle messages for %s, want 1", lifecycle, name)
	}
	found := false
	for _, e := range h.audit(w.Channel.ID) {
		if e.Command == "purge_domain" && e.Actor == "registry" && e.Domain == name {
			found = true
		}
	}
	if !found {
		t.Fatal("the purge was not audited")
	}
	if n := len(h.registrarAudit(w.Channel.ID)); n == 0 {
		t.Fatal("registrar audit lost")
	}
}
