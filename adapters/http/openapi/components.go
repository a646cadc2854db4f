package openapi

import (
	"fmt"
	"strings"

	"github.com/headlessdomains/registry/core"
)

// Limits the registrar API enforces, published in the schemas.
const (
	maxCheckNames   = 50
	maxNameservers  = 13
	defaultPollSize = 50
	maxPollSize     = 500
)

var recordTypes = core.RecordTypes

func stateNames() []string {
	out := []string{}
	for _, s := range core.States() {
		out = append(out, string(s))
	}
	return out
}

func mutatingCommands() []string {
	out := []string{}
	for _, c := range core.Commands() {
		if c.Mutating {
			out = append(out, string(c.Command))
		}
	}
	return out
}

func commandNames() []string {
	out := []string{}
	for _, c := range core.Commands() {
		out = append(out, string(c.Command))
	}
	return out
}

func idempotencyKeySchema() m {
	return describe(m{"type": "string", "minLength": 1, "maxLength": core.MaxIdempotencyKeyLength,
		"pattern": "^[!-~]+$"}, "1 to 255 printable ASCII characters without spaces (0x21 to 0x7E). "+
		"Equivalent to the Idempotency-Key header; when both are sent they must be equal, otherwise the "+
		"command fails with 400 validation_error.")
}

// mutationProps are the members every mutating request body accepts.
func mutationProps(props m) m {
	props["idempotency_key"] = idempotencyKeySchema()
	props["sandbox"] = boolean("true runs the command in sandbox mode (same as the header X-Registrar-Sandbox: 1): " +
		"fully validated, answered with 202 and audited with status sandbox, but nothing changes.")
	return props
}

// registrarSchemas are the component schemas of the registrar document.
func registrarSchemas() m {
	return m{
		"Problem":                problemSchema(),
		"ValidationIssue":        validationIssueSchema(),
		"Registrant":             registrantSchema(),
		"RegistrantInput":        registrantInputSchema(),
		"ClaimAcknowledgement":   claimSchema(),
		"DomainNameservers":      domainNameserversSchema(),
		"DomainBackend":          domainBackendSchema(),
		"Domain":                 domainSchema(),
		"Record":                 recordSchema(),
		"RecordInput":            recordInputSchema(),
		"DNSCapabilities":        dnsCapabilitiesSchema(),
		"CheckRequest":           checkRequestSchema(),
		"CheckResult":            checkResultSchema(),
		"CheckResponse":          object("Availability of every requested name, in request order.", m{"results": arrayOf(schemaRef("CheckResult"), "")}, "results"),
		"CreateDomainRequest":    createRequestSchema(),
		"RenewDomainRequest":     renewRequestSchema(),
		"UpdateDomainRequest":    updateRequestSchema(),
		"StatusChange":           statusChangeSchema(),
		"NameserversRequest":     nameserversRequestSchema(),
		"DeleteDomainRequest":    closedObject("Optional: the idempotency key and sandbox flag may be sent as headers instead.", mutationProps(m{})),
		"RestoreDomainRequest":   restoreRequestSchema(),
		"RestoreReport":          restoreReportSchema(),
		"SandboxResetRequest":    closedObject("Optional and ignored apart from validation: reset needs no idempotency key and always acts on OT&E fixtures.", mutationProps(m{})),
		"RecordsRequest":         recordsRequestSchema(),
		"CreateDomainResult":     mutationResultSchema(core.CmdCreateDomain),
		"RenewDomainResult":      mutationResultSchema(core.CmdRenewDomain),
		"UpdateDomainResult":     mutationResultSchema(core.CmdUpdateDomain),
		"NameserversResult":      mutationResultSchema(core.CmdUpdateNameservers),
		"RecordsResult":          mutationResultSchema(core.CmdUpdateRecords),
		"DeleteDomainResult":     mutationResultSchema(core.CmdDeleteDomain),
		"RestoreDomainResult":    mutationResultSchema(core.CmdRestoreDomain),
		"RecordsResponse":        recordsResponseSchema(),
		"PollEvent":              pollEventSchema(),
		"PollPage":               pollResponseSchema(),
		"PendingItem":            pendingItemSchema(),
		"PendingResponse":        object("Pending backend work of the channel, oldest first.", m{"items": arrayOf(schemaRef("PendingItem"), "")}, "items"),
		"SandboxFixture":         sandboxFixtureSchema(),
		"SandboxResetResult":     sandboxResetSchema(),
		"OTEStep":                oteStepSchema(),
		"CommandCapability":      commandCapabilitySchema(),
		"StatusReport":           statusSchema(),
		"EPPGatewayContract":     eppGatewayContractSchema(),
		"RegistryServiceSummary": freeObject("The internal registry service contract: the core's commands, lifecycle states, idempotency rules and error catalog, rendered with wire names."),
	}
}

