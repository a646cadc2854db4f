package registry

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// Transfers between registrar channels (RFC 5731 transfer, RFC 9154
// authorization information). A gaining channel requests a transfer with
// the registration's authorization code; the request debits its partner at
// once and the registration is pendingTransfer. The sponsor approves or
// rejects it, the requester may cancel it, an operator may approve or reject
// it, and the maintenance loop approves it at its deadline. Every step runs
// on the registration as its transaction locked it, so that competing steps
// take one serial order, and leaves a notice in both channels' /poll and
// EPP message queues.

// anyOtherChannel lets every channel reach the request rule, which itself
// refuses the sponsor (transfer_not_eligible).
func anyOtherChannel(*core.Domain, core.Actor) error { return nil }

// requesterOnly lets the channel that requested the latest transfer act.
func requesterOnly(d *core.Domain, a core.Actor) error {
	if d.Transfer != nil && d.Transfer.GainingChannelID == a.ChannelID() {
		return nil
	}
	return core.Errorf(core.CodeDomainNotSponsored, "%s has no transfer requested by this registrar channel", d.Name)
}

// sponsorOrRequester lets the sponsor or the latest transfer's requester read it.
func sponsorOrRequester(d *core.Domain, a core.Actor) error {
	if d.ChannelID == a.ChannelID() {
		return nil
	}
	return requesterOnly(d, a)
}

// transferParams is the fingerprinted form of a transfer request; the
// authorization code is never part of it (the fingerprint is a fast hash).
type transferParams struct {
	Years int
}

// verifyAuthCode answers a verifier over the Service's password hasher.
func (s *Service) verifyAuthCode(code string) core.AuthCodeVerifier {
	return func(hash string) (bool, error) {
		if s.opts.Passwords == nil {
			return false, errors.New("registry: no password hasher configured")
		}
		return s.opts.Passwords.Verify(hash, code)
	}
}

// RequestTransfer asks for the transfer of another channel's registration.
func (s *Service) RequestTransfer(ctx context.Context, a core.Actor, cmd core.RequestTransferCmd) (core.Outcome, error) {
	name, ns, err := s.target(ctx, a, cmd.Domain, true, cmd.Sandbox)
	if err != nil {
		return core.Outcome{}, err
	}
	if s.opts.Passwords == nil {
		return core.Outcome{}, core.Internal(errors.New("registry: no password hasher configured"))
	}
	years := cmd.Years // transports default an absent period to one year
	price := ns.TransferPrice() * int64(years)
	m := mutation{actor: a, command: core.CmdRequestTransfer, name: name, ns: ns, meta: cmd.Mutation,
		params: transferParams{years}, request: map[string]any{"domain": name.String(), "years": years}}
	dummy := s.dummyHash()
	return s.mutateDomainAs(ctx, m, anyOtherChannel, nil, func(d core.LockedDomain, now time.Time) (core.LifecycleEffect, error) {
		if cmd.AuthCode == "" {
			return core.LifecycleEffect{}, core.Invalid("auth_code", "auth_code is required: the registration's authorization code")
		}
		if d.Read().OTESandbox && !cmd.Sandbox {
			// The OT&E counterparty never acts and OT&E fixtures never
			// reach a deadline: a real request would hold the debit forever.
			return core.LifecycleEffect{}, core.Errorf(core.CodeTransferNotEligible,
				"%s is an OT&E fixture: request its transfer in sandbox mode only", name)
		}
		return core.LifecycleEffect{}, d.RequestTransfer(core.TransferRequest{Payer: a.Payer(), Years: years, Gems: price},
			now, ns.Policy, s.verifyAuthCode(cmd.AuthCode), dummy)
	}, func(ctx context.Context, tx ports.Stores, d core.Domain, _ core.LifecycleEffect, now time.Time, out *core.Outcome) error {
		out.DebitedGems = price // debited by the pipeline, last
		if !out.Sandbox {
			id, err := s.queue(ctx, tx, a.ChannelID(), out.AuditID, &d, string(core.CmdRequestTransfer),
				map[string]any{"transfer_status": core.TransferPending, "years": years,
					"losing_channel_id": d.Transfer.LosingChannelID,
					"action_at":         d.Transfer.ActionAt.UTC().Format(time.RFC3339)}, now)
			if err != nil {
				return err
			}
			out.PendingID = id
		}
		return s.transferStep(ctx, tx, d, a.ChannelID(), out.AuditID, now, out)
	})
}

