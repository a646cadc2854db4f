package redis

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

var (
	redisCheckOnce sync.Once
	redisCheckErr  error
)

// testRedisURL returns REGISTRY_TEST_REDIS_URL once Redis answers there. It
// skips the test when the variable is unset or Redis does not answer, unless
// REQUIRE_SERVICES=1, which turns both into failures.
func testRedisURL(t *testing.T) string {
	t.Helper()
	required := os.Getenv("REQUIRE_SERVICES") == "1"
	u := os.Getenv("REGISTRY_TEST_REDIS_URL")
	if u == "" {
		if required {
			t.Fatal("REQUIRE_SERVICES=1 but REGISTRY_TEST_REDIS_URL is unset (run through scripts/test-services.sh)")
		}
		t.Skip("REGISTRY_TEST_REDIS_URL is unset")
	}
	redisCheckOnce.Do(func() {
		o, err := goredis.ParseURL(u)
		if err != nil {
			redisCheckErr = err
			return
		}
		c := goredis.NewClient(o)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		redisCheckErr = c.Ping(ctx).Err()
	})
	if redisCheckErr != nil {
		if required {
			t.Fatalf("REQUIRE_SERVICES=1 but Redis at REGISTRY_TEST_REDIS_URL does not answer: %v", redisCheckErr)
		}
		t.Skipf("Redis at REGISTRY_TEST_REDIS_URL does not answer: %v", redisCheckErr)
	}
	return u
}

// rawClient is a plain go-redis client for checking what the adapter wrote.
func rawClient(t *testing.T, u string) *goredis.Client {
	t.Helper()
	o, err := goredis.ParseURL(u)
	if err != nil {
		t.Fatalf("parse %s: %v", "REGISTRY_TEST_REDIS_URL", err)
	}
	c := goredis.NewClient(o)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// uniquePrefix returns a key prefix that no other test run uses, and deletes
// every key under it when the test ends.
func uniquePrefix(t *testing.T, raw *goredis.Client) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	prefix := "registry-test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := raw.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			raw.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("clean up keys under %s: %v", prefix, err)
		}
	})
	return prefix
}

// closedAddr returns a loopback address that nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// fakeClock is a settable clock for WithClock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logBuffer collects zerolog JSON lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// entries decodes every line logged so far.
func (b *logBuffer) entries(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// count returns how many lines were logged at level.
func (b *logBuffer) count(t *testing.T, level string) int {
	t.Helper()
	n := 0
	for _, e := range b.entries(t) {
		if e["level"] == level {
			n++
		}
	}
	return n
}

// toggleProxy forwards TCP connections to a real Redis while up. Taken down,
// it cuts every open connection and closes new ones at once, which the client
// sees as Redis failing; brought up again it forwards as before, on the same
// address.
type toggleProxy struct {
	ln     net.Listener
	target string

	mu       sync.Mutex
	up       bool
	conns    map[net.Conn]struct{}
	accepted int
	wg       sync.WaitGroup
}

func newToggleProxy(t *testing.T, target string) *toggleProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &toggleProxy{ln: ln, target: target, up: true, conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *toggleProxy) addr() string { return p.ln.Addr().String() }

func (p *toggleProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.accepted++
		if !p.up {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		up, err := net.DialTimeout("tcp", p.target, time.Second)
		if err != nil {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns[c] = struct{}{}
		p.conns[up] = struct{}{}
		p.wg.Add(2)
		p.mu.Unlock()
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

func (p *toggleProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// setUp switches forwarding on or off; off cuts every open connection.
func (p *toggleProxy) setUp(up bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up = up
	if !up {
		for c := range p.conns {
			_ = c.Close()
		}
	}
}

// acceptedCount is how many connections the proxy has accepted.
func (p *toggleProxy) acceptedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

func (p *toggleProxy) close() {
	_ = p.ln.Close()
	p.setUp(false)
	p.wg.Wait()
}

// silentServer accepts connections and never answers: a stalled Redis.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}

// hostPort returns the address of a redis:// URL.
func hostPort(t *testing.T, u string) string {
	t.Helper()
	o, err := goredis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	return o.Addr
}

// withAddr returns u with its host and port replaced by addr (keeping the
// database number and credentials).
func withAddr(t *testing.T, u, addr string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	parsed.Host = addr
	return parsed.String()
}
