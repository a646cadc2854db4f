package openapi

import (
	"github.com/headlessdomains/registry/core"
)

// Example values shared by the document's examples. They are illustrative
// only: identifiers are opaque strings and may take any form.
const (
	exChannelID   = "chn_01jr8c4q2v7k9m3n5p6s8t0w1x"
	exChannelSlug = "acme-registrar"
	exPartnerID   = "prt_01jr8c3z9x4w7v6t5s3r2q1p0n"
	exAPIKeyID    = "key_01jr8c5b6c7d8e9f0g1h2j3k4m"
	exAuditID     = "aud_01jr9a0b1c2d3e4f5g6h7j8k9m"
	exPendingID   = "pnd_01jr9a0b1c2d3e4f5g6h7j8k9n"
	exRequestID   = "req_01jr9a0b1c2d3e4f5g6h7j8k9p"
	exDomain      = "alice.defiwallet"
	exNamespace   = "defiwallet"
	exCreatedAt   = "2026-03-02T10:15:00Z"
	exExpiresAt   = "2027-03-02T10:15:00Z"
	exRenewedTo   = "2028-03-02T10:15:00Z"
	exIdemKey     = "create-alice-0001"

	// problemTypeBase prefixes problem types: the error catalog document,
	// one section per code (served by the HTTP adapter).
	problemTypeBase = "/docs/registrar/errors#"
)

func exRegistrant() m {
	return m{
		"name":         "Alice Example",
		"organization": "Example Wallet Ltd",
		"email":        "alice@example.com",
		"phone":        "+1.5555551234",
		"country":      "US",
		"metadata":     m{"customer_ref": "cust-4821"},
	}
}

func exDomainObject(expiresAt string, state core.State, statuses ...string) m {
	st := make([]any, len(statuses))
	for i, s := range statuses {
		st[i] = s
	}
	return m{
		"name":                 exDomain,
		"unicode_name":         exDomain,
		"label":                "alice",
		"namespace":            exNamespace,
		"state":                string(state),
		"statuses":             st,
		"registrar_channel_id": exChannelID,
		"created_at":           exCreatedAt,
		"updated_at":           exCreatedAt,
		"expires_at":           expiresAt,
		"registrant":           exRegistrant(),
		"nameservers": m{
			"desired":      []any{"ns1.example.net", "ns2.example.net"},
			"applied":      []any{},
			"apply_status": core.ApplyPending,
		},
		"backend":          m{"kind": core.DNSBackendRFC2136, "reference": "alice.defiwallet."},
		"protected_legacy": false,
		"ote_sandbox":      false,
	}
}

