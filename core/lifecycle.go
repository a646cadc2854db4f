package core

import (
	"slices"
	"sort"
	"time"
)

// The default lifecycle periods (DefaultPolicy), for documents.
const (
	AddGracePeriod   = 5 * 24 * time.Hour
	RenewGracePeriod = 5 * 24 * time.Hour
	RedemptionPeriod = 30 * 24 * time.Hour
	// PendingDeletePeriod follows the redemption period; then the name is purged.
	PendingDeletePeriod = 5 * 24 * time.Hour
	MaxYears            = 10
)

// Domain is a registration aggregate. Its rules live in its methods, each of
// which checks and applies in one step on the row as the command's
// transaction has locked it; adapters persist the fields as they are.
type Domain struct {
	ID                 string
	Name               Name
	ChannelID          string
	PartnerID          string
	State              State
	Statuses           []string // stored client*/server* statuses; grace and state statuses are derived
	Registrant         Registrant
	NameserversDesired []string
	NameserversApplied []string
	ApplyStatus        string
	BackendKind        string
	BackendReference   string
	ProtectedLegacy    bool
	OTESandbox         bool
	Imported           bool
	CreatePaidGems     Gems // what the create debited
	CreatedAt          time.Time
	UpdatedAt          time.Time
	ExpiresAt          time.Time
	LastRenewedAt      *time.Time
	DeletedAt          *time.Time
	Claim              *ClaimAcknowledgement
	// RegistrantContactID is the contact the registrant was copied from, or "".
	RegistrantContactID string
	// Grace lists the grace periods that run (RFC 3915), each with the debit
	// a delete within it refunds. Nil on registrations stored before grace
	// periods were recorded (see graces).
	Grace []GracePeriod
	// StateEndsAt is when the registry moves an expired, redemption or
	// pending-delete registration on; nil in the other states.
	StateEndsAt *time.Time
	// Transfer is the latest transfer (RFC 5731), pending or ended; nil
	// when the registration never had one.
	Transfer *Transfer
	// AuthCodeHash is the hash of the authorization code (RFC 9154), or "".
	AuthCodeHash      string
	AuthCodeSetAt     *time.Time
	AuthCodeExpiresAt *time.Time
	// TransferredAt is when the latest transfer completed (the transfer lock
	// counts from it).
	TransferredAt *time.Time
}

// GracePeriod is one running RFC 3915 grace period and the debit it guards.
type GracePeriod struct {
	Status    string // addPeriod, renewPeriod, autoRenewPeriod or transferPeriod
	EndsAt    time.Time
	PartnerID string // who paid, and so who a refund goes to
	ChannelID string
	Gems      Gems
	Years     int // years a refund takes off the expiry again (renewals)
}

// RefundReason is the ledger reason of a refund of g.
func (g GracePeriod) RefundReason() string {
	switch g.Status {
	case StatusAddPeriod:
		return "refund_create"
	case StatusRenewPeriod:
		return "refund_renew"
	case StatusAutoRenewPeriod:
		return "refund_auto_renew"
	case StatusTransferPeriod:
		return "refund_transfer"
	}
	return "refund"
}

// Payer is the partner and channel a debit is taken from.
type Payer struct {
	PartnerID string
	ChannelID string
}

// LifecycleEffect is what a lifecycle change leaves to do outside the row:
// money to give back and work for the namespace's DNS backend.
type LifecycleEffect struct {
	Freed    bool          // the name is available again
	Refunds  []GracePeriod // debits to refund, to the partner that paid each
	Withdraw bool          // take the delegation out of DNS
	Restore  bool          // put the desired delegation back into DNS
	Purge    bool          // remove everything of the name from the backend
}

// RefundedGems adds up the refunds.
func (e LifecycleEffect) RefundedGems() Gems {
	var n Gems
	for _, r := range e.Refunds {
		n += r.Gems
	}
	return n
}

// AddYears adds whole years to t, as registries count registration periods.
func AddYears(t time.Time, years int) time.Time { return t.AddDate(years, 0, 0) }

