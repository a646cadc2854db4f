package registry

import (
	"context"
	"errors"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// The registry's maintenance loop moves registrations through time (RFC
// 3915): at the expiry it auto-renews (when the namespace's policy says so
// and the sponsor can pay) or expires the registration; an expired one is
// deleted into redemption when the auto-renew grace ends; redemption ends in
// pending delete, and pending delete in the purge that frees the name; grace
// periods end. Every due change is made once, however many nodes run the
// loop: each runs in a transaction of its own that claims one due
// registration with FOR UPDATE SKIP LOCKED, and the change re-checks what is
// due on that locked row. Registrar commands lock the same row, so a command
// and the loop never both act on one state. Each change writes its audit row
// (actor "registry", in the sponsor's /poll), its ledger entry where money
// moves, a message in the sponsor's EPP queue and its backend work, in the
// same transaction.

// MaintenanceReport counts what one pass did, by change (audit command).
type MaintenanceReport struct {
	Changes map[core.LifecycleChange]int
	// More is true when the pass stopped at its limit with work left.
	More bool
}

// Total is the number of changes made.
func (r MaintenanceReport) Total() int {
	n := 0
	for _, c := range r.Changes {
		n += c
	}
	return n
}

// DefaultMaintenanceBatch bounds one pass when RunMaintenance is given no limit.
const DefaultMaintenanceBatch = 1000

// RunMaintenance makes up to limit due lifecycle changes, one transaction
// each, and answers what it did. It stops early when ctx ends.
func (s *Service) RunMaintenance(ctx context.Context, limit int) (MaintenanceReport, error) {
	if limit <= 0 {
		limit = DefaultMaintenanceBatch
	}
	rep := MaintenanceReport{Changes: map[core.LifecycleChange]int{}}
	for i := 0; i < limit; i++ {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		change, found, err := s.advanceOne(ctx)
		if err != nil {
			return rep, err
		}
		if !found {
			return rep, nil
		}
		if change != core.ChangeNone {
			rep.Changes[change]++
		}
	}
	rep.More = true
	return rep, nil
}

// advanceOne claims one due registration and makes its change. found is
// false when nothing is due.
func (s *Service) advanceOne(ctx context.Context) (change core.LifecycleChange, found bool, err error) {
	now := s.now()
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Stores) error {
		change, found = core.ChangeNone, false
		due, err := tx.Domains().ClaimDue(ctx, now, 1)
		if err != nil || len(due) == 0 {
			return err
		}
		found = true
		d := due[0]
		ns, err := tx.Namespaces().Get(ctx, d.Name.Namespace())
		if err != nil {
			return err
		}
		auditID := s.ids.NewID("aud")
		var renewal *core.Renewal
		if d.Due(now) == core.ChangeExpire && ns.Policy.AutoRenew {
			renewal, err = s.autoRenewal(ctx, tx, d, ns, auditID, now)
			if err != nil {
				return err
			}
		}
		var eff core.LifecycleEffect
		d, err = tx.Domains().Update(ctx, d.ID, func(x *core.Domain) error {
			var err error
			change, eff, err = x.Advance(now, ns.Policy, renewal)
			return err
		})
		if err != nil {
			return err
		}
		if change == core.ChangeNone {
			return nil
		}
		if renewal != nil && change != core.ChangeAutoRenew {
			return errors.New("maintenance: an auto-renewal was paid for a change that is not one")
		}
		return s.recordLifecycle(ctx, tx, d, change, eff, auditID, now)
	})
	if err != nil {
		return core.ChangeNone, false, storeErr(err, core.CodeInternal, "maintenance")
	}
	return change, found, nil
}

// autoRenewal debits the sponsor's partner one year at the renew price, or
// answers nil (the registration expires) when the balance is short.
func (s *Service) autoRenewal(ctx context.Context, tx ports.Stores, d core.Domain, ns core.Namespace, auditID string, now time.Time) (*core.Renewal, error) {
	payer := core.Payer{PartnerID: d.PartnerID, ChannelID: d.ChannelID}
	price := ns.RenewPriceGems
	err := s.move(ctx, tx, payer, auditID, string(core.ChangeAutoRenew), "auto_renew", -price, d.Name.String(), now)
	if core.CodeOf(err) == core.CodeInsufficientGems {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &core.Renewal{Years: 1, Payer: payer, Gems: price}, nil
}

// lifecycleTexts says, per change, what the sponsor's message queue is told.
var lifecycleTexts = map[core.LifecycleChange]string{
	core.ChangeAutoRenew:     "was renewed for one year by the registry at its expiry (auto-renew)",
	core.ChangeExpire:        "expired: its delegation is withdrawn; it can still be renewed",
	core.ChangeDeleteExpired: "was deleted by the registry after its auto-renew grace period and is in redemption; it can be restored",
	core.ChangeEndRedemption: "left redemption and is pending delete; it can no longer be restored",
	core.ChangePurge:         "was purged: the pending delete completed and the name is available again",
}

// recordLifecycle writes what a change the registry made leaves behind: the
// refunds, the audit row, the backend work and the sponsor's message.
func (s *Service) recordLifecycle(ctx context.Context, tx ports.Stores, d core.Domain, change core.LifecycleChange, eff core.LifecycleEffect, auditID string, now time.Time) error {
	if err := s.refund(ctx, tx, auditID, string(change), d.Name.String(), eff, now); err != nil {
		return err
	}
	slug := ""
	if ch, err := tx.Channels().Get(ctx, d.ChannelID); err == nil {
		slug = ch.Slug
	} else if !errors.Is(err, ports.ErrNotFound) {
		return err
	}
	resp := map[string]any{"state": string(d.State), "expires_at": d.ExpiresAt.UTC().Format(time.RFC3339),
		"statuses": d.EffectiveStatuses(now)}
	if d.StateEndsAt != nil {
		resp["state_ends_at"] = d.StateEndsAt.UTC().Format(time.RFC3339)
	}
	pendingID, err := s.lifecycleWork(ctx, tx, auditID, string(change), d, eff, now)
	if err != nil {
		return err
	}
	if pendingID != "" {
		resp["pending_id"] = pendingID
	}
	if err := tx.Audit().Append(ctx, core.AuditEvent{
		ID: auditID, ChannelID: d.ChannelID, ChannelSlug: slug, Actor: "registry",
		Command: string(change), Domain: d.Name.String(), Status: core.AuditSuccess, HTTPStatus: 200,
		RequestSummary:  map[string]any{"domain": d.Name.String(), "reason": "lifecycle deadline passed"},
		ResponseSummary: core.Summarize(resp),
		CreatedAt:       now,
	}); err != nil {
		return err
	}
	text, ok := lifecycleTexts[change]
	if !ok {
		return nil // grace periods ending tell nobody but the audit
	}
	return s.notify(ctx, tx, d.ChannelID, core.MsgLifecycle, d.Name.String(), d.Name.String()+" "+text+".",
		map[string]any{"change": string(change), "state": string(d.State), "audit_id": auditID,
			"expires_at": d.ExpiresAt.UTC().Format(time.RFC3339)}, now)
}
