package openapi

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
)

// Paths of the operator document.
const (
	OperatorBasePath    = "/api/v1/admin"
	OperatorDocPath     = OperatorBasePath + "/openapi.json"
	EvidenceArchiveBase = "/admin"
	operatorSecurityKey = "operatorToken"
)

const (
	tagPartners  = "Partners and namespaces"
	tagChannels  = "Registrar channels"
	tagKeys      = "API keys"
	tagInventory = "Inventory and backend work"
	tagOTE       = "OT&E runs"
)

func operatorSchemas() m {
	return m{
		"Problem":           problemSchema(),
		"ValidationIssue":   validationIssueSchema(),
		"Registrant":        registrantSchema(),
		"RegistrantInput":   registrantInputSchema(),
		"DomainNameservers": domainNameserversSchema(),
		"DomainBackend":     domainBackendSchema(),
		"Domain":            domainSchema(),
		"PendingItem":       pendingItemSchema(),
		"PollEvent":         pollEventSchema(),
		"Partner": object("A partner: a company with a Gems balance and optional modules.", m{
			"id":                 str(""),
			"name":               str(""),
			"gems_balance":       integer("Prepaid Gems balance."),
			"dns_module_enabled": boolean("DNS record management through the registrar API."),
			"created_at":         dateTime(""),
			"updated_at":         dateTime(""),
		}, "id", "name", "gems_balance", "dns_module_enabled"),
		"CreatePartnerRequest": closedObject("", m{
			"name":               describe(m{"type": "string", "minLength": 1}, ""),
			"gems_balance":       intRange(0, 0, "Opening balance."),
			"dns_module_enabled": boolean(""),
		}, "name"),
		"PatchPartnerRequest": closedObject("Members present are changed; absent members stay.", m{
			"gems_balance": intRange(0, 0, "The balance wanted, as of the moment the request is read. The registry applies the "+
				"difference to the balance it reads then, under the partner's row lock, with a ledger entry: a debit that "+
				"commits while the request waits is kept, never undone. 402 insufficient_gems when the difference would "+
				"take the balance below 0. Prefer POST .../gems-adjustments, which states the change itself."),
			"dns_module_enabled": boolean(""),
			"reason": describe(m{"type": "string", "maxLength": core.MaxGemsReasonLength},
				"Why the balance changes, recorded on the ledger entry; only with gems_balance."),
		}),
		"AdjustGemsRequest": closedObject("A change of a partner's Gems balance by an operator's hand.", m{
			"delta": describe(m{"type": "integer", "format": "int64", "minimum": -core.MaxGemsDelta, "maximum": core.MaxGemsDelta},
				"Gems to add; negative to take away. Not 0. Added under the partner's row lock, so it composes with concurrent debits."),
			"reason": describe(m{"type": "string", "minLength": 1, "maxLength": core.MaxGemsReasonLength},
				"Why the balance changes (credit note, refund, correction); recorded on the ledger entry and in the audit."),
		}, "delta", "reason"),
		"GemsAdjustment": object("An operator's Gems movement: its ledger entry and the balance after it.", m{
			"id":             str("The ledger entry id."),
			"partner_id":     str(""),
			"delta":          integer("The Gems added (negative: taken away)."),
			"reason":         str("Why, as the operator said."),
			"actor":          str("Who moved the Gems: `operator`."),
			"gems_balance":   integer("The partner's balance after this movement."),
			"audit_event_id": str("The audit row of the operator call."),
			"created_at":     dateTime(""),
		}, "id", "partner_id", "delta", "reason", "actor", "gems_balance", "audit_event_id", "created_at"),
		"Namespace":              namespaceSchema(),
		"CreateNamespaceRequest": createNamespaceRequestSchema(),
		"PatchNamespaceRequest":  patchNamespaceRequestSchema(),
		"Channel": object("A registrar channel.", m{
			"id":                     str(""),
			"partner_id":             str(""),
			"slug":                   str(""),
			"status":                 enumOf("", string(core.ChannelPending), string(core.ChannelApproved), string(core.ChannelSuspended)),
			"production_approved":    boolean(""),
			"production_approved_at": nullable(dateTime("")),
			"rate_limit_per_minute":  integer(""),
			"created_at":             dateTime(""),
			"updated_at":             dateTime(""),
			"epp_password_set":       boolean("An EPP password is set (PUT .../epp-password); the password itself is never shown."),
			"epp_client_cert_sha256": str("SHA-256 fingerprint (64 lower-case hex digits) of the TLS client certificate bound to the channel; empty: none. Where the EPP listeners require client certificates (REGISTRY_EPP_CLIENT_CA), a login must present this certificate or is answered 2200."),
		}, "id", "partner_id", "slug", "status", "production_approved", "rate_limit_per_minute"),
		"EPPPasswordRequest": closedObject("The channel's EPP password: the EPP <pw> of login, with clID = the channel slug.", m{
			"password": describe(m{"type": "string", "minLength": 6, "maxLength": 16},
				"6 to 16 characters (RFC 5730 pwType): no control characters, no leading, trailing or doubled spaces. Stored hashed (Argon2id); the registrar changes it with <newPW>."),
		}, "password"),
		"CreateChannelRequest": closedObject("", m{
			"partner_id":            str(""),
			"slug":                  describe(m{"type": "string", "minLength": 1, "maxLength": 63}, "Unique; becomes the EPP clID and part of OT&E fixture names."),
			"rate_limit_per_minute": intRange(1, 0, "Default 120."),
		}, "partner_id", "slug"),
		"PatchChannelRequest": closedObject("", m{
			"rate_limit_per_minute": intRange(1, 0, ""),
			"status":                enumOf("", string(core.ChannelPending), string(core.ChannelApproved), string(core.ChannelSuspended)),
			"epp_client_cert_sha256": describe(m{"type": "string", "pattern": "^$|^[0-9A-Fa-f]{64}$|^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){31}$"},
				"Binds the EPP client certificate: its SHA-256 fingerprint as openssl x509 -fingerprint -sha256 prints it, or as 64 hex digits; an empty string unbinds it. Where the EPP listeners require client certificates, a login presenting another certificate, or to a channel with none bound, is answered 2200."),
		}),
		"Listing": object("Approval of one channel for one namespace.", m{
			"registrar_channel_id": str(""),
			"namespace":            str(""),
			"status":               enumOf("", string(core.ListingPending), string(core.ListingApproved)),
			"created_at":           dateTime(""),
			"approved_at":          nullable(dateTime("")),
		}, "namespace", "status"),
		"CreateListingRequest": closedObject("", m{"namespace": str("")}, "namespace"),
		"CreateAPIKeyRequest": closedObject("A profile or explicit scopes.", m{
			"partner_id":           str(""),
			"registrar_channel_id": str("Binds the key to a channel; registrar commands need a bound key."),
			"profile":              enumOf("", core.ProfileRegistrarAPI),
			"scopes":               arrayOf(enumOf("", core.AllScopes()...), ""),
		}, "partner_id"),
		"APIKey": object("An API key. The token is shown only in the create response.", m{
			"id":                   str(""),
			"prefix":               str("The first characters of the token, to recognise it without storing it."),
			"partner_id":           str(""),
			"registrar_channel_id": nullable(str("")),
			"profile":              nullable(str("")),
			"scopes":               arrayOf(str(""), ""),
			"token":                str("The bearer token; only in the create response. Store it now: it is kept hashed and cannot be shown again."),
			"created_at":           dateTime(""),
			"revoked_at":           nullable(dateTime("")),
		}, "id"),
		"ImportDomainRequest": closedObject("A legacy registration to import. Imported registrations have no add grace.", m{
			"domain":               str(""),
			"registrar_channel_id": str("The sponsoring channel."),
			"expires_at":           dateTime(""),
			"registrant":           schemaRef("RegistrantInput"),
			"protected_legacy":     boolean("Deletion through the registrar API is refused (409 protected_legacy_registration_not_deletable)."),
		}, "domain", "registrar_channel_id", "expires_at", "registrant"),
		"OperatorPendingItem": m{"allOf": []any{schemaRef("PendingItem"), object("What operators see beyond the registrar view.", m{
			"registrar_channel_id": str("The channel whose command queued the work."),
			"reason":               nullable(str("Why the work failed, for failed items.")),
			"attempts":             intRange(0, 0, "Apply attempts so far."),
			"updated_at":           dateTime(""),
		})}},
		"PendingList":        object("", m{"items": arrayOf(schemaRef("OperatorPendingItem"), "")}, "items"),
		"NamespaceList":      object("", m{"items": arrayOf(schemaRef("Namespace"), "")}, "items"),
		"FailPendingRequest": closedObject("", m{"reason": describe(m{"type": "string", "minLength": 1}, "Why the apply failed; shown to operators.")}, "reason"),
		"ApproveProductionRequest": closedObject("Optional: without a body the approval needs a ready OT&E run.", m{
			"force": boolean("Record production approval although the channel's latest OT&E run is not ready (or the channel has none); the audit row records force: true."),
		}),
		"CreateOTERunRequest": closedObject("", m{
			"registrar_channel_id": str(""),
			"name":                 describe(m{"type": "string", "minLength": 1}, ""),
		}, "registrar_channel_id", "name"),
		"AttachEvidenceRequest": closedObject("", m{
			"audit_event_ids": describe(m{"type": "array", "minItems": 1, "items": str("")}, "Audit event ids (GET /poll `id`) of the run's channel. One foreign id rejects the whole request."),
		}, "audit_event_ids"),
		"OTERun": object("A named OT&E run with its evidence.", m{
			"id":                     str(""),
			"registrar_channel_id":   str(""),
			"registrar_channel_slug": str(""),
			"name":                   str(""),
			"created_at":             dateTime(""),
			"updated_at":             dateTime(""),
			"audit_event_ids":        arrayOf(str(""), "Attached audit events, in attach order, without duplicates."),
			"evidence":               arrayOf(schemaRef("PollEvent"), "The attached events with their request and response summaries."),
			"checklist": arrayOf(object("", m{
				"step":            str("The OT&E step name."),
				"command":         str(""),
				"passed":          boolean("Attached evidence shows the step."),
				"audit_event_ids": arrayOf(str(""), "The attached events that show it."),
			}, "step", "passed"), "Each OT&E step, in sequence order, and whether attached evidence shows it."),
		}, "id", "registrar_channel_id", "name", "audit_event_ids", "checklist"),
	}
}

