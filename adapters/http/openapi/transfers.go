package openapi

import (
	"fmt"

	"github.com/headlessdomains/registry/core"
)

// Transfers between registrars (RFC 5731 transfer, RFC 9154 authorization
// information): their operations, schemas, examples and EPP mapping rows.

const tagTransfers = "Transfers"

const exGainingChannelID = "chn_01jrb7x2m4n6p8q0r2s4t6v8w0"

func exTransfer(status, actionAt string) m {
	return m{
		"domain": exDomain, "status": status,
		"gaining_channel": m{"id": exGainingChannelID, "slug": "other-registrar"},
		"losing_channel":  m{"id": exChannelID, "slug": exChannelSlug},
		"requested_at":    "2026-06-01T09:00:00Z", "action_at": actionAt, "years": 1,
		"expires_at": "2028-03-02T10:15:00Z",
	}
}

var transferRefusals = []core.Code{core.CodeTransferNotPending}

// transferOperations document the transfer commands of the registrar API.
func transferOperations() map[core.Command]operation {
	actionErrors := concat(bodyErrors, domainErrors, mutationErrors, transferRefusals)
	return map[core.Command]operation{
		core.CmdQueryTransfer: {
			tag: tagTransfers,
			description: "Reads the registration's latest transfer (RFC 5731 transfer query): while `pending`, " +
				"`action_at` is when the registry approves it if the sponsor has not answered; afterwards it is when " +
				"the transfer was acted on. The sponsor and the channel that requested the latest transfer may read " +
				"it; any other channel answers 403 `domain_not_sponsored`. A registration never transferred answers " +
				"409 `transfer_not_pending`.",
			result:  "TransferResponse",
			example: m{"transfer": exTransfer(core.TransferPending, "2026-06-06T09:00:00Z")},
			errors:  concat(domainErrors, transferRefusals),
		},
		core.CmdRequestTransfer: {
			tag: tagTransfers,
			description: "Requests the transfer of a registration another channel sponsors, with its authorization " +
				"code (RFC 9154), for `years` (1 to 10, default 1). Debits `transfer_price_gems` × years at once " +
				"(refunded when the transfer is rejected or cancelled); the registration becomes `pendingTransfer` " +
				"and the request appears in this channel's GET /backend/pending as `request_transfer`. The sponsor " +
				"approves or rejects it; otherwise the registry approves it at `action_at`.\n\n" +
				"Refusals: the caller sponsors it, or it was created or transferred within the namespace's transfer " +
				"lock: 409 `transfer_not_eligible`; `clientTransferProhibited`, `serverTransferProhibited` or a state " +
				"other than active: 409 `status_prohibits_operation`; one already pending: 409 " +
				"`transfer_already_pending`; a wrong, unset or expired code (one answer): 403 `invalid_auth_code`; " +
				"a short balance: 402 `insufficient_gems`; an expiry beyond 10 years: 400 `registration_period_exceeded`.",
			body:        "TransferRequest",
			bodyExample: m{"auth_code": "Xk7#mP2q-Lr9$wT4vB", "years": 1},
			result:      "TransferResult",
			example: exMutation(core.CmdRequestTransfer, false, "transfer-alice-0001", m{
				"transfer": exTransfer(core.TransferPending, "2026-06-06T09:00:00Z"), "debited_gems": 80,
				"pending_id": exPendingID,
				"domain":     exDomainObject(exExpiresAt, core.StateActive, core.StatusPendingTransfer)}),
			sandboxEx: exMutation(core.CmdRequestTransfer, true, "transfer-alice-0001", m{
				"transfer": exTransfer(core.TransferPending, "2026-06-06T09:00:00Z"), "would_debit_gems": 80}),
			errors: concat(bodyErrors, domainErrors, mutationErrors, []core.Code{core.CodeTransferNotEligible,
				core.CodeTransferAlreadyPending, core.CodeInvalidAuthCode, core.CodeStatusProhibitsOperation,
				core.CodeInsufficientGems, core.CodeRegistrationPeriodExceeded}),
		},
		core.CmdApproveTransfer: {
			tag: tagTransfers,
			description: "The sponsor approves the pending transfer (`clientApproved`): the requesting channel " +
				"sponsors the registration from now on; a running auto-renew grace is cancelled first and refunded " +
				"to this partner; the expiry grows by the transfer's years; `transferPeriod` grace starts; client " +
				"statuses and the authorization code are cleared. Registrant, nameservers and records stay. The " +
				"requesting channel answers 403 `domain_not_sponsored`.",
			body: "TransferActionRequest", bodyOptional: true,
			bodyExample: m{"idempotency_key": "approve-alice-0001"},
			result:      "TransferResult",
			example: exMutation(core.CmdApproveTransfer, false, "approve-alice-0001", m{
				"transfer": exTransfer(core.TransferClientApproved, "2026-06-02T09:00:00Z"),
				"domain":   exDomainObject("2028-03-02T10:15:00Z", core.StateActive, core.StatusTransferPeriod)}),
			sandboxEx: exMutation(core.CmdApproveTransfer, true, "approve-alice-0001", m{
				"transfer": exTransfer(core.TransferClientApproved, "2026-06-02T09:00:00Z")}),
			errors: actionErrors,
		},
		core.CmdRejectTransfer: {
			tag: tagTransfers,
			description: "The sponsor rejects the pending transfer (`clientRejected`); the requesting partner is " +
				"refunded.",
			body: "TransferActionRequest", bodyOptional: true,
			bodyExample: m{"idempotency_key": "reject-alice-0001"},
			result:      "TransferResult",
			example: exMutation(core.CmdRejectTransfer, false, "reject-alice-0001", m{
				"transfer":      exTransfer(core.TransferClientRejected, "2026-06-02T09:00:00Z"),
				"refunded_gems": 80, "domain": exDomainObject(exExpiresAt, core.StateActive, core.StatusOK)}),
			sandboxEx: exMutation(core.CmdRejectTransfer, true, "reject-alice-0001", m{
				"transfer": exTransfer(core.TransferClientRejected, "2026-06-02T09:00:00Z")}),
			errors: actionErrors,
		},
		core.CmdCancelTransfer: {
			tag: tagTransfers,
			description: "The requesting channel withdraws its pending transfer (`clientCancelled`); its partner is " +
				"refunded. The sponsor answers 403 `domain_not_sponsored`.",
			body: "TransferActionRequest", bodyOptional: true,
			bodyExample: m{"idempotency_key": "cancel-alice-0001"},
			result:      "TransferResult",
			example: exMutation(core.CmdCancelTransfer, false, "cancel-alice-0001", m{
				"transfer":      exTransfer(core.TransferClientCancelled, "2026-06-02T09:00:00Z"),
				"refunded_gems": 80, "domain": exDomainObject(exExpiresAt, core.StateActive, core.StatusOK)}),
			sandboxEx: exMutation(core.CmdCancelTransfer, true, "cancel-alice-0001", m{
				"transfer": exTransfer(core.TransferClientCancelled, "2026-06-02T09:00:00Z")}),
			errors: actionErrors,
		},
		core.CmdListTransfers: {
			tag: tagTransfers,
			description: "Lists the transfers this channel requested (`role=gaining`) or whose registration it " +
				"sponsored when they were requested (`role=losing`), both by default, each registration's latest " +
				"transfer. Page with `cursor` until `next_cursor` is null.",
			query: []m{
				queryParam("role", enumOf("", core.TransferRoleGaining, core.TransferRoleLosing), "Only transfers where the channel has this role.", core.TransferRoleLosing),
				queryParam("status", enumOf("", core.TransferStatuses()...), "Only transfers with this status.", core.TransferPending),
				queryParam("limit", intRange(1, 0, ""), fmt.Sprintf("Page size, default %d, capped at %d.", defaultPollSize, maxPollSize), 10),
				queryParam("cursor", str(""), "The next_cursor of the previous page.", nil),
			},
			result:  "TransferList",
			example: m{"transfers": []any{exTransfer(core.TransferPending, "2026-06-06T09:00:00Z")}, "next_cursor": nil},
			errors:  []core.Code{core.CodeValidation},
		},
	}
}

