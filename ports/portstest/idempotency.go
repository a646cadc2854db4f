package portstest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func idempotencyGet(channelID, key string) getter[core.IdempotencyRecord] {
	return func(ctx context.Context, tx ports.Stores) (core.IdempotencyRecord, error) {
		return tx.Idempotency().Get(ctx, channelID, key)
	}
}

// reserve runs Reserve in its own transaction, committing it.
func reserve(t *testing.T, u ports.UnitOfWork, rec core.IdempotencyRecord) *core.IdempotencyRecord {
	t.Helper()
	var prior *core.IdempotencyRecord
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		var err error
		prior, err = tx.Idempotency().Reserve(ctx, rec)
		return err
	})
	return prior
}

func testIdempotencyReserveComplete(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	key := unique("key-")
	rec := w.newIdempotencyRecord(key, at(0))
	checkGetMissing(t, u, "idempotency record before Reserve", idempotencyGet(w.Channel.ID, key))

	ev := w.newAuditEvent(rec.Command, rec.Domain, key, at(0))
	done := rec
	done.AuditID = ev.ID
	done.Result = []byte(`{"command":"create_domain","status":"success"}`)
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		prior, err := tx.Idempotency().Reserve(ctx, rec)
		if err != nil {
			return err
		}
		if prior != nil {
			t.Errorf("first Reserve of a key: want the claim (nil), got record %+v", *prior)
		}
		return firstErr(
			func() error { return tx.Audit().Append(ctx, ev) },
			func() error { return tx.Idempotency().Complete(ctx, done) },
		)
	})
	assertEqual(t, "completed idempotency record", done, read(t, u, idempotencyGet(w.Channel.ID, key)))

	// A later Reserve of the key answers the committed record and changes nothing.
	again := w.newIdempotencyRecord(key, at(time.Hour))
	again.Command, again.Fingerprint, again.Sandbox = string(core.CmdRenewDomain), "other", false
	prior := reserve(t, u, again)
	if prior == nil {
		t.Fatalf("Reserve of a completed key: want the committed record, got the claim")
	}
	assertEqual(t, "record answered by a second Reserve", done, *prior)
	assertEqual(t, "record after a second Reserve", done, read(t, u, idempotencyGet(w.Channel.ID, key)))

	// Keys are scoped to the channel.
	other := w.secondChannel(t, u)
	foreign := rec
	foreign.ChannelID = other.ID
	if prior := reserve(t, u, foreign); prior != nil {
		t.Errorf("Reserve of the same key in another channel: want the claim, got %+v", *prior)
	}
	// A reservation committed without Complete is answered as it is.
	if prior := reserve(t, u, foreign); prior == nil {
		t.Errorf("Reserve of a committed, uncompleted key: want its record, got the claim")
	} else {
		assertEqual(t, "committed uncompleted record", foreign, *prior)
	}
	assertEqual(t, "committed uncompleted record by Get", foreign, read(t, u, idempotencyGet(other.ID, key)))
	assertEqual(t, "record of the first channel", done, read(t, u, idempotencyGet(w.Channel.ID, key)))

	wantDoErr(t, u, "Complete of a key never reserved", ports.ErrNotFound, func(ctx context.Context, tx ports.Stores) error {
		never := w.newIdempotencyRecord(unique("key-"), at(0))
		never.Result = []byte("{}")
		return tx.Idempotency().Complete(ctx, never)
	})
}

func testIdempotencyRollbackFreesClaim(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	key := unique("key-")
	rec := w.newIdempotencyRecord(key, at(0))
	err := u.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		if prior, err := tx.Idempotency().Reserve(ctx, rec); err != nil || prior != nil {
			t.Errorf("Reserve: want the claim, got %v, %v", prior, err)
		}
		return errSentinel
	})
	if !errors.Is(err, errSentinel) {
		t.Fatalf("Do: want fn's error, got %v", err)
	}
	checkGetMissing(t, u, "idempotency record after rollback", idempotencyGet(w.Channel.ID, key))
	if prior := reserve(t, u, rec); prior != nil {
		t.Errorf("Reserve after a rolled-back claim: want the claim, got %+v", *prior)
	}
}

