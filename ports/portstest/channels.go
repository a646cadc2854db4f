package portstest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func testChannels(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	c := newChannel(w.Partner.ID)
	c.Status = core.ChannelPending
	c.ProductionApproved = false
	c.ProductionApprovedAt = nil
	c.EPPPasswordHash = ""
	do(t, u, func(ctx context.Context, tx ports.Stores) error { return tx.Channels().Insert(ctx, c) })

	get := func(id string) getter[core.Channel] {
		return func(ctx context.Context, tx ports.Stores) (core.Channel, error) { return tx.Channels().Get(ctx, id) }
	}
	bySlug := func(slug string) getter[core.Channel] {
		return func(ctx context.Context, tx ports.Stores) (core.Channel, error) {
			return tx.Channels().GetBySlug(ctx, slug)
		}
	}
	update := func(ctx context.Context, tx ports.Stores, fn func(*core.Channel) error) (core.Channel, error) {
		return tx.Channels().Update(ctx, c.ID, fn)
	}
	assertEqual(t, "channel with empty optional fields", c, read(t, u, get(c.ID)))
	assertEqual(t, "seeded channel with every field", w.Channel, read(t, u, get(w.Channel.ID)))
	assertEqual(t, "channel by slug", c, read(t, u, bySlug(c.Slug)))
	checkGetMissing(t, u, "channel", get(newID("chn")))
	checkGetMissing(t, u, "channel by slug", bySlug(unique("slug-")))

	wantDoErr(t, u, "channel insert with an existing id", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		again := newChannel(w.Partner.ID)
		again.ID = c.ID
		return tx.Channels().Insert(ctx, again)
	})
	wantDoErr(t, u, "channel insert with an existing slug", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		again := newChannel(w.Partner.ID)
		again.Slug = c.Slug
		return tx.Channels().Insert(ctx, again)
	})

	c = checkUpdate(t, u, "channel", c, get(c.ID), update, func(c *core.Channel) {
		c.Status = core.ChannelApproved
		c.ProductionApproved = true
		c.ProductionApprovedAt = ptr(at(time.Hour))
		c.RateLimitPerMinute = 5
		c.EPPPasswordHash = "$argon2id$new"
		c.EPPClientCertSHA256 = strings.Repeat("ab", 32)
		c.UpdatedAt = at(time.Hour)
	})
	assertEqual(t, "channel by slug after Update", c, read(t, u, bySlug(c.Slug)))
	checkUpdateAborts(t, u, "channel", c, get(c.ID), update, func(c *core.Channel) {
		c.Status = core.ChannelSuspended
		*c.ProductionApprovedAt = at(-time.Hour)
		c.RateLimitPerMinute = 1
	})
	checkUpdateMissing(t, u, "channel", func(ctx context.Context, tx ports.Stores, fn func(*core.Channel) error) (core.Channel, error) {
		return tx.Channels().Update(ctx, newID("chn"), fn)
	})
}
