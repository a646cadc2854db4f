package cluster

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Phases of the PostgreSQL restart test, as journal.phase.
const (
	phaseUp        int32 = iota // PostgreSQL runs
	phaseStopping               // pg_ctl stop -m fast is running
	phaseDown                   // PostgreSQL is stopped
	phaseStarting               // pg_ctl start is running
	phaseRecovered              // /readyz answered 200 again
)

var phaseNames = map[int32]string{phaseUp: "up", phaseStopping: "stopping", phaseDown: "down", phaseStarting: "starting", phaseRecovered: "recovered"}

// TestPostgresRestartUnderLoad stops the node's PostgreSQL under a steady
// load of creates and starts it again: while it is down every request
// answers a retryable 503 and /readyz answers 503; the node recovers by
// itself; every create it answered 201 is in the database; and every request
// that got an error, retried with its key, replays or runs exactly once.
func TestPostgresRestartUnderLoad(t *testing.T) {
	serviceURL(t, "REGISTRY_TEST_POSTGRES_URL") // the environment has PostgreSQL
	pg := startPostgres(t)
	n := startNode(t, "node", "REGISTRY_DATABASE_URL="+pg.URL)
	r := admit(n, admission{slug: "pgrestart", namespace: "clusterpg", balance: 1_000_000, rateLimit: 100000, createCost: 10, renewCost: 8})

	// Load: two workers, each paced to a create every 10 ms, unique keys.
	j := newJournal()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				name := fmt.Sprintf("w%d-%d.clusterpg", w, i)
				// Not derived from ctx: stopping the load lets the request
				// in flight finish.
				rctx, rcancel := context.WithTimeout(context.Background(), 20*time.Second)
				j.run(rctx, n, &call{Worker: w, Token: r.Token, Method: "POST", Path: reg + "/domains",
					Body: createBody(name), Key: fmt.Sprintf("pg-%d-%d", w, i), Kind: "create", Domain: name})
				rcancel()
			}
		}()
	}
	stopLoad := func() {
		cancel()
		wg.Wait()
	}
	defer stopLoad()

	if !j.waitFor(20*time.Second, func() bool { return j.successes.Load() >= 30 }) {
		t.Fatalf("the load got only %d successes in 20s", j.successes.Load())
	}

	// Stop PostgreSQL (fast: it ends every session, as a restart or a
	// fail-over does).
	j.phase.Store(phaseStopping)
	stopBegan := time.Now()
	if err := pg.stop("fast"); err != nil {
		t.Fatal(err)
	}
	j.phase.Store(phaseDown)
	downAt := time.Now()
	answeredAtStop := j.answered.Load()
	readyDown := waitReady(t, n, 503, 10*time.Second)
	t.Logf("/readyz answered 503 %v after PostgreSQL stopped", readyDown.Round(time.Millisecond))
	// Stay down until the load got a good number of answers while down.
	if !j.waitFor(15*time.Second, func() bool { return j.answered.Load()-answeredAtStop >= 100 }) {
		t.Errorf("only %d answers while PostgreSQL was down", j.answered.Load()-answeredAtStop)
	}

	j.phase.Store(phaseStarting)
	startBegan := time.Now()
	if err := pg.start(); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	readyUp := waitReady(t, n, 200, 30*time.Second)
	j.phase.Store(phaseRecovered)
	successesAtRecovery := j.successes.Load()
	t.Logf("PostgreSQL down for %v (stop took %v, start %v); /readyz 200 again %v after pg_ctl start returned",
		startBegan.Sub(downAt).Round(time.Millisecond), downAt.Sub(stopBegan).Round(time.Millisecond),
		started.Sub(startBegan).Round(time.Millisecond), readyUp.Round(time.Millisecond))
	if !j.waitFor(20*time.Second, func() bool { return j.successes.Load()-successesAtRecovery >= 40 }) {
		t.Errorf("the node did not recover by itself: %d successes since /readyz answered 200", j.successes.Load()-successesAtRecovery)
	}
	stopLoad()

	// What each phase answered.
	calls := j.snapshot()
	var toRetry []*call
	answered := map[string]*call{}
	var down503, down500, downOther, maxDownLatency = 0, 0, 0, time.Duration(0)
	byPhase := map[string]int{}
	for _, c := range calls {
		if c.Answered {
			byPhase[fmt.Sprintf("%s→%s %d", phaseNames[c.StartPhase], phaseNames[c.EndPhase], c.Resp.Status)]++
		}
		if c.succeeded() {
			answered[c.Key] = c
		} else {
			toRetry = append(toRetry, c)
		}
		if !c.Answered {
			t.Errorf("no answer: %s", c)
			continue
		}
		switch {
		case c.StartPhase == phaseDown && c.EndPhase == phaseDown:
			// Sent and answered while PostgreSQL was down: a retryable error,
			// promptly.
			maxDownLatency = max(maxDownLatency, c.Resp.Elapsed)
			switch {
			case c.Resp.Status == 503 && c.Resp.code() == "backend_unavailable" && c.Resp.retryable():
				down503++
			case c.Resp.Status == 500 && c.Resp.code() == "internal_error" && c.Resp.retryable():
				down500++
				t.Errorf("while PostgreSQL was down: %s; want 503 backend_unavailable", c)
			default:
				downOther++
				t.Errorf("while PostgreSQL was down: %s; want 503 backend_unavailable (retryable)", c)
			}
		case c.StartPhase == phaseRecovered:
			if !c.succeeded() {
				t.Errorf("after recovery: %s; want 201", c)
			}
		case !c.succeeded() && !isRetryable(c.Resp):
			t.Errorf("around the restart: %s; want 201 or a retryable error", c)
		}
	}
	t.Logf("answers by phase (sent→answered status): %v", byPhase)
	t.Logf("%d creates sent: %d answered 201; while down %d answered 503 backend_unavailable (slowest %v), %d 500, %d other; %d to retry",
		len(calls), len(answered), down503, maxDownLatency.Round(time.Millisecond), down500, downOther, len(toRetry))
	if down503 == 0 {
		t.Errorf("no request was answered while PostgreSQL was down")
	}
	if maxDownLatency > 5*time.Second {
		t.Errorf("answers while PostgreSQL was down took up to %v", maxDownLatency)
	}

	// Nothing answered 201 is lost.
	db := openSQL(t, pg.URL)
	for key, c := range answered {
		audit := fmt.Sprint(c.Resp.Body["audit_id"])
		if n := countRows(t, db, `SELECT count(*) FROM audit_events WHERE id = $1 AND idempotency_key = $2 AND status = 'success'`, audit, key); n != 1 {
			t.Errorf("answered 201 but its audit row is missing: %s", c)
		}
		if n := countRows(t, db, `SELECT count(*) FROM domains WHERE name = $1`, c.Domain); n != 1 {
			t.Errorf("answered 201 but %s is not registered", c.Domain)
		}
	}

	// Requests that got an error, retried with the same key: each replays
	// (it had committed before its connection broke) or runs once now.
	rctx, rcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer rcancel()
	replayed, fresh := 0, 0
	for _, c := range toRetry {
		resp, err := retryUntilAnswered(rctx, n, c.Method, c.Path, c.Token, c.Body, "Idempotency-Key", c.Key)
		if err != nil || resp.Status != 201 {
			t.Errorf("retry of %s: %v %s", c, err, resp)
			continue
		}
		if resp.Body["idempotent"] == true {
			replayed++
		} else {
			fresh++
		}
	}
	t.Logf("retried %d failed creates: %d replayed a result committed before the error, %d ran now", len(toRetry), replayed, fresh)

	st := checkInvariants(t, db, []registrar{r})
	if st.Domains != len(calls) || st.CreateSuccess != len(calls) {
		t.Errorf("database holds %+v; %d distinct creates were sent", st, len(calls))
	}
	for _, c := range calls {
		if n := countRows(t, db, `SELECT count(*) FROM audit_events WHERE idempotency_key = $1 AND status = 'success'`, c.Key); n != 1 {
			t.Errorf("%s: %d success audit rows, want 1", c, n)
		}
	}
	if got, want := balance(n, r.PartnerID), int64(1_000_000-10*len(calls)); got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
}

// waitReady polls /readyz until it answers want and returns how long that
// took; it fails the test after timeout.
func waitReady(t *testing.T, n *node, want int, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	var last response
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r, err := n.send(ctx, "GET", "/readyz", "", nil)
		cancel()
		if err == nil {
			if r.Status == want {
				if want == 503 && r.code() != "backend_unavailable" {
					t.Errorf("/readyz: %s, want backend_unavailable", r)
				}
				return time.Since(start)
			}
			last = r
		}
		time.Sleep(20 * time.Millisecond) // polling interval of a health checker
	}
	t.Fatalf("/readyz did not answer %d within %v; last: %s", want, timeout, last)
	return 0
}
