package ceiling_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/headlessdomains/registry/bench/internal/benchtest"
	"github.com/headlessdomains/registry/bench/internal/ceiling"
)

func TestRegistrarsFlag(t *testing.T) {
	regs := []ceiling.Registrar{{"ptn_a", "chn_a", "bench-a", "key_a"}, {"ptn_b", "chn_b", "bench-b", "key_b"}}
	got, err := ceiling.ParseRegistrars(ceiling.FormatRegistrars(regs))
	if err != nil || len(got) != 2 || got[0] != regs[0] || got[1] != regs[1] {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if got, err := ceiling.ParseRegistrars(""); err != nil || got != nil {
		t.Errorf("empty: %+v %v", got, err)
	}
	for _, bad := range []string{"ptn_a:chn_a:bench-a", "ptn_a:chn_a:bench-a:key_a,", "ptn_a::bench-a:key_a"} {
		if _, err := ceiling.ParseRegistrars(bad); err == nil {
			t.Errorf("ParseRegistrars(%q) accepted", bad)
		}
	}
}

// POST /write/{k} is the write ceiling's transaction charged to registrar
// k: its domain, audit row, idempotency record and balance, nobody else's.
func TestWriteCeilingSpreadOverRegistrars(t *testing.T) {
	f := benchtest.Database(t)
	redisURL := benchtest.Service(t, "REGISTRY_TEST_REDIS_URL")
	ctx := context.Background()
	more := f.Registrars(t, 3)
	var regs []ceiling.Registrar
	for _, r := range more {
		regs = append(regs, ceiling.Registrar{PartnerID: r.PartnerID, ChannelID: r.ChannelID, ChannelSlug: r.ChannelSlug, APIKeyID: r.APIKeyID})
	}
	srv, err := ceiling.New(ctx, ceiling.Config{PostgresURL: f.URL, RedisURL: redisURL, PartnerID: f.PartnerID,
		ChannelID: f.ChannelID, ChannelSlug: f.ChannelSlug, APIKeyID: f.APIKeyID, Namespace: f.Namespace, Multi: regs})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	post := func(path, body string) (int, string) {
		t.Helper()
		res, err := http.Post(hs.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	// Two writes charged to registrar 1, one to registrar 2, none to 0.
	for i, k := range []int{1, 2, 1} {
		body := fmt.Sprintf(`{"domain":"multi-%d.%s","idempotency_key":"m-%d"}`, i, f.Namespace, i)
		if status, ans := post(fmt.Sprintf("/write/%d", k), body); status != 201 {
			t.Fatalf("write %d to registrar %d: %d %s", i, k, status, ans)
		}
	}
	for _, path := range []string{"/write/3", "/write/-1", "/write/x"} {
		if status, _ := post(path, `{"domain":"multi-x.`+f.Namespace+`","idempotency_key":"m-x"}`); status != 404 {
			t.Errorf("POST %s: %d, want 404", path, status)
		}
	}
	conn, err := pgx.Connect(ctx, f.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	want := map[string]int64{f.PartnerID: 0, regs[0].PartnerID: 0, regs[1].PartnerID: 2, regs[2].PartnerID: 1}
	chans := map[string]string{f.PartnerID: f.ChannelID, regs[0].PartnerID: regs[0].ChannelID, regs[1].PartnerID: regs[1].ChannelID, regs[2].PartnerID: regs[2].ChannelID}
	for partner, n := range want {
		var domains, audits, records int64
		var balance int64
		err := conn.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM domains WHERE partner_id = $1 AND channel_id = $2),
			(SELECT count(*) FROM audit_events WHERE channel_id = $2),
			(SELECT count(*) FROM idempotency_records WHERE channel_id = 'ceiling:' || $2 AND result IS NOT NULL),
			(SELECT gems_balance FROM partners WHERE id = $1)`, partner, chans[partner]).Scan(&domains, &audits, &records, &balance)
		if err != nil {
			t.Fatal(err)
		}
		if domains != n || audits != n || records != n || balance != f.Balance-10*n {
			t.Errorf("%s after the writes: %d domains, %d audit rows, %d records, balance %d; want %d each and %d",
				partner, domains, audits, records, balance, n, f.Balance-10*n)
		}
	}
}
