package registry

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// MaxCheckNames bounds one check command.
const MaxCheckNames = 50

// CheckDomains answers availability for 1 to 50 names. A bare label is
// checked in every namespace the channel is approved for.
func (s *Service) CheckDomains(ctx context.Context, a core.Actor, cmd core.CheckDomains) ([]core.CheckResult, error) {
	if len(cmd.Names) == 0 || len(cmd.Names) > MaxCheckNames {
		return nil, core.Invalid("names", "names must list 1 to %d labels or names", MaxCheckNames)
	}
	var names []core.Name
	for _, raw := range cmd.Names {
		if !strings.Contains(raw, ".") {
			label, err := core.ParseLabel(raw)
			if err != nil {
				return nil, inField(err, "names")
			}
			for _, ns := range a.ApprovedNamespaces() {
				n, err := core.NewName(label, ns)
				if err != nil {
					return nil, err
				}
				names = append(names, n)
			}
			continue
		}
		n, err := core.ParseName(raw)
		if err != nil {
			return nil, inField(err, "names")
		}
		names = append(names, n)
	}
	spaces := map[string]core.Namespace{}
	for _, n := range names {
		if _, ok := spaces[n.Namespace()]; ok {
			continue
		}
		ns, err := s.lookupNamespace(ctx, n.Namespace())
		if errors.Is(err, ports.ErrNotFound) {
			return nil, core.Invalid("names", "namespace %q does not exist", n.Namespace())
		}
		if err != nil {
			return nil, storeErr(err, core.CodeInternal, "namespace")
		}
		spaces[ns.Name] = ns
	}
	for _, n := range names {
		if err := s.namespaceRules(a, n.Namespace(), false, false); err != nil {
			return nil, err
		}
	}
	var results []core.CheckResult
	err := s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		taken, err := tx.Domains().TakenNames(ctx, names)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n.String()] {
				continue
			}
			seen[n.String()] = true
			ns := spaces[n.Namespace()]
			r := core.CheckResult{Name: n.String(), Available: true, PriceGems: ns.CreatePriceGems}
			switch _, registered := taken[n.String()]; {
			case registered:
				r.Available, r.Reason = false, "registered"
			case ns.IsReserved(n.Label()):
				r.Available, r.Reason = false, "reserved"
			case ns.IsClaim(n.Label()):
				r.Reason = "claim_required"
			}
			results = append(results, r)
		}
		return nil
	})
	if err != nil {
		return nil, storeErr(err, core.CodeInternal, "check")
	}
	return results, nil
}

// InfoDomain reads a registration the channel sponsors.
func (s *Service) InfoDomain(ctx context.Context, a core.Actor, domain string) (core.DomainView, error) {
	name, _, err := s.target(ctx, a, domain, false, false)
	if err != nil {
		return core.DomainView{}, err
	}
	var view core.DomainView
	err = s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		d, err := sponsored(ctx, tx, a, name)
		if err != nil {
			return err
		}
		view = core.ViewOf(&d, s.now())
		return nil
	})
	return view, storeErr(err, core.CodeDomainNotFound, "domain")
}

// createParams is the fingerprinted form of a create.
type createParams struct {
	Years       int
	Registrant  core.Registrant
	Nameservers []string
	Claim       *core.ClaimAcknowledgement
	// omitempty keeps the fingerprints of creates with inline registrants
	// what they were before contacts existed.
	RegistrantContactID string `json:",omitempty"`
	// AuthCode is "set" when the create sets a code, never the code.
	AuthCode string `json:",omitempty"`
}

