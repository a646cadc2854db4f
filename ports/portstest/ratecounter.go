package portstest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/headlessdomains/registry/ports"
)

// RateCounter runs the rate-counter contract against the implementation
// newCounter returns (called once per subtest; keys are unique, so a shared
// Redis is fine).
func RateCounter(t *testing.T, newCounter func(t *testing.T) ports.RateCounter) {
	t.Helper()
	t.Run("CountsPerKey", func(t *testing.T) { testRateCountsPerKey(t, newCounter(t)) })
	t.Run("Concurrent", func(t *testing.T) { testRateConcurrent(t, newCounter(t)) })
	t.Run("Expiry", func(t *testing.T) { testRateExpiry(t, newCounter(t)) })
}

func incr(t *testing.T, c ports.RateCounter, key string, ttl time.Duration) int64 {
	t.Helper()
	n, err := c.Incr(t.Context(), key, ttl)
	if err != nil {
		t.Fatalf("Incr(%s): %v", key, err)
	}
	return n
}

func testRateCountsPerKey(t *testing.T, c ports.RateCounter) {
	a, b := unique("portstest:rate:"), unique("portstest:rate:")
	for want := int64(1); want <= 3; want++ {
		if got := incr(t, c, a, time.Minute); got != want {
			t.Errorf("Incr #%d of %s: %d", want, a, got)
		}
	}
	if got := incr(t, c, b, time.Minute); got != 1 {
		t.Errorf("first Incr of another key: %d, want 1", got)
	}
	if got := incr(t, c, a, time.Minute); got != 4 {
		t.Errorf("Incr after another key's: %d, want 4", got)
	}
}

// testRateConcurrent: racers goroutines increment one key at once; every
// count from 1 to racers is answered exactly once.
func testRateConcurrent(t *testing.T, c ports.RateCounter) {
	key := unique("portstest:rate:")
	counts := make([]int64, racers)
	errs := make([]error, racers)
	race(func(i int) { counts[i], errs[i] = c.Incr(t.Context(), key, time.Minute) })
	for i, err := range errs {
		if err != nil {
			t.Fatalf("racer %d: %v", i, err)
		}
	}
	slices.Sort(counts)
	for i, n := range counts {
		if n != int64(i+1) {
			t.Fatalf("counts answered to %d racers: %v, want 1 to %d once each", racers, counts, racers)
		}
	}
	if got := incr(t, c, key, time.Minute); got != racers+1 {
		t.Errorf("Incr after the race: %d, want %d", got, racers+1)
	}
	var mu sync.Mutex // the counter must also be usable from many goroutines at once on many keys
	seen := map[int64]int{}
	race(func(i int) {
		n, err := c.Incr(t.Context(), key+":"+string(rune('a'+i%5)), time.Minute)
		if err == nil {
			mu.Lock()
			seen[n]++
			mu.Unlock()
		}
	})
	for n := int64(1); n <= racers/5; n++ {
		if seen[n] != 5 {
			t.Errorf("count %d answered %d times over 5 keys, want 5", n, seen[n])
		}
	}
}

// testRateExpiry: a key expires ttl after its first increment, and later
// increments do not extend it. It waits for real time (about ttl), bounded.
func testRateExpiry(t *testing.T, c ports.RateCounter) {
	const ttl = 1100 * time.Millisecond
	key := unique("portstest:rate:")
	start := time.Now()
	if got := incr(t, c, key, ttl); got != 1 {
		t.Fatalf("first Incr: %d, want 1", got)
	}
	if got := incr(t, c, key, ttl); got != 2 && time.Since(start) < ttl {
		t.Fatalf("second Incr within the window: %d, want 2", got)
	}
	deadline := start.Add(ttl + 4*time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("key did not expire within %s of its first increment (increments must not extend it)", time.Since(start))
		}
		time.Sleep(100 * time.Millisecond)
		n := incr(t, c, key, ttl)
		if n == 1 {
			if elapsed := time.Since(start); elapsed < ttl {
				t.Fatalf("key expired after %s, before its ttl %s", elapsed, ttl)
			}
			break
		}
	}
	if got := incr(t, c, key, ttl); got != 2 {
		t.Errorf("Incr in the new window: %d, want 2", got)
	}
}