func problemSchema() m {
	return object("RFC 9457 problem details carrying the registry error catalog fields. Branch on `code` "+
		"(stable) and `retryable`; `title` and `detail` are for humans and may change.",
		m{
			"type":            strFormat("uri-reference", "A URI reference identifying the problem type: `/docs/registrar/errors#<code>`, the code's section of the error catalog document. Compare `code`, not `type`."),
			"title":           str("Short, human-readable summary of the problem type (the catalog title)."),
			"status":          intRange(400, 599, "The HTTP status code of this response."),
			"detail":          str("Human-readable explanation of this occurrence. Never contains credentials or contact data."),
			"instance":        str("The request path this problem occurred on."),
			"code":            str("Machine-readable error code from x-registrar-error-catalog, e.g. `duplicate_idempotency_key_conflict`."),
			"epp_result_code": intRange(1000, 2502, "The EPP result code (RFC 5730 §3) the EPP gateway answers for the same error."),
			"epp_result":      str("The standard RFC 5730 text of epp_result_code."),
			"retryable":       boolean("true when repeating the same request later may succeed (honour Retry-After when present)."),
			"request_id":      str("Identifier of this request, also sent as the X-Request-ID header. Quote it when contacting support."),
			"errors":          arrayOf(schemaRef("ValidationIssue"), "For validation_error: the offending request members."),
		},
		"title", "status", "detail", "code", "epp_result_code", "epp_result", "retryable", "request_id")
}

func validationIssueSchema() m {
	return object("One invalid request member.", m{
		"field":   str("The request member, e.g. `registrant.email` or `records[2].ttl`."),
		"message": str("What is wrong with it."),
	}, "field", "message")
}

// registrantProps describes the registrant members; input adds the format
// constraints the server checks.
func registrantProps(input bool) m {
	props := m{
		"name":         str("Registrant name. Required on create."),
		"organization": str("Organization, if any."),
		"email":        str("Registrant e-mail. Required on create. Never written to audit summaries."),
		"phone":        str("RFC 5733 (`+1.5555551234`) or E.164 (`+15555551234`) telephone number. Never written to audit summaries."),
		"country":      str("ISO 3166-1 alpha-2 country code, e.g. `US`."),
		"metadata":     stringMap("Free-form string metadata for the registrar's own use (customer references and the like)."),
	}
	if input {
		props["name"] = with(props["name"].(m), m{"minLength": 1})
		props["email"] = with(props["email"].(m), m{"format": "email"})
		props["phone"] = with(props["phone"].(m), m{"pattern": `^\+[0-9]{1,3}\.?[0-9]{4,14}$`})
		props["country"] = with(props["country"].(m), m{"pattern": "^[A-Za-z]{2}$"})
	}
	return props
}

func registrantSchema() m {
	return object("The registrant contact of a registration. The sponsoring registrar sees it whole.", registrantProps(false))
}

func registrantInputSchema() m {
	return closedObject("Registrant contact data. On update it replaces the stored registrant entirely.", registrantProps(true))
}

