package core

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"
)

// Command is a registrar command's wire name.
type Command string

const (
	CmdStatus            Command = "status"
	CmdSandboxReset      Command = "sandbox_reset"
	CmdCheckDomain       Command = "check_domain"
	CmdCreateDomain      Command = "create_domain"
	CmdInfoDomain        Command = "info_domain"
	CmdRenewDomain       Command = "renew_domain"
	CmdUpdateDomain      Command = "update_domain"
	CmdUpdateNameservers Command = "update_nameservers"
	CmdReadRecords       Command = "read_records"
	CmdUpdateRecords     Command = "update_records"
	CmdDeleteDomain      Command = "delete_domain"
	CmdRestoreDomain     Command = "restore_domain"
	CmdPoll              Command = "poll"
	CmdBackendPending    Command = "backend_pending"
	CmdQueryTransfer     Command = "query_transfer"
	CmdRequestTransfer   Command = "request_transfer"
	CmdApproveTransfer   Command = "approve_transfer"
	CmdRejectTransfer    Command = "reject_transfer"
	CmdCancelTransfer    Command = "cancel_transfer"
	CmdListTransfers     Command = "list_transfers"
)

// CmdTransferNotice is the audit command of the row a transfer step leaves
// in the other side's /poll (actor registry).
const CmdTransferNotice Command = "transfer_notice"

// CmdTransferDomain is the backend work an approved transfer queues in the
// gaining channel's pending list.
const CmdTransferDomain Command = "transfer_domain"

// Commands of the contact objects (RFC 5733). They have no REST route yet and
// so are not in Commands(); EPP runs them through the same pipeline, and they
// share the per-channel rate-limit counters under these names.
const (
	CmdCheckContact  Command = "check_contact"
	CmdInfoContact   Command = "info_contact"
	CmdCreateContact Command = "create_contact"
	CmdUpdateContact Command = "update_contact"
	CmdDeleteContact Command = "delete_contact"
)

// CommandSpec describes one registrar command for routing, scopes and /status.
type CommandSpec struct {
	Command  Command
	Method   string
	Path     string // relative to the registrar API base
	Scopes   []string
	Mutating bool
	// Sandboxable: the command can run in OT&E (sandbox mutations, reads, reset).
	Sandboxable bool
	// NeedsDNS: the command touches DNS records (module and backend checks).
	NeedsDNS bool
	Summary  string
}

// Registrar scopes. The profile ProfileRegistrarAPI grants all of them.
const (
	ScopeSandboxReset   = "registrar:sandbox"
	ScopeDomainsCheck   = "domains:check"
	ScopeDomainsCreate  = "domains:create"
	ScopeDomainsRead    = "domains:read"
	ScopeDomainsRenew   = "domains:renew"
	ScopeDomainsUpdate  = "domains:update"
	ScopeNameservers    = "domains:nameservers"
	ScopeDomainsDelete  = "domains:delete"
	ScopeDomainsRestore = "domains:restore"
	ScopeRecordsRead    = "dns:read"
	ScopeRecordsWrite   = "dns:write"
	ScopePoll           = "audit:read"
	ScopeBackendRead    = "backend:read"
	ScopeTransfersRead  = "transfers:read"
	ScopeTransfersWrite = "transfers:write"

	ProfileRegistrarAPI = "registrar_api"
)

