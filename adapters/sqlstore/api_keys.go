package sqlstore

import (
	"context"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// APIKeyRepository stores API keys by id and by unique token hash. An
// unbound key has a NULL channel_id, so the foreign key holds for bound ones.
type APIKeyRepository struct{ c conn }

var _ ports.APIKeyRepository = (*APIKeyRepository)(nil)

// Insert adds k; ErrDuplicate when its id or token hash exists.
func (r *APIKeyRepository) Insert(ctx context.Context, k core.APIKey) error {
	row, err := apiKeyToRow(k)
	if err != nil {
		return err
	}
	return r.c.insert(ctx, row)
}

// Get returns the key with id or ErrNotFound.
func (r *APIKeyRepository) Get(ctx context.Context, id string) (core.APIKey, error) {
	return r.get(ctx, false, "id = ?", id)
}

// GetByTokenHash returns the key whose token hashes to hash, or ErrNotFound.
func (r *APIKeyRepository) GetByTokenHash(ctx context.Context, hash string) (core.APIKey, error) {
	return r.get(ctx, false, "token_hash = ?", hash)
}

func (r *APIKeyRepository) get(ctx context.Context, lock bool, where string, arg any) (core.APIKey, error) {
	var row apiKeyRow
	if err := r.c.selectOne(ctx, &row, lock, where, arg); err != nil {
		return core.APIKey{}, err
	}
	return row.core()
}

// Update locks the key, runs fn on a copy and stores the result.
func (r *APIKeyRepository) Update(ctx context.Context, id string, fn func(*core.APIKey) error) (core.APIKey, error) {
	if err := r.c.writable(); err != nil {
		return core.APIKey{}, err
	}
	k, err := r.get(ctx, true, "id = ?", id)
	if err != nil {
		return core.APIKey{}, err
	}
	hash := k.TokenHash
	if err := fn(&k); err != nil {
		return core.APIKey{}, err
	}
	if k.ID != id {
		return core.APIKey{}, errKeyChanged("API key id")
	}
	next, err := apiKeyToRow(k)
	if err != nil {
		return core.APIKey{}, err
	}
	update := r.c.update
	if k.TokenHash != hash {
		update = r.c.updateUnique
	}
	if err := update(ctx, next); err != nil {
		return core.APIKey{}, err
	}
	return next.core()
}

// ListByChannel returns the keys bound to channelID, oldest first.
func (r *APIKeyRepository) ListByChannel(ctx context.Context, channelID string) ([]core.APIKey, error) {
	var rows []apiKeyRow
	if err := r.c.db.NewSelect().Model(&rows).Where("channel_id = ?", channelID).Order("created_at", "id").Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	out := make([]core.APIKey, 0, len(rows))
	for i := range rows {
		k, err := rows[i].core()
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}