// CreateDomain registers a name and debits create_price × years.
func (s *Service) CreateDomain(ctx context.Context, a core.Actor, cmd core.CreateDomain) (core.Outcome, error) {
	name, ns, err := s.target(ctx, a, cmd.Domain, true, cmd.Sandbox)
	if err != nil {
		return core.Outcome{}, err
	}
	cmd.Registrant.Country = strings.ToUpper(cmd.Registrant.Country)
	if cmd.Claim != nil {
		t := cmd.Claim.AcceptedAt.UTC()
		cmd.Claim = &core.ClaimAcknowledgement{NoticeID: cmd.Claim.NoticeID, AcceptedAt: t}
	}
	nsList, nsErr := core.NormalizeNameservers(cmd.Nameservers)
	req := map[string]any{"domain": name.String(), "years": cmd.Years,
		"registrant": core.RegistrantSummary(cmd.Registrant), "nameservers": nsList,
		"claim_acknowledgement": cmd.Claim != nil}
	if cmd.RegistrantContactID != "" {
		req["registrant"] = map[string]any{"contact_id": cmd.RegistrantContactID}
	}
	var code *string
	if cmd.AuthCode != "" {
		code = &cmd.AuthCode
	}
	authChange, authHash, authErr := s.authCodeChange(code)
	if authErr != nil && core.CodeOf(authErr) != core.CodeValidation {
		return core.Outcome{}, authErr
	}
	m := mutation{actor: a, command: core.CmdCreateDomain, name: name, ns: ns, meta: cmd.Mutation,
		params: createParams{cmd.Years, cmd.Registrant, nsList, cmd.Claim, cmd.RegistrantContactID, authChange}, request: req, registers: true}
	return s.mutate(ctx, m, func(ctx context.Context, tx ports.Stores, now time.Time, out *core.Outcome) error {
		if authErr != nil {
			return authErr
		}
		if err := core.ValidateYears(cmd.Years); err != nil {
			return err
		}
		if nsErr != nil {
			return nsErr
		}
		registrant := cmd.Registrant
		if cmd.RegistrantContactID != "" {
			if !registrantEmpty(cmd.Registrant) {
				return core.Invalid("registrant", "send registrant data or a registrant contact id, not both")
			}
			var err error
			if registrant, err = registrantContact(ctx, tx, a, cmd.RegistrantContactID); err != nil {
				return err
			}
		}
		if err := core.ValidateRegistrant(registrant, true); err != nil {
			return err
		}
		expiry := core.AddYears(now, cmd.Years)
		if err := core.CheckPeriod(expiry, now); err != nil {
			return err
		}
		if ns.IsReserved(name.Label()) {
			return core.Errorf(core.CodeDomainNotAvailable, "%s is reserved", name)
		}
		price := ns.CreatePriceGems * int64(cmd.Years) // debited by the pipeline, last
		d := core.Domain{
			ID: s.ids.NewID("dom"), Name: name, ChannelID: a.ChannelID(), PartnerID: a.Partner.ID,
			State: core.StateActive, Statuses: []string{}, Registrant: registrant,
			NameserversDesired: []string{}, NameserversApplied: []string{}, ApplyStatus: core.ApplyNone,
			BackendKind: ns.DNSBackend, CreatePaidGems: price, CreatedAt: now, UpdatedAt: now, ExpiresAt: expiry,
			Claim: cmd.Claim, RegistrantContactID: cmd.RegistrantContactID,
		}
		d.BackendReference = d.ID
		d.Registered(now, ns.Policy, a.Payer(), price)
		if authHash != "" {
			d.SetAuthCode(authHash, now, ns.Policy)
		}
		if len(nsList) > 0 {
			d.SetDesiredNameservers(nsList, now)
		}
		// The insert is the availability check: the live name is unique, so
		// a name registered (or being registered) is refused here, before
		// anything else is written. It also tells whether an earlier
		// registration of the name left backend work queued.
		earlierWork, err := tx.Domains().Register(ctx, d)
		if err != nil {
			if errors.Is(err, ports.ErrDuplicate) {
				return core.Errorf(core.CodeDomainNotAvailable, "%s is already registered", name)
			}
			return err
		}
		if ns.IsClaim(name.Label()) {
			if cmd.Claim == nil || strings.TrimSpace(cmd.Claim.NoticeID) == "" || cmd.Claim.AcceptedAt.IsZero() {
				return core.Errorf(core.CodeClaimAcknowledgementRequired,
					"%s is claim-required: send claim_acknowledgement with notice_id and accepted_at", name)
			}
			if cmd.Claim.AcceptedAt.After(now.Add(5 * time.Minute)) {
				return core.Invalid("claim_acknowledgement.accepted_at", "accepted_at must not be in the future")
			}
		}
		if earlierWork && !cmd.Sandbox {
			if err := s.startClean(ctx, tx, ns, name, d.ID, now); err != nil {
				return err
			}
		}
		if len(nsList) > 0 {
			id, err := s.queue(ctx, tx, d.ChannelID, out.AuditID, &d, string(core.CmdUpdateNameservers), map[string]any{"nameservers": nsList}, now)
			if err != nil {
				return err
			}
			out.PendingID = id
		}
		out.DebitedGems = price
		v := core.ViewOf(&d, now)
		out.Domain = &v
		return nil
	})
}