func claimSchema() m {
	return closedObject("Acknowledgement of the trademark claims notice (RFC 8334) of a claim-required label.", m{
		"notice_id":   str("Identifier of the claims notice shown to the registrant."),
		"accepted_at": dateTime("When the registrant accepted the notice (RFC 3339)."),
	}, "notice_id", "accepted_at")
}

func domainNameserversSchema() m {
	return object("Desired nameservers (what the registrar asked for) and applied nameservers (what the namespace backend serves).", m{
		"desired":      arrayOf(str(""), "Host names the registrar asked for, lowercase A-labels."),
		"applied":      arrayOf(str(""), "Host names the backend has applied."),
		"apply_status": enumOf("none: nothing desired yet; pending: desired differs from applied and backend work is queued; applied: desired equals applied; failed: the last apply failed.", core.ApplyNone, core.ApplyPending, core.ApplyApplied, core.ApplyFailed),
	}, "desired", "applied", "apply_status")
}

func domainBackendSchema() m {
	return object("The namespace backend holding the registration.", m{
		"kind":      str("Backend kind, e.g. `none`, `memory`, `rfc2136`."),
		"reference": nullable(str("The backend's reference for the registration (zone owner or external id), when it has one.")),
	}, "kind")
}

func domainSchema() m {
	return object("A registration as the sponsoring registrar sees it at the time of the response.", m{
		"name":                 str("Fully qualified name as A-labels, e.g. `alice.defiwallet` or `xn--mnchen-3ya.defiwallet`."),
		"unicode_name":         str("The same name in Unicode (U-label) form, for display."),
		"label":                str("The label under the namespace (A-label)."),
		"namespace":            str("The namespace (top-level name), e.g. `defiwallet`."),
		"state":                enumOf("Lifecycle state. The registry's maintenance loop moves registrations through time (auto-renew or `expired` at expires_at, `redemption`, `pending_delete`, purge); between a deadline and its next pass a registration keeps the state it had.", stateNames()...),
		"statuses":             arrayOf(str(""), "RFC 5731 statuses (`ok`, `clientHold`, `serverHold`, `pendingDelete`, ...) plus RFC 3915 grace statuses (`addPeriod`, `renewPeriod`, `autoRenewPeriod`, `redemptionPeriod`)."),
		"registrar_channel_id": str("The sponsoring registrar channel."),
		"created_at":           dateTime(""),
		"updated_at":           dateTime(""),
		"expires_at":           dateTime(""),
		"registrant":           schemaRef("Registrant"),
		"nameservers":          schemaRef("DomainNameservers"),
		"backend":              schemaRef("DomainBackend"),
		"protected_legacy":     boolean("A legacy registration imported under protection: it cannot be deleted through this API."),
		"ote_sandbox":          boolean("An OT&E fixture created by POST /sandbox/reset."),
		"auth_code_set":        boolean("An unexpired authorization code (RFC 9154) is set. The code itself is never answered."),
		"auth_code_expires_at": nullable(dateTime("When the authorization code expires (the namespace's auth_code_ttl_seconds after it was set); null when none is set.")),
	}, "name", "label", "namespace", "state", "statuses", "registrar_channel_id", "created_at", "expires_at",
		"registrant", "nameservers", "backend", "protected_legacy", "ote_sandbox")
}

func recordProps() m {
	return m{
		"type": enumOf("", recordTypes...),
		"name": describe(m{"type": "string", "minLength": 1, "maxLength": 253}, "Owner name relative to the registration; `@` is the apex."),
		"ttl":  intRange(core.MinTTL, core.MaxTTL, fmt.Sprintf("Time to live in seconds (%d to %d; %d when omitted in a request).", core.MinTTL, core.MaxTTL, core.DefaultTTL)),
		"value": describe(m{"type": "string", "minLength": 1, "maxLength": core.MaxTXTLength},
			"A: an IPv4 address; AAAA: an IPv6 address; CNAME and MX: a target host name; SRV: `weight port target` "+
				"(e.g. `5 5060 sip.example.net`); TXT: 1 to 4096 characters without control characters; CAA: "+
				"`flags tag \"value\"` with tag issue, issuewild or iodef. Host names are answered lowercase without the final dot."),
		"priority": nullable(intRange(0, 65535, "Preference of MX and SRV records (required for them); absent or null for other types.")),
	}
}

