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

	// A credit after a debit: the group's total fits, but on the way the
	// balance dips lower than where it ends. 100 → the group takes 80 and
	// gives back 50; 10 taken outside leaves room for the dip (entries 10,
	// 60); 40 taken outside would take the first entry below zero.
	for _, c := range []struct {
		outside int64
		want    string
	}{{-10, "map[-80:10 -10:90 50:60]"}, {-40, "map[-40:60]"}} {
		if _, err := db.bun.NewDelete().Model((*ledgerRow)(nil)).Where("partner_id = ?", "par_1").Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		setBalance(100)
		errs = store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
			post(entry(-80)), outside(c.outside), post(entry(50)),
		})
		if fits := c.outside == -10; fits != (errs[0] == nil) || (!fits && !errors.Is(errs[0], ports.ErrGroupConflict)) {
			t.Fatalf("group with a dip, %d taken outside: %v", -c.outside, errs)
		}
		if got := fmt.Sprint(balances()); got != c.want {
			t.Errorf("ledger (amount:balance) after the group with a dip, %d taken outside: %s, want %s", -c.outside, got, c.want)
		}
	}
}

// TestLoneCommandSendsItsHeldWritesWithItsDebitOnPostgres: a group of one
// command holds its audit row and idempotency result and sends them in the
// round trip of its debit (or before the commit when it debits nothing).
// Text that looks like a placeholder (a "?" in a key or a summary) is
// written as it is; a refused debit leaves nothing of the command.
func TestLoneCommandSendsItsHeldWritesWithItsDebitOnPostgres(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store) // partner par_1 holds 100 Gems
	command := func(key string, amount int64) func(ctx context.Context, tx ports.Stores) error {
		return func(ctx context.Context, tx ports.Stores) error {
			rec := testRecord(chn, key)
			rec.AuditID = "aud_" + key
			if existing, err := tx.Idempotency().Reserve(ctx, rec); err != nil || existing != nil {
				return fmt.Errorf("reserve: %v %v", existing, err)
			}
			if err := tx.Audit().Append(ctx, core.AuditEvent{ID: rec.AuditID, ChannelID: chn, ChannelSlug: "acme", Actor: "registrar",
				Command: "create_domain", Domain: "a.wallet", IdempotencyKey: key, Status: core.AuditSuccess, HTTPStatus: 201,
				RequestSummary: map[string]any{"note": "why? $1 ?"}, ResponseSummary: map[string]any{}, CreatedAt: testNow}); err != nil {
				return err
			}
			rec.Result = []byte(`{"q":"?"}`)
			if err := tx.Idempotency().Complete(ctx, rec); err != nil {
				return err
			}
			if amount == 0 {
				return nil
			}
			_, err := tx.Ledger().Post(ctx, core.LedgerEntry{ID: "led_" + key, PartnerID: "par_1", ChannelID: chn,
				AuditID: rec.AuditID, Command: "create_domain", Amount: amount, Reason: "create", Actor: "registrar", CreatedAt: testNow})
			return err
		}
	}
	stored := func(key string) (audit, result, ledger int) {
		t.Helper()
		return countWhere(t, db, "SELECT count(*) FROM audit_events WHERE idempotency_key = ? AND request_summary->>'note' = 'why? $1 ?'", key),
			countWhere(t, db, "SELECT count(*) FROM idempotency_records WHERE idempotency_key = ? AND result = ?::bytea", key, []byte(`{"q":"?"}`)),
			countWhere(t, db, "SELECT count(*) FROM ledger_entries WHERE id = ?", "led_"+key)
	}

	for _, c := range []struct {
		key    string
		amount int64
		want   [3]int
		refuse bool
	}{
		{"debit?1", -30, [3]int{1, 1, 1}, false},
		{"free?2", 0, [3]int{1, 1, 0}, false},
		{"too-much?3", -500, [3]int{0, 0, 0}, true},
	} {
		errs := store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{command(c.key, c.amount)})
		if got := errors.Is(errs[0], ports.ErrInsufficient); got != c.refuse || (!c.refuse && errs[0] != nil) {
			t.Fatalf("%s: %v", c.key, errs[0])
		}
		if a, r, l := stored(c.key); [3]int{a, r, l} != c.want {
			t.Errorf("%s: audit, result, ledger rows %d %d %d, want %v", c.key, a, r, l, c.want)
		}
	}
	var p partnerRow
	if err := db.bun.NewSelect().Model(&p).Where("id = ?", "par_1").Scan(t.Context()); err != nil {
		t.Fatal(err)
	}
	if p.GemsBalance != 70 {
		t.Errorf("balance %d, want 70", p.GemsBalance)
	}
}

// countWhere runs a count query written with bun's ? placeholders.
func countWhere(t *testing.T, db *DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.bun.NewRaw(q, args...).Scan(t.Context(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestGroupRunsAgainOnlyWhatARefusalRolledBack: a group whose commands all
// succeed runs each once, in one transaction without savepoints. When one
// is refused, that run keeps nothing; the refused command answers its own
// error without running again, and the others run again (in savepoints)
// and commit. Both databases.
func TestGroupRunsAgainOnlyWhatARefusalRolledBack(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		store := NewStore(open(t))
		errRefused := errors.New("refused")
		var runs [3]int
		insert := func(i int, id string, fail error) func(ctx context.Context, tx ports.Stores) error {
			return func(ctx context.Context, tx ports.Stores) error {
				runs[i]++
				if err := tx.Partners().Insert(ctx, testPartner(id)); err != nil {
					return err
				}
				return fail
			}
		}
		exists := func(id string) bool {
			t.Helper()
			err := store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
				_, err := tx.Partners().Get(ctx, id)
				return err
			})
			if err != nil && !errors.Is(err, ports.ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil
		}

		errs := store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
			insert(0, "par_g1", nil), insert(1, "par_g2", nil), insert(2, "par_g3", nil),
		})
		if errs[0] != nil || errs[1] != nil || errs[2] != nil || runs != [3]int{1, 1, 1} {
			t.Fatalf("group without a refusal: errors %v, runs %v; want none and one run each", errs, runs)
		}

		runs = [3]int{}
		errs = store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
			insert(0, "par_r1", nil), insert(1, "par_r2", errRefused), insert(2, "par_r3", nil),
		})
		if errs[0] != nil || !errors.Is(errs[1], errRefused) || errs[2] != nil {
			t.Fatalf("group with a refusal: errors %v; want nil, the refusal, nil", errs)
		}
		if runs != [3]int{2, 1, 1} {
			t.Errorf("group with a refusal: runs %v; want the command before it run again, the refused one and the one after it once", runs)
		}
		for id, want := range map[string]bool{"par_r1": true, "par_r2": false, "par_r3": true} {
			if got := exists(id); got != want {
				t.Errorf("after the group with a refusal: %s exists = %v, want %v", id, got, want)
			}
		}
	})
}
