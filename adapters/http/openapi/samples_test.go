package openapi

import (
	"encoding/json"
	"testing"
)

// Hand-written bodies shaped as the registrar handoff packet describes them, independent of the
// examples the document embeds.

const sampleDomain = `{
  "name": "xn--mnchen-3ya.defiwallet", "unicode_name": "münchen.defiwallet", "label": "xn--mnchen-3ya",
  "namespace": "defiwallet", "state": "pending_delete", "statuses": ["pendingDelete", "redemptionPeriod"],
  "registrar_channel_id": "c1", "created_at": "2025-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00.123456Z",
  "expires_at": "2027-01-01T00:00:00Z",
  "registrant": {"name": "M", "organization": "", "email": "m@example.org", "phone": "+49.301234567", "country": "DE", "metadata": {}},
  "nameservers": {"desired": [], "applied": ["ns1.example.net"], "apply_status": "pending"},
  "backend": {"kind": "none", "reference": null}, "protected_legacy": true, "ote_sandbox": false,
  "imported": true
}`

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad sample: %v\n%s", err, s)
	}
	return v
}

func TestSampleResponsesValidate(t *testing.T) {
	doc := load(t, Document())
	const pj = "application/problem+json"
	const js = "application/json"
	cases := []struct {
		name, method, path string
		status             int
		ct                 string
		body               string
	}{
		{"info", "GET", "/domains/{domain}", 200, js, sampleDomain},
		{"create", "POST", "/domains", 201, js, `{"command": "create_domain", "status": "success", "sandbox": false, "idempotent": false,
			"idempotency_key": "k1", "audit_id": "a1", "domain": ` + sampleDomain + `}`},
		{"create sandbox", "POST", "/domains", 202, js, `{"command": "create_domain", "status": "sandbox", "sandbox": true, "idempotent": true,
			"idempotency_key": "k1", "audit_id": "a1", "domain": ` + sampleDomain + `}`},
		{"renew", "POST", "/domains/{domain}/renew", 200, js, `{"command": "renew_domain", "status": "success", "sandbox": false, "idempotent": false,
			"idempotency_key": "k2", "audit_id": "a2", "domain": ` + sampleDomain + `, "debited_gems": 80, "pending_id": null}`},
		{"update", "PATCH", "/domains/{domain}", 200, js, `{"command": "update_domain", "status": "success", "sandbox": false, "idempotent": false,
			"idempotency_key": "k3", "audit_id": "a3", "domain": ` + sampleDomain + `}`},
		{"nameservers", "PUT", "/domains/{domain}/nameservers", 200, js, `{"command": "update_nameservers", "status": "success", "sandbox": false,
			"idempotent": false, "idempotency_key": "k4", "audit_id": "a4", "domain": ` + sampleDomain + `, "pending_id": "p1"}`},
		{"records put", "PUT", "/domains/{domain}/records", 200, js, `{"command": "update_records", "status": "success", "sandbox": false,
			"idempotent": false, "idempotency_key": "k5", "audit_id": "a5",
			"records": [{"type": "MX", "name": "@", "ttl": 60, "value": "mx.example.net", "priority": 0},
			            {"type": "CAA", "name": "@", "ttl": 86400, "value": "0 issue \"letsencrypt.org\"", "priority": null}]}`},
		{"delete freed", "DELETE", "/domains/{domain}", 200, js, `{"command": "delete_domain", "status": "success", "sandbox": false,
			"idempotent": false, "idempotency_key": "k6", "audit_id": "a6", "freed": true, "refunded_gems": 100, "domain": ` + sampleDomain + `}`},
		{"delete sandbox", "DELETE", "/domains/{domain}", 202, js, `{"command": "delete_domain", "status": "sandbox", "sandbox": true,
			"idempotent": false, "idempotency_key": "k6", "audit_id": "a6", "freed": false, "refunded_gems": 0}`},
		{"check", "POST", "/domains/check", 200, js, `{"results": [
			{"name": "a.defiwallet", "available": true, "reason": null, "price_gems": 100},
			{"name": "b.defiwallet", "available": false, "reason": "reserved", "price_gems": 100},
			{"name": "c.defiwallet", "available": true, "reason": "claim_required", "price_gems": 100},
			{"name": "d.defiwallet", "available": false, "reason": "registered", "price_gems": 100}]}`},
		{"records get", "GET", "/domains/{domain}/records", 200, js, `{"domain": "a.defiwallet", "records": [
			{"type": "A", "name": "www", "ttl": 300, "value": "192.0.2.1", "priority": null},
			{"type": "SRV", "name": "_sip._tcp", "ttl": 300, "value": "5 5060 sip.example.net", "priority": 10}],
			"backend": {"kind": "memory", "read": true, "write": true, "delegate": true, "record_types": ["A", "AAAA"]}}`},
		{"poll", "GET", "/poll", 200, js, `{"events": [{"id": "e1", "registrar": {"channel_id": "c1", "slug": "acme"}, "actor": "registrar",
			"idempotency_key": null, "command": "sandbox_reset", "status": "success", "domain": null, "http_status": 200,
			"request_summary": {}, "response_summary": {"fixtures": 5}, "created_at": "2026-01-01T00:00:00Z"},
			{"id": "e2", "registrar": {"channel_id": "c1", "slug": "acme"}, "actor": "registrar", "idempotency_key": "ns-001",
			"command": "update_nameservers", "status": "failed", "domain": "a.defiwallet", "http_status": 409,
			"request_summary": {"nameservers": ["ns1.example.net"]}, "response_summary": {"code": "status_prohibits_operation"},
			"created_at": "2026-01-01T00:00:01Z"}], "next_cursor": "e2"}`},
		{"poll last page", "GET", "/poll", 200, js, `{"events": [], "next_cursor": null}`},
		{"pending", "GET", "/backend/pending", 200, js, `{"items": [{"id": "p1", "audit_id": "a4", "command": "delete_domain",
			"domain": "a.defiwallet", "payload": {}, "status": "pending", "created_at": "2026-01-01T00:00:00Z"}]}`},
		{"sandbox reset", "POST", "/sandbox/reset", 200, js, `{"fixtures": [
			{"purpose": "renew", "domain": "ote-renew-acme.defiwallet", "skipped": false, "reason": null},
			{"purpose": "delete", "domain": "ote-delete-acme.defiwallet", "skipped": true, "reason": "held by a real registration"},
			{"purpose": "claim", "domain": "ote-claim-acme.defiwallet", "skipped": false, "reason": null},
			{"purpose": "registrant_contact", "contact_id": "ote-0123456789ab"}]}`},
		{"status unbound", "GET", "/status", 200, js, `{"api_key": {"id": "k"}, "partner": {"id": "p", "gems_balance": 0},
			"registrar_channel": null, "namespace_listings": [], "production_approval": {"approved": false},
			"rate_limit": null, "sandbox": {"available": false}, "ote": {"test_sequence": [{"name": "status", "command": "status"}]},
			"audit_provenance": {"registrar_channel_id": null}, "docs": {"openapi": "/api/v1/registrar/v1/openapi.json"},
			"commands": [{"command": "poll", "method": "GET", "path": "/poll", "required_scopes": ["audit:read"],
			  "scope_status": "granted", "missing_scopes": [], "sandbox_available": false, "production_available": false,
			  "disabled_reason": "registrar_channel_required", "production_blocked_reason": "registrar_channel_required"}],
			"registry_service_contract": {"commands": []},
			"epp_gateway_contract": {"command_mapping": {}, "lifecycle_states": [], "audit_idempotency": {},
			  "protected_legacy_policy": {}, "dns_adapter_capabilities": {}, "conformance_checklist": []}}`},
		{"problem", "POST", "/domains", 409, pj, `{"type": "about:blank", "title": "Duplicate idempotency key conflict", "status": 409,
			"detail": "reused", "instance": "/api/v1/registrar/v1/domains", "code": "duplicate_idempotency_key_conflict",
			"epp_result_code": 2306, "epp_result": "Parameter value policy error", "retryable": false, "request_id": "r1"}`},
		{"validation problem", "POST", "/domains", 400, pj, `{"title": "Validation error", "status": 400, "detail": "bad",
			"code": "validation_error", "epp_result_code": 2005, "epp_result": "Parameter value syntax error",
			"retryable": false, "request_id": "r2", "errors": [{"field": "years", "message": "must be 1 to 10"}]}`},
		{"rate limited", "GET", "/status", 429, pj, `{"title": "Registrar rate limit exceeded", "status": 429, "detail": "slow down",
			"code": "registrar_rate_limit_exceeded", "epp_result_code": 2502,
			"epp_result": "Session limit exceeded; server closing connection", "retryable": true, "request_id": "r3"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := validateResponse(t, doc, c.method, c.path, c.status, c.ct, decode(t, c.body)); err != nil {
				t.Errorf("valid sample rejected: %v", err)
			}
		})
	}
}

// The schemas must also reject what the contract forbids, or the tests above
// prove nothing.
func TestInvalidResponsesAreRejected(t *testing.T) {
	doc := load(t, Document())
	cases := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"domain without state", "GET", "/domains/{domain}", 200, `{"name": "a.b", "label": "a", "namespace": "b", "statuses": [],
			"registrar_channel_id": "c", "created_at": "2026-01-01T00:00:00Z", "expires_at": "2027-01-01T00:00:00Z",
			"registrant": {}, "nameservers": {"desired": [], "applied": [], "apply_status": "none"},
			"backend": {"kind": "none"}, "protected_legacy": false, "ote_sandbox": false}`},
		{"unknown state", "GET", "/domains/{domain}", 200, `{"name": "a.b", "label": "a", "namespace": "b", "state": "deleted", "statuses": [],
			"registrar_channel_id": "c", "created_at": "2026-01-01T00:00:00Z", "expires_at": "2027-01-01T00:00:00Z",
			"registrant": {}, "nameservers": {"desired": [], "applied": [], "apply_status": "none"},
			"backend": {"kind": "none"}, "protected_legacy": false, "ote_sandbox": false}`},
		{"bad expiry", "GET", "/domains/{domain}", 200, `{"name": "a.b", "label": "a", "namespace": "b", "state": "active", "statuses": [],
			"registrar_channel_id": "c", "created_at": "2026-01-01T00:00:00Z", "expires_at": "next year",
			"registrant": {}, "nameservers": {"desired": [], "applied": [], "apply_status": "none"},
			"backend": {"kind": "none"}, "protected_legacy": false, "ote_sandbox": false}`},
		{"create without audit_id", "POST", "/domains", 201, `{"command": "create_domain", "status": "success", "sandbox": false,
			"idempotent": false, "idempotency_key": "k", "domain": ` + sampleDomain + `}`},
		{"wrong command", "POST", "/domains", 201, `{"command": "renew_domain", "status": "success", "sandbox": false,
			"idempotent": false, "idempotency_key": "k", "audit_id": "a", "domain": ` + sampleDomain + `}`},
		{"delete without freed", "DELETE", "/domains/{domain}", 200, `{"command": "delete_domain", "status": "success",
			"sandbox": false, "idempotent": false, "idempotency_key": "k", "audit_id": "a"}`},
		{"check bad reason", "POST", "/domains/check", 200, `{"results": [{"name": "a.b", "available": false, "reason": "taken", "price_gems": 1}]}`},
		{"poll without next_cursor", "GET", "/poll", 200, `{"events": []}`},
		{"record ttl too low", "GET", "/domains/{domain}/records", 200, `{"domain": "a.b", "records": [{"type": "A", "name": "@", "ttl": 30, "value": "192.0.2.1"}],
			"backend": {"kind": "memory", "read": true, "write": true, "delegate": true, "record_types": []}}`},
		{"status missing commands", "GET", "/status", 200, `{"api_key": {}, "partner": {"gems_balance": 1}, "registrar_channel": null,
			"namespace_listings": [], "production_approval": {}, "rate_limit": null, "sandbox": {}, "ote": {"test_sequence": []},
			"audit_provenance": {"registrar_channel_id": null}, "docs": {}, "registry_service_contract": {},
			"epp_gateway_contract": {"command_mapping": {}, "lifecycle_states": [], "audit_idempotency": {},
			"protected_legacy_policy": {}, "dns_adapter_capabilities": {}, "conformance_checklist": []}}`},
		{"problem without code", "GET", "/status", 401, `{"title": "Invalid API key", "status": 401, "detail": "x",
			"epp_result_code": 2200, "epp_result": "Authentication error", "retryable": false, "request_id": "r"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ct := "application/json"
			if c.status >= 400 {
				ct = "application/problem+json"
			}
			if err := validateResponse(t, doc, c.method, c.path, c.status, ct, decode(t, c.body)); err == nil {
				t.Error("invalid sample accepted")
			}
		})
	}
}

