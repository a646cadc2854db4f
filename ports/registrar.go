package ports

import (
	"context"

	"github.com/headlessdomains/registry/core"
)

// RegistrarService is the driving port every registrar transport (REST, EPP)
// calls. Access rules 2 to 8 of the contract, idempotency, sandbox, audit and
// the catalog all live behind it; transports only translate.
type RegistrarService interface {
	// Authorize resolves a bearer token and applies access rules 1 to 4 for
	// command: key, channel, scope, rate limit. The returned decision is
	// non-nil whenever the key's channel is approved, also alongside an
	// error, so that transports can always send rate-limit headers.
	Authorize(ctx context.Context, token string, command core.Command) (core.Actor, *core.RateDecision, error)

	Status(ctx context.Context, a core.Actor, rate *core.RateDecision) (core.StatusReport, error)
	SandboxReset(ctx context.Context, a core.Actor) (core.SandboxResetResult, error)
	CheckDomains(ctx context.Context, a core.Actor, cmd core.CheckDomains) ([]core.CheckResult, error)
	CreateDomain(ctx context.Context, a core.Actor, cmd core.CreateDomain) (core.Outcome, error)
	InfoDomain(ctx context.Context, a core.Actor, domain string) (core.DomainView, error)
	RenewDomain(ctx context.Context, a core.Actor, cmd core.RenewDomain) (core.Outcome, error)
	UpdateDomain(ctx context.Context, a core.Actor, cmd core.UpdateDomain) (core.Outcome, error)
	UpdateNameservers(ctx context.Context, a core.Actor, cmd core.UpdateNameservers) (core.Outcome, error)
	ReadRecords(ctx context.Context, a core.Actor, domain string) (core.RecordsView, error)
	UpdateRecords(ctx context.Context, a core.Actor, cmd core.UpdateRecords) (core.Outcome, error)
	DeleteDomain(ctx context.Context, a core.Actor, cmd core.DeleteDomain) (core.Outcome, error)
	RestoreDomain(ctx context.Context, a core.Actor, cmd core.RestoreDomain) (core.Outcome, error)
	Poll(ctx context.Context, a core.Actor, f core.PollFilter) (core.PollPage, error)
	BackendPending(ctx context.Context, a core.Actor, f core.PendingFilter) ([]core.PendingItem, error)

	// EPPLogin authenticates an EPP session: ClID is the channel slug,
	// Password its EPP password; a non-empty NewPassword replaces the
	// password. Source and the client certificate feed the failed-login
	// counters and the certificate binding. The actor holds every registrar
	// scope and is bound to the approved channel.
	EPPLogin(ctx context.Context, l core.EPPLogin) (core.Actor, error)
	// AuthorizeSession re-checks, for each command of a session, that the
	// channel is still approved (refreshing its listings) and counts the
	// command against the channel's rate limit, in the counters REST uses.
	AuthorizeSession(ctx context.Context, a core.Actor, command core.Command) (core.Actor, *core.RateDecision, error)
	CheckContacts(ctx context.Context, a core.Actor, cmd core.CheckContacts) ([]core.ContactCheckResult, error)
	InfoContact(ctx context.Context, a core.Actor, id string) (core.ContactView, error)
	CreateContact(ctx context.Context, a core.Actor, cmd core.CreateContact) (core.Outcome, error)
	UpdateContact(ctx context.Context, a core.Actor, cmd core.UpdateContact) (core.Outcome, error)
	DeleteContact(ctx context.Context, a core.Actor, cmd core.DeleteContact) (core.Outcome, error)
	// PollMessages answers the oldest queued message of the channel and the
	// queue length; AckMessage dequeues one (message_not_found otherwise).
	PollMessages(ctx context.Context, a core.Actor) (core.QueueState, error)
	AckMessage(ctx context.Context, a core.Actor, id string) (core.QueueState, error)

	// Transfers (RFC 5731 transfer, RFC 9154 authorization information).
	QueryTransfer(ctx context.Context, a core.Actor, domain string) (core.TransferView, error)
	RequestTransfer(ctx context.Context, a core.Actor, cmd core.RequestTransferCmd) (core.Outcome, error)
	ApproveTransfer(ctx context.Context, a core.Actor, cmd core.TransferAction) (core.Outcome, error)
	RejectTransfer(ctx context.Context, a core.Actor, cmd core.TransferAction) (core.Outcome, error)
	CancelTransfer(ctx context.Context, a core.Actor, cmd core.TransferAction) (core.Outcome, error)
	ListTransfers(ctx context.Context, a core.Actor, f core.TransferFilter) (core.TransferPage, error)
	// InfoDomainWithAuth reads a registration for its sponsor, or for
	// another channel presenting its authorization code.
	InfoDomainWithAuth(ctx context.Context, a core.Actor, domain, authCode string) (core.DomainView, error)
}

