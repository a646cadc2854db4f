package registry_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// countingUOW counts the write transactions run through it and the
// idempotency records read.
type countingUOW struct {
	ports.UnitOfWork
	txs, gets atomic.Int64
}

func (c *countingUOW) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Stores) error) error {
	c.txs.Add(1)
	return c.UnitOfWork.Do(ctx, func(ctx context.Context, tx ports.Stores) error { return fn(ctx, countingStores{tx, c}) })
}

func (c *countingUOW) DoEach(ctx context.Context, fns []func(ctx context.Context, tx ports.Stores) error) []error {
	c.txs.Add(1)
	wrapped := make([]func(ctx context.Context, tx ports.Stores) error, len(fns))
	for i, fn := range fns {
		wrapped[i] = func(ctx context.Context, tx ports.Stores) error { return fn(ctx, countingStores{tx, c}) }
	}
	return c.UnitOfWork.DoEach(ctx, wrapped)
}

func (c *countingUOW) View(ctx context.Context, fn func(ctx context.Context, tx ports.Stores) error) error {
	return c.UnitOfWork.View(ctx, func(ctx context.Context, tx ports.Stores) error { return fn(ctx, countingStores{tx, c}) })
}

type countingStores struct {
	ports.Stores
	c *countingUOW
}

func (s countingStores) Idempotency() ports.IdempotencyStore {
	return countingIdempotency{s.Stores.Idempotency(), s.c}
}

type countingIdempotency struct {
	ports.IdempotencyStore
	c *countingUOW
}

func (i countingIdempotency) Get(ctx context.Context, channelID, key string) (core.IdempotencyRecord, error) {
	i.c.gets.Add(1)
	return i.IdempotencyStore.Get(ctx, channelID, key)
}

// A command with a fresh key goes straight to its transaction; a retry is
// looked up first on the node that answered it, and on another node found
// by the transaction's claim: the same answer either way, one debit.
func TestRetryIsLookedUpFirstOnlyOnTheNodeThatAnsweredIt(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	uow := &countingUOW{UnitOfWork: h.store}
	node := func() (*registry.Service, core.Actor) {
		svc := registry.NewService(uow, memory.NewRateCounter(), dns.NewDefaultBackends(), h.clock, core.NewIDs(), registry.Options{})
		a, _, err := svc.Authorize(h.ctx, w.Token, core.CmdCreateDomain)
		if err != nil {
			t.Fatal(err)
		}
		return svc, a
	}
	a, actorA := node()
	b, actorB := node()
	cmd := createCmd("alice."+w.Namespace.Name, "retried-key")
	step := func(name string, svc *registry.Service, actor core.Actor, wantGets, wantTxs int64) core.Outcome {
		t.Helper()
		gets, txs := uow.gets.Load(), uow.txs.Load()
		out, err := svc.CreateDomain(h.ctx, actor, cmd)
		wantCode(t, err, "")
		if g, x := uow.gets.Load()-gets, uow.txs.Load()-txs; g != wantGets || x != wantTxs {
			t.Fatalf("%s: %d idempotency reads and %d transactions, want %d and %d", name, g, x, wantGets, wantTxs)
		}
		return out
	}
	first := step("first attempt on A", a, actorA, 0, 1)
	for _, r := range []struct {
		name             string
		svc              *registry.Service
		actor            core.Actor
		wantGets, wantTx int64
	}{
		{"retry on A", a, actorA, 1, 0},
		{"retry on B, which never saw the key", b, actorB, 0, 1},
		{"second retry on B", b, actorB, 1, 0},
	} {
		again := step(r.name, r.svc, r.actor, r.wantGets, r.wantTx)
		if !again.Idempotent || again.AuditID != first.AuditID || again.Domain == nil || again.Domain.ID != first.Domain.ID {
			t.Fatalf("%s: %+v, want the replay of %+v", r.name, again, first)
		}
	}
	if got := h.balance(w.Partner.ID); got != 10_000-100 {
		t.Errorf("balance %d after one create and three retries, want one debit of 100", got)
	}
}
