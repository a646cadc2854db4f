package memory

import (
	"fmt"
	"testing"
	"time"
)

// fakeClock is a settable clock for the counter.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestRateCounterWindows(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c := NewRateCounter()
	c.now = clock.now
	incr := func(key string) int64 {
		n, err := c.Incr(t.Context(), key, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if incr("k") != 1 || incr("k") != 2 {
		t.Fatalf("counts in one window do not add up")
	}
	clock.advance(59 * time.Second)
	if n := incr("k"); n != 3 {
		t.Fatalf("just before expiry: %d, want 3", n)
	}
	clock.advance(time.Second) // exactly ttl after the first increment
	if n := incr("k"); n != 1 {
		t.Fatalf("at expiry: %d, want a new window", n)
	}
}

func TestRateCounterSweepsExpiredKeys(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c := NewRateCounter()
	c.now = clock.now
	for i := range 1000 {
		if _, err := c.Incr(t.Context(), fmt.Sprintf("old-%d", i), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Incr(t.Context(), "long", time.Hour); err != nil {
		t.Fatal(err)
	}
	clock.advance(sweepEvery + time.Minute)
	if _, err := c.Incr(t.Context(), "new", time.Minute); err != nil {
		t.Fatal(err)
	}
	if len(c.windows) != 2 {
		t.Fatalf("%d windows after the sweep, want the live two", len(c.windows))
	}
	if _, ok := c.windows["long"]; !ok {
		t.Errorf("a live window was swept")
	}
}
