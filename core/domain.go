package core

import (
	"sort"
	"strings"
	"time"
)

// State is a registration's lifecycle state.
type State string

const (
	StateActive        State = "active"
	StateExpired       State = "expired"
	StateRedemption    State = "redemption"
	StatePendingDelete State = "pending_delete"
	StateCancelled     State = "cancelled"
)

// States lists every lifecycle state in lifecycle order.
func States() []State {
	return []State{StateActive, StateExpired, StateRedemption, StatePendingDelete, StateCancelled}
}

// RFC 5731 and RFC 3915 statuses.
const (
	StatusOK                       = "ok"
	StatusClientHold               = "clientHold"
	StatusClientUpdateProhibited   = "clientUpdateProhibited"
	StatusClientDeleteProhibited   = "clientDeleteProhibited"
	StatusClientRenewProhibited    = "clientRenewProhibited"
	StatusClientTransferProhibited = "clientTransferProhibited"
	StatusServerHold               = "serverHold"
	StatusServerUpdateProhibited   = "serverUpdateProhibited"
	StatusServerDeleteProhibited   = "serverDeleteProhibited"
	StatusServerRenewProhibited    = "serverRenewProhibited"
	StatusServerTransferProhibited = "serverTransferProhibited"
	StatusInactive                 = "inactive"
	StatusPendingCreate            = "pendingCreate"
	StatusPendingDelete            = "pendingDelete"
	StatusPendingRenew             = "pendingRenew"
	StatusPendingTransfer          = "pendingTransfer"
	StatusPendingUpdate            = "pendingUpdate"
	// RFC 3915 grace statuses.
	StatusAddPeriod        = "addPeriod"
	StatusRenewPeriod      = "renewPeriod"
	StatusAutoRenewPeriod  = "autoRenewPeriod"
	StatusRedemptionPeriod = "redemptionPeriod"
)

// ClientStatuses are the statuses a registrar may set.
var ClientStatuses = []string{StatusClientHold, StatusClientUpdateProhibited, StatusClientDeleteProhibited,
	StatusClientRenewProhibited, StatusClientTransferProhibited}

// AllStatuses lists every status the registry knows.
var AllStatuses = []string{StatusOK, StatusClientHold, StatusClientUpdateProhibited, StatusClientDeleteProhibited,
	StatusClientRenewProhibited, StatusClientTransferProhibited, StatusServerHold, StatusServerUpdateProhibited,
	StatusServerDeleteProhibited, StatusServerRenewProhibited, StatusServerTransferProhibited, StatusInactive,
	StatusPendingCreate, StatusPendingDelete, StatusPendingRenew, StatusPendingTransfer, StatusPendingUpdate,
	StatusAddPeriod, StatusRenewPeriod, StatusAutoRenewPeriod, StatusRedemptionPeriod}

// Lifecycle periods.
const (
	AddGracePeriod   = 5 * 24 * time.Hour
	RenewGracePeriod = 5 * 24 * time.Hour
	RedemptionPeriod = 30 * 24 * time.Hour
	// PendingDeletePeriod follows the redemption period; then the name is purged.
	PendingDeletePeriod = 5 * 24 * time.Hour
	MaxYears            = 10
)

