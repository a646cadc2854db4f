package redis

import (
	"context"
	"os"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/headlessdomains/registry/ports"
	"github.com/headlessdomains/registry/ports/portstest"
)

func TestIsClusterURL(t *testing.T) {
	for _, c := range []struct {
		url  string
		want bool
	}{
		{"redis://127.0.0.1:6379/0", false},
		{"rediss://user:pw@cache.example:6380/1?dial_timeout=1s", false},
		{"redis://127.0.0.1:7000?addr=127.0.0.1:7001&addr=127.0.0.1:7002", true},
		{"redis://:pw@10.0.0.1:7000?addr=10.0.0.2:7000", true},
		{"::not a url", false},
	} {
		if got := IsClusterURL(c.url); got != c.want {
			t.Errorf("IsClusterURL(%q) = %v, want %v", c.url, got, c.want)
		}
	}
}

// testClusterURL returns REGISTRY_TEST_REDIS_CLUSTER_URL, skipping the test
// when it is unset (failing under REQUIRE_SERVICES=1).
func testClusterURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("REGISTRY_TEST_REDIS_CLUSTER_URL")
	if u == "" {
		if os.Getenv("REQUIRE_SERVICES") == "1" {
			t.Fatal("REQUIRE_SERVICES=1 but REGISTRY_TEST_REDIS_CLUSTER_URL is unset (run through scripts/test-services.sh)")
		}
		t.Skip("REGISTRY_TEST_REDIS_CLUSTER_URL is unset")
	}
	return u
}

// TestNewOpensAClusterClient: a cluster URL makes New count on a Redis
// Cluster; a channel's counters land on the node owning its hash slot.
func TestNewOpensAClusterClient(t *testing.T) {
	u := testClusterURL(t)
	rc, err := New(u, WithKeyPrefix("registry-test:"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	if _, ok := rc.client.(*goredis.ClusterClient); !ok {
		t.Fatalf("New(%q) built a %T, want a *goredis.ClusterClient", u, rc.client)
	}
	ctx := context.Background()
	key := "rl:{ch_" + time.Now().Format("150405.000000000") + "}:k:check_domain:1"
	for want := int64(1); want <= 3; want++ {
		if n, err := rc.Incr(ctx, key, time.Minute); err != nil || n != want {
			t.Fatalf("Incr #%d = %d, %v", want, n, err)
		}
	}
	if rc.FailingOpen() {
		t.Fatal("the counter fails open on a healthy cluster")
	}
	o, err := goredis.ParseClusterURL(u)
	if err != nil {
		t.Fatal(err)
	}
	cc := goredis.NewClusterClient(o)
	t.Cleanup(func() { _ = cc.Close() })
	if n, err := cc.Get(ctx, "registry-test:"+key).Int64(); err != nil || n != 3 {
		t.Fatalf("the cluster holds %d, %v for the key, want 3", n, err)
	}
	if err := rc.Ping(ctx); err != nil {
		t.Fatalf("Ping on the cluster: %v", err)
	}
}

// TestRateCounterContractOnCluster runs the shared ports.RateCounter suite
// against the Redis Cluster.
func TestRateCounterContractOnCluster(t *testing.T) {
	u := testClusterURL(t)
	portstest.RateCounter(t, func(t *testing.T) ports.RateCounter {
		rc, err := New(u, WithKeyPrefix("registry-test:"+time.Now().Format("150405.000000000")+":"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = rc.Close() })
		return rc
	})
}
