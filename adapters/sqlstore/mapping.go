package sqlstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/headlessdomains/registry/core"
)

// JSON columns. A nil slice or map is stored as JSON null and an empty one as
// [] or {}, so that both read back exactly as they were written. Numbers in
// free-form maps (audit summaries, pending payloads) read back as float64, as
// encoding/json decodes them.

func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("postgres: encode JSON column: %w", err)
	}
	return string(b), nil
}

func fromJSON(s string, v any) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("postgres: decode JSON column: %w", err)
	}
	return nil
}

// registrantJSON fixes the stored shape of a registrant independently of
// the Go field names of core.Registrant.
type registrantJSON struct {
	Name         string            `json:"name"`
	Organization string            `json:"organization"`
	Email        string            `json:"email"`
	Phone        string            `json:"phone"`
	Country      string            `json:"country"`
	Metadata     map[string]string `json:"metadata"`
}

func partnerToRow(p core.Partner) *partnerRow {
	return &partnerRow{
		ID: p.ID, Name: p.Name, GemsBalance: p.GemsBalance, DNSModuleEnabled: p.DNSModuleEnabled,
		CreatedAt: ts(p.CreatedAt), UpdatedAt: ts(p.UpdatedAt),
	}
}

func (r *partnerRow) core() core.Partner {
	return core.Partner{
		ID: r.ID, Name: r.Name, GemsBalance: r.GemsBalance, DNSModuleEnabled: r.DNSModuleEnabled,
		CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time(),
	}
}

func channelToRow(c core.Channel) *channelRow {
	return &channelRow{
		ID: c.ID, PartnerID: c.PartnerID, Slug: c.Slug, Status: string(c.Status),
		ProductionApproved: c.ProductionApproved, ProductionApprovedAt: tsPtr(c.ProductionApprovedAt),
		RateLimitPerMinute: c.RateLimitPerMinute, EPPPasswordHash: c.EPPPasswordHash,
		CreatedAt: ts(c.CreatedAt), UpdatedAt: ts(c.UpdatedAt),
		EPPClientCertSHA256: c.EPPClientCertSHA256,
	}
}

func (r *channelRow) core() core.Channel {
	return core.Channel{
		ID: r.ID, PartnerID: r.PartnerID, Slug: r.Slug, Status: core.ChannelStatus(r.Status),
		ProductionApproved: r.ProductionApproved, ProductionApprovedAt: r.ProductionApprovedAt.timePtr(),
		RateLimitPerMinute: r.RateLimitPerMinute, EPPPasswordHash: r.EPPPasswordHash,
		CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time(),
		EPPClientCertSHA256: r.EPPClientCertSHA256,
	}
}

func apiKeyToRow(k core.APIKey) (*apiKeyRow, error) {
	scopes, err := toJSON(k.Scopes)
	if err != nil {
		return nil, err
	}
	return &apiKeyRow{
		ID: k.ID, PartnerID: k.PartnerID, ChannelID: k.ChannelID, Profile: k.Profile, Scopes: scopes,
		TokenHash: k.TokenHash, TokenPrefix: k.TokenPrefix, CreatedAt: ts(k.CreatedAt), RevokedAt: tsPtr(k.RevokedAt),
	}, nil
}

func (r *apiKeyRow) core() (core.APIKey, error) {
	k := core.APIKey{
		ID: r.ID, PartnerID: r.PartnerID, ChannelID: r.ChannelID, Profile: r.Profile,
		TokenHash: r.TokenHash, TokenPrefix: r.TokenPrefix, CreatedAt: r.CreatedAt.Time(), RevokedAt: r.RevokedAt.timePtr(),
	}
	return k, fromJSON(r.Scopes, &k.Scopes)
}