// QueryTransfer answers a registration's latest transfer to its sponsor or
// to the channel that requested it.
func (s *Service) QueryTransfer(ctx context.Context, a core.Actor, domain string) (core.TransferView, error) {
	name, _, err := s.target(ctx, a, domain, false, false)
	if err != nil {
		return core.TransferView{}, err
	}
	var view core.TransferView
	err = s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		d, err := tx.Domains().GetByName(ctx, name)
		if errors.Is(err, ports.ErrNotFound) {
			return core.Errorf(core.CodeDomainNotFound, "%s is not registered", name)
		}
		if err != nil {
			return err
		}
		if err := sponsorOrRequester(&d, a); err != nil {
			return err
		}
		if d.Transfer == nil {
			return core.Errorf(core.CodeTransferNotPending, "%s has never had a transfer", name)
		}
		slugs, err := channelSlugs(ctx, tx, d.Transfer.GainingChannelID, d.Transfer.LosingChannelID)
		if err != nil {
			return err
		}
		view = *core.TransferViewOf(&d, slugs)
		return nil
	})
	return view, storeErr(err, core.CodeDomainNotFound, "domain")
}

// ApproveTransfer is the sponsor's approval (clientApproved).
func (s *Service) ApproveTransfer(ctx context.Context, a core.Actor, cmd core.TransferAction) (core.Outcome, error) {
	return s.transferAction(ctx, a, cmd, core.CmdApproveTransfer, sponsorOnly, core.TransferClientApproved)
}

// RejectTransfer is the sponsor's rejection (clientRejected).
func (s *Service) RejectTransfer(ctx context.Context, a core.Actor, cmd core.TransferAction) (core.Outcome, error) {
	return s.transferAction(ctx, a, cmd, core.CmdRejectTransfer, sponsorOnly, core.TransferClientRejected)
}

// CancelTransfer is the requester's cancellation (clientCancelled).
func (s *Service) CancelTransfer(ctx context.Context, a core.Actor, cmd core.TransferAction) (core.Outcome, error) {
	return s.transferAction(ctx, a, cmd, core.CmdCancelTransfer, requesterOnly, core.TransferClientCancelled)
}

func (s *Service) transferAction(ctx context.Context, a core.Actor, cmd core.TransferAction, command core.Command,
	access domainAccess, status string) (core.Outcome, error) {
	name, ns, err := s.target(ctx, a, cmd.Domain, true, cmd.Sandbox)
	if err != nil {
		return core.Outcome{}, err
	}
	m := mutation{actor: a, command: command, name: name, ns: ns, meta: cmd.Mutation,
		params: struct{}{}, request: map[string]any{"domain": name.String()}}
	return s.mutateDomainAs(ctx, m, access, nil, func(d core.LockedDomain, now time.Time) (core.LifecycleEffect, error) {
		return endTransfer(d, status, now, ns.Policy)
	}, func(ctx context.Context, tx ports.Stores, d core.Domain, eff core.LifecycleEffect, now time.Time, out *core.Outcome) error {
		return s.transferEnded(ctx, tx, d, eff, a.ChannelID(), out.AuditID, string(command), now, out)
	})
}

// endTransfer approves (client or server) or ends a pending transfer.
func endTransfer(d core.LockedDomain, status string, now time.Time, p core.Policy) (core.LifecycleEffect, error) {
	if status == core.TransferClientApproved || status == core.TransferServerApproved {
		return d.ApproveTransfer(status, now, p)
	}
	return d.EndTransfer(status, now)
}

