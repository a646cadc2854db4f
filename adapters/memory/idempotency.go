package memory

import (
	"context"
	"slices"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// IdempotencyStore keeps idempotency records per channel and key. Every Do
// holds the store's one write lock, so no other transaction can hold a claim
// while Reserve runs: a key is either committed (its record is answered) or
// free (the claim is recorded in this transaction's state, and vanishes with
// it on rollback).
type IdempotencyStore struct{ tx *tx }

var _ ports.IdempotencyStore = (*IdempotencyStore)(nil)

func (r *IdempotencyStore) Get(_ context.Context, channelID, key string) (core.IdempotencyRecord, error) {
	st, err := r.tx.reading()
	if err != nil {
		return core.IdempotencyRecord{}, err
	}
	rec, ok := st.idempotency.get(idemKey{channelID, key})
	if !ok {
		return core.IdempotencyRecord{}, notFound("idempotency key", key)
	}
	return cloneIdempotency(rec), nil
}

// ReserveLocking is Reserve: the memory store runs one transaction at a
// time, so there is no round trip to save.
func (r *IdempotencyStore) ReserveLocking(ctx context.Context, rec core.IdempotencyRecord, _ core.Name) (*core.IdempotencyRecord, error) {
	return r.Reserve(ctx, rec)
}

// ReserveRegistering is Reserve, for the same reason.
func (r *IdempotencyStore) ReserveRegistering(ctx context.Context, rec core.IdempotencyRecord) (*core.IdempotencyRecord, error) {
	return r.Reserve(ctx, rec)
}

func (r *IdempotencyStore) Reserve(_ context.Context, rec core.IdempotencyRecord) (*core.IdempotencyRecord, error) {
	st, err := r.tx.writing()
	if err != nil {
		return nil, err
	}
	k := idemKey{rec.ChannelID, rec.Key}
	if r.tx.claims[k] {
		return nil, nil // claimed earlier in this transaction: still ours
	}
	if prior, ok := st.idempotency.get(k); ok {
		prior = cloneIdempotency(prior)
		return &prior, nil
	}
	st.idempotency.put(k, cloneIdempotency(rec))
	r.tx.claims[k] = true
	return nil, nil
}

func (r *IdempotencyStore) Complete(_ context.Context, rec core.IdempotencyRecord) error {
	st, err := r.tx.writing()
	if err != nil {
		return err
	}
	k := idemKey{rec.ChannelID, rec.Key}
	cur, ok := st.idempotency.get(k)
	if !ok {
		return notFound("idempotency key", rec.Key)
	}
	cur.AuditID = rec.AuditID
	cur.Result = slices.Clone(rec.Result)
	st.idempotency.put(k, cur)
	return nil
}

func (r *IdempotencyStore) DeleteBefore(_ context.Context, t time.Time) (int, error) {
	st, err := r.tx.writing()
	if err != nil {
		return 0, err
	}
	n := 0
	for k, rec := range st.idempotency.rows {
		if rec.CreatedAt.Before(t) {
			st.idempotency.del(k)
			n++
		}
	}
	return n, nil
}