var commandSpecs = []CommandSpec{
	{CmdStatus, "GET", "/status", nil, false, true, false,
		"Verify credential, channel, namespace listings, production approval, sandbox readiness, rate-limit state, and supported command scopes."},
	{CmdSandboxReset, "POST", "/sandbox/reset", []string{ScopeSandboxReset}, false, true, false,
		"Reset OT&E fixture domains for safe lifecycle testing."},
	{CmdCheckDomain, "POST", "/domains/check", []string{ScopeDomainsCheck}, false, true, false,
		"Check availability for a label or fully qualified SLD."},
	{CmdCreateDomain, "POST", "/domains", []string{ScopeDomainsCreate}, true, true, false,
		"Create a registration through the internal registry service."},
	{CmdInfoDomain, "GET", "/domains/{domain}", []string{ScopeDomainsRead}, false, true, false,
		"Read registration status, namespace, backend references, nameservers, and lifecycle state."},
	{CmdRenewDomain, "POST", "/domains/{domain}/renew", []string{ScopeDomainsRenew}, true, true, false,
		"Renew a registration and debit partner Gems when applicable."},
	{CmdUpdateDomain, "PATCH", "/domains/{domain}", []string{ScopeDomainsUpdate}, true, true, false,
		"Update registrant metadata or selected lifecycle status fields."},
	{CmdUpdateNameservers, "PUT", "/domains/{domain}/nameservers", []string{ScopeNameservers}, true, true, false,
		"Store desired nameserver state and audit it. Backend apply may remain pending."},
	{CmdReadRecords, "GET", "/domains/{domain}/records", []string{ScopeRecordsRead}, false, true, true,
		"Read supported DNS records through the registry service and backend adapter."},
	{CmdUpdateRecords, "PUT", "/domains/{domain}/records", []string{ScopeRecordsWrite}, true, true, true,
		"Apply supported DNS records. Sandbox mode validates and audits without backend writes."},
	{CmdDeleteDomain, "DELETE", "/domains/{domain}", []string{ScopeDomainsDelete}, true, true, false,
		"Cancel a registration lifecycle record. This is not a hard database delete."},
	{CmdRestoreDomain, "POST", "/domains/{domain}/restore", []string{ScopeDomainsRestore}, true, true, false,
		"Restore a registration in redemption (RFC 3915): active again with its delegation, for the restore price (plus one renewal year when its expiry has passed)."},
	{CmdPoll, "GET", "/poll", []string{ScopePoll}, false, true, false,
		"Read recent registry command audit events, optionally filtered by idempotency key, command, status, domain, timestamp, or limit."},
	{CmdBackendPending, "GET", "/backend/pending", []string{ScopeBackendRead}, false, true, false,
		"Review pending backend apply work for registrar-visible lifecycle commands."},
	{CmdQueryTransfer, "GET", "/domains/{domain}/transfer", []string{ScopeTransfersRead}, false, true, false,
		"Read the latest transfer of a registration (RFC 5731 transfer query): the sponsor or the channel that requested it."},
	{CmdRequestTransfer, "POST", "/domains/{domain}/transfer", []string{ScopeTransfersWrite}, true, true, false,
		"Request the transfer of another channel's registration with its authorization code (RFC 9154); debits transfer_price_gems × years at once."},
	{CmdApproveTransfer, "POST", "/domains/{domain}/transfer/approve", []string{ScopeTransfersWrite}, true, true, false,
		"Approve a pending transfer of a registration the channel sponsors: the requesting channel sponsors it from now on."},
	{CmdRejectTransfer, "POST", "/domains/{domain}/transfer/reject", []string{ScopeTransfersWrite}, true, true, false,
		"Reject a pending transfer of a registration the channel sponsors; the requesting partner is refunded."},
	{CmdCancelTransfer, "POST", "/domains/{domain}/transfer/cancel", []string{ScopeTransfersWrite}, true, true, false,
		"Cancel a transfer the channel requested while it is pending; the channel's partner is refunded."},
	{CmdListTransfers, "GET", "/transfers", []string{ScopeTransfersRead}, false, true, false,
		"List the transfers the channel requested (role gaining) or whose registration it sponsored (role losing), optionally by status."},
}

// Commands returns every registrar command in contract order.
func Commands() []CommandSpec {
	out := make([]CommandSpec, len(commandSpecs))
	copy(out, commandSpecs)
	return out
}

// SpecOfCommand returns the spec of a command.
func SpecOfCommand(c Command) (CommandSpec, bool) {
	for _, s := range commandSpecs {
		if s.Command == c {
			return s, true
		}
	}
	return CommandSpec{}, false
}

// AllScopes lists every registrar scope.
func AllScopes() []string {
	return []string{ScopeSandboxReset, ScopeDomainsCheck, ScopeDomainsCreate, ScopeDomainsRead, ScopeDomainsRenew,
		ScopeDomainsUpdate, ScopeNameservers, ScopeDomainsDelete, ScopeDomainsRestore, ScopeRecordsRead, ScopeRecordsWrite, ScopePoll,
		ScopeBackendRead, ScopeTransfersRead, ScopeTransfersWrite}
}

// Profiles maps a key profile to the scopes it grants.
func Profiles() map[string][]string {
	return map[string][]string{ProfileRegistrarAPI: AllScopes()}
}

// Actor is an authenticated registrar credential with everything the access
// rules need, resolved once per request.
type Actor struct {
	APIKey   APIKey
	Partner  Partner
	Channel  *Channel // nil when the key is not bound to a channel
	Scopes   []string // effective scopes (profile expanded)
	Listings []Listing
}

// ChannelID is the bound channel's id, or "".
func (a Actor) ChannelID() string {
	if a.Channel == nil {
		return ""
	}
	return a.Channel.ID
}

// ChannelApproved reports whether the key is bound to an approved channel.
func (a Actor) ChannelApproved() bool { return a.Channel != nil && a.Channel.Status == ChannelApproved }

// Payer is the partner and channel the actor's commands are charged to.
func (a Actor) Payer() Payer { return Payer{PartnerID: a.Partner.ID, ChannelID: a.ChannelID()} }

// HasScope reports whether the key carries scope s.
func (a Actor) HasScope(s string) bool { return slices.Contains(a.Scopes, s) }