func recordSchema() m {
	return object("A DNS resource record of the registration.", recordProps(), "type", "name", "ttl", "value")
}

func recordInputSchema() m {
	return closedObject("A DNS resource record to apply. `priority` is required for MX and SRV and must be absent or "+
		"null otherwise. A CNAME must be the only record at its owner name and cannot be at the apex; duplicates are refused.",
		recordProps(), "type", "name", "value")
}

func dnsCapabilitiesSchema() m {
	return object("What the namespace's DNS backend can do.", m{
		"kind":         str("Backend kind."),
		"read":         boolean("Records can be read."),
		"write":        boolean("Records can be written."),
		"delegate":     boolean("NS delegations (nameserver updates) can be applied."),
		"record_types": arrayOf(str(""), "Record types the backend accepts."),
	}, "kind", "read", "write", "delegate", "record_types")
}

func checkRequestSchema() m {
	return closedObject("Names to check.", m{
		"names": describe(m{"type": "array", "minItems": 1, "maxItems": maxCheckNames,
			"items": describe(m{"type": "string", "minLength": 1, "maxLength": 253}, "")},
			"1 to 50 labels or fully qualified names, in Unicode or A-label form. A bare label is checked in every namespace the channel is approved for."),
	}, "names")
}

func checkResultSchema() m {
	return object("Availability of one name.", m{
		"name":       str("The fully qualified name as A-labels."),
		"available":  boolean("true when the name can be created now. A free claim-required name is available with reason claim_required."),
		"reason":     nullableEnum("Why the name is not (plainly) available: registered, reserved, or claim_required (create needs claim_acknowledgement); null when available without conditions.", "registered", "reserved", "claim_required"),
		"price_gems": nullable(integer("Create price for one year, in Gems.")),
	}, "name", "available", "reason", "price_gems")
}

func createRequestSchema() m {
	return closedObject("A registration to create.", mutationProps(m{
		"domain":                str("Fully qualified name `label.namespace`, in Unicode or A-label form."),
		"years":                 with(intRange(1, core.MaxYears, "Registration period in years (default 1). Debits create_price_gems × years. An expiry more than 10 years ahead answers 400 registration_period_exceeded."), m{"default": 1}),
		"registrant":            m{"allOf": []any{schemaRef("RegistrantInput"), m{"required": []string{"name", "email"}}}},
		"nameservers":           nameserverList(),
		"claim_acknowledgement": schemaRef("ClaimAcknowledgement"),
	}), "domain", "registrant")
}

func nameserverList() m {
	return describe(m{"type": "array", "maxItems": maxNameservers, "items": str("")},
		"0 to 13 host names; stored lowercase, de-duplicated and sorted. An empty list removes the delegation.")
}

func renewRequestSchema() m {
	return closedObject("A renewal.", mutationProps(m{
		"years":              with(intRange(1, core.MaxYears, "Years to add to the current expiry (default 1)."), m{"default": 1}),
		"current_expires_at": dateTime("The expiry the registrar believes is current (RFC 3339). A mismatch answers 409 current_expiry_mismatch, so a retried renewal can never renew twice."),
	}), "current_expires_at")
}