// OperatorService is the driving port of the operator API. Every call is
// audited (actor "operator").
type OperatorService interface {
	CreatePartner(ctx context.Context, cmd core.CreatePartner) (core.Partner, error)
	GetPartner(ctx context.Context, id string) (core.Partner, error)
	PatchPartner(ctx context.Context, id string, cmd core.PatchPartner) (core.Partner, error)
	// AdjustGems adds Delta to a partner's balance under its row lock, never
	// below 0, with a ledger entry naming the reason and the operator.
	AdjustGems(ctx context.Context, partnerID string, cmd core.AdjustGems) (core.GemsAdjustment, error)
	CreateNamespace(ctx context.Context, cmd core.CreateNamespace) (core.Namespace, error)
	UpdateNamespace(ctx context.Context, cmd core.UpdateNamespace) (core.Namespace, error)
	ListNamespaces(ctx context.Context) ([]core.Namespace, error)
	CreateChannel(ctx context.Context, cmd core.CreateChannel) (core.Channel, error)
	GetChannel(ctx context.Context, id string) (core.Channel, error)
	PatchChannel(ctx context.Context, id string, cmd core.PatchChannel) (core.Channel, error)
	ApproveChannel(ctx context.Context, id string) (core.Channel, error)
	ApproveProduction(ctx context.Context, cmd core.ApproveProduction) (core.Channel, error)
	AddListing(ctx context.Context, channelID, namespace string) (core.Listing, error)
	ApproveListing(ctx context.Context, channelID, namespace string) (core.Listing, error)
	CreateAPIKey(ctx context.Context, cmd core.CreateAPIKey) (core.NewAPIKey, error)
	RevokeAPIKey(ctx context.Context, id string) (core.APIKey, error)
	ImportDomain(ctx context.Context, cmd core.ImportDomain) (core.DomainView, error)
	ListPending(ctx context.Context, f core.PendingFilter) ([]core.PendingItem, error)
	ApplyPending(ctx context.Context, id string) (core.PendingItem, error)
	FailPending(ctx context.Context, id, reason string) (core.PendingItem, error)
	RetryPending(ctx context.Context, id string) (core.PendingItem, error)
	CreateOTERun(ctx context.Context, channelID, name string) (core.OTERunView, error)
	AttachOTEEvidence(ctx context.Context, runID string, auditEventIDs []string) (core.OTERunView, error)
	GetOTERun(ctx context.Context, runID string) (core.OTERunView, error)
	// EvidenceArchive renders the run's Markdown evidence archive.
	EvidenceArchive(ctx context.Context, runID string) (string, error)
	// SetEPPPassword sets a channel's EPP password (6 to 16 characters,
	// stored hashed with a slow password hash).
	SetEPPPassword(ctx context.Context, channelID, password string) (core.Channel, error)
	// OperatorTransfer approves (serverApproved) or rejects
	// (serverCancelled) a pending transfer; OperatorListTransfers lists
	// every channel's transfers, or one channel's.
	OperatorTransfer(ctx context.Context, domain string, approve bool) (core.TransferView, error)
	OperatorListTransfers(ctx context.Context, f core.TransferFilter) (core.TransferPage, error)
}
