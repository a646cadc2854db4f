package memory

import (
	"context"
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