// transferEnded writes what an ended transfer leaves behind, in the
// transaction that ended it: refunds (the gaining partner's debit on a
// rejection or cancellation; the losing partner's auto-renewal on an
// approval), the transfer intent settled, the backend work of an approval
// and both channels' notices. actorChannel is the channel that acted, "" for
// the registry or an operator.
func (s *Service) transferEnded(ctx context.Context, tx ports.Stores, d core.Domain, eff core.LifecycleEffect,
	actorChannel, auditID, command string, now time.Time, out *core.Outcome) error {
	if err := s.refund(ctx, tx, auditID, command, d.Name.String(), eff, now); err != nil {
		return err
	}
	if out != nil {
		out.RefundedGems = eff.RefundedGems()
		if out.Sandbox {
			return s.transferStep(ctx, tx, d, actorChannel, auditID, now, out)
		}
	}
	t := d.Transfer
	approved := t.Status == core.TransferClientApproved || t.Status == core.TransferServerApproved
	var err error
	if err = s.settleIntents(ctx, tx, d, approved, auditID, now); err != nil {
		return err
	}
	if approved && d.RegistrantContactID != "" {
		if d, err = s.copyRegistrant(ctx, tx, d, now); err != nil {
			return err
		}
	}
	if approved && eff.Restore {
		if _, err := s.lifecycleWork(ctx, tx, auditID, command, d, eff, now); err != nil {
			return err
		}
	}
	if approved {
		id, err := s.queue(ctx, tx, t.GainingChannelID, auditID, &d, string(core.CmdTransferDomain),
			map[string]any{"losing_channel_id": t.LosingChannelID, "years": t.Years,
				"nameservers": nonNilList(d.NameserversDesired)}, now)
		if err != nil {
			return err
		}
		if out != nil {
			out.PendingID = id
		}
	}
	return s.transferStep(ctx, tx, d, actorChannel, auditID, now, out)
}

