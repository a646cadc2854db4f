package core

// OTEStep is one step of the OT&E test sequence that GET /status advertises,
// that the OT&E runner executes and that the evidence archive checks.
type OTEStep struct {
	Name        string
	Command     Command
	Fixture     string // sandbox fixture purpose the step works on, or ""
	Sandbox     bool   // the step runs as a sandbox command
	Audited     bool   // the step leaves an audit event that can be attached as evidence
	Claim       bool   // the step is a create with a claims acknowledgement
	Description string
}

// OTESequence is the OT&E certification sequence, in order.
func OTESequence() []OTEStep {
	return []OTEStep{
		{Name: "status", Command: CmdStatus, Description: "GET /status verifies the key, channel, listings, approval and rate limit; archive audit_provenance.registrar_channel_id."},
		{Name: "sandbox_reset", Command: CmdSandboxReset, Audited: true, Description: "POST /sandbox/reset creates the ote-* fixture domains."},
		{Name: "check_domain", Command: CmdCheckDomain, Description: "POST /domains/check for a free name, a fixture and the claim label."},
		{Name: "create_domain", Command: CmdCreateDomain, Sandbox: true, Audited: true, Description: "Sandbox create of a new name."},
		{Name: "create_claim_domain", Command: CmdCreateDomain, Fixture: "claim", Sandbox: true, Audited: true, Claim: true, Description: "Sandbox create of the claim-required fixture with claim_acknowledgement."},
		{Name: "info_domain", Command: CmdInfoDomain, Fixture: "renew", Description: "GET /domains/{domain} on a fixture."},
		{Name: "renew_domain", Command: CmdRenewDomain, Fixture: "renew", Sandbox: true, Audited: true, Description: "Sandbox renew of the renew fixture with current_expires_at."},
		{Name: "update_domain", Command: CmdUpdateDomain, Fixture: "update", Sandbox: true, Audited: true, Description: "Sandbox update of registrant data and client statuses."},
		{Name: "update_nameservers", Command: CmdUpdateNameservers, Fixture: "ns", Sandbox: true, Audited: true, Description: "Sandbox nameserver update of the ns fixture."},
		{Name: "delete_domain", Command: CmdDeleteDomain, Fixture: "delete", Sandbox: true, Audited: true, Description: "Sandbox delete of the delete fixture."},
		{Name: "request_transfer", Command: CmdRequestTransfer, Fixture: "transfer", Sandbox: true, Audited: true, Description: "Sandbox transfer request of the transfer fixture (sponsored by the registry's OT&E counterparty) with the auth_code the reset answered; 202 with the transfer object."},
		{Name: "idempotent_replay", Command: CmdCreateDomain, Sandbox: true, Description: "Repeat the sandbox create with the same idempotency key and body; expect idempotent: true and the same audit_id."},
		{Name: "poll", Command: CmdPoll, Description: "GET /poll filtered by idempotency_key proves the audit trail matches registrar-side requests."},
	}
}

// SandboxFixturePurposes are the fixtures POST /sandbox/reset creates, in order.
// "claim" is left unregistered; its label is claim-required. "transfer" is
// sponsored by the registry's OT&E counterparty channel (OTECounterpartySlug),
// not by the channel, and comes with an authorization code the reset answers
// once.
var SandboxFixturePurposes = []string{"renew", "ns", "update", "delete", "claim", "transfer"}

// OTECounterpartySlug is the slug of the registrar channel the registry
// creates, once, to sponsor the OT&E transfer fixtures: the losing side of
// every OT&E transfer request. The registry owns it (its partner holds no
// Gems); it is approved, never production approved and has no API key, so
// nothing can act for it. No operator can create a channel with this slug.
const OTECounterpartySlug = "ote-counterparty"

// OTECounterpartyName is the name of the counterparty channel's partner.
const OTECounterpartyName = "HeadlessDomains OT&E counterparty"

// FixtureLabel is the label of a sandbox fixture for a channel.
func FixtureLabel(purpose, channelSlug string) string { return "ote-" + purpose + "-" + channelSlug }
