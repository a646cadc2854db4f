package openapi

import (
	"fmt"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
)

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// catalogTable renders the error catalog as a Markdown table.
func catalogTable(b *strings.Builder) {
	b.WriteString("| code | HTTP | EPP result | retryable | meaning |\n| --- | --- | --- | --- | --- |\n")
	for _, s := range core.Catalog() {
		fmt.Fprintf(b, "| `%s` | %d | %d %s | %s | %s |\n", s.Code, s.HTTPStatus, s.EPPCode, s.EPPMessage, yesNo(s.Retryable), s.Description)
	}
}

func eppGatewayContractMarkdown() string {
	var b strings.Builder
	b.WriteString(`# EPP gateway contract

HeadlessDomains serves EPP next to the HTTP registrar API: RFC 5730 (protocol), RFC 5731 (domains), RFC 5733
(contacts), RFC 5734 (transport over TLS), RFC 3915 (grace-period statuses) and RFC 8334 (launch phases and
claims). Both transports call the same internal registry service, so lifecycle rules, Gems debits, idempotency,
audit rows, rate limits and the error catalog are identical: an integration can move from REST to EPP, or run
both, without a second translation table. Every item of the EPP conformance checklist passes the conformance
suite over real TLS connections. The same contract is embedded, machine-readable, in ` + "`epp_gateway_contract`" + ` of
GET /status, whose ` + "`status`" + ` is ` + "`available`" + ` where the deployment runs an EPP listener.

## Transport and session

| concern | decision |
| --- | --- |
| listener | TLS 1.2 or later on ` + "`REGISTRY_EPP_ADDR`" + ` (off when empty) |
| framing | RFC 5734: a 4-byte big-endian length header that counts itself; frames over 1 MiB close the session |
| idle timeout | 10 minutes without a frame; a started frame must arrive within 30 seconds; a session lasts at most 24 hours |
| certificate | ` + "`REGISTRY_EPP_CERT`" + ` and ` + "`REGISTRY_EPP_KEY`" + ` (PEM); without them a self-signed certificate is made at start and its SHA-256 fingerprint printed |
| XML | DOCTYPE, entity declarations and processing instructions are refused with 2001 before parsing: nothing is expanded or loaded; ` + "`<clTRID>`" + ` is optional |
| sessions | at most 32 logged-in sessions per channel and listener; one more answers 2502 and closes |
| client certificates | verified against ` + "`REGISTRY_EPP_CLIENT_CA`" + ` when it is set |
| OT&E | a second listener, ` + "`REGISTRY_EPP_OTE_ADDR`" + `, where every transform runs as a sandbox command |
| login | ` + "`clID`" + ` = the channel slug, ` + "`pw`" + ` = the channel's EPP password (6 to 16 characters, stored hashed) |
| password | set by an operator with ` + "`PUT /api/v1/admin/registrar-channels/{id}/epp-password`" + ` ` + "`{\"password\": ...}`" + ` (stored with Argon2id), changed by the registrar with ` + "`<newPW>`" + `; a wrong password and an unknown ` + "`clID`" + ` answer alike |
| before login | only ` + "`<hello>`" + `, ` + "`<login>`" + ` and ` + "`<logout>`" + `; anything else answers 2002 (` + "`command_use_error`" + `) |
| login failures | attempts 1 to 3 answer 2200; the 4th on one connection answers 2501 and closes it |
| scopes | an EPP session holds every registrar scope of its channel |
| rate limit | the same per-channel counters as REST, per command; exceeding answers 2502 and closes the session |

## Command mapping (REST ⇄ EPP)

`)
	b.WriteString("| REST command | REST endpoint | EPP command | notes |\n| --- | --- | --- | --- |\n")
	for _, r := range eppCommandMapping() {
		rest, endpoint := "-", "-"
		if r.Command != "" {
			rest = "`" + string(r.Command) + "`"
			if spec, ok := core.SpecOfCommand(r.Command); ok {
				endpoint = "`" + spec.Method + " " + spec.Path + "`"
			}
		}
		epp := "REST only"
		if r.EPP != "" {
			epp = "`" + strings.ReplaceAll(r.EPP, ", ", "`, `") + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", rest, endpoint, epp, codeTags(r.Notes))
	}
	b.WriteString(`
Names travel as A-labels in EPP (` + "`<domain:name>xn--mnchen-3ya.defiwallet</domain:name>`" + `); REST accepts Unicode too
and answers A-labels. Identifiers (audit ids, contact ids) are strings in both.

## Lifecycle states

`)
	b.WriteString("| state | meaning | statuses shown | commands allowed |\n| --- | --- | --- | --- |\n")
	for _, r := range lifecycleRows() {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.State, r.Meaning, r.Statuses, r.Allowed)
	}
	fmt.Fprintf(&b, "\nRegistrars set only client statuses (%s). Server statuses (`serverHold`, `serverUpdateProhibited`, "+
		"`serverDeleteProhibited`, `serverRenewProhibited`, `serverTransferProhibited`) are set by the registry; adding or "+
		"removing one answers `status_not_client_settable` (400 / 2004). RFC 3915 grace statuses come from the lifecycle and "+
		"are never set by clients: `addPeriod` after a create, `renewPeriod` after a renewal, `autoRenewPeriod` after an "+
		"auto-renewal, `transferPeriod` after a transfer, each while its grace period runs; `redemptionPeriod` and `pendingDelete` in "+
		"redemption, `pendingDelete` alone once redemption is over. Over EPP they are reported in `<rgp:infData>`. In `redemption` and `pending_delete` every registrar command but restore answers "+
		"`status_prohibits_operation` (409 / 2304).\n\n",
		joinCodes(core.ClientStatuses))
	b.WriteString(`### Periods

Each namespace has a lifecycle policy, set by the registry operator (` + "`POST /api/v1/admin/namespaces`" + `,
` + "`PATCH /api/v1/admin/namespaces/{name}`" + `); a change applies to periods that start after it. The defaults:

| policy field | default | meaning |
| --- | --- | --- |
`)
	def := core.DefaultPolicy()
	for _, f := range core.PolicyPeriods() {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", f.Field, days(int64(*f.Ptr(&def)/time.Second)), f.About)
	}
	b.WriteString("| `auto_renew` | `true` | renew at the expiry when the sponsor can pay |\n" +
		"| `restore_price_gems` | the renew price | what a restore costs |\n" +
		"| `transfer_price_gems` | the renew price | what one year of a transfer costs |\n")
	b.WriteString(`
### Through time

Every ` + "`registryd`" + ` runs the registry's maintenance loop (every ` + "`REGISTRY_MAINTENANCE_INTERVAL`" + `, default 30 seconds);
however many nodes run it, each due change happens exactly once. Each change is an audit row with actor
` + "`registry`" + ` in the sponsor's GET /poll and a ` + "`lifecycle`" + ` message in its EPP poll queue, written in one transaction
with its ledger entry and backend work:

| audit command | when | what the registry does |
| --- | --- | --- |
`)
	for _, r := range lifecycleChangeRows() {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.Change, r.When, r.What)
	}
	b.WriteString(`
Money: create debits ` + "`create_price_gems × years`" + `, renew ` + "`renew_price_gems × years`" + ` (1 to 10 years, never more
than 10 years ahead), restore ` + "`restore_price_gems`" + ` plus one year at the renew price when the expiry has passed. A
delete inside add grace frees the name and refunds every debit made on it since the create (EPP 1000); later it
moves the registration to redemption and refunds every debit whose grace period still runs, a renewal's years
coming off the expiry again (EPP 1001). Restore brings a registration in redemption back to ` + "`active`" + ` with its
delegation: REST ` + "`POST /domains/{domain}/restore`" + `, EPP RFC 3915 ` + "`<rgp:restore op=\"request\"/>`" + ` (below). Backend
work of the lifecycle (withdraw, restore, purge) is retried until it succeeds.

## Audit and idempotency

- ` + "`<clTRID>`" + ` is the idempotency key of a transform, with the REST semantics: the same clTRID, command, domain and
  request replays the recorded result; reusing it for a different command, domain or request answers 2306
  (` + "`duplicate_idempotency_key_conflict`" + `); a concurrent duplicate never executes twice and may answer 2400
  (` + "`idempotency_key_in_progress`" + `, retryable).
- Without ` + "`<clTRID>`" + ` a transform runs once, unprotected (some clients never send one).
- ` + "`<svTRID>`" + ` is the audit id of the transform: the same id as ` + "`audit_id`" + ` in REST answers and ` + "`id`" + ` in GET /poll.
- Every transform that passed authentication writes one audit row in the same transaction as its effect, with the
  channel id, command, domain, clTRID, status (` + "`success`" + `, ` + "`sandbox`" + `, ` + "`failed`" + `) and redacted summaries.
- Keys are kept at least 24 hours, scoped to the channel, and shared by REST and EPP.

## Results

Every refusal answers the EPP result code of its catalog row with the standard RFC 5730 message; REST answers the
HTTP status and the same code in problem details.

`)
	catalogTable(&b)
	b.WriteString(`
## Protected legacy policy

Registrations imported by operators with ` + "`protected_legacy: true`" + ` keep working for their sponsor (info, renew,
update, nameservers, records) but are never deleted through REST or EPP: delete answers
` + "`protected_legacy_registration_not_deletable`" + ` (409 / 2304). Cancellation needs explicit policy review by
HeadlessDomains operations. Imported registrations have no add grace period.

## DNS adapter capabilities

Nameserver changes are stored as desired state and applied by the namespace backend (worker or operator); EPP
clients learn the outcome from poll messages, REST clients from GET /backend/pending and ` + "`nameservers.apply_status`" + `.
DNS records are REST-only. The table is the design of each backend kind; what a running deployment actually offers is
reported live in ` + "`backend`" + ` of GET /domains/{domain}/records and in ` + "`epp_gateway_contract.dns_adapter_capabilities`" + ` of
GET /status.

`)
	b.WriteString("| backend kind | read records | write records | apply delegations | record types | notes |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, r := range dnsCapabilityRows() {
		types := "-"
		if r.Write {
			types = strings.Join(recordTypes, ", ")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", r.Kind, yesNo(r.Read), yesNo(r.Write), yesNo(r.Delegate), types, r.Notes)
	}
	b.WriteString(`
## EPP specifics

- ` + "`<login>`" + ` requires ` + "`<version>1.0</version>`" + `; object services other than domain and contact answer 2307
  (` + "`unimplemented_object_service`" + `), another version 2100.
- ` + "`<domain:create>`" + ` requires ` + "`<domain:registrant>`" + `, the id of a contact the channel owns (2003 without it);
  the ` + "`<domain:pw>`" + ` of its ` + "`<domain:authInfo>`" + ` becomes the authorization code when it has at least 16 characters of three of
  lowercase, uppercase, digits and symbols (a weaker one is not kept); admin, tech and billing contacts are accepted
  and not stored. The registrant's data is copied
  into the registration and refreshed when the contact changes, so REST reads it as ` + "`registrant`" + `.
- A ` + "`<domain:update>`" + ` that changes statuses or the registrant and nameservers runs ` + "`update_domain`" + ` keyed by the clTRID,
  then ` + "`update_nameservers`" + ` keyed by the clTRID + ` + "`/ns`" + `; both replay together.
- ` + "`<domain:renew>`" + `'s ` + "`<domain:curExpDate>`" + ` is compared with the date of the expiry (UTC).
- RFC 3915 restore: a ` + "`<domain:update>`" + ` with an empty ` + "`<domain:chg/>`" + ` and, in ` + "`<extension>`" + `,
  ` + "`<rgp:update xmlns:rgp=\"urn:ietf:params:xml:ns:rgp-1.0\"><rgp:restore op=\"request\"/></rgp:update>`" + ` runs ` + "`restore_domain`" + `
  keyed by the clTRID and restores the registration in one step, as Nomulus does (there is no ` + "`pendingRestore`" + ` state):
  1000, or 2304 when it is not in redemption. ` + "`op=\"report\"`" + ` with its ` + "`<rgp:report>`" + ` (` + "`preData`" + `, ` + "`postData`" + `,
  ` + "`delTime`" + `, ` + "`resTime`" + `, ` + "`resReason`" + `, one or two ` + "`statement`" + `, optional ` + "`other`" + `, kept as the last statement)
  does the same and keeps the report in the audit row (` + "`request_summary.report`" + `); since a request already restores, send
  the report instead of the request when you want it on file: a report for a registration that is no longer in
  redemption answers 2304 like any restore. A restore that also adds or removes anything answers 2002.
- Authorization codes (RFC 9154): a ` + "`<domain:pw>`" + ` in the ` + "`<domain:authInfo>`" + ` of ` + "`<domain:chg>`" + ` sets the code (an empty ` + "`<domain:pw/>`" + `
  unsets it); it is stored hashed and ` + "`<domain:info>`" + ` answers an empty ` + "`<domain:pw/>`" + `. Another channel's
  ` + "`<domain:info>`" + ` with the right ` + "`<domain:authInfo>`" + ` answers the whole object (with the sponsor's ` + "`clID`" + `), a wrong,
  unset or expired one 2202 (` + "`invalid_auth_code`" + `).
- Domain transfers (RFC 5731): ` + "`<transfer op=\"request\">`" + ` with ` + "`<domain:authInfo>`" + ` and an optional
  ` + "`<domain:period>`" + ` answers 1001 and ` + "`<domain:trnData>`" + `; ` + "`op=\"query\"`" + ` (the sponsor or the requester),
  ` + "`op=\"approve\"`" + ` and ` + "`op=\"reject\"`" + ` (the sponsor), ` + "`op=\"cancel\"`" + ` (the requester) answer 1000 and
  ` + "`<domain:trnData>`" + `; ` + "`reID`" + ` and ` + "`acID`" + ` are the channels' slugs. After an approval the registrant is a copy of
  the losing channel's contact owned by the gaining channel. A contact ` + "`<transfer>`" + ` answers 2101
  (` + "`unimplemented_command`" + `); extensions other than rgp and launch 2103.
- Contact ids are unique in the registry: ` + "`<contact:check>`" + ` answers for every channel, and another channel's contact answers
  2201 (` + "`contact_not_sponsored`" + `); deleting a contact a registration names answers 2305 (` + "`contact_in_use`" + `). Ids starting
  ` + "`ote-`" + ` are reserved for the OT&E registrant contacts.
- Refusals carry the catalog code in ` + "`<extValue><value><registry:code>`" + ` and the detail in ` + "`<reason>`" + `.

## Poll

EPP ` + "`<poll>`" + ` is a per-channel message queue fed by backend results (applied, failed), lifecycle changes made by the
registry (each change of the maintenance loop above: auto-renewal, expiry, deletion, end of redemption, purge, end of
a grace period; server statuses) and operator actions. ` + "`op=\"req\"`" + ` answers 1301 with the oldest
message and the queue length in ` + "`<msgQ>`" + ` (or 1300 when empty); ` + "`op=\"ack\" msgID=...`" + ` dequeues it (1000, the remaining count),
and another channel's or an unknown id answers 2303 (` + "`message_not_found`" + `). Message kinds: ` + "`backend_applied`" + `,
` + "`backend_failed`" + `, ` + "`lifecycle`" + `, ` + "`operator`" + ` (production approval, listing approval, imports), ` + "`transfer`" + `
(every step of a transfer, to both channels, with ` + "`<domain:trnData>`" + ` in ` + "`<resData>`" + `). REST GET /poll shows
audit events: the channel's own commands (actor ` + "`registrar`" + `) and the registry's lifecycle changes on its registrations
(actor ` + "`registry`" + `).

## OT&E over EPP

On the OT&E listener every transform runs as a sandbox command. POST /sandbox/reset also creates a registrant
contact for OT&E creates, marked ` + "`ote_sandbox`" + `, with the id ` + "`ote-`" + ` followed by the first 12 lowercase hex digits of
SHA-256 of the channel slug (16 characters, within RFC 5733's limit), listed in the reset's ` + "`fixtures`" + ` as
` + "`{\"purpose\": \"registrant_contact\", \"contact_id\": ...}`" + `.

## Conformance

Every item of the [EPP conformance checklist](/docs/registrar/epp-conformance-checklist.md)
([JSON](/docs/registrar/epp-conformance-checklist.json)) passes; each names the tests that verify it
(` + "`test/eppconformance`" + ` over real TLS, including the independent client github.com/domainr/epp, and the fuzz
targets of the frame reader and XML decoder in ` + "`adapters/epp`" + `).
`)
	return b.String()
}

