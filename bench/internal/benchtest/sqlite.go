package benchtest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/sqlstore"
	"github.com/headlessdomains/registry/bench/internal/sqlitedb"
)

// SQLiteDatabase creates a SQLite file in a temporary folder, migrates it
// as registryd does and fills it with the fixture's registrar. The URL is
// registryd's (sqlite:PATH); path is the file.
func SQLiteDatabase(t testing.TB) (f Fixture, path string) {
	t.Helper()
	ctx := context.Background()
	path = filepath.Join(t.TempDir(), "registry.db")
	f = Fixture{URL: "sqlite:" + path, PartnerID: "ptn_test", ChannelID: "chn_test", ChannelSlug: "bench-test",
		APIKeyID: "key_test", Namespace: "benchns", Balance: 1_000_000}
	db, err := sqlstore.Open(ctx, f.URL, sqlstore.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	if err := sqlstore.Migrate(ctx, db); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	now := time.Now().UTC().Format(sqlitedb.TimeLayout)
	stmts := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO partners (id, name, gems_balance, dns_module_enabled, created_at, updated_at) VALUES (?, 'Bench Test', ?, 1, ?, ?)`,
			[]any{f.PartnerID, f.Balance, now, now}},
		{`INSERT INTO namespaces (name, dns_backend, create_price_gems, renew_price_gems, reserved_labels, claim_labels, created_at)
			VALUES (?, 'none', 10, 8, '["registry"]', '["bitcoin"]', ?)`, []any{f.Namespace, now}},
		{`INSERT INTO channels (id, partner_id, slug, status, production_approved, production_approved_at, rate_limit_per_minute, created_at, updated_at)
			VALUES (?, ?, ?, 'approved', 1, ?, 100000, ?, ?)`, []any{f.ChannelID, f.PartnerID, f.ChannelSlug, now, now, now}},
		{`INSERT INTO listings (channel_id, namespace, status, created_at, approved_at) VALUES (?, ?, 'approved', ?, ?)`,
			[]any{f.ChannelID, f.Namespace, now, now}},
		{`INSERT INTO api_keys (id, partner_id, channel_id, profile, scopes, token_hash, token_prefix, created_at)
			VALUES (?, ?, ?, 'registrar_api', '[]', 'hash-of-test-token', 'test', ?)`, []any{f.APIKeyID, f.PartnerID, f.ChannelID, now}},
	}
	for _, s := range stmts {
		if _, err := db.Bun().DB.ExecContext(ctx, s.sql, s.args...); err != nil {
			t.Fatalf("fixture: %v\n%s", err, s.sql)
		}
	}
	return f, path
}
