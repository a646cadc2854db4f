package core

import (
	"strings"
	"time"
)

// Gems are the registry's prepaid credit, in whole units.
type Gems = int64

// Partner is a company with a Gems balance and optional modules.
type Partner struct {
	ID               string
	Name             string
	GemsBalance      Gems
	DNSModuleEnabled bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// ChannelStatus is the admission state of a registrar channel.
type ChannelStatus string

const (
	ChannelPending   ChannelStatus = "pending"
	ChannelApproved  ChannelStatus = "approved"
	ChannelSuspended ChannelStatus = "suspended"
)

// Valid reports whether s is a known channel status.
func (s ChannelStatus) Valid() bool {
	return s == ChannelPending || s == ChannelApproved || s == ChannelSuspended
}

// DefaultRateLimitPerMinute is the contract's default per-channel limit.
const DefaultRateLimitPerMinute = 120

// Channel is a partner's registrar integration identity.
type Channel struct {
	ID                   string
	PartnerID            string
	Slug                 string
	Status               ChannelStatus
	ProductionApproved   bool
	ProductionApprovedAt *time.Time
	RateLimitPerMinute   int
	EPPPasswordHash      string // empty: no EPP password set
	CreatedAt            time.Time
	UpdatedAt            time.Time

	// EPPClientCertSHA256 is the SHA-256 fingerprint (CertFingerprint's
	// form) of the TLS client certificate EPP logins of this channel present
	// where client certificates are required; empty: none bound.
	EPPClientCertSHA256 string
}

// APIKey is a partner's bearer credential. The token itself is never stored:
// only its SHA-256 hash (TokenHash) and a short display prefix.
type APIKey struct {
	ID          string
	PartnerID   string
	ChannelID   string // empty when not bound to a channel
	Profile     string // e.g. "registrar_api", or empty when scopes are listed
	Scopes      []string
	TokenHash   string
	TokenPrefix string
	CreatedAt   time.Time
	RevokedAt   *time.Time
}

// Revoked reports whether the key has been revoked.
func (k APIKey) Revoked() bool { return k.RevokedAt != nil }

// DNS backend kinds a namespace may use.
const (
	DNSBackendNone    = "none"
	DNSBackendMemory  = "memory"
	DNSBackendRFC2136 = "rfc2136"
)

// Namespace is a top-level name the registry sells.
type Namespace struct {
	Name            string // A-label
	DNSBackend      string // none, memory, rfc2136
	CreatePriceGems Gems
	RenewPriceGems  Gems
	ReservedLabels  []string // A-labels
	ClaimLabels     []string // A-labels
	Policy          Policy   // lifecycle periods and prices (see DefaultPolicy)
	CreatedAt       time.Time

	lookalikes *labelIndex // skeletons of the lists above, see Indexed
}

// IsReserved reports whether label (an A-label) is reserved in the
// namespace: listed, or confusable with a listed label (UTS #39 skeleton).
func (n Namespace) IsReserved(label string) bool {
	var set skeletonSet
	if n.lookalikes != nil {
		set = n.lookalikes.reserved
	}
	return listedOrLookalike(n.ReservedLabels, set, label)
}

// IsClaim reports whether label (an A-label) needs a claims acknowledgement:
// listed, or confusable with a listed label (UTS #39 skeleton). The OT&E
// claim fixtures (ote-claim-{slug}) are claim-required in every namespace so
// that every channel can certify the claims flow.
func (n Namespace) IsClaim(label string) bool {
	var set skeletonSet
	if n.lookalikes != nil {
		set = n.lookalikes.claim
	}
	return listedOrLookalike(n.ClaimLabels, set, label) || strings.HasPrefix(label, FixtureLabel("claim", ""))
}

// Indexed returns the namespace with the confusable skeletons of its
// reserved and claim labels computed once, so that IsReserved and IsClaim
// cost one skeleton and one map look-up instead of one skeleton per listed
// label. The index describes the lists as they are now: index again after
// changing them.
func (n Namespace) Indexed() Namespace {
	n.lookalikes = &labelIndex{reserved: newSkeletonSet(n.ReservedLabels), claim: newSkeletonSet(n.ClaimLabels)}
	return n
}

// ListingStatus is the approval state of a channel for a namespace.
type ListingStatus string

const (
	ListingPending  ListingStatus = "pending"
	ListingApproved ListingStatus = "approved"
)

// Listing approves one channel for one namespace.
type Listing struct {
	ChannelID  string
	Namespace  string
	Status     ListingStatus
	CreatedAt  time.Time
	ApprovedAt *time.Time
}

// Registrant is the contact data of a registration.
type Registrant struct {
	Name         string
	Organization string
	Email        string
	Phone        string
	Country      string
	Metadata     map[string]string
}

// ClaimAcknowledgement records acceptance of a trademark claims notice (RFC 8334).
type ClaimAcknowledgement struct {
	NoticeID   string
	AcceptedAt time.Time
}

// Nameserver apply statuses.
const (
	ApplyNone    = "none"    // nothing desired yet
	ApplyPending = "pending" // desired differs from applied; work queued
	ApplyApplied = "applied" // desired equals applied
	ApplyFailed  = "failed"  // the last apply failed
)

// Record is one DNS resource record of a registration's zone data.
type Record struct {
	Type     string // A, AAAA, CNAME, MX, TXT, CAA, SRV
	Name     string // relative owner, "@" for the apex
	TTL      int
	Value    string
	Priority *int // MX and SRV
}

// DNSCapabilities tells what a DNS backend driver can do.
type DNSCapabilities struct {
	Kind        string
	Read        bool
	Write       bool
	Delegate    bool
	RecordTypes []string
}

// LedgerEntry is one movement of a partner's Gems. Debits are negative.
type LedgerEntry struct {
	ID        string
	PartnerID string
	ChannelID string
	AuditID   string
	Command   string
	Domain    string
	Amount    Gems
	Balance   Gems // the balance after this entry
	CreatedAt time.Time
	// Reason says what the movement was for: for the registry's own
	// entries a word (create, renew, restore, auto_renew, refund_create,
	// refund_renew, refund_auto_renew, refund_transfer, ...), for an
	// operator's the reason the operator gave.
	Reason string
	// Actor is who moved the balance: registrar, registry or operator.
	Actor string
}

// Audit statuses.
const (
	AuditSuccess = "success"
	AuditSandbox = "sandbox"
	AuditFailed  = "failed"
)

// AuditEvent is one registry command audit row. Summaries are already
// redacted (see Summarize) and safe to show to the sponsoring registrar.
type AuditEvent struct {
	ID              string
	ChannelID       string // empty for operator actions
	ChannelSlug     string
	APIKeyID        string
	Actor           string // "registrar" or "operator"
	Command         string
	Domain          string
	IdempotencyKey  string
	Status          string
	HTTPStatus      int
	RequestSummary  map[string]any
	ResponseSummary map[string]any
	CreatedAt       time.Time

	// RequestSummaryJSON and ResponseSummaryJSON, when not nil, hold the
	// summaries already encoded, in place of the maps (nil then): a JSON
	// object written as encoding/json writes the map decoded from it with
	// HTML escaping off (compact, keys sorted bytewise; a missing summary
	// is {}). A store answers them when asked (ports.AuditQuery's
	// EncodedSummaries) and it keeps its summaries as JSON, so that a poll
	// page passes them through without decoding and encoding them again.
	// They are read only: a store writes the maps.
	RequestSummaryJSON  []byte
	ResponseSummaryJSON []byte
}

// Pending work statuses.
const (
	PendingQueued  = "pending"
	PendingApplied = "applied"
	PendingFailed  = "failed"
)

// PendingItem is backend apply work left by a successful command.
type PendingItem struct {
	ID        string
	AuditID   string
	ChannelID string
	Command   string
	Domain    string
	DomainID  string
	Payload   map[string]any
	Status    string
	Reason    string
	Attempts  int
	NextTryAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// OTERun is a named OT&E certification run with attached audit evidence.
type OTERun struct {
	ID        string
	ChannelID string
	Name      string
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
	EventIDs  []string // attached audit event ids, in attach order, no duplicates
}

// IdempotencyRecord is the stored result of a mutating command for replay.
type IdempotencyRecord struct {
	ChannelID   string
	Key         string
	Command     string
	Domain      string
	Fingerprint string
	Sandbox     bool
	AuditID     string
	Result      []byte // the encoded Outcome; empty while the command runs
	CreatedAt   time.Time
}

// RateDecision is the result of counting one request against a window.
type RateDecision struct {
	Allowed   bool
	Limit     int
	Remaining int
	Reset     time.Time // when the window ends
	Window    time.Duration
}

// RetryAfter is the whole seconds until the window ends (at least 1).
func (d RateDecision) RetryAfter(now time.Time) int {
	s := int((d.Reset.Sub(now) + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}
