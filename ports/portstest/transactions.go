package portstest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// writes is one of everything, written by writeEverything.
type writes struct {
	partner   core.Partner
	channel   core.Channel
	key       core.APIKey
	namespace core.Namespace
	listing   core.Listing
	domain    core.Domain
	event     core.AuditEvent
	entry     core.LedgerEntry
	pending   core.PendingItem
	run       core.OTERun
	idem      core.IdempotencyRecord
}

// newWrites prepares rows for every repository, hanging on w.
func newWrites(w world) writes {
	var x writes
	x.partner = newPartner()
	x.channel = newChannel(x.partner.ID)
	x.key = newAPIKey(x.partner.ID, x.channel.ID)
	x.namespace = newNamespace()
	x.listing = newListing(w.Channel.ID, x.namespace.Name)
	x.domain = w.newDomain(w.newName())
	x.event = w.newAuditEvent(string(core.CmdCreateDomain), x.domain.Name.String(), unique("key-"), at(0))
	x.entry = w.newLedgerEntry(x.event.ID, -25, 9_975, at(0))
	x.pending = w.newPending(x.event.ID, string(core.CmdUpdateNameservers), x.domain, at(0))
	x.run = w.newOTERun(x.event.ID)
	x.idem = w.newIdempotencyRecord(x.event.IdempotencyKey, at(0))
	return x
}

// writeEverything writes x through every repository of tx, and debits w's partner.
func writeEverything(ctx context.Context, tx ports.Stores, w world, x writes) error {
	return firstErr(
		func() error { return tx.Partners().Insert(ctx, x.partner) },
		func() error { return tx.Channels().Insert(ctx, x.channel) },
		func() error { return tx.APIKeys().Insert(ctx, x.key) },
		func() error { return tx.Namespaces().Insert(ctx, x.namespace) },
		func() error { return tx.Listings().Insert(ctx, x.listing) },
		func() error { return tx.Domains().Insert(ctx, x.domain) },
		func() error { return tx.Audit().Append(ctx, x.event) },
		func() error { return tx.Ledger().Append(ctx, x.entry) },
		func() error { return tx.Pending().Insert(ctx, x.pending) },
		func() error { return tx.OTERuns().Insert(ctx, x.run) },
		func() error {
			prior, err := tx.Idempotency().Reserve(ctx, x.idem)
			if err == nil && prior != nil {
				err = errors.New("Reserve of a fresh key answered a record")
			}
			return err
		},
		func() error {
			_, err := tx.Partners().Update(ctx, w.Partner.ID, func(p *core.Partner) error { p.GemsBalance -= 25; return nil })
			return err
		},
		func() error {
			_, err := tx.Listings().Update(ctx, w.Channel.ID, w.Namespace.Name, func(l *core.Listing) error {
				l.Status = core.ListingPending
				return nil
			})
			return err
		},
	)
}

// checkEverything checks that every row of x is (or is not) stored.
func checkEverything(t *testing.T, u ports.UnitOfWork, w world, x writes, stored bool) {
	t.Helper()
	checks := map[string]func(ctx context.Context, tx ports.Stores) error{
		"partner": func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Partners().Get(ctx, x.partner.ID)
			return err
		},
		"channel": func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Channels().Get(ctx, x.channel.ID)
			return err
		},
		"api key": func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.APIKeys().Get(ctx, x.key.ID)
			return err
		},
		"namespace": func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Namespaces().Get(ctx, x.namespace.Name)
			return err
		},
		"listing": func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Listings().Get(ctx, x.listing.ChannelID, x.listing.Namespace)
			return err
		},
		"domain": func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Domains().GetByName(ctx, x.domain.Name)
			return err
		},
		"pending": func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Pending().Get(ctx, x.pending.ID)
			return err
		},
		"OT&E run": func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.OTERuns().Get(ctx, x.run.ID)
			return err
		},
		"idempotency record": func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Idempotency().Get(ctx, x.idem.ChannelID, x.idem.Key)
			return err
		},
		"audit event": func(ctx context.Context, tx ports.Stores) error {
			return countIs(tx.Audit().GetMany(ctx, []string{x.event.ID}))
		},
		"ledger entry": func(ctx context.Context, tx ports.Stores) error {
			return countIs(tx.Ledger().ListByPartner(ctx, w.Partner.ID))
		},
	}
	for what, check := range checks {
		var got error
		view(t, u, func(ctx context.Context, tx ports.Stores) error { got = check(ctx, tx); return nil })
		switch {
		case stored && got != nil:
			t.Errorf("%s: want it stored, got %v", what, got)
		case !stored && !errors.Is(got, ports.ErrNotFound):
			t.Errorf("%s: want nothing stored (ErrNotFound), got %v", what, got)
		}
	}
	wantBalance, wantListing := w.Partner.GemsBalance, w.Listing.Status
	if stored {
		wantBalance, wantListing = wantBalance-25, core.ListingPending
	}
	if p := read(t, u, func(ctx context.Context, tx ports.Stores) (core.Partner, error) {
		return tx.Partners().Get(ctx, w.Partner.ID)
	}); p.GemsBalance != wantBalance {
		t.Errorf("partner balance: want %d, got %d", wantBalance, p.GemsBalance)
	}
	if l := read(t, u, func(ctx context.Context, tx ports.Stores) (core.Listing, error) {
		return tx.Listings().Get(ctx, w.Channel.ID, w.Namespace.Name)
	}); l.Status != wantListing {
		t.Errorf("listing status: want %s, got %s", wantListing, l.Status)
	}
}