func updateRequestSchema() m {
	return closedObject("An update of registrant data, client statuses and/or the authorization code. At least one of them.", mutationProps(m{
		"registrant": schemaRef("RegistrantInput"),
		"statuses":   schemaRef("StatusChange"),
		"auth_code": nullable(describe(m{"type": "string", "minLength": core.MinAuthCodeLength, "maxLength": core.MaxAuthCodeLength, "writeOnly": true},
			"A new authorization code (RFC 9154): at least 16 characters of at least three of lowercase, uppercase, digits and symbols, "+
				"else 400 validation_error. Stored hashed, never answered again; expires after the namespace's auth_code_ttl_seconds. null unsets it.")),
	}))
}

func statusChangeSchema() m {
	client := enumOf("", core.ClientStatuses...)
	return closedObject("Client statuses to add and remove. Server statuses answer 400 status_not_client_settable.", m{
		"add":    arrayOf(client, ""),
		"remove": arrayOf(client, ""),
	})
}

func restoreRequestSchema() m {
	return closedObject("Optional: the idempotency key and sandbox flag may be sent as headers instead; report is optional too.", mutationProps(m{
		"report": schemaRef("RestoreReport"),
	}))
}

// restoreReportSchema is the RFC 3915 §4.2.5 restore report, kept in the
// restore's audit row.
func restoreReportSchema() m {
	return closedObject("The RFC 3915 restore report, kept in the restore's audit row. Every member is optional.", m{
		"pre_data":     with(str("The registration data before the delete (free text or XML)."), m{"maxLength": 8192}),
		"post_data":    with(str("The registration data after the restore."), m{"maxLength": 8192}),
		"delete_time":  dateTime("When the registration was deleted (RFC 3339)."),
		"restore_time": dateTime("When it was restored (RFC 3339)."),
		"reason":       with(str("Why it is restored."), m{"maxLength": 2048}),
		"statements":   describe(m{"type": "array", "maxItems": 10, "items": with(str(""), m{"maxLength": 2048})}, "The registrar's statements (RFC 3915 asks for two: that the restore is not to take the name for itself, and that the report is true)."),
	})
}

func nameserversRequestSchema() m {
	return closedObject("The desired nameservers, replacing the current list.", mutationProps(m{
		"nameservers": nameserverList(),
	}), "nameservers")
}

func recordsRequestSchema() m {
	return closedObject("The complete record set, replacing every record of the registration.", mutationProps(m{
		"records": describe(m{"type": "array", "maxItems": core.MaxRecords, "items": schemaRef("RecordInput")}, fmt.Sprintf("At most %d records. An empty list removes every record.", core.MaxRecords)),
	}), "records")
}

func mutationResultSchema(cmd core.Command) m {
	props := m{
		"command":          enumOf("The command name.", string(cmd)),
		"status":           enumOf("success, or sandbox when the command ran in sandbox mode.", core.AuditSuccess, core.AuditSandbox),
		"sandbox":          boolean("The command ran in sandbox mode: nothing changed."),
		"idempotent":       boolean("true when this response is the replay of an earlier request with the same idempotency key."),
		"idempotency_key":  str("The idempotency key of the command."),
		"audit_id":         str("The command audit row (see GET /poll). A replay answers the original audit_id."),
		"debited_gems":     nullable(integer("Gems debited from the partner's balance by the command, if any; never present in sandbox mode, where nothing is debited.")),
		"would_debit_gems": nullable(integer("Sandbox mode only: the Gems the same command would debit in production. Nothing was debited.")),
		"pending_id":       nullable(str("Backend work queued by the command (see GET /backend/pending), if any.")),
	}
	required := []string{"command", "status", "sandbox", "idempotent", "idempotency_key", "audit_id"}
	desc := "The result of " + string(cmd) + "."
	switch cmd {
	case core.CmdUpdateRecords:
		props["records"] = arrayOf(schemaRef("Record"), "The record set as applied (or, in sandbox mode, as validated).")
		props["domain"] = schemaRef("Domain")
		required = append(required, "records")
	case core.CmdDeleteDomain:
		props["domain"] = schemaRef("Domain")
		props["freed"] = boolean("true when the delete fell inside the add grace period: the registration is cancelled, the name is available again and every debit since the create is refunded. false when the registration moved to redemption (restorable with POST /domains/{domain}/restore).")
		props["refunded_gems"] = integer("Gems refunded: every debit whose grace period (add, renew, auto-renew, transfer) was still running.")
		required = append(required, "freed")
	default:
		props["domain"] = schemaRef("Domain")
		required = append(required, "domain")
	}
	return object(desc, props, required...)
}

