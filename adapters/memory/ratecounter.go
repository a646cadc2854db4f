package memory

import (
	"context"
	"sync"
	"time"

	"github.com/headlessdomains/registry/ports"
)

// sweepEvery is how often Incr drops expired windows, so that keys of past
// windows do not pile up.
const sweepEvery = time.Minute

// RateCounter counts requests in fixed windows in process: each key counts
// from its first increment until ttl later, then starts afresh. Use it when
// one process serves every request (no Redis configured).
type RateCounter struct {
	mu        sync.Mutex
	now       func() time.Time
	windows   map[string]window
	nextSweep time.Time
}

type window struct {
	count   int64
	expires time.Time
}

var _ ports.RateCounter = (*RateCounter)(nil)

// NewRateCounter returns an empty counter.
func NewRateCounter() *RateCounter {
	return &RateCounter{now: time.Now, windows: map[string]window{}}
}

// Incr adds one to key and answers the new count; the key expires ttl after
// its first increment (later increments do not extend it).
func (c *RateCounter) Incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.sweep(now)
	w, ok := c.windows[key]
	if !ok || !now.Before(w.expires) {
		w = window{expires: now.Add(ttl)}
	}
	w.count++
	c.windows[key] = w
	return w.count, nil
}

// sweep drops every expired window, at most once per sweepEvery; the cost is
// spread over the increments of a minute.
func (c *RateCounter) sweep(now time.Time) {
	if now.Before(c.nextSweep) {
		return
	}
	for k, w := range c.windows {
		if !now.Before(w.expires) {
			delete(c.windows, k)
		}
	}
	c.nextSweep = now.Add(sweepEvery)
}
