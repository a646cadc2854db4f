package memory

import (
	"context"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// MessageQueue stores every channel's messages by id.
type MessageQueue struct{ tx *tx }

var _ ports.MessageQueue = (*MessageQueue)(nil)

func (q *MessageQueue) Enqueue(_ context.Context, m core.Message) error {
	st, err := q.tx.writing()
	if err != nil {
		return err
	}
	if st.messages.has(m.ID) {
		return duplicate("message", m.ID)
	}
	if m.Payload, err = toJSON("message payload", m.Payload); err != nil {
		return err
	}
	st.messages.put(m.ID, cloneMessage(m))
	return nil
}

func (q *MessageQueue) Oldest(_ context.Context, channelID string) (core.Message, int, error) {
	st, err := q.tx.reading()
	if err != nil {
		return core.Message{}, 0, err
	}
	var oldest core.Message
	n := 0
	for _, m := range st.messages.rows {
		if m.ChannelID != channelID || m.AckedAt != nil {
			continue
		}
		if n == 0 || byTimeThenID(m.CreatedAt, oldest.CreatedAt, m.ID, oldest.ID) < 0 {
			oldest = m
		}
		n++
	}
	if n == 0 {
		return core.Message{}, 0, notFound("queued message of channel", channelID)
	}
	return cloneMessage(oldest), n, nil
}

func (q *MessageQueue) Ack(_ context.Context, channelID, id string, at time.Time) (core.Message, error) {
	st, err := q.tx.writing()
	if err != nil {
		return core.Message{}, err
	}
	m, ok := st.messages.get(id)
	if !ok || m.ChannelID != channelID || m.AckedAt != nil {
		return core.Message{}, notFound("queued message", id)
	}
	m = cloneMessage(m)
	t := at
	m.AckedAt = &t
	st.messages.put(id, m)
	return cloneMessage(m), nil
}
