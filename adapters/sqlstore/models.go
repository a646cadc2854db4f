package sqlstore

import (
	"github.com/uptrace/bun"
)

// Rows as the tables hold them. Lists and maps are JSON text (jsonb on
// PostgreSQL); instants are timestamps; optional references are NULL when
// empty (nullzero) so that foreign keys can hold.

type partnerRow struct {
	bun.BaseModel `bun:"table:partners"`

	ID               string    `bun:"id,pk"`
	Name             string    `bun:"name"`
	GemsBalance      int64     `bun:"gems_balance"`
	DNSModuleEnabled bool      `bun:"dns_module_enabled"`
	CreatedAt        timestamp `bun:"created_at"`
	UpdatedAt        timestamp `bun:"updated_at"`
}

type channelRow struct {
	bun.BaseModel `bun:"table:channels"`

	ID                   string     `bun:"id,pk"`
	PartnerID            string     `bun:"partner_id"`
	Slug                 string     `bun:"slug"`
	Status               string     `bun:"status"`
	ProductionApproved   bool       `bun:"production_approved"`
	ProductionApprovedAt *timestamp `bun:"production_approved_at"`
	RateLimitPerMinute   int        `bun:"rate_limit_per_minute"`
	EPPPasswordHash      string     `bun:"epp_password_hash"`
	CreatedAt            timestamp  `bun:"created_at"`
	UpdatedAt            timestamp  `bun:"updated_at"`

	EPPClientCertSHA256 string `bun:"epp_client_cert_sha256"`
}

type apiKeyRow struct {
	bun.BaseModel `bun:"table:api_keys"`

	ID          string     `bun:"id,pk"`
	PartnerID   string     `bun:"partner_id"`
	ChannelID   string     `bun:"channel_id,nullzero"`
	Profile     string     `bun:"profile"`
	Scopes      string     `bun:"scopes"`
	TokenHash   string     `bun:"token_hash"`
	TokenPrefix string     `bun:"token_prefix"`
	CreatedAt   timestamp  `bun:"created_at"`
	RevokedAt   *timestamp `bun:"revoked_at"`
}

type namespaceRow struct {
	bun.BaseModel `bun:"table:namespaces"`

	Name            string    `bun:"name,pk"`
	DNSBackend      string    `bun:"dns_backend"`
	CreatePriceGems int64     `bun:"create_price_gems"`
	RenewPriceGems  int64     `bun:"renew_price_gems"`
	ReservedLabels  string    `bun:"reserved_labels"`
	ClaimLabels     string    `bun:"claim_labels"`
	CreatedAt       timestamp `bun:"created_at"`
	// Added by the lifecycle migration: the namespace's policy.
	AddGraceSeconds        int64  `bun:"add_grace_period_seconds"`
	RenewGraceSeconds      int64  `bun:"renew_grace_period_seconds"`
	AutoRenewGraceSeconds  int64  `bun:"auto_renew_grace_period_seconds"`
	TransferGraceSeconds   int64  `bun:"transfer_grace_period_seconds"`
	RedemptionSeconds      int64  `bun:"redemption_period_seconds"`
	PendingDeleteSeconds   int64  `bun:"pending_delete_period_seconds"`
	TransferPendingSeconds int64  `bun:"transfer_pending_period_seconds"`
	TransferLockSeconds    int64  `bun:"transfer_lock_period_seconds"`
	AuthCodeTTLSeconds     int64  `bun:"auth_code_ttl_seconds"`
	AutoRenew              bool   `bun:"auto_renew"`
	RestorePriceGems       *int64 `bun:"restore_price_gems"`
	TransferPriceGems      *int64 `bun:"transfer_price_gems"`
}

type listingRow struct {
	bun.BaseModel `bun:"table:listings"`

	ChannelID  string     `bun:"channel_id,pk"`
	Namespace  string     `bun:"namespace,pk"`
	Status     string     `bun:"status"`
	CreatedAt  timestamp  `bun:"created_at"`
	ApprovedAt *timestamp `bun:"approved_at"`
}

