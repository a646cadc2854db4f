package cluster

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// TestFrozenNodeDoesNotBlockItsKey freezes a node (SIGSTOP: a hung process,
// a paused VM or a network partition look the same to PostgreSQL) in the
// middle of a create, with its transaction open and the idempotency key
// reserved. Its connections stay open, so PostgreSQL cannot notice a crash;
// still the contract says a key is never blocked for more than 30 seconds.
// The other node's retry with the same key must run the command within that
// bound, exactly once, and the frozen node, once thawed, must not commit a
// second registration.
func TestFrozenNodeDoesNotBlockItsKey(t *testing.T) {
	a, b, dbURL := startPair(t)
	db := openSQL(t, dbURL)
	r := admit(a, admission{slug: "frozen", namespace: "clusterfrozen", balance: 1000, rateLimit: 100000, createCost: 10, renewCost: 8})
	body := createBody("hung.clusterfrozen")
	const key = "frozen-key"

	// Node a's create waits for the partner's row, which the test holds.
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	lock, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lock.Rollback() }()
	if _, err := lock.ExecContext(ctx, `SELECT id FROM partners WHERE id = $1 FOR UPDATE`, r.PartnerID); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		resp response
		err  error
	}
	first := make(chan answer, 1)
	go func() {
		resp, err := a.send(ctx, "POST", reg+"/domains", r.Token, body, "Idempotency-Key", key)
		first <- answer{resp, err}
	}()
	waitLockWaiters(t, db, 1)

	// Freeze node a, then let its transaction take the row: it now holds
	// the key and the partner's row, idle, for as long as a stays frozen.
	if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	thawed := false
	thaw := func() {
		if !thawed {
			thawed = true
			_ = a.cmd.Process.Signal(syscall.SIGCONT)
		}
	}
	defer thaw()
	if err := lock.Commit(); err != nil {
		t.Fatal(err)
	}
	frozenAt := time.Now()

	// The registrar retries on node b until the key is released.
	inProgress := 0
	var final response
	for {
		resp, err := b.send(ctx, "POST", reg+"/domains", r.Token, body, "Idempotency-Key", key)
		if err != nil {
			t.Fatalf("retry on node b: %v", err)
		}
		if resp.Status == 409 && resp.code() == "idempotency_key_in_progress" && time.Since(frozenAt) < 60*time.Second {
			inProgress++
			continue
		}
		final = resp
		break
	}
	released := time.Since(frozenAt)
	t.Logf("node b ran the key %v after node a froze holding it (%d answers of 409 idempotency_key_in_progress before)",
		released.Round(100*time.Millisecond), inProgress)
	if final.Status != 201 || final.Body["idempotent"] != false {
		t.Fatalf("retry on node b %v after node a froze: %s, want 201 run afresh", released.Round(time.Second), final)
	}
	if released > 45*time.Second {
		t.Errorf("the key stayed blocked %v by a frozen node, want at most about 30s", released)
	}

	// Node a wakes up: its transaction is gone; it must not register the
	// name a second time, and its answer is retryable (or a replay).
	thaw()
	got := <-first
	if got.err != nil {
		t.Fatalf("node a after thawing: %v", got.err)
	}
	if !isRetryable(got.resp) && !(got.resp.Status == 201 && got.resp.Body["idempotent"] == true) {
		t.Errorf("node a after thawing: %s, want a retryable error or a replay", got.resp)
	}
	if replay := a.do("POST", reg+"/domains", r.Token, body, "Idempotency-Key", key); replay.Status != 201 || replay.Body["idempotent"] != true ||
		replay.Body["audit_id"] != final.Body["audit_id"] {
		t.Errorf("retry on the thawed node a: %s, want node b's result replayed", replay)
	}
	if n := countRows(t, db, `SELECT count(*) FROM domains WHERE name = 'hung.clusterfrozen'`); n != 1 {
		t.Errorf("%d registrations, want 1", n)
	}
	if got := balance(b, r.PartnerID); got != 990 {
		t.Errorf("balance %d, want 990 (one debit)", got)
	}
	checkInvariants(t, db, []registrar{r})
}
