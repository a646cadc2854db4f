package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun/dialect"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

var testNow = time.Date(2026, 5, 6, 7, 8, 9, 123456000, time.UTC)

func testPartner(id string) core.Partner {
	return core.Partner{ID: id, Name: "Partner " + id, GemsBalance: 100, CreatedAt: testNow, UpdatedAt: testNow}
}

func testChannel(id, partnerID, slug string) core.Channel {
	return core.Channel{ID: id, PartnerID: partnerID, Slug: slug, Status: core.ChannelApproved,
		RateLimitPerMinute: 120, CreatedAt: testNow, UpdatedAt: testNow}
}

// seedChannel commits a partner and a channel and answers the channel id.
func seedChannel(t testing.TB, store *Store) string {
	t.Helper()
	err := store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		if err := tx.Partners().Insert(ctx, testPartner("par_1")); err != nil {
			return err
		}
		return tx.Channels().Insert(ctx, testChannel("chn_1", "par_1", "acme"))
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return "chn_1"
}

func TestViewRefusesWrites(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		store := NewStore(open(t))
		err := store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			return tx.Partners().Insert(ctx, testPartner("par_view"))
		})
		if !errors.Is(err, errReadOnly) {
			t.Fatalf("Insert in a View: want errReadOnly, got %v", err)
		}
		err = store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Pending().Claim(ctx, testNow, 1)
			return err
		})
		if !errors.Is(err, errReadOnly) {
			t.Fatalf("Claim in a View: want errReadOnly, got %v", err)
		}
	})
}

func TestDoWithADoneContextRunsNothing(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		store := NewStore(open(t))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := store.Do(ctx, func(context.Context, ports.Stores) error {
			t.Error("fn ran with a cancelled context")
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Do with a cancelled context: want context.Canceled, got %v", err)
		}
	})
}

func TestUpdateRefusesToChangeTheKey(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		store := NewStore(open(t))
		seedChannel(t, store)
		err := store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Channels().Update(ctx, "chn_1", func(c *core.Channel) error { c.ID = "chn_2"; return nil })
			return err
		})
		if err == nil {
			t.Fatalf("Update that changes the id: want an error")
		}
	})
}

// TestTimesRoundTripInUTCToTheMicrosecond: instants in any zone, with
// nanoseconds, before 1970 or far ahead, come back as the same UTC instant
// truncated to the microsecond, and compare in time order in queries.
func TestTimesRoundTripInUTCToTheMicrosecond(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		store := NewStore(open(t))
		chn := seedChannel(t, store)
		zone := time.FixedZone("UTC-7", -7*3600)
		instants := []time.Time{
			time.Date(2026, 5, 6, 7, 8, 9, 999999999, zone),
			time.Date(2026, 5, 6, 14, 8, 10, 0, time.UTC),
			time.Date(1969, 12, 31, 23, 59, 59, 1000, time.UTC),
			time.Date(2026, 5, 6, 14, 8, 9, 5000, time.UTC),
			time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
			time.Date(2026, 5, 6, 14, 8, 9, 0, time.UTC),
		}
		var events []core.AuditEvent
		for i, at := range instants {
			events = append(events, core.AuditEvent{
				ID: "aud_" + string(rune('a'+i)), ChannelID: chn, Actor: "registrar", Command: "create_domain",
				Status: core.AuditSuccess, HTTPStatus: 201, CreatedAt: at,
			})
		}
		err := store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			for _, e := range events {
				if err := tx.Audit().Append(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		query := func(q ports.AuditQuery) []core.AuditEvent {
			var got []core.AuditEvent
			err := store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
				var err error
				got, err = tx.Audit().Query(ctx, q)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		got := query(ports.AuditQuery{ChannelID: chn})
		if len(got) != len(instants) {
			t.Fatalf("%d events, want %d", len(got), len(instants))
		}
		for i, e := range got {
			want := instants[i].UTC().Truncate(time.Microsecond)
			if !e.CreatedAt.Equal(want) || e.CreatedAt.Location() != time.UTC {
				t.Errorf("event %d: created_at %s (%s), want %s in UTC", i, e.CreatedAt, e.CreatedAt.Location(), want)
			}
		}
		// Since is inclusive and compares instants, not text: 07:08:09.999999-07:00
		// is 14:08:09.999999Z, after 14:08:09.000005Z and before 14:08:10Z.
		since := time.Date(2026, 5, 6, 14, 8, 9, 5000, time.UTC)
		var ids []string
		for _, e := range query(ports.AuditQuery{ChannelID: chn, Since: &since}) {
			ids = append(ids, e.ID)
		}
		if want := []string{"aud_a", "aud_b", "aud_d", "aud_e"}; !slices.Equal(ids, want) {
			t.Errorf("events since %s: %v, want %v", since, ids, want)
		}
	})
}

func testRecord(channelID, key string) core.IdempotencyRecord {
	return core.IdempotencyRecord{ChannelID: channelID, Key: key, Command: "create_domain", Domain: "a.wallet",
		Fingerprint: "f", CreatedAt: testNow}
}

// holdWhile runs hold in a transaction of its own and returns once hold has
// returned, the transaction still open; release ends it (committing what
// hold did) and fails the test if it failed.
func holdWhile(t *testing.T, store *Store, hold func(ctx context.Context, tx ports.Stores) error) (release func()) {
	t.Helper()
	held, done := make(chan struct{}), make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			err := hold(ctx, tx)
			close(held)
			if err != nil {
				return err
			}
			<-done
			return nil
		})
	}()
	<-held
	return func() {
		t.Helper()
		close(done)
		if err := <-holder; err != nil {
			t.Fatalf("holder: %v", err)
		}
	}
}

