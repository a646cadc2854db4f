package registry

import (
	"strconv"
	"time"

	"github.com/headlessdomains/registry/core"
)

// The two machine-readable documents GET /status publishes. Both are built
// from the core's own tables (commands, scopes, states, statuses, periods,
// OT&E sequence, error catalog), so they cannot drift from what the service
// does. Keys are wire names (snake_case); values are plain JSON data.

// RESTBasePath is where the REST transport serves the registrar commands.
const RESTBasePath = "/api/v1/registrar/v1"

// Contract constants that are policy rather than code paths elsewhere.
const (
	idempotencyRetentionHours  = 24
	idempotencyInProgressTTL   = 30 // seconds an abandoned in-progress claim can live
	eppMaxFrameBytes           = 1 << 20
	eppIdleTimeoutSeconds      = 600
	eppMaxCheckNames           = MaxCheckNames
	eppLoginFailuresBeforeDrop = 3
	// The gateway's defaults (adapters/epp Options), published here.
	eppReadTimeoutSeconds      = 30
	eppMaxSessionLifetimeHours = 24
	eppMaxSessionsPerChannel   = 32
)

// Values of the epp_gateway_contract status: the gateway is implemented by
// this build, and available when this deployment runs an EPP listener
// (Options.EPPGateway).
const (
	EPPGatewayImplemented = "implemented"
	EPPGatewayAvailable   = "available"
)

