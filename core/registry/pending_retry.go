package registry

import (
	"context"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// supersededPrefix starts the reason of work a newer command replaced.
const supersededPrefix = "superseded by"

// RetryPending queues failed backend work again (an operator's answer to a
// backend that refused, once the cause is fixed): the item is pending with
// its attempts counted afresh and due at once, for the apply worker or an
// operator. Work a newer command superseded cannot be retried: it would put
// back a delegation the registrar replaced.
func (s *Service) RetryPending(ctx context.Context, id string) (core.PendingItem, error) {
	var item core.PendingItem
	err := s.operatorDo(ctx, "retry_pending", 200, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		var err error
		item, err = tx.Pending().Update(ctx, id, func(p *core.PendingItem) error {
			if p.Status != core.PendingFailed {
				return core.Invalid("id", "pending item %s is %s; only failed work can be retried", p.ID, p.Status)
			}
			if strings.HasPrefix(p.Reason, supersededPrefix) {
				return core.Invalid("id", "pending item %s was %s; it cannot be retried", p.ID, p.Reason)
			}
			p.Status, p.Attempts, p.NextTryAt, p.UpdatedAt = core.PendingQueued, 0, now, now
			p.Reason = "retried by an operator after: " + p.Reason
			return nil
		})
		if err != nil {
			return storeErr(err, core.CodeNotFound, "pending item "+quoteID(id))
		}
		rec.channelID, rec.domain = item.ChannelID, item.Domain
		if item.ChannelID != "" {
			if ch, err := tx.Channels().Get(ctx, item.ChannelID); err == nil {
				rec.channelSlug = ch.Slug
			}
		}
		rec.request = map[string]any{"pending_id": id}
		rec.response = map[string]any{"pending_id": item.ID, "command": item.Command, "status": item.Status}
		return nil
	})
	if err != nil {
		return core.PendingItem{}, err
	}
	return item, nil
}
