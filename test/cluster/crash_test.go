package cluster

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestCrashLeavesNothingHalfWritten kills a node with SIGKILL in the middle
// of a burst of creates and renews from several registrars, then checks the
// database directly: every committed command has its audit row, ledger entry
// and idempotency record, balances equal their ledgers, no key is left
// reserved. A new node then takes every request that got no answer, with the
// same idempotency key: each replays its committed result or runs afresh, and
// the invariants still hold with no name registered twice.
func TestCrashLeavesNothingHalfWritten(t *testing.T) {
	dbURL := freshDatabase(t)
	db := openSQL(t, dbURL)
	env := []string{"REGISTRY_DATABASE_URL=" + dbURL}
	first := startNode(t, "node-1", env...)

	const opening = 100000
	var regs []registrar
	for i := range 3 {
		regs = append(regs, admit(first, admission{slug: fmt.Sprintf("crash%d", i), namespace: "clustercrash",
			balance: opening, rateLimit: 100000, createCost: 10, renewCost: 8}))
	}

	// Two workers per registrar. Each creates a name, renews it twice (one
	// year each, with the expiry the previous answer gave), then goes on to
	// the next name; it stops at its first request without an answer.
	j := newJournal()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	const workers = 6
	for w := range workers {
		r := regs[w%len(regs)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				name := fmt.Sprintf("w%d-%d.clustercrash", w, i)
				c := j.run(ctx, first, &call{Worker: w, Token: r.Token, Method: "POST", Path: reg + "/domains",
					Body: createBody(name), Key: fmt.Sprintf("create-%d-%d", w, i), Kind: "create", Domain: name})
				if !c.succeeded() {
					return
				}
				exp := c.Resp.Body["domain"].(map[string]any)["expires_at"]
				for k := range 2 {
					c := j.run(ctx, first, &call{Worker: w, Token: r.Token, Method: "POST", Path: reg + "/domains/" + name + "/renew",
						Body: map[string]any{"years": 1, "current_expires_at": exp}, Key: fmt.Sprintf("renew-%d-%d-%d", w, i, k),
						Kind: "renew", Domain: name})
					if !c.succeeded() {
						return
					}
					exp = c.Resp.Body["domain"].(map[string]any)["expires_at"]
				}
			}
		}()
	}
	if !j.waitFor(30*time.Second, func() bool { return j.successes.Load() >= 60 }) {
		cancel()
		wg.Wait()
		t.Fatalf("only %d successes within 30s; answers: %v", j.successes.Load(), j.snapshot())
	}
	killedAt := time.Now()
	first.kill() // kill -9 while the workers' next requests are in flight
	wg.Wait()
	cancel()

	calls := j.snapshot()
	var unanswered, failed []*call
	successes := 0
	for _, c := range calls {
		switch {
		case c.succeeded():
			successes++
		case !c.Answered:
			unanswered = append(unanswered, c)
		case isRetryable(c.Resp):
			failed = append(failed, c)
		default:
			t.Errorf("unexpected answer before the crash: %s", c)
		}
	}
	inFlight := 0
	for _, c := range unanswered {
		if c.Start.Before(killedAt) {
			inFlight++
		}
	}
	t.Logf("killed node-1 after %d successes with %d requests in flight; %d requests got no answer, %d a retryable error",
		successes, inFlight, len(unanswered), len(failed))
	if inFlight == 0 {
		t.Errorf("no request was in flight when the node was killed")
	}

	// The database right after the crash, before anything else touches it.
	st := checkInvariants(t, db, regs)
	t.Logf("after the crash: %+v", st)
	for _, c := range calls {
		if c.succeeded() {
			audit := fmt.Sprint(c.Resp.Body["audit_id"])
			if n := countRows(t, db, `SELECT count(*) FROM audit_events WHERE id = $1 AND status = 'success' AND idempotency_key = $2`, audit, c.Key); n != 1 {
				t.Errorf("answered success %s: its audit row %s is not committed", c, audit)
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// A new node retries every request that got no final answer.
	second := startNode(t, "node-2", env...)
	rctx, rcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer rcancel()
	replayed, fresh := 0, 0
	for _, c := range append(unanswered, failed...) {
		resp, err := retryUntilAnswered(rctx, second, c.Method, c.Path, c.Token, c.Body, "Idempotency-Key", c.Key)
		if err != nil {
			t.Errorf("retry of %s: %v", c, err)
			continue
		}
		want := 201
		if c.Kind == "renew" {
			want = 200
		}
		if resp.Status != want {
			t.Errorf("retry of %s: %s, want %d", c, resp, want)
			continue
		}
		if resp.Body["idempotent"] == true {
			replayed++
		} else {
			fresh++
		}
	}
	t.Logf("after restart (%v after the kill): %d retried requests replayed a committed result, %d ran afresh",
		time.Since(killedAt).Round(time.Millisecond), replayed, fresh)

	st = checkInvariants(t, db, regs)
	// Every request sent now has exactly one committed success.
	creates, renews := map[string]bool{}, 0
	for _, c := range calls {
		if n := countRows(t, db, `SELECT count(*) FROM audit_events WHERE idempotency_key = $1 AND status = 'success' AND command = $2`,
			c.Key, c.Kind+"_domain"); n != 1 {
			t.Errorf("%s: %d success audit rows for its key, want 1", c, n)
		}
		if c.Kind == "create" {
			creates[c.Domain] = true
		} else {
			renews++
		}
	}
	if st.Domains != len(creates) || st.CreateSuccess != len(creates) || st.RenewSuccess != renews {
		t.Errorf("database holds %+v; the workers sent %d creates and %d renews", st, len(creates), renews)
	}
	// Balances through the operator API agree with the prices.
	perPartner := map[string]int64{}
	for _, c := range calls {
		for _, r := range regs {
			if r.Token == c.Token {
				if c.Kind == "create" {
					perPartner[r.PartnerID] += 10
				} else {
					perPartner[r.PartnerID] += 8
				}
			}
		}
	}
	for _, r := range regs {
		if got, want := balance(second, r.PartnerID), int64(opening)-perPartner[r.PartnerID]; got != want {
			t.Errorf("partner %s: balance %d, want %d", r.Slug, got, want)
		}
	}
}
