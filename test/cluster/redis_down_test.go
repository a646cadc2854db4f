package cluster

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRedisUnreachableFailsOpen starts a node whose REGISTRY_REDIS_URL
// points at a closed port: requests still answer promptly (the rate counter
// fails open to per-node counters, which still enforce the limit), the
// outage is logged, and /readyz reports 503 while /healthz answers 200. It
// needs no service: the database is SQLite in a temporary folder.
func TestRedisUnreachableFailsOpen(t *testing.T) {
	port := freePort(t) // closed again: nothing answers there
	n := startNode(t, "node",
		"REGISTRY_DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "registry.db"),
		fmt.Sprintf("REGISTRY_REDIS_URL=redis://127.0.0.1:%d/0", port))
	const limit = 5
	r := admit(n, admission{slug: "redisdown", namespace: "clusterredis", balance: 1000, rateLimit: limit, createCost: 10, renewCost: 8})

	var slowest time.Duration
	body := map[string]any{"names": []string{"free.clusterredis"}}
	for i := range limit + 2 {
		resp := n.do("POST", reg+"/domains/check", r.Token, body)
		slowest = max(slowest, resp.Elapsed)
		want := 200
		if i >= limit {
			want = 429 // the in-process fallback still counts
		}
		if resp.Status != want {
			t.Errorf("check %d with Redis unreachable: %s, want %d", i+1, resp, want)
		}
		if resp.Header.Get("X-RateLimit-Limit") != fmt.Sprint(limit) {
			t.Errorf("check %d: X-RateLimit-Limit %q, want %d", i+1, resp.Header.Get("X-RateLimit-Limit"), limit)
		}
	}
	create := n.do("POST", reg+"/domains", r.Token, createBody("nored.clusterredis"), "Idempotency-Key", "nored-1")
	slowest = max(slowest, create.Elapsed)
	if create.Status != 201 {
		t.Errorf("create with Redis unreachable: %s, want 201", create)
	}
	t.Logf("slowest registrar answer with Redis unreachable: %v", slowest)
	if slowest > 2*time.Second {
		t.Errorf("a registrar answer took %v with Redis unreachable, want well under the request timeout", slowest)
	}

	ready := n.do("GET", "/readyz", "", nil)
	if ready.Status != 503 || ready.code() != "backend_unavailable" {
		t.Errorf("/readyz with Redis unreachable: %s, want 503 backend_unavailable", ready)
	}
	if ready.Elapsed > 3*time.Second {
		t.Errorf("/readyz took %v", ready.Elapsed)
	}
	n.must(200, n.do("GET", "/healthz", "", nil))

	if logs := n.out.String(); !strings.Contains(logs, "Redis unavailable; failing open") {
		t.Errorf("the Redis outage is not logged:\n%s", logs)
	}
}