func namespaceToRow(n core.Namespace) (*namespaceRow, error) {
	reserved, err := toJSON(n.ReservedLabels)
	if err != nil {
		return nil, err
	}
	claims, err := toJSON(n.ClaimLabels)
	if err != nil {
		return nil, err
	}
	p := n.Policy
	sec := func(d time.Duration) int64 { return int64(d / time.Second) }
	return &namespaceRow{
		Name: n.Name, DNSBackend: n.DNSBackend, CreatePriceGems: n.CreatePriceGems, RenewPriceGems: n.RenewPriceGems,
		ReservedLabels: reserved, ClaimLabels: claims, CreatedAt: ts(n.CreatedAt),
		AddGraceSeconds: sec(p.AddGrace), RenewGraceSeconds: sec(p.RenewGrace), AutoRenewGraceSeconds: sec(p.AutoRenewGrace),
		TransferGraceSeconds: sec(p.TransferGrace), RedemptionSeconds: sec(p.Redemption), PendingDeleteSeconds: sec(p.PendingDelete),
		TransferPendingSeconds: sec(p.TransferPending), TransferLockSeconds: sec(p.TransferLock), AuthCodeTTLSeconds: sec(p.AuthCodeTTL),
		AutoRenew: p.AutoRenew, RestorePriceGems: p.RestorePriceGems, TransferPriceGems: p.TransferPriceGems,
	}, nil
}

func (r *namespaceRow) core() (core.Namespace, error) {
	dur := func(s int64) time.Duration { return time.Duration(s) * time.Second }
	n := core.Namespace{
		Name: r.Name, DNSBackend: r.DNSBackend, CreatePriceGems: r.CreatePriceGems, RenewPriceGems: r.RenewPriceGems,
		CreatedAt: r.CreatedAt.Time(),
		Policy: core.Policy{
			AddGrace: dur(r.AddGraceSeconds), RenewGrace: dur(r.RenewGraceSeconds), AutoRenewGrace: dur(r.AutoRenewGraceSeconds),
			TransferGrace: dur(r.TransferGraceSeconds), Redemption: dur(r.RedemptionSeconds), PendingDelete: dur(r.PendingDeleteSeconds),
			TransferPending: dur(r.TransferPendingSeconds), TransferLock: dur(r.TransferLockSeconds), AuthCodeTTL: dur(r.AuthCodeTTLSeconds),
			AutoRenew: r.AutoRenew, RestorePriceGems: r.RestorePriceGems, TransferPriceGems: r.TransferPriceGems,
		},
	}
	if err := fromJSON(r.ReservedLabels, &n.ReservedLabels); err != nil {
		return core.Namespace{}, err
	}
	return n, fromJSON(r.ClaimLabels, &n.ClaimLabels)
}

func listingToRow(l core.Listing) *listingRow {
	return &listingRow{
		ChannelID: l.ChannelID, Namespace: l.Namespace, Status: string(l.Status),
		CreatedAt: ts(l.CreatedAt), ApprovedAt: tsPtr(l.ApprovedAt),
	}
}

func (r *listingRow) core() core.Listing {
	return core.Listing{
		ChannelID: r.ChannelID, Namespace: r.Namespace, Status: core.ListingStatus(r.Status),
		CreatedAt: r.CreatedAt.Time(), ApprovedAt: r.ApprovedAt.timePtr(),
	}
}

