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
		{core.CmdDeleteDomain, "<domain:delete>", "1000 when the name is freed within add grace (create debit refunded), 1001 when it moves to pending delete."},
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
		{core.StateActive, "Registered and in service. The first 5 days after create are the add grace period.", "`ok` or client/server statuses; `addPeriod` in add grace; `renewPeriod` for 5 days after a renewal", "info, renew, update, nameservers, records, delete"},
		{core.StateExpired, "Past expires_at and not yet renewed (derived at read time).", "`autoRenewPeriod`", "info, renew, update, nameservers, records, delete"},
		{core.StateRedemption, "Deleted after add grace; restorable by the registry for 30 days.", "`pendingDelete`, `redemptionPeriod`", "info"},
		{core.StatePendingDelete, "Deleted after add grace; backend cancellation queued.", "`pendingDelete`, `redemptionPeriod`", "info"},
		{core.StateCancelled, "Deleted within add grace: create refunded, name available again; kept for history only.", "`inactive`", "none (info answers 404)"},
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
