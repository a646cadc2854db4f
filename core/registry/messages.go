package registry

import (
	"context"
	"errors"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// The per-channel message queue (EPP poll, RFC 5730 §2.9.2.3) is fed by the
// registry itself: backend apply results (operator apply/fail here, and the
// apply worker), lifecycle changes the registry makes on its own, and
// operator actions on a channel or its registrations. Every feeder calls
// notify inside the transaction of the change, so that a message exists
// exactly when its change committed.

// notify queues a message for channelID in tx. A channel id of "" (an
// operator object without a channel) queues nothing.
func (s *Service) notify(ctx context.Context, tx ports.Stores, channelID, kind, domain, text string, payload map[string]any, now time.Time) error {
	if channelID == "" {
		return nil
	}
	return tx.Messages().Enqueue(ctx, core.Message{
		ID: s.ids.NewID("msg"), ChannelID: channelID, Kind: kind, Domain: domain, Text: text,
		Payload: core.Summarize(payload), CreatedAt: now,
	})
}

// PollMessages answers the channel's oldest queued message and the queue length.
func (s *Service) PollMessages(ctx context.Context, a core.Actor) (core.QueueState, error) {
	var st core.QueueState
	err := s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		var err error
		st, err = queueState(ctx, tx, a.ChannelID())
		return err
	})
	return st, storeErr(err, core.CodeInternal, "message queue")
}

// AckMessage dequeues the channel's message id and answers the queue after it.
func (s *Service) AckMessage(ctx context.Context, a core.Actor, id string) (core.QueueState, error) {
	if id == "" || len(id) > 64 {
		return core.QueueState{}, core.Errorf(core.CodeRequiredParameterMissing, "poll ack needs the msgID of a queued message")
	}
	now := s.now()
	var st core.QueueState
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Stores) error {
		if _, err := tx.Messages().Ack(ctx, a.ChannelID(), id, now); err != nil {
			if errors.Is(err, ports.ErrNotFound) {
				return core.Errorf(core.CodeMessageNotFound, "no queued message %s", truncateID(id))
			}
			return err
		}
		var err error
		st, err = queueState(ctx, tx, a.ChannelID())
		return err
	})
	if err != nil {
		return core.QueueState{}, storeErr(err, core.CodeMessageNotFound, "message")
	}
	st.Acked = id
	return st, nil
}

func queueState(ctx context.Context, tx ports.Stores, channelID string) (core.QueueState, error) {
	m, n, err := tx.Messages().Oldest(ctx, channelID)
	if errors.Is(err, ports.ErrNotFound) {
		return core.QueueState{}, nil
	}
	if err != nil {
		return core.QueueState{}, err
	}
	return core.QueueState{Message: &m, Count: n}, nil
}

// notifyPending queues the result of backend work for the channel whose
// command left it: applied or failed (with the reason). The apply worker
// calls it too, in the transaction that settles the item.
func (s *Service) notifyPending(ctx context.Context, tx ports.Stores, item core.PendingItem, now time.Time) error {
	kind, text := core.MsgBackendApplied, item.Command+" of "+item.Domain+" was applied by the backend."
	if item.Status == core.PendingFailed {
		kind, text = core.MsgBackendFailed, item.Command+" of "+item.Domain+" failed at the backend: "+item.Reason
	}
	return s.notify(ctx, tx, item.ChannelID, kind, item.Domain, text, map[string]any{
		"pending_id": item.ID, "audit_id": item.AuditID, "command": item.Command, "status": item.Status,
	}, now)
}
