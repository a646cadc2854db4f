package api

import (
	"net/http"
	"sync"
	"testing"

	"github.com/headlessdomains/registry/core"
)

// TestConcurrentCreatesWithOneKey sends the same create with the same
// Idempotency-Key from 50 goroutines at once through HTTP: exactly one
// executes (201, idempotent false); every other answer is its replay (201,
// idempotent true, the same audit id) or a retryable 409
// idempotency_key_in_progress. One registration, one debit, one success
// audit row, one piece of backend work. Run it under -race.
func TestConcurrentCreatesWithOneKey(t *testing.T) {
	e := newEnv(t)
	r := e.admit(regSpec{})
	name := "race." + r.Namespace
	body := map[string]any{"domain": name, "years": 2, "registrant": registrant(), "nameservers": []string{"ns1.example.net"}}

	const n = 50
	answers := make([]resp, n)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			answers[i] = e.do(req("POST", regBase+"/domains", r.Token, body, "Idempotency-Key", "race-key"))
		}()
	}
	close(gate)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	fresh, replays, busy := 0, 0, 0
	auditIDs := map[any]bool{}
	for _, a := range answers {
		switch {
		case a.Status == http.StatusCreated && a.Body["idempotent"] == false:
			fresh++
			auditIDs[a.Body["audit_id"]] = true
		case a.Status == http.StatusCreated && a.Body["idempotent"] == true:
			replays++
			auditIDs[a.Body["audit_id"]] = true
		case a.Code == core.CodeIdempotencyInProgress:
			busy++
		default:
			t.Fatalf("unexpected answer: %s", a)
		}
	}
	if fresh != 1 || replays+busy != n-1 || len(auditIDs) != 1 {
		t.Fatalf("%d executed, %d replayed, %d in progress, audit ids %v; want 1 executed and %d replays or in-progress answers with one audit id",
			fresh, replays, busy, auditIDs, n-1)
	}
	t.Logf("%d replays, %d in progress", replays, busy)

	if !e.registered(name) {
		t.Fatal("no registration")
	}
	if got := e.balance(r.PartnerID); got != 10_000-200 {
		t.Fatalf("balance %d, want one debit of 200", got)
	}
	var debits int
	for _, l := range e.ledger(r.PartnerID) {
		if l.Command == string(core.CmdCreateDomain) {
			debits++
		}
	}
	if debits != 1 {
		t.Fatalf("%d create debits in the ledger, want 1", debits)
	}
	events := e.must(http.StatusOK, e.get(r, "/poll?idempotency_key=race-key"))["events"].([]any)
	if len(events) != 1 {
		t.Fatalf("%d audit events for the key, want 1: %v", len(events), events)
	}
	ev := events[0].(map[string]any)
	if ev["status"] != "success" || !auditIDs[ev["id"]] || ev["http_status"] != float64(http.StatusCreated) {
		t.Fatalf("audit event %v", ev)
	}
	if rows := e.registrarAudit(r.ChannelID); len(rows) != 1 {
		t.Fatalf("%d audit rows on the channel, want 1", len(rows))
	}
	if items := e.must(http.StatusOK, e.get(r, "/backend/pending?domain="+name))["items"].([]any); len(items) != 1 {
		t.Fatalf("%d pending items, want the one nameserver apply", len(items))
	}
	// A later retry replays too.
	again := e.must(http.StatusCreated, e.do(req("POST", regBase+"/domains", r.Token, body, "Idempotency-Key", "race-key")))
	if again["idempotent"] != true || !auditIDs[again["audit_id"]] {
		t.Fatalf("retry after the race: %v", again)
	}
}
