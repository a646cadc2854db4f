package memory

import (
	"context"
	"slices"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// PendingRepository stores backend apply work by id.
type PendingRepository struct{ tx *tx }

var _ ports.PendingRepository = (*PendingRepository)(nil)

func (r *PendingRepository) Insert(_ context.Context, p core.PendingItem) error {
	st, err := r.tx.writing()
	if err != nil {
		return err
	}
	if st.pending.has(p.ID) {
		return duplicate("pending item", p.ID)
	}
	if p.Payload, err = toJSON("pending payload", p.Payload); err != nil {
		return err
	}
	st.pending.put(p.ID, p) // toJSON made a fresh map
	return nil
}

func (r *PendingRepository) Get(_ context.Context, id string) (core.PendingItem, error) {
	st, err := r.tx.reading()
	if err != nil {
		return core.PendingItem{}, err
	}
	p, ok := st.pending.get(id)
	if !ok {
		return core.PendingItem{}, notFound("pending item", id)
	}
	return clonePending(p), nil
}

// List answers the items matching f, oldest first; Status "" means pending.
func (r *PendingRepository) List(_ context.Context, f core.PendingFilter) ([]core.PendingItem, error) {
	st, err := r.tx.reading()
	if err != nil {
		return nil, err
	}
	status := f.Status
	if status == "" {
		status = core.PendingQueued
	}
	return selectPending(st, f.Limit, func(p core.PendingItem) bool {
		return p.Status == status &&
			(f.ChannelID == "" || p.ChannelID == f.ChannelID) &&
			(f.Command == "" || p.Command == f.Command) &&
			(f.Domain == "" || p.Domain == f.Domain)
	}), nil
}

// Claim answers up to limit pending items due at now, oldest first. The
// store's write lock already keeps every other transaction out, so there is
// nothing more to lock.
func (r *PendingRepository) Claim(_ context.Context, now time.Time, limit int) ([]core.PendingItem, error) {
	st, err := r.tx.writing()
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		return []core.PendingItem{}, nil
	}
	return selectPending(st, limit, func(p core.PendingItem) bool {
		return p.Status == core.PendingQueued && !p.NextTryAt.After(now)
	}), nil
}

func selectPending(st *state, n int, keep func(core.PendingItem) bool) []core.PendingItem {
	out := []core.PendingItem{}
	for _, p := range st.pending.rows {
		if keep(p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b core.PendingItem) int { return byTimeThenID(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	out = limit(out, n)
	for i := range out {
		out[i] = clonePending(out[i])
	}
	return out
}

func (r *PendingRepository) Update(_ context.Context, id string, fn func(*core.PendingItem) error) (core.PendingItem, error) {
	st, err := r.tx.writing()
	if err != nil {
		return core.PendingItem{}, err
	}
	return update(&st.pending, id, "pending item", clonePending, fn, func(_ core.PendingItem, next *core.PendingItem) error {
		next.ID = id
		var err error
		next.Payload, err = toJSON("pending payload", next.Payload)
		return err
	})
}
