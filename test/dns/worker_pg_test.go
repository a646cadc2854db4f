package dns

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/adapters/sqlstore"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
	"github.com/headlessdomains/registry/test/pgtest"
)

// newPostgresDatabase creates a migrated database for t alone (pgtest).
func newPostgresDatabase(t *testing.T) string {
	t.Helper()
	return pgtest.NewDatabase(t, "test_dns")
}

// openStore opens its own connection pool on url: one "node".
func openStore(t *testing.T, url string) *sqlstore.Store {
	t.Helper()
	return pgtest.OpenStore(t, url, 4)
}

// countingDNS counts delegations per registration, for every worker.
type countingDNS struct {
	mu     sync.Mutex
	counts map[string]int
	lists  map[string][]string
}

func (c *countingDNS) add(name core.Name, ns []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[name.String()]++
	c.lists[name.String()] = slices.Clone(ns)
}

// workerDNS is one worker's view of the counting backend; before is called
// ahead of each delegation (to hold the worker's batch open).
type workerDNS struct {
	shared  *countingDNS
	applied atomic.Int64
	before  func(ctx context.Context) error
}

func (w *workerDNS) Backend(core.Namespace) (ports.DNSBackend, error) { return w, nil }

func (w *workerDNS) Capabilities() core.DNSCapabilities {
	return core.DNSCapabilities{Kind: core.DNSBackendMemory, Read: true, Write: true, Delegate: true, RecordTypes: core.RecordTypes}
}

func (w *workerDNS) ReadRecords(context.Context, core.Name) ([]core.Record, error) { return nil, nil }

func (w *workerDNS) ReplaceRecords(context.Context, core.Name, []core.Record) error { return nil }

func (w *workerDNS) SetDelegation(ctx context.Context, name core.Name, ns []string) error {
	if w.before != nil {
		if err := w.before(ctx); err != nil {
			return err
		}
	}
	w.shared.add(name, ns)
	w.applied.Add(1)
	return nil
}

