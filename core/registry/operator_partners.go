package registry

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// CreatePartner creates a partner with an opening Gems balance. The opening
// balance is written to the ledger, so that a partner's balance always equals
// the sum of its ledger entries.
func (s *Service) CreatePartner(ctx context.Context, cmd core.CreatePartner) (core.Partner, error) {
	name := strings.TrimSpace(cmd.Name)
	if name == "" || utf8.RuneCountInString(name) > maxPartnerNameLength {
		return core.Partner{}, core.Invalid("name", "name is required and has at most %d characters", maxPartnerNameLength)
	}
	if cmd.GemsBalance < 0 {
		return core.Partner{}, core.Invalid("gems_balance", "gems_balance must not be negative")
	}
	var p core.Partner
	err := s.operatorDo(ctx, "create_partner", 201, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		p = core.Partner{ID: s.ids.NewID("ptr"), Name: name, GemsBalance: cmd.GemsBalance,
			DNSModuleEnabled: cmd.DNSModuleEnabled, CreatedAt: now, UpdatedAt: now}
		if err := tx.Partners().Insert(ctx, p); err != nil {
			return storeErr(err, core.CodeNotFound, "partner")
		}
		if err := s.operatorLedger(ctx, tx, p, "opening_balance", cmd.GemsBalance, now); err != nil {
			return err
		}
		rec.request = map[string]any{"name": name, "gems_balance": cmd.GemsBalance, "dns_module_enabled": cmd.DNSModuleEnabled}
		rec.response = partnerSummary(p)
		return nil
	})
	if err != nil {
		return core.Partner{}, err
	}
	return p, nil
}

// GetPartner reads a partner.
func (s *Service) GetPartner(ctx context.Context, id string) (core.Partner, error) {
	var p core.Partner
	err := s.operatorDo(ctx, "get_partner", 200, func(ctx context.Context, tx ports.Stores, _ time.Time, rec *opAudit) error {
		var err error
		if p, err = tx.Partners().Get(ctx, id); err != nil {
			return storeErr(err, core.CodeNotFound, "partner "+quoteID(id))
		}
		rec.request = map[string]any{"partner_id": id}
		rec.response = partnerSummary(p)
		return nil
	})
	if err != nil {
		return core.Partner{}, err
	}
	return p, nil
}

// PatchPartner sets the DNS module and/or the Gems balance. The balance is
// not written as given: the difference between gems_balance and the balance
// the request reads first is applied under the partner's row lock (see
// moveGems), with an "operator_adjust" ledger entry naming the reason and the
// operator, so a debit that commits while the request waits for the row is
// kept rather than undone. A difference that would take the balance below 0
// is refused as insufficient_gems.
func (s *Service) PatchPartner(ctx context.Context, id string, cmd core.PatchPartner) (core.Partner, error) {
	if cmd.GemsBalance != nil && *cmd.GemsBalance < 0 {
		return core.Partner{}, core.Invalid("gems_balance", "gems_balance must not be negative")
	}
	reason, err := gemsReason(cmd.Reason, true)
	if err != nil {
		return core.Partner{}, err
	}
	if reason != "" && cmd.GemsBalance == nil {
		return core.Partner{}, core.Invalid("reason", "reason explains a change of gems_balance; send it with gems_balance")
	}
	var p core.Partner
	err = s.operatorDo(ctx, "patch_partner", 200, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		var delta core.Gems
		if cmd.GemsBalance != nil {
			// The balance as committed when the request is read, before any
			// lock: the operator's change is the difference to it.
			seen, err := tx.Partners().Get(ctx, id)
			if err != nil {
				return storeErr(err, core.CodeNotFound, "partner "+quoteID(id))
			}
			delta = *cmd.GemsBalance - seen.GemsBalance
			if reason == "" {
				reason = fmt.Sprintf("gems_balance set from %d to %d", seen.GemsBalance, *cmd.GemsBalance)
			}
		}
		var err error
		p, _, err = s.moveGems(ctx, tx, id, "gems_balance", delta, reason, rec.auditID, now, func(p *core.Partner) {
			if cmd.DNSModuleEnabled != nil {
				p.DNSModuleEnabled = *cmd.DNSModuleEnabled
			}
		})
		if err != nil {
			return err
		}
		req := map[string]any{"partner_id": id}
		if cmd.GemsBalance != nil {
			req["gems_balance"] = *cmd.GemsBalance
			req["gems_delta"] = delta
			req["reason"] = reason
		}
		if cmd.DNSModuleEnabled != nil {
			req["dns_module_enabled"] = *cmd.DNSModuleEnabled
		}
		rec.request = req
		rec.response = partnerSummary(p)
		return nil
	})
	if err != nil {
		return core.Partner{}, err
	}
	return p, nil
}

// operatorLedger records an operator's Gems movement of amount (p is the
// partner after the movement). Nothing is written for a zero amount.
func (s *Service) operatorLedger(ctx context.Context, tx ports.Stores, p core.Partner, command string, amount core.Gems, now time.Time) error {
	if amount == 0 {
		return nil
	}
	return tx.Ledger().Append(ctx, core.LedgerEntry{
		ID: s.ids.NewID("led"), PartnerID: p.ID, Command: command, Amount: amount, Balance: p.GemsBalance,
		Reason: "operator_adjustment", Actor: OperatorActor, CreatedAt: now,
	})
}

func partnerSummary(p core.Partner) map[string]any {
	return map[string]any{"partner_id": p.ID, "gems_balance": p.GemsBalance, "dns_module_enabled": p.DNSModuleEnabled}
}
