package registry

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// countingReserver is a shared counter in memory that records every
// reservation, standing for Redis in the lease logic's own tests (the Redis
// adapter meets the same contract in ports/portstest, and two nodes on a real
// Redis are in adapters/redis).
type countingReserver struct {
	mu    sync.Mutex
	count map[string]int64
	sizes []int64
}

func newCountingReserver() *countingReserver {
	return &countingReserver{count: map[string]int64{}}
}

func (c *countingReserver) Incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	return c.Reserve(ctx, key, 1, ttl)
}

func (c *countingReserver) Reserve(_ context.Context, key string, n int64, _ time.Duration) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.count[key] += n
	c.sizes = append(c.sizes, n)
	return c.count[key], nil
}

func (c *countingReserver) calls() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int64(nil), c.sizes...)
}

func TestRateLeasesSizeByWhatTheWindowHasLeft(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		limit int
		want  []int64 // the reservations of 40 requests
	}{
		// The default limit: (120 − seen) / 64 < 2, so every request asks.
		{"default limit", 120, repeat(1, 40)},
		// 64 × 32 and more left: the first request learns, then leases of 32.
		{"large limit", 100000, []int64{1, 32, 32}},
		// 1000 left: 1000/64 = 15, then (1000 − 16)/64 = 15, (1000 − 31)/64 = 15.
		{"middling limit", 1000, []int64{1, 15, 15, 15}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rr := newCountingReserver()
			l := newRateLeases(rr, DefaultRateLeaseMax)
			for i := range 40 {
				n, err := l.count(t.Context(), "k", c.limit, time.Minute, now)
				if err != nil {
					t.Fatal(err)
				}
				if n != int64(i+1) {
					t.Fatalf("request %d got count %d, want %d (one node hands out its counts in order)", i+1, n, i+1)
				}
			}
			if got := rr.calls(); !slices.Equal(got, c.want) {
				t.Errorf("reservations %v, want %v", got, c.want)
			}
		})
	}
}

func TestRateLeasesRefuseLocallyOnceTheWindowIsFull(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	rr := newCountingReserver()
	l := newRateLeases(rr, DefaultRateLeaseMax)
	const limit = 5
	for i := range limit {
		if n, _ := l.count(t.Context(), "k", limit, time.Minute, now); n != int64(i+1) {
			t.Fatalf("request %d: count %d", i+1, n)
		}
	}
	for range 3 {
		if n, _ := l.count(t.Context(), "k", limit, time.Minute, now); n <= limit {
			t.Fatalf("request past the limit got count %d ≤ %d", n, limit)
		}
	}
	// The fifth count reached the limit: the three after it are refused
	// without asking (counts only grow within a window).
	if got := len(rr.calls()); got != limit {
		t.Errorf("%d reservations, want %d", got, limit)
	}
	// A limit raised in the window (PATCH rate_limit_per_minute) counts
	// again, from where the shared counter stands: the local refusals took
	// no count from it.
	if n, _ := l.count(t.Context(), "k", 10, time.Minute, now); n != limit+1 {
		t.Errorf("after the limit was raised: count %d, want %d", n, limit+1)
	}
}

func TestRateLeasesOfTwoNodesNeverShareACount(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	rr := newCountingReserver()
	nodes := []*rateLeases{newRateLeases(rr, DefaultRateLeaseMax), newRateLeases(rr, DefaultRateLeaseMax)}
	const limit, perGoroutine, goroutines = 5000, 200, 32
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			node := nodes[g%2]
			for range perGoroutine {
				n, err := node.count(context.Background(), "k", limit, time.Minute, now)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[n]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	allowed := 0
	for n, times := range seen {
		if n <= limit {
			allowed++
			if times != 1 {
				t.Errorf("count %d handed out %d times", n, times)
			}
		}
	}
	if allowed > limit {
		t.Fatalf("%d requests allowed, over the limit %d", allowed, limit)
	}
	// Both nodes ran until refused, so at most what one node still held
	// when its last request was answered is left unspent.
	if allowed < limit-2*(DefaultRateLeaseMax-1) {
		t.Errorf("%d of %d allowed: more left unspent than two nodes' leases", allowed, limit)
	}
	if calls := len(rr.calls()); calls*4 > goroutines*perGoroutine {
		t.Errorf("%d reservations for %d requests: leases did not save round trips", calls, goroutines*perGoroutine)
	}
}

func TestRateLeasesOfPastWindowsAreSwept(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	l := newRateLeases(newCountingReserver(), DefaultRateLeaseMax)
	for i := range 10 {
		if _, err := l.count(t.Context(), "k"+string(rune('a'+i)), 100000, time.Minute, now); err != nil {
			t.Fatal(err)
		}
	}
	later := now.Add(time.Minute + rateLeaseSweepEvery)
	if _, err := l.count(t.Context(), "new", 100000, time.Minute, later); err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.held) != 1 {
		t.Errorf("%d leases held after their windows ended, want only the new one", len(l.held))
	}
}

func repeat(v int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}