func recordsResponseSchema() m {
	return object("The records of a registration and what its backend supports.", m{
		"domain":  str("The registration (A-labels)."),
		"records": arrayOf(schemaRef("Record"), ""),
		"backend": schemaRef("DNSCapabilities"),
	}, "domain", "records", "backend")
}

func pollEventSchema() m {
	return object("One registry command audit row. Summaries are redacted: no tokens, auth codes, e-mail addresses or phone numbers.", m{
		"id": str("Audit row id (the audit_id of the command's response)."),
		"registrar": object("The channel that issued the command (always the authenticated channel).", m{
			"channel_id": str("Exactly audit_provenance.registrar_channel_id of GET /status."),
			"slug":       str("The channel slug."),
		}, "channel_id", "slug"),
		"actor":            enumOf("Who made the change: registrar (this channel's command, over REST or EPP), registry (a lifecycle change the registry made by itself: "+lifecycleChangeList()+") or operator.", "registrar", "registry", "operator"),
		"idempotency_key":  nullable(str("The command's idempotency key; null for commands that take none.")),
		"command":          str("The command name, or the registry's lifecycle change."),
		"status":           enumOf("success, sandbox, or failed (refused after the access checks: validation, status, balance, claims).", core.AuditSuccess, core.AuditSandbox, core.AuditFailed),
		"domain":           nullable(str("The registration the command addressed, if any.")),
		"http_status":      intRange(100, 599, "The HTTP status the command answered."),
		"request_summary":  freeObject("Safe summary of the request."),
		"response_summary": freeObject("Safe summary of the response."),
		"created_at":       dateTime(""),
	}, "id", "registrar", "actor", "idempotency_key", "command", "status", "domain", "http_status", "request_summary", "response_summary", "created_at")
}

func pollResponseSchema() m {
	return object("One page of audit events, oldest first.", m{
		"events":      arrayOf(schemaRef("PollEvent"), ""),
		"next_cursor": nullable(str("Pass as `cursor` to read the next page; null on the last page.")),
	}, "events", "next_cursor")
}

func pendingItemSchema() m {
	return object("Backend apply work left by a successful command.", m{
		"id":         str(""),
		"audit_id":   str("The audit row of the command that queued the work."),
		"command":    str("The command, e.g. update_nameservers or delete_domain."),
		"domain":     str(""),
		"payload":    freeObject("What the backend is asked to apply, e.g. {\"nameservers\": [...]}."),
		"status":     enumOf("", core.PendingQueued, core.PendingApplied, core.PendingFailed),
		"created_at": dateTime(""),
	}, "id", "audit_id", "command", "domain", "payload", "status", "created_at")
}

func sandboxFixtureSchema() m {
	purposes := append(append([]string{}, core.SandboxFixturePurposes...), "registrant_contact")
	return object("One OT&E fixture. Domain fixtures are named `ote-{purpose}-{channel_slug}.{namespace}`; the registrant_contact fixture carries contact_id instead of domain.", m{
		"purpose": enumOf("renew, ns, update, delete: a registered, active fixture sponsored by the channel, one year to expiry; claim: left unregistered, its label is claim-required; "+
			"transfer: a registered, active fixture sponsored by the registry's OT&E counterparty channel (`"+core.OTECounterpartySlug+"`: approved, never production approved, no API key), "+
			"created one transfer lock ago so the lock does not apply, with the auth_code below; registrant_contact: a contact for EPP OT&E creates.", purposes...),
		"domain":     nullable(str("The fixture name.")),
		"contact_id": str("registrant_contact only: the contact id (`ote-` + 12 hex digits)."),
		"auth_code": str("transfer only: the fixture's authorization code (RFC 9154), for a sandbox POST /domains/{domain}/transfer. " +
			"It is generated at every reset, stored only as a hash and answered only here: keep it from this answer, the next reset replaces it."),
		"skipped": boolean("true when a real (non-fixture) registration holds the name: it is left alone."),
		"reason":  nullable(str("Why the fixture was skipped, or null.")),
	}, "purpose")
}

