package gems

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/adapters/sqlstore"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
	"github.com/headlessdomains/registry/test/pgtest"
)

// newDatabase creates a migrated database for t alone (pgtest) and opens it.
func newDatabase(t *testing.T) *sqlstore.DB {
	t.Helper()
	url := pgtest.NewDatabase(t, "test_gems")
	db, err := sqlstore.Open(context.Background(), url, sqlstore.Options{MaxOpenConns: 16})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// world is a registry service over PostgreSQL with one production-approved
// registrar whose partner holds start Gems, in a namespace at price Gems a
// year.
type world struct {
	db      *sqlstore.DB
	store   *sqlstore.Store
	svc     *registry.Service
	partner core.Partner
	ns      string
	token   string
	seq     atomic.Int64
}

func newWorld(t *testing.T, start, price core.Gems) *world {
	t.Helper()
	db := newDatabase(t)
	store := sqlstore.NewStore(db)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	svc := registry.NewService(store, memory.NewRateCounter(), dns.NewDefaultBackends(),
		ports.ClockFunc(func() time.Time { return now }), core.NewIDs(), registry.Options{})
	ctx := t.Context()
	w := &world{db: db, store: store, svc: svc}
	var err error
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	w.partner, err = svc.CreatePartner(ctx, core.CreatePartner{Name: "Acme", GemsBalance: start})
	must("CreatePartner", err)
	ns, err := svc.CreateNamespace(ctx, core.CreateNamespace{Name: "gemsrace", DNSBackend: core.DNSBackendNone,
		CreatePriceGems: price, RenewPriceGems: price})
	must("CreateNamespace", err)
	w.ns = ns.Name
	ch, err := svc.CreateChannel(ctx, core.CreateChannel{PartnerID: w.partner.ID, Slug: "acme", RateLimitPerMinute: registry.MaxRateLimitPerMinute})
	must("CreateChannel", err)
	_, err = svc.ApproveChannel(ctx, ch.ID)
	must("ApproveChannel", err)
	_, err = svc.ApproveProduction(ctx, core.ApproveProduction{ChannelID: ch.ID, Force: true})
	must("ApproveProduction", err)
	_, err = svc.AddListing(ctx, ch.ID, ns.Name)
	must("AddListing", err)
	_, err = svc.ApproveListing(ctx, ch.ID, ns.Name)
	must("ApproveListing", err)
	k, err := svc.CreateAPIKey(ctx, core.CreateAPIKey{PartnerID: w.partner.ID, ChannelID: ch.ID, Profile: core.ProfileRegistrarAPI})
	must("CreateAPIKey", err)
	w.token = k.Token
	return w
}

// create registers a fresh name through the core: one debit of the price.
func (w *world) create(ctx context.Context) error {
	a, _, err := w.svc.Authorize(ctx, w.token, core.CmdCreateDomain)
	if err != nil {
		return err
	}
	n := w.seq.Add(1)
	_, err = w.svc.CreateDomain(ctx, a, core.CreateDomain{
		Mutation: core.Mutation{IdempotencyKey: fmt.Sprintf("race-%d", n)},
		Domain:   fmt.Sprintf("name%d.%s", n, w.ns), Years: 1,
		Registrant: core.Registrant{Name: "Alice", Email: "alice@example.com"},
	})
	return err
}

// balance reads the partner's committed balance and ledger.
func (w *world) balance(t *testing.T) (core.Gems, []core.LedgerEntry) {
	t.Helper()
	var p core.Partner
	var entries []core.LedgerEntry
	err := w.store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		var err error
		if p, err = tx.Partners().Get(ctx, w.partner.ID); err != nil {
			return err
		}
		entries, err = tx.Ledger().ListByPartner(ctx, w.partner.ID)
		return err
	})
	if err != nil {
		t.Fatalf("read the partner: %v", err)
	}
	return p.GemsBalance, entries
}

// checkLedger fails unless the balance equals the sum of the partner's
// ledger (the opening balance is its first entry) and every entry's
// running balance is never below 0.
func (w *world) checkLedger(t *testing.T) (core.Gems, []core.LedgerEntry) {
	t.Helper()
	bal, entries := w.balance(t)
	var sum core.Gems
	for _, e := range entries {
		sum += e.Amount
		if e.Balance < 0 {
			t.Errorf("ledger entry %s leaves %d Gems", e.ID, e.Balance)
		}
	}
	if sum != bal {
		t.Fatalf("balance %d != sum of the ledger %d (%d entries): a movement was lost", bal, sum, len(entries))
	}
	return bal, entries
}

// heldDebit debits amount from the partner in a transaction of its own and
// keeps it open, holding the partner's row lock, until release is called;
// it then commits. It is the debit of a registrar command caught between
// its lock and its commit.
func (w *world) heldDebit(t *testing.T, amount core.Gems) (release func()) {
	t.Helper()
	locked, done := make(chan struct{}), make(chan struct{})
	result := make(chan error, 1)
	go func() {
		result <- w.store.Do(context.Background(), func(ctx context.Context, tx ports.Stores) error {
			p, err := tx.Partners().Update(ctx, w.partner.ID, func(p *core.Partner) error {
				p.GemsBalance -= amount
				return nil
			})
			if err != nil {
				return err
			}
			if err := tx.Ledger().Append(ctx, core.LedgerEntry{ID: core.NewIDs().NewID("led"),
				PartnerID: p.ID, Command: string(core.CmdCreateDomain), Amount: -amount, Balance: p.GemsBalance,
				CreatedAt: time.Now()}); err != nil {
				return err
			}
			close(locked)
			<-done
			return nil
		})
	}()
	select {
	case <-locked:
	case err := <-result:
		t.Fatalf("held debit: %v", err)
	}
	return func() {
		close(done)
		if err := <-result; err != nil {
			t.Errorf("held debit: %v", err)
		}
	}
}

// waitForLockWaiters waits (bounded) until n backends of this database wait
// for a lock: the concurrent operator call has read the balance and is
// queued behind the held debit.
func (w *world) waitForLockWaiters(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var waiting int
		err := w.db.Bun().QueryRowContext(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if err != nil {
			t.Fatalf("pg_stat_activity: %v", err)
		}
		if waiting >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no transaction waited for the partner's row lock within 15s (%d waiting, want %d)", waiting, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
