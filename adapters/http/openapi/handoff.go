package openapi

import (
	"fmt"
	"strings"

	"github.com/headlessdomains/registry/core"
)

func handoffMarkdown() string {
	var b strings.Builder
	b.WriteString(`# Registrar handoff packet

Everything a registrar needs to integrate with the HeadlessDomains registry over the HTTP Registrar API, in the
order you will need it. The API is the registry's first registrar command surface; an EPP gateway over the same
registry service serves registrars with EPP tooling (see the EPP gateway contract).

## What you receive from HeadlessDomains

| item | what it is |
| --- | --- |
| endpoint base | ` + "`https://<registry host>" + RegistrarBasePath + "`" + ` |
| partner account | your company, with a prepaid **Gems** balance that creates and renewals debit |
| registrar channel | your integration identity: an id, a unique ` + "`slug`" + `, a status (` + "`pending`" + `, ` + "`approved`" + `, ` + "`suspended`" + `), a production approval flag and a per-minute rate limit (default ` + fmt.Sprint(core.DefaultRateLimitPerMinute) + `) |
| namespace listings | the namespaces (top-level names such as ` + "`defiwallet`" + `) your channel may register in, each ` + "`pending`" + ` or ` + "`approved`" + ` |
| API key | a bearer token with the ` + "`" + core.ProfileRegistrarAPI + "`" + ` profile, bound to your channel. It is shown **once**; store it in a secret manager. Ask for a new key (and the old one's revocation) to rotate |
| documents | the links below; all are served without authentication |

| document | path |
| --- | --- |
`)
	for _, d := range registrarDocs() {
		fmt.Fprintf(&b, "| %s | [`%s`](%s) |\n", d.Title, d.Path, d.Path)
	}
	b.WriteString(`
## What HeadlessDomains needs from you

- A technical contact and an escalation contact for incidents.
- The channel slug you want (lowercase letters, digits and hyphens; it is part of OT&E fixture names and will be
  your EPP client id).
- The namespaces you want to sell, so that listings can be requested.
- Your OT&E evidence (see below) before production approval.

## 1. Authenticate

Send the key on every request:

` + "```http" + `
GET ` + RegistrarBasePath + `/status HTTP/1.1
Host: <registry host>
Authorization: Bearer <token>
` + "```" + `

A missing, unknown or revoked token answers 401 ` + "`invalid_api_key`" + `. Never log the token, never put it in a URL, and
never send it to anyone, including HeadlessDomains support: support finds your requests by ` + "`X-Request-ID`" + `.

## 2. Call GET /status first

` + "`GET /status`" + ` is the one call that tells you whether everything else will work, computed for the exact key you send:

- ` + "`api_key`" + `, ` + "`partner`" + ` (with ` + "`gems_balance`" + `), ` + "`registrar_channel`" + ` and ` + "`namespace_listings`" + `: is the key bound, is the
  channel approved, which namespaces are approved;
- ` + "`production_approval`" + `, ` + "`sandbox`" + ` and ` + "`rate_limit`" + `: which modes you can use and how much headroom is left;
- ` + "`commands`" + `: one row per command with ` + "`required_scopes`" + `, ` + "`scope_status`" + `, ` + "`missing_scopes`" + `, ` + "`sandbox_available`" + `,
  ` + "`production_available`" + `, ` + "`disabled_reason`" + ` (the error code that would block it in every mode) and
  ` + "`production_blocked_reason`" + ` (the code that keeps it out of production);
- ` + "`ote.test_sequence`" + `, ` + "`docs`" + `, and the registry service and EPP gateway contracts.

Run it at the start of every OT&E run and after every credential or approval change. It answers 200 even for a key
that is not bound to a channel (with ` + "`registrar_channel: null`" + `), so you can diagnose without guessing.

## 3. Archive your audit provenance

Store ` + "`audit_provenance.registrar_channel_id`" + ` from GET /status with your integration records. Every command audit the
registry writes for your requests carries exactly that channel id, and ` + "`GET /poll`" + ` only ever shows events of the
channel your key is bound to. During certification, the operators compare the two.

## 4. Commands

| command | endpoint | scopes | what it does |
| --- | --- | --- | --- |
`)
	for _, c := range core.Commands() {
		scopes := "none"
		if len(c.Scopes) > 0 {
			scopes = joinCodes(c.Scopes)
		}
		fmt.Fprintf(&b, "| `%s` | `%s %s` | %s | %s |\n", c.Command, c.Method, c.Path, scopes, c.Summary)
	}
	b.WriteString(`
Names are ` + "`label.namespace`" + ` and may be sent in Unicode or as A-labels; the registry answers A-labels (and
` + "`unicode_name`" + ` for display). Creates take ` + "`years`" + ` 1 to 10 and debit the namespace's create price per year; renewals take
` + "`years`" + ` and the ` + "`current_expires_at`" + ` you last read, so that a retried renewal can never renew twice. Deletes are
lifecycle changes: within the add grace period (5 days unless the namespace says otherwise) the name is freed and
every debit since the create refunded; later it enters ` + "`redemption`" + `, where ` + "`POST /domains/{domain}/restore`" + ` brings it
back until the redemption period ends, then ` + "`pending_delete`" + ` and purge. The registry also moves registrations through time
by itself (auto-renew or expiry at ` + "`expires_at`" + `, deletion after the auto-renew grace): GET /poll shows those changes with
` + "`actor: registry`" + `. Nameserver changes are stored immediately and applied by the namespace backend; follow
them in ` + "`GET /backend/pending`" + ` and ` + "`nameservers.apply_status`" + `.

## 5. Sandbox and OT&E

Every mutating command (` + joinCodes(mutatingCommands()) + `) runs in sandbox mode with ` + "`\"sandbox\": true`" + ` in the body or the
header ` + "`X-Registrar-Sandbox: 1`" + `. Sandbox commands are validated exactly as in production (existence, sponsorship,
statuses, balance, claims, protected legacy), answer **202** with ` + "`\"status\": \"sandbox\"`" + `, write an audit row with status
` + "`sandbox`" + ` and change nothing: no inventory, balance, nameserver, lifecycle state, record or backend.

` + "`POST /sandbox/reset`" + ` creates predictable fixtures in every approved namespace: ` + "`ote-renew-<slug>.<ns>`" + `,
` + "`ote-ns-<slug>.<ns>`" + `, ` + "`ote-update-<slug>.<ns>`" + `, ` + "`ote-delete-<slug>.<ns>`" + ` (registered to you, one year to expiry) and
` + "`ote-claim-<slug>.<ns>`" + ` (unregistered, claim-required), and ` + "`ote-transfer-<slug>.<ns>`" + `, sponsored by the registry's
OT&E counterparty channel ` + "`" + core.OTECounterpartySlug + "`" + ` (it has no API key and never acts) and past its transfer lock, with an
` + "`auth_code`" + ` for a sandbox transfer request. The reset answers that code once and every reset replaces it. It only
overwrites records marked ` + "`ote_sandbox`" + `. Run it as often as you like; it costs nothing.

The [OT&E checklist](/docs/registrar/ote-checklist.md) walks through the certification sequence with ready-to-run
requests; the [evidence template](/docs/registrar/ote-evidence-template.md) shows what operations will review.

## 6. Production approval

Channels start in OT&E. After operations review your evidence archive, they record production approval (the registry
accepts it once your channel's latest OT&E run shows every checklist step passed); until
then, non-sandbox mutations answer 403 ` + "`registrar_channel_not_production_approved`" + `. Checks, reads, status, polling,
sandbox reset and sandbox mutations stay available before and after approval: keep using sandbox mode to test
changes to your integration.

## 7. Idempotency

Send an idempotency key with every mutating command, in the ` + "`Idempotency-Key`" + ` header or the body member
` + "`idempotency_key`" + ` (not both with different values). Use 1 to 255 printable ASCII characters; a UUID or your own order id
works well. Keys are scoped to your channel and kept for at least 24 hours.

- **Retry with the same key** after a timeout, a dropped connection, a 5xx or a 409 ` + "`idempotency_key_in_progress`" + `. If
  the first attempt succeeded you get its recorded response again, with ` + "`\"idempotent\": true`" + ` and the same
  ` + "`audit_id`" + `; nothing is charged or changed twice.
- **Use a new key** for a new intent. Reusing a key for a different command, domain or body answers 409
  ` + "`duplicate_idempotency_key_conflict`" + `.
- A command that failed (4xx) is not recorded: correct the request and retry with the same key.

## 8. Rate limits

Limits count per channel, API key, endpoint and one-minute window; the default is ` + fmt.Sprint(core.DefaultRateLimitPerMinute) + ` requests per minute per
endpoint. Every answer to a key bound to an approved channel (GET /status included) carries ` + "`X-RateLimit-Limit`" + `,
` + "`X-RateLimit-Remaining`" + ` and ` + "`X-RateLimit-Reset`" + ` (Unix seconds), plus the IETF ` + "`RateLimit-Policy`" + ` and ` + "`RateLimit`" + ` fields. Over the limit you get 429 ` + "`registrar_rate_limit_exceeded`" + ` with
` + "`Retry-After`" + ` in seconds: wait that long, then retry with the same idempotency key. Spread bulk work (for example,
batches of up to 50 names per ` + "`POST /domains/check`" + `) rather than bursting.

## 9. Errors

Errors are RFC 9457 problem details (` + "`Content-Type: application/problem+json`" + `):

` + "```json" + `
{
  "type": "/docs/registrar/errors#duplicate_idempotency_key_conflict",
  "title": "Duplicate idempotency key conflict",
  "status": 409,
  "detail": "idempotency key \"create-alice-0001\" was already used for a different command, domain, or request body",
  "code": "duplicate_idempotency_key_conflict",
  "epp_result_code": 2306,
  "epp_result": "Parameter value policy error",
  "retryable": false,
  "instance": "/api/v1/registrar/v1/domains",
  "request_id": "req_01jr9a0b1c2d3e4f5g6h7j8k9p"
}
` + "```" + `

Branch on ` + "`code`" + ` and ` + "`retryable`" + `, never on ` + "`title`" + ` or ` + "`detail`" + `. Retry only retryable errors, with backoff and the
same idempotency key; a 5xx means nothing was recorded as success. Quote ` + "`request_id`" + ` when you contact support.
The full catalog is ` + "`x-registrar-error-catalog`" + ` in the OpenAPI document (machine-readable) and
[` + "`/docs/registrar/errors`" + `](/docs/registrar/errors) (one section per code, where each problem's ` + "`type`" + ` points):

`)
	catalogTable(&b)
	b.WriteString(`
## 10. Audit polling and pending work

` + "`GET /poll`" + ` returns your command audit events, oldest first, filtered by ` + "`idempotency_key`" + `, ` + "`command`" + `, ` + "`status`" + `,
` + "`domain`" + `, ` + "`since`" + ` (RFC 3339, inclusive) and ` + "`limit`" + ` (default 50, capped at 500); follow ` + "`next_cursor`" + ` until it is null.
Each event carries the audit id (the ` + "`audit_id`" + ` of the command's response), ` + "`registrar.channel_id`" + ` and slug, the
idempotency key, the status and HTTP status, and redacted request and response summaries. Reconcile your own logs
against it.

` + "`GET /backend/pending`" + ` lists your successful commands still waiting for backend apply (nameserver updates,
cancellations, transfer intents). It is read-only; HeadlessDomains operations and the backend worker apply them.

` + "```http" + `
GET ` + RegistrarBasePath + `/poll?idempotency_key=ns-001&command=update_nameservers&status=success&domain=alice.defiwallet&limit=1
GET ` + RegistrarBasePath + `/backend/pending?command=update_nameservers&domain=alice.defiwallet&limit=10
` + "```" + `

## 11. Transfers between registrars

A registrant moves a name with its authorization code (RFC 5731 transfer, RFC 9154). As the sponsor, set a code
with ` + "`PATCH /domains/{domain}`" + ` ` + "`{\"auth_code\": ...}`" + ` (at least 16 characters of three of lowercase, uppercase,
digits and symbols; ` + "`null`" + ` unsets it) and hand it to the registrant: it is stored hashed, never answered again
(info shows ` + "`auth_code_set`" + ` and ` + "`auth_code_expires_at`" + `) and cleared by a completed transfer. As the gaining
registrar, ` + "`POST /domains/{domain}/transfer`" + ` ` + "`{\"auth_code\": ..., \"years\": 1}`" + ` debits the transfer price at once
and answers 201 with the ` + "`transfer`" + `; the sponsor approves or rejects it
(` + "`POST /domains/{domain}/transfer/approve|reject`" + `), you may cancel it (` + "`.../transfer/cancel`" + `), and the registry
approves it at its ` + "`action_at`" + `. Rejection and cancellation refund you. Both sides see each step in ` + "`GET /poll`" + `
(the other side's as command ` + "`transfer_notice`" + `, actor ` + "`registry`" + `) and in the EPP message queue;
` + "`GET /transfers?role=gaining|losing&status=...`" + ` lists them. Scopes ` + "`transfers:read`" + ` and ` + "`transfers:write`" + `.

## Go-live checklist

- [ ] GET /status shows your channel ` + "`approved`" + `, your namespaces ` + "`approved`" + `, every command ` + "`granted`" + `.
- [ ] ` + "`audit_provenance.registrar_channel_id`" + ` archived.
- [ ] OT&E sequence completed in sandbox mode; evidence sent; every step marked passed in the archive.
- [ ] Production approval recorded (` + "`production_available: true`" + ` in GET /status).
- [ ] Idempotency keys generated per intent and reused on retry.
- [ ] 429 handled with ` + "`Retry-After`" + `; retryable errors retried with backoff; everything else surfaced.
- [ ] Gems balance monitored (402 ` + "`insufficient_gems`" + ` stops creates and renewals).
- [ ] Tokens stored in a secret manager, never logged.
`)
	return b.String()
}
