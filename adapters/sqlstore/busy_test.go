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

// TestOnlyAHeldKeyIsErrKeyBusyOnPostgres: Reserve waiting out its bound on
// a rival's idempotency key is ErrKeyBusy (and ErrBusy); a command whose
// key is free but whose partner row another transaction holds past the same
// bound is ErrBusy and never ErrKeyBusy, so the core does not call it a
// request with that key still running.
func TestOnlyAHeldKeyIsErrKeyBusyOnPostgres(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store)
	release := holdWhile(t, store, func(ctx context.Context, tx ports.Stores) error {
		if _, err := tx.Idempotency().Reserve(ctx, testRecord(chn, "held-key")); err != nil {
			return err
		}
		_, err := tx.Partners().Update(ctx, "par_1", func(p *core.Partner) error { p.GemsBalance--; return nil })
		return err
	})
	impatient := &Store{db: db, reserveWait: 50 * time.Millisecond}

	keyErr := impatient.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Idempotency().Reserve(ctx, testRecord(chn, "held-key"))
		return err
	})
	rowErr := impatient.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		if _, err := tx.Idempotency().Reserve(ctx, testRecord(chn, "free-key")); err != nil {
			return err
		}
		_, err := tx.Partners().Update(ctx, "par_1", func(p *core.Partner) error { p.GemsBalance -= 10; return nil })
		return err
	})
	release()
	wantKeyBusyApart(t, keyErr, rowErr, "a held partner row")
}

// wantKeyBusyApart: a wait on a held idempotency key is ErrKeyBusy (and
// ErrBusy); a wait on anything else (other) is ErrBusy and never ErrKeyBusy.
func wantKeyBusyApart(t *testing.T, keyErr, otherErr error, other string) {
	t.Helper()
	if !errors.Is(keyErr, ports.ErrKeyBusy) || !errors.Is(keyErr, ports.ErrBusy) {
		t.Errorf("a held key: want ErrKeyBusy (and ErrBusy), got %v", keyErr)
	}
	if !errors.Is(otherErr, ports.ErrBusy) || errors.Is(otherErr, ports.ErrKeyBusy) {
		t.Errorf("%s: want ErrBusy and not ErrKeyBusy, got %v", other, otherErr)
	}
}

// TestReserveLockingTellsAHeldKeyFromAHeldRegistrationOnPostgres: the claim
// and the registration's lock are one statement, and its timeout is still
// told apart: a rival's key is ErrKeyBusy, the registration held past the
// bound with a free key is ErrBusy and never ErrKeyBusy.
func TestReserveLockingTellsAHeldKeyFromAHeldRegistrationOnPostgres(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store)
	name := core.MustName("dave.wallet")
	registerInWallet(t, store, walletDomain("dom_held", name.String(), chn))
	release := holdWhile(t, store, func(ctx context.Context, tx ports.Stores) error {
		if _, err := tx.Idempotency().ReserveLocking(ctx, testRecord(chn, "held-key"), name); err != nil {
			return err
		}
		_, err := tx.Domains().UpdateByName(ctx, name, func(*core.Domain) error { return nil })
		return err
	})
	impatient := &Store{db: db, reserveWait: 50 * time.Millisecond}
	keyErr := impatient.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Idempotency().ReserveLocking(ctx, testRecord(chn, "held-key"), name)
		return err
	})
	rowErr := impatient.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Idempotency().ReserveLocking(ctx, testRecord(chn, "free-key"), name)
		return err
	})
	release()
	wantKeyBusyApart(t, keyErr, rowErr, "a held registration")
}

// walletDomain is a registration of name in the namespace wallet
// (registerInWallet makes it).
func walletDomain(id, name, channel string) core.Domain {
	return core.Domain{ID: id, Name: core.MustName(name), ChannelID: channel, PartnerID: "par_1",
		State: core.StateActive, ApplyStatus: core.ApplyNone, CreatedAt: testNow, UpdatedAt: testNow, ExpiresAt: testNow,
		Registrant: core.Registrant{Name: "Erin", Email: "erin@example.com", Country: "US"}, Statuses: []string{}}
}

// createWith is a create's claim and registration, ReserveRegistering
// then Register.
func createWith(ctx context.Context, tx ports.Stores, rec core.IdempotencyRecord, d core.Domain) error {
	if prior, err := tx.Idempotency().ReserveRegistering(ctx, rec); err != nil || prior != nil {
		return fmt.Errorf("ReserveRegistering: %v, %v", prior, err)
	}
	_, err := tx.Domains().Register(ctx, d)
	return err
}

// TestReserveRegisteringTellsAHeldKeyFromAHeldNameOnPostgres: the claim
// and the registration's insert are one statement (claimRegister), and its
// timeout is still told apart: a rival's key is ErrKeyBusy, a name another
// transaction is registering, with a free key, is ErrBusy and never
// ErrKeyBusy.
func TestReserveRegisteringTellsAHeldKeyFromAHeldNameOnPostgres(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store)
	registerInWallet(t, store, walletDomain("dom_first", "first.wallet", chn))
	release := holdWhile(t, store, func(ctx context.Context, tx ports.Stores) error {
		return createWith(ctx, tx, testRecord(chn, "held-key"), walletDomain("dom_erin", "erin.wallet", chn))
	})
	impatient := &Store{db: db, reserveWait: 50 * time.Millisecond}
	keyErr := impatient.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		return createWith(ctx, tx, testRecord(chn, "held-key"), walletDomain("dom_frank", "frank.wallet", chn))
	})
	nameErr := impatient.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		return createWith(ctx, tx, testRecord(chn, "free-key"), walletDomain("dom_erin2", "erin.wallet", chn))
	})
	release()
	wantKeyBusyApart(t, keyErr, nameErr, "a name being registered")
}

