package cluster

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestGracefulStopFinishesRequestsInFlight holds creates in flight (one for
// each of five registrars, whose partner rows the test locks in PostgreSQL,
// so each waits inside its own transaction: group commit is off, as
// registrars sharing a queue would otherwise share transactions), sends SIGTERM, and checks that the node stops accepting,
// lets every request in flight finish with its real answer once the locks
// are released, and exits with status 0.
func TestGracefulStopFinishesRequestsInFlight(t *testing.T) {
	dbURL := freshDatabase(t)
	db := openSQL(t, dbURL)
	n := startNode(t, "node", "REGISTRY_DATABASE_URL="+dbURL, "REGISTRY_LOG_LEVEL=info", "REGISTRY_SHUTDOWN_TIMEOUT=30s",
		"REGISTRY_GROUP_COMMIT_MAX=1")
	const inFlight = 5
	regs := make([]registrar, inFlight)
	for i := range regs {
		regs[i] = admit(n, admission{slug: fmt.Sprintf("graceful%d", i), namespace: "clustergrace", balance: 1000,
			rateLimit: 100000, createCost: 10, renewCost: 8})
	}

	// Hold the partners' rows: each create's debit waits for its own.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	lock, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lock.Rollback() }()
	for _, r := range regs {
		if _, err := lock.ExecContext(ctx, `SELECT id FROM partners WHERE id = $1 FOR UPDATE`, r.PartnerID); err != nil {
			t.Fatal(err)
		}
	}

	resps := make([]response, inFlight)
	errs := make([]error, inFlight)
	var wg sync.WaitGroup
	for i, r := range regs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resps[i], errs[i] = n.send(ctx, "POST", reg+"/domains", r.Token, createBody(fmt.Sprintf("stop%d.clustergrace", i)),
				"Idempotency-Key", fmt.Sprintf("stop-%d", i))
		}()
	}
	// They are in flight once PostgreSQL shows them waiting for the lock.
	waitLockWaiters(t, db, inFlight)

	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The node has begun its graceful stop once it says so; from then on it
	// accepts no connection.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(n.out.String(), "finishing requests in flight"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no graceful-stop log line within 5s:\n%s", n.out.String())
		}
	}
	if c, err := net.DialTimeout("tcp", strings.TrimPrefix(n.base, "http://"), time.Second); err == nil {
		_ = c.Close()
		t.Errorf("the stopping node still accepts connections")
	}
	if n.exited() {
		t.Fatalf("the node exited with requests in flight: %v\n%s", n.err, n.out.String())
	}

	if err := lock.Commit(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i := range inFlight {
		if errs[i] != nil {
			t.Errorf("create %d in flight at SIGTERM: no answer: %v", i, errs[i])
		} else if resps[i].Status != 201 || resps[i].Body["idempotent"] != false {
			t.Errorf("create %d in flight at SIGTERM: %s, want 201", i, resps[i])
		}
	}
	select {
	case <-n.done:
		if n.err != nil {
			t.Errorf("exit after SIGTERM: %v, want status 0\n%s", n.err, n.out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the node did not exit within 30s of its requests finishing")
	}
	if got := countRows(t, db, `SELECT count(*) FROM domains WHERE name LIKE 'stop%'`); got != inFlight {
		t.Errorf("%d registrations after the stop, want %d", got, inFlight)
	}
	checkInvariants(t, db, regs)
}
