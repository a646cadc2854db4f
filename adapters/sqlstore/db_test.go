package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun/dialect"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func TestOpenRefusesUnknownSchemes(t *testing.T) {
	for _, u := range []string{"", "mysql://root@localhost/db", "sqlite3:x.db", "sqlite:", "data/registry.db"} {
		if db, err := Open(t.Context(), u, Options{}); err == nil {
			_ = db.Close()
			t.Errorf("Open(%q): want an error", u)
		}
	}
}

func TestOpenSQLiteCreatesTheDirectoryAndSetsPragmas(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b#c", "d?e")
	path := filepath.Join(dir, "registry.db")
	db, err := Open(t.Context(), "sqlite:"+path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if db.Dialect() != dialect.SQLite {
		t.Errorf("dialect %s, want sqlite", db.Dialect())
	}
	if err := Migrate(t.Context(), db); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database file is not where the URL says (reserved URI characters must be escaped): %v", err)
	}
	pragma := func(name string) string {
		var v string
		if err := db.Bun().QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return v
	}
	for name, want := range map[string]string{"foreign_keys": "1", "busy_timeout": "5000", "journal_mode": "wal"} {
		if got := strings.ToLower(pragma(name)); got != want {
			t.Errorf("PRAGMA %s = %s, want %s", name, got, want)
		}
	}
	if n := db.Bun().DB.Stats().MaxOpenConnections; n != sqliteMaxOpenConns {
		t.Errorf("SQLite pool: %d connections, want %d", n, sqliteMaxOpenConns)
	}
}

func TestOpenSQLiteInMemory(t *testing.T) {
	db, err := Open(t.Context(), "sqlite::memory:", Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if err := Migrate(t.Context(), db); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	// One connection, so every query sees the one in-memory database.
	err = NewStore(db).View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Partners().Get(ctx, "par_x")
		return err
	})
	if !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("Get on a migrated in-memory database: want ErrNotFound, got %v", err)
	}
}

func TestOpenPostgresPool(t *testing.T) {
	u := newPostgresDatabase(t, false)
	db, err := Open(t.Context(), u, Options{MaxOpenConns: 7})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if db.Dialect() != dialect.PG {
		t.Errorf("dialect %s, want pg", db.Dialect())
	}
	if n := db.Bun().DB.Stats().MaxOpenConnections; n != 7 {
		t.Errorf("MaxOpenConns: %d, want 7", n)
	}
	pgURL := "postgresql" + strings.TrimPrefix(u, "postgres")
	db2, err := Open(t.Context(), pgURL, Options{})
	if err != nil {
		t.Fatalf("Open(postgresql://): %v", err)
	}
	defer db2.Close()
	if n := db2.Bun().DB.Stats().MaxOpenConnections; n < 10 {
		t.Errorf("default MaxOpenConns: %d, want 2*GOMAXPROCS+8", n)
	}
}

func TestOpenUnreachablePostgresIsUnavailable(t *testing.T) {
	// Port 1 on loopback: nothing listens, the connection is refused at once.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=5", Options{})
	if !errors.Is(err, ports.ErrUnavailable) {
		t.Fatalf("Open of an unreachable server: want ErrUnavailable, got %v", err)
	}
}

func TestPingAfterCloseIsUnavailable(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		db := open(t)
		if err := db.Ping(t.Context()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		_ = db.Close()
		if err := db.Ping(t.Context()); !errors.Is(err, ports.ErrUnavailable) {
			t.Fatalf("Ping after Close: want ErrUnavailable, got %v", err)
		}
		err := NewStore(db).Do(t.Context(), func(context.Context, ports.Stores) error {
			t.Error("Do ran fn on a closed database")
			return nil
		})
		if !errors.Is(err, ports.ErrUnavailable) {
			t.Fatalf("Do on a closed database: want ErrUnavailable, got %v", err)
		}
	})
}

// TestHotReadsWithoutStatementCacheOnPostgres: a URL that turns pgx's
// statement cache off, or picks its query mode (as in front of a
// transaction-mode pooler), still serves the hot reads: they go through bun
// as every other query instead of as cached prepared statements.
func TestHotReadsWithoutStatementCacheOnPostgres(t *testing.T) {
	for _, param := range []string{"statement_cache_capacity=0", "default_query_exec_mode=simple_protocol"} {
		t.Run(param, func(t *testing.T) {
			u := newPostgresDatabase(t, true)
			sep := "?"
			if strings.Contains(u, "?") {
				sep = "&"
			}
			db := openMigratedURL(t, u+sep+param)
			if db.prepared {
				t.Fatalf("%s: hot reads still prepared", param)
			}
			store := NewStore(db)
			chn := seedChannel(t, store)
			err := store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
				if _, err := tx.Partners().Get(ctx, "par_1"); err != nil {
					return fmt.Errorf("partner: %w", err)
				}
				if _, err := tx.Idempotency().Get(ctx, chn, "no-such-key"); !errors.Is(err, ports.ErrNotFound) {
					return fmt.Errorf("idempotency record: %v, want ErrNotFound", err)
				}
				if _, err := tx.Domains().GetByName(ctx, core.MustName("nothing.example")); !errors.Is(err, ports.ErrNotFound) {
					return fmt.Errorf("domain: %v, want ErrNotFound", err)
				}
				_, err := tx.Audit().Query(ctx, ports.AuditQuery{ChannelID: chn, Limit: 5})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	if !openPostgres(t).prepared {
		t.Error("a plain PostgreSQL URL: hot reads not prepared")
	}
}
