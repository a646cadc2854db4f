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
	if _, ok := newCounter(t).(ports.RateReserver); ok {
		reserver := func(t *testing.T) ports.RateReserver { return newCounter(t).(ports.RateReserver) }
		t.Run("Reserve", func(t *testing.T) { testRateReserve(t, reserver(t)) })
		t.Run("ReserveConcurrent", func(t *testing.T) { testRateReserveConcurrent(t, reserver(t)) })
		t.Run("ReserveExpiry", func(t *testing.T) { testRateReserveExpiry(t, reserver(t)) })
	}
}

func reserveCounts(t *testing.T, c ports.RateReserver, key string, n int64, ttl time.Duration) int64 {
	t.Helper()
	got, err := c.Reserve(t.Context(), key, n, ttl)
	if err != nil {
		t.Fatalf("Reserve(%s, %d): %v", key, n, err)
	}
	return got
}

// testRateReserve: Reserve adds its n and Incr counts on from there, on the
// same key.
func testRateReserve(t *testing.T, c ports.RateReserver) {
	key := unique("portstest:rate:")
	if got := reserveCounts(t, c, key, 5, time.Minute); got != 5 {
		t.Fatalf("first Reserve of 5: %d, want 5", got)
	}
	if got := incr(t, c, key, time.Minute); got != 6 {
		t.Errorf("Incr after Reserve of 5: %d, want 6", got)
	}
	if got := reserveCounts(t, c, key, 1, time.Minute); got != 7 {
		t.Errorf("Reserve of 1: %d, want 7", got)
	}
	if got := reserveCounts(t, c, key, 32, time.Minute); got != 39 {
		t.Errorf("Reserve of 32 after 7: %d, want 39", got)
	}
}

// testRateReserveConcurrent: racers reserve ranges of different sizes on one
// key at once; the ranges they are answered never overlap and cover every
// count from 1 to their sum.
func testRateReserveConcurrent(t *testing.T, c ports.RateReserver) {
	key := unique("portstest:rate:")
	ends := make([]int64, racers)
	errs := make([]error, racers)
	size := func(i int) int64 { return int64(i%7 + 1) }
	race(func(i int) { ends[i], errs[i] = c.Reserve(t.Context(), key, size(i), time.Minute) })
	var total int64
	taken := map[int64]int{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("racer %d: %v", i, err)
		}
		total += size(i)
		for n := ends[i] - size(i) + 1; n <= ends[i]; n++ {
			taken[n]++
		}
	}
	for n := int64(1); n <= total; n++ {
		if taken[n] != 1 {
			t.Fatalf("count %d answered %d times across %d reservations summing to %d, want once", n, taken[n], racers, total)
		}
	}
	if len(taken) != int(total) {
		t.Errorf("%d counts answered, want %d", len(taken), total)
	}
}

// testRateReserveExpiry: a key first made by a Reserve expires ttl after it,
// like one made by Incr; it waits for real time (about ttl), bounded.
func testRateReserveExpiry(t *testing.T, c ports.RateReserver) {
	const ttl = 1100 * time.Millisecond
	key := unique("portstest:rate:")
	start := time.Now()
	if got := reserveCounts(t, c, key, 4, ttl); got != 4 {
		t.Fatalf("first Reserve of 4: %d, want 4", got)
	}
	deadline := start.Add(ttl + 4*time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("key did not expire within %s of its first reservation", time.Since(start))
		}
		time.Sleep(100 * time.Millisecond)
		if n := reserveCounts(t, c, key, 2, ttl); n == 2 {
			if elapsed := time.Since(start); elapsed < ttl {
				t.Fatalf("key expired after %s, before its ttl %s", elapsed, ttl)
			}
			break
		}
	}
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
