package ceiling_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/headlessdomains/registry/bench/internal/benchtest"
	"github.com/headlessdomains/registry/bench/internal/ceiling"
	"github.com/headlessdomains/registry/bench/internal/seed"
)

func TestReadAndWriteCeilings(t *testing.T) {
	f := benchtest.Database(t)
	redisURL := benchtest.Service(t, "REGISTRY_TEST_REDIS_URL")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ref := time.Now().UTC()
	plan := seed.Plan{PartnerID: f.PartnerID, ChannelID: f.ChannelID, ChannelSlug: f.ChannelSlug, APIKeyID: f.APIKeyID,
		Namespace: f.Namespace, Ref: ref, Domains: 10}
	if _, err := seed.Domains(ctx, conn, plan, 0, 10); err != nil {
		t.Fatal(err)
	}

	srv, err := ceiling.New(ctx, ceiling.Config{PostgresURL: f.URL, RedisURL: redisURL, PartnerID: f.PartnerID,
		ChannelID: f.ChannelID, ChannelSlug: f.ChannelSlug, APIKeyID: f.APIKeyID, Namespace: f.Namespace})
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
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	checkServes(t, do, f.Namespace, plan)

	// One committed transaction: domain, audit row, idempotency record, balance.
	var domains, audits, records int
	var balance int64
	err = conn.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM domains WHERE name = $1),
		(SELECT count(*) FROM audit_events WHERE domain = $1 AND idempotency_key = 'k-1'),
		(SELECT count(*) FROM idempotency_records WHERE domain = $1 AND idempotency_key = 'k-1' AND result IS NOT NULL),
		(SELECT gems_balance FROM partners WHERE id = $2)`, "ceiling-one."+f.Namespace, f.PartnerID).
		Scan(&domains, &audits, &records, &balance)
	if err != nil {
		t.Fatal(err)
	}
	if domains != 1 || audits != 1 || records != 1 || balance != f.Balance-10 {
		t.Fatalf("after one write: %d domains, %d audit rows, %d records, balance %d (was %d)", domains, audits, records, balance, f.Balance)
	}
}

// checkServes checks what both ceilings answer: a seeded registration read
// by id, a missing one, a create, the same create again, a bad request.
func checkServes(t *testing.T, do func(method, path, body string) (int, string), namespace string, plan seed.Plan) {
	t.Helper()
	status, body := do("GET", "/read/"+seed.DomainID(3), "")
	var got struct {
		ID, Name, State string
		ExpiresAt       time.Time `json:"expires_at"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &got) != nil || got.ID != seed.DomainID(3) ||
		got.Name != seed.Name(3, namespace) || got.State != "active" || !got.ExpiresAt.Equal(plan.ExpiryOf(3)) {
		t.Fatalf("read: %d %s", status, body)
	}
	if status, _ := do("GET", "/read/dom_missing", ""); status != 404 {
		t.Errorf("read of a missing id: %d", status)
	}
	w := `{"domain":"ceiling-one.` + namespace + `","idempotency_key":"k-1"}`
	if status, body := do("POST", "/write", w); status != 201 || !strings.Contains(body, `"idempotency_key":"k-1"`) {
		t.Fatalf("write: %d %s", status, body)
	}
	if status, _ := do("POST", "/write", w); status != 409 {
		t.Errorf("second write of the same name and key: %d, want 409", status)
	}
	if status, _ := do("POST", "/write", `{"domain":"no-namespace","idempotency_key":"k-2"}`); status != 400 {
		t.Errorf("write without a namespace: %d, want 400", status)
	}
}