// RegistryServiceContract is the internal registry service contract: the
// core's commands, lifecycle, statuses, grace periods, idempotency, sandbox
// and audit rules, and the error catalog every transport maps from.
func RegistryServiceContract() map[string]any {
	commands := []map[string]any{}
	for _, c := range core.Commands() {
		commands = append(commands, map[string]any{
			"command":         string(c.Command),
			"method":          c.Method,
			"path":            c.Path,
			"mutating":        c.Mutating,
			"required_scopes": nonNilList(c.Scopes),
			"sandboxable":     c.Sandboxable,
			"dns":             c.NeedsDNS,
			"success_status":  successStatus(c),
			"summary":         c.Summary,
		})
	}
	return map[string]any{
		"name":              "headlessdomains-registry-service",
		"version":           "1",
		"rest_base_path":    RESTBasePath,
		"commands":          commands,
		"mutating_commands": mutatingCommandNames(),
		"scopes": map[string]any{
			"all":      core.AllScopes(),
			"profiles": profilesDocument(),
		},
		"lifecycle_states": stateNames(),
		"statuses": map[string]any{
			"client_settable": append([]string{}, core.ClientStatuses...),
			"all":             append([]string{}, core.AllStatuses...),
			"grace":           []string{core.StatusAddPeriod, core.StatusRenewPeriod, core.StatusAutoRenewPeriod, core.StatusRedemptionPeriod},
		},
		"grace_periods": map[string]any{
			"add_days":        days(core.AddGracePeriod),
			"renew_days":      days(core.RenewGracePeriod),
			"redemption_days": days(core.RedemptionPeriod),
		},
		"registration_period": map[string]any{"min_years": 1, "max_years": core.MaxYears, "default_years": 1},
		"idempotency": map[string]any{
			"key_sources":              []string{"Idempotency-Key header", "idempotency_key body field"},
			"key_max_length":           core.MaxIdempotencyKeyLength,
			"required_for":             mutatingCommandNames(),
			"scope":                    "registrar_channel",
			"fingerprint":              []string{"command", "domain", "mode", "request body"},
			"retention_hours":          idempotencyRetentionHours,
			"in_progress_ttl_seconds":  idempotencyInProgressTTL,
			"replay":                   "the same key with the same command, domain and body returns the recorded response with its status code and idempotent: true, and changes nothing again; replays write no audit row",
			"failed_commands_recorded": false,
			"missing_code":             string(core.CodeIdempotencyKeyRequired),
			"conflict_code":            string(core.CodeIdempotencyConflict),
			"in_progress_code":         string(core.CodeIdempotencyInProgress),
		},
		"sandbox": map[string]any{
			"activation":                   []string{"sandbox: true body field", "X-Registrar-Sandbox: 1 header"},
			"http_status":                  202,
			"audit_status":                 core.AuditSandbox,
			"validation":                   "identical to production: existence, sponsorship, statuses, balance, claims, protected legacy",
			"changes":                      []string{},
			"unchanged":                    []string{"inventory", "balances", "nameservers", "lifecycle state", "records", "backend"},
			"production_approval_required": false,
			"reset": map[string]any{
				"command":                  string(core.CmdSandboxReset),
				"fixture_purposes":         append([]string{}, core.SandboxFixturePurposes...),
				"fixture_label":            core.FixtureLabel("{purpose}", "{channel_slug}"),
				"overwrites_only":          "records marked ote_sandbox",
				"idempotency_key":          "not required",
				"costs_gems":               false,
				"claim_fixture_registered": false,
			},
			"ote_sequence": oteSequenceDocument(),
		},
		"audit": map[string]any{
			"statuses":         []string{core.AuditSuccess, core.AuditSandbox, core.AuditFailed},
			"actors":           []string{"registrar", "registry", OperatorActor},
			"same_transaction": true,
			"fields": []string{"id", "registrar_channel_id", "registrar_channel_slug", "api_key_id", "command", "domain",
				"idempotency_key", "status", "http_status", "request_summary", "response_summary", "created_at"},
			"redacted":           []string{"tokens", "auth codes", "passwords", "e-mail addresses", "phone numbers"},
			"failed_rows":        "written for mutating commands refused after access rule 7 (validation, status, balance, claims)",
			"replays_write_rows": false,
			"poll_scope":         "the authenticated registrar channel only: its own commands and the changes the registry made to its registrations (actor registry)",
			"provenance":         "registrar_channel_id of the authenticated key, as GET /status audit_provenance reports it",
		},
		"money": map[string]any{
			"unit":             "gems",
			"create_debit":     "create_price_gems × years",
			"renew_debit":      "renew_price_gems × years",
			"add_grace_refund": "delete within the add grace period frees the name and refunds every debit since the create",
			"grace_refunds":    "a later delete refunds every debit whose RFC 3915 grace period still runs (renew, auto-renew, transfer), a renewal's years coming off the expiry",
			"restore_debit":    "restore_price_gems, plus one year at renew_price_gems counted from the old expiry when the expiry has passed",
			"auto_renew_debit": "at the expiry, one year at renew_price_gems when the namespace auto-renews and the sponsor can pay (ledger reason auto_renew); otherwise the registration expires",
			"insufficient":     string(core.CodeInsufficientGems),
			"ledger":           "every movement is a ledger entry written in the command's transaction",
		},
		"error_catalog": errorCatalogDocument(),
		"transfers":     transfersDocument(),
	}
}

