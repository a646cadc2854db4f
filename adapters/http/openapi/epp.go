package openapi

import (
	"github.com/headlessdomains/registry/core"
)

// eppMapping is one row of the REST ⇄ EPP command mapping.
type eppMapping struct {
	Command core.Command // "" for EPP-only commands
	EPP     string       // the EPP command, or "" when REST only
	Notes   string
}

func eppCommandMapping() []eppMapping {
	return append(baseEPPMapping(), transferEPPMappings()...)
}

func baseEPPMapping() []eppMapping {
	return []eppMapping{
		{core.CmdStatus, "<hello>, <login>", "The greeting advertises the objects and extensions served; a successful <login> (clID = channel slug) proves the channel is approved. Capability details stay on REST GET /status."},
		{core.CmdSandboxReset, "", "REST only. Fixtures (and the OT&E registrant contact) are shared by both transports."},
		{core.CmdCheckDomain, "<domain:check>", "At most 50 names per command. avail=\"0\" carries the reason (In use, Reserved); a claim-required label is avail=\"1\" with the reason Claims notice required, and the RFC 8334 claims check form (<launch:check type=\"claims\">) answers its claim key."},
		{core.CmdCreateDomain, "<domain:create>", "<domain:period unit=\"y\"> = years (1 to 10); <domain:registrant> names a contact the channel owns; <domain:ns>/<domain:hostObj> = nameservers; the RFC 8334 launch extension <launch:notice> carries notice_id and accepted_at."},
		{core.CmdInfoDomain, "<domain:info>", "Answers status values, registrant, ns, crDate, upDate, exDate and clID (channel slug)."},
		{core.CmdRenewDomain, "<domain:renew>", "<domain:curExpDate> = current_expires_at (date part); mismatch is 2306."},
		{core.CmdUpdateDomain, "<domain:update>", "<domain:add>/<domain:rem> <domain:status> = statuses add/remove (client* only); <domain:registrant> inside <domain:chg> replaces the registrant."},
		{core.CmdUpdateNameservers, "<domain:update>", "<domain:add>/<domain:rem> <domain:ns> compute the new desired list; backend apply results arrive as poll messages."},
		{core.CmdReadRecords, "", "REST only: DNS records are not EPP objects."},
		{core.CmdUpdateRecords, "", "REST only: DNS records are not EPP objects."},
		{core.CmdDeleteDomain, "<domain:delete>", "1000 when the name is freed within add grace (every debit since the create refunded), 1001 when it moves to redemption (debits whose grace period still runs refunded)."},
		{core.CmdRestoreDomain, "<domain:update> with <rgp:update><rgp:restore op=\"request\"/></rgp:update>", "RFC 3915 restore of a registration in redemption, in one step as Nomulus does (no pendingRestore); op=\"report\" carries the restore report, kept in the audit row. The <domain:update> changes nothing else (an empty <domain:chg/>)."},
		{core.CmdPoll, "", "REST GET /poll (audit events) is unchanged. EPP <poll op=\"req\"/\"ack\"> is a separate per-channel message queue: backend results (applied, failed), registry lifecycle changes and operator actions."},
		{core.CmdBackendPending, "", "REST only; its outcomes reach EPP clients as poll messages."},
		{"", "<contact:check>, <contact:info>, <contact:create>, <contact:update>, <contact:delete>", "RFC 5733 contacts hold the registrant data a domain points to; owned by the channel; registry commands check_contact, info_contact, create_contact, update_contact, delete_contact (no REST route yet). REST embeds the same data as `registrant`."},
		{"", "<contact:transfer>", "Not offered: 2101 unimplemented_command (domain transfers are below)."},
		{"", "<logout>", "Ends the session (1500)."},
	}
}

type lifecycleRow struct {
	State    core.State
	Meaning  string
	Statuses string
	Allowed  string
}

func lifecycleRows() []lifecycleRow {
	return []lifecycleRow{
		{core.StateActive, "Registered and in service. Grace periods follow the create (add grace), each renewal (renew grace) and each auto-renewal (auto-renew grace); a delete within one refunds the debit it guards.", "`ok` or client/server statuses; `addPeriod`, `renewPeriod`, `autoRenewPeriod` while their grace periods run", "info, renew, update, nameservers, records, delete"},
		{core.StateExpired, "`expires_at` passed and the registry could not auto-renew (`auto_renew` off, or the sponsor cannot pay the renew price): the delegation is withdrawn from DNS. The registry deletes it when the auto-renew grace period, counted from the expiry, ends.", "`inactive`", "info, renew (years count from the old expiry; the result must lie in the future), update, nameservers, records, delete"},
		{core.StateRedemption, "Deleted outside add grace, by the sponsor or by the registry after the auto-renew grace: delegation withdrawn; restorable until the redemption period ends.", "`pendingDelete`, `redemptionPeriod`", "info, restore (REST POST /domains/{domain}/restore, EPP RGP restore)"},
		{core.StatePendingDelete, "The redemption period ended: no restore any more; purged when the pending-delete period ends.", "`pendingDelete`", "info"},
		{core.StateCancelled, "Deleted within add grace (every debit since the create refunded) or purged after pending delete: the name is available again, its records and delegation gone from the DNS backend; kept for history only.", "`inactive`", "none (info answers 404)"},
	}
}

// lifecycleChangeRow is one change the registry's maintenance loop makes by
// itself.
type lifecycleChangeRow struct {
	Change core.LifecycleChange
	When   string
	What   string
}

func lifecycleChangeRows() []lifecycleChangeRow {
	return []lifecycleChangeRow{
		{core.ChangeAutoRenew, "`expires_at` passes, `auto_renew` is on and the sponsor can pay the renew price", "expiry + 1 year, debit with ledger reason `auto_renew`, `autoRenewPeriod` for the auto-renew grace period (counted from the old expiry)"},
		{core.ChangeExpire, "`expires_at` passes otherwise", "state `expired`, delegation withdrawn from DNS; the sponsor may still renew"},
		{core.ChangeDeleteExpired, "the auto-renew grace period after `expires_at` ends and the registration is still `expired`", "state `redemption` (`redemptionPeriod`, `pendingDelete`)"},
		{core.ChangeEndRedemption, "the redemption period ends", "state `pending_delete` (`pendingDelete` only; no restore)"},
		{core.ChangePurge, "the pending-delete period ends", "state `cancelled`: the name is available, its records and delegation are removed from the DNS backend"},
		{core.ChangeEndGrace, "a grace period ends (while add grace runs, every debit since the create stays refundable)", "its status (`addPeriod`, `renewPeriod`, `autoRenewPeriod`) goes; nothing is refundable any more"},
	}
}

type dnsCapabilityRow struct {
	Kind                  string
	Read, Write, Delegate bool
	Notes                 string
}

func dnsCapabilityRows() []dnsCapabilityRow {
	return []dnsCapabilityRow{
		{core.DNSBackendNone, false, false, false, "No DNS through this API: records answer 409 backend_dns_not_supported; nameserver changes are stored and applied by operators."},
		{core.DNSBackendMemory, true, true, true, "An in-process zone for development and OT&E."},
		{core.DNSBackendRFC2136, true, true, true, "Dynamic updates (RFC 2136) to the namespace zone's primary; NS delegations applied by the backend apply worker."},
	}
}