// settleIntents marks the queued request_transfer items of the registration
// applied (approved) or failed (rejected, cancelled).
func (s *Service) settleIntents(ctx context.Context, tx ports.Stores, d core.Domain, approved bool, auditID string, now time.Time) error {
	items, err := tx.Pending().List(ctx, core.PendingFilter{Domain: d.Name.String(), Command: string(core.CmdRequestTransfer), Limit: 500})
	if err != nil {
		return err
	}
	status, reason := core.PendingFailed, "the transfer ended "+d.Transfer.Status
	if approved {
		status, reason = core.PendingApplied, ""
	}
	for _, it := range items {
		if it.DomainID != d.ID {
			continue
		}
		if _, err := tx.Pending().Update(ctx, it.ID, func(p *core.PendingItem) error {
			if p.Status == core.PendingQueued {
				p.Status, p.Reason, p.UpdatedAt = status, reason, now
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// transferTexts say what each transfer status tells the two channels.
var transferTexts = map[string]string{
	core.TransferPending:         "has a transfer request pending",
	core.TransferClientApproved:  "was transferred: the sponsor approved the transfer",
	core.TransferClientRejected:  "stays with its sponsor: the transfer was rejected",
	core.TransferClientCancelled: "stays with its sponsor: the requester cancelled the transfer",
	core.TransferServerApproved:  "was transferred: the registry approved the transfer",
	core.TransferServerCancelled: "stays with its sponsor: the registry cancelled the transfer",
}

// transferStep tells both channels of a transfer step: the channel that did
// not act (both, when the registry or an operator acted) gets an audit row
// (actor registry, command transfer_notice) in its /poll, and both get an EPP
// queue message carrying the transfer. out, when non-nil, receives the view.
func (s *Service) transferStep(ctx context.Context, tx ports.Stores, d core.Domain, actorChannel, auditID string, now time.Time, out *core.Outcome) error {
	t := d.Transfer
	slugs, err := channelSlugs(ctx, tx, t.GainingChannelID, t.LosingChannelID)
	if err != nil {
		return err
	}
	view := core.TransferViewOf(&d, slugs)
	if out != nil {
		out.Transfer = view
		if out.Sandbox {
			return nil
		}
	}
	summary := transferSummary(view)
	for _, ch := range []string{t.LosingChannelID, t.GainingChannelID} {
		if ch == actorChannel {
			continue
		}
		if err := tx.Audit().Append(ctx, core.AuditEvent{
			ID: s.ids.NewID("aud"), ChannelID: ch, ChannelSlug: slugs[ch], Actor: "registry",
			Command: string(core.CmdTransferNotice), Domain: d.Name.String(), Status: core.AuditSuccess, HTTPStatus: 200,
			RequestSummary:  map[string]any{"domain": d.Name.String(), "audit_id": auditID},
			ResponseSummary: core.Summarize(summary), CreatedAt: now,
		}); err != nil {
			return err
		}
	}
	text := d.Name.String() + " " + transferTexts[t.Status] + "."
	for _, ch := range []string{t.LosingChannelID, t.GainingChannelID} {
		payload := map[string]any{"audit_id": auditID}
		for k, v := range summary {
			payload[k] = v
		}
		if err := s.notify(ctx, tx, ch, core.MsgTransfer, d.Name.String(), text, payload, now); err != nil {
			return err
		}
	}
	return nil
}

// transferSummary is a transfer as audit rows and messages carry it.
func transferSummary(v *core.TransferView) map[string]any {
	return map[string]any{
		"transfer_status": v.Status, "gaining_channel_id": v.GainingChannel.ID, "gaining_channel": v.GainingChannel.Slug,
		"losing_channel_id": v.LosingChannel.ID, "losing_channel": v.LosingChannel.Slug,
		"requested_at": v.RequestedAt.UTC().Format(time.RFC3339), "action_at": v.ActionAt.UTC().Format(time.RFC3339),
		"years": v.Years, "expires_at": v.ExpiresAt.UTC().Format(time.RFC3339),
	}
}

// channelSlugs reads the slugs of channel ids; unknown ids map to "".
func channelSlugs(ctx context.Context, tx ports.Stores, ids ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, id := range ids {
		if _, done := out[id]; done || id == "" {
			continue
		}
		ch, err := tx.Channels().Get(ctx, id)
		switch {
		case err == nil:
			out[id] = ch.Slug
		case errors.Is(err, ports.ErrNotFound):
			out[id] = ""
		default:
			return nil, err
		}
	}
	return out, nil
}

// ListTransfers answers the channel's transfers, gaining, losing or both.
func (s *Service) ListTransfers(ctx context.Context, a core.Actor, f core.TransferFilter) (core.TransferPage, error) {
	f.ChannelID = a.ChannelID()
	return s.listTransfers(ctx, f)
}

// OperatorListTransfers answers every channel's transfers, or one channel's.
func (s *Service) OperatorListTransfers(ctx context.Context, f core.TransferFilter) (core.TransferPage, error) {
	if f.ChannelID == "" && f.Role != "" {
		return core.TransferPage{}, core.Invalid("role", "role needs registrar_channel_id")
	}
	return s.listTransfers(ctx, f)
}

func (s *Service) listTransfers(ctx context.Context, f core.TransferFilter) (core.TransferPage, error) {
	if f.Role != "" && f.Role != core.TransferRoleGaining && f.Role != core.TransferRoleLosing {
		return core.TransferPage{}, core.Invalid("role", "role must be gaining or losing")
	}
	if f.Status != "" && !slices.Contains(core.TransferStatuses(), f.Status) {
		return core.TransferPage{}, core.Invalid("status", "status must be one of the RFC 5731 transfer statuses")
	}
	if len(f.Cursor) > 64 {
		return core.TransferPage{}, core.Invalid("cursor", "cursor is not one this API answered")
	}
	limit := pageSize(f.Limit)
	page := core.TransferPage{Transfers: []core.TransferView{}}
	err := s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		ds, err := tx.Domains().ListTransfers(ctx, ports.TransferQuery{ChannelID: f.ChannelID, Role: f.Role,
			Status: f.Status, AfterID: f.Cursor, Limit: limit + 1})
		if err != nil {
			return err
		}
		if len(ds) > limit {
			ds = ds[:limit]
			page.NextCursor = ds[limit-1].ID
		}
		for i := range ds {
			slugs, err := channelSlugs(ctx, tx, ds[i].Transfer.GainingChannelID, ds[i].Transfer.LosingChannelID)
			if err != nil {
				return err
			}
			page.Transfers = append(page.Transfers, *core.TransferViewOf(&ds[i], slugs))
		}
		return nil
	})
	return page, storeErr(err, core.CodeInternal, "transfers")
}

// OperatorTransfer approves (serverApproved) or rejects (serverCancelled) a
// pending transfer as an operator.
func (s *Service) OperatorTransfer(ctx context.Context, domain string, approve bool) (core.TransferView, error) {
	name, err := core.ParseName(domain)
	if err != nil {
		return core.TransferView{}, err
	}
	command, status := "reject_transfer", core.TransferServerCancelled
	if approve {
		command, status = "approve_transfer", core.TransferServerApproved
	}
	var view core.TransferView
	err = s.operatorDo(ctx, command, 200, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		ns, err := tx.Namespaces().Get(ctx, name.Namespace())
		if errors.Is(err, ports.ErrNotFound) {
			return core.Errorf(core.CodeDomainNotFound, "%s is not registered", name)
		}
		if err != nil {
			return err
		}
		var eff core.LifecycleEffect
		d, err := tx.Domains().UpdateByName(ctx, name, func(d *core.Domain) error {
			var err error
			eff, err = endTransfer(core.LockForRules(d), status, now, ns.Policy)
			return err
		})
		if errors.Is(err, ports.ErrNotFound) {
			return core.Errorf(core.CodeDomainNotFound, "%s is not registered", name)
		}
		if err != nil {
			return err
		}
		auditID := s.ids.NewID("aud")
		out := core.Outcome{AuditID: auditID}
		if err := s.transferEnded(ctx, tx, d, eff, "", auditID, "operator."+command, now, &out); err != nil {
			return err
		}
		view = *out.Transfer
		rec.channelID, rec.domain = d.Transfer.LosingChannelID, name.String()
		rec.request = map[string]any{"domain": name.String()}
		rec.response = transferSummary(out.Transfer)
		return nil
	})
	return view, err
}

// settleTransferIntent is an operator's apply (approve) or fail (reject) of
// a request_transfer item, inside the transaction that settles it.
func (s *Service) settleTransferIntent(ctx context.Context, tx ports.Stores, item core.PendingItem, applied bool, now time.Time) error {
	name, err := core.ParseName(item.Domain)
	if err != nil {
		return core.Invalid("id", "the pending item names no valid domain")
	}
	ns, err := tx.Namespaces().Get(ctx, name.Namespace())
	if err != nil {
		return err
	}
	status := core.TransferServerCancelled
	if applied {
		status = core.TransferServerApproved
	}
	var eff core.LifecycleEffect
	d, err := tx.Domains().Update(ctx, item.DomainID, func(d *core.Domain) error {
		var err error
		eff, err = endTransfer(core.LockForRules(d), status, now, ns.Policy)
		return err
	})
	if errors.Is(err, ports.ErrNotFound) {
		return core.Errorf(core.CodeTransferNotPending, "the registration of %s no longer exists", item.Domain)
	}
	if err != nil {
		return err
	}
	return s.transferEnded(ctx, tx, d, eff, "", item.AuditID, "operator."+map[bool]string{true: "apply_pending", false: "fail_pending"}[applied], now, nil)
}

// InfoDomainWithAuth reads a registration for its sponsor, or for another
// channel that presents its authorization code (RFC 5731 §3.1.2: how a
// gaining registrar checks a code before it requests a transfer). A wrong,
// unset or expired code answers invalid_auth_code after one verification.
func (s *Service) InfoDomainWithAuth(ctx context.Context, a core.Actor, domain, authCode string) (core.DomainView, error) {
	name, _, err := s.target(ctx, a, domain, false, false)
	if err != nil {
		return core.DomainView{}, err
	}
	var d core.Domain
	err = s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		var err error
		d, err = tx.Domains().GetByName(ctx, name)
		if errors.Is(err, ports.ErrNotFound) {
			return core.Errorf(core.CodeDomainNotFound, "%s is not registered", name)
		}
		return err
	})
	if err != nil {
		return core.DomainView{}, storeErr(err, core.CodeDomainNotFound, "domain")
	}
	now := s.now()
	if d.ChannelID != a.ChannelID() {
		if authCode == "" {
			return core.DomainView{}, core.Errorf(core.CodeDomainNotSponsored, "%s is sponsored by another registrar channel", name)
		}
		set := d.AuthCodeSet(now)
		hash := d.AuthCodeHash
		if !set {
			hash = s.dummyHash()
		}
		ok, err := s.verifyAuthCode(authCode)(hash)
		if err != nil {
			return core.DomainView{}, core.Internal(err)
		}
		if !ok || !set {
			return core.DomainView{}, core.Errorf(core.CodeInvalidAuthCode, "the authorization code is wrong, unset or expired")
		}
	}
	v := core.ViewOf(&d, now)
	if d.ChannelID != a.ChannelID() {
		err = s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
			slugs, err := channelSlugs(ctx, tx, d.ChannelID)
			v.ChannelSlug = slugs[d.ChannelID]
			return err
		})
	}
	return v, storeErr(err, core.CodeInternal, "channel")
}

