package sqlstore

import (
	"context"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// OTERunRepository stores OT&E runs.
type OTERunRepository struct{ c conn }

var _ ports.OTERunRepository = (*OTERunRepository)(nil)

// Insert adds run; ErrDuplicate when its id exists.
func (r *OTERunRepository) Insert(ctx context.Context, run core.OTERun) error {
	row, err := oteRunToRow(run)
	if err != nil {
		return err
	}
	return r.c.insert(ctx, row)
}

// Get returns the run with id, or ErrNotFound.
func (r *OTERunRepository) Get(ctx context.Context, id string) (core.OTERun, error) {
	var row oteRunRow
	if err := r.c.selectOne(ctx, &row, false, "id = ?", id); err != nil {
		return core.OTERun{}, err
	}
	return row.core()
}

// Update locks the run, runs fn on a copy and stores the result.
func (r *OTERunRepository) Update(ctx context.Context, id string, fn func(*core.OTERun) error) (core.OTERun, error) {
	if err := r.c.writable(); err != nil {
		return core.OTERun{}, err
	}
	var row oteRunRow
	if err := r.c.selectOne(ctx, &row, true, "id = ?", id); err != nil {
		return core.OTERun{}, err
	}
	run, err := row.core()
	if err != nil {
		return core.OTERun{}, err
	}
	if err := fn(&run); err != nil {
		return core.OTERun{}, err
	}
	if run.ID != id {
		return core.OTERun{}, errKeyChanged("OT&E run id")
	}
	next, err := oteRunToRow(run)
	if err != nil {
		return core.OTERun{}, err
	}
	if err := r.c.update(ctx, next); err != nil {
		return core.OTERun{}, err
	}
	return next.core()
}

// LatestByChannel returns the channel's most recently created run, or ErrNotFound.
func (r *OTERunRepository) LatestByChannel(ctx context.Context, channelID string) (core.OTERun, error) {
	var row oteRunRow
	err := r.c.db.NewSelect().Model(&row).Where("channel_id = ?", channelID).
		OrderExpr("created_at DESC, id DESC").Limit(1).Scan(ctx)
	if err != nil {
		return core.OTERun{}, mapErr(err)
	}
	return row.core()
}
