package memory

import (
	"context"
	"slices"
	"strings"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// ListingRepository stores one listing per channel and namespace.
type ListingRepository struct{ tx *tx }

var _ ports.ListingRepository = (*ListingRepository)(nil)

func (r *ListingRepository) Insert(_ context.Context, l core.Listing) error {
	st, err := r.tx.writing()
	if err != nil {
		return err
	}
	k := listingKey{l.ChannelID, l.Namespace}
	if st.listings.has(k) {
		return duplicate("listing", k)
	}
	st.listings.put(k, cloneListing(l))
	return nil
}

func (r *ListingRepository) Get(_ context.Context, channelID, namespace string) (core.Listing, error) {
	st, err := r.tx.reading()
	if err != nil {
		return core.Listing{}, err
	}
	l, ok := st.listings.get(listingKey{channelID, namespace})
	if !ok {
		return core.Listing{}, notFound("listing", listingKey{channelID, namespace})
	}
	return cloneListing(l), nil
}

// ListByChannel answers the channel's listings, by namespace.
func (r *ListingRepository) ListByChannel(_ context.Context, channelID string) ([]core.Listing, error) {
	st, err := r.tx.reading()
	if err != nil {
		return nil, err
	}
	out := []core.Listing{}
	for k, l := range st.listings.rows {
		if k.channelID == channelID {
			out = append(out, cloneListing(l))
		}
	}
	slices.SortFunc(out, func(a, b core.Listing) int { return strings.Compare(a.Namespace, b.Namespace) })
	return out, nil
}

func (r *ListingRepository) Update(_ context.Context, channelID, namespace string, fn func(*core.Listing) error) (core.Listing, error) {
	st, err := r.tx.writing()
	if err != nil {
		return core.Listing{}, err
	}
	k := listingKey{channelID, namespace}
	return update(&st.listings, k, "listing", cloneListing, fn, func(_ core.Listing, next *core.Listing) error {
		next.ChannelID, next.Namespace = channelID, namespace
		return nil
	})
}
