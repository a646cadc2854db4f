package openapi

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/headlessdomains/registry/core"
)

// Paths and identities of the registrar document.
const (
	RegistrarBasePath    = "/api/v1/registrar/v1"
	RegistrarDocPath     = RegistrarBasePath + "/openapi.json"
	registrarSecurityKey = "bearer"
	apiVersion           = "1.0.0"
)

// Tags group the registrar operations.
const (
	tagAccount = "Account and OT&E"
	tagDomains = "Domains"
	tagDNS     = "DNS records"
	tagAudit   = "Audit and backend work"
)

// operation is the per-command part of an operation that the core does not
// know: its documentation, parameters, body, success schema and the errors
// that apply beyond the common ones.
type operation struct {
	tag          string
	description  string
	query        []m    // query parameter objects
	body         string // request schema name, or ""
	bodyOptional bool   // the body may be empty (DELETE, sandbox reset)
	bodyExample  m
	bodyDesc     string
	result       string // success schema name
	example      m      // success example
	sandboxEx    m      // 202 example for mutating commands
	errors       []core.Code
}

var domainErrors = []core.Code{core.CodeValidation, core.CodeNamespaceNotApproved, core.CodeDomainNotSponsored, core.CodeDomainNotFound}

var mutationErrors = []core.Code{core.CodeIdempotencyKeyRequired, core.CodeChannelNotProductionApproved,
	core.CodeIdempotencyConflict, core.CodeIdempotencyInProgress, core.CodeResourceBusy}

var bodyErrors = []core.Code{core.CodeMalformedRequest, core.CodeValidation, core.CodeRequestTooLarge, core.CodeUnsupportedMediaType}

