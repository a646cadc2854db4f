package registry

import (
	"context"
	"sync"
	"time"

	"github.com/headlessdomains/registry/ports"
)

// DefaultRateLeaseMax is the most counts of one rate-limit window a node
// takes from a shared counter in one round trip (Options.RateLeaseMax).
const DefaultRateLeaseMax = 32

// rateLeaseShare bounds a lease by what the window has left: a node takes at
// most 1/rateLeaseShare of the counts between the highest it has seen and
// the limit. Under the default limit of 120 a lease is therefore always one
// count, exactly as without leases; leases grow only under limits raised far
// above it, and shrink back to one as the window fills.
const rateLeaseShare = 64

// rateLeaseSweepEvery bounds how often the leases of past windows are dropped.
const rateLeaseSweepEvery = 30 * time.Second

// rateLeases hands a node's requests counts of the shared fixed windows
// (registrar keys and public lookups) that the node took from the shared
// counter in advance, so that a busy key asks Redis once every few requests
// instead of once a request.
//
// What a window promises stays whole. The shared counter gives every count
// to one node only, and a request is allowed only when its count is within
// the limit, so the requests allowed in a window across every node never
// exceed the limit. Counts a node holds are spent in order and only by its
// own requests: while it holds some, another node may already be refused,
// by at most the counts held elsewhere (fewer than RateLeaseMax per node and
// key, and none while the window is nearly full, where leases are one
// count). A node's first request of a window takes one count, to learn how
// far the window is. A node that has seen the window reach its limit refuses
// the rest of that window itself: counts only grow within a window.
// X-RateLimit-Remaining is computed from the request's own count, as before.
type rateLeases struct {
	counter ports.RateReserver
	max     int64

	mu      sync.Mutex
	held    map[string]*rateLease
	sweepAt time.Time
}

type rateLease struct {
	ranges   []countRange  // counts taken and not yet handed out, oldest first
	last     int64         // the highest count the shared counter answered
	expires  time.Time     // when the window's key has expired for good
	fetching chan struct{} // closed when the reservation in flight is answered
}

// countRange is the counts next … end, both included.
type countRange struct{ next, end int64 }

func newRateLeases(counter ports.RateReserver, max int) *rateLeases {
	return &rateLeases{counter: counter, max: int64(max), held: map[string]*rateLease{}}
}

// count answers the count of one request in key's window: a count this node
// holds, or one taken now (with a lease for the requests after it). One
// reservation per key is in flight at a time; requests that find the lease
// spent meanwhile wait for it, so a node never holds more than one lease of
// a key.
func (r *rateLeases) count(ctx context.Context, key string, limit int, ttl time.Duration, now time.Time) (int64, error) {
	r.mu.Lock()
	if !now.Before(r.sweepAt) {
		r.sweep(now)
		r.sweepAt = now.Add(rateLeaseSweepEvery)
	}
	for {
		l := r.held[key]
		size := int64(1) // a window's first request learns how far it is
		if l == nil {
			l = &rateLease{expires: now.Add(ttl)}
			r.held[key] = l
		} else {
			if c, ok := l.take(); ok {
				r.mu.Unlock()
				return c, nil
			}
			if l.last >= int64(limit) {
				r.mu.Unlock()
				return l.last + 1, nil
			}
			if wait := l.fetching; wait != nil {
				r.mu.Unlock()
				select {
				case <-wait:
				case <-ctx.Done():
					return 0, ctx.Err()
				}
				r.mu.Lock()
				continue
			}
			if l.last > 0 {
				size = min(max((int64(limit)-l.last)/rateLeaseShare, 1), r.max)
			}
		}
		done := make(chan struct{})
		l.fetching = done
		r.mu.Unlock()

		n, err := r.counter.Reserve(ctx, key, size, ttl)

		r.mu.Lock()
		l.fetching = nil
		close(done)
		if err != nil {
			r.mu.Unlock()
			return 0, err
		}
		first := n - size + 1
		l.last = max(l.last, n)
		if size > 1 {
			l.ranges = append(l.ranges, countRange{first + 1, n})
		}
		r.mu.Unlock()
		return first, nil
	}
}

// take hands out the lowest count held; the caller holds the mutex.
func (l *rateLease) take() (int64, bool) {
	for len(l.ranges) > 0 {
		rg := &l.ranges[0]
		if rg.next <= rg.end {
			c := rg.next
			rg.next++
			return c, true
		}
		l.ranges = l.ranges[1:]
	}
	return 0, false
}

// sweep drops the leases of windows that are over; the caller holds the mutex.
func (r *rateLeases) sweep(now time.Time) {
	for k, l := range r.held {
		if !now.Before(l.expires) {
			delete(r.held, k)
		}
	}
}
