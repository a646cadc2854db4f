package sqlstore

import (
	"context"
	"errors"
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
	if !errors.Is(keyErr, ports.ErrKeyBusy) || !errors.Is(keyErr, ports.ErrBusy) {
		t.Errorf("a held key: want ErrKeyBusy (and ErrBusy), got %v", keyErr)
	}
	if !errors.Is(rowErr, ports.ErrBusy) || errors.Is(rowErr, ports.ErrKeyBusy) {
		t.Errorf("a held partner row: want ErrBusy and not ErrKeyBusy, got %v", rowErr)
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
	registerInWallet(t, store, core.Domain{ID: "dom_held", Name: name, ChannelID: chn, PartnerID: "par_1",
		State: core.StateActive, ApplyStatus: core.ApplyNone, CreatedAt: testNow, UpdatedAt: testNow, ExpiresAt: testNow,
		Registrant: core.Registrant{Name: "Dave", Email: "dave@example.com", Country: "US"}, Statuses: []string{}})
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
	if !errors.Is(keyErr, ports.ErrKeyBusy) || !errors.Is(keyErr, ports.ErrBusy) {
		t.Errorf("a held key: want ErrKeyBusy (and ErrBusy), got %v", keyErr)
	}
	if !errors.Is(rowErr, ports.ErrBusy) || errors.Is(rowErr, ports.ErrKeyBusy) {
		t.Errorf("a held registration: want ErrBusy and not ErrKeyBusy, got %v", rowErr)
	}
}
