package memory

import (
	"context"
	"fmt"
	"slices"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// LedgerRepository is the append-only record of Gems movements.
type LedgerRepository struct{ tx *tx }

var _ ports.LedgerRepository = (*LedgerRepository)(nil)

func (r *LedgerRepository) Append(_ context.Context, e core.LedgerEntry) error {
	st, err := r.tx.writing()
	if err != nil {
		return err
	}
	if st.ledger.has(e.ID) {
		return duplicate("ledger entry", e.ID)
	}
	st.ledger.put(e.ID, cloneLedgerEntry(e))
	return nil
}

// Post moves e.Amount into the partner's balance and appends e with the
// balance after the move (see ports.LedgerRepository.Post).
func (r *LedgerRepository) Post(_ context.Context, e core.LedgerEntry) (core.LedgerEntry, error) {
	st, err := r.tx.writing()
	if err != nil {
		return core.LedgerEntry{}, err
	}
	p, ok := st.partners.get(e.PartnerID)
	if !ok {
		return core.LedgerEntry{}, notFound("partner", e.PartnerID)
	}
	if st.ledger.has(e.ID) {
		return core.LedgerEntry{}, duplicate("ledger entry", e.ID)
	}
	if p.GemsBalance+e.Amount < 0 {
		e.Balance = p.GemsBalance
		return e, fmt.Errorf("%w: partner %s holds %d Gems, the move is %d", ports.ErrInsufficient, p.ID, p.GemsBalance, e.Amount)
	}
	next := clonePartner(p)
	next.GemsBalance += e.Amount
	next.UpdatedAt = e.CreatedAt
	st.partners.put(next.ID, next)
	e.Balance = next.GemsBalance
	st.ledger.put(e.ID, cloneLedgerEntry(e))
	return e, nil
}

// ListByPartner answers the partner's entries, oldest first.
func (r *LedgerRepository) ListByPartner(_ context.Context, partnerID string) ([]core.LedgerEntry, error) {
	st, err := r.tx.reading()
	if err != nil {
		return nil, err
	}
	out := []core.LedgerEntry{}
	for _, e := range st.ledger.rows {
		if e.PartnerID == partnerID {
			out = append(out, cloneLedgerEntry(e))
		}
	}
	slices.SortFunc(out, func(a, b core.LedgerEntry) int { return byTimeThenID(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	return out, nil
}