// transfersDocument describes transfers in the registry service contract.
func transfersDocument() map[string]any {
	return map[string]any{
		"statuses":         core.TransferStatuses(),
		"roles":            []string{core.TransferRoleGaining, core.TransferRoleLosing},
		"request_debit":    "transfer_price_gems × years from the gaining partner, at the request",
		"refunds":          "rejection and cancellation refund the gaining partner; an approval inside auto-renew grace refunds the auto-renewal to the losing partner; a delete inside transfer grace refunds the transfer",
		"approval":         "the gaining channel sponsors the registration; expiry + years; transferPeriod grace; client statuses and the auth code cleared; backend work transfer_domain queued for the gaining channel",
		"server_approval":  "at action_at (the namespace's transfer_pending_period_seconds after the request) by the maintenance loop, or by an operator",
		"intent":           "a pending transfer is listed in the gaining channel's backend pending work as request_transfer; an operator's apply approves it, fail rejects it; the apply worker never acts on it",
		"notices":          "both channels: an audit row in /poll (the other side's as actor registry, command " + string(core.CmdTransferNotice) + ") and an EPP queue message",
		"auth_code_policy": map[string]any{"min_length": core.MinAuthCodeLength, "min_classes": 3, "classes": []string{"lowercase", "uppercase", "digits", "symbols"}, "stored": "hashed", "answered": false, "wrong_unset_expired": string(core.CodeInvalidAuthCode)},
		"codes":            []string{string(core.CodeTransferNotEligible), string(core.CodeTransferAlreadyPending), string(core.CodeTransferNotPending), string(core.CodeInvalidAuthCode)},
	}
}

