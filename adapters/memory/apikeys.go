package memory

import (
	"context"
	"slices"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// APIKeyRepository stores API keys by id, with unique token hashes.
type APIKeyRepository struct{ tx *tx }

var _ ports.APIKeyRepository = (*APIKeyRepository)(nil)

func (r *APIKeyRepository) Insert(_ context.Context, k core.APIKey) error {
	st, err := r.tx.writing()
	if err != nil {
		return err
	}
	if st.apiKeys.has(k.ID) {
		return duplicate("api key", k.ID)
	}
	if st.tokenHashes.has(k.TokenHash) {
		return duplicate("api key token hash of", k.ID) // the hash itself stays out of messages
	}
	st.apiKeys.put(k.ID, cloneAPIKey(k))
	st.tokenHashes.put(k.TokenHash, k.ID)
	return nil
}

func (r *APIKeyRepository) Get(_ context.Context, id string) (core.APIKey, error) {
	st, err := r.tx.reading()
	if err != nil {
		return core.APIKey{}, err
	}
	k, ok := st.apiKeys.get(id)
	if !ok {
		return core.APIKey{}, notFound("api key", id)
	}
	return cloneAPIKey(k), nil
}

func (r *APIKeyRepository) GetByTokenHash(ctx context.Context, hash string) (core.APIKey, error) {
	st, err := r.tx.reading()
	if err != nil {
		return core.APIKey{}, err
	}
	id, ok := st.tokenHashes.get(hash)
	if !ok {
		return core.APIKey{}, notFound("api key", "with that token hash")
	}
	return r.Get(ctx, id)
}

func (r *APIKeyRepository) Update(_ context.Context, id string, fn func(*core.APIKey) error) (core.APIKey, error) {
	st, err := r.tx.writing()
	if err != nil {
		return core.APIKey{}, err
	}
	return update(&st.apiKeys, id, "api key", cloneAPIKey, fn, func(old core.APIKey, next *core.APIKey) error {
		next.ID = id
		if next.TokenHash == old.TokenHash {
			return nil
		}
		if st.tokenHashes.has(next.TokenHash) {
			return duplicate("api key token hash of", id)
		}
		st.tokenHashes.del(old.TokenHash)
		st.tokenHashes.put(next.TokenHash, id)
		return nil
	})
}

func (r *APIKeyRepository) ListByChannel(_ context.Context, channelID string) ([]core.APIKey, error) {
	st, err := r.tx.reading()
	if err != nil {
		return nil, err
	}
	out := []core.APIKey{}
	for _, k := range st.apiKeys.rows {
		if k.ChannelID == channelID && channelID != "" {
			out = append(out, cloneAPIKey(k))
		}
	}
	slices.SortFunc(out, func(a, b core.APIKey) int { return byTimeThenID(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	return out, nil
}