func TestRequestBodies(t *testing.T) {
	doc := load(t, Document())
	valid := []struct{ method, path, body string }{
		{"POST", "/domains/check", `{"names": ["alice", "münchen.defiwallet"]}`},
		{"POST", "/domains", `{"domain": "alice.defiwallet", "years": 2, "registrant": {"name": "A", "email": "a@example.com",
			"phone": "+1.5555551234", "country": "US", "metadata": {"k": "v"}}, "nameservers": ["ns1.example.net"],
			"claim_acknowledgement": {"notice_id": "n1", "accepted_at": "2026-01-01T00:00:00Z"},
			"idempotency_key": "create-1", "sandbox": true}`},
		{"POST", "/domains/{domain}/renew", `{"years": 1, "current_expires_at": "2027-01-01T00:00:00Z"}`},
		{"PATCH", "/domains/{domain}", `{"statuses": {"add": ["clientHold"], "remove": ["clientUpdateProhibited"]}}`},
		{"PATCH", "/domains/{domain}", `{"registrant": {"name": "B", "email": "b@example.com", "phone": "+15555551234"}}`},
		{"PUT", "/domains/{domain}/nameservers", `{"nameservers": []}`},
		{"PUT", "/domains/{domain}/records", `{"records": [{"type": "TXT", "name": "@", "ttl": 3600, "value": "v=spf1 -all"},
			{"type": "MX", "name": "@", "ttl": 3600, "value": "mx.example.net", "priority": 10}], "idempotency_key": "r-1"}`},
	}
	for _, c := range valid {
		if err := validateRequestBody(t, doc, c.method, c.path, c.body); err != nil {
			t.Errorf("%s %s: valid body rejected: %v", c.method, c.path, err)
		}
	}
	invalid := []struct{ name, method, path, body string }{
		{"unknown member", "POST", "/domains/check", `{"names": ["a"], "extra": 1}`},
		{"no names", "POST", "/domains/check", `{"names": []}`},
		{"51 names", "POST", "/domains/check", `{"names": [` + repeat(`"a"`, 51) + `]}`},
		{"create without registrant email", "POST", "/domains", `{"domain": "a.b", "registrant": {"name": "A"}}`},
		{"create with unknown registrant member", "POST", "/domains", `{"domain": "a.b", "registrant": {"name": "A", "email": "a@example.com", "fax": "1"}}`},
		{"years 0", "POST", "/domains", `{"domain": "a.b", "years": 0, "registrant": {"name": "A", "email": "a@example.com"}}`},
		{"14 nameservers", "PUT", "/domains/{domain}/nameservers", `{"nameservers": [` + repeat(`"ns.example.net"`, 14) + `]}`},
		{"server status", "PATCH", "/domains/{domain}", `{"statuses": {"add": ["serverHold"]}}`},
		{"record type", "PUT", "/domains/{domain}/records", `{"records": [{"type": "NS", "name": "@", "ttl": 3600, "value": "ns.example.net"}]}`},
		{"record ttl", "PUT", "/domains/{domain}/records", `{"records": [{"type": "A", "name": "@", "ttl": 86401, "value": "192.0.2.1"}]}`},
		{"101 records", "PUT", "/domains/{domain}/records", `{"records": [` + repeat(`{"type": "A", "name": "@", "ttl": 60, "value": "192.0.2.1"}`, 101) + `]}`},
		{"key with space", "PUT", "/domains/{domain}/nameservers", `{"nameservers": [], "idempotency_key": "a b"}`},
		{"renew without expiry", "POST", "/domains/{domain}/renew", `{"years": 1}`},
	}
	for _, c := range invalid {
		if err := validateRequestBody(t, doc, c.method, c.path, c.body); err == nil {
			t.Errorf("%s: invalid body accepted", c.name)
		}
	}
}

