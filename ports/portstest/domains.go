package portstest

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// domainByID reads a registration by id, cancelled or not. The port has no
// such read, so it runs a no-op Update, which needs a read-write transaction.
func domainByID(t *testing.T, u ports.UnitOfWork, id string) core.Domain {
	t.Helper()
	var d core.Domain
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		var err error
		d, err = tx.Domains().Update(ctx, id, func(*core.Domain) error { return nil })
		return err
	})
	return d
}

func domainByName(name core.Name) getter[core.Domain] {
	return func(ctx context.Context, tx ports.Stores) (core.Domain, error) {
		return tx.Domains().GetByName(ctx, name)
	}
}

func domainUpdater(id string) updater[core.Domain] {
	return func(ctx context.Context, tx ports.Stores, fn func(*core.Domain) error) (core.Domain, error) {
		return tx.Domains().Update(ctx, id, fn)
	}
}

func insertDomains(t *testing.T, u ports.UnitOfWork, ds ...core.Domain) {
	t.Helper()
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		for _, d := range ds {
			if err := tx.Domains().Insert(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
}

func testDomains(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	full := w.newDomain(w.newName())
	bare := w.newBareDomain(w.newName())
	insertDomains(t, u, full, bare)

	assertEqual(t, "domain with every field", full, read(t, u, domainByName(full.Name)))
	assertEqual(t, "domain with empty optional fields", bare, read(t, u, domainByName(bare.Name)))
	checkGetMissing(t, u, "domain by name", domainByName(w.newName()))
	wantDoErr(t, u, "domain insert with an existing id", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		again := w.newDomain(w.newName())
		again.ID = full.ID
		return tx.Domains().Insert(ctx, again)
	})

	renewed := checkUpdate(t, u, "domain", full, domainByName(full.Name), domainUpdater(full.ID), func(d *core.Domain) {
		d.State = core.StatePendingDelete
		d.Statuses = []string{core.StatusClientUpdateProhibited}
		d.Registrant.Email = "new@example.org"
		d.Registrant.Metadata = map[string]string{"ref": "43"}
		d.NameserversDesired = []string{"ns9.example.org"}
		d.NameserversApplied = []string{"ns9.example.org"}
		d.ApplyStatus = core.ApplyApplied
		d.BackendReference = "ref-new"
		d.ProtectedLegacy = false
		d.ExpiresAt = at(2 * 365 * 24 * time.Hour)
		d.LastRenewedAt = ptr(at(time.Hour))
		d.DeletedAt = nil
		d.Claim = nil
		d.UpdatedAt = at(time.Hour)
	})
	checkUpdateAborts(t, u, "domain", renewed, domainByName(full.Name), domainUpdater(full.ID), func(d *core.Domain) {
		d.State = core.StateActive
		d.Statuses[0] = "scrambled"
		d.Statuses = append(d.Statuses, core.StatusClientHold)
		d.Registrant.Metadata["ref"] = "scrambled"
		d.Registrant.Metadata["extra"] = "scrambled"
		d.NameserversDesired[0] = "scrambled.example"
		*d.LastRenewedAt = at(-time.Hour)
		d.Claim = &core.ClaimAcknowledgement{NoticeID: "scrambled"}
	})
	checkUpdateMissing(t, u, "domain", domainUpdater(newID("dom")))

	// Update may also fill optional fields that were empty.
	checkUpdate(t, u, "bare domain", bare, domainByName(bare.Name), domainUpdater(bare.ID), func(d *core.Domain) {
		d.Statuses = []string{core.StatusClientHold}
		d.Registrant.Metadata = map[string]string{"k": "v"}
		d.DeletedAt = ptr(at(time.Minute))
		d.Claim = &core.ClaimAcknowledgement{NoticeID: "n-1", AcceptedAt: at(time.Second)}
	})
}

// testDomainNameUniqueness checks the partial uniqueness of names: one live
// (not cancelled) registration per name; cancelled rows never block.
func testDomainNameUniqueness(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	name := w.newName()
	first := w.newDomain(name)
	insertDomains(t, u, first)

	for _, st := range []core.State{core.StateActive, core.StateExpired, core.StateRedemption, core.StatePendingDelete} {
		do(t, u, func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Domains().Update(ctx, first.ID, func(d *core.Domain) error { d.State = st; return nil })
			return err
		})
		wantDoErr(t, u, "second live registration while the first is "+string(st), ports.ErrDuplicate,
			func(ctx context.Context, tx ports.Stores) error { return tx.Domains().Insert(ctx, w.newDomain(name)) })
	}

	// A cancelled registration frees the name.
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Domains().Update(ctx, first.ID, func(d *core.Domain) error { d.State = core.StateCancelled; return nil })
		return err
	})
	checkGetMissing(t, u, "domain by name after cancellation", domainByName(name))
	second := w.newDomain(name)
	insertDomains(t, u, second)
	assertEqual(t, "re-registered domain", second, read(t, u, domainByName(name)))

	// The cancelled row stays for history, reachable by id.
	if got := domainByID(t, u, first.ID); got.State != core.StateCancelled {
		t.Errorf("cancelled row: state %s, want cancelled", got.State)
	}
	// More cancelled rows of the name never conflict.
	cancelled := w.newDomain(name)
	cancelled.State = core.StateCancelled
	insertDomains(t, u, cancelled)
	assertEqual(t, "live registration after inserting a cancelled row", second, read(t, u, domainByName(name)))

	// Reviving a cancelled row while another row is live is refused, and the row stays cancelled.
	wantDoErr(t, u, "reviving a cancelled row while another is live", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Domains().Update(ctx, first.ID, func(d *core.Domain) error { d.State = core.StateActive; return nil })
		return err
	})
	if got := domainByID(t, u, first.ID); got.State != core.StateCancelled {
		t.Errorf("refused revival: state %s, want cancelled", got.State)
	}

	// Cancelling the second and re-registering a third time works again.
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Domains().Update(ctx, second.ID, func(d *core.Domain) error { d.State = core.StateCancelled; return nil })
		return err
	})
	third := w.newBareDomain(name)
	insertDomains(t, u, third)
	assertEqual(t, "third registration", third, read(t, u, domainByName(name)))
}

