package sqlstore

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"

	"github.com/headlessdomains/registry/adapters/sqlstore/migrations"
	"github.com/headlessdomains/registry/ports"
)

// TestMigrationsMatchAcrossDialects: both databases walk the same history.
func TestMigrationsMatchAcrossDialects(t *testing.T) {
	pg, err := migrations.Postgres()
	if err != nil {
		t.Fatal(err)
	}
	lite, err := migrations.SQLite()
	if err != nil {
		t.Fatal(err)
	}
	names := func(ms *migrate.Migrations) []string {
		var out []string
		for _, m := range ms.Sorted() {
			if m.Up == nil || m.Down == nil {
				t.Errorf("migration %s_%s lacks an up or a down file", m.Name, m.Comment)
			}
			out = append(out, m.Name+"_"+m.Comment)
		}
		return out
	}
	p, l := names(pg), names(lite)
	if len(p) == 0 || !slices.Equal(p, l) {
		t.Fatalf("migrations differ: postgres %v, sqlite %v", p, l)
	}
}

// schemaSnapshot lists the tables and indexes of db.
func schemaSnapshot(t *testing.T, db *DB) []string {
	t.Helper()
	q := "SELECT type || ' ' || name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY 1"
	if db.Dialect() == dialect.PG {
		q = `SELECT 'table ' || tablename FROM pg_tables WHERE schemaname = current_schema()
		     UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`
	}
	var out []string
	rows, err := db.Bun().QueryContext(t.Context(), q)
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func countRows(t *testing.T, db *DB, table string) int {
	t.Helper()
	var n int
	if err := db.Bun().QueryRowContext(t.Context(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	open := map[string]func(t *testing.T) *DB{
		"sqlite": func(t *testing.T) *DB {
			db, err := Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "registry.db"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			return db
		},
		"postgres": openEmptyPostgres,
	}
	for name, open := range open {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			if err := Migrate(t.Context(), db); err != nil {
				t.Fatalf("first Migrate: %v", err)
			}
			schema, applied := schemaSnapshot(t, db), countRows(t, db, "bun_migrations")
			for _, want := range []string{"table domains", "index domains_live_name_key", "index audit_events_channel_key_idx", "index pending_items_due_idx"} {
				if !slices.Contains(schema, want) {
					t.Errorf("after Migrate the schema lacks %s: %v", want, schema)
				}
			}
			if applied == 0 {
				t.Fatalf("no migration recorded as applied")
			}
			if err := Migrate(t.Context(), db); err != nil {
				t.Fatalf("second Migrate: %v", err)
			}
			if got := schemaSnapshot(t, db); !slices.Equal(got, schema) {
				t.Errorf("second Migrate changed the schema:\n before %v\n after  %v", schema, got)
			}
			if got := countRows(t, db, "bun_migrations"); got != applied {
				t.Errorf("second Migrate recorded %d migrations, want still %d", got, applied)
			}
			if n := countRows(t, db, "bun_migration_locks"); n != 0 {
				t.Errorf("Migrate left %d lock rows", n)
			}
		})
	}
}

// TestMigrateConcurrentlyOnPostgres starts replicas together: the advisory
// lock makes them take turns instead of failing on bun's lock row, and every
// migration runs once.
func TestMigrateConcurrentlyOnPostgres(t *testing.T) {
	u := newPostgresDatabase(t, false)
	const replicas = 4
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range replicas {
		wg.Go(func() {
			db, err := Open(t.Context(), u, Options{})
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			<-start
			errs[i] = Migrate(t.Context(), db)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	db := openMigratedURL(t, u)
	ms, _ := migrations.Postgres()
	if got, want := countRows(t, db, "bun_migrations"), len(ms.Sorted()); got != want {
		t.Errorf("%d migrations recorded, want each once (%d)", got, want)
	}
}

// TestMigrateClearsAStaleLockOnPostgres: a migrator that died between Lock
// and Unlock leaves bun's lock row; the next one, holding the advisory lock,
// knows it is stale.
func TestMigrateClearsAStaleLockOnPostgres(t *testing.T) {
	db := openEmptyPostgres(t)
	ms, err := migrations.Postgres()
	if err != nil {
		t.Fatal(err)
	}
	m := migrate.NewMigrator(db.Bun(), ms)
	if err := m.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := m.Lock(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(t.Context(), db); err != nil {
		t.Fatalf("Migrate after a crashed migrator: %v", err)
	}
	if n := countRows(t, db, "bun_migration_locks"); n != 0 {
		t.Errorf("Migrate left %d lock rows", n)
	}
}

// TestSchemaRefusesBadStates writes through raw SQL, past the repositories
// and the core: the database alone refuses every state the registry must
// never hold.
func TestSchemaRefusesBadStates(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		db := open(t)
		ctx := t.Context()
		now := ts(time.Date(2026, 5, 6, 7, 8, 9, 123456000, time.UTC))
		exec := func(q string, args ...any) error {
			_, err := db.Bun().ExecContext(ctx, q, args...)
			return mapErr(err)
		}
		must := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		refused := func(what string, want error, err error) {
			t.Helper()
			if !errors.Is(err, want) {
				t.Errorf("%s: want %v, got %v", what, want, err)
			}
		}
		partner := func(id string, balance int64) error {
			return exec(`INSERT INTO partners (id, name, gems_balance, dns_module_enabled, created_at, updated_at)
				VALUES (?, 'P', ?, FALSE, ?, ?)`, id, balance, now, now)
		}
		channel := func(id, partnerID, slug, status string) error {
			return exec(`INSERT INTO channels (id, partner_id, slug, status, production_approved, rate_limit_per_minute, created_at, updated_at)
				VALUES (?, ?, ?, ?, FALSE, 120, ?, ?)`, id, partnerID, slug, status, now, now)
		}
		namespace := func(name, backend string) error {
			return exec(`INSERT INTO namespaces (name, dns_backend, create_price_gems, renew_price_gems, reserved_labels, claim_labels, created_at)
				VALUES (?, ?, 25, 20, '[]', '[]', ?)`, name, backend, now)
		}
		domain := func(id, name, label, ns, state string) error {
			return exec(`INSERT INTO domains (id, name, label, namespace, channel_id, partner_id, state, statuses, registrant,
					nameservers_desired, nameservers_applied, apply_status, created_at, updated_at, expires_at)
				VALUES (?, ?, ?, ?, 'chn_1', 'par_1', ?, '[]', '{}', '[]', '[]', 'none', ?, ?, ?)`,
				id, name, label, ns, state, now, now, now)
		}

		must("partner", partner("par_1", 100))
		refused("negative balance", ErrConstraint, partner("par_2", -1))
		refused("balance debited below zero", ErrConstraint, exec("UPDATE partners SET gems_balance = gems_balance - 101 WHERE id = 'par_1'"))
		refused("duplicate partner id", ports.ErrDuplicate, partner("par_1", 5))

		must("channel", channel("chn_1", "par_1", "acme", "approved"))
		refused("duplicate slug", ports.ErrDuplicate, channel("chn_2", "par_1", "acme", "approved"))
		refused("channel of an unknown partner", ErrConstraint, channel("chn_3", "par_404", "other", "approved"))
		refused("unknown channel status", ErrConstraint, channel("chn_4", "par_1", "other2", "deleted"))

		must("namespace", namespace("wallet", "memory"))
		refused("duplicate namespace", ports.ErrDuplicate, namespace("wallet", "none"))
		refused("unknown DNS backend", ErrConstraint, namespace("other", "bind"))

		must("listing", exec("INSERT INTO listings (channel_id, namespace, status, created_at) VALUES ('chn_1', 'wallet', 'pending', ?)", now))
		refused("duplicate listing", ports.ErrDuplicate,
			exec("INSERT INTO listings (channel_id, namespace, status, created_at) VALUES ('chn_1', 'wallet', 'approved', ?)", now))
		refused("listing of an unknown namespace", ErrConstraint,
			exec("INSERT INTO listings (channel_id, namespace, status, created_at) VALUES ('chn_1', 'nowhere', 'pending', ?)", now))

		key := func(id, channelID, hash string) error {
			var ch any = channelID
			if channelID == "" {
				ch = nil
			}
			return exec(`INSERT INTO api_keys (id, partner_id, channel_id, profile, scopes, token_hash, token_prefix, created_at)
				VALUES (?, 'par_1', ?, '', '[]', ?, 'hd_', ?)`, id, ch, hash, now)
		}
		must("bound key", key("key_1", "chn_1", "h1"))
		must("unbound key", key("key_2", "", "h2"))
		refused("duplicate token hash", ports.ErrDuplicate, key("key_3", "chn_1", "h1"))
		refused("key of an unknown channel", ErrConstraint, key("key_4", "chn_404", "h4"))

		// One registration per name is not cancelled; cancelled rows never block.
		must("live registration", domain("dom_1", "alice.wallet", "alice", "wallet", "active"))
		for _, st := range []string{"active", "expired", "redemption", "pending_delete"} {
			refused("second "+st+" registration of a live name", ports.ErrDuplicate,
				domain("dom_x_"+st, "alice.wallet", "alice", "wallet", st))
		}
		must("cancelled row of a live name", domain("dom_2", "alice.wallet", "alice", "wallet", "cancelled"))
		must("another cancelled row", domain("dom_3", "alice.wallet", "alice", "wallet", "cancelled"))
		refused("reviving a cancelled row while the name is live", ports.ErrDuplicate,
			exec("UPDATE domains SET state = 'active' WHERE id = 'dom_2'"))
		must("cancelling the live registration", exec("UPDATE domains SET state = 'cancelled' WHERE id = 'dom_1'"))
		must("re-registering a freed name", domain("dom_4", "alice.wallet", "alice", "wallet", "active"))
		refused("unknown state", ErrConstraint, domain("dom_5", "bob.wallet", "bob", "wallet", "parked"))
		refused("name that is not label.namespace", ErrConstraint, domain("dom_6", "carol.wallet", "dave", "wallet", "active"))
		refused("registration in an unknown namespace", ErrConstraint, domain("dom_7", "erin.nowhere", "erin", "nowhere", "active"))
		refused("unknown apply status", ErrConstraint, exec("UPDATE domains SET apply_status = 'maybe' WHERE id = 'dom_4'"))
		refused("claim notice without its acceptance time", ErrConstraint,
			exec("UPDATE domains SET claim_notice_id = 'n-1' WHERE id = 'dom_4'"))

		must("ledger entry", exec(`INSERT INTO ledger_entries (id, partner_id, command, amount, balance, created_at)
			VALUES ('led_1', 'par_1', 'create_domain', -25, 75, ?)`, now))
		refused("ledger entry of an unknown partner", ErrConstraint, exec(`INSERT INTO ledger_entries (id, partner_id, command, amount, balance, created_at)
			VALUES ('led_2', 'par_404', 'create_domain', -25, 75, ?)`, now))
		refused("ledger balance below zero", ErrConstraint, exec(`INSERT INTO ledger_entries (id, partner_id, command, amount, balance, created_at)
			VALUES ('led_3', 'par_1', 'create_domain', -25, -1, ?)`, now))

		idem := func() error {
			return exec(`INSERT INTO idempotency_records (channel_id, idempotency_key, command, fingerprint, created_at)
				VALUES ('chn_1', 'k-1', 'create_domain', 'f', ?)`, now)
		}
		must("idempotency record", idem())
		refused("second record of a (channel, key)", ports.ErrDuplicate, idem())

		pending := func(id, domainID, status string) error {
			return exec(`INSERT INTO pending_items (id, channel_id, command, domain, domain_id, payload, status, next_try_at, created_at, updated_at)
				VALUES (?, 'chn_1', 'update_nameservers', 'alice.wallet', ?, '{}', ?, ?, ?, ?)`, id, domainID, status, now, now, now)
		}
		must("pending item", pending("pnd_1", "dom_4", "pending"))
		refused("pending work of an unknown registration", ErrConstraint, pending("pnd_2", "dom_404", "pending"))
		refused("unknown pending status", ErrConstraint, pending("pnd_3", "dom_4", "queued"))
		refused("negative attempts", ErrConstraint, exec("UPDATE pending_items SET attempts = -1 WHERE id = 'pnd_1'"))

		refused("unknown audit status", ErrConstraint, exec(`INSERT INTO audit_events (id, actor, command, status, http_status, request_summary, response_summary, created_at)
			VALUES ('aud_1', 'registrar', 'create_domain', 'maybe', 201, '{}', '{}', ?)`, now))
		if err := exec(`INSERT INTO audit_events (id, actor, command, status, http_status, request_summary, response_summary, created_at)
			VALUES ('aud_2', 'registrar', 'create_domain', 'success', 201, '{not json', '{}', ?)`, now); err == nil {
			t.Errorf("audit summary that is not JSON: accepted")
		}
		refused("OT&E run of an unknown channel", ErrConstraint, exec(`INSERT INTO ote_runs (id, channel_id, name, event_ids, created_at, updated_at)
			VALUES ('ote_1', 'chn_404', 'run', '[]', ?, ?)`, now, now))

		if db.Dialect() == dialect.SQLite {
			// STRICT tables refuse values of the wrong type.
			refused("text in an integer column", ErrConstraint, exec("UPDATE partners SET gems_balance = 'lots' WHERE id = 'par_1'"))
		}
	})
}

// TestCommitErrorIsReturnedOnPostgres: a failed statement aborts a
// PostgreSQL transaction; if fn ignores that error, COMMIT rolls back, and
// Do must say so instead of reporting success.
func TestCommitErrorIsReturnedOnPostgres(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	err := store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		if err := tx.Partners().Insert(ctx, testPartner("par_ok")); err != nil {
			return err
		}
		orphan := testChannel("chn_orphan", "par_missing", "orphan")
		if err := tx.Channels().Insert(ctx, orphan); !errors.Is(err, ErrConstraint) {
			t.Errorf("channel of an unknown partner: want ErrConstraint, got %v", err)
		}
		return nil // ignore it: the commit must not
	})
	if err == nil {
		t.Fatalf("Do: want the commit error, got success")
	}
	err = store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Partners().Get(ctx, "par_ok")
		return err
	})
	if !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("partner of the failed transaction: want ErrNotFound, got %v", err)
	}
}