// CheckPeriod refuses an expiry more than MaxYears from now.
func CheckPeriod(expiry, now time.Time) error {
	if expiry.After(AddYears(now, MaxYears)) {
		return Errorf(CodeRegistrationPeriodExceeded,
			"the registration would expire on %s, more than %d years from now", expiry.UTC().Format(time.RFC3339), MaxYears)
	}
	return nil
}

// ValidateYears checks a create or renew period of 1 to 10 years.
func ValidateYears(years int) error {
	if years < 1 {
		return Invalid("years", "years must be a whole number from 1 to %d", MaxYears)
	}
	if years > MaxYears {
		return Errorf(CodeRegistrationPeriodExceeded, "years must be at most %d", MaxYears)
	}
	return nil
}

// Registered starts a new registration's add grace period (none for an
// imported one or a policy without it), guarding the create's debit.
func (d *Domain) Registered(now time.Time, p Policy, payer Payer, paid Gems) {
	d.Grace = []GracePeriod{}
	if !d.Imported && p.AddGrace > 0 {
		d.Grace = append(d.Grace, GracePeriod{Status: StatusAddPeriod, EndsAt: now.Add(p.AddGrace),
			PartnerID: payer.PartnerID, ChannelID: payer.ChannelID, Gems: paid})
	}
}

// graces answers the grace periods on record. A registration stored before
// they were recorded has the default add grace after its creation.
func (d *Domain) graces() []GracePeriod {
	if d.Grace != nil {
		return d.Grace
	}
	if d.Imported || d.State != StateActive {
		return []GracePeriod{}
	}
	return []GracePeriod{{Status: StatusAddPeriod, EndsAt: d.CreatedAt.Add(AddGracePeriod),
		PartnerID: d.PartnerID, ChannelID: d.ChannelID, Gems: d.CreatePaidGems}}
}

// inGrace reports whether a grace period with status runs at now.
func (d *Domain) inGrace(status string, now time.Time) bool {
	if d.State != StateActive {
		return false
	}
	for _, g := range d.graces() {
		if g.Status == status && now.Before(g.EndsAt) {
			return true
		}
	}
	return false
}

// EffectiveState is the registration's state. The registry's maintenance
// loop moves it through time; between a deadline and the loop's next pass
// the registration keeps the state it had.
func (d *Domain) EffectiveState(time.Time) State { return d.State }

// HasStatus reports whether a stored status is set.
func (d *Domain) HasStatus(s string) bool { return slices.Contains(d.Statuses, s) }

// InAddGrace reports whether the registration is inside its add grace period.
func (d *Domain) InAddGrace(now time.Time) bool { return d.inGrace(StatusAddPeriod, now) }

// EffectiveStatuses are the RFC 5731/3915 statuses shown to clients at now.
func (d *Domain) EffectiveStatuses(now time.Time) []string {
	out := append([]string(nil), d.Statuses...)
	switch d.State {
	case StateRedemption:
		out = append(out, StatusPendingDelete, StatusRedemptionPeriod)
	case StatePendingDelete:
		out = append(out, StatusPendingDelete)
	case StateCancelled:
		out = append(out, StatusInactive)
	case StateExpired:
		out = append(out, StatusInactive) // the delegation is withdrawn
	case StateActive:
		seen := map[string]bool{}
		for _, g := range d.graces() {
			if now.Before(g.EndsAt) && !seen[g.Status] {
				seen[g.Status] = true
				out = append(out, g.Status)
			}
		}
	}
	if len(out) == 0 {
		out = append(out, StatusOK)
	}
	sort.Strings(out)
	return out
}

func (d *Domain) prohibited(statuses ...string) error {
	for _, s := range statuses {
		if d.HasStatus(s) {
			return Errorf(CodeStatusProhibitsOperation, "%s has status %s", d.Name, s)
		}
	}
	return nil
}

// requireLive refuses every registrar command but restore outside the
// active and expired states.
func (d *Domain) requireLive(op string) error {
	switch d.State {
	case StateActive, StateExpired:
		return nil
	default:
		return Errorf(CodeStatusProhibitsOperation, "%s is %s; %s is not allowed", d.Name, d.State, op)
	}
}