func testDomainGetByNames(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	live1, live2 := w.newDomain(w.newName()), w.newBareDomain(w.newName())
	gone := w.newDomain(w.newName())
	gone.State = core.StateCancelled
	insertDomains(t, u, live1, live2, gone)
	unknown := w.newName()

	got := read(t, u, func(ctx context.Context, tx ports.Stores) (map[string]core.Domain, error) {
		return tx.Domains().GetByNames(ctx, []core.Name{live1.Name, unknown, gone.Name, live2.Name})
	})
	want := map[string]core.Domain{live1.Name.String(): live1, live2.Name.String(): live2}
	if len(got) != len(want) {
		t.Errorf("GetByNames: want %d registrations, got %d", len(want), len(got))
	}
	for k, d := range got {
		if w, ok := want[k]; ok {
			assertEqual(t, "GetByNames["+k+"]", w, d)
		} else {
			t.Errorf("GetByNames: unexpected key %q", k)
		}
	}

	none := read(t, u, func(ctx context.Context, tx ports.Stores) (map[string]core.Domain, error) {
		return tx.Domains().GetByNames(ctx, nil)
	})
	if len(none) != 0 {
		t.Errorf("GetByNames(nil): want no registrations, got %d", len(none))
	}
}

// testDomainTakenNames: a name is taken while a registration of it is not
// cancelled, in whatever state; a cancelled one frees it, and a name asked
// twice is answered once.
func testDomainTakenNames(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	live1, live2 := w.newDomain(w.newName()), w.newBareDomain(w.newName())
	live2.State = core.StatePendingDelete
	gone := w.newDomain(w.newName())
	gone.State = core.StateCancelled
	insertDomains(t, u, live1, live2, gone)
	unknown := w.newName()

	got := read(t, u, func(ctx context.Context, tx ports.Stores) (map[string]bool, error) {
		return tx.Domains().TakenNames(ctx, []core.Name{live1.Name, unknown, gone.Name, live2.Name, live1.Name})
	})
	want := map[string]bool{live1.Name.String(): true, live2.Name.String(): true}
	if !maps.Equal(got, want) {
		t.Errorf("TakenNames: got %v, want %v", got, want)
	}

	// Cancelling the last live registration frees its name.
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Domains().Update(ctx, live1.ID, func(d *core.Domain) error { d.State = core.StateCancelled; return nil })
		return err
	})
	got = read(t, u, func(ctx context.Context, tx ports.Stores) (map[string]bool, error) {
		return tx.Domains().TakenNames(ctx, []core.Name{live1.Name, live2.Name})
	})
	if want := map[string]bool{live2.Name.String(): true}; !maps.Equal(got, want) {
		t.Errorf("TakenNames after cancelling %s: got %v, want %v", live1.Name, got, want)
	}

	none := read(t, u, func(ctx context.Context, tx ports.Stores) (map[string]bool, error) {
		return tx.Domains().TakenNames(ctx, nil)
	})
	if len(none) != 0 {
		t.Errorf("TakenNames(nil): want none, got %v", none)
	}
}

