package registry

import (
	"context"
	"errors"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// AddListing asks for a channel's listing in a namespace (pending).
func (s *Service) AddListing(ctx context.Context, channelID, namespace string) (core.Listing, error) {
	ns, err := core.ParseLabel(namespace)
	if err != nil {
		return core.Listing{}, core.Invalid("namespace", "namespace must be one LDH or IDN label")
	}
	var l core.Listing
	err = s.operatorDo(ctx, "add_listing", 201, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		ch, err := tx.Channels().Get(ctx, channelID)
		if err != nil {
			return storeErr(err, core.CodeNotFound, "registrar channel "+quoteID(channelID))
		}
		if _, err := tx.Namespaces().Get(ctx, ns); err != nil {
			if errors.Is(err, ports.ErrNotFound) {
				return core.Invalid("namespace", "namespace %s does not exist", ns)
			}
			return storeErr(err, core.CodeInternal, "namespace")
		}
		l = core.Listing{ChannelID: ch.ID, Namespace: ns, Status: core.ListingPending, CreatedAt: now}
		if err := tx.Listings().Insert(ctx, l); err != nil {
			if errors.Is(err, ports.ErrDuplicate) {
				return core.Errorf(core.CodeAlreadyExists, "registrar channel %s already has a listing for %s", ch.Slug, ns)
			}
			return storeErr(err, core.CodeInternal, "namespace listing")
		}
		rec.channelID, rec.channelSlug = ch.ID, ch.Slug
		rec.request = map[string]any{"registrar_channel_id": ch.ID, "namespace": ns}
		rec.response = map[string]any{"namespace": ns, "status": string(l.Status)}
		return nil
	})
	if err != nil {
		return core.Listing{}, err
	}
	return l, nil
}

// ApproveListing approves a channel for a namespace it asked for.
func (s *Service) ApproveListing(ctx context.Context, channelID, namespace string) (core.Listing, error) {
	ns, err := core.ParseLabel(namespace)
	if err != nil {
		return core.Listing{}, core.Errorf(core.CodeNotFound, "namespace listing not found")
	}
	var l core.Listing
	err = s.operatorDo(ctx, "approve_listing", 200, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		ch, err := tx.Channels().Get(ctx, channelID)
		if err != nil {
			return storeErr(err, core.CodeNotFound, "registrar channel "+quoteID(channelID))
		}
		l, err = tx.Listings().Update(ctx, ch.ID, ns, func(l *core.Listing) error {
			l.Status = core.ListingApproved
			if l.ApprovedAt == nil {
				t := now
				l.ApprovedAt = &t
			}
			return nil
		})
		if err != nil {
			return storeErr(err, core.CodeNotFound, "namespace listing "+ns+" of registrar channel "+quoteID(channelID))
		}
		if err := s.notify(ctx, tx, ch.ID, core.MsgOperator, "", "Namespace listing "+ns+" approved.",
			map[string]any{"action": "approve_listing", "namespace": ns}, now); err != nil {
			return err
		}
		rec.channelID, rec.channelSlug = ch.ID, ch.Slug
		rec.request = map[string]any{"registrar_channel_id": ch.ID, "namespace": ns}
		rec.response = map[string]any{"namespace": ns, "status": string(l.Status)}
		return nil
	})
	if err != nil {
		return core.Listing{}, err
	}
	return l, nil
}
