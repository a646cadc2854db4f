package e2e

import (
	"testing"
)

// A sandbox create debits nothing and says so: its answer and its audit row
// carry would_debit_gems, never debited_gems, and the balance stays. The
// production create debits and says debited_gems.
func TestSandboxAnswersSayWhatWouldBeDebited(t *testing.T) {
	s := start(t, "REGISTRY_DATABASE_URL=memory:")
	_, partnerID, token := admit(s, "sandboxdebit", "sbdebit", true)
	balance := func() float64 {
		return s.must(200, s.do("GET", admin+"/partners/"+partnerID, operatorToken, nil))["gems_balance"].(float64)
	}
	before := balance()

	body := map[string]any{"domain": "alice.sbdebit", "years": 1, "registrant": registrant()}
	sb := s.must(202, s.do("POST", reg+"/domains", token, body, "Idempotency-Key", "sb-debit-1", "X-Registrar-Sandbox", "1"))
	if _, ok := sb["debited_gems"]; ok || sb["would_debit_gems"] != 10.0 {
		t.Fatalf("sandbox create: debited_gems %v, would_debit_gems %v; want none and 10", sb["debited_gems"], sb["would_debit_gems"])
	}
	// The replay says the same.
	again := s.must(202, s.do("POST", reg+"/domains", token, body, "Idempotency-Key", "sb-debit-1", "X-Registrar-Sandbox", "1"))
	if _, ok := again["debited_gems"]; ok || again["would_debit_gems"] != 10.0 || again["idempotent"] != true {
		t.Fatalf("sandbox replay: %v", again)
	}
	if got := balance(); got != before {
		t.Fatalf("balance %v after a sandbox create, want %v", got, before)
	}
	poll := s.must(200, s.do("GET", reg+"/poll?idempotency_key=sb-debit-1", token, nil))
	events := poll["events"].([]any)
	if len(events) != 1 {
		t.Fatalf("poll: %d events, want 1", len(events))
	}
	summary := events[0].(map[string]any)["response_summary"].(map[string]any)
	if _, ok := summary["debited_gems"]; ok || summary["would_debit_gems"] != 10.0 {
		t.Fatalf("sandbox audit summary: %v", summary)
	}

	prod := s.must(201, s.do("POST", reg+"/domains", token, body, "Idempotency-Key", "prod-debit-1"))
	if _, ok := prod["would_debit_gems"]; ok || prod["debited_gems"] != 10.0 {
		t.Fatalf("production create: debited_gems %v, would_debit_gems %v; want 10 and none", prod["debited_gems"], prod["would_debit_gems"])
	}
	if got := balance(); got != before-10 {
		t.Fatalf("balance %v after a production create, want %v", got, before-10)
	}
}
