package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/headlessdomains/registry/core"
)

// oteRequest is the example request of one OT&E step, written with the shell
// variables the checklist defines ($BASE, $TOKEN, $SLUG, $NS).
type oteRequest struct {
	Method  string
	Path    string
	Headers []string
	Body    m
	Expect  string
}

func fixtureName(purpose string) string { return core.FixtureLabel(purpose, "$SLUG") + ".$NS" }

// oteKey is the idempotency key the checklist uses for a step.
func oteKey(step core.OTEStep) string {
	if step.Name == "idempotent_replay" {
		return "ote-create_domain-001"
	}
	return "ote-" + step.Name + "-001"
}

func oteRequestFor(step core.OTEStep) oteRequest {
	spec, _ := core.SpecOfCommand(step.Command)
	r := oteRequest{Method: spec.Method, Path: spec.Path, Expect: "200"}
	domain := ""
	if step.Fixture != "" {
		domain = fixtureName(step.Fixture)
	}
	if spec.Mutating {
		r.Headers = append(r.Headers, "Idempotency-Key: "+oteKey(step))
		if step.Sandbox {
			r.Headers = append(r.Headers, "X-Registrar-Sandbox: 1")
			r.Expect = "202"
		} else if step.Command == core.CmdCreateDomain {
			r.Expect = "201"
		}
	}
	switch step.Command {
	case core.CmdCheckDomain:
		r.Body = m{"names": []any{"ote-new-$SLUG.$NS", fixtureName("renew"), fixtureName("claim")}}
		r.Expect = "200: ote-new available, the renew fixture `registered`, the claim fixture `claim_required`"
	case core.CmdCreateDomain:
		if domain == "" {
			domain = "ote-new-$SLUG.$NS"
		}
		r.Body = m{"domain": domain, "years": 1, "registrant": m{"name": "OT&E Registrant", "email": "ote@example.com", "country": "US"}}
		if step.Claim {
			r.Body["claim_acknowledgement"] = m{"notice_id": "ote-notice-001", "accepted_at": "2026-03-02T10:00:00Z"}
		}
		if step.Name == "idempotent_replay" {
			r.Expect = "202 with `idempotent: true` and the audit_id of the first create"
		}
	case core.CmdRenewDomain:
		r.Body = m{"years": 1, "current_expires_at": "$EXPIRES"}
	case core.CmdUpdateDomain:
		r.Body = m{"registrant": m{"name": "OT&E Registrant", "email": "ote@example.com", "country": "US", "metadata": m{"ote": "update"}},
			"statuses": m{"add": []any{core.StatusClientTransferProhibited}}}
	case core.CmdUpdateNameservers:
		r.Body = m{"nameservers": []any{"ns1.example.net", "ns2.example.net"}}
	case core.CmdRequestTransfer:
		r.Body = m{"auth_code": "$AUTH_CODE", "years": 1}
	case core.CmdPoll:
		r.Path += "?idempotency_key=ote-create_domain-001&limit=10"
		r.Expect = "200: exactly one event for the create, status `sandbox`, registrar.channel_id = the archived audit_provenance id"
	}
	r.Path = strings.ReplaceAll(r.Path, "{domain}", domain)
	if spec.Mutating && step.Sandbox && step.Name != "idempotent_replay" {
		r.Expect = "202, `status: sandbox`, an `audit_id` to record"
		if step.Command == core.CmdRequestTransfer {
			r.Expect += ", and the `transfer` object: `status: pending`, `gaining_channel` your channel, `losing_channel` `" + core.OTECounterpartySlug + "`"
		}
	}
	return r
}

func curl(r oteRequest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "curl -sS -X %s \"$BASE%s\" \\\n  -H \"Authorization: Bearer $TOKEN\"", r.Method, r.Path)
	for _, h := range r.Headers {
		fmt.Fprintf(&b, " \\\n  -H \"%s\"", h)
	}
	if r.Body != nil {
		var body bytes.Buffer
		enc := json.NewEncoder(&body)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(r.Body) // plain maps of strings and numbers always encode
		// Close the single quotes around shell variables so that they expand.
		text := strings.TrimSpace(body.String())
		for _, v := range []string{"$SLUG", "$NS", "$EXPIRES", "$AUTH_CODE"} {
			text = strings.ReplaceAll(text, v, `'"`+v+`"'`)
		}
		fmt.Fprintf(&b, " \\\n  -H \"Content-Type: application/json\" \\\n  -d '%s'", text)
	}
	return b.String()
}