func exMutation(cmd core.Command, sandbox bool, key string, extra m) m {
	status := core.AuditSuccess
	if sandbox {
		status = core.AuditSandbox
	}
	out := m{
		"command":         string(cmd),
		"status":          status,
		"sandbox":         sandbox,
		"idempotent":      false,
		"idempotency_key": key,
		"audit_id":        exAuditID,
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func exRecords() []any {
	return []any{
		m{"type": "A", "name": "@", "ttl": 3600, "value": "192.0.2.10", "priority": nil},
		m{"type": "AAAA", "name": "@", "ttl": 3600, "value": "2001:db8::10", "priority": nil},
		m{"type": "MX", "name": "@", "ttl": 3600, "value": "mail.example.net", "priority": 10},
		m{"type": "TXT", "name": "_verify", "ttl": 300, "value": "wallet-verification=8c41f2", "priority": nil},
	}
}

func exRecordsInput() []any {
	return []any{
		m{"type": "A", "name": "@", "ttl": 3600, "value": "192.0.2.10"},
		m{"type": "AAAA", "name": "@", "ttl": 3600, "value": "2001:db8::10"},
		m{"type": "MX", "name": "@", "ttl": 3600, "value": "mail.example.net", "priority": 10},
		m{"type": "TXT", "name": "_verify", "ttl": 300, "value": "wallet-verification=8c41f2"},
	}
}

func exProblem(spec core.Spec, detail, instance string) m {
	return m{
		"type":            problemTypeBase + string(spec.Code),
		"title":           spec.Title,
		"status":          spec.HTTPStatus,
		"detail":          detail,
		"instance":        instance,
		"code":            string(spec.Code),
		"epp_result_code": spec.EPPCode,
		"epp_result":      spec.EPPMessage,
		"retryable":       spec.Retryable,
		"request_id":      exRequestID,
	}
}

func exRegistrantInput() m {
	r := exRegistrant()
	return r
}

func exCapabilities() m {
	return m{"kind": core.DNSBackendRFC2136, "read": true, "write": true, "delegate": true, "record_types": []any{"A", "AAAA", "CNAME", "MX", "TXT", "CAA", "SRV"}}
}

func exSandboxReset() m {
	fixtures := []any{}
	for _, p := range core.SandboxFixturePurposes {
		f := m{"purpose": p, "domain": core.FixtureLabel(p, exChannelSlug) + "." + exNamespace, "skipped": false, "reason": nil}
		if p == "transfer" {
			f["auth_code"] = "OTE-9c41d07be25a4f6380d1e2c7a5b9f013"
		}
		fixtures = append(fixtures, f)
	}
	fixtures = append(fixtures, m{"purpose": "registrant_contact", "contact_id": "ote-3f7a9c21b0de", "domain": nil, "skipped": false, "reason": nil})
	return m{"fixtures": fixtures, "audit_id": exAuditID}
}

func exPoll() m {
	return m{
		"events": []any{m{
			"id":              exAuditID,
			"registrar":       m{"channel_id": exChannelID, "slug": exChannelSlug},
			"actor":           "registrar",
			"idempotency_key": "ns-001",
			"command":         string(core.CmdUpdateNameservers),
			"status":          core.AuditSuccess,
			"domain":          exDomain,
			"http_status":     200,
			"request_summary": m{"nameservers": []any{"ns1.example.net", "ns2.example.net"}, "sandbox": false},
			"response_summary": m{"status": core.AuditSuccess, "apply_status": core.ApplyPending,
				"pending_id": exPendingID},
			"created_at": exCreatedAt,
		}},
		"next_cursor": nil,
	}
}

// exStatus is GET /status for an approved, production-approved channel.
func exStatus() m {
	commands := []any{}
	for _, c := range core.Commands() {
		commands = append(commands, m{
			"command": string(c.Command), "method": c.Method, "path": RegistrarBasePath + c.Path,
			"required_scopes": anyList(c.Scopes), "scope_status": "granted", "missing_scopes": []any{},
			"sandbox_available": true, "production_available": true,
			"disabled_reason": nil, "production_blocked_reason": nil,
		})
	}
	steps := []any{}
	for _, s := range core.OTESequence() {
		spec, _ := core.SpecOfCommand(s.Command)
		var fixture any
		if s.Fixture != "" {
			fixture = s.Fixture
		}
		steps = append(steps, m{"name": s.Name, "command": string(s.Command), "method": spec.Method,
			"path": RegistrarBasePath + spec.Path, "fixture": fixture, "sandbox": s.Sandbox, "audited": s.Audited,
			"description": s.Description})
	}
	docs := m{}
	for _, d := range registrarDocs() {
		docs[d.Slug] = d.Path
	}
	return m{
		"api_key": m{"id": exAPIKeyID, "prefix": "hdk_7Qm2", "profile": core.ProfileRegistrarAPI, "scopes": anyList(core.AllScopes())},
		"partner": m{"id": exPartnerID, "name": "Acme Registrar Inc.", "gems_balance": 25000, "dns_module_enabled": true},
		"registrar_channel": m{"id": exChannelID, "slug": exChannelSlug, "status": string(core.ChannelApproved),
			"production_approved": true, "rate_limit_per_minute": core.DefaultRateLimitPerMinute},
		"namespace_listings":  []any{m{"namespace": exNamespace, "status": string(core.ListingApproved)}},
		"production_approval": m{"approved": true, "approved_at": exCreatedAt, "required_for": "non-sandbox mutations"},
		"rate_limit": m{"limit_per_minute": core.DefaultRateLimitPerMinute, "limit": core.DefaultRateLimitPerMinute,
			"remaining": 119, "reset": 1772446560, "window_seconds": 60},
		"sandbox": m{"available": true, "body_field": "sandbox", "header": "X-Registrar-Sandbox",
			"reset_path": RegistrarBasePath + "/sandbox/reset"},
		"ote":              m{"test_sequence": steps},
		"audit_provenance": m{"registrar_channel_id": exChannelID},
		"docs":             docs,
		"commands":         commands,
		"registry_service_contract": m{
			"name": "headlessdomains-registry-service", "version": "1", "rest_base_path": RegistrarBasePath,
			"mutating_commands": anyList(mutatingCommands()), "lifecycle_states": anyList(stateNames()),
			"idempotency": m{"scope": "registrar_channel", "retention_hours": 24, "key_max_length": core.MaxIdempotencyKeyLength},
		},
		"epp_gateway_contract": exEPPGatewayContract(),
	}
}

// exEPPGatewayContract abbreviates the epp_gateway_contract of GET /status.
func exEPPGatewayContract() m {
	states := []any{}
	for _, r := range lifecycleRows() {
		states = append(states, m{"state": string(r.State)})
	}
	caps := []any{}
	for _, r := range dnsCapabilityRows() {
		types := []any{}
		if r.Write {
			types = anyList(recordTypes)
		}
		caps = append(caps, m{"kind": r.Kind, "read": r.Read, "write": r.Write, "delegate": r.Delegate, "record_types": types})
	}
	checklist := []any{}
	for _, it := range conformanceItems()[:3] {
		checklist = append(checklist, m{"id": it.ID, "requirement": it.Requirement, "rfc": it.Reference,
			"status": it.status(), "verified_by": anyList(it.verifiedBy())})
	}
	legacy := core.SpecOf(core.CodeProtectedLegacyNotDeletable)
	return m{
		"status": "available",
		"command_mapping": []any{
			m{"epp_command": "domain:create", "registry_command": string(core.CmdCreateDomain), "rest": "POST /domains", "mutating": true},
			m{"epp_command": "domain:delete", "registry_command": string(core.CmdDeleteDomain), "rest": "DELETE /domains/{domain}", "mutating": true,
				"note": "1000 when freed in add grace, 1001 when it enters redemption"},
		},
		"lifecycle_states": states,
		"audit_idempotency": m{"cltrid_is_idempotency_key": true, "svtrid_is_audit_id": true,
			"conflict_epp_result_code": core.SpecOf(core.CodeIdempotencyConflict).EPPCode},
		"protected_legacy_policy": m{"code": string(legacy.Code), "http_status": legacy.HTTPStatus,
			"epp_result_code": legacy.EPPCode, "requires": "operator policy review"},
		"dns_adapter_capabilities": caps,
		"conformance_checklist":    checklist,
	}
}

func anyList(in []string) []any {
	out := make([]any, len(in))
	for i, s := range in {
		out[i] = s
	}
	return out
}