// TestReserveRegisteringWaitsForTheHolderOnPostgres: a create whose key
// another transaction holds waits for it in its one statement; once the
// holder commits, Register answers the holder's record as a
// *ports.KeyUsedError and registers nothing. A command that answers success
// without the Register its claim was held for fails, keeping nothing.
func TestReserveRegisteringWaitsForTheHolderOnPostgres(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store)
	registerInWallet(t, store, walletDomain("dom_first", "first.wallet", chn))
	rec := testRecord(chn, "the-key")
	rec.AuditID, rec.Result = "aud_holder", []byte(`{"Command":"create_domain"}`)
	release := holdWhile(t, store, func(ctx context.Context, tx ports.Stores) error {
		if err := createWith(ctx, tx, rec, walletDomain("dom_gina", "gina.wallet", chn)); err != nil {
			return err
		}
		return tx.Idempotency().Complete(ctx, rec)
	})
	waiter := make(chan error, 1)
	go func() {
		waiter <- store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			return createWith(ctx, tx, testRecord(chn, "the-key"), walletDomain("dom_hank", "hank.wallet", chn))
		})
	}()
	// Release the holder once the waiter waits on its key.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		if err := db.bun.NewRaw("SELECT count(*) FROM pg_locks WHERE NOT granted").Scan(t.Context(), &waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second create never waited for the key's holder")
		}
		time.Sleep(5 * time.Millisecond)
	}
	release()
	err := <-waiter
	var used *ports.KeyUsedError
	if !errors.As(err, &used) || used.Record.AuditID != "aud_holder" || string(used.Record.Result) != string(rec.Result) {
		t.Fatalf("a create whose key was committed meanwhile: %v, want a KeyUsedError with the holder's record", err)
	}
	err = store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Domains().GetByName(ctx, core.MustName("hank.wallet"))
		return err
	})
	if !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("the registration of a create whose key was used: %v, want ErrNotFound", err)
	}

	err = store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Idempotency().ReserveRegistering(ctx, testRecord(chn, "never-sent"))
		return err
	})
	if err == nil {
		t.Error("a command that never wrote the registration its claim was held for committed")
	}
	err = store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Idempotency().Get(ctx, chn, "never-sent")
		return err
	})
	if !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("the claim of a command that failed: %v, want ErrNotFound", err)
	}
}

// TestGroupHoldsARenewalsUpdateOnPostgres: in a group without savepoints a
// registration's update that touches no unique, key or checked column is
// held to the group's end (one statement fewer per renewal); a read of the
// registration sends it first, and an update of the state is never held.
func TestGroupHoldsARenewalsUpdateOnPostgres(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store)
	d := walletDomain("dom_ivy", "ivy.wallet", chn)
	registerInWallet(t, store, d)
	held := func(tx ports.Stores) int { return len(tx.(*stores).c.wb.updates) }
	var steps []int
	errs := store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
		func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Domains().UpdateByName(ctx, d.Name, func(d *core.Domain) error {
				d.ExpiresAt = d.ExpiresAt.AddDate(1, 0, 0)
				return nil
			})
			steps = append(steps, held(tx))
			return err
		},
		func(ctx context.Context, tx ports.Stores) error {
			got, err := tx.Domains().GetByName(ctx, d.Name)
			if !got.ExpiresAt.Equal(d.ExpiresAt.AddDate(1, 0, 0)) {
				t.Errorf("read back in the group: expiry %s, want a year on", got.ExpiresAt)
			}
			steps = append(steps, held(tx))
			return err
		},
		func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Domains().UpdateByName(ctx, d.Name, func(d *core.Domain) error {
				d.State = core.StateExpired
				return nil
			})
			steps = append(steps, held(tx))
			return err
		},
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("fn %d: %v", i, err)
		}
	}
	if fmt.Sprint(steps) != "[1 0 0]" {
		t.Errorf("held updates after each step: %v, want [1 0 0] (held, sent by the read, a state change never held)", steps)
	}
}

// TestDomainTypesMatchTheSchemaOnPostgres: the casts of held updates
// (domainTypes) are the migrated schema's column types, for every column
// a registration is read and written with.
func TestDomainTypesMatchTheSchemaOnPostgres(t *testing.T) {
	db := openPostgres(t)
	var rows []struct {
		Name string `bun:"attname"`
		Type string `bun:"type"`
	}
	err := db.bun.NewRaw(`SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute
		WHERE attrelid = 'domains'::regclass AND attnum > 0 AND NOT attisdropped`).Scan(t.Context(), &rows)
	if err != nil {
		t.Fatal(err)
	}
	schema := map[string]string{}
	for _, r := range rows {
		schema[r.Name] = r.Type
	}
	if len(schema) != len(domainColumns) || len(domainTypes) != len(domainColumns) {
		t.Errorf("domains has %d columns, domainColumns %d, domainTypes %d", len(schema), len(domainColumns), len(domainTypes))
	}
	for _, c := range domainColumns {
		if domainTypes[c] != schema[c] {
			t.Errorf("column %s: domainTypes says %q, the schema %q", c, domainTypes[c], schema[c])
		}
	}
}