// testDomainClaimDue: the maintenance loop finds registrations whose next
// lifecycle deadline (core.Domain.NextDue) has come, earliest first, and
// nothing else. Deadlines sit at pastBase so rows of other runs never match.
func testDomainClaimDue(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	b := pastBase()
	mk := func(state core.State, deadline time.Time) core.Domain {
		d := w.newBareDomain(w.newName())
		d.State, d.Grace = state, []core.GracePeriod{}
		if state == core.StateActive {
			d.ExpiresAt = deadline
		} else {
			d.StateEndsAt = ptr(deadline)
		}
		return d
	}
	older := mk(core.StatePendingDelete, b.Add(-2*time.Hour))
	old := mk(core.StateActive, b.Add(-time.Hour))
	recent := mk(core.StateRedemption, b.Add(time.Hour))
	cancelled := mk(core.StateCancelled, b.Add(-3*time.Hour))
	fixture := mk(core.StateActive, b.Add(-3*time.Hour))
	fixture.OTESandbox = true
	insertDomains(t, u, old, recent, cancelled, fixture, older)

	var got []core.Domain
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		var err error
		got, err = tx.Domains().ClaimDue(ctx, b, 10)
		return err
	})
	if len(got) != 2 || got[0].ID != older.ID || got[1].ID != old.ID {
		t.Fatalf("ClaimDue = %v, want [%s %s]", domainIDs(got), older.ID, old.ID)
	}
	assertEqual(t, "claimed domain", older, got[0])
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		var err error
		got, err = tx.Domains().ClaimDue(ctx, b, 1)
		return err
	})
	if len(got) != 1 || got[0].ID != older.ID {
		t.Fatalf("ClaimDue with limit 1 = %v, want [%s]", domainIDs(got), older.ID)
	}
	// Once the row is moved on, it is no longer due.
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Domains().Update(ctx, older.ID, func(d *core.Domain) error {
			d.StateEndsAt = ptr(b.Add(2 * time.Hour))
			return nil
		})
		if err != nil {
			return err
		}
		got, err = tx.Domains().ClaimDue(ctx, b, 10)
		return err
	})
	if len(got) != 1 || got[0].ID != old.ID {
		t.Fatalf("ClaimDue after the update = %v, want [%s]", domainIDs(got), old.ID)
	}
}

// testDomainUpdateByName: UpdateByName finds the live registration of a
// name, never a cancelled one, and answers ErrNotFound for a free name.
func testDomainUpdateByName(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	name := w.newName()
	gone := w.newBareDomain(name)
	gone.State = core.StateCancelled
	live := w.newBareDomain(name)
	insertDomains(t, u, gone, live)
	var got core.Domain
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		var err error
		got, err = tx.Domains().UpdateByName(ctx, name, func(d *core.Domain) error {
			if d.ID != live.ID {
				t.Errorf("UpdateByName saw %s, want the live %s", d.ID, live.ID)
			}
			d.Statuses = []string{core.StatusClientHold}
			return nil
		})
		return err
	})
	if got.ID != live.ID || len(got.Statuses) != 1 {
		t.Fatalf("UpdateByName = %s %v", got.ID, got.Statuses)
	}
	err := u.Do(context.Background(), func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Domains().UpdateByName(ctx, w.newName(), func(*core.Domain) error { return nil })
		return err
	})
	if !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("UpdateByName of a free name: %v, want ErrNotFound", err)
	}
	err = u.Do(context.Background(), func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Domains().UpdateByName(ctx, name, func(*core.Domain) error { return errSentinel })
		return err
	})
	if !errors.Is(err, errSentinel) {
		t.Fatalf("UpdateByName passes fn's error on: got %v", err)
	}
}

func domainIDs(ds []core.Domain) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

// testDomainRegister: Register inserts like Insert (a live name is
// ErrDuplicate, with nothing written) and reports whether an earlier
// registration of the name still has backend work queued.
func testDomainRegister(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	register := func(d core.Domain) (bool, error) {
		var earlier bool
		err := u.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			var err error
			earlier, err = tx.Domains().Register(ctx, d)
			return err
		})
		return earlier, err
	}
	name := w.newName()
	first := w.newDomain(name)
	if earlier, err := register(first); err != nil || earlier {
		t.Fatalf("Register of a fresh name: earlier work %v, err %v; want false, nil", earlier, err)
	}
	if _, err := register(w.newDomain(name)); !errors.Is(err, ports.ErrDuplicate) {
		t.Errorf("Register of a live name: %v, want ErrDuplicate", err)
	}
	assertEqual(t, "the live registration after a refused Register", first, read(t, u, domainByName(name)))

	// The first registration is cancelled with its purge still queued.
	purge := w.newPending("", string(core.CmdDeleteDomain), first, at(time.Minute))
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		if _, err := tx.Domains().Update(ctx, first.ID, func(d *core.Domain) error { d.State = core.StateCancelled; return nil }); err != nil {
			return err
		}
		return tx.Pending().Insert(ctx, purge)
	})
	second := w.newDomain(name)
	if earlier, err := register(second); err != nil || !earlier {
		t.Fatalf("Register over a queued purge: earlier work %v, err %v; want true, nil", earlier, err)
	}

	// Once that work is done, a later registration of the name starts clean.
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		if _, err := tx.Pending().Update(ctx, purge.ID, func(p *core.PendingItem) error { p.Status = core.PendingApplied; return nil }); err != nil {
			return err
		}
		_, err := tx.Domains().Update(ctx, second.ID, func(d *core.Domain) error { d.State = core.StateCancelled; return nil })
		return err
	})
	if earlier, err := register(w.newDomain(name)); err != nil || earlier {
		t.Errorf("Register after the queued work was applied: earlier work %v, err %v; want false, nil", earlier, err)
	}
}
