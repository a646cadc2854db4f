package sqlstore

import (
	"context"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// LedgerRepository is the append-only record of Gems movements.
type LedgerRepository struct{ c conn }

var _ ports.LedgerRepository = (*LedgerRepository)(nil)

// Append adds e; ErrDuplicate when its id exists.
func (r *LedgerRepository) Append(ctx context.Context, e core.LedgerEntry) error {
	return r.c.insert(ctx, ledgerToRow(e))
}

// ListByPartner returns the partner's entries, oldest first.
func (r *LedgerRepository) ListByPartner(ctx context.Context, partnerID string) ([]core.LedgerEntry, error) {
	var rows []ledgerRow
	err := r.c.db.NewSelect().Model(&rows).Where("partner_id = ?", partnerID).
		Order("created_at", "id").Scan(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]core.LedgerEntry, 0, len(rows))
	for i := range rows {
		out = append(out, rows[i].core())
	}
	return out, nil
}
