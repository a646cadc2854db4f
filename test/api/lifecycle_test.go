package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

// maintain runs the registry's maintenance loop once, as every registryd
// does each REGISTRY_MAINTENANCE_INTERVAL, and answers the changes it made.
func (e *env) maintain() map[core.LifecycleChange]int {
	e.t.Helper()
	rep, err := e.svc.RunMaintenance(context.Background(), 1000)
	if err != nil {
		e.t.Fatalf("maintenance: %v", err)
	}
	return rep.Changes
}

// TestLifecycleOverREST drives a registration through a namespace with
// short periods, over the registrar and operator APIs, every exchange
// validated against the served documents: delete after add grace into
// redemption, restore with its report, expiry without auto-renew, the
// registry's deletion after the auto-renew grace and a restore that renews.
func TestLifecycleOverREST(t *testing.T) {
	e := newEnv(t)
	const hour = 3600
	ns := e.opDo("POST", "/namespaces", map[string]any{"name": e.unique("life"), "dns_backend": core.DNSBackendMemory,
		"create_price_gems": 100, "renew_price_gems": 80, "reserved_labels": []string{}, "claim_labels": []string{},
		"add_grace_period_seconds": hour, "renew_grace_period_seconds": hour, "auto_renew_grace_period_seconds": 2 * hour,
		"redemption_period_seconds": 24 * hour, "pending_delete_period_seconds": hour, "auto_renew": false,
		"restore_price_gems": 30}, http.StatusCreated)
	if ns["add_grace_period_seconds"] != float64(hour) || ns["auto_renew"] != false || ns["restore_price_gems"] != 30.0 ||
		ns["restore_price_follows_renew"] != false || ns["transfer_price_gems"] != 80.0 || ns["transfer_price_follows_renew"] != true ||
		ns["auth_code_ttl_seconds"] != float64(14*24*hour) {
		t.Fatalf("namespace: %v", ns)
	}
	r := e.admit(regSpec{Namespace: ns["name"].(string)})
	name := "alice." + r.Namespace
	api := func(method, path string, body any, kv ...string) resp {
		return e.do(req(method, regBase+path, r.Token, body, kv...))
	}
	// GET /status tells the registrar the namespace's prices and policy.
	st := e.must(http.StatusOK, api("GET", "/status", nil))
	terms := st["namespace_listings"].([]any)[0].(map[string]any)["terms"].(map[string]any)
	if terms["redemption_period_seconds"] != float64(24*hour) || terms["auto_renew"] != false ||
		terms["restore_price_gems"] != 30.0 || terms["transfer_price_gems"] != 80.0 {
		t.Fatalf("status terms: %v", terms)
	}
	created := e.must(http.StatusCreated, api("POST", "/domains", map[string]any{"domain": name,
		"registrant": map[string]any{"name": "Alice", "email": "alice@example.com"}}, "Idempotency-Key", "c-1"))
	if st := created["domain"].(map[string]any)["statuses"].([]any); len(st) != 1 || st[0] != core.StatusAddPeriod {
		t.Fatalf("statuses after create: %v", st)
	}

	// Out of add grace, the delete keeps the create debit and enters redemption.
	e.clock.advance(2 * time.Hour)
	if got := e.maintain(); got[core.ChangeEndGrace] != 1 {
		t.Fatalf("maintenance after add grace: %v", got)
	}
	del := e.must(http.StatusOK, api("DELETE", "/domains/"+name, nil, "Idempotency-Key", "d-1"))
	if del["freed"] != false || del["refunded_gems"] != 0.0 {
		t.Fatalf("delete: %v", del)
	}
	info := e.must(http.StatusOK, api("GET", "/domains/"+name, nil))
	if info["state"] != string(core.StateRedemption) || len(info["statuses"].([]any)) != 2 {
		t.Fatalf("after delete: %v %v", info["state"], info["statuses"])
	}
	e.wantProblem(api("POST", "/domains/"+name+"/renew", map[string]any{"years": 1, "current_expires_at": info["expires_at"]},
		"Idempotency-Key", "rn-1"), core.CodeStatusProhibitsOperation)

	// Sandbox: validated and audited, nothing restored, nothing debited.
	before := e.balance(r.PartnerID)
	sb := e.must(http.StatusAccepted, api("POST", "/domains/"+name+"/restore", nil, "Idempotency-Key", "rs-sb", "X-Registrar-Sandbox", "1"))
	if sb["status"] != core.AuditSandbox || e.balance(r.PartnerID) != before {
		t.Fatalf("sandbox restore: %v", sb)
	}
	if got := e.must(http.StatusOK, api("GET", "/domains/"+name, nil)); got["state"] != string(core.StateRedemption) {
		t.Fatalf("a sandbox restore restored: %v", got["state"])
	}

	// The restore, with its report: the restore price, nothing more (the expiry lies ahead).
	report := map[string]any{"pre_data": "ns1.example.net", "post_data": "ns1.example.net",
		"delete_time": "2026-01-02T05:05:00Z", "restore_time": "2026-01-02T05:06:00Z", "reason": "registrant error",
		"statements": []string{"not restored for ourselves", "true to the best of our knowledge"}}
	body := map[string]any{"report": report}
	rs := e.must(http.StatusOK, api("POST", "/domains/"+name+"/restore", body, "Idempotency-Key", "rs-1"))
	dom := rs["domain"].(map[string]any)
	if rs["command"] != string(core.CmdRestoreDomain) || rs["debited_gems"] != 30.0 || dom["state"] != string(core.StateActive) ||
		dom["expires_at"] != info["expires_at"] || e.balance(r.PartnerID) != before-30 {
		t.Fatalf("restore: %v", rs)
	}
	if again := e.must(http.StatusOK, api("POST", "/domains/"+name+"/restore", body, "Idempotency-Key", "rs-1")); again["idempotent"] != true ||
		again["audit_id"] != rs["audit_id"] || e.balance(r.PartnerID) != before-30 {
		t.Fatalf("replay: %v", again)
	}
	e.wantProblem(api("POST", "/domains/"+name+"/restore", nil, "Idempotency-Key", "rs-2"), core.CodeStatusProhibitsOperation)
	poll := e.must(http.StatusOK, api("GET", "/poll?idempotency_key=rs-1", nil))
	ev := poll["events"].([]any)[0].(map[string]any)
	if ev["actor"] != "registrar" || ev["command"] != string(core.CmdRestoreDomain) ||
		ev["request_summary"].(map[string]any)["report"].(map[string]any)["reason"] != "registrant error" {
		t.Fatalf("restore audit: %v", ev)
	}
	ledger := e.ledger(r.PartnerID)
	if last := ledger[len(ledger)-1]; last.Amount != -30 || last.Domain != name {
		t.Fatalf("restore ledger entry: %+v", last)
	}

	// Without auto-renew the registration expires at its expiry, and the
	// registry deletes it when the auto-renew grace ends.
	expires, _ := time.Parse(time.RFC3339Nano, info["expires_at"].(string))
	e.clock.advance(expires.Sub(e.clock.Now()) + time.Minute)
	if got := e.maintain(); got[core.ChangeExpire] != 1 {
		t.Fatalf("maintenance at the expiry: %v", got)
	}
	if got := e.must(http.StatusOK, api("GET", "/domains/"+name, nil)); got["state"] != string(core.StateExpired) {
		t.Fatalf("after the expiry: %v", got["state"])
	}
	e.clock.advance(2 * time.Hour)
	if got := e.maintain(); got[core.ChangeDeleteExpired] != 1 {
		t.Fatalf("maintenance after the auto-renew grace: %v", got)
	}
	if got := e.must(http.StatusOK, api("GET", "/domains/"+name, nil)); got["state"] != string(core.StateRedemption) {
		t.Fatalf("after the auto-renew grace: %v", got["state"])
	}

	// The operator makes restores follow the renew price again; a restore
	// after the expiry adds one year from the old expiry at the renew price.
	if up := e.opDo("PATCH", "/namespaces/"+r.Namespace, map[string]any{"restore_price_gems": nil}, http.StatusOK); up["restore_price_gems"] != 80.0 ||
		up["restore_price_follows_renew"] != true || up["add_grace_period_seconds"] != float64(hour) {
		t.Fatalf("namespace update: %v", up)
	}
	before = e.balance(r.PartnerID)
	late := e.must(http.StatusOK, api("POST", "/domains/"+name+"/restore", nil, "Idempotency-Key", "rs-3"))
	if late["debited_gems"] != 160.0 || e.balance(r.PartnerID) != before-160 ||
		late["domain"].(map[string]any)["expires_at"] != core.AddYears(expires, 1).UTC().Format(time.RFC3339Nano) {
		t.Fatalf("restore after the expiry: %v", late)
	}
}
