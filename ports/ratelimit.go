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

// RateReserver is implemented by a RateCounter that is a round trip away
// (Redis): it takes several counts of a key at once, so that a node can hand
// them to its next requests without asking again. A counter in process does
// not implement it; there is nothing to save.
type RateReserver interface {
	RateCounter
	// Reserve adds n (≥ 1) to key and returns the new count: the counts
	// new−n+1 … new belong to the caller alone. The key expires ttl after
	// its first increment, as with Incr.
	Reserve(ctx context.Context, key string, n int64, ttl time.Duration) (int64, error)
}

// Pinger is implemented by adapters that /readyz checks.
type Pinger interface {
	Ping(ctx context.Context) error
}