// MissingScopes lists the scopes of spec that the key lacks.
func (a Actor) MissingScopes(spec CommandSpec) []string {
	out := []string{}
	for _, s := range spec.Scopes {
		if !a.HasScope(s) {
			out = append(out, s)
		}
	}
	return out
}

// NamespaceApproved reports whether the channel has an approved listing for ns.
func (a Actor) NamespaceApproved(ns string) bool {
	for _, l := range a.Listings {
		if l.Namespace == ns && l.Status == ListingApproved {
			return true
		}
	}
	return false
}

// ApprovedNamespaces lists the namespaces the channel may use.
func (a Actor) ApprovedNamespaces() []string {
	out := []string{}
	for _, l := range a.Listings {
		if l.Status == ListingApproved {
			out = append(out, l.Namespace)
		}
	}
	return out
}

// HashToken is how API key tokens are stored: hex SHA-256. Tokens are 256-bit
// random values, so a fast hash is enough (no password stretching needed).
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Mutation carries what every mutating command shares.
type Mutation struct {
	IdempotencyKey string
	Sandbox        bool
}

// CreateDomain is the create_domain command.
type CreateDomain struct {
	Mutation
	Domain      string
	Years       int
	Registrant  Registrant
	Nameservers []string
	Claim       *ClaimAcknowledgement
	// RegistrantContactID names a contact of the channel (RFC 5733) instead
	// of inline registrant data; the domain stores the id and a copy of the
	// contact's data as its Registrant.
	RegistrantContactID string
	// AuthCode, when not "", is the registration's first authorization code.
	AuthCode string
}

// RenewDomain is the renew_domain command.
type RenewDomain struct {
	Mutation
	Domain           string
	Years            int
	CurrentExpiresAt time.Time
	// CurrentExpiryDateOnly compares only the UTC date of CurrentExpiresAt
	// with the expiry (EPP curExpDate is a date, RFC 5731 §3.2.3).
	CurrentExpiryDateOnly bool
}

// UpdateDomain is the update_domain command.
type UpdateDomain struct {
	Mutation
	Domain     string
	Registrant *Registrant // replaces it when set
	Statuses   StatusChange
	// RegistrantContactID, when set, replaces the registrant with a copy of
	// that contact of the channel (EPP <domain:chg><domain:registrant>).
	RegistrantContactID string
	// AuthCode, when non-nil, sets the authorization code (RFC 9154); ""
	// unsets it.
	AuthCode *string
}

// RestoreDomain is the restore_domain command (RFC 3915 restore request,
// optionally with its report).
type RestoreDomain struct {
	Mutation
	Domain string
	Report *RestoreReport
}

// RestoreReport is the RFC 3915 restore report a registrar may send with a
// restore; it is kept in the audit row.
type RestoreReport struct {
	PreData     string
	PostData    string
	DeleteTime  time.Time
	RestoreTime time.Time
	Reason      string
	Statements  []string
}

// Validate checks a report's sizes (a nil report is valid).
func (r *RestoreReport) Validate() error {
	if r == nil {
		return nil
	}
	if len(r.PreData) > 8192 || len(r.PostData) > 8192 || len(r.Reason) > 2048 {
		return Invalid("report", "report pre_data and post_data are at most 8192 characters, reason at most 2048")
	}
	if len(r.Statements) > 10 {
		return Invalid("report.statements", "report has at most 10 statements")
	}
	for _, st := range r.Statements {
		if len(st) > 2048 {
			return Invalid("report.statements", "each statement is at most 2048 characters")
		}
	}
	return nil
}

// Summary is the report as the audit row keeps it.
func (r *RestoreReport) Summary() map[string]any {
	if r == nil {
		return nil
	}
	m := map[string]any{"pre_data": r.PreData, "post_data": r.PostData, "reason": r.Reason,
		"statements": append([]string{}, r.Statements...)}
	if !r.DeleteTime.IsZero() {
		m["delete_time"] = r.DeleteTime.UTC().Format(time.RFC3339)
	}
	if !r.RestoreTime.IsZero() {
		m["restore_time"] = r.RestoreTime.UTC().Format(time.RFC3339)
	}
	return m
}

// UpdateNameservers is the update_nameservers command.
type UpdateNameservers struct {
	Mutation
	Domain      string
	Nameservers []string
}

// UpdateRecords is the update_records command.
type UpdateRecords struct {
	Mutation
	Domain  string
	Records []Record
}

// DeleteDomain is the delete_domain command.
type DeleteDomain struct {
	Mutation
	Domain string
}

// CheckDomains is the check_domain command.
type CheckDomains struct {
	Names []string
}

// CheckResult is one name's availability.
type CheckResult struct {
	Name      string // A-label
	Available bool
	Reason    string // registered, reserved, claim_required, or ""
	PriceGems Gems
}

