package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func registrant() map[string]any {
	return map[string]any{"name": "Alice Example", "email": "alice@example.com", "phone": "+1.5555551234", "country": "US"}
}

// TestRegistrarLifecycleSurvivesRestart walks a registrar from admission to
// production through every command, then restarts registryd on the same
// SQLite file and finds every registration, debit and audit row again.
func TestRegistrarLifecycleSurvivesRestart(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "registry.db")
	s := start(t, "REGISTRY_DATABASE_URL="+db)

	if r := s.do("GET", "/healthz", "", nil); r.Status != 200 {
		t.Fatalf("healthz %d", r.Status)
	}
	if r := s.do("GET", "/readyz", "", nil); r.Status != 200 {
		t.Fatalf("readyz %d %s", r.Status, r.Raw)
	}
	chID, partnerID, key := admit(s, "acme", "defiwallet", false)

	st := s.must(200, s.do("GET", reg+"/status", key, nil))
	if prov := st["audit_provenance"].(map[string]any); prov["registrar_channel_id"] != chID {
		t.Fatalf("audit provenance %v, want %s", prov, chID)
	}
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if s.do("GET", reg+"/status", key, nil).Header.Get(h) == "" {
			t.Errorf("status lacks %s", h)
		}
	}

	// OT&E: production mutation refused, sandbox accepted and replayable.
	create := map[string]any{"domain": "alice.defiwallet", "years": 2, "registrant": registrant(), "nameservers": []string{"ns1.example.net"}}
	r := s.do("POST", reg+"/domains", key, create, "Idempotency-Key", "c-1")
	if r.Status != 403 || r.Body["code"] != "registrar_channel_not_production_approved" {
		t.Fatalf("production create before approval: %d %s", r.Status, r.Raw)
	}
	sb := s.must(202, s.do("POST", reg+"/domains", key, create, "Idempotency-Key", "sb-1", "X-Registrar-Sandbox", "1"))
	again := s.must(202, s.do("POST", reg+"/domains", key, create, "Idempotency-Key", "sb-1", "X-Registrar-Sandbox", "1"))
	if again["idempotent"] != true || again["audit_id"] != sb["audit_id"] {
		t.Fatalf("sandbox replay: %v", again)
	}
	if r := s.do("GET", reg+"/domains/alice.defiwallet", key, nil); r.Status != 404 {
		t.Fatalf("sandbox create changed inventory: %d %s", r.Status, r.Raw)
	}
	reset := s.must(200, s.do("POST", reg+"/sandbox/reset", key, nil))
	if n := len(reset["fixtures"].([]any)); n != 7 { // 6 domains (the transfer fixture too) and the OT&E registrant contact
		t.Fatalf("fixtures: %d", n)
	}

	// Production.
	s.must(200, s.do("POST", admin+"/registrar-channels/"+chID+"/production-approval", operatorToken, map[string]any{"force": true}))
	created := s.must(201, s.do("POST", reg+"/domains", key, create, "Idempotency-Key", "c-2"))
	d := created["domain"].(map[string]any)
	if d["name"] != "alice.defiwallet" || d["state"] != "active" || d["registrar_channel_id"] != chID {
		t.Fatalf("created domain: %v", d)
	}
	replay := s.must(201, s.do("POST", reg+"/domains", key, create, "Idempotency-Key", "c-2"))
	if replay["idempotent"] != true {
		t.Fatalf("replay: %v", replay)
	}
	if r := s.do("POST", reg+"/domains", key, map[string]any{"domain": "bob.defiwallet", "registrant": registrant()}, "Idempotency-Key", "c-2"); r.Status != 409 || r.Body["code"] != "duplicate_idempotency_key_conflict" {
		t.Fatalf("key reuse: %d %s", r.Status, r.Raw)
	}
	check := s.must(200, s.do("POST", reg+"/domains/check", key, map[string]any{"names": []string{"alice", "registry.defiwallet", "bitcoin.defiwallet", "free.defiwallet"}}))
	reasons := map[string]any{}
	for _, x := range check["results"].([]any) {
		m := x.(map[string]any)
		reasons[m["name"].(string)] = m["reason"]
	}
	if reasons["alice.defiwallet"] != "registered" || reasons["registry.defiwallet"] != "reserved" ||
		reasons["bitcoin.defiwallet"] != "claim_required" || reasons["free.defiwallet"] != nil {
		t.Fatalf("check reasons: %v", reasons)
	}

	exp := d["expires_at"].(string)
	renewed := s.must(200, s.do("POST", reg+"/domains/alice.defiwallet/renew", key, map[string]any{"years": 1, "current_expires_at": exp, "idempotency_key": "r-1"}))
	newExp, _ := time.Parse(time.RFC3339, renewed["domain"].(map[string]any)["expires_at"].(string))
	oldExp, _ := time.Parse(time.RFC3339, exp)
	if newExp.Year() != oldExp.Year()+1 {
		t.Fatalf("renew: %v -> %v", oldExp, newExp)
	}
	s.must(200, s.do("PUT", reg+"/domains/alice.defiwallet/nameservers", key, map[string]any{"nameservers": []string{"ns1.example.net", "ns2.example.net"}}, "Idempotency-Key", "ns-1"))
	pend := s.must(200, s.do("GET", reg+"/backend/pending?command=update_nameservers&domain=alice.defiwallet", key, nil))
	items := pend["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("pending: %s", pend)
	}
	item := items[0].(map[string]any)
	s.must(200, s.do("POST", admin+"/backend/pending/"+item["id"].(string)+"/apply", operatorToken, nil))
	info := s.must(200, s.do("GET", reg+"/domains/alice.defiwallet", key, nil))
	ns := info["nameservers"].(map[string]any)
	if ns["apply_status"] != "applied" || len(ns["applied"].([]any)) != 2 {
		t.Fatalf("after apply: %v", ns)
	}
	s.must(200, s.do("PUT", reg+"/domains/alice.defiwallet/records", key, map[string]any{"records": []map[string]any{
		{"type": "A", "name": "@", "ttl": 300, "value": "192.0.2.10"}}}, "Idempotency-Key", "rec-1"))
	recs := s.must(200, s.do("GET", reg+"/domains/alice.defiwallet/records", key, nil))
	if len(recs["records"].([]any)) != 1 {
		t.Fatalf("records: %v", recs)
	}

	// Balance: 1000 - 2×10 (create) - 8 (renew).
	p := s.must(200, s.do("GET", admin+"/partners/"+partnerID, operatorToken, nil))
	if p["gems_balance"].(float64) != 972 {
		t.Fatalf("balance %v, want 972", p["gems_balance"])
	}
	poll := s.must(200, s.do("GET", reg+"/poll?idempotency_key=c-2", key, nil))
	if evs := poll["events"].([]any); len(evs) != 1 || evs[0].(map[string]any)["status"] != "success" {
		t.Fatalf("poll: %s", poll)
	}
	if strings.Contains(string(s.do("GET", reg+"/poll?limit=500", key, nil).Raw), "alice@example.com") {
		t.Fatal("poll leaks the registrant e-mail")
	}

	// Restart on the same database: everything is still there.
	s.stop()
	s2 := start(t, "REGISTRY_DATABASE_URL="+db)
	info2 := s2.must(200, s2.do("GET", reg+"/domains/alice.defiwallet", key, nil))
	if info2["expires_at"] != renewed["domain"].(map[string]any)["expires_at"] {
		t.Fatalf("after restart: %v", info2)
	}
	if r := s2.do("POST", reg+"/domains", key, create, "Idempotency-Key", "c-2"); r.Status != 201 || r.Body["idempotent"] != true {
		t.Fatalf("replay after restart: %d %s", r.Status, r.Raw)
	}
	p2 := s2.must(200, s2.do("GET", admin+"/partners/"+partnerID, operatorToken, nil))
	if p2["gems_balance"].(float64) != 972 {
		t.Fatalf("balance after restart %v", p2["gems_balance"])
	}

	// Delete after add grace is not testable with a real clock; inside add
	// grace the name is freed and every debit since the create (the create
	// and the renewal, RFC 3915) is refunded.
	del := s2.must(200, s2.do("DELETE", reg+"/domains/alice.defiwallet", key, nil, "Idempotency-Key", "d-1"))
	if del["freed"] != true || del["refunded_gems"].(float64) != 28 {
		t.Fatalf("delete: %v", del)
	}
	if p := s2.must(200, s2.do("GET", admin+"/partners/"+partnerID, operatorToken, nil)); p["gems_balance"].(float64) != 1000 {
		t.Fatalf("balance after the delete in add grace %v, want the opening 1000", p["gems_balance"])
	}
	if r := s2.do("GET", reg+"/domains/alice.defiwallet", key, nil); r.Status != 404 {
		t.Fatalf("info after delete: %d", r.Status)
	}
}

func TestDemoModePrintsAReadyRegistrar(t *testing.T) {
	s := start(t, "REGISTRY_DATABASE_URL=memory:", "REGISTRY_DEMO=1")
	out := s.out.String()
	for _, want := range []string{"API key", "hd_live_", "curl", "memory only"} {
		if !strings.Contains(out, want) {
			t.Fatalf("demo output lacks %q:\n%s", want, out)
		}
	}
	var token string
	for _, f := range strings.Fields(out) {
		if strings.HasPrefix(f, "hd_live_") {
			token = f
			break
		}
	}
	st := s.must(200, s.do("GET", reg+"/status", token, nil))
	if st["registrar_channel"] == nil {
		t.Fatalf("demo key has no channel: %v", st)
	}
}
