package concurrency

import (
	"context"
	"errors"
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

// release waits until n commands have read their idempotency records (and
// are queueing), then lets the first transaction go.
func (g *gatedStore) release(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for g.views.Load() < int64(n) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d commands reached the store", g.views.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
	close(g.gate)
}

// leaveFor spends partner's opening balance down to what pays for exactly
// creates creates, and half of one more.
func (e *env) leaveFor(partner string, creates int) core.Gems {
	e.t.Helper()
	left := core.Gems(creates*createPrice + createPrice/2)
	if _, err := e.svc.AdjustGems(e.ctx, partner, core.AdjustGems{Delta: left - startGems,
		Reason: "leave enough for a few creates"}); err != nil {
		e.t.Fatal(err)
	}
	return left
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
	left := e.leaveFor(e.partner.ID, paid)

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
	gated.release(t, len(names))
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

// TestGroupCommitSharesATransactionAmongPartners sends the creates of two
// partners at once to a node with one group-commit shard, so that their
// commands share transactions, each partner's balance paying for only some
// of its creates. Each partner must pay for exactly what its own balance
// covers (the other's Gems never pay for it, a refusal of one never costs
// the other a create), both balances must equal their ledgers, and every
// answered success must be in the database.
func TestGroupCommitSharesATransactionAmongPartners(t *testing.T) {
	e := newEnv(t)
	const each = 10 // creates sent by each partner
	second := e.party("second")
	parties := []struct {
		partner core.Partner
		token   string
		paid    int // creates its balance pays for
	}{{e.partner, e.token, 4}, {second.partner, second.token, 7}}
	for _, p := range parties {
		e.leaveFor(p.partner.ID, p.paid)
	}

	gated := &gatedStore{UnitOfWork: e.store, gate: make(chan struct{})}
	sizes := &batchSizes{}
	node := registry.NewService(gated, memory.NewRateCounter(), dns.NewDefaultBackends(), e.clock, core.NewIDs(),
		registry.Options{ActorCacheTTL: -1, Observer: sizes, GroupCommitShards: 1})

	type result struct {
		party int
		name  string
		out   core.Outcome
		code  core.Code
	}
	results := make([]result, 0, 2*each)
	for i := range 2 * each {
		results = append(results, result{party: i % 2, name: e.unique("m") + "." + e.ns})
	}
	var wg sync.WaitGroup
	for i := range results {
		r := &results[i]
		actor, _, err := e.svc.Authorize(e.ctx, parties[r.party].token, core.CmdCreateDomain)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := node.CreateDomain(e.ctx, actor, core.CreateDomain{
				Mutation: core.Mutation{IdempotencyKey: e.unique("gm")}, Domain: r.name, Years: 1,
				Registrant: core.Registrant{Name: "Alice", Email: "alice@example.com"}})
			r.out, r.code = out, core.CodeOf(err)
		}()
	}
	gated.release(t, len(results))
	wg.Wait()

	// Every command is queued before the first group runs, and no group of
	// one partner's commands alone can hold more than `each`.
	if sizes.max() <= each {
		t.Fatalf("no group held commands of both partners (group sizes %v): the test proves nothing", sizes.sizes)
	}
	t.Logf("group sizes: %v", sizes.sizes)

	// registered answers the id of name's live registration, whoever sponsors it.
	registered := func(name string) (string, bool) {
		var d core.Domain
		err := e.store.View(e.ctx, func(ctx context.Context, tx ports.Stores) error {
			var err error
			d, err = tx.Domains().GetByName(ctx, core.MustName(name))
			return err
		})
		if errors.Is(err, ports.ErrNotFound) {
			return "", false
		}
		if err != nil {
			t.Fatal(err)
		}
		return d.ID, true
	}
	won := make([]int, len(parties))
	for _, r := range results {
		switch r.code {
		case "":
			won[r.party]++
			if r.out.Debited() != createPrice {
				t.Errorf("%s: debited %d, want %d", r.name, r.out.Debited(), createPrice)
			}
			if id, ok := registered(r.name); !ok || id != r.out.Domain.ID {
				t.Errorf("%s answered created (%s) but the registry holds %q", r.name, r.out.Domain.ID, id)
			}
		case core.CodeInsufficientGems:
			if _, ok := registered(r.name); ok {
				t.Errorf("%s was refused for its balance but is registered", r.name)
			}
		default:
			t.Errorf("%s: unexpected answer %q", r.name, r.code)
		}
	}
	for i, p := range parties {
		if won[i] != p.paid {
			t.Errorf("partner %s: %d creates succeeded; its balance paid for exactly %d", p.partner.Name, won[i], p.paid)
		}
		got, err := e.svc.GetPartner(e.ctx, p.partner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := core.Gems(createPrice / 2); got.GemsBalance != want {
			t.Errorf("partner %s: balance %d, want %d", p.partner.Name, got.GemsBalance, want)
		}
		e.checkMoneyOf(p.partner.ID)
	}
}

// heldFirst holds the first group transaction until the test opens the
// gate, and tells the test when it has begun.
type heldFirst struct {
	ports.UnitOfWork
	begun, gate chan struct{}
	calls       atomic.Int64
}

func (h *heldFirst) DoEach(ctx context.Context, fns []func(ctx context.Context, tx ports.Stores) error) []error {
	if h.calls.Add(1) == 1 {
		close(h.begun)
		<-h.gate
	}
	return h.UnitOfWork.DoEach(ctx, fns)
}

// TestGroupCommitStartsASecondLaneForTwoWaiting: while a partner's first
// transaction runs, one more command waits for a lane rather than running
// alone, and the second lane starts once two wait, taking both as one
// transaction; both commit while the first is still held.
func TestGroupCommitStartsASecondLaneForTwoWaiting(t *testing.T) {
	e := newEnv(t)
	held := &heldFirst{UnitOfWork: e.store, begun: make(chan struct{}), gate: make(chan struct{})}
	sizes := &batchSizes{}
	node := registry.NewService(held, memory.NewRateCounter(), dns.NewDefaultBackends(), e.clock, core.NewIDs(),
		registry.Options{ActorCacheTTL: -1, Observer: sizes, GroupCommitShards: 1})
	actor := e.actor(core.CmdCreateDomain)
	create := func() <-chan core.Code {
		done := make(chan core.Code, 1)
		go func() {
			_, err := node.CreateDomain(e.ctx, actor, core.CreateDomain{
				Mutation: core.Mutation{IdempotencyKey: e.unique("lane")}, Domain: e.unique("l") + "." + e.ns, Years: 1,
				Registrant: core.Registrant{Name: "Alice", Email: "alice@example.com"}})
			done <- core.CodeOf(err)
		}()
		return done
	}
	wait := func(what string, done <-chan core.Code) {
		t.Helper()
		select {
		case code := <-done:
			if code != "" {
				t.Fatalf("%s: %s", what, code)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: no answer while the first transaction is held (group sizes %v)", what, sizes.sizes)
		}
	}
	first := create()
	select {
	case <-held.begun:
	case <-time.After(30 * time.Second):
		t.Fatal("the first create never reached the store")
	}
	second, third := create(), create()
	wait("second create", second)
	wait("third create", third)
	sizes.mu.Lock()
	got := slices.Clone(sizes.sizes)
	sizes.mu.Unlock()
	if !slices.Equal(got, []int{2}) {
		t.Errorf("while the first transaction was held: group sizes %v, want [2] (the two waiting commands together)", got)
	}
	close(held.gate)
	wait("first create", first)
	e.checkMoney()
}