// DomainView is a registration as clients see it at one instant.
type DomainView struct {
	ID                 string
	Name               string
	UnicodeName        string
	Label              string
	Namespace          string
	State              State
	Statuses           []string
	ChannelID          string
	CreatedAt          time.Time
	UpdatedAt          time.Time
	ExpiresAt          time.Time
	Registrant         Registrant
	NameserversDesired []string
	NameserversApplied []string
	ApplyStatus        string
	BackendKind        string
	BackendReference   string
	ProtectedLegacy    bool
	OTESandbox         bool
	Imported           bool
	// RegistrantContactID is the contact the registrant data came from, or "".
	RegistrantContactID string
	// AuthCodeSet: an unexpired authorization code is set (never the code).
	AuthCodeSet       bool
	AuthCodeExpiresAt *time.Time
	TransferredAt     *time.Time
	// ChannelSlug is the sponsor's slug where the read filled it in (a
	// non-sponsor's read with the authorization code), else "".
	ChannelSlug string
}

// ViewOf renders d at now.
func ViewOf(d *Domain, now time.Time) DomainView {
	return DomainView{
		ID: d.ID, Name: d.Name.String(), UnicodeName: d.Name.Unicode(), Label: d.Name.Label(),
		Namespace: d.Name.Namespace(), State: d.EffectiveState(now), Statuses: d.EffectiveStatuses(now),
		ChannelID: d.ChannelID, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, ExpiresAt: d.ExpiresAt,
		Registrant: d.Registrant, NameserversDesired: nonNil(d.NameserversDesired),
		NameserversApplied: nonNil(d.NameserversApplied), ApplyStatus: d.ApplyStatus,
		BackendKind: d.BackendKind, BackendReference: d.BackendReference,
		ProtectedLegacy: d.ProtectedLegacy, OTESandbox: d.OTESandbox, Imported: d.Imported,
		RegistrantContactID: d.RegistrantContactID,
		AuthCodeSet:         d.AuthCodeSet(now),
		AuthCodeExpiresAt:   authCodeExpiry(d, now),
		TransferredAt:       d.TransferredAt,
	}
}

func authCodeExpiry(d *Domain, now time.Time) *time.Time {
	if !d.AuthCodeSet(now) || d.AuthCodeExpiresAt == nil {
		return nil
	}
	t := *d.AuthCodeExpiresAt
	return &t
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Outcome is the result of a mutating command, as recorded for replay.
type Outcome struct {
	Command        Command
	Status         string // success or sandbox
	Sandbox        bool
	Idempotent     bool
	IdempotencyKey string
	AuditID        string
	Domain         *DomainView
	Records        []Record
	Freed          bool // delete: the name was freed within add grace
	RefundedGems   Gems
	// DebitedGems is the command's price. Only a production command debits
	// it; a sandbox command debits nothing. Transports and audit summaries
	// read Debited and WouldDebit, never this field.
	DebitedGems Gems
	PendingID   string // backend work queued by this command, if any
	// Contact is the contact after a contact command.
	Contact *ContactView
	// Transfer is the transfer after a transfer command.
	Transfer *TransferView
}

// Debited is what the command debited from the partner's balance: its price
// in production, nothing in sandbox.
func (o Outcome) Debited() Gems {
	if o.Sandbox {
		return 0
	}
	return o.DebitedGems
}

// WouldDebit is what a sandbox command would have debited in production
// (nothing was); zero for a production command.
func (o Outcome) WouldDebit() Gems {
	if !o.Sandbox {
		return 0
	}
	return o.DebitedGems
}

// SuccessHTTPStatus is the status code a transport answers for o.
func (o Outcome) SuccessHTTPStatus() int {
	switch {
	case o.Sandbox:
		return 202
	case o.Command == CmdCreateDomain, o.Command == CmdRequestTransfer:
		return 201
	default:
		return 200
	}
}

// RecordsView answers read_records.
type RecordsView struct {
	Domain  string
	Records []Record
	Backend DNSCapabilities
}

// PollFilter filters GET /poll.
type PollFilter struct {
	IdempotencyKey string
	Command        string
	Status         string
	Domain         string
	Since          *time.Time
	Limit          int
	Cursor         string
}

// PollPage is one page of audit events.
type PollPage struct {
	Events     []AuditEvent
	NextCursor string // "" on the last page
}

// PendingFilter filters backend pending work.
type PendingFilter struct {
	ChannelID string // "" for every channel (operators)
	Command   string
	Domain    string
	Status    string // default pending
	Limit     int
}

// SandboxFixture is one fixture of POST /sandbox/reset.
type SandboxFixture struct {
	Purpose   string
	Domain    string
	ContactID string
	Skipped   bool
	Reason    string
	// AuthCode is the transfer fixture's authorization code, generated at
	// every reset and answered only by that reset (only its hash is stored).
	AuthCode string
}