// EPPGatewayContract is the EPP gateway's contract: transport, session, the
// EPP-to-registry command mapping, lifecycle and status mapping, audit and
// idempotency, protected legacy policy, DNS adapter capabilities and the
// conformance checklist with the tests that verify each item. Its status is
// "implemented"; the service reports "available" where a listener runs.
func EPPGatewayContract(dnsCaps []core.DNSCapabilities) map[string]any {
	legacy, _ := core.Lookup(core.CodeProtectedLegacyNotDeletable)
	conflict, _ := core.Lookup(core.CodeIdempotencyConflict)
	rate, _ := core.Lookup(core.CodeRateLimitExceeded)
	caps := []map[string]any{}
	for _, c := range dnsCaps {
		caps = append(caps, map[string]any{
			"kind": c.Kind, "read": c.Read, "write": c.Write, "delegate": c.Delegate,
			"record_types": nonNilList(c.RecordTypes),
			"records_api":  c.Read || c.Write,
		})
	}
	states := []map[string]any{}
	for _, st := range core.States() {
		states = append(states, map[string]any{"state": string(st), "epp_statuses": eppStatusesOf(st)})
	}
	return map[string]any{
		"status": EPPGatewayImplemented,
		"implementation": map[string]any{
			"adapter":           "adapters/epp",
			"client":            "adapters/epp/eppclient",
			"conformance_tests": "test/eppconformance",
			"fuzz_targets":      []string{"adapters/epp.FuzzReadFrame", "adapters/epp.FuzzDecode"},
		},
		"rfcs": []string{"RFC 5730", "RFC 5731", "RFC 5733", "RFC 5734", "RFC 3915", "RFC 8334"},
		"transport": map[string]any{
			"rfc":                    "RFC 5734",
			"tls_min_version":        "1.2",
			"framing":                "4-byte big-endian length header that counts itself",
			"max_frame_bytes":        eppMaxFrameBytes,
			"oversize_frame":         "closes the session",
			"idle_timeout_seconds":   eppIdleTimeoutSeconds,
			"listen_setting":         "REGISTRY_EPP_ADDR",
			"ote_listen_setting":     "REGISTRY_EPP_OTE_ADDR",
			"client_ca_setting":      "REGISTRY_EPP_CLIENT_CA",
			"client_certificates":    "verified against REGISTRY_EPP_CLIENT_CA when set; a login must then present the certificate bound to its channel (epp_client_cert_sha256) or is answered 2200",
			"max_frame_before_login": 64 << 10,
			"before_login_limits":    "REGISTRY_EPP_MAX_CONNECTIONS per listener, REGISTRY_EPP_MAX_UNAUTHENTICATED_PER_IP per source address (closed on accept), REGISTRY_EPP_LOGIN_TIMEOUT",
			"ote_listener_behaviour": "every transform runs as a sandbox command",
			"certificate_settings":   []string{"REGISTRY_EPP_CERT", "REGISTRY_EPP_KEY"},
			"self_signed":            "without REGISTRY_EPP_CERT and REGISTRY_EPP_KEY a self-signed certificate is made at start and its SHA-256 fingerprint printed",
			"read_timeout_seconds":   eppReadTimeoutSeconds,
			"max_session_hours":      eppMaxSessionLifetimeHours,
			"xml":                    "DOCTYPE, entity declarations and processing instructions are refused with 2001 before parsing; nothing is expanded or loaded",
		},
		"session": map[string]any{
			"client_id":                    "registrar channel slug",
			"password":                     "the channel's EPP password, 6 to 16 characters, stored hashed; changed with <newPW>",
			"password_set_by":              "PUT /api/v1/admin/registrar-channels/{id}/epp-password",
			"scopes":                       "an EPP session holds every registrar scope",
			"login_failures_answered_2200": eppLoginFailuresBeforeDrop,
			"login_failure_drop_code":      2501,
			"login_lockout":                "failed logins are counted per channel and per source address across connections (REGISTRY_EPP_LOGIN_LOCKOUT_*): later failures are answered after a growing delay, and a lock-out answers 2501 to every login of the channel or address for its duration, audited as epp_login_lockout",
			"rate_limit":                   "the REST per-channel counters, per command; exceeding answers " + strconv.Itoa(rate.EPPCode) + " and closes the session",
			"max_check_names":              eppMaxCheckNames,
			"commands_before_login":        string(core.CodeCommandUseError) + " (2002)",
			"max_sessions_per_channel":     eppMaxSessionsPerChannel,
			"session_limit":                string(core.CodeSessionLimitExceeded) + " (2502) and the connection closes",
			"logging":                      "each session is logged with its channel and remote address; never frames, passwords or contact data",
		},
		"command_mapping":  eppCommandMapping(),
		"lifecycle_states": states,
		"status_mapping": map[string]any{
			"client_settable": append([]string{}, core.ClientStatuses...),
			"all":             append([]string{}, core.AllStatuses...),
			"rgp_extension":   "RFC 3915 grace statuses are derived from the lifecycle and reported, never set",
		},
		"audit_idempotency": map[string]any{
			"cltrid_is_idempotency_key": true,
			"svtrid_is_audit_id":        true,
			"idempotency_scope":         "registrar_channel",
			"replay":                    "a transform repeated with the same clTRID answers the recorded result",
			"conflict_epp_result_code":  conflict.EPPCode,
			"conflict_code":             string(conflict.Code),
			"without_cltrid":            "the transform runs once, unprotected",
			"audit_rows":                "the REST audit rows; GET /poll shows EPP transforms too",
			"same_transaction":          true,
			"delete_result_codes":       map[string]any{"freed_in_add_grace": 1000, "redemption": 1001},
			"update_with_nameservers":   "a <domain:update> changing statuses or the registrant and nameservers runs update_domain keyed by clTRID, then update_nameservers keyed by clTRID + \"/ns\"; svTRID is the audit id of the last",
			"result_codes_from":         "registry_service_contract.error_catalog (epp_result_code, epp_result)",
		},
		"protected_legacy_policy": map[string]any{
			"applies_to":      "registrations imported with protected_legacy: true",
			"delete":          string(legacy.Code),
			"code":            string(legacy.Code),
			"http_status":     legacy.HTTPStatus,
			"epp_result_code": legacy.EPPCode,
			"epp_result":      legacy.EPPMessage,
			"requires":        "operator policy review",
			"other_commands":  "info, renew, update and nameserver changes are allowed as for any registration",
		},
		"poll": map[string]any{
			"queue":   "per registrar channel",
			"sources": []string{"backend apply results (applied, failed)", "registry lifecycle changes", "operator actions"},
			"kinds":   core.MessageKinds(),
			"rest":    "GET /poll (audit events) is unchanged",
			"req":     "1301 with the oldest message and the queue length in <msgQ>, 1300 when empty",
			"ack":     "1000 with the remaining count and the acknowledged id in <msgQ>; another channel's or an unknown id answers " + string(core.CodeMessageNotFound) + " (2303)",
		},
		"dns_adapter_capabilities": caps,
		"conformance_checklist":    eppConformanceChecklist(),
	}
}

