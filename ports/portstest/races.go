package portstest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// racers is how many goroutines each race starts.
const racers = 50

// race runs fn in racers goroutines released together and waits for all.
func race(fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

// testRaceIdempotentCreate runs one command, with one idempotency key, in
// racers transactions at once: reserve the key; if the claim is ours, insert
// the registration, debit the partner, audit and complete the record. Exactly
// one transaction may do the work; every other one must see the winner's
// committed record (or fail with ErrDuplicate or ErrBusy, never half-done).
func testRaceIdempotentCreate(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	name := w.newName()
	key := unique("race-")
	const price = 25

	type outcome struct {
		won   bool
		seen  *core.IdempotencyRecord
		audit string
		err   error
	}
	out := make([]outcome, racers)
	race(func(i int) {
		var o outcome
		o.err = u.Do(context.Background(), func(ctx context.Context, tx ports.Stores) error {
			o = outcome{}
			rec := w.newIdempotencyRecord(key, at(0))
			prior, err := tx.Idempotency().Reserve(ctx, rec)
			if err != nil {
				return err
			}
			if prior != nil {
				o.seen = prior
				return nil
			}
			ev := w.newAuditEvent(rec.Command, name.String(), key, at(0))
			rec.AuditID, rec.Result = ev.ID, []byte(ev.ID)
			err = firstErr(
				func() error { return tx.Domains().Insert(ctx, w.newDomain(name)) },
				func() error {
					_, err := tx.Partners().Update(ctx, w.Partner.ID, func(p *core.Partner) error {
						if p.GemsBalance < price {
							return errors.New("insufficient gems")
						}
						p.GemsBalance -= price
						return nil
					})
					return err
				},
				func() error { return tx.Audit().Append(ctx, ev) },
				func() error { return tx.Idempotency().Complete(ctx, rec) },
			)
			o.won, o.audit = err == nil, ev.ID
			return err
		})
		out[i] = o
	})

	var winner string
	for i, o := range out {
		switch {
		case o.err == nil && o.won:
			if winner != "" {
				t.Errorf("racer %d also ran the command (first winner audit %s)", i, winner)
			}
			winner = o.audit
		case o.err == nil && o.seen == nil:
			t.Errorf("racer %d: neither ran the command nor saw a record", i)
		case o.err != nil && !errors.Is(o.err, ports.ErrDuplicate) && !errors.Is(o.err, ports.ErrBusy):
			t.Errorf("racer %d: unexpected error %v", i, o.err)
		}
	}
	if winner == "" {
		t.Fatalf("no racer ran the command")
	}
	for i, o := range out {
		if o.err == nil && o.seen != nil && (o.seen.AuditID != winner || !bytes.Equal(o.seen.Result, []byte(winner))) {
			t.Errorf("racer %d saw record with audit %q and result %q, want the winner's %q", i, o.seen.AuditID, o.seen.Result, winner)
		}
	}

	if p := read(t, u, func(ctx context.Context, tx ports.Stores) (core.Partner, error) {
		return tx.Partners().Get(ctx, w.Partner.ID)
	}); p.GemsBalance != w.Partner.GemsBalance-price {
		t.Errorf("balance after the race: %d, want exactly one debit to %d", p.GemsBalance, w.Partner.GemsBalance-price)
	}
	if rec := read(t, u, idempotencyGet(w.Channel.ID, key)); rec.AuditID != winner {
		t.Errorf("committed record has audit %q, want the winner's %q", rec.AuditID, winner)
	}
	if events := queryAudit(t, u, ports.AuditQuery{ChannelID: w.Channel.ID, IdempotencyKey: key}); len(events) != 1 {
		t.Errorf("audit rows for the key: %d, want 1", len(events))
	}
	read(t, u, domainByName(name))
}

// testRaceDomainInsert inserts one name in racers transactions at once:
// exactly one succeeds, every other one gets ErrDuplicate.
func testRaceDomainInsert(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	name := w.newName()
	doms := make([]core.Domain, racers)
	errs := make([]error, racers)
	for i := range doms {
		doms[i] = w.newDomain(name)
	}
	race(func(i int) {
		errs[i] = u.Do(context.Background(), func(ctx context.Context, tx ports.Stores) error {
			return tx.Domains().Insert(ctx, doms[i])
		})
	})
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Errorf("racers %d and %d both inserted %s", won, i, name)
		case err == nil:
			won = i
		case !errors.Is(err, ports.ErrDuplicate):
			t.Errorf("racer %d: want ErrDuplicate, got %v", i, err)
		}
	}
	if won < 0 {
		t.Fatalf("no racer inserted %s", name)
	}
	assertEqual(t, "registration of the winner", doms[won], read(t, u, domainByName(name)))
}