// registerInWallet registers d in the namespace wallet, made for it.
func registerInWallet(t *testing.T, store *Store, d core.Domain) {
	t.Helper()
	err := store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		if err := tx.Namespaces().Insert(ctx, core.Namespace{Name: "wallet", DNSBackend: core.DNSBackendNone, CreatedAt: testNow}); err != nil {
			return err
		}
		_, err := tx.Domains().Register(ctx, d)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReserveWaitsForTheHolder: while one transaction holds a key, a second
// Reserve of it waits; it then answers the holder's committed record, or
// the claim when the holder rolled back.
func TestReserveWaitsForTheHolder(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		db := open(t)
		store := NewStore(db)
		chn := seedChannel(t, store)
		for _, commit := range []bool{true, false} {
			key := "k-rollback"
			if commit {
				key = "k-commit"
			}
			held := make(chan struct{})
			release := make(chan struct{})
			holder := make(chan error, 1)
			go func() {
				holder <- store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
					if prior, err := tx.Idempotency().Reserve(ctx, testRecord(chn, key)); err != nil || prior != nil {
						t.Errorf("holder Reserve: want the claim, got %v, %v", prior, err)
					}
					close(held)
					<-release
					if !commit {
						return errors.New("holder rolls back")
					}
					done := testRecord(chn, key)
					done.AuditID, done.Result = "aud_holder", []byte("holder's result")
					return tx.Idempotency().Complete(ctx, done)
				})
			}()
			<-held

			type answer struct {
				prior *core.IdempotencyRecord
				err   error
			}
			waiter := make(chan answer, 1)
			go func() {
				var a answer
				a.err = store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
					a.prior, a.err = tx.Idempotency().Reserve(ctx, testRecord(chn, key))
					return a.err
				})
				waiter <- a
			}()
			if db.Dialect() == dialect.PG {
				waitForLockWaiters(t, db, 1) // the waiter really waits on the holder's row
			}
			close(release)
			if err := <-holder; commit && err != nil {
				t.Fatalf("holder: %v", err)
			}
			a := <-waiter
			switch {
			case a.err != nil:
				t.Errorf("commit=%v: waiter: %v", commit, a.err)
			case commit && (a.prior == nil || a.prior.AuditID != "aud_holder" || string(a.prior.Result) != "holder's result"):
				t.Errorf("after the holder committed: want its record, got %+v", a.prior)
			case !commit && a.prior != nil:
				t.Errorf("after the holder rolled back: want the claim, got %+v", *a.prior)
			}
		}
	})
}

