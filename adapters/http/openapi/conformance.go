package openapi

import (
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
)

// conformanceItem is one requirement an EPP gateway must pass before it
// serves registrars.
type conformanceItem struct {
	ID          string
	Area        string
	Requirement string
	Reference   string
	Verify      string
}

// conformanceItems are the checklist items: the ids of the
// conformance_checklist that GET /status embeds (core/registry), in its
// order, with how a registrar or auditor verifies each; their status and the
// tests that verify them come from that checklist. A test keeps the two in
// step.
func conformanceItems() []conformanceItem {
	return []conformanceItem{
		{"epp-transport-tls", "transport", "TLS 1.2 or later on REGISTRY_EPP_ADDR (off when empty); client certificates are verified against REGISTRY_EPP_CLIENT_CA when it is set.", "RFC 5734 §9", "Connect with TLS 1.1 (refused) and TLS 1.2/1.3 (greeting); with a CA configured, connect without a certificate and with an untrusted one (refused) and with a trusted one (greeting)."},
		{"epp-transport-framing", "transport", "Every frame has a 4-byte big-endian length header that counts itself; a frame over 1 MiB closes the session.", "RFC 5734 §4", "Exchange frames with an independent RFC 5734 client (e.g. domainr/epp) and check that the greeting's header equals 4 + payload length; announce a frame of 1 MiB + 1 byte and expect the connection to close without the frame being read."},
		{"epp-xml-declarations", "transport", "DOCTYPE, entity declarations and processing instructions are refused with 2001 before parsing; nothing is expanded, nothing is read from disk or the network, and the session goes on.", "RFC 5730 §2", "Send a frame with an internal DTD, one with an external entity (SYSTEM \"file:///etc/passwd\") and a billion-laughs document; expect 2001 command_syntax_error each time and the session still answering."},
		{"epp-greeting", "session", "A <greeting> is sent on connect and in answer to <hello>, listing the domain and contact object URIs and the supported extensions (RFC 3915 rgp, RFC 8334 launch).", "RFC 5730 §2.3", "Read the greeting; send <hello>; compare the svcMenu of both."},
		{"epp-login", "session", "<login> takes clID = the channel slug and pw = the channel's EPP password (6 to 16 characters, stored hashed); only approved channels log in; <newPW> changes the password.", "RFC 5730 §2.9.1.1", "Log in with the right password (1000), a wrong one and an unknown clID (2200 both); the right password of a channel that is not approved answers 2201; log in with <newPW>, log out, log in with the new password."},
		{"epp-login-failures", "session", "Login failures 1 to 3 answer 2200; the 4th on one connection answers 2501 and closes it.", "RFC 5730 §3", "Fail four logins on one connection."},
		{"epp-session-scopes", "session", "Commands before <login> are refused (2002); a logged-in session holds every registrar scope of its channel.", "RFC 5730 §2.9.1.1", "Send <domain:check> before login; after login run every domain and contact command."},
		{"epp-session-limit", "session", "A channel holds at most 32 logged-in sessions per listener; one more login answers 2502 (session_limit_exceeded) and closes the connection.", "EPP gateway contract: Transport and session", "Open sessions up to the cap, log in once more."},
		{"epp-logout", "session", "<logout> answers 1500 and closes the session.", "RFC 5730 §2.9.1.2", "Send <logout> and read until the connection closes."},
		{"epp-idle-timeout", "session", "Idle sessions close after 10 minutes.", "RFC 5734 §3", "Hold a logged-in session idle; it closes after 10 minutes and not before. Send a frame header and stop: the session closes after the 30-second read timeout."},
		{"epp-domain-check", "domain", "<domain:check> checks at most 50 names and reports availability with reasons; more names are refused as validation_error (2005 over EPP, 400 over REST).", "RFC 5731 §3.1.1", "Check 50 names (1000) and 51 names (refused)."},
		{"epp-domain-info", "domain", "<domain:info> answers statuses, dates, registrant and nameservers to the sponsor only; another channel's name answers 2201.", "RFC 5731 §3.1.2", "Info an own name and another channel's name."},
		{"epp-domain-create", "domain", "<domain:create> debits create price × period (2104 when the balance is short); a reserved or registered name answers 2302; a claim label without <launch:notice> answers 2306.", "RFC 5731 §3.2.1, RFC 8334", "Create a free name, a reserved name, and a claim label with and without a notice."},
		{"epp-domain-renew", "domain", "<domain:renew> requires <domain:curExpDate> equal to the expiry date (2306 otherwise) and refuses a period that ends more than 10 years ahead (2004).", "RFC 5731 §3.2.3", "Renew with the right and a wrong curExpDate; renew 10 years on a name already 1 year out."},
		{"epp-domain-update", "domain", "<domain:update> changes the registrant, client statuses and nameservers; server statuses answer 2004; clientUpdateProhibited refuses every update except the one that removes it (2304).", "RFC 5731 §3.2.5", "Add serverHold (2004); add clientUpdateProhibited, change nameservers (2304), remove it (1000)."},
		{"epp-domain-delete", "domain", "<domain:delete> answers 1000 when the name is freed within add grace and 1001 when it enters redemption (restorable with the RFC 3915 <rgp:restore>).", "RFC 5731 §3.2.2, RFC 3915", "Delete a fresh create and an older registration; info both."},
		{"epp-domain-transfer", "domain", "<transfer op=\"query|request|approve|reject|cancel\"> answers <domain:trnData> (request 1001); a wrong, unset or expired authInfo answers 2202; <domain:info> with the right authInfo answers a non-sponsor the whole object; transfer steps reach both channels' poll queues with <domain:trnData>; contact transfer answers 2101.", "RFC 5731 §3.1.3, §3.2.4, §3.3; RFC 9154", "Request a transfer of another channel's name with its code, query it, approve it as the sponsor; reject and cancel others; poll both sides."},
		{"epp-protected-legacy", "domain", "Protected legacy registrations are never deleted over EPP (2304); info, renew and update work.", "EPP gateway contract: Protected legacy policy", "Delete, then renew, an imported protected registration."},
		{"epp-rgp-statuses", "domain", "Grace statuses addPeriod, renewPeriod, autoRenewPeriod, transferPeriod, redemptionPeriod and (after redemption) pendingDelete are reported through the rgp extension, never set by clients.", "RFC 3915 §3", "Info a fresh create (addPeriod), a just-renewed name (renewPeriod) and a deleted one (redemptionPeriod)."},
		{"epp-contact-commands", "contact", "Contact check, info, create, update and delete serve the registrant data owned by the channel; ids are at most 16 characters; e-mail and voice never reach audit summaries.", "RFC 5733", "Create, info, update and delete a contact; read the audit row's request_summary in GET /poll."},
		{"epp-poll", "poll", "<poll op=\"req\"> answers 1301 with the oldest message of the channel's queue (1300 when empty) and <poll op=\"ack\"> dequeues it; the queue carries backend results (applied, failed), registry lifecycle changes and operator actions for the sponsoring channel only.", "RFC 5730 §2.9.2.3", "Update nameservers, apply the backend work as operator, poll and ack; fail another item and poll as another channel (nothing)."},
		{"epp-cltrid-idempotency", "idempotency", "<clTRID> is the idempotency key of a transform: the same clTRID, command, domain and request replays the recorded result; reuse for a different command, domain or request answers 2306; without <clTRID> a transform runs once, unprotected.", "RFC 5730 §2.5", "Send one create twice with one clTRID (same result and svTRID, one audit row); reuse the clTRID for a renew (2306); send a create without clTRID."},
		{"epp-concurrent-duplicates", "idempotency", "A concurrent duplicate never executes twice: it replays the first result or answers 2400 (retryable).", "EPP gateway contract: Audit and idempotency", "Send the same create with one clTRID on two connections at once; check one debit and one audit row."},
		{"epp-svtrid-audit", "audit", "<svTRID> of every transform is its audit id, visible in REST GET /poll with the channel's registrar.channel_id.", "RFC 5730 §2.6", "Compare svTRID with GET /poll?idempotency_key=<clTRID>."},
		{"epp-result-codes", "results", "Every refusal answers the catalog's EPP result code with its standard RFC 5730 message.", "RFC 5730 §3", "Provoke each catalog code reachable over EPP and compare with x-registrar-error-catalog."},
		{"epp-rest-parity", "results", "The same create over REST and over EPP leaves the same registry state: registration, debit, audit row and backend work.", "EPP gateway contract (REST and EPP call one registry core)", "Create one name over REST with a contact's data and another over EPP naming that contact; compare GET /domains/{domain} of both."},
		{"epp-rate-limit", "rate limit", "Commands count against the same per-channel counters as REST; exceeding the limit answers 2502 and closes the session.", "EPP gateway contract: Transport and session", "Send limit + 1 commands within one minute."},
		{"epp-ote-listener", "OT&E", "On REGISTRY_EPP_OTE_ADDR every transform runs as a sandbox command: audited with status sandbox, nothing changes.", "EPP gateway contract: OT&E over EPP", "Create on the OT&E listener; info the name on the production listener (2303); find the audit with status sandbox in GET /poll."},
		{"epp-ote-contact", "OT&E", "POST /sandbox/reset creates the registrant contact `ote-` + the first 12 lowercase hex digits of SHA-256(channel slug), usable by OT&E creates.", "EPP gateway contract: OT&E over EPP", "Reset; <contact:info> the listed contact_id on the OT&E listener; create a domain naming it."},
	}
}