func repeat(item string, n int) string {
	out := item
	for i := 1; i < n; i++ {
		out += ", " + item
	}
	return out
}

func TestOperatorSampleResponsesValidate(t *testing.T) {
	doc := load(t, OperatorDocument())
	cases := []struct {
		method, path string
		status       int
		body         string
		valid        bool
	}{
		{"POST", "/partners", 201, `{"id": "p1", "name": "Acme", "gems_balance": 1000, "dns_module_enabled": true, "created_at": "2026-01-01T00:00:00Z"}`, true},
		{"POST", "/partners", 201, `{"id": "p1", "name": "Acme"}`, false},
		{"POST", "/namespaces", 201, `{"name": "defiwallet", "dns_backend": "rfc2136", "create_price_gems": 100, "renew_price_gems": 80,
			"reserved_labels": ["www"], "claim_labels": ["bank"], "created_at": "2026-01-01T00:00:00Z",` + samplePolicy + `}`, true},
		{"POST", "/namespaces", 201, `{"name": "defiwallet", "dns_backend": "rfc2136", "create_price_gems": 100, "renew_price_gems": 80,
			"created_at": "2026-01-01T00:00:00Z"}`, false},
		{"PATCH", "/namespaces/{name}", 200, `{"name": "defiwallet", "dns_backend": "rfc2136", "create_price_gems": 100, "renew_price_gems": 80,
			"reserved_labels": [], "claim_labels": [], "created_at": "2026-01-01T00:00:00Z",` + samplePolicy + `}`, true},
		{"POST", "/namespaces", 201, `{"name": "defiwallet", "dns_backend": "bind", "create_price_gems": 100, "renew_price_gems": 80}`, false},
		{"POST", "/registrar-channels", 201, `{"id": "c1", "partner_id": "p1", "slug": "acme", "status": "pending",
			"production_approved": false, "production_approved_at": null, "rate_limit_per_minute": 120, "created_at": "2026-01-01T00:00:00Z"}`, true},
		{"POST", "/registrar-channels/{id}/namespace-listings", 201, `{"registrar_channel_id": "c1", "namespace": "defiwallet",
			"status": "pending", "created_at": "2026-01-01T00:00:00Z", "approved_at": null}`, true},
		{"POST", "/api-keys", 201, `{"id": "k1", "partner_id": "p1", "registrar_channel_id": "c1", "profile": "registrar_api",
			"scopes": [], "prefix": "hdk_7Qm2", "created_at": "2026-01-01T00:00:00Z", "revoked_at": null, "token": "hdk_secret"}`, true},
		{"POST", "/domains/import", 201, sampleDomain, true},
		{"GET", "/backend/pending", 200, `{"items": [{"id": "p1", "audit_id": "a1", "command": "update_nameservers", "domain": "a.b",
			"payload": {"nameservers": []}, "status": "failed", "created_at": "2026-01-01T00:00:00Z",
			"registrar_channel_id": "c1", "reason": "SERVFAIL", "attempts": 3, "updated_at": "2026-01-01T00:05:00Z"}]}`, true},
		{"GET", "/backend/pending", 200, `{"items": [{"id": "p1", "status": "pending"}]}`, false},
		{"GET", "/registrar-ote-runs/{id}", 200, `{"id": "r1", "registrar_channel_id": "c1", "registrar_channel_slug": "acme",
			"name": "first run", "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
			"audit_event_ids": ["e1"], "evidence": [{"id": "e1", "registrar": {"channel_id": "c1", "slug": "acme"}, "actor": "registrar",
			"idempotency_key": "k", "command": "create_domain", "status": "sandbox", "domain": "a.b", "http_status": 202,
			"request_summary": {}, "response_summary": {}, "created_at": "2026-01-01T00:00:00Z"}],
			"checklist": [{"step": "create_domain", "command": "create_domain", "passed": true, "audit_event_ids": ["e1"]},
			              {"step": "poll", "command": "poll", "passed": false, "audit_event_ids": []}]}`, true},
		{"POST", "/partners", 401, `{"type": "/docs/registrar/errors#invalid_api_key", "title": "Invalid API key", "status": 401,
			"detail": "a valid operator bearer token is required", "instance": "/api/v1/admin/partners", "code": "invalid_api_key",
			"epp_result_code": 2200, "epp_result": "Authentication error", "retryable": false, "request_id": "r"}`, true},
	}
	for _, c := range cases {
		ct := "application/json"
		if c.status >= 400 {
			ct = "application/problem+json"
		}
		err := validateResponse(t, doc, c.method, c.path, c.status, ct, decode(t, c.body))
		if c.valid && err != nil {
			t.Errorf("%s %s %d: valid sample rejected: %v", c.method, c.path, c.status, err)
		}
		if !c.valid && err == nil {
			t.Errorf("%s %s %d: invalid sample accepted", c.method, c.path, c.status)
		}
	}
}

// samplePolicy is a namespace's whole lifecycle policy as the API answers it.
const samplePolicy = `"add_grace_period_seconds": 432000, "renew_grace_period_seconds": 432000,
	"auto_renew_grace_period_seconds": 3888000, "transfer_grace_period_seconds": 432000, "redemption_period_seconds": 2592000,
	"pending_delete_period_seconds": 432000, "transfer_pending_period_seconds": 432000, "transfer_lock_period_seconds": 2592000,
	"auth_code_ttl_seconds": 1209600, "auto_renew": true, "restore_price_gems": 80, "restore_price_follows_renew": true,
	"transfer_price_gems": 80, "transfer_price_follows_renew": true`
