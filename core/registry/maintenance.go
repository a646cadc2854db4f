package registry

import (
	"context"

	"github.com/headlessdomains/registry/ports"
)

// PurgeIdempotency removes idempotency records older than the retention
// (at least 24 hours) and returns how many went.
func (s *Service) PurgeIdempotency(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-s.opts.IdempotencyRetention)
	var n int
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Stores) error {
		var err error
		n, err = tx.Idempotency().DeleteBefore(ctx, cutoff)
		return err
	})
	return n, storeErr(err, "", "idempotency records")
}
