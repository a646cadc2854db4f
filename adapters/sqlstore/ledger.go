package sqlstore

import (
	"context"
	"errors"
	"fmt"

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

// Post moves e.Amount into the partner's balance and appends e with the
// balance after the move (see ports.LedgerRepository.Post). On PostgreSQL
// the update of the balance and the insert of the entry are one statement:
// the partner's row lock is taken there and held to the commit, so a command
// that posts last holds the busiest row of the registry for one statement
// and the commit. SQLite cannot update inside a WITH clause; its writer
// holds the database lock for the whole transaction anyway, so there the two
// are two statements.
func (r *LedgerRepository) Post(ctx context.Context, e core.LedgerEntry) (core.LedgerEntry, error) {
	if err := r.c.writable(); err != nil {
		return core.LedgerEntry{}, err
	}
	row := ledgerToRow(e)
	if r.c.wb != nil && !r.c.wb.lone {
		return r.postBehind(ctx, e, row)
	}
	var balance int64
	var err error
	if r.c.pg {
		// The move and the entry are one statement; a lone command's held
		// audit rows and idempotency results ride in it (writeBehind).
		wb := r.c.wb
		if wb == nil {
			wb = newWriteBehind()
		}
		var moved bool
		balance, moved, err = wb.postNow(ctx, r.c, row)
		if err == nil && !moved {
			err = ports.ErrNotFound
		}
	} else {
		err = r.c.db.NewRaw(`UPDATE partners SET gems_balance = gems_balance + ?, updated_at = ?
WHERE id = ? AND gems_balance + ? >= 0 RETURNING gems_balance`,
			row.Amount, row.CreatedAt, row.PartnerID, row.Amount).Scan(ctx, &balance)
		if err == nil {
			row.Balance = balance
			err = r.c.insert(ctx, row)
		}
	}
	if err == nil {
		e.Balance = balance
		return e, nil
	}
	if err = mapErr(err); !errors.Is(err, ports.ErrNotFound) {
		return core.LedgerEntry{}, err
	}
	// Nothing moved: the partner is missing, or its balance is too low.
	var p partnerRow
	if err := r.c.selectOne(ctx, &p, false, "id = ?", e.PartnerID); err != nil {
		return core.LedgerEntry{}, err
	}
	e.Balance = p.GemsBalance
	return e, fmt.Errorf("%w: partner %s holds %d Gems, the move is %d", ports.ErrInsufficient, e.PartnerID, p.GemsBalance, e.Amount)
}

// postBehind is Post inside a group transaction: the partner's row is read
// (without a lock) by its first move in the group, the move is checked
// against the balance the group has moved it to, and the entry and the
// balance wait for the group's end, where the move is made under the row
// lock (writeBehind). In a blind group (writeBehind.blind) the row is not
// read and nothing is checked before the end.
func (r *LedgerRepository) postBehind(ctx context.Context, e core.LedgerEntry, row *ledgerRow) (core.LedgerEntry, error) {
	wb := r.c.wb
	b, ok := wb.balances[e.PartnerID]
	if !ok && wb.blind {
		// Not read: the move is checked at the group's end only. The
		// balances held and answered are relative to the unknown start.
		b = &heldBalance{}
		wb.balances[e.PartnerID] = b
	} else if !ok {
		var p partnerRow
		if err := r.c.selectOne(ctx, &p, false, "id = ?", e.PartnerID); err != nil {
			return core.LedgerEntry{}, err
		}
		b = &heldBalance{read: p.GemsBalance, now: p.GemsBalance}
		wb.balances[e.PartnerID] = b
	}
	if !wb.blind && b.now+e.Amount < 0 {
		e.Balance = b.now
		return e, fmt.Errorf("%w: partner %s holds %d Gems, the move is %d", ports.ErrInsufficient, e.PartnerID, b.now, e.Amount)
	}
	b.now += e.Amount
	b.updatedAt = row.CreatedAt
	row.Balance = b.now
	wb.ledger = append(wb.ledger, row)
	e.Balance = b.now
	return e, nil
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
