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

// testDoEach: every fn of a DoEach is all or nothing on its own. A refused
// fn leaves nothing, even after a statement of it failed in the database
// (a duplicate key aborts a PostgreSQL transaction unless rolled back to a
// savepoint), and the fns after it still run, see what the earlier ones
// wrote and commit.
func testDoEach(t *testing.T, u ports.UnitOfWork) {
	first, refused, dup, third := newPartner(), newPartner(), newPartner(), newPartner()
	errRefused := errors.New("refused by the rule")
	var sawFirst bool
	errs := u.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
		func(ctx context.Context, tx ports.Stores) error { return tx.Partners().Insert(ctx, first) },
		func(ctx context.Context, tx ports.Stores) error {
			if err := tx.Partners().Insert(ctx, refused); err != nil {
				return err
			}
			return errRefused
		},
		func(ctx context.Context, tx ports.Stores) error {
			if err := tx.Partners().Insert(ctx, dup); err != nil {
				return err
			}
			again := first
			return tx.Partners().Insert(ctx, again) // the first fn's id: a duplicate
		},
		func(ctx context.Context, tx ports.Stores) error {
			if _, err := tx.Partners().Get(ctx, first.ID); err == nil {
				sawFirst = true
			}
			return tx.Partners().Insert(ctx, third)
		},
	})
	if len(errs) != 4 {
		t.Fatalf("DoEach of 4 fns answered %d errors", len(errs))
	}
	if errs[0] != nil || errs[3] != nil {
		t.Errorf("DoEach: the fns that succeeded answered %v and %v", errs[0], errs[3])
	}
	if !errors.Is(errs[1], errRefused) {
		t.Errorf("DoEach: the refused fn answered %v, want its own error", errs[1])
	}
	if !errors.Is(errs[2], ports.ErrDuplicate) {
		t.Errorf("DoEach: the fn with a duplicate insert answered %v, want ErrDuplicate", errs[2])
	}
	if !sawFirst {
		t.Error("DoEach: a later fn did not see what an earlier one wrote")
	}
	exists := func(p core.Partner) bool { return partnerExists(t, u, p) }
	for _, c := range []struct {
		what string
		p    core.Partner
		want bool
	}{{"the first fn's partner", first, true}, {"the refused fn's partner", refused, false},
		{"the partner inserted before the duplicate", dup, false}, {"the last fn's partner", third, true}} {
		if got := exists(c.p); got != c.want {
			t.Errorf("after DoEach: %s exists = %v, want %v", c.what, got, c.want)
		}
	}

	testDoEachAnswersWhatCommitted(t, u)
	testDoEachMoney(t, u)

	// One fn is an ordinary transaction; none is nothing.
	lone := newPartner()
	if errs := u.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
		func(ctx context.Context, tx ports.Stores) error { return tx.Partners().Insert(ctx, lone) },
	}); len(errs) != 1 || errs[0] != nil {
		t.Errorf("DoEach of one fn: %v", errs)
	}
	if !exists(lone) {
		t.Error("DoEach of one fn did not commit")
	}
	if errs := u.DoEach(t.Context(), nil); len(errs) != 0 {
		t.Errorf("DoEach of no fn: %v", errs)
	}
}

