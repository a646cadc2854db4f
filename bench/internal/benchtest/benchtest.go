// Package benchtest gives the benchmark's tests a migrated PostgreSQL
// database of their own (on the server of REGISTRY_TEST_POSTGRES_URL,
// which scripts/test-services.sh exports) holding one partner, approved
// channel, namespace and API key, as the operator API would leave them.
package benchtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/headlessdomains/registry/adapters/sqlstore"
)

// Fixture is the registrar the database holds.
type Fixture struct {
	URL         string // the database's own URL
	PartnerID   string
	ChannelID   string
	ChannelSlug string
	APIKeyID    string
	Namespace   string
	Balance     int64
}

// Service returns the URL of a service from env, skipping the test when it
// is unset, unless REQUIRE_SERVICES=1 (then the test fails).
func Service(t testing.TB, env string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		if os.Getenv("REQUIRE_SERVICES") == "1" {
			t.Fatalf("%s is not set (REQUIRE_SERVICES=1); run through scripts/test-services.sh", env)
		}
		t.Skipf("%s is not set; run through scripts/test-services.sh", env)
	}
	return v
}

// Database creates, migrates and fills a database dropped when t ends.
func Database(t testing.TB) Fixture {
	t.Helper()
	server := Service(t, "REGISTRY_TEST_POSTGRES_URL")
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "bench_test_" + hex.EncodeToString(b)
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), server)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	f := Fixture{URL: u.String(), PartnerID: "ptn_test", ChannelID: "chn_test", ChannelSlug: "bench-test",
		APIKeyID: "key_test", Namespace: "benchns", Balance: 1_000_000}

	db, err := sqlstore.Open(ctx, f.URL, sqlstore.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	if err := sqlstore.Migrate(ctx, db); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	conn, err := pgx.Connect(ctx, f.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	now := time.Now().UTC()
	stmts := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO partners (id, name, gems_balance, dns_module_enabled, created_at, updated_at) VALUES ($1, 'Bench Test', $2, true, $3, $3)`,
			[]any{f.PartnerID, f.Balance, now}},
		{`INSERT INTO namespaces (name, dns_backend, create_price_gems, renew_price_gems, reserved_labels, claim_labels, created_at)
			VALUES ($1, 'none', 10, 8, '["registry"]', '["bitcoin"]', $2)`, []any{f.Namespace, now}},
		{`INSERT INTO channels (id, partner_id, slug, status, production_approved, production_approved_at, rate_limit_per_minute, created_at, updated_at)
			VALUES ($1, $2, $3, 'approved', true, $4, 100000, $4, $4)`, []any{f.ChannelID, f.PartnerID, f.ChannelSlug, now}},
		{`INSERT INTO listings (channel_id, namespace, status, created_at, approved_at) VALUES ($1, $2, 'approved', $3, $3)`,
			[]any{f.ChannelID, f.Namespace, now}},
		{`INSERT INTO api_keys (id, partner_id, channel_id, profile, scopes, token_hash, token_prefix, created_at)
			VALUES ($1, $2, $3, 'registrar_api', '[]', 'hash-of-test-token', 'test', $4)`, []any{f.APIKeyID, f.PartnerID, f.ChannelID, now}},
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s.sql, s.args...); err != nil {
			t.Fatalf("fixture: %v\n%s", err, s.sql)
		}
	}
	return f
}

// Registrar is one more partner of a Fixture's database.
type Registrar struct {
	PartnerID   string
	ChannelID   string
	ChannelSlug string
	APIKeyID    string
}

// Registrars adds n partners, each with an approved, production-approved
// channel listed on the fixture's namespace, an API key and f.Balance Gems.
func (f Fixture) Registrars(t testing.TB, n int) []Registrar {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	now := time.Now().UTC()
	var out []Registrar
	for k := 0; k < n; k++ {
		r := Registrar{PartnerID: fmt.Sprintf("ptn_test_%02d", k), ChannelID: fmt.Sprintf("chn_test_%02d", k),
			ChannelSlug: fmt.Sprintf("bench-test-%02d", k), APIKeyID: fmt.Sprintf("key_test_%02d", k)}
		for _, s := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO partners (id, name, gems_balance, dns_module_enabled, created_at, updated_at) VALUES ($1, $2, $3, true, $4, $4)`,
				[]any{r.PartnerID, "Bench Test " + r.PartnerID, f.Balance, now}},
			{`INSERT INTO channels (id, partner_id, slug, status, production_approved, production_approved_at, rate_limit_per_minute, created_at, updated_at)
				VALUES ($1, $2, $3, 'approved', true, $4, 100000, $4, $4)`, []any{r.ChannelID, r.PartnerID, r.ChannelSlug, now}},
			{`INSERT INTO listings (channel_id, namespace, status, created_at, approved_at) VALUES ($1, $2, 'approved', $3, $3)`,
				[]any{r.ChannelID, f.Namespace, now}},
			{`INSERT INTO api_keys (id, partner_id, channel_id, profile, scopes, token_hash, token_prefix, created_at)
				VALUES ($1, $2, $3, 'registrar_api', '[]', $4, 'test', $5)`, []any{r.APIKeyID, r.PartnerID, r.ChannelID, "hash-of-" + r.APIKeyID, now}},
		} {
			if _, err := conn.Exec(ctx, s.sql, s.args...); err != nil {
				t.Fatalf("registrar %d: %v\n%s", k, err, s.sql)
			}
		}
		out = append(out, r)
	}
	return out
}
