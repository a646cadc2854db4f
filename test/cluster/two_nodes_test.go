package cluster

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"
)

// startPair starts two nodes on one fresh PostgreSQL database and one Redis,
// concurrently, both migrating at start-up (the migrations' advisory lock
// makes concurrent migrators safe).
func startPair(t *testing.T) (a, b *node, dbURL string) {
	t.Helper()
	return startPairOn(t, serviceURL(t, "REGISTRY_TEST_REDIS_URL"))
}

// startPairOn is startPair with the Redis (or Redis Cluster) of redisURL.
func startPairOn(t *testing.T, redisURL string, extraEnv ...string) (a, b *node, dbURL string) {
	t.Helper()
	dbURL = freshDatabase(t)
	env := append([]string{"REGISTRY_DATABASE_URL=" + dbURL, "REGISTRY_REDIS_URL=" + redisURL, "REGISTRY_MIGRATE_ON_START=1"}, extraEnv...)
	a = launchNode(t, "node-a", env...)
	b = launchNode(t, "node-b", env...)
	for _, n := range []*node{a, b} {
		if err := n.waitListening(90 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []*node{a, b} {
		n.must(200, n.do("GET", "/readyz", "", nil))
	}
	return a, b, dbURL
}

// TestTwoNodesSettleOneKeyOnce sends 50 concurrent creates with one
// idempotency key, alternating between two nodes: the database settles them
// into exactly one registration, one debit and one success audit row; every
// other request replays it (or is told to retry and then replays it).
func TestTwoNodesSettleOneKeyOnce(t *testing.T) {
	a, b, dbURL := startPair(t)
	db := openSQL(t, dbURL)
	r := admit(a, admission{slug: "twonodes", namespace: "clusterpair", balance: 1000, rateLimit: 100000, createCost: 10, renewCost: 8})
	nodes := []*node{a, b}

	const requests = 50
	const key = "one-key-for-fifty"
	body := createBody("shared.clusterpair")
	type result struct {
		node       string
		final      response
		inProgress int // 409 idempotency_key_in_progress answers before the final one
		err        error
	}
	results := make([]result, requests)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range requests {
		n := nodes[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			res := result{node: n.name}
			for {
				resp, err := n.send(ctx, "POST", reg+"/domains", r.Token, body, "Idempotency-Key", key)
				if err != nil {
					res.err = err
					break
				}
				if resp.Status == 409 && resp.code() == "idempotency_key_in_progress" {
					if !resp.retryable() {
						res.err = fmt.Errorf("idempotency_key_in_progress without retryable true: %s", resp)
						break
					}
					res.inProgress++
					continue // the contract's answer: retry until it replays
				}
				res.final = resp
				break
			}
			results[i] = res
		}()
	}
	close(gate)
	wg.Wait()

	fresh, replays, inProgress := 0, 0, 0
	audits := map[string]int{}
	perNode := map[string]int{}
	for i, res := range results {
		inProgress += res.inProgress
		if res.err != nil {
			t.Errorf("request %d (%s): %v", i, res.node, res.err)
			continue
		}
		if res.final.Status != 201 {
			t.Errorf("request %d (%s): %s, want 201", i, res.node, res.final)
			continue
		}
		perNode[res.node]++
		audits[fmt.Sprint(res.final.Body["audit_id"])]++
		if res.final.Body["idempotent"] == true {
			replays++
		} else {
			fresh++
		}
	}
	t.Logf("50 creates with one key: %d ran, %d replayed, %d answers of 409 idempotency_key_in_progress retried; per node %v",
		fresh, replays, inProgress, perNode)
	if fresh != 1 || replays != requests-1 {
		t.Errorf("%d answers ran the command and %d replayed it, want 1 and %d", fresh, replays, requests-1)
	}
	if len(audits) != 1 {
		t.Errorf("answers name %d different audit ids, want one: %v", len(audits), audits)
	}
	if perNode["node-a"] == 0 || perNode["node-b"] == 0 {
		t.Errorf("both nodes must have answered 201: %v", perNode)
	}

	// Through the operator API, on the other node: one debit of 10 Gems.
	if got := balance(b, r.PartnerID); got != 990 {
		t.Errorf("balance after one create = %d, want 990", got)
	}
	// In the database itself.
	if n := countRows(t, db, `SELECT count(*) FROM domains WHERE name = 'shared.clusterpair'`); n != 1 {
		t.Errorf("%d registrations of shared.clusterpair, want 1", n)
	}
	if n := countRows(t, db, `SELECT count(*) FROM audit_events WHERE command = 'create_domain' AND status = 'success' AND idempotency_key = $1`, key); n != 1 {
		t.Errorf("%d success create_domain audit rows for the key, want 1", n)
	}
	if n := countRows(t, db, `SELECT count(*) FROM audit_events WHERE command = 'create_domain' AND channel_id = $1`, r.ChannelID); n != 1 {
		t.Errorf("%d create_domain audit rows of any status, want 1 (replays write none)", n)
	}
	if n := countRows(t, db, `SELECT count(*) FROM ledger_entries WHERE partner_id = $1 AND command = 'create_domain' AND amount = -10`, r.PartnerID); n != 1 {
		t.Errorf("%d create_domain debits in the ledger, want 1", n)
	}
	if n := countRows(t, db, `SELECT count(*) FROM idempotency_records WHERE channel_id = $1 AND idempotency_key = $2 AND result IS NOT NULL`, r.ChannelID, key); n != 1 {
		t.Errorf("%d completed idempotency records for the key, want 1", n)
	}
	st := checkInvariants(t, db, []registrar{r})
	if st.Domains != 1 || st.CreateSuccess != 1 {
		t.Errorf("invariants saw %+v, want one registration and one create", st)
	}
}

// TestTwoNodesShareRateLimit sets a channel's limit to 30 a minute and sends
// 40 concurrent requests alternating between two nodes: exactly 30 are
// allowed in the window, counted gap-free across both nodes in Redis. With
// per-node counters each node would allow its 20 and all 40 would pass.
func TestTwoNodesShareRateLimit(t *testing.T) {
	a, b, _ := startPair(t)
	checkSharedRateLimit(t, a, b, smallSharedLimit)
}

// TestTwoNodesShareALargeRateLimitInLeases sets a channel's limit to 3200
// a minute, where each node takes counts from Redis 32 at a time
// (REGISTRY_RATE_LEASE_MAX), and sends 3400 requests from 32 clients
// alternating between two nodes: no count is answered twice, no more than
// 3200 are allowed, and no more than one lease per node (31 counts) is left
// unspent when the burst ends.
func TestTwoNodesShareALargeRateLimitInLeases(t *testing.T) {
	a, b, _ := startPair(t)
	checkSharedRateLimit(t, a, b, sharedLimit{slug: "ratelease", namespace: "clusterlease",
		limit: 3200, requests: 3400, clients: 32, unspent: 2 * 31})
}

// sharedLimit is one case of checkSharedRateLimit: requests sent by clients
// at once (request i to node i mod 2), and how many allowed counts
// the nodes may leave unspent (0: every count up to the limit is spent).
type sharedLimit struct {
	slug, namespace          string
	limit, requests, clients int
	unspent                  int
}

var smallSharedLimit = sharedLimit{slug: "ratepair", namespace: "clusterrate", limit: 30, requests: 40, clients: 40}

// checkSharedRateLimit sends c.requests over nodes a and b and checks what
// each window allowed.
func checkSharedRateLimit(t *testing.T, a, b *node, c sharedLimit) registrar {
	t.Helper()
	r := admit(a, admission{slug: c.slug, namespace: c.namespace, balance: 1000, rateLimit: 100000, createCost: 10, renewCost: 8})
	limit, requests := c.limit, c.requests
	b.must(200, b.do("PATCH", admin+"/registrar-channels/"+r.ChannelID, operatorToken, map[string]any{"rate_limit_per_minute": limit}))
	nodes := []*node{a, b}
	body := map[string]any{"names": []string{"free." + c.namespace}}

	// A minute boundary may fall inside the burst; answers are grouped by
	// their window (X-RateLimit-Reset) and, when no window got more than the
	// limit, the burst is sent again with a new API key of the channel (the
	// window counts per key, so the new burst starts from zero).
	token := r.Token
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			k := a.must(201, a.do("POST", admin+"/api-keys", operatorToken, map[string]any{
				"partner_id": r.PartnerID, "registrar_channel_id": r.ChannelID, "profile": "registrar_api"}))
			token = k["token"].(string)
		}
		resps := make([]response, requests)
		errs := make([]error, requests)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for w := range c.clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				for i := w; i < requests; i += c.clients {
					resps[i], errs[i] = nodes[i%2].send(ctx, "POST", reg+"/domains/check", token, body)
				}
			}()
		}
		close(gate)
		wg.Wait()
		cancel()

		type window struct {
			sent, allowed, denied int
			remaining             []int
			deniedBy              map[string]int
		}
		windows := map[string]*window{}
		for i, resp := range resps {
			if errs[i] != nil {
				t.Fatalf("request %d: %v", i, errs[i])
			}
			reset := resp.Header.Get("X-RateLimit-Reset")
			if reset == "" || resp.Header.Get("X-RateLimit-Limit") != strconv.Itoa(limit) {
				t.Fatalf("request %d: rate-limit headers missing or wrong: Limit %q Reset %q: %s",
					i, resp.Header.Get("X-RateLimit-Limit"), reset, resp)
			}
			w := windows[reset]
			if w == nil {
				w = &window{deniedBy: map[string]int{}}
				windows[reset] = w
			}
			w.sent++
			switch {
			case resp.Status == 200:
				w.allowed++
				rem, err := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining"))
				if err != nil {
					t.Fatalf("request %d: X-RateLimit-Remaining %q", i, resp.Header.Get("X-RateLimit-Remaining"))
				}
				w.remaining = append(w.remaining, rem)
			case resp.Status == 429 && resp.code() == "registrar_rate_limit_exceeded":
				w.denied++
				w.deniedBy[nodes[i%2].name]++
				if resp.Header.Get("Retry-After") == "" {
					t.Errorf("request %d: 429 without Retry-After", i)
				}
			default:
				t.Fatalf("request %d: %s", i, resp)
			}
		}
		full := false
		for reset, w := range windows {
			if want := min(w.sent, limit); w.allowed > limit || w.allowed < want-c.unspent {
				t.Errorf("window ending %s: %d of %d requests allowed, want %d (at most %d fewer, never more than %d)",
					reset, w.allowed, w.sent, want, c.unspent, limit)
			}
			// The shared counter gives each count to one request: the
			// allowed answers saw each Remaining from limit-1 down at most
			// once, and with nothing unspent, every one of them.
			sort.Ints(w.remaining)
			for j, rem := range w.remaining {
				if j > 0 && rem == w.remaining[j-1] {
					t.Errorf("window ending %s: Remaining %d answered twice: a count was given to two requests", reset, rem)
					break
				}
				if c.unspent > 0 || len(w.remaining) > limit {
					continue
				}
				if want := limit - len(w.remaining) + j; rem != want {
					t.Errorf("window ending %s: allowed answers carry Remaining %v, want %d..%d each once",
						reset, w.remaining, limit-len(w.remaining), limit-1)
					break
				}
			}
			if w.sent > limit {
				full = true
				t.Logf("window ending %s: %d requests over two nodes, %d allowed, %d denied (by node: %v)",
					reset, w.sent, w.allowed, w.denied, w.deniedBy)
			}
		}
		if full || t.Failed() {
			return r
		}
		if attempt == 3 {
			t.Fatalf("no window received more than %d requests in %d attempts", limit, attempt)
		}
		t.Logf("attempt %d straddled a minute boundary (%d windows); sending again", attempt, len(windows))
	}
}