// Domain is a registration aggregate. Its rules live in its methods; adapters
// persist the fields as they are.
type Domain struct {
	ID                 string
	Name               Name
	ChannelID          string
	PartnerID          string
	State              State
	Statuses           []string // stored client*/server* statuses; grace statuses are derived
	Registrant         Registrant
	NameserversDesired []string
	NameserversApplied []string
	ApplyStatus        string
	BackendKind        string
	BackendReference   string
	ProtectedLegacy    bool
	OTESandbox         bool
	Imported           bool
	CreatePaidGems     Gems // what the create debited (refunded on add-grace delete)
	CreatedAt          time.Time
	UpdatedAt          time.Time
	ExpiresAt          time.Time
	LastRenewedAt      *time.Time
	DeletedAt          *time.Time
	Claim              *ClaimAcknowledgement
	// RegistrantContactID is the contact the registrant was copied from, or "".
	RegistrantContactID string
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

// EffectiveState is the state at now: an active registration past its expiry is expired.
func (d *Domain) EffectiveState(now time.Time) State {
	if d.State == StateActive && !now.Before(d.ExpiresAt) {
		return StateExpired
	}
	return d.State
}

// HasStatus reports whether a stored status is set.
func (d *Domain) HasStatus(s string) bool { return contains(d.Statuses, s) }

// InAddGrace reports whether the registration is inside its add grace period.
func (d *Domain) InAddGrace(now time.Time) bool {
	return !d.Imported && d.State == StateActive && now.Before(d.CreatedAt.Add(AddGracePeriod))
}

// EffectiveStatuses are the RFC 5731/3915 statuses shown to clients at now.
func (d *Domain) EffectiveStatuses(now time.Time) []string {
	out := append([]string(nil), d.Statuses...)
	switch d.EffectiveState(now) {
	case StatePendingDelete, StateRedemption:
		out = append(out, StatusPendingDelete)
		if d.DeletedAt == nil || now.Before(d.DeletedAt.Add(RedemptionPeriod)) {
			out = append(out, StatusRedemptionPeriod)
		}
	case StateCancelled:
		out = append(out, StatusInactive)
	case StateExpired:
		out = append(out, StatusAutoRenewPeriod)
	case StateActive:
		if d.InAddGrace(now) {
			out = append(out, StatusAddPeriod)
		}
		if d.LastRenewedAt != nil && now.Before(d.LastRenewedAt.Add(RenewGracePeriod)) {
			out = append(out, StatusRenewPeriod)
		}
	}
	if len(out) == 0 {
		out = append(out, StatusOK)
	}
	sort.Strings(out)
	return out
}

func (d *Domain) prohibited(now time.Time, statuses ...string) error {
	for _, s := range statuses {
		if d.HasStatus(s) {
			return Errorf(CodeStatusProhibitsOperation, "%s has status %s", d.Name, s)
		}
	}
	return nil
}

func (d *Domain) requireLive(now time.Time, op string) error {
	switch st := d.EffectiveState(now); st {
	case StateActive, StateExpired:
		return nil
	default:
		return Errorf(CodeStatusProhibitsOperation, "%s is %s; %s is not allowed", d.Name, st, op)
	}
}

// CanRenew checks every rule for a renewal and returns the new expiry.
func (d *Domain) CanRenew(years int, currentExpiry time.Time, now time.Time) (time.Time, error) {
	if err := ValidateYears(years); err != nil {
		return time.Time{}, err
	}
	if err := d.requireLive(now, "renew"); err != nil {
		return time.Time{}, err
	}
	if err := d.prohibited(now, StatusClientRenewProhibited, StatusServerRenewProhibited); err != nil {
		return time.Time{}, err
	}
	if !ExpiryMatches(currentExpiry, d.ExpiresAt) {
		return time.Time{}, Errorf(CodeCurrentExpiryMismatch, "current_expires_at %s does not match the expiry %s",
			currentExpiry.UTC().Format(time.RFC3339), d.ExpiresAt.UTC().Format(time.RFC3339))
	}
	next := AddYears(d.ExpiresAt, years)
	if err := CheckPeriod(next, now); err != nil {
		return time.Time{}, err
	}
	return next, nil
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

// Renew applies a renewal checked by CanRenew.
func (d *Domain) Renew(newExpiry, now time.Time) {
	d.ExpiresAt = newExpiry
	d.State = StateActive
	t := now
	d.LastRenewedAt = &t
	d.UpdatedAt = now
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
			if contains(ClientStatuses, s) {
				continue
			}
			if contains(AllStatuses, s) {
				return Errorf(CodeStatusNotClientSettable, "status %s is not client settable", s)
			}
			return Invalid("statuses", "unknown status %q", truncate(s))
		}
	}
	return nil
}

// CanUpdate checks an update of registrant and/or client statuses.
// clientUpdateProhibited refuses every update except the one that removes it.
func (d *Domain) CanUpdate(change StatusChange, now time.Time) error {
	if err := ValidateClientStatusChange(change); err != nil {
		return err
	}
	if err := d.requireLive(now, "update"); err != nil {
		return err
	}
	if err := d.prohibited(now, StatusServerUpdateProhibited); err != nil {
		return err
	}
	if d.HasStatus(StatusClientUpdateProhibited) && !contains(change.Remove, StatusClientUpdateProhibited) {
		return Errorf(CodeStatusProhibitsOperation, "%s has status %s; remove it first", d.Name, StatusClientUpdateProhibited)
	}
	return nil
}