// optionalBodies are the request bodies an operation takes but does not require.
var optionalBodies = map[string]bool{"ApproveProductionRequest": true}

type operatorOp struct {
	method, path, id, summary, desc, tag string
	pathParams                           []string
	body                                 string
	status                               int
	result                               string
	errors                               []core.Code
}

func operatorOperations() []operatorOp {
	body := []core.Code{core.CodeMalformedRequest, core.CodeValidation, core.CodeRequestTooLarge, core.CodeUnsupportedMediaType}
	nf := []core.Code{core.CodeNotFound}
	gems := []core.Code{core.CodeInsufficientGems, core.CodeResourceBusy}
	return []operatorOp{
		{"POST", "/partners", "operator_create_partner", "Create a partner.", "", tagPartners, nil, "CreatePartnerRequest", 201, "Partner", body},
		{"GET", "/partners/{id}", "operator_get_partner", "Read a partner.", "", tagPartners, []string{"id"}, "", 200, "Partner", nf},
		{"PATCH", "/partners/{id}", "operator_patch_partner", "Change a partner's balance or modules.", "Setting gems_balance applies the difference to the balance read when the request arrives, under the partner's row lock, with an `operator_adjust` ledger entry; a concurrent debit is kept.", tagPartners, []string{"id"}, "PatchPartnerRequest", 200, "Partner", concat(body, nf, gems)},
		{"POST", "/partners/{id}/gems-adjustments", "operator_adjust_gems", "Add or take away a partner's Gems.", "Adds `delta` under the partner's row lock with an `operator_adjust` ledger entry naming the reason and the operator; the balance never goes below 0 (402 insufficient_gems). Audited.", tagPartners, []string{"id"}, "AdjustGemsRequest", 201, "GemsAdjustment", concat(body, nf, gems)},
		{"POST", "/namespaces", "operator_create_namespace", "Create a namespace.", "Policy members left out take their defaults (RFC 3915 grace periods of 5 days, 45 days of auto-renew grace, 30 days of redemption, 5 days of pending delete, auto-renew on, restore and transfer at the renew price).", tagPartners, nil, "CreateNamespaceRequest", 201, "Namespace", concat(body, []core.Code{core.CodeAlreadyExists})},
		{"GET", "/namespaces", "operator_list_namespaces", "List namespaces.", "", tagPartners, nil, "", 200, "NamespaceList", nil},
		{"PATCH", "/namespaces/{name}", "operator_update_namespace", "Change a namespace's prices, labels or lifecycle policy.", "Members present are changed; absent members stay. A policy change applies to periods that start after it: registrations keep the deadlines of the periods already running. `restore_price_gems` or `transfer_price_gems` set to null follow the renew price again.", tagPartners, []string{"name"}, "PatchNamespaceRequest", 200, "Namespace", concat(body, nf)},
		{"POST", "/registrar-channels", "operator_create_channel", "Create a registrar channel.", "The channel starts `pending`, without production approval.", tagChannels, nil, "CreateChannelRequest", 201, "Channel", concat(body, nf, []core.Code{core.CodeAlreadyExists})},
		{"GET", "/registrar-channels/{id}", "operator_get_channel", "Read a registrar channel.", "", tagChannels, []string{"id"}, "", 200, "Channel", nf},
		{"PATCH", "/registrar-channels/{id}", "operator_patch_channel", "Change a channel's rate limit, status or EPP client certificate.", "Suspending a channel blocks its keys with 403 registrar_channel_required.", tagChannels, []string{"id"}, "PatchChannelRequest", 200, "Channel", concat(body, nf)},
		{"POST", "/registrar-channels/{id}/approve", "operator_approve_channel", "Approve a channel.", "Its bound keys can then run OT&E in approved namespaces.", tagChannels, []string{"id"}, "", 200, "Channel", nf},
		{"POST", "/registrar-channels/{id}/production-approval", "operator_approve_production", "Record production approval.", "Non-sandbox mutations are allowed from now on. The registry refuses with 409 `ote_run_not_ready` while the channel's latest OT&E run (the one created last) does not show evidence for every checklist step, or the channel has no run; the detail names the run and its missing steps. Review the run's evidence archive; `{\"force\": true}` records the approval anyway, and its audit row says so. A channel already approved is answered as it is.", tagChannels, []string{"id"}, "ApproveProductionRequest", 200, "Channel", concat(body, nf, []core.Code{core.CodeOTERunNotReady})},
		{"PUT", "/registrar-channels/{id}/epp-password", "operator_set_epp_password", "Set a channel's EPP password.", "The EPP gateway logs the channel in with clID = its slug and this password. The password is stored hashed and never shown again; the registrar may change it with <newPW> at login.", tagChannels, []string{"id"}, "EPPPasswordRequest", 200, "Channel", concat(body, nf)},
		{"POST", "/registrar-channels/{id}/namespace-listings", "operator_create_listing", "Request a namespace listing for a channel.", "The listing starts `pending`.", tagChannels, []string{"id"}, "CreateListingRequest", 201, "Listing", concat(body, nf, []core.Code{core.CodeAlreadyExists})},
		{"POST", "/registrar-channels/{id}/namespace-listings/{namespace}/approve", "operator_approve_listing", "Approve a namespace listing.", "", tagChannels, []string{"id", "namespace"}, "", 200, "Listing", nf},
		{"POST", "/api-keys", "operator_create_api_key", "Create an API key.", "Give `profile: registrar_api` (every registrar scope) or explicit `scopes`. The token is in this response only.", tagKeys, nil, "CreateAPIKeyRequest", 201, "APIKey", concat(body, nf)},
		{"DELETE", "/api-keys/{id}", "operator_revoke_api_key", "Revoke an API key.", "The token answers 401 invalid_api_key from now on.", tagKeys, []string{"id"}, "", 200, "APIKey", nf},
		{"POST", "/domains/import", "operator_import_domain", "Import a legacy registration.", "", tagInventory, nil, "ImportDomainRequest", 201, "Domain", concat(body, nf, []core.Code{core.CodeDomainNotAvailable})},
		{"GET", "/backend/pending", "operator_list_pending", "List every channel's pending backend work.", "", tagInventory, nil, "", 200, "PendingList", nil},
		{"POST", "/backend/pending/{id}/apply", "operator_apply_pending", "Apply pending backend work.", "For nameserver work the domain's applied nameservers then equal the payload.", tagInventory, []string{"id"}, "", 200, "OperatorPendingItem", concat(nf, []core.Code{core.CodeBackendUnavailable})},
		{"POST", "/backend/pending/{id}/retry", "operator_retry_pending", "Retry failed backend work.", "A failed item is queued again with its attempts counted afresh and due at once (the apply worker or an operator then applies it); work a newer command superseded cannot be retried. 400 validation_error for an item that is not failed.", tagInventory, []string{"id"}, "", 200, "OperatorPendingItem", concat(nf, []core.Code{core.CodeValidation})},
		{"POST", "/backend/pending/{id}/fail", "operator_fail_pending", "Mark pending backend work failed.", "The item leaves the pending list with status `failed`.", tagInventory, []string{"id"}, "FailPendingRequest", 200, "OperatorPendingItem", concat(body, nf)},
		{"POST", "/registrar-ote-runs", "operator_create_ote_run", "Create a named OT&E run for a channel.", "", tagOTE, nil, "CreateOTERunRequest", 201, "OTERun", concat(body, nf)},
		{"POST", "/registrar-ote-runs/{id}/evidence", "operator_attach_ote_evidence", "Attach audit events to an OT&E run.", "Every id must be an audit event of the run's channel; otherwise 400 validation_error and nothing is attached.", tagOTE, []string{"id"}, "AttachEvidenceRequest", 200, "OTERun", concat(body, nf)},
		{"GET", "/registrar-ote-runs/{id}", "operator_get_ote_run", "Read an OT&E run with its evidence.", "", tagOTE, []string{"id"}, "", 200, "OTERun", nf},
	}
}