func concat(lists ...[]core.Code) []core.Code {
	var out []core.Code
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func queryParam(name string, schema m, desc string, example any) m {
	p := m{"name": name, "in": "query", "required": false, "schema": schema, "description": desc}
	if example != nil {
		p["example"] = example
	}
	return p
}

func registrarOperations() map[core.Command]operation {
	pollCommands := append(commandNames(), registryPollCommands()...) // the registry's own changes and transfer notices
	return map[core.Command]operation{
		core.CmdStatus: {
			tag: tagAccount,
			description: "Start every OT&E run here. Answers for the exact credential asking: the key and its scopes, " +
				"the partner's Gems balance, the bound registrar channel, namespace listings, production approval, " +
				"the current rate-limit window, sandbox readiness, the OT&E test sequence, audit provenance, links to " +
				"these documents and the command capability matrix (scope status, missing scopes, sandbox and " +
				"production availability and the catalog code that blocks a command). It also embeds the internal " +
				"registry service contract and the EPP gateway contract.\n\n" +
				"Archive `audit_provenance.registrar_channel_id`: every registrar-origin audit row written for this " +
				"key carries exactly that id, and GET /poll is filtered to it.\n\n" +
				"GET /status answers 200 even when the key is not bound to an approved channel (`registrar_channel` " +
				"and `audit_provenance.registrar_channel_id` are then null, and every command row names " +
				"`registrar_channel_required`). It counts against the rate limit like every other endpoint.",
			result:  "StatusReport",
			example: exStatus(),
		},
		core.CmdSandboxReset: {
			tag: tagAccount,
			description: "Creates, for every approved namespace of the channel, fixtures named " +
				"`ote-{purpose}-{channel_slug}.{namespace}`: `renew`, `ns`, `update` and `delete` are registered, " +
				"active, sponsored by the channel, marked `ote_sandbox` and one year from expiry; `claim` is left " +
				"unregistered and its label is claim-required. A `registrant_contact` fixture is created for EPP OT&E " +
				"creates. Only records marked `ote_sandbox` are overwritten: a real registration holding a fixture " +
				"name is left alone and reported with `skipped: true`. Needs no idempotency key, costs no Gems and " +
				"works without production approval.",
			body:         "SandboxResetRequest",
			bodyOptional: true,
			result:       "SandboxResetResult",
			example:      exSandboxReset(),
			errors:       bodyErrors,
		},
		core.CmdCheckDomain: {
			tag: tagDomains,
			description: "Checks 1 to 50 names. A bare label is checked in every namespace the channel is approved " +
				"for; a fully qualified name in its own namespace. Names are accepted in Unicode or A-label form and " +
				"answered as A-labels. A syntactically invalid name, or a name in a namespace that does not exist, " +
				"fails the whole command with 400 `validation_error`. A reserved label answers `available: false, " +
				"reason: reserved`; a free claim-required label answers `available: true, reason: claim_required` " +
				"(create then needs `claim_acknowledgement`). A label confusable with a reserved or claim-required " +
				"label (equal Unicode TS #39 skeletons, such as an all-Cyrillic `ѕсоре` for `scope`) answers as that " +
				"label. A label that mixes scripts beyond Unicode TS #39 Highly Restrictive is invalid. " +
				"`price_gems` is the create price for one year.\n\n" +
				"A check is a read: it needs no idempotency key and is not audited.",
			body:        "CheckRequest",
			bodyExample: m{"names": []any{"alice.defiwallet", "bob", "münchen.defiwallet"}},
			result:      "CheckResponse",
			example: m{"results": []any{
				m{"name": "alice.defiwallet", "available": false, "reason": "registered", "price_gems": 100},
				m{"name": "bob.defiwallet", "available": true, "reason": nil, "price_gems": 100},
				m{"name": "xn--mnchen-3ya.defiwallet", "available": true, "reason": "claim_required", "price_gems": 100},
			}},
			errors: concat(bodyErrors, []core.Code{core.CodeNamespaceNotApproved}),
		},
		core.CmdCreateDomain: {
			tag: tagDomains,
			description: "Registers `domain` for `years` (1 to 10, default 1) and debits `create_price_gems × years` " +
				"from the partner's Gems balance, in one transaction with the audit row. The registration enters the " +
				"namespace's add grace period (`addPeriod`, 5 days unless the namespace policy says otherwise): a " +
				"delete within it refunds every debit made on the name since the create and frees it.\n\n" +
				"`registrant.name` and `registrant.email` are required. A reserved or registered name answers 409 " +
				"`domain_not_available`; a claim-required label without `claim_acknowledgement` answers 409 " +
				"`claim_acknowledgement_required`; an insufficient balance answers 402 `insufficient_gems`. A look-alike " +
				"of a reserved or claim-required label (equal Unicode TS #39 skeletons) counts as that label. " +
				"Optional `nameservers` are stored as desired and queued for backend apply.",
			body: "CreateDomainRequest",
			bodyExample: m{
				"domain":      exDomain,
				"years":       1,
				"registrant":  exRegistrantInput(),
				"nameservers": []any{"ns1.example.net", "ns2.example.net"},
			},
			result:    "CreateDomainResult",
			example:   exMutation(core.CmdCreateDomain, false, exIdemKey, m{"domain": exDomainObject(exExpiresAt, core.StateActive, "addPeriod"), "debited_gems": 100}),
			sandboxEx: exMutation(core.CmdCreateDomain, true, exIdemKey, m{"domain": exDomainObject(exExpiresAt, core.StateActive, "addPeriod"), "would_debit_gems": 100}),
			errors: concat(bodyErrors, mutationErrors, []core.Code{core.CodeNamespaceNotApproved, core.CodeDomainNotAvailable,
				core.CodeClaimAcknowledgementRequired, core.CodeInsufficientGems, core.CodeRegistrationPeriodExceeded}),
		},
		core.CmdInfoDomain: {
			tag: tagDomains,
			description: "Reads a registration the channel sponsors. The path accepts the name in Unicode or A-label " +
				"form; the answer carries A-labels (`name`) and the Unicode form (`unicode_name`). A registration " +
				"cancelled within add grace answers 404: its name is available again.",
			result:  "Domain",
			example: exDomainObject(exExpiresAt, core.StateActive, "addPeriod"),
			errors:  domainErrors,
		},
		core.CmdRenewDomain: {
			tag: tagDomains,
			description: "Adds `years` to the expiry and debits `renew_price_gems × years`. `current_expires_at` must " +
				"equal the registration's expiry (409 `current_expiry_mismatch` otherwise), so a renewal retried " +
				"with a new key cannot renew twice. An expiry more than 10 years ahead answers 400 " +
				"`registration_period_exceeded`; `clientRenewProhibited` or `serverRenewProhibited` answer 409 " +
				"`status_prohibits_operation`.\n\n" +
				"The renewal starts the namespace's renew grace period (`renewPeriod`): a delete within it refunds " +
				"the renewal and takes its years off the expiry again. An `expired` registration can still be " +
				"renewed: the years count from the old expiry and the result must lie in the future (400 " +
				"`validation_error` otherwise); it is `active` again and its delegation goes back to DNS. In " +
				"`redemption` and `pending_delete` a renew answers 409 `status_prohibits_operation`: restore first.",
			body:        "RenewDomainRequest",
			bodyExample: m{"years": 1, "current_expires_at": exExpiresAt},
			result:      "RenewDomainResult",
			example:     exMutation(core.CmdRenewDomain, false, "renew-alice-0001", m{"domain": exDomainObject(exRenewedTo, core.StateActive, "renewPeriod"), "debited_gems": 80}),
			sandboxEx:   exMutation(core.CmdRenewDomain, true, "renew-alice-0001", m{"domain": exDomainObject(exRenewedTo, core.StateActive, "renewPeriod"), "would_debit_gems": 80}),
			errors: concat(bodyErrors, domainErrors, mutationErrors, []core.Code{core.CodeCurrentExpiryMismatch,
				core.CodeStatusProhibitsOperation, core.CodeInsufficientGems, core.CodeRegistrationPeriodExceeded}),
		},
		core.CmdUpdateDomain: {
			tag: tagDomains,
			description: "Replaces the registrant and/or adds and removes client statuses (" +
				joinCodes(core.ClientStatuses) + "). Adding or removing a server status answers 400 " +
				"`status_not_client_settable`. While `clientUpdateProhibited` is set, every update is refused " +
				"with 409 `status_prohibits_operation` except the one that removes it.",
			body: "UpdateDomainRequest",
			bodyExample: m{
				"registrant": exRegistrantInput(),
				"statuses":   m{"add": []any{core.StatusClientTransferProhibited}, "remove": []any{}},
			},
			result:    "UpdateDomainResult",
			example:   exMutation(core.CmdUpdateDomain, false, "update-alice-0001", m{"domain": exDomainObject(exExpiresAt, core.StateActive, core.StatusClientTransferProhibited)}),
			sandboxEx: exMutation(core.CmdUpdateDomain, true, "update-alice-0001", m{"domain": exDomainObject(exExpiresAt, core.StateActive, core.StatusClientTransferProhibited)}),
			errors: concat(bodyErrors, domainErrors, mutationErrors, []core.Code{core.CodeStatusProhibitsOperation,
				core.CodeStatusNotClientSettable}),
		},
		core.CmdUpdateNameservers: {
			tag: tagDomains,
			description: "Stores the desired nameservers (0 to 13 host names; an empty list removes the delegation) " +
				"and queues backend apply work, visible in GET /backend/pending. `nameservers.apply_status` is " +
				"`pending` until the backend applies the change, then `applied` (or `failed`). Refused with 409 " +
				"`status_prohibits_operation` while `clientUpdateProhibited` or `serverUpdateProhibited` is set.",
			body:        "NameserversRequest",
			bodyExample: m{"nameservers": []any{"ns1.example.net", "ns2.example.net"}},
			result:      "NameserversResult",
			example:     exMutation(core.CmdUpdateNameservers, false, "ns-001", m{"domain": exDomainObject(exExpiresAt, core.StateActive, core.StatusOK), "pending_id": exPendingID}),
			sandboxEx:   exMutation(core.CmdUpdateNameservers, true, "ns-001", m{"domain": exDomainObject(exExpiresAt, core.StateActive, core.StatusOK)}),
			errors:      concat(bodyErrors, domainErrors, mutationErrors, []core.Code{core.CodeStatusProhibitsOperation}),
		},
		core.CmdReadRecords: {
			tag: tagDNS,
			description: "Reads the registration's records through the namespace's DNS backend, with the backend's " +
				"capabilities. Needs the partner's DNS module (403 `dns_module_not_enabled`) and a namespace " +
				"backend that serves DNS (409 `backend_dns_not_supported`).",
			result:  "RecordsResponse",
			example: m{"domain": exDomain, "records": exRecords(), "backend": exCapabilities()},
			errors:  concat(domainErrors, []core.Code{core.CodeDNSModuleNotEnabled, core.CodeBackendDNSNotSupported}),
		},
		core.CmdUpdateRecords: {
			tag: tagDNS,
			description: "Replaces every record of the registration with `records` (at most 100) through the " +
				"namespace's DNS backend. Owner names are relative (`@` is the apex); TTLs 60 to 86400; A values " +
				"are IPv4 and AAAA values IPv6 addresses; CNAME, MX and SRV values are host names; TXT values at " +
				"most 4096 characters; MX and SRV need `priority`. Sandbox mode validates and audits without " +
				"writing to the backend.",
			body:        "RecordsRequest",
			bodyExample: m{"records": exRecordsInput()},
			result:      "RecordsResult",
			example:     exMutation(core.CmdUpdateRecords, false, "records-alice-0001", m{"records": exRecords()}),
			sandboxEx:   exMutation(core.CmdUpdateRecords, true, "records-alice-0001", m{"records": exRecords()}),
			errors: concat(bodyErrors, domainErrors, mutationErrors, []core.Code{core.CodeDNSModuleNotEnabled,
				core.CodeBackendDNSNotSupported, core.CodeStatusProhibitsOperation}),
		},
		core.CmdDeleteDomain: {
			tag: tagDomains,
			description: "Cancels the registration's lifecycle; it is never a hard delete. Within the add grace " +
				"period (RFC 3915; 5 days unless the namespace policy says otherwise) the registration is " +
				"cancelled, every debit made on it since the create is refunded and the name is freed " +
				"(`freed: true`; GET then answers 404). Later it enters `redemption` (statuses `redemptionPeriod` " +
				"and `pendingDelete`, `freed: false`): its delegation is withdrawn from DNS, every debit whose " +
				"grace period still runs is refunded (a renewal's or auto-renewal's years come off the expiry " +
				"again), and POST /domains/{domain}/restore can bring it back until the redemption period ends. " +
				"Then it is `pending_delete` (no restore) and finally purged: the name is available again. " +
				"Imported registrations have no add grace. Protected legacy registrations answer " +
				"409 `protected_legacy_registration_not_deletable`; `clientDeleteProhibited` or " +
				"`serverDeleteProhibited` answer 409 `status_prohibits_operation`, and so does a delete in " +
				"`redemption` or `pending_delete`.\n\n" +
				"Send the idempotency key in the `Idempotency-Key` header and sandbox mode as `X-Registrar-Sandbox: 1`, " +
				"or in an optional JSON body `{\"idempotency_key\": ..., \"sandbox\": true}`.",
			body:         "DeleteDomainRequest",
			bodyOptional: true,
			bodyExample:  m{"idempotency_key": "delete-alice-0001", "sandbox": true},
			result:       "DeleteDomainResult",
			example: exMutation(core.CmdDeleteDomain, false, "delete-alice-0001", m{
				"domain": exDomainObject(exExpiresAt, core.StateCancelled, core.StatusInactive), "freed": true, "refunded_gems": 100}),
			sandboxEx: exMutation(core.CmdDeleteDomain, true, "delete-alice-0001", m{"freed": false, "refunded_gems": 0}),
			errors: concat(bodyErrors, domainErrors, mutationErrors, []core.Code{core.CodeStatusProhibitsOperation,
				core.CodeProtectedLegacyNotDeletable}),
		},
		core.CmdRestoreDomain: {
			tag: tagDomains,
			description: "Restores a registration in `redemption` (RFC 3915): it is `active` again and its " +
				"delegation goes back to DNS. Debits the namespace's `restore_price_gems` (the renew price unless " +
				"the operator set one) and, when the expiry has passed, one more year at `renew_price_gems` " +
				"counted from the old expiry. A registration in any other state, `pending_delete` included, " +
				"answers 409 `status_prohibits_operation`; an insufficient balance 402 `insufficient_gems`.\n\n" +
				"The body is optional. Its `report` is the RFC 3915 restore report (the registration data before " +
				"the delete and after the restore, when each happened, why, and the registrar's statements); it is " +
				"kept in the command's audit row (`request_summary.report`). The restore happens in one step, as " +
				"Nomulus does: there is no `pendingRestore` state waiting for the report.",
			body:         "RestoreDomainRequest",
			bodyOptional: true,
			bodyExample: m{"idempotency_key": "restore-alice-0001", "report": m{
				"pre_data":    "alice.defiwallet registered to Alice Example, ns1.example.net, ns2.example.net",
				"post_data":   "alice.defiwallet registered to Alice Example, ns1.example.net, ns2.example.net",
				"delete_time": "2027-03-20T09:00:00Z", "restore_time": "2027-03-24T14:30:00Z",
				"reason":     "Registrant error: the renewal was paid but the delete was sent by mistake.",
				"statements": []any{"This registrar has not restored the name in order to assume the rights to use or sell it for itself or for any third party.", "The information in this report is true to the best of this registrar's knowledge."},
			}},
			result:    "RestoreDomainResult",
			example:   exMutation(core.CmdRestoreDomain, false, "restore-alice-0001", m{"domain": exDomainObject(exExpiresAt, core.StateActive, core.StatusOK), "debited_gems": 80}),
			sandboxEx: exMutation(core.CmdRestoreDomain, true, "restore-alice-0001", m{"domain": exDomainObject(exExpiresAt, core.StateActive, core.StatusOK)}),
			errors: concat(bodyErrors, domainErrors, mutationErrors, []core.Code{core.CodeStatusProhibitsOperation,
				core.CodeInsufficientGems}),
		},
		core.CmdPoll: {
			tag: tagAudit,
			description: "Reads the channel's command audit events, oldest first. Use the filters during OT&E to " +
				"prove registrar-side requests match the registry's audits, and attach the event ids as evidence. " +
				"Each event names its `actor`: `registrar` for the channel's own commands (REST or EPP), " +
				"`registry` for the lifecycle changes the registry makes by itself on the channel's registrations " +
				"(" + lifecycleChangeList() + "), `operator` for operator actions. " +
				"Only the authenticated channel's events are visible: a filter naming another channel's domain " +
				"answers an empty list. Page with `cursor` until `next_cursor` is null.",
			query: []m{
				queryParam("idempotency_key", idempotencyKeySchema(), "Only events with this idempotency key.", "ns-001"),
				queryParam("command", enumOf("", pollCommands...), "Only events of this command, or of this lifecycle change of the registry.", string(core.CmdUpdateNameservers)),
				queryParam("status", enumOf("", core.AuditSuccess, core.AuditSandbox, core.AuditFailed), "Only events with this audit status.", core.AuditSuccess),
				queryParam("domain", str(""), "Only events for this registration (Unicode or A-label form).", exDomain),
				queryParam("since", dateTime(""), "Only events created at or after this instant (RFC 3339, inclusive).", exCreatedAt),
				queryParam("limit", intRange(1, 0, ""), fmt.Sprintf("Page size, default %d. Larger values are accepted and capped at %d.", defaultPollSize, maxPollSize), 1),
				queryParam("cursor", str(""), "The next_cursor of the previous page.", nil),
			},
			result:  "PollPage",
			example: exPoll(),
			errors:  []core.Code{core.CodeValidation},
		},
		core.CmdBackendPending: {
			tag: tagAudit,
			description: "Lists the channel's successful commands still waiting for backend apply: nameserver " +
				"updates, cancellations and transfer intents. Read-only: HeadlessDomains operations (or the apply " +
				"worker) applies or fails the work, after which it leaves the list; for nameservers the domain's " +
				"`nameservers.applied` then equals what was applied.",
			query: []m{
				queryParam("command", enumOf("", mutatingCommands()...), "Only work queued by this command.", string(core.CmdUpdateNameservers)),
				queryParam("domain", str(""), "Only work for this registration.", exDomain),
				queryParam("limit", intRange(1, 0, ""), fmt.Sprintf("Maximum number of items, default %d, capped at %d.", defaultPollSize, maxPollSize), 10),
			},
			result: "PendingResponse",
			example: m{"items": []any{m{
				"id": exPendingID, "audit_id": exAuditID, "command": string(core.CmdUpdateNameservers), "domain": exDomain,
				"payload": m{"nameservers": []any{"ns1.example.net", "ns2.example.net"}}, "status": core.PendingQueued,
				"created_at": exCreatedAt,
			}}},
			errors: []core.Code{core.CodeValidation},
		},
	}
}

// lifecycleChangeList names the registry's own lifecycle changes as code.
func lifecycleChangeList() string {
	out := []string{}
	for _, c := range core.LifecycleChanges() {
		out = append(out, string(c))
	}
	return joinCodes(out)
}

// commonErrors apply to a command before its own checks (access rules 1
// to 4 of core/registry, and failures of the service itself).
func commonErrors(spec core.CommandSpec) []core.Code {
	codes := []core.Code{core.CodeInvalidAPIKey}
	if spec.Command != core.CmdStatus {
		codes = append(codes, core.CodeChannelRequired, core.CodeInsufficientScope)
	}
	return append(codes, core.CodeRateLimitExceeded, core.CodeInternal, core.CodeBackendUnavailable)
}

func scopeLine(spec core.CommandSpec) string {
	if len(spec.Scopes) == 0 {
		return "**Required scopes:** none: any valid API key may call it, bound to a channel or not."
	}
	return "**Required scopes:** " + joinCodes(spec.Scopes) + " (all granted by the `" + core.ProfileRegistrarAPI + "` profile)."
}

func buildRegistrarOperation(spec core.CommandSpec, op operation) m {
	desc := op.description
	if desc != "" {
		desc += "\n\n"
	}
	desc += scopeLine(spec)
	if spec.Mutating {
		desc += "\n\n**Mutating:** needs an idempotency key; `sandbox: true` or `X-Registrar-Sandbox: 1` answers 202 " +
			"without changing anything; without production approval only sandbox mode is allowed."
	}
	scopes := spec.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	params := []any{}
	if strings.Contains(spec.Path, "{domain}") {
		params = append(params, m{"$ref": "#/components/parameters/DomainPath"})
	}
	if spec.Mutating {
		params = append(params, m{"$ref": "#/components/parameters/IdempotencyKeyHeader"}, m{"$ref": "#/components/parameters/SandboxHeader"})
	}
	for _, q := range op.query {
		params = append(params, q)
	}
	tag := op.tag
	if tag == "" {
		tag = tagDomains
	}
	out := m{
		"operationId":       string(spec.Command),
		"summary":           spec.Summary,
		"description":       desc,
		"tags":              []string{tag},
		"security":          []any{m{registrarSecurityKey: []string{}}},
		"x-required-scopes": scopes,
		"x-mutating":        spec.Mutating,
		"parameters":        params,
		"responses":         registrarResponses(spec, op),
	}
	if op.body != "" {
		media := m{"schema": schemaRef(op.body)}
		if op.bodyExample != nil {
			media["example"] = op.bodyExample
		}
		out["requestBody"] = m{
			"required": true,
			"description": "JSON (`Content-Type: application/json`, a charset parameter is fine; at most 1 MiB). " +
				"Unknown members are rejected with 400 validation_error.",
			"content": m{"application/json": media},
		}
		if op.bodyOptional {
			out["requestBody"].(m)["required"] = false
			out["requestBody"].(m)["description"] = "Optional. When present it must be JSON (`Content-Type: application/json`, " +
				"at most 1 MiB) without unknown members; an empty body needs no content type."
		}
	}
	return out
}

func jsonContent(schema string, example m) m {
	media := m{"schema": schemaRef(schema)}
	if example != nil {
		media["example"] = example
	}
	return m{"application/json": media}
}

func registrarResponses(spec core.CommandSpec, op operation) m {
	result := op.result
	if result == "" {
		result = "Domain"
	}
	success := http.StatusOK
	if spec.Command == core.CmdCreateDomain || spec.Command == core.CmdRequestTransfer {
		success = http.StatusCreated
	}
	responses := m{}
	okDesc := "Success."
	if spec.Mutating {
		okDesc = "Success. A replay of the same idempotency key, command, domain and body answers the recorded " +
			"response with the recorded status code and `idempotent: true`, and changes nothing again."
	}
	responses[fmt.Sprint(success)] = m{
		"description": okDesc,
		"headers":     rateHeaders(false),
		"content":     jsonContent(result, op.example),
	}
	if spec.Mutating {
		responses["202"] = m{
			"description": "Sandbox mode: validated exactly as in production, audited with status `sandbox`; no " +
				"inventory, balance, nameserver, lifecycle state, record or backend changed.",
			"headers": rateHeaders(false),
			"content": jsonContent(result, op.sandboxEx),
		}
	}
	for status, r := range errorResponses(concat(commonErrors(spec), op.errors)) {
		responses[status] = r
	}
	return responses
}

// errorResponses groups codes by HTTP status: one response per status whose
// description lists the codes and whose examples show each of them.
func errorResponses(codes []core.Code) map[string]m {
	byStatus := map[int][]core.Spec{}
	seen := map[core.Code]bool{}
	for _, c := range codes {
		if seen[c] {
			continue
		}
		seen[c] = true
		spec, ok := core.Lookup(c)
		if !ok {
			continue
		}
		byStatus[spec.HTTPStatus] = append(byStatus[spec.HTTPStatus], spec)
	}
	out := map[string]m{}
	for status, specs := range byStatus {
		lines := []string{http.StatusText(status) + ". `code` is one of:"}
		examples := m{}
		for _, s := range specs {
			retry := ""
			if s.Retryable {
				retry = " (retryable)"
			}
			lines = append(lines, fmt.Sprintf("- `%s`%s: %s", s.Code, retry, s.Description))
			examples[string(s.Code)] = m{"$ref": "#/components/examples/" + string(s.Code)}
		}
		out[fmt.Sprint(status)] = m{
			"description": strings.Join(lines, "\n"),
			"headers":     errorHeaders(status),
			"content": m{"application/problem+json": m{
				"schema":   schemaRef("Problem"),
				"examples": examples,
			}},
		}
	}
	return out
}

// problemExamples holds one problem details example per catalog code, which
// error responses reference.
func problemExamples() m {
	out := m{}
	for _, s := range core.Catalog() {
		out[string(s.Code)] = m{"summary": s.Title, "value": problemExample(s)}
	}
	return out
}

func problemExample(s core.Spec) m {
	p := exProblem(s, s.Description, RegistrarBasePath+"/domains/"+exDomain)
	if s.Code == core.CodeValidation {
		p["detail"] = "registrant.email is required"
		p["errors"] = []any{m{"field": "registrant.email", "message": "registrant.email is required"}}
	}
	return p
}

// errorHeaders are the headers of an error response: the rate-limit set,
// Retry-After on 429 and the RFC 6750 challenge on 401.
func errorHeaders(status int) m {
	h := rateHeaders(status == http.StatusTooManyRequests)
	if status == http.StatusUnauthorized {
		h["WWW-Authenticate"] = m{"$ref": "#/components/headers/WWW-Authenticate"}
	}
	return h
}

func rateHeaders(tooMany bool) m {
	h := m{}
	for _, name := range []string{"X-Request-ID", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit-Policy", "RateLimit"} {
		h[name] = m{"$ref": "#/components/headers/" + name}
	}
	if tooMany {
		h["Retry-After"] = m{"$ref": "#/components/headers/Retry-After"}
	}
	return h
}

func headerComponents() m {
	hdr := func(desc string, schema m, example any) m {
		return m{"description": desc, "schema": schema, "example": example}
	}
	return m{
		"X-Request-ID": hdr("Identifier of the request: the inbound X-Request-ID when it is 1 to 128 characters of "+
			"letters, digits and `._:-`, otherwise one the server generates. Also in problem details as request_id; "+
			"quote it to support.",
			str(""), exRequestID),
		"X-RateLimit-Limit": hdr("Requests allowed per window for this channel, key and endpoint. Sent on every "+
			"answer to a key whose channel is approved.", intRange(1, 0, ""), core.DefaultRateLimitPerMinute),
		"X-RateLimit-Remaining": hdr("Requests left in the current window.", intRange(0, 0, ""), 117),
		"X-RateLimit-Reset":     hdr("Unix time (seconds) when the current window ends.", integer(""), 1772446560),
		"RateLimit-Policy":      hdr("IETF RateLimit header fields draft: the policy, e.g. `\"default\";q=120;w=60`.", str(""), `"default";q=120;w=60`),
		"RateLimit":             hdr("IETF RateLimit header fields draft: the current state, e.g. `\"default\";r=117;t=42`.", str(""), `"default";r=117;t=42`),
		"Retry-After":           hdr("Seconds until the window ends and requests are admitted again.", intRange(1, 0, ""), 42),
		"WWW-Authenticate":      hdr("The RFC 6750 bearer challenge.", str(""), `Bearer realm="headlessdomains-registry"`),
	}
}

func registrarParameters() m {
	return m{
		// Component names never repeat a schema's name: client generators
		// (oapi-codegen) make one type per component, and "Domain" is the
		// registration schema.
		"DomainPath": m{
			"name": "domain", "in": "path", "required": true,
			"description": "Fully qualified name `label.namespace`, in Unicode (e.g. `münchen.defiwallet`, " +
				"percent-encoded in the URL) or A-label form (`xn--mnchen-3ya.defiwallet`). Matching is " +
				"case-insensitive; answers use lowercase A-labels. A label is written in one script, or in Latin " +
				"with Han, Hiragana, Katakana, Bopomofo or Hangul (Unicode TS #39, Highly Restrictive): a label " +
				"that mixes others, such as a Cyrillic `а` in a Latin name, is 400 `validation_error`.",
			"schema": describe(m{"type": "string", "minLength": 3, "maxLength": 253}, ""), "example": exDomain,
		},
		"IdempotencyKeyHeader": m{
			"name": "Idempotency-Key", "in": "header", "required": false,
			"description": "Required for mutating commands, here or as the body member `idempotency_key` (both " +
				"present and different: 400 validation_error; neither: 400 idempotency_key_required). 1 to 255 " +
				"printable ASCII characters, scoped to the channel, kept at least 24 hours.",
			"schema": idempotencyKeySchema(), "example": exIdemKey,
		},
		"SandboxHeader": m{
			"name": "X-Registrar-Sandbox", "in": "header", "required": false,
			"description": "`1` or `true` runs the command in sandbox mode (same as the body member `sandbox: true`); " +
				"`0` or `false` (or no header) runs it in production mode unless the body asks for sandbox. Case-insensitive; " +
				"any other value answers 400 validation_error.",
			"schema": describe(m{"type": "string", "pattern": "^([01]|[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$"}, ""), "example": "1",
		},
	}
}

func catalogExtension() m {
	out := m{}
	for _, s := range core.Catalog() {
		out[string(s.Code)] = m{
			"http_status":     s.HTTPStatus,
			"epp_result_code": s.EPPCode,
			"epp_result":      s.EPPMessage,
			"retryable":       s.Retryable,
			"title":           s.Title,
			"description":     s.Description,
		}
	}
	return out
}

func buildRegistrarDocument() m {
	ops := registrarOperations()
	for c, op := range transferOperations() {
		ops[c] = op
	}
	schemas := registrarSchemas()
	for k, v := range transferSchemas() {
		schemas[k] = v
	}
	paths := m{}
	for _, spec := range core.Commands() {
		item, _ := paths[spec.Path].(m)
		if item == nil {
			item = m{}
			paths[spec.Path] = item
		}
		item[strings.ToLower(spec.Method)] = buildRegistrarOperation(spec, ops[spec.Command])
	}
	return m{
		"openapi": "3.0.3",
		"info": m{
			"title":       "HeadlessDomains Registrar API",
			"version":     apiVersion,
			"description": registrarIntro(),
			"contact":     m{"name": "HeadlessDomains registry operations"},
		},
		"servers":  []any{m{"url": RegistrarBasePath, "description": "This registry (relative to the host serving this document)."}},
		"security": []any{m{registrarSecurityKey: []string{}}},
		"tags": []any{
			m{"name": tagAccount, "description": "Credential status and the OT&E sandbox."},
			m{"name": tagDomains, "description": "Registration lifecycle: check, create, info, renew, update, nameservers, delete, restore."},
			m{"name": tagDNS, "description": "DNS records through the namespace backend (needs the DNS module)."},
			m{"name": tagAudit, "description": "Command audit polling and pending backend work."},
			m{"name": tagTransfers, "description": "Transfers between registrars (RFC 5731) with authorization codes (RFC 9154)."},
		},
		"paths": paths,
		"components": m{
			"securitySchemes": m{registrarSecurityKey: m{
				"type": "http", "scheme": "bearer", "bearerFormat": "opaque API key token",
				"description": "`Authorization: Bearer <token>` with a Partner API key token. Registrar keys carry " +
					"the `registrar_api` profile (every registrar scope) or explicit scopes, and must be bound to an " +
					"approved registrar channel. A missing, unknown or revoked token answers 401 invalid_api_key.",
			}},
			"schemas":    schemas,
			"parameters": registrarParameters(),
			"headers":    headerComponents(),
			"examples":   problemExamples(),
		},
		"x-registrar-error-catalog": catalogExtension(),
		"x-registrar-scopes":        scopeExtension(),
	}
}

// scopeExtension maps every scope to the commands that need it.
func scopeExtension() m {
	by := map[string][]string{}
	for _, s := range core.AllScopes() {
		by[s] = []string{}
	}
	for _, c := range core.Commands() {
		for _, s := range c.Scopes {
			by[s] = append(by[s], string(c.Command))
		}
	}
	out := m{}
	for s, cmds := range by {
		sort.Strings(cmds)
		out[s] = cmds
	}
	return m{"profiles": core.Profiles(), "commands_by_scope": out}
}