// ApplyStatusChange adds and removes client statuses (after CanUpdate).
func (d *Domain) ApplyStatusChange(change StatusChange, now time.Time) {
	set := map[string]bool{}
	for _, s := range d.Statuses {
		set[s] = true
	}
	for _, s := range change.Remove {
		delete(set, s)
	}
	for _, s := range change.Add {
		set[s] = true
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	d.Statuses = out
	d.UpdatedAt = now
}

// CanChangeNameservers checks a nameserver update.
func (d *Domain) CanChangeNameservers(now time.Time) error {
	if err := d.requireLive(now, "a nameserver update"); err != nil {
		return err
	}
	return d.prohibited(now, StatusClientUpdateProhibited, StatusServerUpdateProhibited)
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

// CanChangeRecords checks a DNS records update.
func (d *Domain) CanChangeRecords(now time.Time) error {
	if err := d.requireLive(now, "a records update"); err != nil {
		return err
	}
	return d.prohibited(now, StatusClientUpdateProhibited, StatusServerUpdateProhibited)
}

// DeleteEffect says what a delete did.
type DeleteEffect struct {
	Freed        bool // cancelled within add grace: the name is available again
	RefundedGems Gems
}

// CanDelete checks every rule for a delete.
func (d *Domain) CanDelete(now time.Time) error {
	if d.ProtectedLegacy {
		return Errorf(CodeProtectedLegacyNotDeletable, "%s is a protected legacy registration; deletion needs policy review", d.Name)
	}
	if err := d.requireLive(now, "delete"); err != nil {
		return err
	}
	return d.prohibited(now, StatusClientDeleteProhibited, StatusServerDeleteProhibited)
}

// Delete applies a delete checked by CanDelete: inside add grace the
// registration is cancelled and its create price refunded; otherwise it
// enters pending delete.
func (d *Domain) Delete(now time.Time) DeleteEffect {
	t := now
	d.DeletedAt = &t
	d.UpdatedAt = now
	if d.InAddGrace(now) {
		d.State = StateCancelled
		return DeleteEffect{Freed: true, RefundedGems: d.CreatePaidGems}
	}
	d.State = StatePendingDelete
	return DeleteEffect{}
}

// PurgeDue reports whether a pending delete has run through its redemption
// and pending-delete periods at now.
func (d *Domain) PurgeDue(now time.Time) bool {
	return d.State == StatePendingDelete && d.DeletedAt != nil &&
		!now.Before(d.DeletedAt.Add(RedemptionPeriod+PendingDeletePeriod))
}

// Purge completes a due pending delete: the registration is cancelled and
// its name is available again; the row stays for history.
func (d *Domain) Purge(now time.Time) {
	d.State = StateCancelled
	d.UpdatedAt = now
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// NormalizeNameservers validates, lowercases, de-duplicates and sorts 0 to 13 host names.
func NormalizeNameservers(in []string) ([]string, error) {
	if len(in) > 13 {
		return nil, Invalid("nameservers", "at most 13 nameservers are allowed, got %d", len(in))
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(in))
	for _, s := range in {
		h, err := ParseHostName("nameservers", s)
		if err != nil {
			return nil, err
		}
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	sort.Strings(out)
	return out, nil
}

// ValidateRegistrant checks registrant data; requireCore demands name and email (create).
func ValidateRegistrant(r Registrant, requireCore bool) error {
	if requireCore {
		if strings.TrimSpace(r.Name) == "" {
			return Invalid("registrant.name", "registrant.name is required")
		}
		if strings.TrimSpace(r.Email) == "" {
			return Invalid("registrant.email", "registrant.email is required")
		}
	}
	if len(r.Name) > 255 || len(r.Organization) > 255 {
		return Invalid("registrant", "registrant name and organization must be at most 255 characters")
	}
	if r.Email != "" && !validEmail(r.Email) {
		return Invalid("registrant.email", "registrant.email is not a valid e-mail address")
	}
	if r.Phone != "" && !validPhone(r.Phone) {
		return Invalid("registrant.phone", "registrant.phone must be RFC 5733 (+1.5555551234) or E.164 (+15555551234)")
	}
	if r.Country != "" && !validCountry(r.Country) {
		return Invalid("registrant.country", "registrant.country must be an ISO 3166-1 alpha-2 code such as US")
	}
	if len(r.Metadata) > 50 {
		return Invalid("registrant.metadata", "registrant.metadata has at most 50 entries")
	}
	for k, v := range r.Metadata {
		if k == "" || len(k) > 64 || len(v) > 1024 {
			return Invalid("registrant.metadata", "metadata keys are 1 to 64 characters and values at most 1024")
		}
	}
	return nil
}

func validEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>") {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 {
		return false
	}
	host := s[at+1:]
	return strings.Contains(host, ".") && !strings.HasPrefix(host, ".") && !strings.HasSuffix(host, ".")
}

// validPhone accepts RFC 5733 "+CC.NUMBER" (up to 15 digits, optional "x" extension) or E.164 "+NUMBER".
func validPhone(s string) bool {
	if ext := strings.IndexByte(s, 'x'); ext >= 0 {
		if !allDigits(s[ext+1:]) || ext+1 == len(s) {
			return false
		}
		s = s[:ext]
	}
	if len(s) < 3 || s[0] != '+' {
		return false
	}
	body := s[1:]
	if dot := strings.IndexByte(body, '.'); dot >= 0 {
		cc, num := body[:dot], body[dot+1:]
		return len(cc) >= 1 && len(cc) <= 3 && allDigits(cc) && allDigits(num) && len(num) >= 1 && len(cc)+len(num) <= 15
	}
	return allDigits(body) && len(body) >= 2 && len(body) <= 15 && body[0] != '0'
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validCountry(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}