// testIdempotencyDeleteBefore stamps records just around a fresh pastBase, so
// that no other row of the database is older than the cut-offs used.
func testIdempotencyDeleteBefore(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	b := pastBase()
	r1 := w.newIdempotencyRecord(unique("key-"), b.Add(-2*time.Microsecond))
	r2 := w.newIdempotencyRecord(unique("key-"), b.Add(-time.Microsecond))
	r3 := w.newIdempotencyRecord(unique("key-"), b.Add(time.Microsecond))
	ev := w.newAuditEvent(r1.Command, r1.Domain, r1.Key, at(0))
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		for _, r := range []core.IdempotencyRecord{r1, r2, r3} {
			if _, err := tx.Idempotency().Reserve(ctx, r); err != nil {
				return err
			}
		}
		done := r1
		done.AuditID, done.Result = ev.ID, []byte(`{}`)
		return firstErr(
			func() error { return tx.Audit().Append(ctx, ev) },
			func() error { return tx.Idempotency().Complete(ctx, done) },
		)
	})

	deleteBefore := func(cut time.Time) int {
		var n int
		do(t, u, func(ctx context.Context, tx ports.Stores) error {
			var err error
			n, err = tx.Idempotency().DeleteBefore(ctx, cut)
			return err
		})
		return n
	}
	if n := deleteBefore(b.Add(-3 * time.Microsecond)); n != 0 {
		t.Errorf("DeleteBefore with nothing older: deleted %d, want 0", n)
	}
	if n := deleteBefore(b.Add(-time.Microsecond)); n != 1 {
		t.Errorf("DeleteBefore (exclusive of the cut-off): deleted %d, want 1", n)
	}
	checkGetMissing(t, u, "deleted idempotency record", idempotencyGet(w.Channel.ID, r1.Key))
	assertEqual(t, "record at the cut-off", r2, read(t, u, idempotencyGet(w.Channel.ID, r2.Key)))
	if n := deleteBefore(b); n != 1 {
		t.Errorf("second DeleteBefore: deleted %d, want 1", n)
	}
	checkGetMissing(t, u, "record deleted second", idempotencyGet(w.Channel.ID, r2.Key))
	assertEqual(t, "newer record", r3, read(t, u, idempotencyGet(w.Channel.ID, r3.Key)))

	// A deleted key can be reserved afresh.
	if prior := reserve(t, u, r1); prior != nil {
		t.Errorf("Reserve of a deleted key: want the claim, got %+v", *prior)
	}
}

// testIdempotencyReserveLocking: ReserveLocking answers what Reserve does,
// and the command's UpdateByName that follows works on the registration as
// this transaction last wrote it — also when two commands of one transaction
// change the same registration, each after its own claim — and says
// ErrNotFound for a name not registered, the claim still ours.
func testIdempotencyReserveLocking(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	name := w.newName()
	insertDomains(t, u, w.newDomain(name))
	renew := func(key string) core.IdempotencyRecord {
		rec := w.newIdempotencyRecord(key, at(0))
		rec.Command, rec.Domain, rec.Sandbox = string(core.CmdRenewDomain), name.String(), false
		return rec
	}
	k1, k2, k3 := unique("key-"), unique("key-"), unique("key-")
	var expiries []time.Time
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		for _, key := range []string{k1, k2} {
			prior, err := tx.Idempotency().ReserveLocking(ctx, renew(key), name)
			if err != nil {
				return err
			}
			if prior != nil {
				t.Errorf("ReserveLocking of a new key %s: want the claim (nil), got %+v", key, *prior)
			}
			d, err := tx.Domains().UpdateByName(ctx, name, func(d *core.Domain) error {
				d.ExpiresAt = d.ExpiresAt.AddDate(1, 0, 0)
				return nil
			})
			if err != nil {
				return err
			}
			expiries = append(expiries, d.ExpiresAt)
		}
		return nil
	})
	if len(expiries) != 2 || !expiries[1].Equal(expiries[0].AddDate(1, 0, 0)) {
		t.Fatalf("two renewals in one transaction, each after its claim: expiries %v, want the second a year after the first", expiries)
	}
	stored := read(t, u, func(ctx context.Context, tx ports.Stores) (core.Domain, error) {
		return tx.Domains().GetByName(ctx, name)
	})
	if !stored.ExpiresAt.Equal(expiries[1]) {
		t.Errorf("stored expiry %s, want %s", stored.ExpiresAt, expiries[1])
	}

	// A committed key: the record, as Reserve answers it; nothing changes.
	done := renew(k3)
	done.Result = []byte(`{"Command":"renew_domain"}`)
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		if _, err := tx.Idempotency().Reserve(ctx, done); err != nil {
			return err
		}
		return tx.Idempotency().Complete(ctx, done)
	})
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		prior, err := tx.Idempotency().ReserveLocking(ctx, renew(k3), name)
		if err != nil {
			return err
		}
		if prior == nil || string(prior.Result) != string(done.Result) {
			t.Errorf("ReserveLocking of a completed key: %+v, want its record", prior)
		}
		return nil
	})

	// A name not registered: the claim is ours, UpdateByName finds nothing.
	missing, k4 := w.newName(), unique("key-")
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		rec := renew(k4)
		rec.Domain = missing.String()
		prior, err := tx.Idempotency().ReserveLocking(ctx, rec, missing)
		if err != nil {
			return err
		}
		if prior != nil {
			t.Errorf("ReserveLocking of a new key on a name not registered: want the claim, got %+v", *prior)
		}
		_, err = tx.Domains().UpdateByName(ctx, missing, func(*core.Domain) error { return nil })
		if !errors.Is(err, ports.ErrNotFound) {
			t.Errorf("UpdateByName of a name not registered after ReserveLocking: %v, want ErrNotFound", err)
		}
		return nil
	})
	if got := read(t, u, idempotencyGet(w.Channel.ID, k4)); got.Key != k4 {
		t.Errorf("the claim of %s was not kept: %+v", k4, got)
	}
}