// TestReserveGivesUpAfterTheLockTimeoutOnPostgres: a holder that never
// finishes makes Reserve answer ErrBusy after its bound.
func TestReserveGivesUpAfterTheLockTimeoutOnPostgres(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store)
	release := holdWhile(t, store, func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Idempotency().Reserve(ctx, testRecord(chn, "k"))
		return err
	})
	impatient := &Store{db: db, reserveWait: 50 * time.Millisecond}
	start := time.Now()
	err := impatient.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Idempotency().Reserve(ctx, testRecord(chn, "k"))
		return err
	})
	release()
	if !errors.Is(err, ports.ErrBusy) {
		t.Fatalf("Reserve of a held key past the bound: want ErrBusy, got %v", err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Errorf("Reserve gave up after %s, before its bound", waited)
	}
}

// TestClaimSkipsLockedItemsOnPostgres: a worker's claim passes over the
// items another open transaction claimed, without waiting for it.
func TestClaimSkipsLockedItemsOnPostgres(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store)
	name := core.MustName("alice.wallet")
	err := store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		if err := tx.Namespaces().Insert(ctx, core.Namespace{Name: "wallet", DNSBackend: core.DNSBackendNone, CreatedAt: testNow}); err != nil {
			return err
		}
		d := core.Domain{ID: "dom_1", Name: name, ChannelID: chn, PartnerID: "par_1", State: core.StateActive,
			ApplyStatus: core.ApplyPending, CreatedAt: testNow, UpdatedAt: testNow, ExpiresAt: testNow}
		if err := tx.Domains().Insert(ctx, d); err != nil {
			return err
		}
		for i, id := range []string{"pnd_1", "pnd_2", "pnd_3"} {
			at := testNow.Add(time.Duration(i) * time.Second)
			p := core.PendingItem{ID: id, ChannelID: chn, Command: "update_nameservers", Domain: name.String(),
				DomainID: "dom_1", Status: core.PendingQueued, NextTryAt: at, CreatedAt: at, UpdatedAt: at}
			if err := tx.Pending().Insert(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	claimIDs := func(ctx context.Context, tx ports.Stores, limit int) []string {
		items, err := tx.Pending().Claim(ctx, testNow.Add(time.Hour), limit)
		if err != nil {
			t.Errorf("Claim: %v", err)
		}
		var ids []string
		for _, p := range items {
			ids = append(ids, p.ID)
		}
		return ids
	}
	held, release := make(chan struct{}), make(chan struct{})
	first := make(chan []string, 1)
	go func() {
		_ = store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			first <- claimIDs(ctx, tx, 1)
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	// Were the second claim to wait for the first, it would block until the
	// deadline: SKIP LOCKED must answer at once.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	var second []string
	err = store.Do(ctx, func(ctx context.Context, tx ports.Stores) error {
		second = claimIDs(ctx, tx, 10)
		return nil
	})
	close(release)
	if err != nil {
		t.Fatalf("second claim: %v", err)
	}
	if got := <-first; !slices.Equal(got, []string{"pnd_1"}) {
		t.Errorf("first claim: %v, want the oldest item", got)
	}
	if !slices.Equal(second, []string{"pnd_2", "pnd_3"}) {
		t.Errorf("second claim: %v, want the items the first did not lock", second)
	}
}

// waitForLockWaiters polls PostgreSQL until n sessions of db's database wait
// on a lock: the synchronisation point is the server's own state.
func waitForLockWaiters(t *testing.T, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		var waiting int
		err := db.Bun().QueryRowContext(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if err != nil {
			t.Fatalf("pg_stat_activity: %v", err)
		}
		if waiting >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no session started waiting on a lock within 10s")
		}
		<-tick.C
	}
}

// TestAuditQueryByActor: a poll asks for the registrar's own events; the
// operator's actions on its channel stay out.
func TestAuditQueryByActor(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		store := NewStore(open(t))
		chn := seedChannel(t, store)
		events := []core.AuditEvent{
			{ID: "aud_1", ChannelID: chn, Actor: "registrar", Command: "create_domain", Status: core.AuditSuccess, HTTPStatus: 201, CreatedAt: testNow},
			{ID: "aud_2", ChannelID: chn, Actor: "operator", Command: "approve_channel", Status: core.AuditSuccess, HTTPStatus: 200, CreatedAt: testNow},
			{ID: "aud_3", ChannelID: chn, Actor: "registrar", Command: "renew_domain", Status: core.AuditFailed, HTTPStatus: 409, CreatedAt: testNow},
		}
		err := store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			for _, e := range events {
				if err := tx.Audit().Append(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for actor, want := range map[string][]string{"registrar": {"aud_1", "aud_3"}, "operator": {"aud_2"}, "": {"aud_1", "aud_2", "aud_3"}} {
			var ids []string
			err := store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
				got, err := tx.Audit().Query(ctx, ports.AuditQuery{ChannelID: chn, Actor: actor})
				for _, e := range got {
					ids = append(ids, e.ID)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids, want) {
				t.Errorf("actor %q: %v, want %v", actor, ids, want)
			}
		}
	})
}

// TestRefusedWritesLeaveTheTransactionUsable: a duplicate refused by a
// unique index (insert, new slug, revived registration) is ErrDuplicate and
// the transaction goes on, on PostgreSQL as on SQLite, so the core can
// still record the refusal in it.
func TestRefusedWritesLeaveTheTransactionUsable(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		store := NewStore(open(t))
		chn := seedChannel(t, store)
		name := core.MustName("alice.wallet")
		live := core.Domain{ID: "dom_live", Name: name, ChannelID: chn, PartnerID: "par_1", State: core.StateActive,
			ApplyStatus: core.ApplyNone, CreatedAt: testNow, UpdatedAt: testNow, ExpiresAt: testNow}
		gone := live
		gone.ID, gone.State = "dom_gone", core.StateCancelled
		err := store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			if err := tx.Channels().Insert(ctx, testChannel("chn_2", "par_1", "other")); err != nil {
				return err
			}
			if err := tx.Namespaces().Insert(ctx, core.Namespace{Name: "wallet", DNSBackend: core.DNSBackendNone, CreatedAt: testNow}); err != nil {
				return err
			}
			if err := tx.Domains().Insert(ctx, live); err != nil {
				return err
			}
			return tx.Domains().Insert(ctx, gone)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			second := live
			second.ID = "dom_second"
			if err := tx.Domains().Insert(ctx, second); !errors.Is(err, ports.ErrDuplicate) {
				t.Errorf("second live insert: want ErrDuplicate, got %v", err)
			}
			_, err := tx.Domains().Update(ctx, "dom_gone", func(d *core.Domain) error { d.State = core.StateActive; return nil })
			if !errors.Is(err, ports.ErrDuplicate) {
				t.Errorf("reviving a cancelled registration of a live name: want ErrDuplicate, got %v", err)
			}
			_, err = tx.Channels().Update(ctx, "chn_2", func(c *core.Channel) error { c.Slug = "acme"; return nil })
			if !errors.Is(err, ports.ErrDuplicate) {
				t.Errorf("taking another channel's slug: want ErrDuplicate, got %v", err)
			}
			return tx.Audit().Append(ctx, core.AuditEvent{ID: "aud_refusal", ChannelID: chn, Actor: "registrar",
				Command: "create_domain", Status: core.AuditFailed, HTTPStatus: 409, CreatedAt: testNow})
		})
		if err != nil {
			t.Fatalf("Do after refused writes: %v", err)
		}
		err = store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			events, err := tx.Audit().GetMany(ctx, []string{"aud_refusal"})
			if err == nil && len(events) != 1 {
				t.Errorf("the audit row written after the refusals was not committed")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestChangedColumnsNamesWhatAnUpdateWrites: an update of a registration
// writes the columns whose values changed, times compared as instants
// (the same instant in another location is no change).
func TestChangedColumnsNamesWhatAnUpdateWrites(t *testing.T) {
	db := openSQLite(t)
	at := ts(testNow)
	later := ts(testNow.Add(time.Hour))
	old := domainRow{ID: "dom_1", Name: "a.wallet", State: "active", ExpiresAt: at, DueAt: &at, Statuses: "[]"}
	next := old
	next.ExpiresAt = timestamp(time.Time(at).In(time.FixedZone("x", 3600)))
	if cols := changedColumns(db.bun, &old, &next); len(cols) != 0 {
		t.Errorf("the same values: changed %v, want none", cols)
	}
	next.DueAt, next.Statuses, next.LastRenewedAt = &later, `["x"]`, &later
	if got := fmt.Sprint(changedColumns(db.bun, &old, &next)); got != "[statuses last_renewed_at due_at]" {
		t.Errorf("changed %s, want [statuses last_renewed_at due_at]", got)
	}
}
