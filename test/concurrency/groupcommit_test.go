package concurrency

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// gatedStore holds the first group transaction until the test opens the
// gate, and counts the reads every command makes before it queues for one
// (the idempotency record's fast path), so that a test can release one
// command first and have the others queued behind it.
type gatedStore struct {
	ports.UnitOfWork
	views atomic.Int64
	gate  chan struct{}
	once  sync.Once
}

func (g *gatedStore) View(ctx context.Context, fn func(ctx context.Context, tx ports.Stores) error) error {
	g.views.Add(1)
	return g.UnitOfWork.View(ctx, fn)
}

func (g *gatedStore) DoEach(ctx context.Context, fns []func(ctx context.Context, tx ports.Stores) error) []error {
	g.once.Do(func() { <-g.gate })
	return g.UnitOfWork.DoEach(ctx, fns)
}

// batchSizes records what group commit reports.
type batchSizes struct {
	ports.NopObserver
	mu    sync.Mutex
	sizes []int
}

func (b *batchSizes) GroupCommitted(n int) {
	b.mu.Lock()
	b.sizes = append(b.sizes, n)
	b.mu.Unlock()
}

func (b *batchSizes) max() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Max(append([]int{0}, b.sizes...))
}

// TestGroupCommitKeepsEachCommandWhole sends one partner's creates at once
// to one node, so that they share PostgreSQL transactions (group commit),
// with Gems for only some of them and one name asked for many times. Every
// command must stand or fall alone, as in a transaction of its own: the
// balance pays exactly as many creates as it holds and never goes below
// zero, one create of the contested name wins, a refused create leaves
// nothing but its failed audit row, and every success is in the database
// with its debit.
func TestGroupCommitKeepsEachCommandWhole(t *testing.T) {
	e := newEnv(t)
	const (
		distinct = 20 // names asked for once
		same     = 10 // creates of one contested name
		paid     = 10 // creates the balance pays for
	)
	// Spend the opening balance down to what pays for exactly `paid` creates
	// and a little more.
	left := core.Gems(paid*createPrice + createPrice/2)
	if _, err := e.svc.AdjustGems(e.ctx, e.partner.ID, core.AdjustGems{Delta: left - startGems,
		Reason: "leave enough for ten creates"}); err != nil {
		t.Fatal(err)
	}

	gated := &gatedStore{UnitOfWork: e.store, gate: make(chan struct{})}
	sizes := &batchSizes{}
	node := registry.NewService(gated, memory.NewRateCounter(), dns.NewDefaultBackends(), e.clock, core.NewIDs(),
		registry.Options{ActorCacheTTL: -1, Observer: sizes})
	actor := e.actor(core.CmdCreateDomain)
	contested := "contested." + e.ns

	type result struct {
		name string
		out  core.Outcome
		code core.Code
	}
	names := make([]string, 0, distinct+same)
	for i := 0; i < distinct; i++ {
		names = append(names, e.unique("g")+"."+e.ns)
	}
	for i := 0; i < same; i++ {
		names = append(names, contested)
	}
	results := make([]result, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := node.CreateDomain(e.ctx, actor, core.CreateDomain{
				Mutation: core.Mutation{IdempotencyKey: e.unique("gc")}, Domain: name, Years: 1,
				Registrant: core.Registrant{Name: "Alice", Email: "alice@example.com"}})
			results[i] = result{name, out, core.CodeOf(err)}
		}()
	}
	// Every command has read its idempotency record and is queueing: let the
	// first transaction go; the others wait behind it and share the next.
	deadline := time.Now().Add(30 * time.Second)
	for gated.views.Load() < int64(len(names)) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d commands reached the store", gated.views.Load(), len(names))
		}
		time.Sleep(time.Millisecond)
	}
	close(gated.gate)
	wg.Wait()

	if sizes.max() < 2 {
		t.Fatalf("no two commands shared a transaction (group sizes %v): the test proves nothing", sizes.sizes)
	}
	t.Logf("group sizes: %v", sizes.sizes)

	won := map[string]bool{}
	contestedWins := 0
	for _, r := range results {
		switch r.code {
		case "":
			if won[r.name] && r.name != contested {
				t.Errorf("%s created twice", r.name)
			}
			won[r.name] = true
			if r.name == contested {
				contestedWins++
			}
			if r.out.Debited() != createPrice {
				t.Errorf("%s: debited %d, want %d", r.name, r.out.Debited(), createPrice)
			}
			if v, ok := e.info(r.name); !ok || v.ID != r.out.Domain.ID {
				t.Errorf("%s answered created (%s) but the registry holds %+v", r.name, r.out.Domain.ID, v)
			}
		case core.CodeInsufficientGems:
		case core.CodeDomainNotAvailable:
			if r.name != contested {
				t.Errorf("%s refused as not available", r.name)
			}
		default:
			t.Errorf("%s: unexpected answer %q", r.name, r.code)
		}
	}
	if len(won) != paid {
		t.Errorf("%d creates succeeded; the balance paid for exactly %d", len(won), paid)
	}
	if contestedWins > 1 {
		t.Errorf("the contested name was created %d times", contestedWins)
	}
	p, err := e.svc.GetPartner(e.ctx, e.partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := left - paid*createPrice; p.GemsBalance != want {
		t.Errorf("balance %d, want %d", p.GemsBalance, want)
	}
	e.checkMoney()

	// Each command's audit: one success row per create, one failed row per
	// refusal, nothing else.
	var success, failed int
	err = e.store.View(e.ctx, func(ctx context.Context, tx ports.Stores) error {
		evs, err := tx.Audit().Query(ctx, ports.AuditQuery{ChannelID: e.channel.ID, Command: string(core.CmdCreateDomain), Limit: 1000})
		for _, ev := range evs {
			switch ev.Status {
			case core.AuditSuccess:
				success++
			case core.AuditFailed:
				failed++
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if success != paid || failed != len(names)-paid {
		t.Errorf("audit: %d success and %d failed rows, want %d and %d", success, failed, paid, len(names)-paid)
	}
}