// testIdempotencyReserveRegistering: ReserveRegistering followed by the
// command's Register gives what Reserve then Register would. A new key: the
// claim is ours and the registration is written. A completed key: its record
// (from ReserveRegistering, or from Register as a *ports.KeyUsedError) and
// nothing written. A name registered already: ErrDuplicate, and the
// transaction rolled back keeps no claim. In a group, a command refused
// before its Register makes no claim, and the next command's Register makes
// its own.
func testIdempotencyReserveRegistering(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	create := func(key string, name core.Name) core.IdempotencyRecord {
		rec := w.newIdempotencyRecord(key, at(0))
		rec.Command, rec.Domain, rec.Sandbox = string(core.CmdCreateDomain), name.String(), false
		return rec
	}
	// claimAndRegister answers the record the key already had (nil: the
	// claim was ours) and Register's error.
	claimAndRegister := func(ctx context.Context, tx ports.Stores, rec core.IdempotencyRecord, d core.Domain) (*core.IdempotencyRecord, error) {
		prior, err := tx.Idempotency().ReserveRegistering(ctx, rec)
		if err != nil || prior != nil {
			return prior, err
		}
		_, err = tx.Domains().Register(ctx, d)
		var used *ports.KeyUsedError
		if errors.As(err, &used) {
			return &used.Record, nil
		}
		return nil, err
	}

	// A new key: the claim and the registration.
	name, k1 := w.newName(), unique("key-")
	d := w.newDomain(name)
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		prior, err := claimAndRegister(ctx, tx, create(k1, name), d)
		if prior != nil {
			t.Errorf("ReserveRegistering of a new key: want the claim, got %+v", *prior)
		}
		return err
	})
	if got := read(t, u, idempotencyGet(w.Channel.ID, k1)); got.Key != k1 || len(got.Result) != 0 {
		t.Errorf("the claim of %s: %+v, want it kept without a result", k1, got)
	}
	if got := read(t, u, func(ctx context.Context, tx ports.Stores) (core.Domain, error) {
		return tx.Domains().GetByName(ctx, name)
	}); got.ID != d.ID {
		t.Errorf("registration of %s: %+v, want %s", name, got, d.ID)
	}

	// A completed key: its record; the other name is not registered.
	k2, other := unique("key-"), w.newName()
	done := create(k2, other)
	done.Result = []byte(`{"Command":"create_domain"}`)
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		if _, err := tx.Idempotency().Reserve(ctx, done); err != nil {
			return err
		}
		return tx.Idempotency().Complete(ctx, done)
	})
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		prior, err := claimAndRegister(ctx, tx, create(k2, other), w.newDomain(other))
		if prior == nil || string(prior.Result) != string(done.Result) {
			t.Errorf("ReserveRegistering of a completed key: %+v, want its record", prior)
		}
		return err
	})
	checkGetMissing(t, u, "a registration whose key was used", func(ctx context.Context, tx ports.Stores) (core.Domain, error) {
		return tx.Domains().GetByName(ctx, other)
	})

	// A name registered already: ErrDuplicate; rolled back, no claim kept.
	k3 := unique("key-")
	err := u.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		_, err := claimAndRegister(ctx, tx, create(k3, name), w.newDomain(name))
		return err
	})
	wantErr(t, "Register of a registered name after ReserveRegistering", err, ports.ErrDuplicate)
	checkGetMissing(t, u, "the claim of a rolled-back registration", idempotencyGet(w.Channel.ID, k3))

	// A group: the first command is refused before its Register, the second
	// registers; only the second's key is claimed.
	errRefused := errors.New("refused before the registration")
	k4, k5, n5 := unique("key-"), unique("key-"), w.newName()
	d5 := w.newDomain(n5)
	errs := u.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
		func(ctx context.Context, tx ports.Stores) error {
			if _, err := tx.Idempotency().ReserveRegistering(ctx, create(k4, w.newName())); err != nil {
				return err
			}
			return errRefused
		},
		func(ctx context.Context, tx ports.Stores) error {
			prior, err := claimAndRegister(ctx, tx, create(k5, n5), d5)
			if prior != nil {
				t.Errorf("ReserveRegistering of a new key in a group: want the claim, got %+v", *prior)
			}
			return err
		},
	})
	if !errors.Is(errs[0], errRefused) || errs[1] != nil {
		t.Fatalf("DoEach: %v, want the refusal and nil", errs)
	}
	checkGetMissing(t, u, "the claim of a command refused before its registration", idempotencyGet(w.Channel.ID, k4))
	if got := read(t, u, idempotencyGet(w.Channel.ID, k5)); got.Key != k5 || got.Domain != n5.String() {
		t.Errorf("the claim of %s: %+v, want its own", k5, got)
	}
}
