// Package pgtest gives a test a migrated PostgreSQL database of its own on
// the server of REGISTRY_TEST_POSTGRES_URL (scripts/test-services.sh sets
// it), dropped when the test ends. Without a server the test skips, or
// fails when REQUIRE_SERVICES=1.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/sqlstore"
)

// NewDatabase creates a migrated database named prefix_<random> and answers
// its URL.
func NewDatabase(t testing.TB, prefix string) string {
	t.Helper()
	raw := os.Getenv("REGISTRY_TEST_POSTGRES_URL")
	required := os.Getenv("REQUIRE_SERVICES") == "1"
	unavailable := func(format string, args ...any) {
		t.Helper()
		if required {
			t.Fatalf("PostgreSQL required (REQUIRE_SERVICES=1): "+format, args...)
		}
		t.Skipf("PostgreSQL tests skipped: "+format, args...)
	}
	if raw == "" {
		unavailable("REGISTRY_TEST_POSTGRES_URL is not set")
	}
	server, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("REGISTRY_TEST_POSTGRES_URL: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sqlstore.Open(ctx, raw, sqlstore.Options{MaxOpenConns: 2})
	if err != nil {
		unavailable("%v", err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	if err := admin.Ping(ctx); err != nil {
		unavailable("%v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := prefix + "_" + hex.EncodeToString(b[:])
	if _, err := admin.Bun().ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.Bun().ExecContext(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u := *server
	u.Path = "/" + name
	db, err := sqlstore.Open(ctx, u.String(), sqlstore.Options{})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	defer db.Close()
	if err := sqlstore.Migrate(ctx, db); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return u.String()
}

// OpenStore opens a connection pool of its own on url (one "node"), closed
// when the test ends.
func OpenStore(t testing.TB, url string, maxConns int) *sqlstore.Store {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), url, sqlstore.Options{MaxOpenConns: maxConns})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return sqlstore.NewStore(db)
}