// eppCommandMapping maps every EPP command to the registry command it runs
// and the REST route of the same command.
func eppCommandMapping() []map[string]any {
	type m struct{ epp, cmd, note string }
	rows := []m{
		{"hello", "", "answers the greeting; no registry command"},
		{"login", "", "authenticates the channel slug and EPP password; opens a session holding every registrar scope"},
		{"logout", "", "ends the session (1500)"},
		{"domain:check", string(core.CmdCheckDomain), "at most 50 names"},
		{"domain:info", string(core.CmdInfoDomain), ""},
		{"domain:create", string(core.CmdCreateDomain), "RFC 8334 claims notice maps to claim_acknowledgement"},
		{"domain:renew", string(core.CmdRenewDomain), "curExpDate maps to current_expires_at"},
		{"domain:update", string(core.CmdUpdateDomain), "chg of the registrant and add/rem of client statuses"},
		{"domain:update", string(core.CmdUpdateNameservers), "add/rem of hostObj nameservers; a command changing both runs both in order"},
		{"domain:delete", string(core.CmdDeleteDomain), "1000 when freed in add grace, 1001 when it enters redemption"},
		{"domain:update (rgp:restore)", string(core.CmdRestoreDomain), "RFC 3915 restore op=request restores in one step; op=report keeps the report in the audit"},
		{"contact:check", string(core.CmdCheckContact), "registrant contacts; ids are unique in the registry"},
		{"contact:info", string(core.CmdInfoContact), "the owning channel only (another channel's: contact_not_sponsored, 2201)"},
		{"contact:create", string(core.CmdCreateContact), "authInfo stored hashed; ids starting ote- are reserved"},
		{"contact:update", string(core.CmdUpdateContact), "registrations naming the contact get its new data"},
		{"contact:delete", string(core.CmdDeleteContact), "a contact a registration names answers contact_in_use (2305)"},
		{"poll req", string(core.CmdPoll), "the per-channel message queue; counts in the poll rate-limit counter"},
		{"poll ack", string(core.CmdPoll), "dequeues a message"},
		{"transfer", "", "contact transfer is not offered: 2101"},
	}
	rows = append(rows, []m{
		{"domain:transfer query", string(core.CmdQueryTransfer), "domain:trnData; the sponsor or the requesting channel"},
		{"domain:transfer request", string(core.CmdRequestTransfer), "authInfo pw = auth_code, period = years; 1001 with domain:trnData"},
		{"domain:transfer approve", string(core.CmdApproveTransfer), "the sponsor"},
		{"domain:transfer reject", string(core.CmdRejectTransfer), "the sponsor"},
		{"domain:transfer cancel", string(core.CmdCancelTransfer), "the requesting channel"},
	}...)
	out := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		row := map[string]any{"epp_command": r.epp, "registry_command": nil, "rest": nil, "mutating": false}
		if spec, ok := core.SpecOfCommand(core.Command(r.cmd)); ok {
			row["registry_command"] = string(spec.Command)
			row["rest"] = spec.Method + " " + spec.Path
			row["mutating"] = spec.Mutating
			row["required_scopes"] = nonNilList(spec.Scopes)
		} else if r.cmd != "" { // contact commands: EPP only for now
			row["registry_command"] = r.cmd
			c := core.Command(r.cmd)
			row["mutating"] = c == core.CmdCreateContact || c == core.CmdUpdateContact || c == core.CmdDeleteContact
		}
		if r.cmd == string(core.CmdPoll) {
			row["rest"] = nil // REST GET /poll is the audit view, not this queue
		}
		if r.note != "" {
			row["note"] = r.note
		}
		out = append(out, row)
	}
	return out
}