func domainToRow(d core.Domain) (*domainRow, error) {
	if d.Name.IsZero() {
		return nil, fmt.Errorf("postgres: domain %s has no name", d.ID)
	}
	r := &domainRow{
		ID: d.ID, Name: d.Name.String(), Label: d.Name.Label(), Namespace: d.Name.Namespace(),
		ChannelID: d.ChannelID, PartnerID: d.PartnerID, State: string(d.State),
		ApplyStatus: d.ApplyStatus, BackendKind: d.BackendKind, BackendReference: d.BackendReference,
		ProtectedLegacy: d.ProtectedLegacy, OTESandbox: d.OTESandbox, Imported: d.Imported,
		CreatePaidGems: d.CreatePaidGems, CreatedAt: ts(d.CreatedAt), UpdatedAt: ts(d.UpdatedAt),
		ExpiresAt: ts(d.ExpiresAt), LastRenewedAt: tsPtr(d.LastRenewedAt), DeletedAt: tsPtr(d.DeletedAt),
		RegistrantContactID: d.RegistrantContactID,
		StateEndsAt:         tsPtr(d.StateEndsAt), DueAt: tsPtr(d.NextDue()),
		AuthCodeHash: d.AuthCodeHash, AuthCodeSetAt: tsPtr(d.AuthCodeSetAt),
		AuthCodeExpiresAt: tsPtr(d.AuthCodeExpiresAt), TransferredAt: tsPtr(d.TransferredAt),
	}
	if t := d.Transfer; t != nil {
		j, err := toJSON(transferToJSON(*t))
		if err != nil {
			return nil, err
		}
		r.Transfer = &j
		r.TransferStatus, r.TransferGainingChannelID, r.TransferLosingChannelID = t.Status, t.GainingChannelID, t.LosingChannelID
	}
	if d.Grace != nil {
		g, err := toJSON(graceToJSON(d.Grace))
		if err != nil {
			return nil, err
		}
		r.Grace = &g
	}
	r.Statuses = encodeStrings(d.Statuses)
	r.Registrant = encodeRegistrant(registrantJSON(d.Registrant))
	r.NameserversDesired = encodeStrings(d.NameserversDesired)
	r.NameserversApplied = encodeStrings(d.NameserversApplied)
	if d.Claim != nil {
		notice := d.Claim.NoticeID
		r.ClaimNoticeID = &notice
		r.ClaimAcceptedAt = tsPtr(&d.Claim.AcceptedAt)
	}
	return r, nil
}

func (r *domainRow) core() (core.Domain, error) {
	name, err := core.NewName(r.Label, r.Namespace)
	if err != nil {
		return core.Domain{}, fmt.Errorf("postgres: stored domain %s has an invalid name: %w", r.ID, err)
	}
	d := core.Domain{
		ID: r.ID, Name: name, ChannelID: r.ChannelID, PartnerID: r.PartnerID, State: core.State(r.State),
		ApplyStatus: r.ApplyStatus, BackendKind: r.BackendKind, BackendReference: r.BackendReference,
		ProtectedLegacy: r.ProtectedLegacy, OTESandbox: r.OTESandbox, Imported: r.Imported,
		CreatePaidGems: r.CreatePaidGems, CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time(),
		ExpiresAt: r.ExpiresAt.Time(), LastRenewedAt: r.LastRenewedAt.timePtr(), DeletedAt: r.DeletedAt.timePtr(),
		RegistrantContactID: r.RegistrantContactID, StateEndsAt: r.StateEndsAt.timePtr(),
		AuthCodeHash: r.AuthCodeHash, AuthCodeSetAt: r.AuthCodeSetAt.timePtr(),
		AuthCodeExpiresAt: r.AuthCodeExpiresAt.timePtr(), TransferredAt: r.TransferredAt.timePtr(),
	}
	if r.Transfer != nil {
		var t transferJSON
		if err := fromJSON(*r.Transfer, &t); err != nil {
			return core.Domain{}, err
		}
		d.Transfer = t.core()
	}
	if r.Grace != nil {
		g, err := decodeGrace(*r.Grace)
		if err != nil {
			return core.Domain{}, err
		}
		d.Grace = graceFromJSON(g)
	}
	if err := decodeStrings(r.Statuses, &d.Statuses); err != nil {
		return core.Domain{}, err
	}
	reg, err := decodeRegistrant(r.Registrant)
	if err != nil {
		return core.Domain{}, err
	}
	d.Registrant = core.Registrant(reg)
	if err := decodeStrings(r.NameserversDesired, &d.NameserversDesired); err != nil {
		return core.Domain{}, err
	}
	if err := decodeStrings(r.NameserversApplied, &d.NameserversApplied); err != nil {
		return core.Domain{}, err
	}
	if r.ClaimNoticeID != nil && r.ClaimAcceptedAt != nil {
		d.Claim = &core.ClaimAcknowledgement{NoticeID: *r.ClaimNoticeID, AcceptedAt: r.ClaimAcceptedAt.Time()}
	}
	return d, nil
}