// testRacePartnerIncrement runs racers closure Updates of one row at once:
// none may be lost.
func testRacePartnerIncrement(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	errs := make([]error, racers)
	race(func(i int) {
		errs[i] = u.Do(context.Background(), func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Partners().Update(ctx, w.Partner.ID, func(p *core.Partner) error {
				p.GemsBalance++
				return nil
			})
			return err
		})
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("racer %d: %v", i, err)
		}
	}
	if p := read(t, u, func(ctx context.Context, tx ports.Stores) (core.Partner, error) {
		return tx.Partners().Get(ctx, w.Partner.ID)
	}); p.GemsBalance != w.Partner.GemsBalance+racers {
		t.Errorf("balance after %d increments: %d, want %d", racers, p.GemsBalance, w.Partner.GemsBalance+racers)
	}
}

// testRacePendingClaim has workers claim and apply due items concurrently,
// as apply workers on several nodes would: every item is applied exactly once.
func testRacePendingClaim(t *testing.T, u ports.UnitOfWork) {
	w, d, ev := pendingWorld(t, u)
	b := pastBase()
	const items, workers, batch = 30, 6, 3
	want := map[string]bool{}
	var all []core.PendingItem
	for i := range items {
		p := w.newPending(ev.ID, string(core.CmdUpdateNameservers), d, b.Add(time.Duration(i-items)*time.Microsecond))
		want[p.ID] = true
		all = append(all, p)
	}
	insertPending(t, u, all...)

	var mu sync.Mutex
	applied := map[string]int{}
	work := func() error {
		// Every round applies at least one item, so a correct store ends
		// within items rounds; more means applied items are claimed again.
		for round := 0; ; round++ {
			if round > items {
				return errors.New("Claim keeps answering items after they were applied")
			}
			var got []string
			err := u.Do(context.Background(), func(ctx context.Context, tx ports.Stores) error {
				got = nil
				claimed, err := tx.Pending().Claim(ctx, b, batch)
				if err != nil {
					return err
				}
				for _, p := range claimed {
					if _, err := tx.Pending().Update(ctx, p.ID, func(p *core.PendingItem) error {
						p.Status, p.Attempts = core.PendingApplied, p.Attempts+1
						return nil
					}); err != nil {
						return err
					}
					got = append(got, p.ID)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if len(got) == 0 {
				return nil
			}
			mu.Lock()
			for _, id := range got {
				applied[id]++
			}
			mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for i := range workers {
		wg.Go(func() { errs[i] = work() })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("worker %d: %v", i, err)
		}
	}
	// Whatever the workers left (none should remain), a last pass finds.
	if err := work(); err != nil {
		t.Fatalf("final pass: %v", err)
	}
	for id := range want {
		if applied[id] != 1 {
			t.Errorf("item %s applied %d times, want exactly once", id, applied[id])
		}
		if p := read(t, u, pendingByID(id)); p.Status != core.PendingApplied || p.Attempts != 1 {
			t.Errorf("item %s: status %s after %d attempts, want applied after 1", id, p.Status, p.Attempts)
		}
	}
}

// testRaceDomainUpdateByName has racers each read a registration's expiry
// in UpdateByName's closure and write it back a year later, each in its own
// transaction, as concurrent renewals do. The closure must see the row as
// locked: a store that reads before it locks (or does not lock) loses
// updates, and the expiry ends fewer than racers years later.
func testRaceDomainUpdateByName(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	d := w.newBareDomain(w.newName())
	insertDomains(t, u, d)
	errs := make([]error, racers)
	race(func(i int) {
		errs[i] = u.Do(context.Background(), func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Domains().UpdateByName(ctx, d.Name, func(x *core.Domain) error {
				x.ExpiresAt = core.AddYears(x.ExpiresAt, 1)
				return nil
			})
			return err
		})
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("racer %d: %v", i, err)
		}
	}
	got := read(t, u, func(ctx context.Context, tx ports.Stores) (core.Domain, error) {
		return tx.Domains().GetByName(ctx, d.Name)
	})
	if want := core.AddYears(d.ExpiresAt, racers); !got.ExpiresAt.Equal(want) {
		t.Errorf("expiry after %d concurrent one-year updates: %s, want %s", racers, got.ExpiresAt, want)
	}
}
