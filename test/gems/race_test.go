package gems

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	httpadapter "github.com/headlessdomains/registry/adapters/http"
	"github.com/headlessdomains/registry/core"
)

func ptr[T any](v T) *T { return &v }

// TestOperatorMovesKeepAHeldDebitOnPostgres: a registrar's debit of 10
// holds the partner's row; an operator's PATCH to 1,050 (read at 1,000) and
// an adjustment of +50 each queue behind it. When the debit commits, both
// apply their difference to the debited balance: the debit is never undone
// (an absolute write would have answered 1,050). An adjustment that would
// take the balance below 0 once the debit commits is refused.
func TestOperatorMovesKeepAHeldDebitOnPostgres(t *testing.T) {
	w := newWorld(t, 1000, 100)
	ctx := t.Context()

	release := w.heldDebit(t, 10)
	patched := make(chan error, 1)
	var p core.Partner
	go func() {
		var err error
		p, err = w.svc.PatchPartner(ctx, w.partner.ID, core.PatchPartner{GemsBalance: ptr[core.Gems](1050), Reason: "top-up INV-1"})
		patched <- err
	}()
	w.waitForLockWaiters(t, 1)
	release()
	if err := <-patched; err != nil {
		t.Fatalf("PatchPartner: %v", err)
	}
	if p.GemsBalance != 1040 {
		t.Fatalf("PATCH to 1050 read at 1000 during a debit of 10 left %d, want 1040 (the debit kept)", p.GemsBalance)
	}

	release = w.heldDebit(t, 10)
	adjusted := make(chan error, 1)
	var a core.GemsAdjustment
	go func() {
		var err error
		a, err = w.svc.AdjustGems(ctx, w.partner.ID, core.AdjustGems{Delta: 50, Reason: "credit note CN-1"})
		adjusted <- err
	}()
	w.waitForLockWaiters(t, 1)
	release()
	if err := <-adjusted; err != nil {
		t.Fatalf("AdjustGems: %v", err)
	}
	if a.Partner.GemsBalance != 1080 || a.Entry.Amount != 50 {
		t.Fatalf("+50 during a debit of 10 from 1040: %+v, want 1080", a)
	}

	release = w.heldDebit(t, 10)
	go func() {
		_, err := w.svc.AdjustGems(ctx, w.partner.ID, core.AdjustGems{Delta: -1080, Reason: "close the account"})
		adjusted <- err
	}()
	w.waitForLockWaiters(t, 1)
	release()
	if err := <-adjusted; core.CodeOf(err) != core.CodeInsufficientGems {
		t.Fatalf("taking 1080 after a debit left 1070: got %v, want insufficient_gems", err)
	}
	bal, entries := w.checkLedger(t)
	if bal != 1070 {
		t.Fatalf("final balance %d, want 1000 - 3×10 + 50 + 50 = 1070", bal)
	}
	var ops []core.Gems
	for _, e := range entries {
		if e.Actor == "operator" {
			ops = append(ops, e.Amount)
		}
	}
	// The opening balance (1000) is the operator's too, then the two moves.
	if !slices.Equal(ops, []core.Gems{1000, 50, 50}) {
		t.Fatalf("operator ledger entries %v, want [1000 50 50]", ops)
	}
}

// TestDebitsAndAdjustmentsRaceOnPostgres: registrar creates (each a debit
// of 100), operator adjustments and PATCHes run at once on one partner.
// Every movement that answered success is in the ledger with its amount,
// and the balance equals the opening balance plus the ledger: start −
// debits + adjustments, nothing lost or undone.
func TestDebitsAndAdjustmentsRaceOnPostgres(t *testing.T) {
	const start, price, creates, adjusts = 100_000, 100, 24, 24
	w := newWorld(t, start, price)
	ctx := t.Context()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var okCreates int
	var okAdjusts []core.Gems
	begin := make(chan struct{})
	for i := range creates {
		wg.Go(func() {
			<-begin
			if err := w.create(ctx); err != nil {
				t.Errorf("create %d: %v", i, err)
				return
			}
			mu.Lock()
			okCreates++
			mu.Unlock()
		})
	}
	for i := range adjusts {
		wg.Go(func() {
			<-begin
			delta := core.Gems(7 + i)
			if i%2 == 1 {
				delta = -delta
			}
			if _, err := w.svc.AdjustGems(ctx, w.partner.ID, core.AdjustGems{Delta: delta, Reason: fmt.Sprintf("race %d", i)}); err != nil {
				t.Errorf("adjust %d: %v", i, err)
				return
			}
			mu.Lock()
			okAdjusts = append(okAdjusts, delta)
			mu.Unlock()
		})
	}
	close(begin)
	wg.Wait()
	bal, entries := w.checkLedger(t)
	var debits, adjusted core.Gems
	var gotAdjusts []core.Gems
	for _, e := range entries[1:] {
		switch {
		case e.Actor == "operator":
			adjusted += e.Amount
			gotAdjusts = append(gotAdjusts, e.Amount)
		case e.Command == string(core.CmdCreateDomain) && e.Amount == -price:
			debits += price
		default:
			t.Errorf("unexpected ledger entry %+v", e)
		}
	}
	var want core.Gems
	for _, d := range okAdjusts {
		want += d
	}
	slices.Sort(okAdjusts)
	slices.Sort(gotAdjusts)
	if !slices.Equal(okAdjusts, gotAdjusts) {
		t.Fatalf("adjustments in the ledger %v, answered %v", gotAdjusts, okAdjusts)
	}
	if debits != core.Gems(okCreates)*price || okCreates != creates {
		t.Fatalf("%d creates succeeded, ledger debits %d", okCreates, debits)
	}
	if bal != start-debits+want {
		t.Fatalf("balance %d, want start %d - debits %d + adjustments %d", bal, start, debits, want)
	}
	t.Logf("%d debits and %d adjustments at once: balance %d = %d - %d + %d", creates, adjusts, bal, start, debits, want)
}

