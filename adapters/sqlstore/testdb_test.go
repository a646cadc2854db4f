package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Test databases. SQLite tests get a file in t.TempDir(). PostgreSQL tests
// run when REGISTRY_TEST_POSTGRES_URL names a server (with REQUIRE_SERVICES=1
// a missing or unreachable server fails them instead of skipping): each gets
// a database of its own, created for it and dropped after it, copied from a
// template migrated once per run, so runs never see each other's data.

const (
	envPostgresURL     = "REGISTRY_TEST_POSTGRES_URL"
	envRequireServices = "REQUIRE_SERVICES"
)

func TestMain(m *testing.M) {
	code := m.Run()
	dropTemplate()
	os.Exit(code)
}

// dialects runs fn once per database the environment offers.
func dialects(t *testing.T, fn func(t *testing.T, open func(t *testing.T) *DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, openSQLite) })
	t.Run("postgres", func(t *testing.T) { fn(t, openPostgres) })
}

// openSQLite opens and migrates a fresh SQLite database in a directory that
// does not exist yet (Open creates it).
func openSQLite(t *testing.T) *DB {
	t.Helper()
	return openMigratedURL(t, "sqlite:"+filepath.Join(t.TempDir(), "data", "registry.db"))
}

// openPostgres opens a fresh, migrated PostgreSQL database.
func openPostgres(t *testing.T) *DB {
	t.Helper()
	return openMigratedURL(t, newPostgresDatabase(t, true))
}

// openEmptyPostgres opens a fresh PostgreSQL database without the schema.
func openEmptyPostgres(t *testing.T) *DB {
	t.Helper()
	db, err := Open(t.Context(), newPostgresDatabase(t, false), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func openMigratedURL(t testing.TB, u string) *DB {
	t.Helper()
	db, err := Open(t.Context(), u, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := Migrate(t.Context(), db); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db
}

// postgresServer is the server of REGISTRY_TEST_POSTGRES_URL and the
// template database migrated for this run.
var postgresServer struct {
	once     sync.Once
	url      *url.URL
	admin    *sql.DB
	template string
	err      error
}

// requirePostgres answers the server URL, or skips (fails under
// REQUIRE_SERVICES=1) when there is none.
func requirePostgres(t testing.TB) *url.URL {
	t.Helper()
	s := &postgresServer
	s.once.Do(func() {
		raw := os.Getenv(envPostgresURL)
		if raw == "" {
			s.err = fmt.Errorf("%s is not set", envPostgresURL)
			return
		}
		if s.url, s.err = url.Parse(raw); s.err != nil {
			return
		}
		if s.admin, s.err = sql.Open("pgx", raw); s.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if s.err = s.admin.PingContext(ctx); s.err != nil {
			s.err = fmt.Errorf("%s does not answer: %w", envPostgresURL, s.err)
			return
		}
		// The template: migrated once, copied for every test.
		s.template = "test_" + randomHex() + "_tpl"
		if s.err = createDatabase(ctx, s.admin, s.template, "template0"); s.err != nil {
			return
		}
		db, err := Open(ctx, databaseURL(s.url, s.template), Options{})
		if err != nil {
			s.err = err
			return
		}
		s.err = Migrate(ctx, db)
		_ = db.Close() // a template must have no connections when copied
	})
	if s.err != nil {
		if os.Getenv(envRequireServices) == "1" {
			t.Fatalf("PostgreSQL required (%s=1): %v", envRequireServices, s.err)
		}
		t.Skipf("PostgreSQL tests skipped: %v", s.err)
	}
	return s.url
}

// newPostgresDatabase creates a database for t alone, migrated or empty,
// drops it when t ends, and answers its URL.
func newPostgresDatabase(t testing.TB, migrated bool) string {
	t.Helper()
	server := requirePostgres(t)
	s := &postgresServer
	name := "test_" + randomHex()
	template := "template0"
	if migrated {
		template = s.template
	}
	if err := createDatabase(t.Context(), s.admin, name, template); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return databaseURL(server, name)
}

func createDatabase(ctx context.Context, admin *sql.DB, name, template string) error {
	_, err := admin.ExecContext(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+
		" TEMPLATE "+pgx.Identifier{template}.Sanitize())
	return err
}

func dropTemplate() {
	s := &postgresServer
	if s.admin == nil {
		return
	}
	defer s.admin.Close()
	if s.template != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{s.template}.Sanitize()+" WITH (FORCE)")
	}
}

func databaseURL(server *url.URL, name string) string {
	u := *server
	u.Path = "/" + name
	return u.String()
}

func randomHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
