package sqlstore

import (
	"context"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// ChannelRepository stores registrar channels; slugs are unique.
type ChannelRepository struct{ c conn }

var _ ports.ChannelRepository = (*ChannelRepository)(nil)

// Insert adds ch; ErrDuplicate when its id or slug exists.
func (r *ChannelRepository) Insert(ctx context.Context, ch core.Channel) error {
	return r.c.insert(ctx, channelToRow(ch))
}

// Get returns the channel with id or ErrNotFound.
func (r *ChannelRepository) Get(ctx context.Context, id string) (core.Channel, error) {
	var row channelRow
	if err := r.c.selectOne(ctx, &row, false, "id = ?", id); err != nil {
		return core.Channel{}, err
	}
	return row.core(), nil
}

// GetBySlug returns the channel with slug or ErrNotFound.
func (r *ChannelRepository) GetBySlug(ctx context.Context, slug string) (core.Channel, error) {
	var row channelRow
	if err := r.c.selectOne(ctx, &row, false, "slug = ?", slug); err != nil {
		return core.Channel{}, err
	}
	return row.core(), nil
}

// Update locks the channel, runs fn on a copy and stores the result.
func (r *ChannelRepository) Update(ctx context.Context, id string, fn func(*core.Channel) error) (core.Channel, error) {
	if err := r.c.writable(); err != nil {
		return core.Channel{}, err
	}
	var row channelRow
	if err := r.c.selectOne(ctx, &row, true, "id = ?", id); err != nil {
		return core.Channel{}, err
	}
	ch := row.core()
	if err := fn(&ch); err != nil {
		return core.Channel{}, err
	}
	if ch.ID != id {
		return core.Channel{}, errKeyChanged("channel id")
	}
	next := channelToRow(ch)
	update := r.c.update
	if next.Slug != row.Slug {
		update = r.c.updateUnique
	}
	if err := update(ctx, next); err != nil {
		return core.Channel{}, err
	}
	return next.core(), nil
}