// ExpiryMatches reports whether a client's current expiry names the actual
// one: the same instant, the same second (clients that drop fractions), or,
// for a value at midnight UTC, the same calendar date (RFC 5731's
// curExpDate is a date).
func ExpiryMatches(given, actual time.Time) bool {
	g, a := given.UTC(), actual.UTC()
	if g.Equal(a) || g.Truncate(time.Second).Equal(a.Truncate(time.Second)) {
		return true
	}
	midnight := g.Hour() == 0 && g.Minute() == 0 && g.Second() == 0 && g.Nanosecond() == 0
	return midnight && g.Year() == a.Year() && g.YearDay() == a.YearDay()
}

// Renewal is an explicit renew: its period, the expiry the registrar
// believes current, and what it costs whom.
type Renewal struct {
	Years            int
	CurrentExpiresAt time.Time
	Payer            Payer
	Gems             Gems
}

// Renew checks every rule of a renewal on the locked row and applies it:
// the years count from the current expiry (an expired registration's too,
// whose result must lie in the future), the registration is active again
// and a renew grace period guards the debit.
func (d *Domain) Renew(r Renewal, now time.Time, p Policy) (LifecycleEffect, error) {
	var eff LifecycleEffect
	if err := ValidateYears(r.Years); err != nil {
		return eff, err
	}
	if err := d.requireLive("renew"); err != nil {
		return eff, err
	}
	if err := d.prohibited(StatusClientRenewProhibited, StatusServerRenewProhibited, StatusPendingTransfer); err != nil {
		return eff, err
	}
	if !ExpiryMatches(r.CurrentExpiresAt, d.ExpiresAt) {
		return eff, Errorf(CodeCurrentExpiryMismatch, "current_expires_at %s does not match the expiry %s",
			r.CurrentExpiresAt.UTC().Format(time.RFC3339), d.ExpiresAt.UTC().Format(time.RFC3339))
	}
	next := AddYears(d.ExpiresAt, r.Years)
	if !next.After(now) {
		return eff, Invalid("years", "%d years from the expiry %s still end in the past; renew more years",
			r.Years, d.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if err := CheckPeriod(next, now); err != nil {
		return eff, err
	}
	if d.State == StateExpired {
		d.State, d.StateEndsAt, eff.Restore = StateActive, nil, true
	}
	d.ExpiresAt = next
	t := now
	d.LastRenewedAt, d.UpdatedAt = &t, now
	// The renew grace period guards the debit. While add grace runs the
	// debit is on record even when the policy has no renew grace (it then
	// ends at once): a delete in add grace refunds every debit since the
	// create.
	inAddGrace := d.InAddGrace(now)
	d.Grace = d.graces()
	if p.RenewGrace > 0 || inAddGrace {
		d.Grace = append(d.Grace, GracePeriod{Status: StatusRenewPeriod, EndsAt: now.Add(p.RenewGrace),
			PartnerID: r.Payer.PartnerID, ChannelID: r.Payer.ChannelID, Gems: r.Gems, Years: r.Years})
	}
	return eff, nil
}

// StatusChange is an update's status delta.
type StatusChange struct {
	Add    []string
	Remove []string
}

// Empty reports whether the change adds and removes nothing.
func (c StatusChange) Empty() bool { return len(c.Add) == 0 && len(c.Remove) == 0 }

// ValidateClientStatusChange refuses statuses a registrar may not set.
func ValidateClientStatusChange(c StatusChange) error {
	for _, list := range [][]string{c.Add, c.Remove} {
		for _, s := range list {
			if slices.Contains(ClientStatuses, s) {
				continue
			}
			if slices.Contains(AllStatuses, s) {
				return Errorf(CodeStatusNotClientSettable, "status %s is not client settable", s)
			}
			return Invalid("statuses", "unknown status %q", truncate(s))
		}
	}
	return nil
}

// DomainUpdate is what an update may change: the registrant (inline data,
// or copied from a contact) and the client statuses.
type DomainUpdate struct {
	Registrant          *Registrant
	RegistrantContactID string // with Registrant: the contact it was copied from
	Statuses            StatusChange
}

// Update checks an update on the locked row and applies it.
// clientUpdateProhibited refuses every update except the one that removes it.
func (d *Domain) Update(u DomainUpdate, now time.Time) error {
	if err := ValidateClientStatusChange(u.Statuses); err != nil {
		return err
	}
	if err := d.requireLive("update"); err != nil {
		return err
	}
	if err := d.prohibited(StatusServerUpdateProhibited, StatusPendingTransfer); err != nil {
		return err
	}
	if d.HasStatus(StatusClientUpdateProhibited) && !slices.Contains(u.Statuses.Remove, StatusClientUpdateProhibited) {
		return Errorf(CodeStatusProhibitsOperation, "%s has status %s; remove it first", d.Name, StatusClientUpdateProhibited)
	}
	if u.Registrant != nil {
		d.Registrant, d.RegistrantContactID = *u.Registrant, u.RegistrantContactID
	}
	d.applyStatusChange(u.Statuses, now)
	return nil
}

// applyStatusChange adds and removes client statuses.
func (d *Domain) applyStatusChange(change StatusChange, now time.Time) {
	d.Statuses = change.Apply(d.Statuses)
	d.UpdatedAt = now
}

// Apply answers statuses with the change's removals and additions, sorted
// and without duplicates (contacts and registrations alike).
func (c StatusChange) Apply(statuses []string) []string {
	set := map[string]bool{}
	for _, s := range statuses {
		set[s] = true
	}
	for _, s := range c.Remove {
		delete(set, s)
	}
	for _, s := range c.Add {
		set[s] = true
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// ChangeNameservers checks a nameserver update on the locked row and
// records the desired delegation; the apply status follows.
func (d *Domain) ChangeNameservers(ns []string, now time.Time) error {
	if err := d.requireLive("a nameserver update"); err != nil {
		return err
	}
	if err := d.prohibited(StatusClientUpdateProhibited, StatusServerUpdateProhibited); err != nil {
		return err
	}
	d.SetDesiredNameservers(ns, now)
	return nil
}

// SetDesiredNameservers records desired nameservers; apply status follows.
func (d *Domain) SetDesiredNameservers(ns []string, now time.Time) {
	d.NameserversDesired = append([]string{}, ns...)
	if equalStrings(d.NameserversDesired, d.NameserversApplied) {
		d.ApplyStatus = ApplyApplied
	} else {
		d.ApplyStatus = ApplyPending
	}
	d.UpdatedAt = now
}

// MarkApplied records nameservers the backend applied.
func (d *Domain) MarkApplied(ns []string, now time.Time) {
	d.NameserversApplied = append([]string{}, ns...)
	if equalStrings(d.NameserversDesired, d.NameserversApplied) {
		d.ApplyStatus = ApplyApplied
	} else {
		d.ApplyStatus = ApplyPending
	}
	d.UpdatedAt = now
}

// ChangeRecords checks a DNS records update on the locked row.
func (d *Domain) ChangeRecords(now time.Time) error {
	if err := d.requireLive("a records update"); err != nil {
		return err
	}
	if err := d.prohibited(StatusClientUpdateProhibited, StatusServerUpdateProhibited); err != nil {
		return err
	}
	d.UpdatedAt = now
	return nil
}

// Delete checks every rule of a registrar's delete on the locked row and
// applies it. Inside add grace the registration is cancelled, the name is
// free at once and every debit since the create is refunded. Otherwise it
// enters redemption (RFC 3915), its delegation is withdrawn, and every debit
// whose grace period still runs is refunded, a renewal's years coming off
// the expiry again.
func (d *Domain) Delete(now time.Time, p Policy) (LifecycleEffect, error) {
	var eff LifecycleEffect
	if d.ProtectedLegacy {
		return eff, Errorf(CodeProtectedLegacyNotDeletable, "%s is a protected legacy registration; deletion needs policy review", d.Name)
	}
	if err := d.requireLive("delete"); err != nil {
		return eff, err
	}
	if err := d.prohibited(StatusClientDeleteProhibited, StatusServerDeleteProhibited, StatusPendingTransfer); err != nil {
		return eff, err
	}
	t := now
	d.DeletedAt, d.UpdatedAt = &t, now
	if d.InAddGrace(now) {
		eff.Freed, eff.Purge, eff.Refunds = true, true, d.graces()
		d.State, d.StateEndsAt, d.Grace = StateCancelled, nil, []GracePeriod{}
		return eff, nil
	}
	for _, g := range d.graces() {
		if d.State == StateActive && now.Before(g.EndsAt) {
			eff.Refunds = append(eff.Refunds, g)
			if g.Years > 0 {
				d.ExpiresAt = AddYears(d.ExpiresAt, -g.Years)
			}
		}
	}
	end := now.Add(p.Redemption)
	d.State, d.StateEndsAt, d.Grace, eff.Withdraw = StateRedemption, &end, []GracePeriod{}, true
	return eff, nil
}

// Restore brings a registration in redemption back (RFC 3915): active again,
// its delegation restored. renewed says whether the expiry had passed, so
// that one year was added from the old expiry (charged at the renew price).
func (d *Domain) Restore(now time.Time) (eff LifecycleEffect, renewed bool, err error) {
	if d.State != StateRedemption {
		return eff, false, Errorf(CodeStatusProhibitsOperation, "%s is %s; only a registration in redemption can be restored", d.Name, d.State)
	}
	if err := d.prohibited(StatusServerUpdateProhibited); err != nil {
		return eff, false, err
	}
	if !d.ExpiresAt.After(now) {
		d.ExpiresAt, renewed = AddYears(d.ExpiresAt, 1), true
	}
	d.State, d.StateEndsAt, d.DeletedAt, d.UpdatedAt = StateActive, nil, nil, now
	d.Grace = []GracePeriod{}
	eff.Restore = true
	return eff, renewed, nil
}

// LifecycleChange is a change the registry makes by itself when a deadline
// passes; its value is the audit command.
type LifecycleChange string

// The registry's own lifecycle changes.
const (
	ChangeNone          LifecycleChange = ""
	ChangeAutoRenew     LifecycleChange = "auto_renew_domain"
	ChangeExpire        LifecycleChange = "expire_domain"
	ChangeDeleteExpired LifecycleChange = "delete_expired_domain"
	ChangeEndRedemption LifecycleChange = "redemption_ended"
	ChangePurge         LifecycleChange = "purge_domain"
	ChangeEndGrace      LifecycleChange = "end_grace_period"
	// ChangeApproveTransfer: a pending transfer reached its deadline.
	ChangeApproveTransfer LifecycleChange = "server_approve_transfer"
)

// LifecycleChanges lists every change the registry makes by itself.
func LifecycleChanges() []LifecycleChange {
	return []LifecycleChange{ChangeAutoRenew, ChangeExpire, ChangeDeleteExpired, ChangeEndRedemption, ChangePurge, ChangeEndGrace,
		ChangeApproveTransfer}
}

// IsLifecycleChange reports whether command names a change the registry
// makes by itself.
func IsLifecycleChange(command string) bool {
	for _, c := range LifecycleChanges() {
		if string(c) == command {
			return true
		}
	}
	return false
}

// Due answers the change due at now. At the expiry it is ChangeExpire; the
// registry makes it ChangeAutoRenew when the policy and the sponsor's
// balance allow. OT&E fixtures never move through time.
func (d *Domain) Due(now time.Time) LifecycleChange {
	if d.OTESandbox {
		return ChangeNone
	}
	switch d.State {
	case StateActive:
		if t := d.transferDue(); !t.IsZero() && !now.Before(t) {
			return ChangeApproveTransfer
		}
		if !now.Before(d.ExpiresAt) {
			return ChangeExpire
		}
	case StateExpired:
		// A transfer requested before the expiry is approved at its
		// deadline, and before the registration would be deleted.
		if t := d.transferDue(); !t.IsZero() && (!now.Before(t) || d.stateEnded(now)) {
			return ChangeApproveTransfer
		}
		if d.stateEnded(now) {
			return ChangeDeleteExpired
		}
	case StateRedemption:
		if d.stateEnded(now) {
			return ChangeEndRedemption
		}
	case StatePendingDelete:
		if d.stateEnded(now) {
			return ChangePurge
		}
	}
	if g := d.graceDue(); !g.IsZero() && !now.Before(g) {
		return ChangeEndGrace
	}
	return ChangeNone
}

// stateEnded reports whether a timed state's period has run out. A
// registration stored before deadlines were recorded counts from its
// deletion with the default periods.
func (d *Domain) stateEnded(now time.Time) bool {
	if d.StateEndsAt != nil {
		return !now.Before(*d.StateEndsAt)
	}
	if d.State == StatePendingDelete && d.DeletedAt != nil {
		return !now.Before(d.DeletedAt.Add(RedemptionPeriod + PendingDeletePeriod))
	}
	return false
}

// graceDue is when a grace period's record is next to go: while add grace
// runs every debit since the create stays refundable, so nothing goes
// before it ends.
func (d *Domain) graceDue() time.Time {
	if d.State != StateActive {
		return time.Time{}
	}
	var due time.Time
	for _, g := range d.graces() {
		if g.Status == StatusAddPeriod {
			return g.EndsAt
		}
		if due.IsZero() || g.EndsAt.Before(due) {
			due = g.EndsAt
		}
	}
	return due
}

// NextDue is the earliest instant at which the registry must look at the
// registration again, or nil when nothing is ever due (cancelled, OT&E).
// Stores persist it so that the maintenance loop finds due rows by index.
func (d *Domain) NextDue() *time.Time {
	if d.OTESandbox || d.State == StateCancelled {
		return nil
	}
	var due time.Time
	switch d.State {
	case StateActive:
		due = d.ExpiresAt
	default:
		switch {
		case d.StateEndsAt != nil:
			due = *d.StateEndsAt
		case d.State == StatePendingDelete && d.DeletedAt != nil:
			due = d.DeletedAt.Add(RedemptionPeriod + PendingDeletePeriod)
		}
	}
	if g := d.graceDue(); !g.IsZero() && (due.IsZero() || g.Before(due)) {
		due = g
	}
	if t := d.transferDue(); !t.IsZero() && (d.State == StateActive || d.State == StateExpired) && (due.IsZero() || t.Before(due)) {
		due = t
	}
	if due.IsZero() {
		return nil
	}
	return &due
}

// Advance makes the change due at now on the locked row and answers it. At
// the expiry, renewal (non-nil: the sponsor paid for one more year) renews
// it; otherwise it expires. It answers ChangeNone when nothing is due (a
// command or another node got there first).
func (d *Domain) Advance(now time.Time, p Policy, renewal *Renewal) (LifecycleChange, LifecycleEffect, error) {
	var eff LifecycleEffect
	change := d.Due(now)
	switch change {
	case ChangeNone:
		return change, eff, nil
	case ChangeApproveTransfer:
		var err error
		if eff, err = d.ApproveTransfer(TransferServerApproved, now, p); err != nil {
			return ChangeNone, eff, err
		}
	case ChangeExpire:
		old := d.ExpiresAt
		d.Grace = []GracePeriod{}
		if renewal != nil {
			d.ExpiresAt = AddYears(old, 1)
			d.Grace = append(d.Grace, GracePeriod{Status: StatusAutoRenewPeriod, EndsAt: old.Add(p.AutoRenewGrace),
				PartnerID: renewal.Payer.PartnerID, ChannelID: renewal.Payer.ChannelID, Gems: renewal.Gems, Years: 1})
			change = ChangeAutoRenew
			break
		}
		end := old.Add(p.AutoRenewGrace)
		d.State, d.StateEndsAt, eff.Withdraw = StateExpired, &end, true
	case ChangeDeleteExpired:
		end, t := now.Add(p.Redemption), now
		d.State, d.StateEndsAt, d.DeletedAt = StateRedemption, &end, &t
	case ChangeEndRedemption:
		end := now.Add(p.PendingDelete)
		d.State, d.StateEndsAt = StatePendingDelete, &end
	case ChangePurge:
		d.State, d.StateEndsAt, eff.Purge, eff.Freed = StateCancelled, nil, true, true
	case ChangeEndGrace:
		keep := []GracePeriod{}
		for _, g := range d.graces() {
			if now.Before(g.EndsAt) {
				keep = append(keep, g)
			}
		}
		d.Grace = keep
	}
	d.UpdatedAt = now
	return change, eff, nil
}