// eppConformanceChecklist is the machine-readable EPP conformance checklist:
// each requirement with the tests that verify it (test/eppconformance over
// real TLS, adapters/epp for frames and XML). Every item passes in CI; the
// published checklist (adapters/http/openapi) carries the same ids in the
// same order.
func eppConformanceChecklist() []map[string]any {
	type item struct {
		id, req, rfc string
		tests        []string
	}
	const ct = "test/eppconformance."
	items := []item{
		{"epp-transport-tls", "TLS 1.2 or later on the EPP listener; client certificates verified when a CA is configured", "RFC 5734 §9",
			[]string{ct + "TestTLSVersionsAndClientCertificates", ct + "TestClientCertificateRequiredWhenCAConfigured"}},
		{"epp-transport-framing", "each frame has a 4-byte length header counting itself; frames over 1 MiB close the session", "RFC 5734 §4",
			[]string{ct + "TestOversizeFrameClosesTheSession", ct + "TestDomainrClient", "adapters/epp.FuzzReadFrame"}},
		{"epp-xml-declarations", "DOCTYPE, entity declarations and processing instructions are refused with 2001; nothing is expanded", "RFC 5730 §2",
			[]string{ct + "TestDoctypeAndEntitiesAreRefused", "adapters/epp.FuzzDecode"}},
		{"epp-greeting", "a <greeting> is sent on connect and in answer to <hello>", "RFC 5730 §2.3",
			[]string{ct + "TestGreetingHelloLoginLogout"}},
		{"epp-login", "login with clID = channel slug and the channel's EPP password; <newPW> changes it", "RFC 5730 §2.9.1.1",
			[]string{ct + "TestGreetingHelloLoginLogout", ct + "TestLoginNewPassword", ct + "TestSuspendedChannelCannotLogInAndSessionsEnd"}},
		{"epp-login-failures", "failed logins answer 2200; the 4th failure on one connection answers 2501 and closes", "RFC 5730 §3",
			[]string{ct + "TestLoginFailuresThenDrop"}},
		{"epp-session-scopes", "commands before login answer 2002; a session holds every registrar scope of its channel", "RFC 5730 §2.9.1.1",
			[]string{ct + "TestGreetingHelloLoginLogout", ct + "TestDomainLifecycle"}},
		{"epp-session-limit", "a channel holds at most the configured number of sessions per listener; one more answers 2502 and closes", "EPP gateway contract: Transport and session",
			[]string{ct + "TestSessionCapPerChannel"}},
		{"epp-logout", "logout answers 1500 and closes the session", "RFC 5730 §2.9.1.2",
			[]string{ct + "TestGreetingHelloLoginLogout"}},
		{"epp-idle-timeout", "idle sessions close after 10 minutes; a started frame must arrive within the read timeout", "RFC 5734 §3",
			[]string{ct + "TestIdleSessionsClose", ct + "TestReadTimeoutOnAPartialFrame"}},
		{"epp-domain-check", "domain:check of up to 50 names reports availability with reasons", "RFC 5731 §3.1.1",
			[]string{ct + "TestDomainLifecycle", ct + "TestClaimsNotice"}},
		{"epp-domain-info", "domain:info answers statuses, dates, registrant, nameservers for the sponsor only", "RFC 5731 §3.1.2",
			[]string{ct + "TestDomainLifecycle", ct + "TestAccessRefusals"}},
		{"epp-domain-create", "domain:create debits Gems and honours claims notices", "RFC 5731 §3.2.1, RFC 8334",
			[]string{ct + "TestDomainLifecycle", ct + "TestClaimsNotice", ct + "TestAccessRefusals", ct + "TestSameCreateOverRESTAndEPP"}},
		{"epp-domain-renew", "domain:renew requires the current expiry date", "RFC 5731 §3.2.3",
			[]string{ct + "TestDomainLifecycle"}},
		{"epp-domain-update", "domain:update changes registrant, client statuses and nameservers; server statuses refused", "RFC 5731 §3.2.5",
			[]string{ct + "TestDomainLifecycle"}},
		{"epp-domain-delete", "domain:delete answers 1000 when freed in add grace and 1001 when it enters redemption", "RFC 5731 §3.2.2, RFC 3915",
			[]string{ct + "TestDomainLifecycle", ct + "TestDeleteAfterAddGraceIsPending"}},
		{"epp-domain-transfer", "domain transfer query/request/approve/reject/cancel with trnData (request 1001), authInfo checked (2202), poll messages to both channels; contact transfer 2101", "RFC 5731 §3.1.3, §3.2.4, §3.3; RFC 9154",
			[]string{ct + "TestDomainTransfer", ct + "TestDomainTransferRejectedAndCancelled", ct + "TestUnknownAndUnimplementedCommands"}},
		{"epp-protected-legacy", "protected legacy registrations are never deleted over EPP (2304); info, renew and update work", "EPP gateway contract: Protected legacy policy",
			[]string{ct + "TestProtectedLegacyOverEPP"}},
		{"epp-rgp-statuses", "grace statuses addPeriod, renewPeriod, autoRenewPeriod, transferPeriod, redemptionPeriod and (after redemption) pendingDelete are reported", "RFC 3915 §3",
			[]string{ct + "TestDomainLifecycle", ct + "TestDeleteAfterAddGraceIsPending"}},
		{"epp-contact-commands", "contact check/info/create/update/delete for registrant data owned by the channel", "RFC 5733",
			[]string{ct + "TestContactLifecycle", ct + "TestContactsAreOwnedByTheirChannel"}},
		{"epp-poll", "poll req/ack over the per-channel message queue", "RFC 5730 §2.9.2.3",
			[]string{ct + "TestPollRequestAndAcknowledge"}},
		{"epp-cltrid-idempotency", "clTRID is the idempotency key; reuse for a different transform answers 2306", "RFC 5730 §2.5",
			[]string{ct + "TestIdempotentClTRID"}},
		{"epp-concurrent-duplicates", "a concurrent duplicate clTRID never executes twice", "EPP gateway contract: Audit and idempotency",
			[]string{ct + "TestConcurrentDuplicateClTRID"}},
		{"epp-svtrid-audit", "svTRID is the audit id of every transform", "RFC 5730 §2.6",
			[]string{ct + "TestDomainLifecycle", ct + "TestProductionApprovalOnTheProductionListener"}},
		{"epp-result-codes", "every refusal answers the catalog's EPP result code and standard message", "RFC 5730 §3",
			[]string{ct + "TestAccessRefusals", ct + "TestUnknownAndUnimplementedCommands", ct + "TestProductionApprovalOnTheProductionListener"}},
		{"epp-rest-parity", "the same create over REST and EPP leaves the same registry state", "EPP gateway contract (REST and EPP call one registry core)",
			[]string{ct + "TestSameCreateOverRESTAndEPP"}},
		{"epp-rate-limit", "commands count against the REST per-channel counters; exceeding answers 2502 and closes the session", "EPP gateway contract: Transport and session",
			[]string{ct + "TestRateLimitClosesTheSession"}},
		{"epp-ote-listener", "the OT&E listener runs every transform as a sandbox command", "RFC 5730",
			[]string{ct + "TestProductionApprovalOnTheProductionListener"}},
		{"epp-ote-contact", "sandbox reset creates the OT&E registrant contact ote-<12 hex of SHA-256(slug)>", "EPP gateway contract: OT&E over EPP",
			[]string{ct + "TestProductionApprovalOnTheProductionListener"}},
	}
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		out = append(out, map[string]any{"id": it.id, "requirement": it.req, "rfc": it.rfc, "status": ChecklistPassed,
			"verified_by": it.tests})
	}
	return out
}

