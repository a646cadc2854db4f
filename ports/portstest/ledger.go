package portstest

import (
	"context"
	"errors"
	"fmt"
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

	testLedgerPost(t, u)
}

// testLedgerPost: Post moves the balance and writes the entry with the
// balance after it, or, when the balance would fall below zero, writes
// nothing and answers ErrInsufficient with the balance as it is.
func testLedgerPost(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u) // opening balance 10_000
	partner := func(ctx context.Context, tx ports.Stores) (core.Partner, error) {
		return tx.Partners().Get(ctx, w.Partner.ID)
	}
	entries := func(ctx context.Context, tx ports.Stores) ([]core.LedgerEntry, error) {
		return tx.Ledger().ListByPartner(ctx, w.Partner.ID)
	}

	debit := w.newLedgerEntry("", -2_500, 0, at(time.Minute))
	var posted core.LedgerEntry
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		var err error
		posted, err = tx.Ledger().Post(ctx, debit)
		return err
	})
	if posted.Balance != 7_500 {
		t.Errorf("Post of -2500 on 10000: answered balance %d, want 7500", posted.Balance)
	}
	p := read(t, u, partner)
	if p.GemsBalance != 7_500 || !p.UpdatedAt.Equal(debit.CreatedAt) {
		t.Errorf("after Post: partner balance %d updated %v, want 7500 at %v", p.GemsBalance, p.UpdatedAt, debit.CreatedAt)
	}
	want := debit
	want.Balance = 7_500
	assertEqual(t, "ledger after Post", []core.LedgerEntry{want}, read(t, u, entries))

	var refused core.LedgerEntry
	wantDoErr(t, u, "Post below zero", ports.ErrInsufficient, func(ctx context.Context, tx ports.Stores) error {
		var err error
		refused, err = tx.Ledger().Post(ctx, w.newLedgerEntry("", -7_501, 0, at(2*time.Minute)))
		return err
	})
	if refused.Balance != 7_500 {
		t.Errorf("refused Post: answered balance %d, want the balance as it is, 7500", refused.Balance)
	}
	if got := read(t, u, partner).GemsBalance; got != 7_500 {
		t.Errorf("refused Post changed the balance to %d", got)
	}
	if got := read(t, u, entries); len(got) != 1 {
		t.Errorf("refused Post wrote an entry: %d entries, want 1", len(got))
	}

	// A refused Post leaves the transaction usable: what follows commits.
	exact := w.newLedgerEntry("", -7_500, 0, at(3*time.Minute))
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		if _, err := tx.Ledger().Post(ctx, w.newLedgerEntry("", -7_501, 0, at(3*time.Minute))); !errors.Is(err, ports.ErrInsufficient) {
			return fmt.Errorf("Post below zero: %v, want ErrInsufficient", err)
		}
		_, err := tx.Ledger().Post(ctx, exact)
		return err
	})
	if got := read(t, u, partner).GemsBalance; got != 0 {
		t.Errorf("Post of the whole balance: balance %d, want 0", got)
	}

	wantDoErr(t, u, "Post for an unknown partner", ports.ErrNotFound, func(ctx context.Context, tx ports.Stores) error {
		e := w.newLedgerEntry("", 1, 0, at(time.Hour))
		e.PartnerID = newID("par")
		_, err := tx.Ledger().Post(ctx, e)
		return err
	})
}
