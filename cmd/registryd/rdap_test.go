package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// node is one registryd started in process by Main.
type node struct {
	base string
	out  *lineWriter
}

// startNode runs Main with env on a fresh loopback listener until the test ends.
func startNode(t *testing.T, env map[string]string) node {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	out := &lineWriter{wrote: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, nil, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, out, ln)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Main: %v", err)
		}
	})
	out.waitFor(t, regexp.MustCompile(`registryd listening on`))
	return node{base: "http://" + ln.Addr().String(), out: out}
}

// clientFrom answers an HTTP client whose connections come from the
// loopback address ip, so that each test counts against a client IP of its
// own in counters that outlive it (Redis).
func clientFrom(ip net.IP) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 10 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

func randomLoopback(t *testing.T) net.IP {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	if b[2] == 0 || b[2] == 255 {
		b[2] = 7
	}
	return net.IPv4(127, b[0]|1, b[1], b[2]) // never 127.0.0.x, which other tests use
}

type got struct {
	status int
	header http.Header
	body   []byte
}

func fetch(t *testing.T, c *http.Client, method, url string) got {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return got{res.StatusCode, res.Header, body}
}

// TestRDAPIsServedOnTheHTTPListener: the shipped wire graph mounts RDAP and
// /lookup on the HTTP listener, inside its request ids.
func TestRDAPIsServedOnTheHTTPListener(t *testing.T) {
	n := startNode(t, map[string]string{"REGISTRY_DATABASE_URL": "memory:", "REGISTRY_DEMO": "1", "REGISTRY_CONFIG": "/dev/null",
		"REGISTRY_LOG_LEVEL": "error"})
	c := clientFrom(net.IPv4(127, 0, 0, 1))
	for _, tc := range []struct {
		method, path string
		status       int
		ctype        string
	}{
		{"GET", "/rdap/help", 200, "application/rdap+json"},
		{"GET", "/rdap/entity/demo-registrar", 200, "application/rdap+json"},
		{"HEAD", "/rdap/entity/demo-registrar", 200, "application/rdap+json"},
		{"GET", "/rdap/domain/nobody.defiwallet", 404, "application/rdap+json"},
		{"GET", "/rdap/domain/bad_name.defiwallet", 400, "application/rdap+json"},
		{"GET", "/lookup", 200, "text/html; charset=utf-8"},
		{"GET", "/lookup?name=nobody.defiwallet", 200, "text/html; charset=utf-8"},
	} {
		g := fetch(t, c, tc.method, n.base+tc.path)
		if g.status != tc.status || g.header.Get("Content-Type") != tc.ctype || g.header.Get("X-Request-ID") == "" {
			t.Errorf("%s %s: %d %q request id %q\n%s", tc.method, tc.path, g.status, g.header.Get("Content-Type"),
				g.header.Get("X-Request-ID"), g.body)
		}
	}
}

// TestTwoNodesShareOneRDAPBudget runs two registryd nodes over one
// database and one Redis with a limit of 5 lookups a minute: one client
// alternating between them is refused its sixth lookup, by whichever node
// it reaches, because both count in Redis.
func TestTwoNodesShareOneRDAPBudget(t *testing.T) {
	redisURL := os.Getenv("REGISTRY_TEST_REDIS_URL")
	if redisURL == "" {
		if os.Getenv("REQUIRE_SERVICES") == "1" {
			t.Fatal("REQUIRE_SERVICES=1 but REGISTRY_TEST_REDIS_URL is unset (run through scripts/test-services.sh)")
		}
		t.Skip("REGISTRY_TEST_REDIS_URL is unset")
	}
	const limit = 5
	env := map[string]string{"REGISTRY_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "shared.db"),
		"REGISTRY_REDIS_URL": redisURL, "REGISTRY_CONFIG": "/dev/null", "REGISTRY_LOG_LEVEL": "error",
		"REGISTRY_RDAP_RATE_LIMIT_PER_MINUTE": strconv.Itoa(limit)}
	a := startNode(t, env)
	b := startNode(t, env)
	nodes := []node{a, b}

	// A fixed window can end between two lookups; then the attempt proves
	// nothing and is repeated with a fresh client address (at most thrice).
	for attempt := 1; ; attempt++ {
		c := clientFrom(randomLoopback(t))
		window := time.Now().Truncate(time.Minute)
		var statuses []int
		var refused got
		for i := 0; i <= limit; i++ {
			g := fetch(t, c, "GET", nodes[i%2].base+"/rdap/domain/nobody.defiwallet")
			statuses = append(statuses, g.status)
			refused = g
		}
		if !time.Now().Truncate(time.Minute).Equal(window) {
			if attempt == 3 {
				t.Fatal("three attempts straddled a minute boundary")
			}
			continue
		}
		for i, s := range statuses[:limit] {
			if s != 404 {
				t.Fatalf("lookup %d (node %d): %d, want 404 (the name is free): %v", i+1, i%2, s, statuses)
			}
		}
		if refused.status != 429 {
			t.Fatalf("lookup %d on node %d: %d, want 429: %v", limit+1, limit%2, refused.status, statuses)
		}
		var e struct {
			ErrorCode int      `json:"errorCode"`
			Title     string   `json:"title"`
			Desc      []string `json:"description"`
		}
		if err := json.Unmarshal(refused.body, &e); err != nil || e.ErrorCode != 429 || e.Title == "" || len(e.Desc) == 0 {
			t.Errorf("429 body is not an RDAP error: %v %s", err, refused.body)
		}
		if ra, err := strconv.Atoi(refused.header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
			t.Errorf("Retry-After %q", refused.header.Get("Retry-After"))
		}
		// Another client is not affected on either node.
		other := clientFrom(randomLoopback(t))
		for _, n := range nodes {
			if g := fetch(t, other, "GET", n.base+"/rdap/help"); g.status != 200 {
				t.Errorf("another client: %d", g.status)
			}
		}
		return
	}
}

func TestRDAPRateLimitSetting(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{"REGISTRY_CONFIG": "/dev/null"}))
	if err != nil || c.RDAPRateLimitPerMinute != 600 {
		t.Fatalf("default: %d %v", c.RDAPRateLimitPerMinute, err)
	}
	c, err = LoadConfig(env(map[string]string{"REGISTRY_CONFIG": "/dev/null", "REGISTRY_RDAP_RATE_LIMIT_PER_MINUTE": "42"}))
	if err != nil || c.RDAPRateLimitPerMinute != 42 {
		t.Fatalf("42: %d %v", c.RDAPRateLimitPerMinute, err)
	}
	for _, bad := range []string{"0", "-1", "many", ""} {
		_, err := LoadConfig(env(map[string]string{"REGISTRY_CONFIG": "/dev/null", "REGISTRY_RDAP_RATE_LIMIT_PER_MINUTE": bad}))
		if err == nil || !strings.Contains(err.Error(), "REGISTRY_RDAP_RATE_LIMIT_PER_MINUTE") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
