package portstest

import (
	"context"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func testOTERuns(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	e1 := w.newAuditEvent(string(core.CmdCreateDomain), "o."+w.Namespace.Name, unique("k"), at(0))
	e2 := w.newAuditEvent(string(core.CmdRenewDomain), "o."+w.Namespace.Name, unique("k"), at(time.Second))
	e3 := w.newAuditEvent(string(core.CmdDeleteDomain), "o."+w.Namespace.Name, unique("k"), at(2*time.Second))
	appendEvents(t, u, e1, e2, e3)
	empty := w.newOTERun()
	run := w.newOTERun(e2.ID, e1.ID)
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		return firstErr(
			func() error { return tx.OTERuns().Insert(ctx, empty) },
			func() error { return tx.OTERuns().Insert(ctx, run) },
		)
	})
	get := func(id string) getter[core.OTERun] {
		return func(ctx context.Context, tx ports.Stores) (core.OTERun, error) { return tx.OTERuns().Get(ctx, id) }
	}
	update := func(ctx context.Context, tx ports.Stores, fn func(*core.OTERun) error) (core.OTERun, error) {
		return tx.OTERuns().Update(ctx, run.ID, fn)
	}

	assertEqual(t, "OT&E run without evidence", empty, read(t, u, get(empty.ID)))
	assertEqual(t, "OT&E run with evidence in attach order", run, read(t, u, get(run.ID)))
	checkGetMissing(t, u, "OT&E run", get(newID("ote")))
	wantDoErr(t, u, "OT&E run insert with an existing id", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		again := w.newOTERun()
		again.ID = run.ID
		return tx.OTERuns().Insert(ctx, again)
	})

	run = checkUpdate(t, u, "OT&E run", run, get(run.ID), update, func(r *core.OTERun) {
		r.EventIDs = append(r.EventIDs, e3.ID)
		r.Name = "Renamed"
		r.UpdatedAt = at(time.Hour)
	})
	checkUpdateAborts(t, u, "OT&E run", run, get(run.ID), update, func(r *core.OTERun) {
		r.EventIDs[0] = "scrambled"
		r.EventIDs = r.EventIDs[:1]
	})
	checkUpdateMissing(t, u, "OT&E run", func(ctx context.Context, tx ports.Stores, fn func(*core.OTERun) error) (core.OTERun, error) {
		return tx.OTERuns().Update(ctx, newID("ote"), fn)
	})

	// LatestByChannel: the run created last.
	latest := func(channelID string) getter[core.OTERun] {
		return func(ctx context.Context, tx ports.Stores) (core.OTERun, error) {
			return tx.OTERuns().LatestByChannel(ctx, channelID)
		}
	}
	later := w.newOTERun(e3.ID)
	later.CreatedAt = at(time.Minute)
	do(t, u, func(ctx context.Context, tx ports.Stores) error { return tx.OTERuns().Insert(ctx, later) })
	assertEqual(t, "latest OT&E run of the channel", later, read(t, u, latest(w.Channel.ID)))
	checkGetMissing(t, u, "latest OT&E run of a channel without runs", latest(newID("chn")))
}
