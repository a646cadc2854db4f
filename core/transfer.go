package core

import (
	"slices"
	"sort"
	"time"
	"unicode"
	"unicode/utf8"
)

// Transfer statuses (RFC 5731 §2.3 trStatus).
const (
	TransferPending         = "pending"
	TransferClientApproved  = "clientApproved"
	TransferClientRejected  = "clientRejected"
	TransferClientCancelled = "clientCancelled"
	TransferServerApproved  = "serverApproved"
	TransferServerCancelled = "serverCancelled"
)

// TransferStatuses lists every transfer status.
func TransferStatuses() []string {
	return []string{TransferPending, TransferClientApproved, TransferClientRejected, TransferClientCancelled,
		TransferServerApproved, TransferServerCancelled}
}

// Transfer roles a channel plays in a transfer (GET /transfers?role=).
const (
	TransferRoleGaining = "gaining"
	TransferRoleLosing  = "losing"
)

// Auth code bounds (RFC 9154 §4.1: enough entropy, stored hashed).
const (
	MinAuthCodeLength = 16
	MaxAuthCodeLength = 255
)

// Transfer is a registration's latest transfer: pending while Status is
// TransferPending, then kept so that both sides can query how it ended.
type Transfer struct {
	Status           string
	GainingChannelID string
	GainingPartnerID string
	LosingChannelID  string
	LosingPartnerID  string
	RequestedAt      time.Time
	// ActionAt is the deadline at which the registry approves a pending
	// transfer, then when it was acted on.
	ActionAt time.Time
	Years    int
	Gems     Gems // what the request debited from the gaining partner
	// ExpiresAt is the expiry after approval (RFC 5731 exDate): while
	// pending the expiry an approval would give, then the one it gave.
	ExpiresAt time.Time
}

// Pending reports whether the transfer waits for an answer.
func (t *Transfer) Pending() bool { return t != nil && t.Status == TransferPending }

// TransferRequest is a gaining channel's request as the rule sees it.
type TransferRequest struct {
	Payer Payer // the gaining partner and channel
	Years int
	Gems  Gems // transfer price × years, debited by the use case
}

