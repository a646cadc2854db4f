package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// messageRow is one queued message (added by the contacts migration).
type messageRow struct {
	bun.BaseModel `bun:"table:messages"`

	ID        string     `bun:"id,pk"`
	ChannelID string     `bun:"channel_id"`
	Kind      string     `bun:"kind"`
	Domain    string     `bun:"domain"`
	Text      string     `bun:"text"`
	Payload   string     `bun:"payload"`
	CreatedAt timestamp  `bun:"created_at"`
	AckedAt   *timestamp `bun:"acked_at"`
}

func messageToRow(m core.Message) (*messageRow, error) {
	payload, err := toJSON(m.Payload)
	if err != nil {
		return nil, err
	}
	return &messageRow{ID: m.ID, ChannelID: m.ChannelID, Kind: m.Kind, Domain: m.Domain, Text: m.Text, Payload: payload,
		CreatedAt: ts(m.CreatedAt), AckedAt: tsPtr(m.AckedAt)}, nil
}

func (r *messageRow) core() (core.Message, error) {
	m := core.Message{ID: r.ID, ChannelID: r.ChannelID, Kind: r.Kind, Domain: r.Domain, Text: r.Text,
		CreatedAt: r.CreatedAt.Time(), AckedAt: r.AckedAt.timePtr()}
	if err := fromJSON(r.Payload, &m.Payload); err != nil {
		return core.Message{}, err
	}
	return m, nil
}

// MessageQueue stores every channel's messages.
type MessageQueue struct{ c conn }

var _ ports.MessageQueue = (*MessageQueue)(nil)

// Enqueue adds m; ErrDuplicate when its id exists.
func (q *MessageQueue) Enqueue(ctx context.Context, m core.Message) error {
	row, err := messageToRow(m)
	if err != nil {
		return err
	}
	return q.c.insert(ctx, row)
}

// Oldest answers the channel's oldest unacknowledged message and the count.
func (q *MessageQueue) Oldest(ctx context.Context, channelID string) (core.Message, int, error) {
	n, err := q.c.db.NewSelect().Model((*messageRow)(nil)).
		Where("channel_id = ? AND acked_at IS NULL", channelID).Count(ctx)
	if err != nil {
		return core.Message{}, 0, mapErr(err)
	}
	if n == 0 {
		return core.Message{}, 0, ports.ErrNotFound
	}
	var row messageRow
	err = q.c.db.NewSelect().Model(&row).Where("channel_id = ? AND acked_at IS NULL", channelID).
		Order("created_at", "id").Limit(1).Scan(ctx)
	if err != nil {
		return core.Message{}, 0, mapErr(err)
	}
	m, err := row.core()
	return m, int(n), err
}

// Ack marks the channel's unacknowledged message acknowledged.
func (q *MessageQueue) Ack(ctx context.Context, channelID, id string, at time.Time) (core.Message, error) {
	if err := q.c.writable(); err != nil {
		return core.Message{}, err
	}
	var row messageRow
	if err := q.c.selectOne(ctx, &row, true, "id = ? AND channel_id = ? AND acked_at IS NULL", id, channelID); err != nil {
		return core.Message{}, err
	}
	row.AckedAt = tsPtr(&at)
	if err := q.c.update(ctx, &row); err != nil {
		return core.Message{}, err
	}
	return row.core()
}
