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
	// Policy changes the default policy (DefaultPolicy) where it says.
	Policy PolicyChange
}

// UpdateNamespace is the operator's PATCH /namespaces/{name}: nil fields
// stay as they are. A policy change applies to periods that start after it.
type UpdateNamespace struct {
	Name            string
	CreatePriceGems *Gems
	RenewPriceGems  *Gems
	ReservedLabels  *[]string
	ClaimLabels     *[]string
	Policy          PolicyChange
}

// PolicyChange changes the fields of a policy it names.
type PolicyChange struct {
	// Seconds sets periods by wire name (add_grace_period_seconds, ...).
	Seconds   map[string]int64
	AutoRenew *bool
	// RestorePriceGems and TransferPriceGems set a price; the Follow flags
	// make it follow the renew price again (a JSON null).
	RestorePriceGems          *Gems
	TransferPriceGems         *Gems
	RestorePriceFollowsRenew  bool
	TransferPriceFollowsRenew bool
}

// Empty reports whether the change changes nothing.
func (c PolicyChange) Empty() bool {
	return len(c.Seconds) == 0 && c.AutoRenew == nil && c.RestorePriceGems == nil && c.TransferPriceGems == nil &&
		!c.RestorePriceFollowsRenew && !c.TransferPriceFollowsRenew
}

// Apply answers p changed by c, validated.
func (c PolicyChange) Apply(p Policy) (Policy, error) {
	known := map[string]PolicyPeriod{}
	for _, f := range PolicyPeriods() {
		known[f.Field] = f
	}
	for field, secs := range c.Seconds {
		f, ok := known[field]
		if !ok {
			return p, Invalid(field, "unknown policy field %q", truncate(field))
		}
		if secs < 0 || secs > int64(MaxPolicyPeriod/time.Second) {
			return p, Invalid(field, "%s must be from 0 to %d seconds", field, int64(MaxPolicyPeriod/time.Second))
		}
		*f.Ptr(&p) = time.Duration(secs) * time.Second
	}
	if c.AutoRenew != nil {
		p.AutoRenew = *c.AutoRenew
	}
	if c.RestorePriceFollowsRenew {
		p.RestorePriceGems = nil
	} else if c.RestorePriceGems != nil {
		v := *c.RestorePriceGems
		p.RestorePriceGems = &v
	}
	if c.TransferPriceFollowsRenew {
		p.TransferPriceGems = nil
	} else if c.TransferPriceGems != nil {
		v := *c.TransferPriceGems
		p.TransferPriceGems = &v
	}
	return p, p.Validate()
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
	// EPPClientCertSHA256 binds the EPP client certificate (a SHA-256
	// fingerprint, with or without colons); "" removes the binding.
	EPPClientCertSHA256 *string
}

// ApproveProduction is the operator's POST
// /registrar-channels/{id}/production-approval. Without Force it is refused
// while the channel's latest OT&E run is not ready for production (or the
// channel has no run); Force records the approval anyway, and its audit row
// says so.
type ApproveProduction struct {
	ChannelID string
	Force     bool
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
