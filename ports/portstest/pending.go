package portstest

import (
	"context"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func pendingByID(id string) getter[core.PendingItem] {
	return func(ctx context.Context, tx ports.Stores) (core.PendingItem, error) { return tx.Pending().Get(ctx, id) }
}

func insertPending(t *testing.T, u ports.UnitOfWork, items ...core.PendingItem) {
	t.Helper()
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		for _, p := range items {
			if err := tx.Pending().Insert(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
}

func listPending(t *testing.T, u ports.UnitOfWork, f core.PendingFilter) []core.PendingItem {
	t.Helper()
	return read(t, u, func(ctx context.Context, tx ports.Stores) ([]core.PendingItem, error) {
		return tx.Pending().List(ctx, f)
	})
}

func claim(t *testing.T, u ports.UnitOfWork, now time.Time, limit int) []core.PendingItem {
	t.Helper()
	var items []core.PendingItem
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		var err error
		items, err = tx.Pending().Claim(ctx, now, limit)
		return err
	})
	return items
}

// pendingWorld is a world with one registration and one audit event for
// pending work to point at.
func pendingWorld(t *testing.T, u ports.UnitOfWork) (world, core.Domain, core.AuditEvent) {
	t.Helper()
	w := seed(t, u)
	d := w.newDomain(w.newName())
	insertDomains(t, u, d)
	ev := w.newAuditEvent(string(core.CmdUpdateNameservers), d.Name.String(), unique("k"), at(0))
	appendEvents(t, u, ev)
	return w, d, ev
}

func testPending(t *testing.T, u ports.UnitOfWork) {
	w, d, ev := pendingWorld(t, u)
	p := w.newPending(ev.ID, string(core.CmdUpdateNameservers), d, at(0))
	insertPending(t, u, p)
	update := func(ctx context.Context, tx ports.Stores, fn func(*core.PendingItem) error) (core.PendingItem, error) {
		return tx.Pending().Update(ctx, p.ID, fn)
	}

	assertEqual(t, "pending item", p, read(t, u, pendingByID(p.ID)))
	checkGetMissing(t, u, "pending item", pendingByID(newID("pnd")))
	wantDoErr(t, u, "pending insert with an existing id", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		again := w.newPending(ev.ID, string(core.CmdDeleteDomain), d, at(time.Hour))
		again.ID = p.ID
		return tx.Pending().Insert(ctx, again)
	})

	p = checkUpdate(t, u, "pending item", p, pendingByID(p.ID), update, func(p *core.PendingItem) {
		p.Status = core.PendingFailed
		p.Reason = "the server refused the update"
		p.Attempts = 3
		p.NextTryAt = at(time.Hour)
		p.UpdatedAt = at(time.Hour)
		p.Payload = map[string]any{"nameservers": []any{}, "error": "REFUSED"}
	})
	checkUpdateAborts(t, u, "pending item", p, pendingByID(p.ID), update, func(p *core.PendingItem) {
		p.Status = core.PendingApplied
		p.Payload["error"] = "scrambled"
		p.Payload["nameservers"] = []any{"x"}
		p.Attempts++
	})
	checkUpdateMissing(t, u, "pending item", func(ctx context.Context, tx ports.Stores, fn func(*core.PendingItem) error) (core.PendingItem, error) {
		return tx.Pending().Update(ctx, newID("pnd"), fn)
	})
}