// transferSchemas are the transfer component schemas (both documents).
func transferSchemas() m {
	channel := object("A registrar channel.", m{"id": str(""), "slug": str("")}, "id", "slug")
	result := mutationResultSchema(core.CmdRequestTransfer)
	props := result["properties"].(m)
	props["command"] = enumOf("The command name.", string(core.CmdRequestTransfer), string(core.CmdApproveTransfer),
		string(core.CmdRejectTransfer), string(core.CmdCancelTransfer))
	props["transfer"] = schemaRef("Transfer")
	props["refunded_gems"] = integer("Gems refunded by the command: the requester's debit on a rejection or cancellation, the sponsor's auto-renewal on an approval inside auto-renew grace.")
	result["required"] = []string{"command", "status", "sandbox", "idempotent", "idempotency_key", "audit_id", "transfer"}
	return m{
		"TransferChannel": channel,
		"Transfer": object("A registration's latest transfer (RFC 5731).", m{
			"domain":          str("The registration (A-labels)."),
			"status":          enumOf("RFC 5731 transfer status.", core.TransferStatuses()...),
			"gaining_channel": schemaRef("TransferChannel"),
			"losing_channel":  schemaRef("TransferChannel"),
			"requested_at":    dateTime(""),
			"action_at":       dateTime("While pending, when the registry approves it; then when it was acted on."),
			"years":           intRange(1, core.MaxYears, "Years the transfer adds to the expiry."),
			"expires_at":      dateTime("The expiry after approval (while pending: the one an approval would give)."),
		}, "domain", "status", "gaining_channel", "losing_channel", "requested_at", "action_at", "years", "expires_at"),
		"TransferRequest": closedObject("A transfer request with the registration's authorization code.", mutationProps(m{
			"auth_code": describe(m{"type": "string", "minLength": 1, "maxLength": core.MaxAuthCodeLength, "writeOnly": true}, "The authorization code the registrant got from the sponsor (RFC 9154). Never stored or answered in clear."),
			"years":     intRange(1, core.MaxYears, "Years the transfer adds, default 1."),
		}), "auth_code"),
		"TransferActionRequest": closedObject("Optional: the idempotency key and sandbox flag may be sent as headers instead.", mutationProps(m{})),
		"TransferResult":        result,
		"TransferResponse":      object("A transfer.", m{"transfer": schemaRef("Transfer")}, "transfer"),
		"TransferList": object("A page of transfers.", m{
			"transfers":   arrayOf(schemaRef("Transfer"), ""),
			"next_cursor": nullable(str("The cursor of the next page, null on the last.")),
		}, "transfers", "next_cursor"),
	}
}