type domainRow struct {
	bun.BaseModel `bun:"table:domains"`

	ID                 string     `bun:"id,pk"`
	Name               string     `bun:"name"`
	Label              string     `bun:"label"`
	Namespace          string     `bun:"namespace"`
	ChannelID          string     `bun:"channel_id"`
	PartnerID          string     `bun:"partner_id"`
	State              string     `bun:"state"`
	Statuses           string     `bun:"statuses"`
	Registrant         string     `bun:"registrant"`
	NameserversDesired string     `bun:"nameservers_desired"`
	NameserversApplied string     `bun:"nameservers_applied"`
	ApplyStatus        string     `bun:"apply_status"`
	BackendKind        string     `bun:"backend_kind"`
	BackendReference   string     `bun:"backend_reference"`
	ProtectedLegacy    bool       `bun:"protected_legacy"`
	OTESandbox         bool       `bun:"ote_sandbox"`
	Imported           bool       `bun:"imported"`
	CreatePaidGems     int64      `bun:"create_paid_gems"`
	CreatedAt          timestamp  `bun:"created_at"`
	UpdatedAt          timestamp  `bun:"updated_at"`
	ExpiresAt          timestamp  `bun:"expires_at"`
	LastRenewedAt      *timestamp `bun:"last_renewed_at"`
	DeletedAt          *timestamp `bun:"deleted_at"`
	ClaimNoticeID      *string    `bun:"claim_notice_id"`
	ClaimAcceptedAt    *timestamp `bun:"claim_accepted_at"`
	// Added by the contacts migration.
	RegistrantContactID string `bun:"registrant_contact_id,nullzero"`
	// Added by the lifecycle migration.
	Grace       *string    `bun:"grace"`
	StateEndsAt *timestamp `bun:"state_ends_at"`
	DueAt       *timestamp `bun:"due_at"` // core.Domain.NextDue, for the maintenance loop
	// Added by the transfers migration.
	Transfer                 *string    `bun:"transfer"`
	TransferStatus           string     `bun:"transfer_status"`
	TransferGainingChannelID string     `bun:"transfer_gaining_channel_id"`
	TransferLosingChannelID  string     `bun:"transfer_losing_channel_id"`
	AuthCodeHash             string     `bun:"auth_code_hash"`
	AuthCodeSetAt            *timestamp `bun:"auth_code_set_at"`
	AuthCodeExpiresAt        *timestamp `bun:"auth_code_expires_at"`
	TransferredAt            *timestamp `bun:"transferred_at"`
}

type ledgerRow struct {
	bun.BaseModel `bun:"table:ledger_entries"`

	ID        string    `bun:"id,pk"`
	PartnerID string    `bun:"partner_id"`
	ChannelID string    `bun:"channel_id"`
	AuditID   string    `bun:"audit_id"`
	Command   string    `bun:"command"`
	Domain    string    `bun:"domain"`
	Amount    int64     `bun:"amount"`
	Balance   int64     `bun:"balance"`
	CreatedAt timestamp `bun:"created_at"`
	// Added by the ledger reason migration.
	Reason string `bun:"reason"`
	Actor  string `bun:"actor"`
}

type auditRow struct {
	bun.BaseModel `bun:"table:audit_events"`

	ID              string    `bun:"id,pk"`
	ChannelID       string    `bun:"channel_id"`
	ChannelSlug     string    `bun:"channel_slug"`
	APIKeyID        string    `bun:"api_key_id"`
	Actor           string    `bun:"actor"`
	Command         string    `bun:"command"`
	Domain          string    `bun:"domain"`
	IdempotencyKey  string    `bun:"idempotency_key"`
	Status          string    `bun:"status"`
	HTTPStatus      int       `bun:"http_status"`
	RequestSummary  string    `bun:"request_summary"`
	ResponseSummary string    `bun:"response_summary"`
	CreatedAt       timestamp `bun:"created_at"`
}

type idempotencyRow struct {
	bun.BaseModel `bun:"table:idempotency_records"`

	ChannelID      string    `bun:"channel_id,pk"`
	IdempotencyKey string    `bun:"idempotency_key,pk"`
	Command        string    `bun:"command"`
	Domain         string    `bun:"domain"`
	Fingerprint    string    `bun:"fingerprint"`
	Sandbox        bool      `bun:"sandbox"`
	AuditID        string    `bun:"audit_id"`
	Result         []byte    `bun:"result"`
	CreatedAt      timestamp `bun:"created_at"`
}

type pendingRow struct {
	bun.BaseModel `bun:"table:pending_items"`

	ID        string    `bun:"id,pk"`
	AuditID   string    `bun:"audit_id"`
	ChannelID string    `bun:"channel_id"`
	Command   string    `bun:"command"`
	Domain    string    `bun:"domain"`
	DomainID  string    `bun:"domain_id,nullzero"`
	Payload   string    `bun:"payload"`
	Status    string    `bun:"status"`
	Reason    string    `bun:"reason"`
	Attempts  int       `bun:"attempts"`
	NextTryAt timestamp `bun:"next_try_at"`
	CreatedAt timestamp `bun:"created_at"`
	UpdatedAt timestamp `bun:"updated_at"`
}

type oteRunRow struct {
	bun.BaseModel `bun:"table:ote_runs"`

	ID        string    `bun:"id,pk"`
	ChannelID string    `bun:"channel_id"`
	Name      string    `bun:"name"`
	CreatedBy string    `bun:"created_by"`
	EventIDs  string    `bun:"event_ids"`
	CreatedAt timestamp `bun:"created_at"`
	UpdatedAt timestamp `bun:"updated_at"`
}
