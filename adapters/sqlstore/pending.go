package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// PendingRepository stores backend apply work.
type PendingRepository struct{ c conn }

var _ ports.PendingRepository = (*PendingRepository)(nil)

// Insert adds p; ErrDuplicate when its id exists.
func (r *PendingRepository) Insert(ctx context.Context, p core.PendingItem) error {
	row, err := pendingToRow(p)
	if err != nil {
		return err
	}
	return r.c.insert(ctx, row)
}

// Get returns the item with id, or ErrNotFound.
func (r *PendingRepository) Get(ctx context.Context, id string) (core.PendingItem, error) {
	var row pendingRow
	if err := r.c.selectOne(ctx, &row, false, "id = ?", id); err != nil {
		return core.PendingItem{}, err
	}
	return row.core()
}

// List answers the items matching f, oldest first; Status "" means
// pending and a Limit of zero or less does not limit.
func (r *PendingRepository) List(ctx context.Context, f core.PendingFilter) ([]core.PendingItem, error) {
	var rows []pendingRow
	if err := pendingListQuery(r.c.db, &rows, f).Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	return pendingItems(rows)
}

// pendingListQuery selects the items matching f into rows.
func pendingListQuery(db bun.IDB, rows *[]pendingRow, f core.PendingFilter) *bun.SelectQuery {
	status := f.Status
	if status == "" {
		status = core.PendingQueued
	}
	sel := db.NewSelect().Model(rows).Where("status = ?", status)
	if f.ChannelID != "" {
		sel = sel.Where("channel_id = ?", f.ChannelID)
	}
	if f.Command != "" {
		sel = sel.Where("command = ?", f.Command)
	}
	if f.Domain != "" {
		sel = sel.Where("domain = ?", f.Domain)
	}
	sel = sel.Order("created_at", "id")
	if f.Limit > 0 {
		sel = sel.Limit(int64(f.Limit))
	}
	return sel
}

// Update locks the item, runs fn on a copy and stores the result.
func (r *PendingRepository) Update(ctx context.Context, id string, fn func(*core.PendingItem) error) (core.PendingItem, error) {
	if err := r.c.writable(); err != nil {
		return core.PendingItem{}, err
	}
	var row pendingRow
	if err := r.c.selectOne(ctx, &row, true, "id = ?", id); err != nil {
		return core.PendingItem{}, err
	}
	p, err := row.core()
	if err != nil {
		return core.PendingItem{}, err
	}
	if err := fn(&p); err != nil {
		return core.PendingItem{}, err
	}
	if p.ID != id {
		return core.PendingItem{}, errKeyChanged("pending item id")
	}
	next, err := pendingToRow(p)
	if err != nil {
		return core.PendingItem{}, err
	}
	if err := r.c.update(ctx, next); err != nil {
		return core.PendingItem{}, err
	}
	return next.core()
}

// Claim locks up to limit pending items due at now, oldest first, for this
// transaction. On PostgreSQL FOR UPDATE SKIP LOCKED passes over items that
// another worker's transaction holds, so workers never wait on each other;
// on SQLite the transaction's write lock already excludes other claimers. A
// limit of zero or less does not limit.
func (r *PendingRepository) Claim(ctx context.Context, now time.Time, limit int) ([]core.PendingItem, error) {
	if err := r.c.writable(); err != nil {
		return nil, err
	}
	var rows []pendingRow
	if err := claimQuery(r.c.db, &rows, now, limit, r.c.pg).Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	return pendingItems(rows)
}

// claimQuery selects (and on PostgreSQL locks, skipping locked rows) the
// due items into rows.
func claimQuery(db bun.IDB, rows *[]pendingRow, now time.Time, limit int, pg bool) *bun.SelectQuery {
	sel := db.NewSelect().Model(rows).
		Where("status = ? AND next_try_at <= ?", core.PendingQueued, ts(now)).
		Order("created_at", "id")
	if limit > 0 {
		sel = sel.Limit(int64(limit))
	}
	if pg {
		sel = sel.For("UPDATE SKIP LOCKED")
	}
	return sel
}

func pendingItems(rows []pendingRow) ([]core.PendingItem, error) {
	out := make([]core.PendingItem, 0, len(rows))
	for i := range rows {
		p, err := rows[i].core()
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