func ledgerToRow(e core.LedgerEntry) *ledgerRow {
	return &ledgerRow{
		ID: e.ID, PartnerID: e.PartnerID, ChannelID: e.ChannelID, AuditID: e.AuditID, Command: e.Command,
		Domain: e.Domain, Amount: e.Amount, Balance: e.Balance, CreatedAt: ts(e.CreatedAt),
		Reason: e.Reason, Actor: e.Actor,
	}
}

func (r *ledgerRow) core() core.LedgerEntry {
	return core.LedgerEntry{
		ID: r.ID, PartnerID: r.PartnerID, ChannelID: r.ChannelID, AuditID: r.AuditID, Command: r.Command,
		Domain: r.Domain, Amount: r.Amount, Balance: r.Balance, CreatedAt: r.CreatedAt.Time(),
		Reason: r.Reason, Actor: r.Actor,
	}
}

func auditToRow(e core.AuditEvent) (*auditRow, error) {
	req, err := encodeSummary(e.RequestSummary)
	if err != nil {
		return nil, err
	}
	resp, err := encodeSummary(e.ResponseSummary)
	if err != nil {
		return nil, err
	}
	return &auditRow{
		ID: e.ID, ChannelID: e.ChannelID, ChannelSlug: e.ChannelSlug, APIKeyID: e.APIKeyID, Actor: e.Actor,
		Command: e.Command, Domain: e.Domain, IdempotencyKey: e.IdempotencyKey, Status: e.Status,
		HTTPStatus: e.HTTPStatus, RequestSummary: req, ResponseSummary: resp, CreatedAt: ts(e.CreatedAt),
	}, nil
}

func (r *auditRow) core() (core.AuditEvent, error) {
	e := core.AuditEvent{
		ID: r.ID, ChannelID: r.ChannelID, ChannelSlug: r.ChannelSlug, APIKeyID: r.APIKeyID, Actor: r.Actor,
		Command: r.Command, Domain: r.Domain, IdempotencyKey: r.IdempotencyKey, Status: r.Status,
		HTTPStatus: r.HTTPStatus, CreatedAt: r.CreatedAt.Time(),
	}
	var err error
	if e.RequestSummary, err = decodeSummary(r.RequestSummary); err != nil {
		return core.AuditEvent{}, err
	}
	if e.ResponseSummary, err = decodeSummary(r.ResponseSummary); err != nil {
		return core.AuditEvent{}, err
	}
	return e, nil
}

func idempotencyToRow(rec core.IdempotencyRecord) *idempotencyRow {
	r := &idempotencyRow{
		ChannelID: rec.ChannelID, IdempotencyKey: rec.Key, Command: rec.Command, Domain: rec.Domain,
		Fingerprint: rec.Fingerprint, Sandbox: rec.Sandbox, AuditID: rec.AuditID, CreatedAt: ts(rec.CreatedAt),
	}
	if len(rec.Result) > 0 {
		r.Result = rec.Result
	}
	return r
}

func (r *idempotencyRow) core() core.IdempotencyRecord {
	rec := core.IdempotencyRecord{
		ChannelID: r.ChannelID, Key: r.IdempotencyKey, Command: r.Command, Domain: r.Domain,
		Fingerprint: r.Fingerprint, Sandbox: r.Sandbox, AuditID: r.AuditID, CreatedAt: r.CreatedAt.Time(),
	}
	if len(r.Result) > 0 {
		rec.Result = r.Result
	}
	return rec
}

func pendingToRow(p core.PendingItem) (*pendingRow, error) {
	payload, err := toJSON(p.Payload)
	if err != nil {
		return nil, err
	}
	return &pendingRow{
		ID: p.ID, AuditID: p.AuditID, ChannelID: p.ChannelID, Command: p.Command, Domain: p.Domain,
		DomainID: p.DomainID, Payload: payload, Status: p.Status, Reason: p.Reason, Attempts: p.Attempts,
		NextTryAt: ts(p.NextTryAt), CreatedAt: ts(p.CreatedAt), UpdatedAt: ts(p.UpdatedAt),
	}, nil
}