// testDoEachMoney: balance moves, ledger entries, audit rows and
// idempotency results of a group are each command's own: a command rolled
// back takes its moves and rows with it, a later move is checked against
// the balance the earlier commands left, and the ledger chains.
func testDoEachMoney(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u) // 10_000 Gems
	errRule := errors.New("refused after its debit")
	ev := func(key string) core.AuditEvent {
		return w.newAuditEvent(string(core.CmdCreateDomain), "m."+w.Namespace.Name, key, at(0))
	}
	keys := []string{unique("k"), unique("k"), unique("k"), unique("k")}
	events := []core.AuditEvent{ev(keys[0]), ev(keys[1]), ev(keys[2]), ev(keys[3])}
	command := func(i int, amount core.Gems, fail error) func(ctx context.Context, tx ports.Stores) error {
		return func(ctx context.Context, tx ports.Stores) error {
			rec := core.IdempotencyRecord{ChannelID: w.Channel.ID, Key: keys[i], Command: string(core.CmdCreateDomain),
				Domain: "m." + w.Namespace.Name, Fingerprint: "fp", AuditID: events[i].ID, CreatedAt: at(0)}
			if existing, err := tx.Idempotency().Reserve(ctx, rec); err != nil || existing != nil {
				return fmt.Errorf("reserve: %v %v", existing, err)
			}
			if err := tx.Audit().Append(ctx, events[i]); err != nil {
				return err
			}
			rec.Result = []byte(`{"n":` + fmt.Sprint(i) + `}`)
			if err := tx.Idempotency().Complete(ctx, rec); err != nil {
				return err
			}
			if _, err := tx.Ledger().Post(ctx, w.newLedgerEntry(events[i].ID, amount, 0, at(time.Duration(i)*time.Second))); err != nil {
				return err
			}
			return fail
		}
	}
	errs := u.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
		command(0, -4_000, nil),     // 10_000 → 6_000
		command(1, -3_000, errRule), // debited, then refused: rolled back
		command(2, -7_000, nil),     // more than the 6_000 left: refused
		command(3, -6_000, nil),     // exactly what is left
	})
	if errs[0] != nil || errs[3] != nil || !errors.Is(errs[1], errRule) || !errors.Is(errs[2], ports.ErrInsufficient) {
		t.Fatalf("DoEach answered %v; want nil, the rule's error, ErrInsufficient, nil", errs)
	}
	p := read(t, u, func(ctx context.Context, tx ports.Stores) (core.Partner, error) {
		return tx.Partners().Get(ctx, w.Partner.ID)
	})
	if p.GemsBalance != 0 {
		t.Errorf("balance after the group: %d, want 0", p.GemsBalance)
	}
	entries := read(t, u, func(ctx context.Context, tx ports.Stores) ([]core.LedgerEntry, error) {
		return tx.Ledger().ListByPartner(ctx, w.Partner.ID)
	})
	var got [][2]core.Gems
	for _, e := range entries {
		got = append(got, [2]core.Gems{e.Amount, e.Balance})
	}
	assertEqual(t, "ledger (amount, balance) after the group", [][2]core.Gems{{-4_000, 6_000}, {-6_000, 0}}, got)
	for i, want := range []bool{true, false, false, true} {
		rec := read(t, u, func(ctx context.Context, tx ports.Stores) (core.IdempotencyRecord, error) {
			r, err := tx.Idempotency().Get(ctx, w.Channel.ID, keys[i])
			if errors.Is(err, ports.ErrNotFound) {
				return core.IdempotencyRecord{}, nil
			}
			return r, err
		})
		if has := len(rec.Result) > 0; has != want {
			t.Errorf("command %d: idempotency result stored = %v, want %v", i, has, want)
		}
		evs := read(t, u, func(ctx context.Context, tx ports.Stores) ([]core.AuditEvent, error) {
			return tx.Audit().Query(ctx, ports.AuditQuery{ChannelID: w.Channel.ID, IdempotencyKey: keys[i]})
		})
		if has := len(evs) == 1; has != want {
			t.Errorf("command %d: %d audit rows, want the row = %v", i, len(evs), want)
		}
	}
}

// testDoEachAnswersWhatCommitted: a refusal that rested on an earlier fn's
// write stands only if that write commits. The first fn inserts a partner
// the first time it runs and fails every later time (as a command whose
// balance another node moved meanwhile); the second refuses when that
// partner exists and else inserts one of its own. Whatever the adapter
// runs again, the answers agree with what committed.
func testDoEachAnswersWhatCommitted(t *testing.T, u ports.UnitOfWork) {
	t.Helper()
	// A group that refuses nothing first: an adapter that starts groups in
	// savepoints after a refusal (the suite's earlier ones) starts them
	// without savepoints again.
	nothing := func(context.Context, ports.Stores) error { return nil }
	for _, err := range u.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{nothing, nothing}) {
		if err != nil {
			t.Fatalf("DoEach of two fns that do nothing: %v", err)
		}
	}
	earlier, own := newPartner(), newPartner()
	errLater := errors.New("the first fn fails when it runs again")
	errSawEarlier := errors.New("refused: the earlier fn's partner exists")
	runs := 0
	errs := u.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
		func(ctx context.Context, tx ports.Stores) error {
			if runs++; runs > 1 {
				return errLater
			}
			return tx.Partners().Insert(ctx, earlier)
		},
		func(ctx context.Context, tx ports.Stores) error {
			if _, err := tx.Partners().Get(ctx, earlier.ID); err == nil {
				return errSawEarlier
			}
			return tx.Partners().Insert(ctx, own)
		},
	})
	exists := func(p core.Partner) bool { return partnerExists(t, u, p) }
	if (errs[0] == nil) != exists(earlier) {
		t.Errorf("DoEach: the first fn answered %v, its partner exists = %v", errs[0], exists(earlier))
	}
	switch {
	case errors.Is(errs[1], errSawEarlier) && !exists(earlier):
		t.Errorf("DoEach: the second fn was refused for a partner that never committed (first fn: %v)", errs[0])
	case errs[1] == nil && !exists(own):
		t.Error("DoEach: the second fn succeeded, its partner does not exist")
	case errs[1] != nil && !errors.Is(errs[1], errSawEarlier):
		t.Errorf("DoEach: the second fn answered %v", errs[1])
	}
}