func sandboxResetSchema() m {
	return object("The fixtures created or reset, per approved namespace.", m{
		"fixtures": arrayOf(schemaRef("SandboxFixture"), ""),
		"audit_id": str("The audit row of the reset, when one was written."),
	}, "fixtures")
}

func oteStepSchema() m {
	return object("One step of the OT&E test sequence.", m{
		"name":        str(""),
		"command":     str(""),
		"method":      str(""),
		"path":        str("The endpoint's path."),
		"fixture":     nullable(str("The sandbox fixture purpose the step works on.")),
		"sandbox":     boolean("The step runs as a sandbox command."),
		"audited":     boolean("The step leaves an audit event to attach as evidence."),
		"description": str(""),
	})
}

func commandCapabilitySchema() m {
	return object("What the authenticated key can do with one command.", m{
		"command":                   enumOf("", commandNames()...),
		"method":                    enumOf("", "GET", "POST", "PUT", "PATCH", "DELETE"),
		"path":                      str("The endpoint's path, e.g. `/api/v1/registrar/v1/domains/{domain}`."),
		"required_scopes":           arrayOf(str(""), "Scopes the command requires (none for status)."),
		"scope_status":              enumOf("granted when the key holds every required scope.", "granted", "missing"),
		"missing_scopes":            arrayOf(str(""), ""),
		"sandbox_available":         boolean("The command can run now in OT&E (reads, reset, sandbox mutations)."),
		"production_available":      boolean("The command can run now in production."),
		"disabled_reason":           nullable(str("The catalog code that blocks the command in every mode (e.g. registrar_channel_required, insufficient_scope, dns_module_not_enabled), or null.")),
		"production_blocked_reason": nullable(str("The catalog code that keeps the command out of production (e.g. registrar_channel_not_production_approved), or null.")),
	}, "command", "method", "path", "required_scopes", "scope_status", "missing_scopes", "sandbox_available",
		"production_available", "disabled_reason", "production_blocked_reason")
}

func eppGatewayContractSchema() m {
	return object("The EPP gateway contract (see /docs/registrar/epp-gateway-contract.md).", m{
		"status": enumOf("implemented: this build has the gateway; available: this deployment runs an EPP listener.",
			"implemented", "available"),
		"implementation":           anyValue("Where the gateway, its client, conformance tests and fuzz targets live."),
		"command_mapping":          anyValue("REST command ⇄ EPP command mapping."),
		"lifecycle_states":         anyValue("Lifecycle states and statuses."),
		"audit_idempotency":        anyValue("How clTRID, svTRID and audit rows relate to REST idempotency."),
		"protected_legacy_policy":  anyValue("Rules for protected legacy registrations."),
		"dns_adapter_capabilities": anyValue("What each DNS backend kind supports."),
		"conformance_checklist":    anyValue("The machine-readable EPP conformance checklist (see /docs/registrar/epp-conformance-checklist.json)."),
	}, "command_mapping", "lifecycle_states", "audit_idempotency", "protected_legacy_policy", "dns_adapter_capabilities", "conformance_checklist")
}