func (r *pendingRow) core() (core.PendingItem, error) {
	p := core.PendingItem{
		ID: r.ID, AuditID: r.AuditID, ChannelID: r.ChannelID, Command: r.Command, Domain: r.Domain,
		DomainID: r.DomainID, Status: r.Status, Reason: r.Reason, Attempts: r.Attempts,
		NextTryAt: r.NextTryAt.Time(), CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time(),
	}
	return p, fromJSON(r.Payload, &p.Payload)
}

func oteRunToRow(o core.OTERun) (*oteRunRow, error) {
	ids, err := toJSON(o.EventIDs)
	if err != nil {
		return nil, err
	}
	return &oteRunRow{
		ID: o.ID, ChannelID: o.ChannelID, Name: o.Name, CreatedBy: o.CreatedBy, EventIDs: ids,
		CreatedAt: ts(o.CreatedAt), UpdatedAt: ts(o.UpdatedAt),
	}, nil
}

func (r *oteRunRow) core() (core.OTERun, error) {
	o := core.OTERun{
		ID: r.ID, ChannelID: r.ChannelID, Name: r.Name, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time(),
	}
	return o, fromJSON(r.EventIDs, &o.EventIDs)
}

// graceJSON is a grace period as the grace column holds it.
type graceJSON struct {
	Status    string    `json:"status"`
	EndsAt    time.Time `json:"ends_at"`
	PartnerID string    `json:"partner_id"`
	ChannelID string    `json:"channel_id"`
	Gems      int64     `json:"gems"`
	Years     int       `json:"years,omitempty"`
}

func graceToJSON(gs []core.GracePeriod) []graceJSON {
	out := make([]graceJSON, 0, len(gs))
	for _, g := range gs {
		out = append(out, graceJSON{g.Status, g.EndsAt.UTC().Truncate(time.Microsecond), g.PartnerID, g.ChannelID, g.Gems, g.Years})
	}
	return out
}

func graceFromJSON(gs []graceJSON) []core.GracePeriod {
	out := make([]core.GracePeriod, 0, len(gs))
	for _, g := range gs {
		out = append(out, core.GracePeriod{Status: g.Status, EndsAt: g.EndsAt.UTC(), PartnerID: g.PartnerID,
			ChannelID: g.ChannelID, Gems: g.Gems, Years: g.Years})
	}
	return out
}

// transferJSON is a transfer as the transfer column holds it.
type transferJSON struct {
	Status           string    `json:"status"`
	GainingChannelID string    `json:"gaining_channel_id"`
	GainingPartnerID string    `json:"gaining_partner_id"`
	LosingChannelID  string    `json:"losing_channel_id"`
	LosingPartnerID  string    `json:"losing_partner_id"`
	RequestedAt      time.Time `json:"requested_at"`
	ActionAt         time.Time `json:"action_at"`
	Years            int       `json:"years"`
	Gems             int64     `json:"gems"`
	ExpiresAt        time.Time `json:"expires_at"`
}

func transferToJSON(t core.Transfer) transferJSON {
	us := func(x time.Time) time.Time { return x.UTC().Truncate(time.Microsecond) }
	return transferJSON{t.Status, t.GainingChannelID, t.GainingPartnerID, t.LosingChannelID, t.LosingPartnerID,
		us(t.RequestedAt), us(t.ActionAt), t.Years, t.Gems, us(t.ExpiresAt)}
}

func (t transferJSON) core() *core.Transfer {
	return &core.Transfer{Status: t.Status, GainingChannelID: t.GainingChannelID, GainingPartnerID: t.GainingPartnerID,
		LosingChannelID: t.LosingChannelID, LosingPartnerID: t.LosingPartnerID, RequestedAt: t.RequestedAt.UTC(),
		ActionAt: t.ActionAt.UTC(), Years: t.Years, Gems: t.Gems, ExpiresAt: t.ExpiresAt.UTC()}
}
