package registry

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// ledgerOperatorAdjust is the ledger command of every operator's Gems
// movement after the opening balance.
const ledgerOperatorAdjust = "operator_adjust"

// AdjustGems moves a partner's Gems by an operator's hand: Delta is added
// under the partner's row lock (so it composes with concurrent debits
// instead of overwriting them), the balance never goes below 0
// (insufficient_gems), and the ledger entry names the reason and the
// operator, in the same transaction as the audit row.
func (s *Service) AdjustGems(ctx context.Context, partnerID string, cmd core.AdjustGems) (core.GemsAdjustment, error) {
	if cmd.Delta == 0 {
		return core.GemsAdjustment{}, core.Invalid("delta", "delta must not be 0")
	}
	if cmd.Delta > core.MaxGemsDelta || cmd.Delta < -core.MaxGemsDelta {
		return core.GemsAdjustment{}, core.Invalid("delta", "delta must be between %d and %d", -core.MaxGemsDelta, core.MaxGemsDelta)
	}
	reason, err := gemsReason(cmd.Reason, false)
	if err != nil {
		return core.GemsAdjustment{}, err
	}
	if reason == "" {
		return core.GemsAdjustment{}, core.Invalid("reason", "reason is required: say why the balance changes")
	}
	var out core.GemsAdjustment
	err = s.operatorDo(ctx, "adjust_gems", 201, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		p, entry, err := s.moveGems(ctx, tx, partnerID, "delta", cmd.Delta, reason, rec.auditID, now, nil)
		if err != nil {
			return err
		}
		out = core.GemsAdjustment{Entry: entry, Partner: p}
		rec.request = map[string]any{"partner_id": partnerID, "delta": cmd.Delta, "reason": reason}
		rec.response = partnerSummary(p)
		rec.response["ledger_entry_id"] = entry.ID
		return nil
	})
	if err != nil {
		return core.GemsAdjustment{}, err
	}
	return out, nil
}

// moveGems adds delta to the partner's balance under its row lock, applies
// also (other changes to the same row, may be nil) and, for a non-zero
// delta, appends an operator_adjust ledger entry with the reason, the
// operator as actor and the operator call's audit id. A negative delta
// larger than the locked balance is insufficient_gems; a sum past the
// largest balance is validation_error on field (the request member that
// asked for the change).
func (s *Service) moveGems(ctx context.Context, tx ports.Stores, id, field string, delta core.Gems, reason, auditID string,
	now time.Time, also func(*core.Partner)) (core.Partner, core.LedgerEntry, error) {
	p, err := tx.Partners().Update(ctx, id, func(p *core.Partner) error {
		switch {
		case delta < 0 && p.GemsBalance+delta < 0:
			return core.Errorf(core.CodeInsufficientGems,
				"the balance is %d Gems; taking %d would leave it below 0", p.GemsBalance, -delta)
		case delta > 0 && p.GemsBalance > maxGemsBalance-delta: // written so that it cannot overflow
			return core.Invalid(field, "the balance would exceed %d Gems", maxGemsBalance)
		}
		p.GemsBalance += delta
		if also != nil {
			also(p)
		}
		p.UpdatedAt = now
		return nil
	})
	if err != nil {
		return core.Partner{}, core.LedgerEntry{}, storeErr(err, core.CodeNotFound, "partner "+quoteID(id))
	}
	if delta == 0 {
		return p, core.LedgerEntry{}, nil
	}
	entry := core.LedgerEntry{
		ID: s.ids.NewID("led"), PartnerID: p.ID, AuditID: auditID, Command: ledgerOperatorAdjust,
		Amount: delta, Balance: p.GemsBalance, Reason: reason, Actor: OperatorActor, CreatedAt: now,
	}
	if err := tx.Ledger().Append(ctx, entry); err != nil {
		return core.Partner{}, core.LedgerEntry{}, storeErr(err, core.CodeInternal, "ledger entry")
	}
	return p, entry, nil
}

// maxGemsBalance bounds a balance that operators raise by hand, far from
// int64 overflow.
const maxGemsBalance = 1_000 * core.MaxGemsDelta

// gemsReason trims and checks an adjustment's reason: at most
// core.MaxGemsReasonLength characters of printable text. optional allows ""
// (answered as ""), for a PATCH that moves no Gems.
func gemsReason(raw string, optional bool) (string, error) {
	reason := strings.TrimSpace(raw)
	switch {
	case reason == "" && optional:
		return "", nil
	case utf8.RuneCountInString(reason) > core.MaxGemsReasonLength:
		return "", core.Invalid("reason", "reason has at most %d characters", core.MaxGemsReasonLength)
	case !utf8.ValidString(reason) || strings.IndexFunc(reason, func(r rune) bool { return unicode.IsControl(r) }) >= 0:
		return "", core.Invalid("reason", "reason must be printable text without control characters")
	}
	return reason, nil
}
