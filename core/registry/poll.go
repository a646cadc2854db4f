package registry

import (
	"context"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// Page sizes of poll and pending.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

func pageSize(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageSize
	case limit > MaxPageSize:
		return MaxPageSize
	default:
		return limit
	}
}

// filterDomain normalizes a domain filter; an unparsable one matches nothing
// but is not an error (it is a filter, not a command target).
func filterDomain(s string) string {
	if s == "" {
		return ""
	}
	if n, err := core.ParseName(s); err == nil {
		return n.String()
	}
	return strings.ToLower(s)
}

// Poll answers the channel's audit events, oldest first, one page at a time.
// Another channel's events never appear, whatever the filters say.
func (s *Service) Poll(ctx context.Context, a core.Actor, f core.PollFilter) (core.PollPage, error) {
	limit := pageSize(f.Limit)
	q := ports.AuditQuery{
		// The channel's own commands and the changes the registry made to
		// its registrations (actor registry); operators' calls stay in the
		// operator audit.
		ChannelID: a.ChannelID(), ExcludeActor: "operator", IdempotencyKey: f.IdempotencyKey, Command: f.Command, Status: f.Status,
		Domain: filterDomain(f.Domain), Since: f.Since, AfterID: f.Cursor, Limit: limit + 1,
		// The page passes the summaries through as the store holds them.
		EncodedSummaries: true,
	}
	if f.Since != nil {
		// Audit ids are time-ordered: events at or after since have ids above
		// this floor (five minutes of margin for the gap between an id and its
		// created_at), so the store scans an index range instead of every
		// event of the channel.
		if floor := core.IDFloor("aud", f.Since.Add(-5*time.Minute)); floor > q.AfterID {
			q.AfterID = floor
		}
	}
	var events []core.AuditEvent
	err := s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		var err error
		events, err = tx.Audit().Query(ctx, q)
		return err
	})
	if err != nil {
		return core.PollPage{}, storeErr(err, core.CodeInternal, "audit")
	}
	page := core.PollPage{Events: events}
	if len(events) > limit {
		page.Events = events[:limit]
		page.NextCursor = events[limit-1].ID
	}
	if page.Events == nil {
		page.Events = []core.AuditEvent{}
	}
	return page, nil
}

// BackendPending answers the channel's pending backend work, oldest first.
func (s *Service) BackendPending(ctx context.Context, a core.Actor, f core.PendingFilter) ([]core.PendingItem, error) {
	f.ChannelID = a.ChannelID()
	f.Domain = filterDomain(f.Domain)
	f.Status = core.PendingQueued
	f.Limit = pageSize(f.Limit)
	var items []core.PendingItem
	err := s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		var err error
		items, err = tx.Pending().List(ctx, f)
		return err
	})
	if err != nil {
		return nil, storeErr(err, core.CodeInternal, "pending work")
	}
	if items == nil {
		items = []core.PendingItem{}
	}
	return items, nil
}