// policyProps are the lifecycle policy members of the namespace requests
// and object, from the core's list of periods.
func policyProps(response bool) m {
	def := core.DefaultPolicy()
	props := m{}
	for _, f := range core.PolicyPeriods() {
		secs := int64(*f.Ptr(&def) / time.Second)
		desc := fmt.Sprintf("%s. Whole seconds; default %d (%s).", upperFirst(f.About), secs, days(secs))
		if response {
			props[f.Field] = with(intRange(0, 0, desc), m{"format": "int64"})
			continue
		}
		props[f.Field] = with(intRange(0, int(core.MaxPolicyPeriod/time.Second), desc), m{"format": "int64"})
	}
	props["auto_renew"] = boolean("At the expiry the registry renews a registration for one year, debiting the renew price, when its sponsor can pay (default true); otherwise, or when false, the registration expires.")
	price := func(what string) m {
		if response {
			return integer("What " + what + " costs now: the explicit price, or the renew price while it follows it.")
		}
		return nullable(intRange(0, 0, "What "+what+" costs. null (or absent at creation) follows the renew price."))
	}
	props["restore_price_gems"] = price("a restore from redemption")
	props["transfer_price_gems"] = price("one year of a transfer")
	if response {
		props["restore_price_follows_renew"] = boolean("restore_price_gems follows renew_price_gems (no explicit price set).")
		props["transfer_price_follows_renew"] = boolean("transfer_price_gems follows renew_price_gems (no explicit price set).")
	}
	return props
}

