package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/sqlstore"
	"github.com/headlessdomains/registry/bench/internal/benchtest"
	"github.com/headlessdomains/registry/bench/internal/seed"
	"github.com/headlessdomains/registry/bench/internal/sqlitedb"
)

// The rows seeded into SQLite read back through the registry's SQLite store
// exactly as rows it wrote would, as on PostgreSQL.
func TestSQLiteSeededRowsReadBackThroughTheStore(t *testing.T) {
	f, path := benchtest.SQLiteDatabase(t)
	ctx := context.Background()
	db, err := sqlitedb.Open(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ref := time.Now().UTC()
	const domains, audit = 2000, 3000
	plan := seed.Plan{PartnerID: f.PartnerID, ChannelID: f.ChannelID, ChannelSlug: f.ChannelSlug, APIKeyID: f.APIKeyID,
		Namespace: f.Namespace, Ref: ref, Domains: domains}
	for _, r := range [][2]int64{{0, 500}, {500, domains}} {
		if n, err := seed.SQLiteDomains(ctx, db, plan, r[0], r[1]); err != nil || n != r[1]-r[0] {
			t.Fatalf("SQLiteDomains [%d, %d) = %d, %v", r[0], r[1], n, err)
		}
	}
	if n, err := seed.SQLiteAudit(ctx, db, plan, 0, audit, audit); err != nil || n != audit {
		t.Fatalf("SQLiteAudit = %d, %v", n, err)
	}
	// A batch that fails part-way leaves none of its rows behind.
	if _, err := seed.SQLiteDomains(ctx, db, plan, domains, domains+5); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.SQLiteDomains(ctx, db, plan, domains+3, domains+10); err == nil {
		t.Fatal("seeding a registration twice succeeded")
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM domains").Scan(&n); err != nil || n != domains+5 {
		t.Fatalf("%d registrations after a failed batch, want %d (%v)", n, domains+5, err)
	}

	reg, err := sqlstore.Open(ctx, f.URL, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	checkSeeded(t, sqlstore.NewStore(reg), f, plan, domains, audit, func(id string) (time.Time, error) {
		var due string
		if err := db.QueryRowContext(ctx, "SELECT due_at FROM domains WHERE id = ?", id).Scan(&due); err != nil {
			return time.Time{}, err
		}
		return time.Parse(time.RFC3339Nano, due)
	})
}
