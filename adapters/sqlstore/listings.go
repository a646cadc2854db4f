package sqlstore

import (
	"context"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// ListingRepository stores channel-namespace listings, one per pair.
type ListingRepository struct{ c conn }

var _ ports.ListingRepository = (*ListingRepository)(nil)

// Insert adds l; ErrDuplicate when the pair is listed already.
func (r *ListingRepository) Insert(ctx context.Context, l core.Listing) error {
	return r.c.insert(ctx, listingToRow(l))
}

// Get returns the listing of the pair, or ErrNotFound.
func (r *ListingRepository) Get(ctx context.Context, channelID, namespace string) (core.Listing, error) {
	var row listingRow
	if err := r.c.selectOne(ctx, &row, false, "channel_id = ? AND namespace = ?", channelID, namespace); err != nil {
		return core.Listing{}, err
	}
	return row.core(), nil
}

// ListByChannel returns the channel's listings, by namespace.
func (r *ListingRepository) ListByChannel(ctx context.Context, channelID string) ([]core.Listing, error) {
	var rows []listingRow
	if err := r.c.db.NewSelect().Model(&rows).Where("channel_id = ?", channelID).Order("namespace").Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	out := make([]core.Listing, 0, len(rows))
	for i := range rows {
		out = append(out, rows[i].core())
	}
	return out, nil
}

// Update locks the listing, runs fn on a copy and stores the result.
func (r *ListingRepository) Update(ctx context.Context, channelID, namespace string, fn func(*core.Listing) error) (core.Listing, error) {
	if err := r.c.writable(); err != nil {
		return core.Listing{}, err
	}
	var row listingRow
	if err := r.c.selectOne(ctx, &row, true, "channel_id = ? AND namespace = ?", channelID, namespace); err != nil {
		return core.Listing{}, err
	}
	l := row.core()
	if err := fn(&l); err != nil {
		return core.Listing{}, err
	}
	if l.ChannelID != channelID || l.Namespace != namespace {
		return core.Listing{}, errKeyChanged("listing's channel or namespace")
	}
	next := listingToRow(l)
	if err := r.c.update(ctx, next); err != nil {
		return core.Listing{}, err
	}
	return next.core(), nil
}
