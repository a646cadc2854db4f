package redis

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// newCounter opens a RateCounter on the test Redis under a fresh prefix and
// returns it with a raw client and the prefix.
func newCounter(t *testing.T, opts ...Option) (*RateCounter, string, func(key string) (string, time.Duration)) {
	t.Helper()
	u := testRedisURL(t)
	raw := rawClient(t, u)
	prefix := uniquePrefix(t, raw)
	rc, err := New(u, append([]Option{WithKeyPrefix(prefix)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	// peek reads a key as stored in Redis: its value and remaining ttl.
	peek := func(key string) (string, time.Duration) {
		t.Helper()
		ctx := context.Background()
		v, err := raw.Get(ctx, prefix+key).Result()
		if err != nil {
			t.Fatalf("GET %s: %v", prefix+key, err)
		}
		ttl, err := raw.PTTL(ctx, prefix+key).Result()
		if err != nil {
			t.Fatalf("PTTL %s: %v", prefix+key, err)
		}
		return v, ttl
	}
	return rc, prefix, peek
}

func TestIncrCountsAndExpiresOnFirstIncrement(t *testing.T) {
	rc, _, peek := newCounter(t)
	ctx := context.Background()
	key := "rl:{ch_1}:key_1:create_domain:29650000"

	for want := int64(1); want <= 3; want++ {
		got, err := rc.Incr(ctx, key, 30*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("Incr #%d = %d, want %d", want, got, want)
		}
	}
	v, ttl := peek(key)
	if v != "3" {
		t.Fatalf("stored value %q, want 3", v)
	}
	if ttl <= 0 || ttl > 30*time.Second {
		t.Fatalf("ttl %v, want within (0, 30s]", ttl)
	}
	// A later increment with a longer ttl does not extend the window.
	if _, err := rc.Incr(ctx, key, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, ttl := peek(key); ttl > 30*time.Second {
		t.Fatalf("ttl after a later increment %v: the window was extended", ttl)
	}
}

func TestIncrKeepsKeyAsGivenUnderPrefix(t *testing.T) {
	rc, prefix, peek := newCounter(t)
	ctx := context.Background()
	// The hash tag stays inside the stored key, untouched.
	key := "rl:{ch_42}:k:PUT /domains/{domain}/nameservers:1"
	if _, err := rc.Incr(ctx, key, time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, _ := peek(key); v != "1" {
		t.Fatalf("key %q not stored as given under prefix %q (value %q)", key, prefix, v)
	}
	// Keys differing only in their window are separate counters.
	n, err := rc.Incr(ctx, "rl:{ch_42}:k:PUT /domains/{domain}/nameservers:2", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("a key of the next window starts at %d, want 1", n)
	}
}

func TestIncrCounterStartsAgainAfterExpiry(t *testing.T) {
	rc, prefix, _ := newCounter(t)
	raw := rawClient(t, testRedisURL(t))
	ctx := context.Background()
	key := "rl:{ch_exp}:k"
	for i := 0; i < 2; i++ {
		if _, err := rc.Incr(ctx, key, 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	// Wait for Redis itself to expire the key.
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := raw.Exists(ctx, prefix+key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("key did not expire within 5s of a 100ms ttl")
		}
		time.Sleep(20 * time.Millisecond)
	}
	n, err := rc.Incr(ctx, key, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("Incr after expiry = %d, want 1", n)
	}
}

func TestIncrRepairsKeyWithoutExpiry(t *testing.T) {
	rc, prefix, peek := newCounter(t)
	raw := rawClient(t, testRedisURL(t))
	ctx := context.Background()
	key := "rl:{ch_p}:k"
	if err := raw.Set(ctx, prefix+key, 5, 0).Err(); err != nil {
		t.Fatal(err)
	}
	n, err := rc.Incr(ctx, key, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Fatalf("Incr = %d, want 6", n)
	}
	if _, ttl := peek(key); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("ttl %v: a key left without expiry must get one", ttl)
	}
}

func TestIncrSurvivesScriptFlush(t *testing.T) {
	rc, _, _ := newCounter(t)
	raw := rawClient(t, testRedisURL(t))
	ctx := context.Background()
	key := "rl:{ch_s}:k"
	if _, err := rc.Incr(ctx, key, time.Minute); err != nil {
		t.Fatal(err)
	}
	// After SCRIPT FLUSH the server answers NOSCRIPT to EVALSHA; the counter
	// must fall back to EVAL, still on Redis (not the in-process fallback).
	if err := raw.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	n, err := rc.Incr(ctx, key, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("Incr after SCRIPT FLUSH = %d, want 2 (counted in Redis)", n)
	}
	if rc.probeAt.Load() != 0 {
		t.Fatal("NOSCRIPT was treated as an outage")
	}
}

// TestIncrIsAtomicAcrossNodes runs 50 concurrent increments through two
// counters (two nodes): every count from 1 to 50 comes back exactly once.
func TestIncrIsAtomicAcrossNodes(t *testing.T) {
	u := testRedisURL(t)
	raw := rawClient(t, u)
	prefix := uniquePrefix(t, raw)
	var nodes [2]*RateCounter
	for i := range nodes {
		rc, err := New(u, WithKeyPrefix(prefix), WithOpTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = rc.Close() })
		nodes[i] = rc
	}
	const n = 50
	key := "rl:{ch_race}:k:cmd:1"
	results := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			results[i], errs[i] = nodes[i%2].Incr(context.Background(), key, time.Minute)
		}(i)
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", i, err)
		}
	}
	for _, rc := range nodes {
		if rc.probeAt.Load() != 0 {
			t.Fatal("a node failed over to its local counter; the counts below would not be shared")
		}
	}
	slices.Sort(results)
	for i, got := range results {
		if got != int64(i+1) {
			t.Fatalf("sorted counts %v: want each of 1..%d exactly once", results, n)
		}
	}
	if v, err := raw.Get(context.Background(), prefix+key).Result(); err != nil || v != "50" {
		t.Fatalf("stored value %q (%v), want 50", v, err)
	}
}

func TestPingAnswersWhenRedisDoes(t *testing.T) {
	rc, _, _ := newCounter(t)
	if err := rc.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestIncrWithDoneContextReturnsItsError(t *testing.T) {
	rc, _, peek := newCounter(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	key := "rl:{ch_c}:k"
	if _, err := rc.Incr(ctx, key, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("Incr on a cancelled context: err = %v, want context.Canceled", err)
	}
	// The caller's cancellation is not a Redis outage: the next request
	// still counts in Redis.
	n, err := rc.Incr(context.Background(), key, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := peek(key); n != 1 || v != "1" {
		t.Fatalf("after a cancelled call: Incr = %d, stored %q; want 1 counted in Redis", n, v)
	}
}

func TestFailOpenWhenRedisIsUnreachable(t *testing.T) {
	var logs logBuffer
	rc, err := New("redis://"+closedAddr(t)+"/0", WithLogger(zerolog.New(&logs)))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	ctx := context.Background()

	start := time.Now()
	for want := int64(1); want <= 3; want++ {
		n, err := rc.Incr(ctx, "rl:{ch_1}:k", time.Minute)
		if err != nil {
			t.Fatalf("Incr #%d failed instead of failing open: %v", want, err)
		}
		if n != want {
			t.Fatalf("fallback Incr #%d = %d, want %d", want, n, want)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("three increments against a closed port took %v; want well under 1s", d)
	}
	if got := logs.count(t, "warn"); got != 1 {
		t.Fatalf("warnings logged = %d, want 1", got)
	}
	if err := rc.Ping(ctx); err == nil {
		t.Fatal("Ping succeeded against a closed port")
	}
}

func TestFailOpenWhenRedisStalls(t *testing.T) {
	rc, err := New("redis://"+silentServer(t)+"/0", WithOpTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	start := time.Now()
	n, err := rc.Incr(context.Background(), "rl:{ch_1}:k", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("fallback Incr = %d, want 1", n)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Fatalf("Incr against a silent server took %v; the 200ms op timeout should bound it", d)
	}
	start = time.Now()
	if err := rc.Ping(context.Background()); err == nil {
		t.Fatal("Ping succeeded against a silent server")
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Fatalf("Ping against a silent server took %v", d)
	}
}

func TestFailOpenWarnsAtMostOncePerInterval(t *testing.T) {
	var logs logBuffer
	clock := newFakeClock()
	rc, err := New("redis://"+closedAddr(t)+"/0",
		WithLogger(zerolog.New(&logs)),
		WithClock(clock.Now),
		WithRetryInterval(time.Second),
		WithWarnInterval(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	ctx := context.Background()
	// Each step passes the retry interval, so each Incr probes Redis and fails.
	for i := 0; i < 10; i++ {
		if _, err := rc.Incr(ctx, "k", time.Hour); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
	}
	if got := logs.count(t, "warn"); got != 1 {
		t.Fatalf("warnings within the warn interval = %d, want 1", got)
	}
	clock.Advance(30 * time.Second)
	if _, err := rc.Incr(ctx, "k", time.Hour); err != nil {
		t.Fatal(err)
	}
	entries := logs.entries(t)
	if len(entries) != 2 || entries[1]["level"] != "warn" {
		t.Fatalf("want a second warning once the interval passed, got %v", entries)
	}
	if got := entries[1]["suppressed_failures"]; got != float64(9) {
		t.Fatalf("suppressed_failures = %v, want 9", got)
	}
}

func TestFailOpenRecoversWhenRedisAnswersAgain(t *testing.T) {
	u := testRedisURL(t)
	raw := rawClient(t, u)
	prefix := uniquePrefix(t, raw)
	proxy := newToggleProxy(t, hostPort(t, u))
	var logs logBuffer
	clock := newFakeClock()
	rc, err := New(withAddr(t, u, proxy.addr()),
		WithKeyPrefix(prefix),
		WithLogger(zerolog.New(&logs)),
		WithClock(clock.Now),
		WithRetryInterval(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	ctx := context.Background()
	key := "rl:{ch_rec}:k"
	stored := func() string {
		t.Helper()
		v, err := raw.Get(ctx, prefix+key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	incr := func(want int64, where string) {
		t.Helper()
		n, err := rc.Incr(ctx, key, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("Incr (%s) = %d, want %d", where, n, want)
		}
	}

	incr(1, "Redis up")
	if stored() != "1" {
		t.Fatal("first increment not in Redis")
	}

	proxy.setUp(false)
	incr(1, "outage: first local count")
	incr(2, "outage: second local count")
	if got := stored(); got != "1" {
		t.Fatalf("Redis value changed during the outage: %s", got)
	}
	accepted := proxy.acceptedCount()

	// Redis is back, but the retry interval has not passed: still local, and
	// no connection is even attempted.
	proxy.setUp(true)
	incr(3, "within the retry interval")
	if got := proxy.acceptedCount(); got != accepted {
		t.Fatalf("%d connection attempts within the retry interval, want none", got-accepted)
	}

	clock.Advance(time.Second)
	incr(2, "recovered: counted in Redis again")
	incr(3, "recovered")
	if got := stored(); got != "3" {
		t.Fatalf("Redis value after recovery %s, want 3", got)
	}
	var levels []string
	for _, e := range logs.entries(t) {
		levels = append(levels, e["level"].(string))
	}
	if !slices.Equal(levels, []string{"warn", "info"}) {
		t.Fatalf("log levels %v, want one warning then one recovery notice", levels)
	}
}

func TestOnlyOneRequestProbesAfterTheRetryInterval(t *testing.T) {
	clock := newFakeClock()
	rc, err := New("redis://"+closedAddr(t)+"/0", WithClock(clock.Now), WithRetryInterval(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	now := clock.Now()
	if !rc.tryRedis(now) {
		t.Fatal("a healthy counter must try Redis")
	}
	rc.markFailed(now, errors.New("boom"))
	if rc.tryRedis(now.Add(999 * time.Millisecond)) {
		t.Fatal("tried Redis within the retry interval")
	}
	later := now.Add(time.Second)
	if !rc.tryRedis(later) {
		t.Fatal("the first request after the interval must probe")
	}
	if rc.tryRedis(later) {
		t.Fatal("a second request probed while the first probe was out")
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	cases := []struct {
		name string
		url  string
		opts []Option
		want string
	}{
		{"wrong scheme", "http://127.0.0.1:6379", nil, "scheme"},
		{"unparsable", "redis://user:s3cret@[::1", nil, ""},
		{"brace in prefix", "redis://127.0.0.1:6379/0", []Option{WithKeyPrefix("app:{x}:")}, "hash tag"},
		{"zero op timeout", "redis://127.0.0.1:6379/0", []Option{WithOpTimeout(0)}, "positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc, err := New(tc.url, tc.opts...)
			if err == nil {
				_ = rc.Close()
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("error %q repeats the password", err)
			}
		})
	}
	if _, err := NewFromClient(nil); err == nil {
		t.Fatal("NewFromClient(nil) succeeded")
	}
}

func TestIncrRejectsTTLUnderOneMillisecond(t *testing.T) {
	rc, err := New("redis://" + closedAddr(t) + "/0")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := rc.Incr(context.Background(), "k", time.Microsecond); err == nil {
		t.Fatal("Incr accepted a 1µs ttl")
	}
}

func TestNewAppliesShortTimeouts(t *testing.T) {
	rc, err := New("redis://127.0.0.1:6379/3")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	o := rc.client.(interface{ Options() *goredis.Options }).Options()
	if o.DB != 3 || o.DialTimeout != DefaultDialTimeout || o.ReadTimeout != DefaultIOTimeout ||
		o.WriteTimeout != DefaultIOTimeout || o.MaxRetries != 1 || !o.ContextTimeoutEnabled {
		t.Fatalf("client options %+v: want db 3 and the short defaults", o)
	}
	// A timeout set in the URL wins.
	rc2, err := New("redis://127.0.0.1:6379/0?dial_timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	defer rc2.Close()
	if got := rc2.client.(interface{ Options() *goredis.Options }).Options().DialTimeout; got != 2*time.Second {
		t.Fatalf("dial timeout from the URL = %v, want 2s", got)
	}
}
