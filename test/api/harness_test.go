package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/adapters/dns"
	httpadapter "github.com/headlessdomains/registry/adapters/http"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/adapters/password"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

const (
	operatorToken = "op-integration-token-0123456789"
	regBase       = httpadapter.RegistrarBase
	opBase        = httpadapter.OperatorBase
	// registryWindow is the rate-limit window.
	registryWindow = registry.RateWindow
)

// cheapPasswords hashes authorization codes with test-sized Argon2id costs.
var cheapPasswords = password.NewWithParams(password.Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 16})

// start is the instant every environment's clock starts at: the middle of
// a rate-limit window, so that a test never crosses a window by accident.
var start = time.Date(2026, 1, 2, 3, 4, 30, 0, time.UTC)

// testClock is a clock the tests move by hand; the core and the HTTP
// adapter read the same one.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// faultyStore decorates the memory store's unit of work: Do and View can be
// told to fail their next calls with a given error before reaching the
// store, as a database that is busy, down or broken would. Everything else
// is the real store.
type faultyStore struct {
	*memory.Store
	mu         sync.Mutex
	doFaults   []error
	viewFaults []error
}

var _ ports.UnitOfWork = (*faultyStore)(nil)

// failDo makes the next len(errs) calls of Do fail, in order.
func (f *faultyStore) failDo(errs ...error) {
	f.mu.Lock()
	f.doFaults = append(f.doFaults, errs...)
	f.mu.Unlock()
}

// failView makes the next len(errs) calls of View fail, in order.
func (f *faultyStore) failView(errs ...error) {
	f.mu.Lock()
	f.viewFaults = append(f.viewFaults, errs...)
	f.mu.Unlock()
}

// armed reports whether faults are still waiting to fire.
func (f *faultyStore) armed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.doFaults)+len(f.viewFaults) > 0
}

func pop(mu *sync.Mutex, q *[]error) error {
	mu.Lock()
	defer mu.Unlock()
	if len(*q) == 0 {
		return nil
	}
	err := (*q)[0]
	*q = (*q)[1:]
	return err
}

func (f *faultyStore) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Stores) error) error {
	if err := pop(&f.mu, &f.doFaults); err != nil {
		return err
	}
	return f.Store.Do(ctx, fn)
}

// DoEach runs each fn through Do, so that every fault fires as it does for
// a command's own transaction.
func (f *faultyStore) DoEach(ctx context.Context, fns []func(ctx context.Context, tx ports.Stores) error) []error {
	errs := make([]error, len(fns))
	for i, fn := range fns {
		errs[i] = f.Do(ctx, fn)
	}
	return errs
}

func (f *faultyStore) View(ctx context.Context, fn func(ctx context.Context, tx ports.Stores) error) error {
	if err := pop(&f.mu, &f.viewFaults); err != nil {
		return err
	}
	return f.Store.View(ctx, fn)
}

// env is one registry: the real service over a fresh memory store, served
// by the real HTTP adapter on a loopback httptest server, and a client that
// validates every exchange against the served OpenAPI documents.
type env struct {
	t       testing.TB
	clock   *testClock
	store   *faultyStore
	svc     *registry.Service
	srv     *httptest.Server
	handler http.Handler // srv's handler, for in-process benchmarks
	api     *validator   // registrar document
	op      *validator   // operator document
	codes   *codeSet     // problem codes answered, when a test collects them

	mu  sync.Mutex
	seq int
}

func newEnv(t testing.TB) *env {
	t.Helper()
	clock := &testClock{t: start}
	store := &faultyStore{Store: memory.NewStore()}
	svc := registry.NewService(store, memory.NewRateCounter(), dns.NewDefaultBackends(), clock, core.NewIDs(),
		registry.Options{Passwords: cheapPasswords})
	server := httpadapter.NewServer(svc, svc, zerolog.Nop(), httpadapter.Options{
		OperatorToken: operatorToken,
		Ready:         store.Ping,
		Clock:         clock.Now,
	})
	h := server.Handler()
	e := &env{t: t, clock: clock, store: store, svc: svc, srv: httptest.NewServer(h), handler: h}
	t.Cleanup(e.srv.Close)
	e.api, e.op = e.loadValidators()
	return e
}

// unique returns prefix followed by a number unique within the environment.
func (e *env) unique(prefix string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	return fmt.Sprintf("%s%d", prefix, e.seq)
}

// codeSet collects the catalog codes of problem answers.
type codeSet struct {
	mu   sync.Mutex
	seen map[core.Code]int
}

func newCodeSet() *codeSet { return &codeSet{seen: map[core.Code]int{}} }

func (c *codeSet) add(code core.Code) {
	c.mu.Lock()
	c.seen[code]++
	c.mu.Unlock()
}

func (c *codeSet) has(code core.Code) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[code] > 0
}

// --- direct store reads, for "nothing changed" assertions -------------------

// view reads the committed store state directly (bypassing the fault queue).
func (e *env) view(fn func(ctx context.Context, tx ports.Stores) error) {
	e.t.Helper()
	if err := e.store.Store.View(context.Background(), fn); err != nil {
		e.t.Fatalf("store view: %v", err)
	}
}

// registrarAudit answers a channel's registrar-origin audit events.
func (e *env) registrarAudit(channelID string) []core.AuditEvent {
	e.t.Helper()
	var out []core.AuditEvent
	e.view(func(ctx context.Context, tx ports.Stores) error {
		var err error
		out, err = tx.Audit().Query(ctx, ports.AuditQuery{ChannelID: channelID, Actor: "registrar", Limit: 100_000})
		return err
	})
	return out
}

// ledger answers a partner's ledger entries.
func (e *env) ledger(partnerID string) []core.LedgerEntry {
	e.t.Helper()
	var out []core.LedgerEntry
	e.view(func(ctx context.Context, tx ports.Stores) error {
		var err error
		out, err = tx.Ledger().ListByPartner(ctx, partnerID)
		return err
	})
	return out
}

// pendingWork answers a channel's backend work in every status.
func (e *env) pendingWork(channelID string) []core.PendingItem {
	e.t.Helper()
	var out []core.PendingItem
	e.view(func(ctx context.Context, tx ports.Stores) error {
		for _, st := range []string{core.PendingQueued, core.PendingApplied, core.PendingFailed} {
			items, err := tx.Pending().List(ctx, core.PendingFilter{ChannelID: channelID, Status: st, Limit: 100_000})
			if err != nil {
				return err
			}
			out = append(out, items...)
		}
		return nil
	})
	return out
}

// registered answers whether a non-cancelled registration of name exists.
func (e *env) registered(name string) bool {
	e.t.Helper()
	n, err := core.ParseName(name)
	if err != nil {
		return false
	}
	found := false
	e.view(func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Domains().GetByName(ctx, n)
		switch {
		case err == nil:
			found = true
			return nil
		case errors.Is(err, ports.ErrNotFound):
			return nil
		default:
			return err
		}
	})
	return found
}
