package core

import "time"

// CreatePartner is the operator's POST /partners.
type CreatePartner struct {
	Name             string
	GemsBalance      Gems
	DNSModuleEnabled bool
}

// PatchPartner is the operator's PATCH /partners/{id}; nil fields stay.
// GemsBalance is the balance the operator wants as of the moment the
// request is read: the difference to the balance read then is applied under
// the row lock, so a debit that commits meanwhile is kept. Reason, optional,
// is recorded on the ledger entry.
type PatchPartner struct {
	GemsBalance      *Gems
	DNSModuleEnabled *bool
	Reason           string
}

// CreateNamespace is the operator's POST /namespaces.
type CreateNamespace struct {
	Name            string
	DNSBackend      string
	CreatePriceGems Gems
	RenewPriceGems  Gems
	ReservedLabels  []string
	ClaimLabels     []string
}

// CreateChannel is the operator's POST /registrar-channels.
type CreateChannel struct {
	PartnerID          string
	Slug               string
	RateLimitPerMinute int // 0: the default
}

// PatchChannel is the operator's PATCH /registrar-channels/{id}.
type PatchChannel struct {
	RateLimitPerMinute *int
	Status             *ChannelStatus
}

// CreateAPIKey is the operator's POST /api-keys: a profile or explicit scopes.
type CreateAPIKey struct {
	PartnerID string
	ChannelID string
	Profile   string
	Scopes    []string
}

// NewAPIKey is a created key with its token, shown once.
type NewAPIKey struct {
	Key   APIKey
	Token string
}

// ImportDomain is the operator's POST /domains/import of a legacy registration.
type ImportDomain struct {
	Domain          string
	ChannelID       string
	ExpiresAt       time.Time
	Registrant      Registrant
	ProtectedLegacy bool
}

// OTERunView is a run with its attached evidence resolved.
type OTERunView struct {
	Run       OTERun
	Channel   Channel
	Events    []AuditEvent
	Checklist []ChecklistItem
}

// ChecklistItem is one OT&E step, passed when attached evidence shows it.
type ChecklistItem struct {
	Step     OTEStep
	Passed   bool
	EventIDs []string
}
