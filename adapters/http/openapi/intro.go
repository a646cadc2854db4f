package openapi

import (
	"fmt"
	"strings"

	"github.com/headlessdomains/registry/core"
)

// registrarIntro is info.description of the registrar document: the rules
// that apply to every operation, including the choices the registry makes where RFCs leave them open.
func registrarIntro() string {
	var b strings.Builder
	b.WriteString(`A protected registry command surface for registrar integrations before EPP. JSON in and out;
every command runs through the same internal registry service that the EPP gateway uses.

Start with the [registrar handoff packet](/docs/registrar/handoff-packet.md) and ` + "`GET /status`" + `.

## Authentication and access

` + "`Authorization: Bearer <token>`" + ` with a Partner API key. Access is checked in this order, and the first
failing check answers:

1. No, unknown or revoked token: 401 ` + "`invalid_api_key`" + `.
2. Key not bound to a registrar channel, or the channel not approved: 403 ` + "`registrar_channel_required`" + `
   (GET /status still answers 200 and reports what is missing).
3. Key lacks the command's scope (listed per operation as ` + "`x-required-scopes`" + `): 403 ` + "`insufficient_scope`" + `.
4. Over the rate limit: 429 ` + "`registrar_rate_limit_exceeded`" + `.
5. The domain's namespace is not approved for the channel: 403 ` + "`registrar_namespace_not_approved`" + `.
6. A non-sandbox mutation on a channel without production approval: 403 ` + "`registrar_channel_not_production_approved`" + `.
7. The domain is sponsored by another channel: 403 ` + "`domain_not_sponsored`" + `.
8. Records only: no DNS module (403 ` + "`dns_module_not_enabled`" + `) or no DNS in the namespace backend (409 ` + "`backend_dns_not_supported`" + `).

Checks 1 to 6 run before the domain is looked up, so an unknown domain answers 404 ` + "`domain_not_found`" + ` only
to a caller that passed them. A channel never sees another channel's registrations, records, audits or pending work.

## Scopes

`)
	b.WriteString("| command | method and path | required scopes |\n| --- | --- | --- |\n")
	for _, c := range core.Commands() {
		scopes := "none (any valid key)"
		if len(c.Scopes) > 0 {
			scopes = joinCodes(c.Scopes)
		}
		fmt.Fprintf(&b, "| `%s` | `%s %s` | %s |\n", c.Command, c.Method, c.Path, scopes)
	}
	fmt.Fprintf(&b, "\nThe key profile `%s` grants every registrar scope. The same table is in `x-registrar-scopes` "+
		"and, evaluated for your key, in the `commands` rows of GET /status.\n", core.ProfileRegistrarAPI)
	b.WriteString(`
## Names

Names are ` + "`label.namespace`" + `, e.g. ` + "`alice.defiwallet`" + `: lowercase LDH labels of 1 to 63 characters with no
leading or trailing hyphen. Internationalized labels are accepted in Unicode (` + "`münchen.defiwallet`" + `) or A-label
form (` + "`xn--mnchen-3ya.defiwallet`" + `), validated under IDNA2008, stored and answered as A-labels; domain objects
also carry ` + "`unicode_name`" + ` for display. Input is matched case-insensitively.

## Idempotency

Every mutating command (` + joinCodes(mutatingCommands()) + `) needs an idempotency key, sent as the
` + "`Idempotency-Key`" + ` header or the body member ` + "`idempotency_key`" + ` (both present and different: 400
` + "`validation_error`" + `; neither: 400 ` + "`idempotency_key_required`" + `). A key is 1 to 255 printable ASCII characters
without spaces, scoped to your channel and kept for at least 24 hours.

- Same key, same command, domain and body: the recorded success response is answered again with its original
  status code, ` + "`audit_id`" + ` and ` + "`idempotent: true`" + `; nothing changes and no second audit row is written.
- Same key, different command, domain or body: 409 ` + "`duplicate_idempotency_key_conflict`" + `.
- Same key while the first request still runs: the second waits for and replays the first's result, or answers 409
  ` + "`idempotency_key_in_progress`" + ` (retryable: retry shortly with the same key).
- Failed commands are not recorded for replay: fix the request and retry with the same key.
- A crash never leaves a key blocked: a retry either replays the committed result or runs the command afresh.

## Sandbox (OT&E)

Send ` + "`sandbox: true`" + ` in the body or ` + "`X-Registrar-Sandbox: 1`" + `. The command is validated exactly as in production
(existence, sponsorship, statuses, balance, claims, protected legacy), answers **202** with ` + "`status: sandbox`" + `, writes
an audit row with status ` + "`sandbox`" + `, and changes no inventory, balance, nameserver, lifecycle state, record or backend.
Sandbox mode works before production approval. POST /sandbox/reset creates predictable ` + "`ote-*`" + ` fixtures.

## Production approval

Channels start in OT&E. Until an operator records production approval, non-sandbox mutations answer 403
` + "`registrar_channel_not_production_approved`" + `; checks, reads, status, polling, sandbox reset and sandbox mutations
remain available.

## Rate limits

Fixed one-minute windows per channel, API key, endpoint (method and route) and minute, with the channel's limit
(default ` + fmt.Sprint(core.DefaultRateLimitPerMinute) + ` per minute). Every answer to a key whose channel is approved carries ` + "`X-RateLimit-Limit`" + `,
` + "`X-RateLimit-Remaining`" + `, ` + "`X-RateLimit-Reset`" + ` (Unix seconds when the window ends) and the IETF ` + "`RateLimit-Policy`" + ` and
` + "`RateLimit`" + ` fields; GET /status counts too. Over the limit: 429 ` + "`registrar_rate_limit_exceeded`" + ` with ` + "`Retry-After`" + `
(seconds). Counters are shared by every node through Redis when it is configured. If Redis does not answer, the
limiter **fails open**: instead of refusing requests it counts in each node's memory until Redis answers again, so a
cache outage never blocks registrations; meanwhile limits hold per node rather than across the fleet, and the
readiness check reports the outage to operations. Under a limit far above the default a node may take several counts
of a window from Redis at once for its next requests (never more than 1/64 of what the window has left): a window
never allows more than its limit across the fleet, ` + "`X-RateLimit-Remaining`" + ` stays the limit less the request's own
count, and near the end of a window one node may refuse while another still holds a few counts.

## Errors

Errors are RFC 9457 problem details (` + "`application/problem+json`" + `) with ` + "`code`" + `, ` + "`status`" + `, ` + "`title`" + `, ` + "`detail`" + `,
` + "`epp_result_code`" + `, ` + "`epp_result`" + `, ` + "`retryable`" + ` and ` + "`request_id`" + `; ` + "`validation_error`" + ` may add ` + "`errors`" + ` (` + "`field`" + `,
` + "`message`" + `). Branch on ` + "`code`" + `. The full catalog is ` + "`x-registrar-error-catalog`" + ` (code to ` + "`http_status`" + `,
` + "`epp_result_code`" + `, ` + "`epp_result`" + `, ` + "`retryable`" + `, ` + "`description`" + `), shared with the internal registry service and the
EPP gateway. Beyond the per-operation lists: an unknown path answers 404 ` + "`route_not_found`" + `, a known path with another
method 405 ` + "`method_not_allowed`" + ` with an ` + "`Allow`" + ` header, a body over 1 MiB 413 ` + "`request_too_large`" + ` and a body not sent
as ` + "`application/json`" + ` 415 ` + "`unsupported_media_type`" + `.

## Audit

Every mutating command that passed authentication writes one audit row in the same transaction as its effect (status
` + "`success`" + `, ` + "`sandbox`" + ` or ` + "`failed`" + `); summaries never carry tokens, auth codes, e-mail addresses or phone numbers.
GET /poll reads them; GET /backend/pending shows work still waiting for backend apply.
`)
	return b.String()
}