// testDoEachUpdatesReadBack: in a group, a registration one command
// changed is read back as changed by every later command, whichever way it
// reads it (locked with a claim, by name, by id, in a list of names), and
// is stored so at the commit; a registration nothing reads back is stored
// too. When a later command is refused, the group's commands that stand
// keep their change exactly once.
func testDoEachUpdatesReadBack(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	a, b := w.newName(), w.newName()
	da, db := w.newDomain(a), w.newDomain(b)
	insertDomains(t, u, da, db)
	year := func(ctx context.Context, tx ports.Stores, name core.Name) (core.Domain, error) {
		return tx.Domains().UpdateByName(ctx, name, func(d *core.Domain) error {
			d.ExpiresAt = d.ExpiresAt.AddDate(1, 0, 0)
			d.UpdatedAt = d.UpdatedAt.Add(time.Second)
			return nil
		})
	}
	want := func(what string, got time.Time, years int) {
		t.Helper()
		if w := da.ExpiresAt.AddDate(years, 0, 0); !got.Equal(w) {
			t.Errorf("%s: expiry %s, want %s (%d years on)", what, got, w, years)
		}
	}
	renewRec := func(name core.Name) core.IdempotencyRecord {
		rec := w.newIdempotencyRecord(unique("key-"), at(0))
		rec.Command, rec.Domain, rec.Sandbox = string(core.CmdRenewDomain), name.String(), false
		return rec
	}
	// A group with nothing refused first: a store may run the groups after
	// a refusal (an earlier test's) another way until one refuses nothing.
	noop := func(context.Context, ports.Stores) error { return nil }
	for i, err := range u.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{noop, noop}) {
		if err != nil {
			t.Fatalf("no-op fn %d: %v", i, err)
		}
	}
	errs := u.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
		func(ctx context.Context, tx ports.Stores) error { _, err := year(ctx, tx, a); return err },
		func(ctx context.Context, tx ports.Stores) error { _, err := year(ctx, tx, b); return err },
		func(ctx context.Context, tx ports.Stores) error {
			if _, err := tx.Idempotency().ReserveLocking(ctx, renewRec(a), a); err != nil {
				return err
			}
			d, err := year(ctx, tx, a)
			want("the second renewal in the group, after its locked claim", d.ExpiresAt, 2)
			return err
		},
		func(ctx context.Context, tx ports.Stores) error {
			d, err := tx.Domains().GetByName(ctx, a)
			want("GetByName after two renewals in the group", d.ExpiresAt, 2)
			return err
		},
		func(ctx context.Context, tx ports.Stores) error {
			d, err := tx.Domains().Update(ctx, da.ID, func(d *core.Domain) error {
				d.ExpiresAt = d.ExpiresAt.AddDate(1, 0, 0)
				return nil
			})
			want("Update by id after two renewals in the group", d.ExpiresAt, 3)
			return err
		},
		func(ctx context.Context, tx ports.Stores) error {
			m, err := tx.Domains().GetByNames(ctx, []core.Name{a})
			want("GetByNames after three renewals in the group", m[a.String()].ExpiresAt, 3)
			return err
		},
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("fn %d: %v", i, err)
		}
	}
	stored := func(name core.Name) time.Time {
		return read(t, u, func(ctx context.Context, tx ports.Stores) (core.Domain, error) {
			return tx.Domains().GetByName(ctx, name)
		}).ExpiresAt
	}
	want("a after the group", stored(a), 3)
	if got, w := stored(b), db.ExpiresAt.AddDate(1, 0, 0); !got.Equal(w) {
		t.Errorf("b, changed and never read back in the group: expiry %s, want %s", got, w)
	}

	// A refused command after a renewal: the renewal is kept once.
	errRefused := errors.New("refused after the renewal")
	errs = u.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
		func(ctx context.Context, tx ports.Stores) error { _, err := year(ctx, tx, b); return err },
		func(ctx context.Context, tx ports.Stores) error { return errRefused },
	})
	if errs[0] != nil || !errors.Is(errs[1], errRefused) {
		t.Fatalf("DoEach: %v, want nil and the refusal", errs)
	}
	if got, w := stored(b), db.ExpiresAt.AddDate(2, 0, 0); !got.Equal(w) {
		t.Errorf("b after a group with a refusal: expiry %s, want %s (its renewal kept once)", got, w)
	}

	// Two registrations changed in different columns, neither read back.
	errs = u.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
		func(ctx context.Context, tx ports.Stores) error { _, err := year(ctx, tx, a); return err },
		func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Domains().Update(ctx, db.ID, func(d *core.Domain) error {
				d.ExpiresAt = d.ExpiresAt.AddDate(1, 0, 0)
				return nil
			})
			return err
		},
	})
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("DoEach: %v", errs)
	}
	want("a after a group changing a and b in different columns", stored(a), 4)
	if got, w := stored(b), db.ExpiresAt.AddDate(3, 0, 0); !got.Equal(w) {
		t.Errorf("b after a group changing a and b in different columns: expiry %s, want %s", got, w)
	}
}
