package core

import "time"

// Policy is a namespace's lifecycle policy (RFC 3915 grace periods and the
// periods of the registry's own lifecycle). A change applies to periods that
// start after it: a running period keeps the deadline it was given when it
// started, because the registration stores that deadline.
type Policy struct {
	AddGrace        time.Duration // create refunded on delete; the name freed at once
	RenewGrace      time.Duration // an explicit renew refunded on delete
	AutoRenewGrace  time.Duration // the auto-renewal refunded on delete; an expired name is deleted after it
	TransferGrace   time.Duration // a transfer refunded on delete
	Redemption      time.Duration // a deleted name can be restored
	PendingDelete   time.Duration // after redemption, before the purge
	TransferPending time.Duration // a transfer request waits this long for an answer
	TransferLock    time.Duration // no transfer this long after a create or transfer
	AuthCodeTTL     time.Duration // an authorization code expires after this
	AutoRenew       bool          // renew at expiry when the sponsor can pay
	// RestorePriceGems and TransferPriceGems follow the renew price while nil.
	RestorePriceGems  *Gems
	TransferPriceGems *Gems
}

// DefaultPolicy is the policy of a namespace created without one.
func DefaultPolicy() Policy {
	const day = 24 * time.Hour
	return Policy{
		AddGrace: 5 * day, RenewGrace: 5 * day, AutoRenewGrace: 45 * day, TransferGrace: 5 * day,
		Redemption: 30 * day, PendingDelete: 5 * day, TransferPending: 5 * day, TransferLock: 30 * day,
		AuthCodeTTL: 14 * day, AutoRenew: true,
	}
}

// PolicyPeriod names one period of a policy by its wire name, for
// validation, documents and the operator API.
type PolicyPeriod struct {
	Field string // wire name, e.g. add_grace_period_seconds
	Ptr   func(*Policy) *time.Duration
	About string
}

// PolicyPeriods lists every period of a policy in lifecycle order.
func PolicyPeriods() []PolicyPeriod {
	return []PolicyPeriod{
		{"add_grace_period_seconds", func(p *Policy) *time.Duration { return &p.AddGrace },
			"RFC 3915 add grace: a delete refunds every debit since the create and frees the name at once"},
		{"renew_grace_period_seconds", func(p *Policy) *time.Duration { return &p.RenewGrace },
			"RFC 3915 renew grace: a delete refunds the renewal and takes its years off the expiry"},
		{"auto_renew_grace_period_seconds", func(p *Policy) *time.Duration { return &p.AutoRenewGrace },
			"RFC 3915 auto-renew grace, counted from the expiry: a delete refunds the auto-renewal; an expired name is deleted when it ends"},
		{"transfer_grace_period_seconds", func(p *Policy) *time.Duration { return &p.TransferGrace },
			"RFC 3915 transfer grace: a delete refunds the transfer"},
		{"redemption_period_seconds", func(p *Policy) *time.Duration { return &p.Redemption },
			"RFC 3915 redemption: a deleted name can be restored"},
		{"pending_delete_period_seconds", func(p *Policy) *time.Duration { return &p.PendingDelete },
			"after redemption, before the name is purged and available again"},
		{"transfer_pending_period_seconds", func(p *Policy) *time.Duration { return &p.TransferPending },
			"a transfer request is approved by the registry when the sponsor has not answered within it"},
		{"transfer_lock_period_seconds", func(p *Policy) *time.Duration { return &p.TransferLock },
			"no transfer request within this period after a create or a transfer"},
		{"auth_code_ttl_seconds", func(p *Policy) *time.Duration { return &p.AuthCodeTTL },
			"an authorization code expires this long after it was set"},
	}
}

// MaxPolicyPeriod bounds every period (ten years).
const MaxPolicyPeriod = 10 * 366 * 24 * time.Hour

// Validate refuses a negative or absurd period, a negative price, or a
// period that is not whole seconds.
func (p Policy) Validate() error {
	for _, f := range PolicyPeriods() {
		d := *f.Ptr(&p)
		if d < 0 || d > MaxPolicyPeriod {
			return Invalid(f.Field, "%s must be from 0 to %d seconds", f.Field, int64(MaxPolicyPeriod/time.Second))
		}
		if d%time.Second != 0 {
			return Invalid(f.Field, "%s must be whole seconds", f.Field)
		}
	}
	if p.RestorePriceGems != nil && *p.RestorePriceGems < 0 {
		return Invalid("restore_price_gems", "restore_price_gems must be 0 or more")
	}
	if p.TransferPriceGems != nil && *p.TransferPriceGems < 0 {
		return Invalid("transfer_price_gems", "transfer_price_gems must be 0 or more")
	}
	return nil
}

// RestorePrice is what a restore costs in the namespace.
func (n Namespace) RestorePrice() Gems {
	if n.Policy.RestorePriceGems != nil {
		return *n.Policy.RestorePriceGems
	}
	return n.RenewPriceGems
}

// TransferPrice is what one year of a transfer costs in the namespace.
func (n Namespace) TransferPrice() Gems {
	if n.Policy.TransferPriceGems != nil {
		return *n.Policy.TransferPriceGems
	}
	return n.RenewPriceGems
}
