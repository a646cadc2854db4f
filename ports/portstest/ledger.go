package portstest

import (
	"context"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func testLedger(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	other := seed(t, u)
	ev1 := w.newAuditEvent(string(core.CmdCreateDomain), "a."+w.Namespace.Name, unique("k"), at(0))
	ev2 := w.newAuditEvent(string(core.CmdRenewDomain), "a."+w.Namespace.Name, unique("k"), at(time.Second))
	ev3 := other.newAuditEvent(string(core.CmdCreateDomain), "b."+other.Namespace.Name, unique("k"), at(0))
	appendEvents(t, u, ev1, ev2, ev3)

	e1 := w.newLedgerEntry(ev1.ID, -50, 9_950, at(0))
	e2 := w.newLedgerEntry(ev2.ID, -20, 9_930, at(time.Second))
	e3 := w.newLedgerEntry("", 70, 10_000, at(2*time.Second)) // an operator top-up with no audit link
	e3.ChannelID, e3.Command, e3.Domain = "", "patch_partner", ""
	foreign := other.newLedgerEntry(ev3.ID, -50, 9_950, at(0))
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		for _, e := range []core.LedgerEntry{e2, foreign, e1, e3} {
			if err := tx.Ledger().Append(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})

	list := func(partnerID string) getter[[]core.LedgerEntry] {
		return func(ctx context.Context, tx ports.Stores) ([]core.LedgerEntry, error) {
			return tx.Ledger().ListByPartner(ctx, partnerID)
		}
	}
	assertEqual(t, "ledger of the partner, oldest first", []core.LedgerEntry{e1, e2, e3}, read(t, u, list(w.Partner.ID)))
	assertEqual(t, "ledger of the other partner", []core.LedgerEntry{foreign}, read(t, u, list(other.Partner.ID)))
	if got := read(t, u, list(newID("par"))); len(got) != 0 {
		t.Errorf("ledger of an unknown partner: want no entries, got %d", len(got))
	}
	wantDoErr(t, u, "ledger append with an existing id", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		again := w.newLedgerEntry(ev1.ID, -1, 1, at(time.Hour))
		again.ID = e1.ID
		return tx.Ledger().Append(ctx, again)
	})
}
