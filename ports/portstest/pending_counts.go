package portstest

import (
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// PendingCounter checks ports.PendingCounter on a store that also is the
// unit of work: counts per command and status, over every channel, sorted
// by command then status. newStore must answer an empty store.
func PendingCounter(t *testing.T, newStore func(t *testing.T) (ports.UnitOfWork, ports.PendingCounter)) {
	u, pc := newStore(t)
	counts, err := pc.PendingCounts(t.Context())
	if err != nil {
		t.Fatalf("PendingCounts on an empty store: %v", err)
	}
	assertEqual(t, "pending counts of an empty store", []ports.PendingCount{}, counts)

	w, d1, ev := pendingWorld(t, u)
	wb := w
	wb.Channel = w.secondChannel(t, u)
	db := wb.newBareDomain(wb.newName())
	insertDomains(t, u, db)
	ns, del := string(core.CmdUpdateNameservers), string(core.CmdDeleteDomain)
	p1 := w.newPending(ev.ID, ns, d1, at(0))
	p2 := w.newPending(ev.ID, ns, d1, at(time.Second))
	p3 := w.newPending(ev.ID, ns, d1, at(2*time.Second))
	p3.Status = core.PendingApplied
	p4 := w.newPending(ev.ID, del, d1, at(3*time.Second))
	p4.Status, p4.Reason = core.PendingFailed, "refused"
	p5 := wb.newPending(ev.ID, ns, db, at(4*time.Second))
	insertPending(t, u, p1, p2, p3, p4, p5)

	counts, err = pc.PendingCounts(t.Context())
	if err != nil {
		t.Fatalf("PendingCounts: %v", err)
	}
	assertEqual(t, "pending counts", []ports.PendingCount{
		{Command: del, Status: core.PendingFailed, Count: 1},
		{Command: ns, Status: core.PendingApplied, Count: 1},
		{Command: ns, Status: core.PendingQueued, Count: 3},
	}, counts)
}
