package ports

import (
	"context"
	"time"
)

// RateCounter counts requests in fixed windows. The core builds the key
// (channel, API key, command and window start) and decides; the adapter only
// counts, atomically, and expires the key after ttl.
type RateCounter interface {
	// Incr adds one to key and returns the new count. The key expires ttl
	// after its first increment.
	Incr(ctx context.Context, key string, ttl time.Duration) (int64, error)
}

// Pinger is implemented by adapters that /readyz checks.
type Pinger interface {
	Ping(ctx context.Context) error
}