// ChecklistPassed is the status of a conformance item its tests verify.
const ChecklistPassed = "passed"

// eppStatusesOf lists the RFC 5731/3915 statuses a state shows (besides
// stored client and server statuses).
func eppStatusesOf(st core.State) []string {
	switch st {
	case core.StateActive:
		return []string{core.StatusOK, core.StatusAddPeriod, core.StatusRenewPeriod}
	case core.StateExpired:
		return []string{core.StatusAutoRenewPeriod}
	case core.StateRedemption, core.StatePendingDelete:
		return []string{core.StatusPendingDelete, core.StatusRedemptionPeriod}
	case core.StateCancelled:
		return []string{core.StatusInactive}
	}
	return []string{}
}

// errorCatalogDocument renders the error catalog with wire names.
func errorCatalogDocument() []map[string]any {
	out := []map[string]any{}
	for _, sp := range core.Catalog() {
		out = append(out, map[string]any{
			"code":            string(sp.Code),
			"http_status":     sp.HTTPStatus,
			"epp_result_code": sp.EPPCode,
			"epp_result":      sp.EPPMessage,
			"retryable":       sp.Retryable,
			"title":           sp.Title,
			"description":     sp.Description,
		})
	}
	return out
}

func oteSequenceDocument() []map[string]any {
	out := []map[string]any{}
	for _, st := range core.OTESequence() {
		out = append(out, map[string]any{"step": st.Name, "command": string(st.Command), "fixture": st.Fixture,
			"sandbox": st.Sandbox, "audited": st.Audited, "claim": st.Claim})
	}
	return out
}

