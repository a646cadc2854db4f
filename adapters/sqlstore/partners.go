package sqlstore

import (
	"context"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// PartnerRepository stores partners; the balance can never go below zero
// (a CHECK constraint backs the core's own check).
type PartnerRepository struct{ c conn }

var _ ports.PartnerRepository = (*PartnerRepository)(nil)

// Insert adds p; ErrDuplicate when its id exists.
func (r *PartnerRepository) Insert(ctx context.Context, p core.Partner) error {
	return r.c.insert(ctx, partnerToRow(p))
}

// Get returns the partner with id or ErrNotFound.
func (r *PartnerRepository) Get(ctx context.Context, id string) (core.Partner, error) {
	var row partnerRow
	var err error
	if done, rerr := r.c.readRow(ctx, partnerRaw, nil, row.scan, id); done {
		err = rerr
	} else if r.c.prepared {
		err = r.c.getPrepared(ctx, partnerSelect, &row, id)
	} else {
		err = r.c.selectOne(ctx, &row, false, "id = ?", id)
	}
	if err != nil {
		return core.Partner{}, err
	}
	return row.core(), nil
}

// partnerSelect is a partner by id, prepared on PostgreSQL.
var partnerSelect = &preparedSelect{model: (*partnerRow)(nil), where: "id = $1"}

// Update locks the partner, runs fn on a copy and stores the result.
func (r *PartnerRepository) Update(ctx context.Context, id string, fn func(*core.Partner) error) (core.Partner, error) {
	if err := r.c.writable(); err != nil {
		return core.Partner{}, err
	}
	var row partnerRow
	if err := r.c.selectOne(ctx, &row, true, "id = ?", id); err != nil {
		return core.Partner{}, err
	}
	p := row.core()
	if err := fn(&p); err != nil {
		return core.Partner{}, err
	}
	if p.ID != id {
		return core.Partner{}, errKeyChanged("partner id")
	}
	next := partnerToRow(p)
	if err := r.c.update(ctx, next); err != nil {
		return core.Partner{}, err
	}
	return next.core(), nil
}