func statusSchema() m {
	return object("Everything a registrar needs to verify before an OT&E run, computed for the exact credential asking.", m{
		"api_key": object("The authenticated key (never the token itself).", m{
			"id":      str(""),
			"prefix":  str("The first characters of the token, to recognise it without storing it."),
			"profile": nullable(str("The key profile, e.g. registrar_api.")),
			"scopes":  arrayOf(str(""), "Effective scopes (profile expanded)."),
		}),
		"partner": object("The partner owning the key.", m{
			"id":                 str(""),
			"name":               str(""),
			"gems_balance":       integer("Current prepaid Gems balance."),
			"dns_module_enabled": boolean(""),
		}, "gems_balance"),
		"registrar_channel": nullable(object("The channel the key is bound to; null for an unbound key.", m{
			"id":                    str(""),
			"slug":                  str(""),
			"status":                enumOf("", string(core.ChannelPending), string(core.ChannelApproved), string(core.ChannelSuspended)),
			"production_approved":   boolean(""),
			"rate_limit_per_minute": integer(""),
		})),
		"namespace_listings": arrayOf(object("", m{
			"namespace": str(""),
			"status":    enumOf("", string(core.ListingPending), string(core.ListingApproved)),
			"terms":     namespaceTermsSchema(),
		}), "The channel's namespace listings; commands accept only approved namespaces."),
		"production_approval": nullable(anyObject("Whether non-sandbox mutations are allowed, and why not.")),
		"rate_limit":          nullable(anyObject("The channel's per-minute limit and the state of the current window (the same values as the X-RateLimit headers), or null for a key without an approved channel.")),
		"sandbox":             nullable(anyObject("Sandbox readiness: how to enable sandbox mode and whether OT&E fixtures exist.")),
		"ote": object("OT&E guidance.", m{
			"test_sequence": arrayOf(schemaRef("OTEStep"), "The certification sequence, in order."),
		}, "test_sequence"),
		"audit_provenance": object("Archive this: new registrar-origin audits carry exactly this channel id.", m{
			"registrar_channel_id": nullable(str("The bound channel's id; null for an unbound key.")),
		}, "registrar_channel_id"),
		"docs":                      nullable(anyObject("Links to the published documents (OpenAPI JSON, handoff packet, OT&E checklist and evidence template, EPP gateway contract, EPP conformance checklist); every link resolves without authentication.")),
		"commands":                  arrayOf(schemaRef("CommandCapability"), "One row per registrar command."),
		"registry_service_contract": schemaRef("RegistryServiceSummary"),
		"epp_gateway_contract":      schemaRef("EPPGatewayContract"),
	}, "api_key", "partner", "registrar_channel", "namespace_listings", "production_approval", "rate_limit",
		"sandbox", "ote", "audit_provenance", "docs", "commands", "registry_service_contract", "epp_gateway_contract")
}

// joinCodes renders codes as a Markdown list of `code`.
func joinCodes(codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = "`" + c + "`"
	}
	return strings.Join(out, ", ")
}

// namespaceTermsSchema is a namespace's prices and lifecycle policy as
// GET /status answers them for an approved listing.
func namespaceTermsSchema() m {
	props := m{
		"create_price_gems":   integer("Gems per registration year."),
		"renew_price_gems":    integer("Gems per renewal year (also the auto-renewal)."),
		"restore_price_gems":  integer("Gems of a restore from redemption (plus a renewal year when the expiry has passed)."),
		"transfer_price_gems": integer("Gems per year of a transfer, paid by the gaining registrar."),
		"auto_renew":          boolean("Whether the registry renews a registration at its expiry when the sponsor can pay."),
	}
	required := []string{"create_price_gems", "renew_price_gems", "restore_price_gems", "transfer_price_gems", "auto_renew"}
	for _, f := range core.PolicyPeriods() {
		props[f.Field] = integer("Seconds: " + f.About + ".")
		required = append(required, f.Field)
	}
	return object("The namespace's prices and RFC 3915 lifecycle policy (approved listings only); a policy change applies to periods that start after it.", props, required...)
}