func profilesDocument() map[string]any {
	out := map[string]any{}
	for name, scopes := range core.Profiles() {
		out[name] = append([]string{}, scopes...)
	}
	return out
}

func mutatingCommandNames() []string {
	out := []string{}
	for _, c := range core.Commands() {
		if c.Mutating {
			out = append(out, string(c.Command))
		}
	}
	return out
}

func stateNames() []string {
	out := []string{}
	for _, st := range core.States() {
		out = append(out, string(st))
	}
	return out
}

func successStatus(c core.CommandSpec) int {
	if c.Command == core.CmdCreateDomain || c.Command == core.CmdRequestTransfer {
		return 201
	}
	return 200
}

func days(d time.Duration) int { return int(d / (24 * time.Hour)) }

// dnsCapabilities asks the DNS backends what each driver kind can do. A kind
// this deployment cannot serve (including "none") reports no capability.
func (s *Service) dnsCapabilities() []core.DNSCapabilities {
	out := make([]core.DNSCapabilities, 0, 3)
	for _, kind := range dnsBackendKinds() {
		caps := core.DNSCapabilities{Kind: kind, RecordTypes: []string{}}
		if kind != core.DNSBackendNone && s.dns != nil {
			if b, err := s.dns.Backend(core.Namespace{DNSBackend: kind}); err == nil && b != nil {
				caps = b.Capabilities()
				caps.Kind = kind
				if caps.RecordTypes == nil {
					caps.RecordTypes = []string{}
				}
			}
		}
		out = append(out, caps)
	}
	return out
}