func days(secs int64) string {
	if secs%86400 == 0 {
		return fmt.Sprintf("%d days", secs/86400)
	}
	return fmt.Sprintf("%d seconds", secs)
}

func policyFieldNames(response bool) []string {
	out := []string{}
	for _, f := range core.PolicyPeriods() {
		out = append(out, f.Field)
	}
	out = append(out, "auto_renew", "restore_price_gems", "transfer_price_gems")
	if response {
		out = append(out, "restore_price_follows_renew", "transfer_price_follows_renew")
	}
	return out
}

func namespaceSchema() m {
	props := policyProps(true)
	maps.Copy(props, m{
		"name":              str("A-label."),
		"dns_backend":       enumOf("", core.DNSBackendNone, core.DNSBackendMemory, core.DNSBackendRFC2136),
		"create_price_gems": integer(""),
		"renew_price_gems":  integer(""),
		"reserved_labels":   arrayOf(str(""), ""),
		"claim_labels":      arrayOf(str(""), ""),
		"created_at":        dateTime(""),
	})
	required := append([]string{"name", "dns_backend", "create_price_gems", "renew_price_gems"}, policyFieldNames(true)...)
	return object("A namespace the registry sells, with its whole lifecycle policy (RFC 3915 grace periods and the registry's own periods).", props, required...)
}