// startClean makes sure a name registered again starts with nothing at the
// backend: when the purge of an earlier registration of the name is still
// queued, it is done now, inside the create's transaction (a backend that
// does not answer fails the create with backend_unavailable, retryable), and
// the queued work is marked applied.
func (s *Service) startClean(ctx context.Context, tx ports.Stores, ns core.Namespace, name core.Name, newID string, now time.Time) error {
	items, err := tx.Pending().List(ctx, core.PendingFilter{Domain: name.String(), Limit: 500})
	if err != nil {
		return err
	}
	var stale []core.PendingItem
	for _, it := range items {
		if it.DomainID != newID && pendingAction(it) != "" {
			stale = append(stale, it)
		}
	}
	if len(stale) == 0 {
		return nil
	}
	if ns.DNSBackend != core.DNSBackendNone && ns.DNSBackend != "" {
		be, err := s.dns.Backend(ns)
		if err != nil {
			return core.Unavailable("the DNS backend", err)
		}
		if err := purgeAtBackend(ctx, be, name); err != nil {
			return dnsErr(err)
		}
	}
	for _, it := range stale {
		if _, err := tx.Pending().Update(ctx, it.ID, func(p *core.PendingItem) error {
			p.Status, p.Reason, p.UpdatedAt = core.PendingApplied, "purged when the name was registered again", now
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// move changes a partner's balance by delta Gems (negative: a debit) under
// its row lock and writes the ledger entry; a debit never takes the balance
// below zero.
func (s *Service) move(ctx context.Context, tx ports.Stores, payer core.Payer, auditID, command, reason string, delta core.Gems, domain string, now time.Time) error {
	actor := "registrar"
	if core.IsLifecycleChange(command) {
		actor = "registry"
	}
	if delta == 0 {
		return nil
	}
	// The balance moves and the entry is written in one step, the row lock
	// of the partner taken last (ports.LedgerRepository.Post).
	e, err := tx.Ledger().Post(ctx, core.LedgerEntry{
		ID: s.ids.NewID("led"), PartnerID: payer.PartnerID, ChannelID: payer.ChannelID, AuditID: auditID,
		Command: command, Domain: domain, Amount: delta, Reason: reason, Actor: actor, CreatedAt: now,
	})
	if errors.Is(err, ports.ErrInsufficient) {
		return core.Errorf(core.CodeInsufficientGems, "%s costs %d Gems; the balance is %d", command, -delta, e.Balance)
	}
	return err
}

// refund gives back every debit an effect lists, each to the partner that
// paid it, with a ledger entry naming what was refunded.
func (s *Service) refund(ctx context.Context, tx ports.Stores, auditID, command, domain string, eff core.LifecycleEffect, now time.Time) error {
	for _, g := range eff.Refunds {
		if g.Gems <= 0 {
			continue
		}
		if err := s.move(ctx, tx, core.Payer{PartnerID: g.PartnerID, ChannelID: g.ChannelID}, auditID, command,
			g.RefundReason(), g.Gems, domain, now); err != nil {
			return err
		}
	}
	return nil
}

// Backend work actions a lifecycle change queues (the payload's "action").
const (
	actionWithdraw = "withdraw" // take the delegation out of DNS, keep the records
	actionRestore  = "restore"  // put the desired delegation back
	actionPurge    = "purge"    // remove the records and the delegation
)

// queue records backend apply work of the channel's command.
func (s *Service) queue(ctx context.Context, tx ports.Stores, channelID, auditID string, d *core.Domain, cmd string, payload map[string]any, now time.Time) (string, error) {
	item := core.PendingItem{
		ID: s.ids.NewID("pnd"), AuditID: auditID, ChannelID: channelID, Command: cmd,
		Domain: d.Name.String(), DomainID: d.ID, Payload: payload, Status: core.PendingQueued,
		NextTryAt: now, CreatedAt: now, UpdatedAt: now,
	}
	if err := tx.Pending().Insert(ctx, item); err != nil {
		return "", err
	}
	return item.ID, nil
}

// lifecycleWork queues the backend work an effect asks for, under the
// command that caused it, and answers the item's id ("" when none).
func (s *Service) lifecycleWork(ctx context.Context, tx ports.Stores, auditID, cmd string, d core.Domain, eff core.LifecycleEffect, now time.Time) (string, error) {
	var payload map[string]any
	switch {
	case eff.Purge:
		payload = map[string]any{"action": actionPurge, "freed": eff.Freed}
	case eff.Withdraw:
		payload = map[string]any{"action": actionWithdraw, "freed": false}
	case eff.Restore:
		payload = map[string]any{"action": actionRestore, "nameservers": nonNilList(d.NameserversDesired)}
	default:
		return "", nil
	}
	return s.queue(ctx, tx, d.ChannelID, auditID, &d, cmd, payload, now)
}

type renewParams struct {
	Years            int
	CurrentExpiresAt time.Time
	DateOnly         bool `json:",omitempty"`
}

// RenewDomain extends a registration and debits renew_price × years.
func (s *Service) RenewDomain(ctx context.Context, a core.Actor, cmd core.RenewDomain) (core.Outcome, error) {
	name, ns, err := s.target(ctx, a, cmd.Domain, true, cmd.Sandbox)
	if err != nil {
		return core.Outcome{}, err
	}
	cur := cmd.CurrentExpiresAt.UTC()
	if cmd.CurrentExpiryDateOnly {
		cur = time.Date(cur.Year(), cur.Month(), cur.Day(), 0, 0, 0, 0, time.UTC)
	}
	req := map[string]any{"domain": name.String(), "years": cmd.Years, "current_expires_at": cur.Format(time.RFC3339Nano)}
	if cmd.CurrentExpiryDateOnly {
		req["current_expires_at"] = cur.Format(time.DateOnly)
	}
	price := ns.RenewPriceGems * int64(cmd.Years)
	m := mutation{actor: a, command: core.CmdRenewDomain, name: name, ns: ns, meta: cmd.Mutation,
		params: renewParams{cmd.Years, cur, cmd.CurrentExpiryDateOnly}, request: req}
	return s.mutateDomain(ctx, m, nil, func(d core.LockedDomain, now time.Time) (core.LifecycleEffect, error) {
		if cur.IsZero() {
			return core.LifecycleEffect{}, core.Invalid("current_expires_at", "current_expires_at is required (RFC 3339)")
		}
		// A date-only expiry (EPP curExpDate) is midnight UTC, which
		// core.ExpiryMatches compares by calendar date.
		return d.Renew(core.Renewal{Years: cmd.Years, CurrentExpiresAt: cur, Payer: a.Payer(), Gems: price}, now, ns.Policy)
	}, func(ctx context.Context, tx ports.Stores, d core.Domain, eff core.LifecycleEffect, now time.Time, out *core.Outcome) error {
		out.DebitedGems = price // debited by the pipeline, last
		return s.lifecycleOutcome(ctx, tx, d, eff, now, out)
	})
}

// lifecycleOutcome queues an effect's backend work (a renewal that revives
// an expired registration restores its delegation) and refunds its debits.
func (s *Service) lifecycleOutcome(ctx context.Context, tx ports.Stores, d core.Domain, eff core.LifecycleEffect, now time.Time, out *core.Outcome) error {
	if err := s.refund(ctx, tx, out.AuditID, string(out.Command), d.Name.String(), eff, now); err != nil {
		return err
	}
	out.RefundedGems = eff.RefundedGems()
	if out.Sandbox {
		return nil
	}
	id, err := s.lifecycleWork(ctx, tx, out.AuditID, string(out.Command), d, eff, now)
	if id != "" {
		out.PendingID = id
	}
	return err
}

type updateParams struct {
	Registrant          *core.Registrant
	Add                 []string
	Remove              []string
	RegistrantContactID string `json:",omitempty"`
	// AuthCode is "set" or "unset", never the code (the fingerprint is a
	// fast hash).
	AuthCode string `json:",omitempty"`
}

// UpdateDomain replaces registrant data and/or adds and removes client statuses.
func (s *Service) UpdateDomain(ctx context.Context, a core.Actor, cmd core.UpdateDomain) (core.Outcome, error) {
	name, ns, err := s.target(ctx, a, cmd.Domain, true, cmd.Sandbox)
	if err != nil {
		return core.Outcome{}, err
	}
	if cmd.Registrant != nil {
		r := *cmd.Registrant
		r.Country = strings.ToUpper(r.Country)
		cmd.Registrant = &r
	}
	req := map[string]any{"domain": name.String(), "statuses_add": nonNilList(cmd.Statuses.Add),
		"statuses_remove": nonNilList(cmd.Statuses.Remove)}
	if cmd.Registrant != nil {
		req["registrant"] = core.RegistrantSummary(*cmd.Registrant)
	}
	if cmd.RegistrantContactID != "" {
		req["registrant"] = map[string]any{"contact_id": cmd.RegistrantContactID}
	}
	authChange, authHash, authErr := s.authCodeChange(cmd.AuthCode)
	if authErr != nil && core.CodeOf(authErr) != core.CodeValidation {
		return core.Outcome{}, authErr
	}
	if authChange != "" {
		req["auth_code_change"] = authChange
	}
	m := mutation{actor: a, command: core.CmdUpdateDomain, name: name, ns: ns, meta: cmd.Mutation,
		params: updateParams{cmd.Registrant, cmd.Statuses.Add, cmd.Statuses.Remove, cmd.RegistrantContactID, authChange}, request: req}
	var fromContact *core.Registrant
	before := func(ctx context.Context, tx ports.Stores, now time.Time, out *core.Outcome) error {
		if cmd.RegistrantContactID == "" {
			return nil
		}
		// The contact is read (and its ownership checked) before the
		// registration is locked; contacts and registrations are never
		// locked in the other order.
		r, err := registrantContact(ctx, tx, a, cmd.RegistrantContactID)
		if err != nil {
			return err
		}
		fromContact = &r
		return nil
	}
	return s.mutateDomain(ctx, m, before, func(d core.LockedDomain, now time.Time) (core.LifecycleEffect, error) {
		var none core.LifecycleEffect
		if authErr != nil {
			return none, authErr
		}
		if authChange != "" {
			if err := d.ChangeAuthCode(authHash, now, ns.Policy); err != nil {
				return none, err
			}
			if cmd.Registrant == nil && cmd.RegistrantContactID == "" && cmd.Statuses.Empty() {
				return none, nil
			}
		}
		if cmd.Registrant == nil && cmd.RegistrantContactID == "" && cmd.Statuses.Empty() {
			return none, core.Invalid("registrant", "send registrant, statuses and/or auth_code to update")
		}
		if cmd.Registrant != nil && cmd.RegistrantContactID != "" {
			return none, core.Invalid("registrant", "send registrant data or a registrant contact id, not both")
		}
		u := core.DomainUpdate{Statuses: cmd.Statuses, Registrant: cmd.Registrant}
		if cmd.Registrant != nil {
			if err := core.ValidateRegistrant(*cmd.Registrant, true); err != nil {
				return none, err
			}
		}
		if fromContact != nil {
			u.Registrant, u.RegistrantContactID = fromContact, cmd.RegistrantContactID
		}
		return none, d.Update(u, now)
	}, nil)
}

// authCodeChange validates and hashes a new authorization code before any
// transaction (hashing is slow): change is "set", "unset" or "" (no change).
func (s *Service) authCodeChange(code *string) (change, hash string, err error) {
	if code == nil {
		return "", "", nil
	}
	if *code == "" {
		return "unset", "", nil
	}
	if err := core.ValidateAuthCode(*code); err != nil {
		return "set", "", err
	}
	if s.opts.Passwords == nil {
		return "set", "", core.Internal(errors.New("registry: no password hasher configured"))
	}
	h, err := s.opts.Passwords.Hash(*code)
	if err != nil {
		return "set", "", core.Internal(err)
	}
	return "set", h, nil
}

// UpdateNameservers stores the desired delegation and queues backend work.
func (s *Service) UpdateNameservers(ctx context.Context, a core.Actor, cmd core.UpdateNameservers) (core.Outcome, error) {
	name, ns, err := s.target(ctx, a, cmd.Domain, true, cmd.Sandbox)
	if err != nil {
		return core.Outcome{}, err
	}
	list, listErr := core.NormalizeNameservers(cmd.Nameservers)
	m := mutation{actor: a, command: core.CmdUpdateNameservers, name: name, ns: ns, meta: cmd.Mutation,
		params: list, request: map[string]any{"domain": name.String(), "nameservers": list}}
	if listErr != nil {
		m.params, m.request["nameservers"] = cmd.Nameservers, len(cmd.Nameservers)
	}
	// Pending rows first, then the registration: the apply worker locks in that order too.
	before := func(ctx context.Context, tx ports.Stores, now time.Time, out *core.Outcome) error {
		return s.supersede(ctx, tx, a.ChannelID(), name, out.AuditID, now)
	}
	return s.mutateDomain(ctx, m, before, func(d core.LockedDomain, now time.Time) (core.LifecycleEffect, error) {
		if listErr != nil {
			return core.LifecycleEffect{}, listErr
		}
		return core.LifecycleEffect{}, d.ChangeNameservers(list, now)
	}, func(ctx context.Context, tx ports.Stores, d core.Domain, _ core.LifecycleEffect, now time.Time, out *core.Outcome) error {
		if d.ApplyStatus != core.ApplyPending || d.State != core.StateActive {
			return nil // an expired registration's delegation comes back with its renewal
		}
		id, err := s.queue(ctx, tx, d.ChannelID, out.AuditID, &d, string(core.CmdUpdateNameservers), map[string]any{"nameservers": list}, now)
		out.PendingID = id
		return err
	})
}

// supersede fails the channel's older queued delegation work for a name
// (nameserver updates, withdrawals, restorations), so that a worker never
// applies a stale delegation after a newer one.
func (s *Service) supersede(ctx context.Context, tx ports.Stores, channelID string, name core.Name, auditID string, now time.Time) error {
	items, err := tx.Pending().List(ctx, core.PendingFilter{ChannelID: channelID, Domain: name.String(), Limit: 500})
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Command != string(core.CmdUpdateNameservers) && pendingAction(it) != actionWithdraw && pendingAction(it) != actionRestore {
			continue
		}
		if _, err := tx.Pending().Update(ctx, it.ID, func(p *core.PendingItem) error {
			if p.Status != core.PendingQueued { // the worker settled it meanwhile
				return nil
			}
			p.Status, p.Reason, p.UpdatedAt = core.PendingFailed, supersededPrefix+" the command of audit event "+auditID, now
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// pendingAction is a lifecycle item's action; a registrar delete queued
// before actions were recorded purges.
func pendingAction(it core.PendingItem) string {
	if a, ok := it.Payload["action"].(string); ok {
		return a
	}
	if it.Command == string(core.CmdDeleteDomain) {
		return actionPurge
	}
	return ""
}

// DeleteDomain deletes a registration: inside add grace the name is freed
// and every debit since the create refunded; later it enters redemption with
// the debits of running grace periods refunded. Both queue backend work.
func (s *Service) DeleteDomain(ctx context.Context, a core.Actor, cmd core.DeleteDomain) (core.Outcome, error) {
	name, ns, err := s.target(ctx, a, cmd.Domain, true, cmd.Sandbox)
	if err != nil {
		return core.Outcome{}, err
	}
	m := mutation{actor: a, command: core.CmdDeleteDomain, name: name, ns: ns, meta: cmd.Mutation,
		params: struct{}{}, request: map[string]any{"domain": name.String()}}
	// Pending rows first, then the registration: the apply worker locks in that order too.
	before := func(ctx context.Context, tx ports.Stores, now time.Time, out *core.Outcome) error {
		return s.supersede(ctx, tx, a.ChannelID(), name, out.AuditID, now)
	}
	return s.mutateDomain(ctx, m, before, func(d core.LockedDomain, now time.Time) (core.LifecycleEffect, error) {
		return d.Delete(now, ns.Policy)
	}, func(ctx context.Context, tx ports.Stores, d core.Domain, eff core.LifecycleEffect, now time.Time, out *core.Outcome) error {
		out.Freed = eff.Freed
		return s.lifecycleOutcome(ctx, tx, d, eff, now, out)
	})
}

type restoreParams struct {
	Report *core.RestoreReport `json:",omitempty"`
}

// RestoreDomain brings a registration in redemption back (RFC 3915): active
// again with its delegation, for restore_price_gems plus, when its expiry
// has passed, one year at the renew price counted from the old expiry.
func (s *Service) RestoreDomain(ctx context.Context, a core.Actor, cmd core.RestoreDomain) (core.Outcome, error) {
	name, ns, err := s.target(ctx, a, cmd.Domain, true, cmd.Sandbox)
	if err != nil {
		return core.Outcome{}, err
	}
	req := map[string]any{"domain": name.String(), "report": cmd.Report != nil}
	if cmd.Report != nil {
		req["report"] = cmd.Report.Summary()
	}
	m := mutation{actor: a, command: core.CmdRestoreDomain, name: name, ns: ns, meta: cmd.Mutation,
		params: restoreParams{cmd.Report}, request: req}
	var renewed bool
	return s.mutateDomain(ctx, m, nil, func(d core.LockedDomain, now time.Time) (core.LifecycleEffect, error) {
		if err := cmd.Report.Validate(); err != nil {
			return core.LifecycleEffect{}, err
		}
		var (
			eff core.LifecycleEffect
			err error
		)
		eff, renewed, err = d.Restore(now)
		return eff, err
	}, func(ctx context.Context, tx ports.Stores, d core.Domain, eff core.LifecycleEffect, now time.Time, out *core.Outcome) error {
		out.DebitedGems = ns.RestorePrice() // debited by the pipeline, last
		if renewed {
			out.DebitedGems += ns.RenewPriceGems
		}
		return s.lifecycleOutcome(ctx, tx, d, eff, now, out)
	})
}

// registrantEmpty reports whether no inline registrant data was sent.
func registrantEmpty(r core.Registrant) bool {
	return r.Name == "" && r.Organization == "" && r.Email == "" && r.Phone == "" && r.Country == "" && len(r.Metadata) == 0
}

func nonNilList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// inField answers a validation error naming field (the request member the
// offending value came from) instead of the field the parser named.
func inField(err error, field string) error {
	var ce *core.Error
	if errors.As(err, &ce) && ce.Code == core.CodeValidation {
		c := *ce
		c.Field = field
		return &c
	}
	return err
}
