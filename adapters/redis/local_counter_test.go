package redis

import (
	"testing"
	"time"
)

func TestLocalCounterFixedWindow(t *testing.T) {
	c := newLocalCounter()
	t0 := time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
	ttl := time.Minute

	for want := int64(1); want <= 3; want++ {
		if got := c.add("a", 1, ttl, t0.Add(time.Duration(want-1)*time.Second)); got != want {
			t.Fatalf("incr #%d = %d, want %d", want, got, want)
		}
	}
	if got := c.add("b", 1, ttl, t0); got != 1 {
		t.Fatalf("another key starts at %d, want 1", got)
	}
	// The window runs from the first increment (at t0): one nanosecond before its end
	// the count goes on, at its end it starts again.
	if got := c.add("a", 1, ttl, t0.Add(ttl-time.Nanosecond)); got != 4 {
		t.Fatalf("incr just before expiry = %d, want 4", got)
	}
	if got := c.add("a", 1, ttl, t0.Add(ttl)); got != 1 {
		t.Fatalf("incr at expiry = %d, want 1 (a fresh window)", got)
	}
}

func TestLocalCounterSweepsExpiredKeys(t *testing.T) {
	c := newLocalCounter()
	t0 := time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
	for _, k := range []string{"a", "b", "c"} {
		c.add(k, 1, time.Second, t0)
	}
	c.add("long", 1, time.Hour, t0)
	if n := c.len(); n != 4 {
		t.Fatalf("len = %d, want 4", n)
	}
	// Before the sweep interval nothing is dropped, even expired keys.
	c.add("long", 1, time.Hour, t0.Add(2*time.Second))
	if n := c.len(); n != 4 {
		t.Fatalf("len before the sweep interval = %d, want 4", n)
	}
	c.add("long", 1, time.Hour, t0.Add(localSweepEvery))
	if n := c.len(); n != 1 {
		t.Fatalf("len after sweep = %d, want 1 (only the unexpired key)", n)
	}
	if got := c.add("long", 1, time.Hour, t0.Add(localSweepEvery+time.Second)); got != 4 {
		t.Fatalf("the unexpired key kept its count: got %d, want 4", got)
	}
}