func createNamespaceRequestSchema() m {
	props := policyProps(false)
	maps.Copy(props, m{
		"name":              describe(m{"type": "string", "minLength": 1, "maxLength": 63}, "Unicode or A-label; stored as an A-label."),
		"dns_backend":       enumOf("", core.DNSBackendNone, core.DNSBackendMemory, core.DNSBackendRFC2136),
		"create_price_gems": intRange(0, 0, "Price of one registration year."),
		"renew_price_gems":  intRange(0, 0, "Price of one renewal year."),
		"reserved_labels":   arrayOf(str(""), "Labels that are never available."),
		"claim_labels":      arrayOf(str(""), "Labels whose create needs a claims acknowledgement."),
	})
	return closedObject("A namespace and, optionally, its lifecycle policy: members left out take their defaults.", props,
		"name", "dns_backend", "create_price_gems", "renew_price_gems")
}

func patchNamespaceRequestSchema() m {
	props := policyProps(false)
	maps.Copy(props, m{
		"create_price_gems": nullable(intRange(0, 0, "Price of one registration year (null: unchanged).")),
		"renew_price_gems":  nullable(intRange(0, 0, "Price of one renewal year (null: unchanged). Restore and transfer prices that follow it follow the change.")),
		"reserved_labels":   nullable(arrayOf(str(""), "Replaces the reserved labels (null: unchanged).")),
		"claim_labels":      nullable(arrayOf(str(""), "Replaces the claim labels (null: unchanged).")),
	})
	return closedObject("Members present are changed; absent members stay. A policy change applies to periods that start after it.", props)
}