// countIs maps a list read to ErrNotFound when it is empty.
func countIs[T any](list []T, err error) error {
	if err == nil && len(list) == 0 {
		return ports.ErrNotFound
	}
	return err
}

func testReadYourWrites(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	x := newWrites(w)
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		if err := writeEverything(ctx, tx, w, x); err != nil {
			return err
		}
		p, err := tx.Partners().Get(ctx, w.Partner.ID)
		if err != nil {
			return err
		}
		if p.GemsBalance != w.Partner.GemsBalance-25 {
			t.Errorf("balance read in the transaction: want %d, got %d", w.Partner.GemsBalance-25, p.GemsBalance)
		}
		d, err := tx.Domains().GetByName(ctx, x.domain.Name)
		if err != nil {
			return err
		}
		assertEqual(t, "domain read in the transaction", x.domain, d)
		events, err := tx.Audit().GetMany(ctx, []string{x.event.ID})
		if err != nil {
			return err
		}
		assertEqual(t, "audit event read in the transaction", []core.AuditEvent{x.event}, events)
		return nil
	})
	checkEverything(t, u, w, x, true)
}

func testRollbackOnError(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	x := newWrites(w)
	err := u.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		if err := writeEverything(ctx, tx, w, x); err != nil {
			t.Errorf("writes before the failure: %v", err)
		}
		return errSentinel
	})
	if !errors.Is(err, errSentinel) {
		t.Fatalf("Do: want fn's error, got %v", err)
	}
	checkEverything(t, u, w, x, false)

	// The same rows can be written afterwards: nothing of the rollback lingers.
	do(t, u, func(ctx context.Context, tx ports.Stores) error { return writeEverything(ctx, tx, w, x) })
	checkEverything(t, u, w, x, true)
}

func testRollbackOnPanic(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	x := newWrites(w)
	type boom struct{ msg string }
	recovered, err := func() (recovered any, err error) {
		defer func() { recovered = recover() }()
		err = u.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			if err := writeEverything(ctx, tx, w, x); err != nil {
				t.Errorf("writes before the panic: %v", err)
			}
			panic(boom{"portstest"})
		})
		return nil, err
	}()
	switch {
	case recovered != nil && recovered != any(boom{"portstest"}):
		t.Errorf("Do re-panicked with %v, want the original value", recovered)
	case recovered == nil && err == nil:
		t.Errorf("Do swallowed a panic and reported success")
	}
	checkEverything(t, u, w, x, false)

	// The store stays usable: locks are released and the same rows can be written.
	do(t, u, func(ctx context.Context, tx ports.Stores) error { return writeEverything(ctx, tx, w, x) })
	checkEverything(t, u, w, x, true)
}

func testViewSeesCommitted(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	get := func(ctx context.Context, tx ports.Stores) (core.Partner, error) {
		return tx.Partners().Get(ctx, w.Partner.ID)
	}
	assertEqual(t, "partner committed by seed", w.Partner, read(t, u, get))

	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Partners().Update(ctx, w.Partner.ID, func(p *core.Partner) error { p.GemsBalance = 7; return nil })
		return err
	})
	if p := read(t, u, get); p.GemsBalance != 7 {
		t.Errorf("View after a committed Update: balance %d, want 7", p.GemsBalance)
	}

	// View returns fn's error.
	if err := u.View(t.Context(), func(context.Context, ports.Stores) error { return errSentinel }); !errors.Is(err, errSentinel) {
		t.Errorf("View: want fn's error, got %v", err)
	}

	// Views run side by side with each other and with writers.
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			if i%4 == 0 {
				errs <- u.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
					_, err := tx.Partners().Update(ctx, w.Partner.ID, func(p *core.Partner) error { p.GemsBalance++; return nil })
					return err
				})
				return
			}
			errs <- u.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
				p, err := get(ctx, tx)
				if err == nil && (p.GemsBalance < 7 || p.GemsBalance > 12) {
					err = errors.New("View saw a balance no transaction committed")
				}
				return err
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent View or Do: %v", err)
		}
	}
	if p := read(t, u, get); p.GemsBalance != 12 {
		t.Errorf("balance after 5 concurrent increments: %d, want 12", p.GemsBalance)
	}
}
