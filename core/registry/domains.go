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
		taken, err := tx.Domains().GetByNames(ctx, names)
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
	m := mutation{actor: a, command: core.CmdCreateDomain, name: name, ns: ns, meta: cmd.Mutation,
		params: createParams{cmd.Years, cmd.Registrant, nsList, cmd.Claim, cmd.RegistrantContactID}, request: req,
		charge: ns.CreatePriceGems * int64(cmd.Years)}
	return s.mutate(ctx, m, func(ctx context.Context, tx ports.Stores, now time.Time, out *core.Outcome) error {
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
		if _, err := tx.Domains().GetByName(ctx, name); err == nil {
			return core.Errorf(core.CodeDomainNotAvailable, "%s is already registered", name)
		} else if !errors.Is(err, ports.ErrNotFound) {
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
		price := m.charge // debited by the pipeline, last
		d := core.Domain{
			ID: s.ids.NewID("dom"), Name: name, ChannelID: a.ChannelID(), PartnerID: a.Partner.ID,
			State: core.StateActive, Statuses: []string{}, Registrant: registrant,
			NameserversDesired: []string{}, NameserversApplied: []string{}, ApplyStatus: core.ApplyNone,
			BackendKind: ns.DNSBackend, CreatePaidGems: price, CreatedAt: now, UpdatedAt: now, ExpiresAt: expiry,
			Claim: cmd.Claim, RegistrantContactID: cmd.RegistrantContactID,
		}
		d.BackendReference = d.ID
		if len(nsList) > 0 {
			d.SetDesiredNameservers(nsList, now)
		}
		if err := tx.Domains().Insert(ctx, d); err != nil {
			if errors.Is(err, ports.ErrDuplicate) {
				return core.Errorf(core.CodeDomainNotAvailable, "%s is already registered", name)
			}
			return err
		}
		if len(nsList) > 0 {
			if err := s.queue(ctx, tx, a, out, &d, core.CmdUpdateNameservers, map[string]any{"nameservers": nsList}, now); err != nil {
				return err
			}
		}
		out.DebitedGems = price
		v := core.ViewOf(&d, now)
		out.Domain = &v
		return nil
	})
}

// debit takes amount Gems from the actor's partner and writes the ledger entry.
func (s *Service) debit(ctx context.Context, tx ports.Stores, a core.Actor, out *core.Outcome, amount core.Gems, name core.Name, now time.Time) error {
	return s.ledger(ctx, tx, a, out, -amount, name, now)
}

// ledger moves delta Gems (negative: debit) and records it.
func (s *Service) ledger(ctx context.Context, tx ports.Stores, a core.Actor, out *core.Outcome, delta core.Gems, name core.Name, now time.Time) error {
	if delta == 0 {
		return nil
	}
	p, err := tx.Partners().Update(ctx, a.Partner.ID, func(p *core.Partner) error {
		if p.GemsBalance+delta < 0 {
			return core.Errorf(core.CodeInsufficientGems, "%s costs %d Gems; the balance is %d", out.Command, -delta, p.GemsBalance)
		}
		p.GemsBalance += delta
		p.UpdatedAt = now
		return nil
	})
	if err != nil {
		return err
	}
	return tx.Ledger().Append(ctx, core.LedgerEntry{
		ID: s.ids.NewID("led"), PartnerID: p.ID, ChannelID: a.ChannelID(), AuditID: out.AuditID,
		Command: string(out.Command), Domain: name.String(), Amount: delta, Balance: p.GemsBalance, CreatedAt: now,
	})
}

// queue records backend apply work for a successful command.
func (s *Service) queue(ctx context.Context, tx ports.Stores, a core.Actor, out *core.Outcome, d *core.Domain, cmd core.Command, payload map[string]any, now time.Time) error {
	item := core.PendingItem{
		ID: s.ids.NewID("pnd"), AuditID: out.AuditID, ChannelID: a.ChannelID(), Command: string(cmd),
		Domain: d.Name.String(), DomainID: d.ID, Payload: payload, Status: core.PendingQueued,
		NextTryAt: now, CreatedAt: now, UpdatedAt: now,
	}
	if err := tx.Pending().Insert(ctx, item); err != nil {
		return err
	}
	out.PendingID = item.ID
	return nil
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
	m := mutation{actor: a, command: core.CmdRenewDomain, name: name, ns: ns, meta: cmd.Mutation,
		params: renewParams{cmd.Years, cur, cmd.CurrentExpiryDateOnly}, request: req,
		charge: ns.RenewPriceGems * int64(cmd.Years)}
	return s.mutate(ctx, m, func(ctx context.Context, tx ports.Stores, now time.Time, out *core.Outcome) error {
		d, err := sponsored(ctx, tx, a, name)
		if err != nil {
			return err
		}
		if cur.IsZero() {
			return core.Invalid("current_expires_at", "current_expires_at is required (RFC 3339)")
		}
		current := cur
		if exp := d.ExpiresAt.UTC(); cmd.CurrentExpiryDateOnly && exp.Format(time.DateOnly) == cur.Format(time.DateOnly) {
			current = d.ExpiresAt // the date matches: the renewal is of this expiry
		}
		next, err := d.CanRenew(cmd.Years, current, now)
		if err != nil {
			return err
		}
		price := m.charge // debited by the pipeline, last
		d, err = tx.Domains().Update(ctx, d.ID, func(d *core.Domain) error {
			d.Renew(next, now)
			return nil
		})
		if err != nil {
			return err
		}
		out.DebitedGems = price
		v := core.ViewOf(&d, now)
		out.Domain = &v
		return nil
	})
}