func operatorErrorHeaders(status string) m {
	h := m{"X-Request-ID": m{"$ref": "#/components/headers/X-Request-ID"}}
	if status == "401" {
		h["WWW-Authenticate"] = m{"$ref": "#/components/headers/WWW-Authenticate"}
	}
	return h
}

func buildOperatorDocument() m {
	paths := m{}
	for _, op := range append(operatorOperations(), transferOperatorOperations()...) {
		item, _ := paths[op.path].(m)
		if item == nil {
			item = m{}
			paths[op.path] = item
		}
		params := []any{}
		for _, p := range op.pathParams {
			params = append(params, m{"name": p, "in": "path", "required": true, "schema": str("")})
		}
		responses := m{}
		responses[fmt.Sprint(op.status)] = m{
			"description": http.StatusText(op.status) + ".",
			"content":     m{"application/json": m{"schema": schemaRef(op.result)}},
		}
		for status, r := range errorResponses(concat([]core.Code{core.CodeInvalidAPIKey}, op.errors, []core.Code{core.CodeInternal})) {
			r["headers"] = operatorErrorHeaders(status)
			responses[status] = r
		}
		o := m{
			"operationId": op.id,
			"summary":     op.summary,
			"tags":        []string{op.tag},
			"parameters":  params,
			"responses":   responses,
		}
		o["description"] = op.summary
		if op.desc != "" {
			o["description"] = op.desc
		}
		if op.body != "" {
			o["requestBody"] = m{"required": !optionalBodies[op.body], "content": m{"application/json": m{"schema": schemaRef(op.body)}}}
		}
		item[strings.ToLower(op.method)] = o
	}
	paths["/registrar-ote-runs/{id}/evidence-archive.md"] = m{
		"servers": []any{m{"url": EvidenceArchiveBase, "description": "Served outside /api/v1/admin, at the path the registrar docs name."}},
		"get": m{
			"operationId": "operator_ote_evidence_archive",
			"summary":     "Export an OT&E run's evidence archive.",
			"description": "Markdown: the run, the channel, the OT&E checklist with each step marked passed or missing, and every attached event with its request and response summaries. The template is published at /docs/registrar/ote-evidence-template.md.",
			"tags":        []string{tagOTE},
			"parameters":  []any{m{"name": "id", "in": "path", "required": true, "schema": str(""), "description": "The run id."}},
			"responses": func() m {
				r := m{"200": m{"description": "The archive.", "content": m{"text/markdown": m{"schema": str("")}}}}
				for status, e := range errorResponses([]core.Code{core.CodeInvalidAPIKey, core.CodeNotFound, core.CodeInternal}) {
					e["headers"] = operatorErrorHeaders(status)
					r[status] = e
				}
				return r
			}(),
		},
	}
	headers := headerComponents()
	return m{
		"openapi": "3.0.3",
		"info": m{
			"title":   "HeadlessDomains Registry Operator API",
			"version": apiVersion,
			"description": "The operator API of the registry: partners, namespaces, registrar channels and their " +
				"approvals, API keys, legacy imports, backend apply work and OT&E runs. `Authorization: Bearer " +
				"<operator token>` with the token of the `REGISTRY_OPERATOR_TOKEN` setting; without that setting the " +
				"operator API is closed and every call answers 401 `invalid_api_key`. Every call is audited. Answers " +
				"are the object itself, without a wrapper. Errors are problem details from the same catalog as the " +
				"registrar API (see the registrar document's `x-registrar-error-catalog`).",
			"contact": m{"name": "HeadlessDomains registry operations"},
		},
		"servers":  []any{m{"url": OperatorBasePath}},
		"security": []any{m{operatorSecurityKey: []string{}}},
		"tags": []any{
			m{"name": tagPartners, "description": "Partners (companies with a Gems balance), their Gems movements, and the namespaces the registry sells."},
			m{"name": tagChannels, "description": "Registrar channels: admission, approvals, rate limits, EPP passwords and namespace listings."},
			m{"name": tagKeys, "description": "Partner API keys; a token is shown once, at creation."},
			m{"name": tagInventory, "description": "Legacy imports and every channel's backend apply work."},
			m{"name": tagOTE, "description": "OT&E runs: evidence a registrar's certification rests on, and its archive."},
		},
		"paths": paths,
		"components": m{
			"securitySchemes": m{operatorSecurityKey: m{
				"type": "http", "scheme": "bearer",
				"description": "The operator token (`REGISTRY_OPERATOR_TOKEN`).",
			}},
			"schemas":  withTransferSchemas(operatorSchemas()),
			"headers":  m{"X-Request-ID": headers["X-Request-ID"], "WWW-Authenticate": headers["WWW-Authenticate"]},
			"examples": problemExamples(),
		},
	}
}