func testPendingList(t *testing.T, u ports.UnitOfWork) {
	w, d1, ev := pendingWorld(t, u)
	d2 := w.newBareDomain(w.newName())
	wb := w
	wb.Channel = w.secondChannel(t, u)
	db := wb.newBareDomain(wb.newName())
	insertDomains(t, u, d2, db)
	ns, del := string(core.CmdUpdateNameservers), string(core.CmdDeleteDomain)

	p1 := w.newPending(ev.ID, ns, d1, at(0))
	p2 := w.newPending(ev.ID, del, d2, at(time.Second))
	p3 := w.newPending(ev.ID, ns, d2, at(2*time.Second))
	p3.Status = core.PendingApplied
	p4 := w.newPending(ev.ID, ns, d1, at(3*time.Second))
	p4.Status, p4.Reason = core.PendingFailed, "refused"
	p5 := w.newPending(ev.ID, ns, d1, at(4*time.Second))
	p6 := wb.newPending(ev.ID, ns, db, at(time.Second))
	insertPending(t, u, p5, p3, p1, p6, p4, p2) // insert order must not matter

	a := w.Channel.ID
	cases := []struct {
		name string
		f    core.PendingFilter
		want []core.PendingItem
	}{
		{"channel, pending by default", core.PendingFilter{ChannelID: a}, []core.PendingItem{p1, p2, p5}},
		{"status pending", core.PendingFilter{ChannelID: a, Status: core.PendingQueued}, []core.PendingItem{p1, p2, p5}},
		{"status applied", core.PendingFilter{ChannelID: a, Status: core.PendingApplied}, []core.PendingItem{p3}},
		{"status failed", core.PendingFilter{ChannelID: a, Status: core.PendingFailed}, []core.PendingItem{p4}},
		{"command", core.PendingFilter{ChannelID: a, Command: ns}, []core.PendingItem{p1, p5}},
		{"domain", core.PendingFilter{ChannelID: a, Domain: d1.Name.String()}, []core.PendingItem{p1, p5}},
		{"command and domain", core.PendingFilter{ChannelID: a, Command: del, Domain: d2.Name.String()}, []core.PendingItem{p2}},
		{"limit", core.PendingFilter{ChannelID: a, Limit: 2}, []core.PendingItem{p1, p2}},
		{"other channel", core.PendingFilter{ChannelID: wb.Channel.ID}, []core.PendingItem{p6}},
		{"every channel by domain", core.PendingFilter{Domain: db.Name.String()}, []core.PendingItem{p6}},
		{"another channel's domain", core.PendingFilter{ChannelID: a, Domain: db.Name.String()}, nil},
		{"unknown channel", core.PendingFilter{ChannelID: newID("chn")}, nil},
	}
	for _, c := range cases {
		assertEqual(t, "pending list "+c.name, c.want, listPending(t, u, c.f))
	}
}

// testPendingClaim checks that Claim answers only pending items that are due
// (NextTryAt <= now), oldest first, at most limit of them.
func testPendingClaim(t *testing.T, u ports.UnitOfWork) {
	w, d, ev := pendingWorld(t, u)
	b := pastBase()
	item := func(next time.Time, status string) core.PendingItem {
		p := w.newPending(ev.ID, string(core.CmdUpdateNameservers), d, next)
		p.Status = status
		return p
	}
	c1 := item(b.Add(-3*time.Microsecond), core.PendingQueued)
	c2 := item(b.Add(-2*time.Microsecond), core.PendingQueued)
	c3 := item(b.Add(-time.Microsecond), core.PendingFailed)
	c4 := item(b, core.PendingQueued)
	c5 := item(b.Add(time.Microsecond), core.PendingQueued)
	c6 := item(b.Add(-4*time.Microsecond), core.PendingApplied)
	insertPending(t, u, c5, c4, c3, c2, c1, c6)

	assertEqual(t, "claim of every due item", []core.PendingItem{c1, c2, c4}, claim(t, u, b, 10))
	assertEqual(t, "claim with a limit", []core.PendingItem{c1, c2}, claim(t, u, b, 2))
	assertEqual(t, "claim at an earlier now", []core.PendingItem{c1, c2}, claim(t, u, b.Add(-2*time.Microsecond), 10))
	assertEqual(t, "claim before anything is due", []core.PendingItem(nil), claim(t, u, b.Add(-4*time.Microsecond), 10))
	assertEqual(t, "claim after everything is due", []core.PendingItem{c1, c2, c4, c5}, claim(t, u, b.Add(time.Microsecond), 10))

	// A claimed item that the transaction applies is not claimed again.
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		items, err := tx.Pending().Claim(ctx, b, 1)
		if err != nil || len(items) != 1 {
			t.Fatalf("claim of one item: %d items, %v", len(items), err)
		}
		_, err = tx.Pending().Update(ctx, items[0].ID, func(p *core.PendingItem) error {
			p.Status = core.PendingApplied
			return nil
		})
		return err
	})
	assertEqual(t, "claim after applying the oldest", []core.PendingItem{c2, c4}, claim(t, u, b, 10))
}