type updateParams struct {
	Registrant          *core.Registrant
	Add                 []string
	Remove              []string
	RegistrantContactID string `json:",omitempty"`
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
	m := mutation{actor: a, command: core.CmdUpdateDomain, name: name, ns: ns, meta: cmd.Mutation,
		params: updateParams{cmd.Registrant, cmd.Statuses.Add, cmd.Statuses.Remove, cmd.RegistrantContactID}, request: req}
	return s.mutate(ctx, m, func(ctx context.Context, tx ports.Stores, now time.Time, out *core.Outcome) error {
		d, err := sponsored(ctx, tx, a, name)
		if err != nil {
			return err
		}
		if cmd.Registrant == nil && cmd.RegistrantContactID == "" && cmd.Statuses.Empty() {
			return core.Invalid("registrant", "send registrant and/or statuses to update")
		}
		if cmd.Registrant != nil && cmd.RegistrantContactID != "" {
			return core.Invalid("registrant", "send registrant data or a registrant contact id, not both")
		}
		if cmd.Registrant != nil {
			if err := core.ValidateRegistrant(*cmd.Registrant, true); err != nil {
				return err
			}
		}
		var fromContact *core.Registrant
		if cmd.RegistrantContactID != "" {
			r, err := registrantContact(ctx, tx, a, cmd.RegistrantContactID)
			if err != nil {
				return err
			}
			fromContact = &r
		}
		if err := d.CanUpdate(cmd.Statuses, now); err != nil {
			return err
		}
		d, err = tx.Domains().Update(ctx, d.ID, func(d *core.Domain) error {
			if cmd.Registrant != nil {
				d.Registrant, d.RegistrantContactID = *cmd.Registrant, ""
			}
			if fromContact != nil {
				d.Registrant, d.RegistrantContactID = *fromContact, cmd.RegistrantContactID
			}
			d.ApplyStatusChange(cmd.Statuses, now)
			return nil
		})
		if err != nil {
			return err
		}
		v := core.ViewOf(&d, now)
		out.Domain = &v
		return nil
	})
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
	return s.mutate(ctx, m, func(ctx context.Context, tx ports.Stores, now time.Time, out *core.Outcome) error {
		d, err := sponsored(ctx, tx, a, name)
		if err != nil {
			return err
		}
		if listErr != nil {
			return listErr
		}
		if err := d.CanChangeNameservers(now); err != nil {
			return err
		}
		// Pending rows first, then the domain: the apply worker locks in that order too.
		if err := s.supersede(ctx, tx, d, core.CmdUpdateNameservers, out.AuditID, now); err != nil {
			return err
		}
		d, err = tx.Domains().Update(ctx, d.ID, func(d *core.Domain) error {
			d.SetDesiredNameservers(list, now)
			return nil
		})
		if err != nil {
			return err
		}
		if d.ApplyStatus == core.ApplyPending {
			if err := s.queue(ctx, tx, a, out, &d, core.CmdUpdateNameservers, map[string]any{"nameservers": list}, now); err != nil {
				return err
			}
		}
		v := core.ViewOf(&d, now)
		out.Domain = &v
		return nil
	})
}

// supersede fails older pending work of the same command for a domain, so
// that a worker never applies a stale delegation after a newer one.
func (s *Service) supersede(ctx context.Context, tx ports.Stores, d core.Domain, cmd core.Command, auditID string, now time.Time) error {
	items, err := tx.Pending().List(ctx, core.PendingFilter{ChannelID: d.ChannelID, Command: string(cmd), Domain: d.Name.String(), Limit: 500})
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.DomainID != d.ID {
			continue
		}
		if _, err := tx.Pending().Update(ctx, it.ID, func(p *core.PendingItem) error {
			if p.Status != core.PendingQueued { // the worker settled it meanwhile
				return nil
			}
			p.Status, p.Reason, p.UpdatedAt = core.PendingFailed, "superseded by the command of audit event "+auditID, now
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// DeleteDomain cancels a registration: inside add grace the name is freed and
// the create price refunded; later it enters pending delete. Both queue
// backend work to withdraw the delegation.
func (s *Service) DeleteDomain(ctx context.Context, a core.Actor, cmd core.DeleteDomain) (core.Outcome, error) {
	name, ns, err := s.target(ctx, a, cmd.Domain, true, cmd.Sandbox)
	if err != nil {
		return core.Outcome{}, err
	}
	m := mutation{actor: a, command: core.CmdDeleteDomain, name: name, ns: ns, meta: cmd.Mutation,
		params: struct{}{}, request: map[string]any{"domain": name.String()}}
	return s.mutate(ctx, m, func(ctx context.Context, tx ports.Stores, now time.Time, out *core.Outcome) error {
		d, err := sponsored(ctx, tx, a, name)
		if err != nil {
			return err
		}
		if err := d.CanDelete(now); err != nil {
			return err
		}
		// Pending rows first, then the domain: the apply worker locks in that order too.
		if err := s.supersede(ctx, tx, d, core.CmdUpdateNameservers, out.AuditID, now); err != nil {
			return err
		}
		var eff core.DeleteEffect
		d, err = tx.Domains().Update(ctx, d.ID, func(d *core.Domain) error {
			eff = d.Delete(now)
			return nil
		})
		if err != nil {
			return err
		}
		if eff.RefundedGems > 0 {
			if err := s.ledger(ctx, tx, a, out, eff.RefundedGems, name, now); err != nil {
				return err
			}
		}
		if err := s.queue(ctx, tx, a, out, &d, core.CmdDeleteDomain, map[string]any{"freed": eff.Freed}, now); err != nil {
			return err
		}
		out.Freed, out.RefundedGems = eff.Freed, eff.RefundedGems
		v := core.ViewOf(&d, now)
		out.Domain = &v
		return nil
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