// TestTwoWorkersOnOnePostgreSQLApplyEachItemOnce: 500 pending nameserver
// updates, two workers (two services over two connection pools, as two
// nodes would be), every item applied exactly once. Worker B starts once
// worker A has claimed its first batch, and A's first delegation waits,
// holding that batch locked, until B has applied one: B can only get there
// by skipping A's locked rows (FOR UPDATE SKIP LOCKED), so the two provably
// overlap.
func TestTwoWorkersOnOnePostgreSQLApplyEachItemOnce(t *testing.T) {
	const items = 500
	url := newPostgresDatabase(t)
	storeA, storeB := openStore(t, url), openStore(t, url)
	shared := &countingDNS{counts: map[string]int{}, lists: map[string][]string{}}

	bApplied := make(chan struct{})
	var bOnce sync.Once
	dnsB := &workerDNS{shared: shared}
	dnsB.before = func(context.Context) error {
		bOnce.Do(func() { close(bApplied) })
		return nil
	}
	var aWaited atomic.Bool
	aHolding := make(chan struct{})
	dnsA := &workerDNS{shared: shared}
	dnsA.before = func(ctx context.Context) error {
		if aWaited.Swap(true) {
			return nil
		}
		close(aHolding) // A's first batch is claimed and locked
		select {
		case <-bApplied:
			return nil
		case <-time.After(30 * time.Second):
			return errors.New("worker B applied nothing while worker A held its batch: claims do not skip locked rows")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	svcA := newService(storeA, memory.NewRateCounter(), dnsA)
	svcB := newService(storeB, memory.NewRateCounter(), dnsB)

	// Seed: a registrar, 500 registrations and their queued nameserver work.
	r := newRegistrar(t, svcA, "pgrace", core.DNSBackendMemory)
	now := time.Now().UTC().Truncate(time.Microsecond)
	want := map[string][]string{}
	err := storeA.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		for i := range items {
			name := core.MustName(fmt.Sprintf("d%03d.pgrace", i))
			ns := []string{fmt.Sprintf("ns%d.example.net", i)}
			want[name.String()] = ns
			d := core.Domain{ID: fmt.Sprintf("dom_%03d", i), Name: name, ChannelID: r.channel.ID, PartnerID: r.partner.ID,
				State: core.StateActive, Statuses: []string{}, NameserversDesired: ns, NameserversApplied: []string{},
				ApplyStatus: core.ApplyPending, BackendKind: core.DNSBackendMemory, CreatedAt: now, UpdatedAt: now,
				ExpiresAt: now.AddDate(1, 0, 0)}
			d.BackendReference = d.ID
			if err := tx.Domains().Insert(ctx, d); err != nil {
				return err
			}
			created := now.Add(time.Duration(i) * time.Microsecond) // a definite order
			if err := tx.Pending().Insert(ctx, core.PendingItem{ID: fmt.Sprintf("pnd_%03d", i), AuditID: "aud_seed",
				ChannelID: r.channel.ID, Command: string(core.CmdUpdateNameservers), Domain: name.String(), DomainID: d.ID,
				Payload: map[string]any{"nameservers": ns}, Status: core.PendingQueued,
				NextTryAt: now, CreatedAt: created, UpdatedAt: created}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var settled atomic.Int64
	run := func(svc *registry.Service) error {
		for settled.Load() < items {
			res, err := svc.ApplyBatch(ctx, 10)
			if err != nil {
				return err
			}
			for _, r := range res {
				if r.Outcome != registry.ApplyOutcomeApplied {
					return fmt.Errorf("item %s: %s (%s)", r.ID, r.Outcome, r.Reason)
				}
			}
			settled.Add(int64(len(res)))
		}
		return nil
	}
	errs := make(chan error, 2)
	go func() { errs <- run(svcA) }()
	select { // B starts only once A holds its first batch
	case <-aHolding:
	case err := <-errs:
		t.Fatalf("worker A ended before applying anything: %v", err)
	case <-ctx.Done():
		t.Fatal("worker A never reached its first delegation")
	}
	go func() { errs <- run(svcB) }()
	for range 2 {
		if err := <-errs; err != nil {
			cancel()
			t.Fatalf("worker: %v", err)
		}
	}

	if a, b := dnsA.applied.Load(), dnsB.applied.Load(); a == 0 || b == 0 || a+b != items {
		t.Fatalf("worker A applied %d, worker B %d; want both some, %d in all", a, b, items)
	}
	for name, ns := range want {
		if n := shared.counts[name]; n != 1 {
			t.Fatalf("%s delegated %d times, want exactly once", name, n)
		}
		if !slices.Equal(shared.lists[name], ns) {
			t.Fatalf("%s delegated to %v, want %v", name, shared.lists[name], ns)
		}
	}
	err = storeB.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		left, err := tx.Pending().List(ctx, core.PendingFilter{Limit: items})
		if err != nil {
			return err
		}
		done, err := tx.Pending().List(ctx, core.PendingFilter{Status: core.PendingApplied, Limit: 2 * items})
		if err != nil {
			return err
		}
		if len(left) != 0 || len(done) != items {
			return fmt.Errorf("%d items still pending, %d applied; want 0 and %d", len(left), len(done), items)
		}
		for _, it := range done {
			if it.Attempts != 1 {
				return fmt.Errorf("item %s has %d attempts, want 1", it.ID, it.Attempts)
			}
		}
		names := make([]core.Name, 0, items)
		for name := range want {
			names = append(names, core.MustName(name))
		}
		doms, err := tx.Domains().GetByNames(ctx, names)
		if err != nil {
			return err
		}
		for name, ns := range want {
			d := doms[name]
			if d.ApplyStatus != core.ApplyApplied || !slices.Equal(d.NameserversApplied, ns) {
				return fmt.Errorf("%s: apply_status %s, applied %v; want applied %v", name, d.ApplyStatus, d.NameserversApplied, ns)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
