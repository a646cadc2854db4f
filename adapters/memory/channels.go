package memory

import (
	"context"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// ChannelRepository stores registrar channels by id, with unique slugs.
type ChannelRepository struct{ tx *tx }

var _ ports.ChannelRepository = (*ChannelRepository)(nil)

func (r *ChannelRepository) Insert(_ context.Context, c core.Channel) error {
	st, err := r.tx.writing()
	if err != nil {
		return err
	}
	if st.channels.has(c.ID) {
		return duplicate("channel", c.ID)
	}
	if st.slugs.has(c.Slug) {
		return duplicate("channel slug", c.Slug)
	}
	st.channels.put(c.ID, cloneChannel(c))
	st.slugs.put(c.Slug, c.ID)
	return nil
}

func (r *ChannelRepository) Get(_ context.Context, id string) (core.Channel, error) {
	st, err := r.tx.reading()
	if err != nil {
		return core.Channel{}, err
	}
	c, ok := st.channels.get(id)
	if !ok {
		return core.Channel{}, notFound("channel", id)
	}
	return cloneChannel(c), nil
}

func (r *ChannelRepository) GetBySlug(ctx context.Context, slug string) (core.Channel, error) {
	st, err := r.tx.reading()
	if err != nil {
		return core.Channel{}, err
	}
	id, ok := st.slugs.get(slug)
	if !ok {
		return core.Channel{}, notFound("channel slug", slug)
	}
	return r.Get(ctx, id)
}

func (r *ChannelRepository) Update(_ context.Context, id string, fn func(*core.Channel) error) (core.Channel, error) {
	st, err := r.tx.writing()
	if err != nil {
		return core.Channel{}, err
	}
	return update(&st.channels, id, "channel", cloneChannel, fn, func(old core.Channel, next *core.Channel) error {
		next.ID = id
		if next.Slug == old.Slug {
			return nil
		}
		if st.slugs.has(next.Slug) {
			return duplicate("channel slug", next.Slug)
		}
		st.slugs.del(old.Slug)
		st.slugs.put(next.Slug, id)
		return nil
	})
}