// transferOperatorOperations document the operator's transfer routes.
func transferOperatorOperations() []operatorOp {
	nf := []core.Code{core.CodeDomainNotFound, core.CodeTransferNotPending, core.CodeValidation}
	return []operatorOp{
		{"GET", "/transfers", "operator_list_transfers", "List transfers.", "Every channel's, or one channel's with `registrar_channel_id` (and `role` gaining or losing); `status` filters; page with `cursor`.", tagInventory, nil, "", 200, "TransferList", []core.Code{core.CodeValidation}},
		{"POST", "/domains/{domain}/transfer/approve", "operator_approve_transfer", "Approve a pending transfer.", "Ends `serverApproved`: the requesting channel sponsors the registration, as when its sponsor approves. Both channels are told.", tagInventory, []string{"domain"}, "", 200, "TransferResponse", nf},
		{"POST", "/domains/{domain}/transfer/reject", "operator_reject_transfer", "Reject a pending transfer.", "Ends `serverCancelled`; the requesting partner is refunded. Both channels are told.", tagInventory, []string{"domain"}, "", 200, "TransferResponse", nf},
	}
}

// transferEPPMappings are the transfer rows of the REST ⇄ EPP mapping.
func transferEPPMappings() []eppMapping {
	return []eppMapping{
		{core.CmdQueryTransfer, "<transfer op=\"query\">", "Answers <domain:trnData> (RFC 5731 §3.1.3): trStatus, reID/acID (channel slugs), reDate, acDate, exDate."},
		{core.CmdRequestTransfer, "<transfer op=\"request\">", "<domain:period> = years; <domain:pw> inside <domain:authInfo> = auth_code. Answers 1001 with <domain:trnData>; 2202 for a wrong, unset or expired code."},
		{core.CmdApproveTransfer, "<transfer op=\"approve\">", "The sponsor; answers 1000 with <domain:trnData> (clientApproved)."},
		{core.CmdRejectTransfer, "<transfer op=\"reject\">", "The sponsor; answers 1000 with <domain:trnData> (clientRejected)."},
		{core.CmdCancelTransfer, "<transfer op=\"cancel\">", "The requester; answers 1000 with <domain:trnData> (clientCancelled)."},
		{core.CmdListTransfers, "", "REST only; every transfer step also reaches both channels' EPP poll queues as a message with <domain:trnData>."},
	}
}

// withTransferSchemas adds the transfer schemas to a document's schemas.
func withTransferSchemas(schemas m) m {
	for k, v := range transferSchemas() {
		schemas[k] = v
	}
	return schemas
}

// registryPollCommands are the commands of the registry's own audit rows a
// channel's /poll shows (actor registry): lifecycle changes and transfer
// notices.
func registryPollCommands() []string {
	out := []string{string(core.CmdTransferNotice)}
	for _, c := range core.LifecycleChanges() {
		out = append(out, string(c))
	}
	return out
}
