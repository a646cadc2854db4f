package portstest

import (
	"context"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func testPartners(t *testing.T, u ports.UnitOfWork) {
	p := newPartner()
	do(t, u, func(ctx context.Context, tx ports.Stores) error { return tx.Partners().Insert(ctx, p) })

	get := func(id string) getter[core.Partner] {
		return func(ctx context.Context, tx ports.Stores) (core.Partner, error) { return tx.Partners().Get(ctx, id) }
	}
	update := func(ctx context.Context, tx ports.Stores, fn func(*core.Partner) error) (core.Partner, error) {
		return tx.Partners().Update(ctx, p.ID, fn)
	}
	assertEqual(t, "partner", p, read(t, u, get(p.ID)))
	checkGetMissing(t, u, "partner", get(newID("par")))
	wantDoErr(t, u, "partner insert with an existing id", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		again := newPartner()
		again.ID = p.ID
		return tx.Partners().Insert(ctx, again)
	})

	p = checkUpdate(t, u, "partner", p, get(p.ID), update, func(p *core.Partner) {
		p.Name = "Renamed " + p.Name
		p.GemsBalance -= 125
		p.DNSModuleEnabled = false
		p.UpdatedAt = at(time.Hour)
	})
	checkUpdateAborts(t, u, "partner", p, get(p.ID), update, func(p *core.Partner) {
		p.GemsBalance = 0
		p.Name = "scrambled"
	})
	checkUpdateMissing(t, u, "partner", func(ctx context.Context, tx ports.Stores, fn func(*core.Partner) error) (core.Partner, error) {
		return tx.Partners().Update(ctx, newID("par"), fn)
	})
}
