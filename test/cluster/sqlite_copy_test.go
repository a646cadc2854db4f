package cluster

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestSQLiteToPostgresCopy follows the README's procedure for outgrowing the
// embedded default: a registry used on SQLite is stopped, `registryd
// migrate` prepares PostgreSQL, scripts/sqlite-to-postgres.sh copies the
// data, and registryd on PostgreSQL serves the same registry: the same API
// key, balance, registrations, audit trail, pending work and idempotency
// records (a retried create replays its original answer).
func TestSQLiteToPostgresCopy(t *testing.T) {
	for _, tool := range []string{"sqlite3", "psql"} {
		if _, err := exec.LookPath(tool); err != nil {
			if required() {
				t.Fatalf("REQUIRE_SERVICES=1 but %s is missing", tool)
			}
			t.Skipf("%s is missing", tool)
		}
	}
	dbURL := freshDatabase(t)
	liteFile := filepath.Join(t.TempDir(), "registry.db")

	// A registry used on SQLite.
	old := startNode(t, "sqlite", "REGISTRY_DATABASE_URL=sqlite:"+liteFile)
	r := admit(old, admission{slug: "moving", namespace: "clustermove", balance: 500, rateLimit: 1000, createCost: 10, renewCost: 8})
	created := old.must(201, old.do("POST", reg+"/domains", r.Token, createBody("alpha.clustermove"), "Idempotency-Key", "mv-1"))
	old.must(201, old.do("POST", reg+"/domains", r.Token, createBody("beta.clustermove"), "Idempotency-Key", "mv-2"))
	exp := created["domain"].(map[string]any)["expires_at"]
	old.must(200, old.do("POST", reg+"/domains/alpha.clustermove/renew", r.Token, map[string]any{"years": 1, "current_expires_at": exp}, "Idempotency-Key", "mv-3"))
	old.must(200, old.do("PUT", reg+"/domains/beta.clustermove/nameservers", r.Token, map[string]any{"nameservers": []string{"ns1.example.net"}}, "Idempotency-Key", "mv-4"))
	old.must(202, old.do("POST", reg+"/domains", r.Token, createBody("gamma.clustermove"), "Idempotency-Key", "mv-5", "X-Registrar-Sandbox", "1"))
	if res := old.do("POST", reg+"/domains/beta.clustermove/renew", r.Token, map[string]any{"years": 1, "current_expires_at": "2001-01-01T00:00:00Z"},
		"Idempotency-Key", "mv-6"); res.Status != 409 {
		t.Fatalf("a refused renew (a failed audit row): %s", res)
	}
	before := map[string]response{
		"info":    old.do("GET", reg+"/domains/alpha.clustermove", r.Token, nil),
		"poll":    old.do("GET", reg+"/poll?limit=500", r.Token, nil),
		"pending": old.do("GET", reg+"/backend/pending", r.Token, nil),
	}
	for what, res := range before {
		if res.Status != 200 {
			t.Fatalf("%s on SQLite: %s", what, res)
		}
	}
	wantBalance := balance(old, r.PartnerID)
	old.stop()

	// The procedure.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	migrate := exec.CommandContext(ctx, binary, "migrate")
	migrate.Env = append(os.Environ(), "REGISTRY_CONFIG=/dev/null", "REGISTRY_DATABASE_URL="+dbURL, "REGISTRY_LOG_LEVEL=warn")
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("registryd migrate: %v\n%s", err, out)
	}
	script := exec.CommandContext(ctx, "../../scripts/sqlite-to-postgres.sh", liteFile, dbURL)
	out, err := script.CombinedOutput()
	if err != nil {
		t.Fatalf("sqlite-to-postgres.sh: %v\n%s", err, out)
	}
	t.Logf("sqlite-to-postgres.sh:\n%s", out)
	// A second run refuses: the target is no longer empty.
	again := exec.CommandContext(ctx, "../../scripts/sqlite-to-postgres.sh", liteFile, dbURL)
	if out, err := again.CombinedOutput(); err == nil {
		t.Errorf("a second copy into the filled database succeeded:\n%s", out)
	}

	// The same registry on PostgreSQL.
	n := startNode(t, "postgres", "REGISTRY_DATABASE_URL="+dbURL)
	for what, path := range map[string]string{"info": reg + "/domains/alpha.clustermove", "poll": reg + "/poll?limit=500", "pending": reg + "/backend/pending"} {
		got := n.do("GET", path, r.Token, nil)
		if got.Status != 200 || string(got.Raw) != string(before[what].Raw) {
			t.Errorf("%s on PostgreSQL:\n%s\nwant what SQLite answered:\n%s", what, got, before[what])
		}
	}
	if got := balance(n, r.PartnerID); got != wantBalance {
		t.Errorf("balance on PostgreSQL %d, want %d", got, wantBalance)
	}
	replay := n.must(201, n.do("POST", reg+"/domains", r.Token, createBody("alpha.clustermove"), "Idempotency-Key", "mv-1"))
	if replay["idempotent"] != true || replay["audit_id"] != created["audit_id"] {
		t.Errorf("the retried create on PostgreSQL: %v, want the SQLite answer replayed (audit %v)", replay, created["audit_id"])
	}
	n.must(201, n.do("POST", reg+"/domains", r.Token, createBody("delta.clustermove"), "Idempotency-Key", "mv-7"))
	n.stop()
	checkInvariants(t, openSQL(t, dbURL), []registrar{r})
}
