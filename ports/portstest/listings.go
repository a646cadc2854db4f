package portstest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func testListings(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	other := newNamespace()
	pending := core.Listing{ChannelID: w.Channel.ID, Namespace: other.Name, Status: core.ListingPending, CreatedAt: at(time.Second)}
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		return firstErr(
			func() error { return tx.Namespaces().Insert(ctx, other) },
			func() error { return tx.Listings().Insert(ctx, pending) },
		)
	})
	get := func(channelID, ns string) getter[core.Listing] {
		return func(ctx context.Context, tx ports.Stores) (core.Listing, error) {
			return tx.Listings().Get(ctx, channelID, ns)
		}
	}
	update := func(ctx context.Context, tx ports.Stores, fn func(*core.Listing) error) (core.Listing, error) {
		return tx.Listings().Update(ctx, pending.ChannelID, pending.Namespace, fn)
	}
	assertEqual(t, "approved listing", w.Listing, read(t, u, get(w.Channel.ID, w.Namespace.Name)))
	assertEqual(t, "pending listing", pending, read(t, u, get(w.Channel.ID, other.Name)))
	checkGetMissing(t, u, "listing of an unlisted namespace", get(w.Channel.ID, unique("ns")))
	checkGetMissing(t, u, "listing of another channel", get(newID("chn"), w.Namespace.Name))
	wantDoErr(t, u, "listing insert for an existing pair", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		return tx.Listings().Insert(ctx, newListing(w.Channel.ID, w.Namespace.Name))
	})

	// The same namespace for another channel is a different pair.
	second := w.secondChannel(t, u)
	secondListing := newListing(second.ID, w.Namespace.Name)
	do(t, u, func(ctx context.Context, tx ports.Stores) error { return tx.Listings().Insert(ctx, secondListing) })

	approved := checkUpdate(t, u, "listing", pending, get(pending.ChannelID, pending.Namespace), update, func(l *core.Listing) {
		l.Status = core.ListingApproved
		l.ApprovedAt = ptr(at(time.Hour))
	})
	checkUpdateAborts(t, u, "listing", approved, get(pending.ChannelID, pending.Namespace), update, func(l *core.Listing) {
		l.Status = core.ListingPending
		l.ApprovedAt = nil
	})
	checkUpdateMissing(t, u, "listing", func(ctx context.Context, tx ports.Stores, fn func(*core.Listing) error) (core.Listing, error) {
		return tx.Listings().Update(ctx, w.Channel.ID, unique("ns"), fn)
	})

	byChannel := func(id string) []core.Listing {
		list := read(t, u, func(ctx context.Context, tx ports.Stores) ([]core.Listing, error) {
			return tx.Listings().ListByChannel(ctx, id)
		})
		slices.SortFunc(list, func(a, b core.Listing) int { return strings.Compare(a.Namespace, b.Namespace) })
		return list
	}
	want := []core.Listing{w.Listing, approved}
	slices.SortFunc(want, func(a, b core.Listing) int { return strings.Compare(a.Namespace, b.Namespace) })
	assertEqual(t, "listings of the channel", want, byChannel(w.Channel.ID))
	assertEqual(t, "listings of the second channel", []core.Listing{secondListing}, byChannel(second.ID))
	if got := byChannel(newID("chn")); len(got) != 0 {
		t.Errorf("listings of an unknown channel: want none, got %d", len(got))
	}
}