func oteChecklistMarkdown() string {
	var b strings.Builder
	b.WriteString(`# OT&E checklist

Operational test and evaluation (OT&E) is the certification a registrar channel completes in sandbox mode before
HeadlessDomains records production approval. Every step below runs against the production endpoint with your real
registrar key: sandbox mutations are validated exactly as in production, audited, and change nothing.

## Before you start

- A Partner API key with the ` + "`registrar_api`" + ` profile (or every scope listed in the OpenAPI document),
  bound to your registrar channel.
- The channel approved, and at least one namespace listing approved.
- Shell variables used below:

` + "```sh" + `
BASE=https://<registry host>` + RegistrarBasePath + `
TOKEN=<your API key token>      # never commit it, never paste it into tickets
SLUG=<your channel slug>        # registrar_channel.slug from GET /status
NS=<an approved namespace>      # from namespace_listings in GET /status
AUTH_CODE=<auth_code>           # the transfer fixture's code from the sandbox_reset step
` + "```" + `

Keep a log of every request you send: the time, the idempotency key, the HTTP status, the ` + "`X-Request-ID`" + `
response header and the ` + "`audit_id`" + ` of every mutation. The evidence template
(` + "`/docs/registrar/ote-evidence-template.md`" + `) has a table for it.

## Test sequence

`)
	b.WriteString("| # | step | command | fixture | mode | audited |\n| --- | --- | --- | --- | --- | --- |\n")
	for i, s := range core.OTESequence() {
		fixture := "-"
		if s.Fixture != "" {
			fixture = "`" + fixtureName(s.Fixture) + "`"
		}
		mode := "read"
		switch {
		case s.Sandbox:
			mode = "sandbox"
		case s.Command == core.CmdSandboxReset:
			mode = "fixture reset"
		}
		audited := "no"
		if s.Audited {
			audited = "yes: attach as evidence"
		}
		fmt.Fprintf(&b, "| %d | `%s` | `%s` | %s | %s | %s |\n", i+1, s.Name, s.Command, fixture, mode, audited)
	}
	b.WriteString("\n")
	for i, s := range core.OTESequence() {
		r := oteRequestFor(s)
		fmt.Fprintf(&b, "### %d. %s\n\n%s\n\n", i+1, s.Name, s.Description)
		fmt.Fprintf(&b, "```sh\n%s\n```\n\nExpect: %s.\n\n", curl(r), r.Expect)
		switch s.Name {
		case "status":
			b.WriteString("Check that `registrar_channel.status` is `approved`, your namespace listing is `approved`, every " +
				"command row has `scope_status: granted`, and `disabled_reason` is null for every command. Archive " +
				"`audit_provenance.registrar_channel_id`: every audit event of this run must carry exactly that id.\n\n")
		case "sandbox_reset":
			b.WriteString("Record the fixture names. A fixture reported with `skipped: true` is held by a real " +
				"registration: tell HeadlessDomains operations before continuing. Copy the `auth_code` of the " +
				"`transfer` fixture in $NS into a shell variable (`AUTH_CODE=<auth_code>`): the transfer step sends it. " +
				"The reset answers it once (only its hash is stored) and every reset replaces it.\n\n")
		case "info_domain":
			b.WriteString("Copy `expires_at` into a shell variable (`EXPIRES=<expires_at>`): the renewal step sends it as " +
				"`current_expires_at`.\n\n")
		case "delete_domain":
			b.WriteString("`freed` tells you what production would do: `true` inside the add grace period (the " +
				"reset has just created the fixture, so expect `true`), `false` when the registration would enter " +
				"`redemption`. In sandbox mode nothing changes either way.\n\n")
		case "request_transfer":
			b.WriteString("The transfer fixture is sponsored by `" + core.OTECounterpartySlug + "`, a channel the registry " +
				"owns for OT&E: it has no API key and never acts, and the fixture was created one transfer lock ago, so " +
				"the request passes every rule of a production transfer request. In sandbox mode nothing changes: no " +
				"Gems are debited and the fixture keeps its sponsor. A wrong `auth_code` answers 403 `invalid_auth_code`; " +
				"a production (non-sandbox) request on an OT&E fixture answers `transfer_not_eligible`.\n\n")
		}
	}
	b.WriteString(`## Negative checks worth running

These are not part of the scored sequence, but every integration should handle them:

| request | expected |
| --- | --- |
| any command with a wrong token | 401 ` + "`invalid_api_key`" + ` |
| a production (non-sandbox) create before approval | 403 ` + "`registrar_channel_not_production_approved`" + ` |
| the sandbox create again with the same key but another domain | 409 ` + "`duplicate_idempotency_key_conflict`" + ` |
| a mutation without an idempotency key | 400 ` + "`idempotency_key_required`" + ` |
| the claim fixture created without ` + "`claim_acknowledgement`" + ` | 409 ` + "`claim_acknowledgement_required`" + ` |
| a renewal with a stale ` + "`current_expires_at`" + ` | 409 ` + "`current_expiry_mismatch`" + ` |
| more requests than your limit within one minute | 429 ` + "`registrar_rate_limit_exceeded`" + `, honour ` + "`Retry-After`" + ` |

## After the sequence

1. ` + "`GET /poll?since=<start of your run>`" + ` and check that every audited step has exactly one event, with your
   idempotency key, the expected status (` + "`sandbox`" + `, or ` + "`success`" + ` for the reset) and ` + "`registrar.channel_id`" + ` equal to the archived
   ` + "`audit_provenance.registrar_channel_id`" + `. The replay step must not have added an event.
2. Send HeadlessDomains operations the audit event ids per step (the evidence template has the table).
3. Operations attach them to a named OT&E run and export the evidence archive from
   ` + "`/admin/registrar-ote-runs/<run_id>/evidence-archive.md`" + `. Every step must be marked passed.
4. After review, operations record production approval; the registry accepts it only once the channel's latest OT&E
   run shows every step passed. GET /status then shows ` + "`production_available: true`" + `
   for the mutating commands; re-run step 1 to confirm before sending production traffic.
`)
	return b.String()
}