// TestHTTPMovesKeepDebitsOnPostgres runs the same through the HTTP API: a
// PATCH and an adjustment that queue behind a held debit keep it, and
// registrar creates over HTTP racing operator adjustments over HTTP leave
// balance = start − debits + adjustments.
func TestHTTPMovesKeepDebitsOnPostgres(t *testing.T) {
	const start, price = 50_000, 100
	w := newWorld(t, start, price)
	const opToken = "op-gems-race-token-0123456789"
	srv := httptest.NewServer(httpadapter.NewServer(w.svc, w.svc, zerolog.Nop(), httpadapter.Options{
		OperatorToken: opToken, Clock: time.Now}).Handler())
	t.Cleanup(srv.Close)
	send := func(method, path, token string, body any, header ...string) (int, map[string]any) {
		raw, _ := json.Marshal(body)
		req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+path, bytes.NewReader(raw))
		if err != nil {
			t.Errorf("%s %s: %v", method, path, err)
			return 0, nil
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", method, path, err)
			return 0, nil
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	partnerPath := httpadapter.OperatorBase + "/partners/" + w.partner.ID

	release := w.heldDebit(t, 10)
	type answer struct {
		status int
		body   map[string]any
	}
	got := make(chan answer, 1)
	go func() {
		s, b := send("PATCH", partnerPath, opToken, map[string]any{"gems_balance": start + 500, "reason": "top-up over HTTP"})
		got <- answer{s, b}
	}()
	w.waitForLockWaiters(t, 1)
	release()
	if a := <-got; a.status != http.StatusOK || a.body["gems_balance"] != float64(start+490) {
		t.Fatalf("PATCH during a held debit: %d %v, want 200 with %d", a.status, a.body, start+490)
	}
	release = w.heldDebit(t, 10)
	go func() {
		s, b := send("POST", partnerPath+"/gems-adjustments", opToken, map[string]any{"delta": 20, "reason": "goodwill over HTTP"})
		got <- answer{s, b}
	}()
	w.waitForLockWaiters(t, 1)
	release()
	if a := <-got; a.status != http.StatusCreated || a.body["gems_balance"] != float64(start+500) || a.body["delta"] != float64(20) {
		t.Fatalf("adjustment during a held debit: %d %v, want 201 with %d", a.status, a.body, start+500)
	}

	base, _ := w.checkLedger(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var okCreates int
	var adjustedSum core.Gems
	begin := make(chan struct{})
	for i := range 12 {
		wg.Go(func() {
			<-begin
			s, b := send("POST", httpadapter.RegistrarBase+"/domains", w.token,
				map[string]any{"domain": fmt.Sprintf("http%d.%s", i, w.ns), "registrant": map[string]any{"name": "A", "email": "a@example.com"}},
				"Idempotency-Key", fmt.Sprintf("http-race-%d", i))
			if s != http.StatusCreated {
				t.Errorf("create %d: %d %v", i, s, b)
				return
			}
			mu.Lock()
			okCreates++
			mu.Unlock()
		})
		wg.Go(func() {
			<-begin
			delta := core.Gems(3 + i)
			if i%3 == 0 {
				delta = -delta
			}
			s, b := send("POST", partnerPath+"/gems-adjustments", opToken, map[string]any{"delta": delta, "reason": fmt.Sprintf("http race %d", i)})
			if s != http.StatusCreated {
				t.Errorf("adjust %d: %d %v", i, s, b)
				return
			}
			mu.Lock()
			adjustedSum += delta
			mu.Unlock()
		})
	}
	close(begin)
	wg.Wait()
	bal, _ := w.checkLedger(t)
	if want := base - core.Gems(okCreates)*price + adjustedSum; bal != want || okCreates != 12 {
		t.Fatalf("balance %d after %d creates and adjustments of %d from %d, want %d", bal, okCreates, adjustedSum, base, want)
	}
	_, b := send("GET", partnerPath, opToken, nil)
	if b["gems_balance"] != float64(bal) {
		t.Fatalf("GET partner answers %v, the store holds %d", b["gems_balance"], bal)
	}
}