// copyRegistrant gives a transferred registration whose registrant was a
// contact of the losing channel a copy of that contact owned by the gaining
// channel, and names the copy: the losing channel's contact stays its own.
func (s *Service) copyRegistrant(ctx context.Context, tx ports.Stores, d core.Domain, now time.Time) (core.Domain, error) {
	old, err := tx.Contacts().Get(ctx, d.RegistrantContactID)
	if errors.Is(err, ports.ErrNotFound) {
		old = core.Contact{PostalInfo: core.PostalInfo{Type: core.PostalLoc, Name: d.Registrant.Name,
			Org: d.Registrant.Organization, CC: d.Registrant.Country}, Voice: d.Registrant.Phone, Email: d.Registrant.Email}
	} else if err != nil {
		return d, err
	}
	if old.ChannelID == d.ChannelID {
		return d, nil
	}
	c := core.Contact{ROID: s.ids.NewID("con") + "-HD", ChannelID: d.ChannelID, PartnerID: d.PartnerID,
		PostalInfo: old.PostalInfo, Voice: old.Voice, Fax: old.Fax, Email: old.Email, Statuses: []string{},
		CreatedAt: now, UpdatedAt: now}
	c.PostalInfo.Street = append([]string{}, old.PostalInfo.Street...)
	for attempt := 0; ; attempt++ {
		id := s.ids.NewID("")
		c.ID = "xfr" + strings.ToLower(id[len(id)-13:]) // 16 characters, RFC 5730 clIDType
		err = tx.Contacts().Insert(ctx, c)
		if err == nil {
			break
		}
		if !errors.Is(err, ports.ErrDuplicate) || attempt == 2 {
			return d, err
		}
	}
	return tx.Domains().Update(ctx, d.ID, func(x *core.Domain) error {
		x.RegistrantContactID, x.Registrant = c.ID, c.Registrant()
		x.UpdatedAt = now
		return nil
	})
}
