package ceiling_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headlessdomains/registry/bench/internal/benchtest"
	"github.com/headlessdomains/registry/bench/internal/ceiling"
	"github.com/headlessdomains/registry/bench/internal/seed"
	"github.com/headlessdomains/registry/bench/internal/sqlitedb"
)

func TestSQLiteReadAndWriteCeilings(t *testing.T) {
	f, path := benchtest.SQLiteDatabase(t)
	redisURL := benchtest.Service(t, "REGISTRY_TEST_REDIS_URL")
	ctx := context.Background()
	db, err := sqlitedb.Open(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ref := time.Now().UTC()
	plan := seed.Plan{PartnerID: f.PartnerID, ChannelID: f.ChannelID, ChannelSlug: f.ChannelSlug, APIKeyID: f.APIKeyID,
		Namespace: f.Namespace, Ref: ref, Domains: 10}
	if _, err := seed.SQLiteDomains(ctx, db, plan, 0, 10); err != nil {
		t.Fatal(err)
	}

	srv, err := ceiling.NewSQLite(ctx, ceiling.Config{RedisURL: redisURL, PartnerID: f.PartnerID, ChannelID: f.ChannelID,
		ChannelSlug: f.ChannelSlug, APIKeyID: f.APIKeyID, Namespace: f.Namespace}, path)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	do := func(method, path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, hs.URL+path, strings.NewReader(body))
		if err != nil {
			t.Error(err)
			return 0, ""
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0, ""
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	checkServes(t, do, f.Namespace, plan)
	// Writers in parallel queue for the write lock (BEGIN IMMEDIATE, busy
	// timeout) instead of failing.
	const parallel = 8
	var wg sync.WaitGroup
	for k := range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := "p-" + string(rune('a'+k))
			if status, body := do("POST", "/write", `{"domain":"ceiling-`+key+`.`+f.Namespace+`","idempotency_key":"`+key+`"}`); status != 201 {
				t.Errorf("parallel write %s: %d %s", key, status, body)
			}
		}()
	}
	wg.Wait()

	// Each write one committed transaction: domain, audit row, idempotency
	// record, balance.
	var domains, audits, records int
	var balance int64
	err = db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM domains WHERE name = ?1),
		(SELECT count(*) FROM audit_events WHERE domain = ?1 AND idempotency_key = 'k-1'),
		(SELECT count(*) FROM idempotency_records WHERE domain = ?1 AND idempotency_key = 'k-1' AND result IS NOT NULL),
		(SELECT gems_balance FROM partners WHERE id = ?2)`, "ceiling-one."+f.Namespace, f.PartnerID).
		Scan(&domains, &audits, &records, &balance)
	if err != nil {
		t.Fatal(err)
	}
	if domains != 1 || audits != 1 || records != 1 || balance != f.Balance-10*(1+parallel) {
		t.Fatalf("after %d writes: %d domains, %d audit rows, %d records for the first, balance %d (was %d)",
			1+parallel, domains, audits, records, balance, f.Balance)
	}
}
