package sqlitedb_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/headlessdomains/registry/adapters/sqlstore"
	"github.com/headlessdomains/registry/bench/internal/sqlitedb"
)

// The benchmark's connections to a SQLite file have registryd's settings:
// the same pragmas, the same pool size, and transactions that take the
// write lock at BEGIN.
func TestOpenMatchesRegistryd(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "registry.db")
	reg, err := sqlstore.Open(ctx, "sqlite:"+path, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	if err := sqlstore.Migrate(ctx, reg); err != nil {
		t.Fatal(err)
	}
	ours, err := sqlitedb.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ours.Close()

	for _, p := range []string{"journal_mode", "synchronous", "busy_timeout", "foreign_keys", "cache_size", "temp_store", "mmap_size", "wal_autocheckpoint"} {
		var want, got string
		if err := reg.Bun().DB.QueryRowContext(ctx, "PRAGMA "+p).Scan(&want); err != nil {
			t.Fatalf("registryd PRAGMA %s: %v", p, err)
		}
		if err := ours.QueryRowContext(ctx, "PRAGMA "+p).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", p, err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, registryd has %s", p, got, want)
		}
	}
	if got, want := ours.Stats().MaxOpenConnections, reg.Bun().DB.Stats().MaxOpenConnections; got != want || want != sqlitedb.PoolSize {
		t.Errorf("pool of %d connections, registryd's %d, PoolSize %d", got, want, sqlitedb.PoolSize)
	}
	for name, db := range map[string]*sql.DB{"registryd": reg.Bun().DB, "sqlitedb": ours} {
		if !beginsImmediate(t, db) {
			t.Errorf("%s: a transaction does not hold the write lock from BEGIN", name)
		}
	}
}

// beginsImmediate reports whether an open transaction of db keeps another
// connection from taking the write lock, with nothing written yet.
func beginsImmediate(t *testing.T, db *sql.DB) bool {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = conn.ExecContext(ctx, "PRAGMA busy_timeout = 5000") }()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return true // busy: the transaction holds the lock
	}
	_, _ = conn.ExecContext(ctx, "ROLLBACK")
	return false
}