// statusItems indexes the conformance checklist GET /status embeds by id.
func statusItems() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, it := range registry.EPPGatewayContract(nil)["conformance_checklist"].([]map[string]any) {
		out[it["id"].(string)] = it
	}
	return out
}

// status is the item's status in the /status checklist (planned when it
// has none).
func (it conformanceItem) status() string {
	if s, ok := statusItems()[it.ID]["status"].(string); ok {
		return s
	}
	return "planned"
}

// verifiedBy lists the tests that verify the item.
func (it conformanceItem) verifiedBy() []string {
	if v, ok := statusItems()[it.ID]["verified_by"].([]string); ok {
		return v
	}
	return []string{}
}

// conformanceJSONValue is the machine-readable checklist: the items plus the
// catalog's REST ⇄ EPP result-code table.
func conformanceJSONValue() m {
	items := []any{}
	for _, it := range conformanceItems() {
		items = append(items, m{"id": it.ID, "area": it.Area, "requirement": it.Requirement,
			"reference": it.Reference, "verify": it.Verify, "status": it.status(), "verified_by": anyList(it.verifiedBy())})
	}
	results := []any{}
	for _, s := range core.Catalog() {
		results = append(results, m{"code": string(s.Code), "http_status": s.HTTPStatus,
			"epp_result_code": s.EPPCode, "epp_result": s.EPPMessage, "retryable": s.Retryable})
	}
	return m{
		"title":         "HeadlessDomains EPP conformance checklist",
		"version":       apiVersion,
		"status_values": []any{"planned", "passed", "failed", "not_applicable"},
		"items":         items,
		"result_codes":  results,
	}
}