// ValidateAuthCode checks a new authorization code: RFC 9154 asks for one
// that is hard to guess; the registry wants at least MinAuthCodeLength
// characters of at least three of lowercase, uppercase, digits and symbols.
func ValidateAuthCode(code string) error {
	n := utf8.RuneCountInString(code)
	if n < MinAuthCodeLength || n > MaxAuthCodeLength {
		return Invalid("auth_code", "auth_code must be %d to %d characters", MinAuthCodeLength, MaxAuthCodeLength)
	}
	var lower, upper, digit, symbol bool
	for _, r := range code {
		switch {
		case unicode.IsControl(r) || unicode.IsSpace(r):
			return Invalid("auth_code", "auth_code must not contain spaces or control characters")
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			symbol = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, symbol} {
		if b {
			classes++
		}
	}
	if classes < 3 {
		return Invalid("auth_code", "auth_code must mix at least three of lowercase letters, uppercase letters, digits and symbols")
	}
	return nil
}

// AuthCodeSet reports whether an authorization code is set and unexpired at now.
func (d *Domain) AuthCodeSet(now time.Time) bool {
	if d.AuthCodeHash == "" {
		return false
	}
	return d.AuthCodeExpiresAt == nil || now.Before(*d.AuthCodeExpiresAt)
}

// SetAuthCode records the hash of a new authorization code (hash "" unsets
// it); it expires after the policy's AuthCodeTTL.
func (d *Domain) SetAuthCode(hash string, now time.Time, p Policy) {
	d.UpdatedAt = now
	if hash == "" {
		d.AuthCodeHash, d.AuthCodeSetAt, d.AuthCodeExpiresAt = "", nil, nil
		return
	}
	t := now
	d.AuthCodeHash, d.AuthCodeSetAt = hash, &t
	d.AuthCodeExpiresAt = nil
	if p.AuthCodeTTL > 0 {
		e := now.Add(p.AuthCodeTTL)
		d.AuthCodeExpiresAt = &e
	}
}

// CheckAuthCodeChange refuses an auth code change the registration's state
// does not allow (the rules of an update).
func (d *Domain) CheckAuthCodeChange() error {
	if err := d.requireLive("update"); err != nil {
		return err
	}
	if err := d.prohibited(StatusServerUpdateProhibited, StatusClientUpdateProhibited, StatusPendingTransfer); err != nil {
		return err
	}
	return nil
}

// AuthCodeVerifier checks a code against a stored hash. The registry always
// runs exactly one verification per request, against a dummy hash when no
// code is set, so that a wrong, unset or expired code take the same time.
type AuthCodeVerifier func(hash string) (bool, error)

// pendingTransfer answers the pending transfer or nil.
func (d *Domain) pendingTransfer() *Transfer {
	if d.Transfer.Pending() {
		return d.Transfer
	}
	return nil
}

// RequestTransfer checks every rule of a transfer request on the locked row
// and, when they hold, records the pending transfer (the pendingTransfer
// status). verify checks the code against the hash it is given; dummy is
// verified instead when no code is set or it expired.
func (d *Domain) RequestTransfer(r TransferRequest, now time.Time, p Policy, verify AuthCodeVerifier, dummy string) error {
	if r.Years < 1 {
		return Invalid("years", "years must be a whole number from 1 to %d", MaxYears)
	}
	if r.Years > MaxYears {
		return Errorf(CodeRegistrationPeriodExceeded, "years must be at most %d", MaxYears)
	}
	if d.ChannelID == r.Payer.ChannelID {
		return Errorf(CodeTransferNotEligible, "%s is already sponsored by this registrar channel", d.Name)
	}
	if d.State != StateActive {
		return Errorf(CodeStatusProhibitsOperation, "%s is %s; only an active registration can be transferred", d.Name, d.State)
	}
	if err := d.prohibited(StatusClientTransferProhibited, StatusServerTransferProhibited); err != nil {
		return err
	}
	if d.pendingTransfer() != nil {
		return Errorf(CodeTransferAlreadyPending, "%s already has a pending transfer", d.Name)
	}
	since := d.CreatedAt
	if d.TransferredAt != nil && d.TransferredAt.After(since) {
		since = *d.TransferredAt
	}
	if p.TransferLock > 0 && now.Before(since.Add(p.TransferLock)) {
		return Errorf(CodeTransferNotEligible, "%s was created or transferred less than %d seconds ago",
			d.Name, int64(p.TransferLock/time.Second))
	}
	set := d.AuthCodeSet(now)
	hash := d.AuthCodeHash
	if !set {
		hash = dummy
	}
	ok, err := verify(hash)
	if err != nil {
		return Internal(err)
	}
	if !ok || !set {
		return Errorf(CodeInvalidAuthCode, "the authorization code is wrong, unset or expired")
	}
	expiry := AddYears(d.ExpiresAt, r.Years)
	if err := CheckPeriod(expiry, now); err != nil {
		return err
	}
	d.Transfer = &Transfer{
		Status: TransferPending, GainingChannelID: r.Payer.ChannelID, GainingPartnerID: r.Payer.PartnerID,
		LosingChannelID: d.ChannelID, LosingPartnerID: d.PartnerID, RequestedAt: now,
		ActionAt: now.Add(p.TransferPending), Years: r.Years, Gems: r.Gems, ExpiresAt: expiry,
	}
	d.Statuses = appendStatus(d.Statuses, StatusPendingTransfer)
	d.UpdatedAt = now
	return nil
}

// appendStatus adds s to a sorted status list once.
func appendStatus(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	out := append(append([]string{}, list...), s)
	sort.Strings(out)
	return out
}

func removeStatus(list []string, s string) []string {
	out := []string{}
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// ApproveTransfer completes a pending transfer with status (clientApproved
// by the sponsor, serverApproved by the registry or an operator): the
// gaining channel sponsors the registration; a running auto-renew grace is
// cancelled first (its year off the expiry, refunded to who paid it), then
// the transfer's years are added; transfer grace guards the gaining
// partner's debit; client statuses and the auth code are cleared.
func (d *Domain) ApproveTransfer(status string, now time.Time, p Policy) (LifecycleEffect, error) {
	var eff LifecycleEffect
	t := d.pendingTransfer()
	if t == nil {
		return eff, Errorf(CodeTransferNotPending, "%s has no pending transfer", d.Name)
	}
	for _, g := range d.graces() {
		if g.Status == StatusAutoRenewPeriod && d.State == StateActive && now.Before(g.EndsAt) {
			eff.Refunds = append(eff.Refunds, g)
			d.ExpiresAt = AddYears(d.ExpiresAt, -g.Years)
		}
	}
	d.ExpiresAt = AddYears(d.ExpiresAt, t.Years)
	if d.State == StateExpired && d.ExpiresAt.After(now) {
		// expired while the transfer was pending: the transfer's years renew it
		d.State, d.StateEndsAt, eff.Restore = StateActive, nil, true
	}
	d.ChannelID, d.PartnerID = t.GainingChannelID, t.GainingPartnerID
	d.Grace = []GracePeriod{}
	if p.TransferGrace > 0 {
		d.Grace = append(d.Grace, GracePeriod{Status: StatusTransferPeriod, EndsAt: now.Add(p.TransferGrace),
			PartnerID: t.GainingPartnerID, ChannelID: t.GainingChannelID, Gems: t.Gems, Years: t.Years})
	}
	kept := []string{}
	for _, s := range d.Statuses {
		if s != StatusPendingTransfer && !slices.Contains(ClientStatuses, s) {
			kept = append(kept, s)
		}
	}
	d.Statuses = kept
	d.AuthCodeHash, d.AuthCodeSetAt, d.AuthCodeExpiresAt = "", nil, nil
	at := now
	d.TransferredAt, d.UpdatedAt = &at, now
	done := *t
	done.Status, done.ActionAt, done.ExpiresAt = status, now, d.ExpiresAt
	d.Transfer = &done
	return eff, nil
}

// EndTransfer ends a pending transfer without moving the registration
// (clientRejected, clientCancelled, serverCancelled); the effect refunds the
// gaining partner's debit.
func (d *Domain) EndTransfer(status string, now time.Time) (LifecycleEffect, error) {
	var eff LifecycleEffect
	t := d.pendingTransfer()
	if t == nil {
		return eff, Errorf(CodeTransferNotPending, "%s has no pending transfer", d.Name)
	}
	eff.Refunds = []GracePeriod{{Status: StatusTransferPeriod, PartnerID: t.GainingPartnerID,
		ChannelID: t.GainingChannelID, Gems: t.Gems}}
	d.Statuses = removeStatus(d.Statuses, StatusPendingTransfer)
	done := *t
	done.Status, done.ActionAt = status, now
	done.ExpiresAt = d.ExpiresAt
	d.Transfer = &done
	d.UpdatedAt = now
	return eff, nil
}

// transferDue is a pending transfer's deadline, or zero.
func (d *Domain) transferDue() time.Time {
	if t := d.pendingTransfer(); t != nil {
		return t.ActionAt
	}
	return time.Time{}
}

// ChannelRef names a registrar channel in a transfer view.
type ChannelRef struct {
	ID   string
	Slug string
}

// TransferView is a transfer as clients see it.
type TransferView struct {
	Domain         string
	Status         string
	GainingChannel ChannelRef
	LosingChannel  ChannelRef
	RequestedAt    time.Time
	ActionAt       time.Time
	Years          int
	ExpiresAt      time.Time
}

// TransferViewOf renders d's latest transfer; slugs names channels by id.
func TransferViewOf(d *Domain, slugs map[string]string) *TransferView {
	t := d.Transfer
	if t == nil {
		return nil
	}
	return &TransferView{
		Domain: d.Name.String(), Status: t.Status,
		GainingChannel: ChannelRef{ID: t.GainingChannelID, Slug: slugs[t.GainingChannelID]},
		LosingChannel:  ChannelRef{ID: t.LosingChannelID, Slug: slugs[t.LosingChannelID]},
		RequestedAt:    t.RequestedAt, ActionAt: t.ActionAt, Years: t.Years, ExpiresAt: t.ExpiresAt,
	}
}

// RequestTransferCmd is the request_transfer command.
type RequestTransferCmd struct {
	Mutation
	Domain   string
	AuthCode string
	Years    int // 1 to 10; transports send 1 when the request names no period
}

// TransferAction is the approve, reject and cancel commands.
type TransferAction struct {
	Mutation
	Domain string
}

// TransferFilter filters GET /transfers.
type TransferFilter struct {
	ChannelID string
	Role      string // gaining, losing or "" for both
	Status    string
	Limit     int
	Cursor    string // the last domain id of the previous page
}

// TransferPage is one page of transfers.
type TransferPage struct {
	Transfers  []TransferView
	NextCursor string
}

// ChangeAuthCode checks that the registration's state allows an update and
// records the hash of a new authorization code ("" unsets it).
func (d *Domain) ChangeAuthCode(hash string, now time.Time, p Policy) error {
	if err := d.CheckAuthCodeChange(); err != nil {
		return err
	}
	d.SetAuthCode(hash, now, p)
	return nil
}

// ChangeAuthCode applies Domain.ChangeAuthCode.
func (l LockedDomain) ChangeAuthCode(hash string, now time.Time, p Policy) error {
	return l.d.ChangeAuthCode(hash, now, p)
}

// RequestTransfer applies Domain.RequestTransfer.
func (l LockedDomain) RequestTransfer(r TransferRequest, now time.Time, p Policy, verify AuthCodeVerifier, dummy string) error {
	return l.d.RequestTransfer(r, now, p, verify, dummy)
}

// ApproveTransfer applies Domain.ApproveTransfer.
func (l LockedDomain) ApproveTransfer(status string, now time.Time, p Policy) (LifecycleEffect, error) {
	return l.d.ApproveTransfer(status, now, p)
}

// EndTransfer applies Domain.EndTransfer.
func (l LockedDomain) EndTransfer(status string, now time.Time) (LifecycleEffect, error) {
	return l.d.EndTransfer(status, now)
}
