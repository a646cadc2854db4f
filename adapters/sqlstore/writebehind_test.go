package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// TestGroupMovesTheBalanceAtItsEndOnPostgres: a group transaction reads a
// partner's balance without locking it and moves it at its end. Another
// transaction that debits the partner meanwhile is not blocked by the
// group; the group's entries then chain after that debit when it still
// fits, and when it no longer does the whole group fails with
// ErrGroupConflict and keeps nothing.
func TestGroupMovesTheBalanceAtItsEndOnPostgres(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store) // partner par_1
	setBalance := func(n int64) {
		t.Helper()
		if err := store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Partners().Update(ctx, "par_1", func(p *core.Partner) error { p.GemsBalance = n; return nil })
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	seq := 0
	entry := func(amount int64) core.LedgerEntry {
		seq++
		return core.LedgerEntry{ID: fmt.Sprintf("led_wb_%d", seq), PartnerID: "par_1", ChannelID: chn, Command: "create_domain",
			Amount: amount, Reason: "create", Actor: "registrar", CreatedAt: testNow.Add(time.Duration(seq) * time.Second)}
	}
	post := func(e core.LedgerEntry) func(ctx context.Context, tx ports.Stores) error {
		return func(ctx context.Context, tx ports.Stores) error { _, err := tx.Ledger().Post(ctx, e); return err }
	}
	// outside debits the partner in a transaction of its own while the
	// group is running: it must not wait for the group.
	outside := func(amount int64) func(ctx context.Context, tx ports.Stores) error {
		return func(ctx context.Context, _ ports.Stores) error {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			return store.Do(ctx, post(entry(amount)))
		}
	}
	// balances answers each entry's amount → balance after it.
	balances := func() map[int64]int64 {
		t.Helper()
		out := map[int64]int64{}
		if err := store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			es, err := tx.Ledger().ListByPartner(ctx, "par_1")
			for _, e := range es {
				out[e.Amount] = e.Balance
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}

	// Fits: 100 → the group reads 100 and takes 30 and 20; meanwhile 40 is
	// taken outside; at its end the group's entries chain after it: 60, 30, 10.
	setBalance(100)
	errs := store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
		post(entry(-30)), outside(-40), post(entry(-20)),
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("fitting group: command %d: %v", i, err)
		}
	}
	if got := fmt.Sprint(balances()); got != "map[-40:60 -30:30 -20:10]" {
		t.Errorf("ledger (amount:balance) after the fitting group: %s, want the outside debit first: -40:60, then -30:30, -20:10", got)
	}

	// No longer fits: 100 → the group takes 50 and 40; meanwhile 30 is
	// taken outside; 90 no longer fits in 70: nothing of the group is kept.
	if _, err := db.bun.NewDelete().Model((*ledgerRow)(nil)).Where("partner_id = ?", "par_1").Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	setBalance(100)
	errs = store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
		post(entry(-50)), outside(-30), post(entry(-40)),
	})
	if !errors.Is(errs[0], ports.ErrGroupConflict) || !errors.Is(errs[2], ports.ErrGroupConflict) {
		t.Fatalf("a group that no longer fits answered %v, want ErrGroupConflict for its commands", errs)
	}
	if got := fmt.Sprint(balances()); got != "map[-30:70]" {
		t.Errorf("ledger (amount:balance) after the conflicting group: %s, want only the outside debit -30:70", got)
	}
	var p partnerRow
	if err := db.bun.NewSelect().Model(&p).Where("id = ?", "par_1").Scan(t.Context()); err != nil {
		t.Fatal(err)
	}
	if p.GemsBalance != 70 {
		t.Errorf("balance after the conflicting group: %d, want 70", p.GemsBalance)
	}
}
