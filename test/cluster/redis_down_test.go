package cluster

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRedisUnreachableFailsOpen starts a node whose REGISTRY_REDIS_URL
// points at a closed port: requests still answer promptly (the rate counter
// fails open to per-node counters, which still enforce the limit), the
// outage is logged, and /readyz stays 200, naming Redis as degraded. It
// needs no service: the database is SQLite in a temporary folder.
func TestRedisUnreachableFailsOpen(t *testing.T) {
	port := freePort(t) // closed again: nothing answers there
	metricsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	n := startNode(t, "node",
		"REGISTRY_DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "registry.db"),
		fmt.Sprintf("REGISTRY_REDIS_URL=redis://127.0.0.1:%d/0", port), "REGISTRY_METRICS_ADDR="+metricsAddr)
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

	// The node serves, so it stays ready: a Redis outage must not take every
	// node out of its load balancer. The degradation is in the body, in
	// registry_degraded and in the log.
	ready := n.do("GET", "/readyz", "", nil)
	degraded, _ := ready.Body["degraded"].(map[string]any)
	if ready.Status != 200 || degraded["redis"] == nil {
		t.Errorf("/readyz with Redis unreachable: %s, want 200 with degraded.redis", ready)
	}
	if ready.Elapsed > 3*time.Second {
		t.Errorf("/readyz took %v", ready.Elapsed)
	}
	n.must(200, n.do("GET", "/healthz", "", nil))
	scrape := scrapeMetrics(t, metricsAddr)
	for _, want := range []string{`registry_degraded{component="redis"} 1`, "registry_ready 1"} {
		if !strings.Contains(scrape, want+"\n") {
			t.Errorf("/metrics with Redis unreachable lacks %q", want)
		}
	}

	logs := n.out.String()
	if !strings.Contains(logs, "Redis unavailable; failing open") {
		t.Errorf("the Redis outage is not logged:\n%s", logs)
	}
	if !strings.Contains(logs, "degraded: Redis does not answer") {
		t.Errorf("the degraded readiness is not logged:\n%s", logs)
	}
}

// scrapeMetrics answers the text of http://addr/metrics.
func scrapeMetrics(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("scrape: %d %v", resp.StatusCode, err)
	}
	return string(b)
}