// oteEvidenceTemplateMarkdown is the skeleton of the per-run evidence archive
// that operators export (same sections, same checklist rules), followed by a
// registrar-side request log to fill in while running the checklist.
func oteEvidenceTemplateMarkdown() string {
	var b strings.Builder
	audited, unaudited := []core.OTEStep{}, []core.OTEStep{}
	for _, s := range core.OTESequence() {
		if s.Audited {
			audited = append(audited, s)
		} else {
			unaudited = append(unaudited, s)
		}
	}
	b.WriteString(`# OT&E evidence archive: {run name}

> **Template.** This is the shape of the evidence archive HeadlessDomains operations export for a named OT&E run
> from ` + "`/admin/registrar-ote-runs/{run_id}/evidence-archive.md`" + ` once your audit event ids are attached. Words in
> braces are filled in by the export. The last section, the registrar-side request log, is yours: fill it in while
> you run the [OT&E checklist](/docs/registrar/ote-checklist.md) and send it with your event ids. Never put API
> tokens, e-mail addresses or phone numbers in it; audit summaries are already redacted.

- Run: ` + "`{run_id}`" + `
- Run name: {run name}
- Registrar channel: ` + "`{channel slug}`" + ` (` + "`{audit_provenance.registrar_channel_id}`" + `)
- Channel status: ` + "`approved`" + `; production approved: no
- Created by: operator at {RFC 3339 time}
- Last evidence change: {RFC 3339 time}
- Archive generated at: {RFC 3339 time}
- Attached events: {count}

`)
	fmt.Fprintf(&b, "**Ready for production approval: yes — %d of %d steps passed**\n\n", len(audited), len(audited))
	b.WriteString(`## Checklist

Each step passes when an attached audit event of this channel shows it: the same command, status ` + "`sandbox`" + ` for
sandbox steps (` + "`success`" + ` for ` + "`sandbox_reset`" + `), and for the claim step a request summary with
` + "`claim_acknowledgement: true`" + `. Events of another channel cannot be attached.

| # | Step | Command | Expected status | Result | Evidence |
| --- | --- | --- | --- | --- | --- |
`)
	for i, s := range audited {
		expect := core.AuditSuccess
		if s.Sandbox {
			expect = core.AuditSandbox
		}
		fmt.Fprintf(&b, "| %d | %s | `%s` | `%s` | ✅ passed / ❌ missing | `{audit_id}` |\n", i+1, s.Name, s.Command, expect)
	}
	b.WriteString(`
## Steps not evidenced by audit events

These steps of the OT&E sequence leave no audit row (reads, availability checks and idempotent replays write none),
so they are verified from the registrar's own request log and are not counted in the verdict above.

`)
	for _, s := range unaudited {
		fmt.Fprintf(&b, "- `%s` (`%s`): %s\n", s.Name, s.Command, s.Description)
	}
	b.WriteString(`
## Attached events ({count})

One section per attached event, in attach order.

### 1. ` + "`{audit_id}`" + `

- Command: ` + "`{command}`" + `
- Status: ` + "`{success | sandbox | failed}`" + `
- Domain: ` + "`{domain}`" + `
- Idempotency key: ` + "`{idempotency_key}`" + `
- HTTP status: {http_status}
- Registrar channel: ` + "`{channel slug}`" + ` (` + "`{registrar.channel_id}`" + `)
- Actor: ` + "`registrar`" + `
- Created at: {RFC 3339 time}

Request summary:

` + "```json" + `
{request_summary}
` + "```" + `

Response summary:

` + "```json" + `
{response_summary}
` + "```" + `

## Registrar-side request log

Filled in by the registrar: one row per request of the OT&E checklist, including the steps that leave no audit event.
Operations compare it with the attached events; every audited row's ` + "`audit_id`" + ` must be attached, and the
replay row must show the same ` + "`audit_id`" + ` as the create it repeats.

| # | step | sent at (UTC) | idempotency key | HTTP status | X-Request-ID | audit_id |
| --- | --- | --- | --- | --- | --- | --- |
`)
	for i, s := range core.OTESequence() {
		key, audit := "-", "-"
		if spec, ok := core.SpecOfCommand(s.Command); ok && spec.Mutating {
			key, audit = "`"+oteKey(s)+"`", "`{audit_id}`"
		}
		if s.Audited {
			audit = "`{audit_id}`"
		}
		fmt.Fprintf(&b, "| %d | `%s` | {time} | %s | {status} | `{X-Request-ID}` | %s |\n", i+1, s.Name, key, audit)
	}
	b.WriteString(`
Archived ` + "`audit_provenance.registrar_channel_id`" + ` from GET /status: ` + "`{registrar_channel_id}`" + ` (every attached event must
carry exactly this id).
`)
	return b.String()
}