func conformanceMarkdown() string {
	var b strings.Builder
	b.WriteString(`# EPP conformance checklist

Each item is a requirement the EPP gateway passes, with the reference it comes from, how to verify it and the tests
of the registry's conformance suite that verify it. The machine-readable form is
` + "`/docs/registrar/epp-conformance-checklist.json`" + ` (the same items with their ` + "`status`" + ` (planned, passed, failed or
not_applicable) and ` + "`verified_by`" + `, plus the result-code table).
Verification uses an independent EPP client (for example domainr/epp, which never sends ` + "`<clTRID>`" + `) and a raw
framing client for malformed or oversized frames, one connection per concurrent session.

`)
	area := ""
	for _, it := range conformanceItems() {
		if it.Area != area {
			area = it.Area
			fmt.Fprintf(&b, "\n## %s\n\n| id | requirement | reference | verify | result |\n| --- | --- | --- | --- | --- |\n", upperFirst(area))
		}
		result := it.status()
		if tests := it.verifiedBy(); len(tests) > 0 {
			result += " (" + joinCodes(tests) + ")"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", it.ID, codeTags(escapePipes(it.Requirement)), it.Reference, codeTags(escapePipes(it.Verify)), result)
	}
	b.WriteString("\n## Result codes\n\nEvery catalog code reachable over EPP must answer its EPP result code and message:\n\n")
	catalogTable(&b)
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func escapePipes(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// codeTags wraps XML element names such as <domain:check> in backticks, so
// that Markdown renderers show them instead of treating them as HTML.
func codeTags(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '<' && i+1 < len(s) && isTagStart(s[i+1]) && (i == 0 || s[i-1] != '`') {
			if end := strings.IndexByte(s[i:], '>'); end > 0 && !strings.ContainsRune(s[i+1:i+end], '<') {
				b.WriteString("`" + s[i:i+end+1] + "`")
				i += end + 1
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func isTagStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' }
