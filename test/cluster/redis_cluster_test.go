package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// TestTwoNodesShareRateLimitOnRedisCluster runs the shared-limit check of
// TestTwoNodesShareRateLimit with both nodes on the three-node Redis Cluster
// of REGISTRY_TEST_REDIS_CLUSTER_URL (go-redis' cluster URL form), and
// finds the channel's counters on the cluster node that owns the channel's
// hash slot.
func TestTwoNodesShareRateLimitOnRedisCluster(t *testing.T) {
	url := serviceURL(t, "REGISTRY_TEST_REDIS_CLUSTER_URL")
	a, b, _ := startPairOn(t, url)
	r := checkSharedRateLimit(t, a, b, smallSharedLimit)
	if t.Failed() {
		return
	}
	cc := clusterClient(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	owner, err := cc.MasterForKey(ctx, "{"+r.ChannelID+"}")
	if err != nil {
		t.Fatalf("the owner of the channel's slot: %v", err)
	}
	keys, err := owner.Keys(ctx, "rl:{"+r.ChannelID+"}:*").Result()
	if err != nil {
		t.Fatalf("KEYS on %s: %v", owner.Options().Addr, err)
	}
	if len(keys) == 0 {
		t.Errorf("no rate-limit counter of channel %s on %s, the cluster node owning its slot", r.ChannelID, owner.Options().Addr)
	}
	t.Logf("channel %s: counters %v on %s", r.ChannelID, keys, owner.Options().Addr)
}

// TestRedisClusterNodeKilledFailsOpen starts a three-node Redis Cluster of
// its own (killing a node of the shared one would break the other tests),
// runs a node on it, and kills (SIGKILL) the cluster node that owns the
// channel's counters: the registry keeps answering promptly, counting in
// process (the limit then holds per node), stays ready with Redis named as
// degraded, and says so in registry_degraded and in the log.
func TestRedisClusterNodeKilledFailsOpen(t *testing.T) {
	cl := startRedisCluster(t)
	metricsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	n := startNode(t, "node",
		"REGISTRY_DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "registry.db"),
		"REGISTRY_REDIS_URL="+cl.url, "REGISTRY_METRICS_ADDR="+metricsAddr)
	const limit = 5
	r := admit(n, admission{slug: "clusterkill", namespace: "clusterkill", balance: 1000, rateLimit: limit, createCost: 10, renewCost: 8})
	body := map[string]any{"names": []string{"free.clusterkill"}}

	// Counted in the cluster first: the counter lives on the slot's owner.
	for i := range 2 {
		resp := n.do("POST", reg+"/domains/check", r.Token, body)
		if resp.Status != 200 || resp.Header.Get("X-RateLimit-Remaining") != strconv.Itoa(limit-1-i) {
			t.Fatalf("check %d before the kill: %s (Remaining %q)", i+1, resp, resp.Header.Get("X-RateLimit-Remaining"))
		}
	}
	cc := clusterClient(t, cl.url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	owner, err := cc.MasterForKey(ctx, "{"+r.ChannelID+"}")
	if err != nil {
		t.Fatalf("the owner of the channel's slot: %v", err)
	}
	addr := owner.Options().Addr
	if keys, err := owner.Keys(ctx, "rl:{"+r.ChannelID+"}:*").Result(); err != nil || len(keys) == 0 {
		t.Fatalf("the channel's counter is not on %s: %v %v", addr, keys, err)
	}
	cl.kill(t, addr)

	// Every answer stays prompt and is a 200 or, past the per-node limit, a
	// 429 — never a 5xx. Within one window at most limit are allowed.
	var slowest time.Duration
	allowed := map[string]int{}
	denied := 0
	for i := range limit + 2 {
		resp := n.do("POST", reg+"/domains/check", r.Token, body)
		slowest = max(slowest, resp.Elapsed)
		switch {
		case resp.Status == 200:
			allowed[resp.Header.Get("X-RateLimit-Reset")]++
		case resp.Status == 429 && resp.code() == "registrar_rate_limit_exceeded":
			denied++
		default:
			t.Errorf("check %d after the kill: %s, want 200 or 429", i+1, resp)
		}
	}
	for window, n := range allowed {
		if n > limit {
			t.Errorf("window ending %s: %d allowed after the kill, want at most %d", window, n, limit)
		}
	}
	if denied == 0 && len(allowed) == 1 {
		t.Errorf("%d checks after the kill in one window, none refused: the in-process fallback did not count", limit+2)
	}
	create := n.do("POST", reg+"/domains", r.Token, createBody("clusterkilled.clusterkill"), "Idempotency-Key", "clusterkill-1")
	slowest = max(slowest, create.Elapsed)
	if create.Status != 201 {
		t.Errorf("create with a cluster node killed: %s, want 201", create)
	}
	t.Logf("slowest registrar answer with cluster node %s killed: %v", addr, slowest)
	if slowest > 2*time.Second {
		t.Errorf("a registrar answer took %v with a cluster node killed, want well under the request timeout", slowest)
	}

	ready := n.do("GET", "/readyz", "", nil)
	degraded, _ := ready.Body["degraded"].(map[string]any)
	if ready.Status != 200 || degraded["redis"] == nil {
		t.Errorf("/readyz with a cluster node killed: %s, want 200 with degraded.redis", ready)
	}
	if scrape := scrapeMetrics(t, metricsAddr); !strings.Contains(scrape, "registry_degraded{component=\"redis\"} 1\n") {
		t.Errorf("/metrics with a cluster node killed does not show registry_degraded{component=\"redis\"} 1")
	}
	logs := n.out.String()
	if !strings.Contains(logs, "Redis unavailable; failing open") {
		t.Errorf("the failing open is not logged:\n%s", logs)
	}
	// Every log line is JSON, go-redis' own included (it prints plain text
	// on stderr unless routed); the rest is what registryd prints on stdout.
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if strings.HasPrefix(line, "registryd listening on ") || strings.HasPrefix(line, "metrics on ") {
			continue
		}
		if !json.Valid([]byte(line)) {
			t.Errorf("a log line is not JSON: %q", line)
		}
	}
}

// clusterClient opens a cluster client on url, closed when the test ends.
func clusterClient(t *testing.T, url string) *goredis.ClusterClient {
	t.Helper()
	o, err := goredis.ParseClusterURL(url)
	if err != nil {
		t.Fatalf("cluster URL %s: %v", url, err)
	}
	o.DisableIdentity = true
	cc := goredis.NewClusterClient(o)
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// redisCluster is a three-master Redis Cluster started by a test.
type redisCluster struct {
	url   string
	procs map[string]*exec.Cmd // by address
	done  map[string]chan struct{}
}

// startRedisCluster starts three redis-server processes with cluster mode
// on free loopback ports, joins them with redis-cli --cluster create (no
// replicas) and waits for the cluster state to be ok. The processes are
// killed when the test ends. It skips (fails under REQUIRE_SERVICES=1)
// when redis-server or redis-cli is missing.
func startRedisCluster(t *testing.T) *redisCluster {
	t.Helper()
	server, err1 := exec.LookPath("redis-server")
	cli, err2 := exec.LookPath("redis-cli")
	if err1 != nil || err2 != nil {
		if required() {
			t.Fatalf("REQUIRE_SERVICES=1 but redis-server or redis-cli is missing (scripts/test-services.sh installs them)")
		}
		t.Skip("redis-server or redis-cli is missing")
	}
	cl := &redisCluster{procs: map[string]*exec.Cmd{}, done: map[string]chan struct{}{}}
	var addrs []string
	for i := range 3 {
		port := freeClusterPort(t)
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		dir := t.TempDir()
		cmd := exec.Command(server, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"), "--cluster-node-timeout", "2000",
			"--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
		if err := cmd.Start(); err != nil {
			t.Fatalf("redis-server %d: %v", i+1, err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-done
		})
		cl.procs[addr], cl.done[addr] = cmd, done
		addrs = append(addrs, addr)
		c := goredis.NewClient(&goredis.Options{Addr: addr, DisableIdentity: true})
		t.Cleanup(func() { _ = c.Close() })
		waitFor(t, 10*time.Second, "redis-server on "+addr, func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			return c.Ping(ctx).Err() == nil
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"--cluster", "create"}, addrs...)
	if out, err := exec.CommandContext(ctx, cli, append(args, "--cluster-replicas", "0", "--cluster-yes")...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, addr := range addrs {
		c := goredis.NewClient(&goredis.Options{Addr: addr, DisableIdentity: true})
		t.Cleanup(func() { _ = c.Close() })
		waitFor(t, 30*time.Second, "cluster state ok on "+addr, func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			info, err := c.ClusterInfo(ctx).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok")
		})
	}
	cl.url = "redis://" + addrs[0] + "?addr=" + addrs[1] + "&addr=" + addrs[2]
	return cl
}

// freeClusterPort answers a loopback port P such that P and its cluster bus
// port P+10000 were free a moment ago (ephemeral ports could put the bus
// port past 65535).
func freeClusterPort(t *testing.T) int {
	t.Helper()
	for range 200 {
		p := 20000 + mathrand.IntN(25000)
		a, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		b, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+10000))
		_ = a.Close()
		if err != nil {
			continue
		}
		_ = b.Close()
		return p
	}
	t.Fatal("no free port pair for a Redis Cluster node")
	return 0
}

// kill sends SIGKILL to the node at addr and waits until it has exited.
func (c *redisCluster) kill(t *testing.T, addr string) {
	t.Helper()
	cmd, ok := c.procs[addr]
	if !ok {
		t.Fatalf("no cluster node at %s", addr)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s: %v", addr, err)
	}
	select {
	case <-c.done[addr]:
	case <-time.After(10 * time.Second):
		t.Fatalf("cluster node %s (pid %d) did not exit after SIGKILL", addr, cmd.Process.Pid)
	}
	t.Logf("killed cluster node %s (pid %d)", addr, cmd.Process.Pid)
}

// waitFor polls cond every 50 ms until it holds, failing the test after
// timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		<-tick.C
	}
}
