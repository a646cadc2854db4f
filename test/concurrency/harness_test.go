// Package concurrency proves the registry's rules under truly concurrent
// transactions on PostgreSQL (READ COMMITTED), through the core and through
// the HTTP API: the memory store and SQLite serialize every transaction, so
// only PostgreSQL can show a rule checked on a stale read.
package concurrency

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/adapters/dns"
	httpadapter "github.com/headlessdomains/registry/adapters/http"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/adapters/password"
	"github.com/headlessdomains/registry/adapters/sqlstore"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
	"github.com/headlessdomains/registry/test/pgtest"
)

// testClock is a clock the tests move by hand.
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

const (
	startGems   = 1_000_000
	createPrice = 100
	renewPrice  = 80
)

// env is one registry on its own PostgreSQL database: the real core over
// the real store, and the real HTTP adapter on a loopback server, twice —
// two nodes sharing the database, as a deployment runs them. Each node
// groups the commands of one partner into shared transactions (group
// commit), so two commands sent to one node may share a transaction, and
// two sent to different nodes run in concurrent transactions: the drivers
// send each command to the next node in turn, so the commands a test
// releases together reach both.
type env struct {
	t       *testing.T
	ctx     context.Context
	clock   *testClock
	store   *sqlstore.Store
	svc     *registry.Service // the first node: setup and reads
	nodes   [2]*registry.Service
	srvs    [2]*httptest.Server
	turn    atomic.Uint64
	partner core.Partner
	channel core.Channel
	ns      string
	token   string
	seq     int
	mu      sync.Mutex
}

func newEnv(t *testing.T) *env {
	t.Helper()
	url := pgtest.NewDatabase(t, "test_concurrency")
	store := pgtest.OpenStore(t, url, 40)
	clock := &testClock{t: time.Now().UTC().Truncate(time.Second)}
	rate, backends := memory.NewRateCounter(), dns.NewDefaultBackends()
	e := &env{t: t, ctx: context.Background(), clock: clock, store: store}
	for i := range e.nodes {
		e.nodes[i] = registry.NewService(store, rate, backends, clock, core.NewIDs(),
			registry.Options{ActorCacheTTL: -1, Passwords: cheapHasher})
	}
	e.svc = e.nodes[0]
	e.admit()
	return e
}

// cheapHasher hashes auth codes fast: the tests race commands, not Argon2id.
var cheapHasher = password.NewWithParams(password.Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 16})

// serve starts the real HTTP adapter over each node's core on loopback.
func (e *env) serve() {
	for i, n := range e.nodes {
		server := httpadapter.NewServer(n, n, zerolog.Nop(), httpadapter.Options{Clock: e.clock.Now})
		e.srvs[i] = httptest.NewServer(server.Handler())
		e.t.Cleanup(e.srvs[i].Close)
	}
}

// next answers the index of the node the next command goes to.
func (e *env) next() int { return int(e.turn.Add(1) % uint64(len(e.nodes))) }

// party is one production-approved registrar of the env's namespace.
type party struct {
	partner core.Partner
	channel core.Channel
	token   string
}

// admit makes the namespace and the env's registrar, with plenty of Gems.
func (e *env) admit() {
	e.t.Helper()
	ns, err := e.svc.CreateNamespace(e.ctx, core.CreateNamespace{Name: "race", DNSBackend: core.DNSBackendNone,
		CreatePriceGems: createPrice, RenewPriceGems: renewPrice})
	if err != nil {
		e.t.Fatal(err)
	}
	e.ns = ns.Name
	p := e.party("racer")
	e.partner, e.channel, e.token = p.partner, p.channel, p.token
}

// party admits a registrar with plenty of Gems: partner, approved channel
// slug with production approval, an approved listing of the env's
// namespace and a registrar API key.
func (e *env) party(slug string) party {
	e.t.Helper()
	must := func(err error) {
		e.t.Helper()
		if err != nil {
			e.t.Fatal(err)
		}
	}
	var p party
	var err error
	p.partner, err = e.svc.CreatePartner(e.ctx, core.CreatePartner{Name: slug, GemsBalance: startGems})
	must(err)
	p.channel, err = e.svc.CreateChannel(e.ctx, core.CreateChannel{PartnerID: p.partner.ID, Slug: slug, RateLimitPerMinute: 100_000})
	must(err)
	_, err = e.svc.ApproveChannel(e.ctx, p.channel.ID)
	must(err)
	_, err = e.svc.ApproveProduction(e.ctx, core.ApproveProduction{ChannelID: p.channel.ID, Force: true})
	must(err)
	_, err = e.svc.AddListing(e.ctx, p.channel.ID, e.ns)
	must(err)
	_, err = e.svc.ApproveListing(e.ctx, p.channel.ID, e.ns)
	must(err)
	k, err := e.svc.CreateAPIKey(e.ctx, core.CreateAPIKey{PartnerID: p.partner.ID, ChannelID: p.channel.ID, Profile: core.ProfileRegistrarAPI})
	must(err)
	p.token = k.Token
	return p
}

func (e *env) unique(prefix string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	return fmt.Sprintf("%s%d", prefix, e.seq)
}

func (e *env) actor(cmd core.Command) core.Actor {
	e.t.Helper()
	a, _, err := e.svc.Authorize(e.ctx, e.token, cmd)
	if err != nil {
		e.t.Fatalf("authorize %s: %v", cmd, err)
	}
	return a
}

// create registers label for one year and answers its full name.
func (e *env) create(label string) string {
	e.t.Helper()
	name := label + "." + e.ns
	_, err := e.svc.CreateDomain(e.ctx, e.actor(core.CmdCreateDomain), core.CreateDomain{
		Mutation: core.Mutation{IdempotencyKey: e.unique("c")}, Domain: name, Years: 1,
		Registrant: core.Registrant{Name: "Alice", Email: "alice@example.com"}})
	if err != nil {
		e.t.Fatalf("create %s: %v", name, err)
	}
	return name
}

// info reads a registration; ok is false when the name is not registered.
func (e *env) info(name string) (core.DomainView, bool) {
	e.t.Helper()
	v, err := e.svc.InfoDomain(e.ctx, e.actor(core.CmdInfoDomain), name)
	if core.CodeOf(err) == core.CodeDomainNotFound {
		return core.DomainView{}, false
	}
	if err != nil {
		e.t.Fatalf("info %s: %v", name, err)
	}
	return v, true
}

// ledger answers the partner's ledger entries, and of them those of domain.
func (e *env) ledger(domain string) (all, of []core.LedgerEntry) {
	e.t.Helper()
	return e.ledgerOf(e.partner.ID, domain)
}

// ledgerOf answers partner's ledger entries, and of them those of domain.
func (e *env) ledgerOf(partner, domain string) (all, of []core.LedgerEntry) {
	e.t.Helper()
	err := e.store.View(e.ctx, func(ctx context.Context, tx ports.Stores) error {
		var err error
		all, err = tx.Ledger().ListByPartner(ctx, partner)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, l := range all {
		if l.Domain == domain {
			of = append(of, l)
		}
	}
	return all, of
}

// checkMoney fails unless the balance is the sum of the ledger (whose
// first entry is the opening balance) and never went below zero.
func (e *env) checkMoney() {
	e.t.Helper()
	e.checkMoneyOf(e.partner.ID)
}

// checkMoneyOf is checkMoney for partner.
func (e *env) checkMoneyOf(partner string) {
	e.t.Helper()
	all, _ := e.ledgerOf(partner, "")
	sum := core.Gems(0)
	for _, l := range all {
		sum += l.Amount
		if l.Balance < 0 {
			e.t.Fatalf("a ledger entry left the balance at %d", l.Balance)
		}
	}
	p, err := e.svc.GetPartner(e.ctx, partner)
	if err != nil {
		e.t.Fatal(err)
	}
	if p.GemsBalance != sum {
		e.t.Fatalf("partner %s: balance %d, ledger sum %d", partner, p.GemsBalance, sum)
	}
}

// driver runs registrar commands one way (the core or HTTP) and answers
// the catalog code of each ("" for success).
type driver interface {
	renew(name string, years int, current time.Time) core.Code
	delete(name string) core.Code
	addStatus(name, status string) core.Code
	nameservers(name string, ns ...string) core.Code
}

// coreDriver calls the registry service directly.
type coreDriver struct{ e *env }

func (d coreDriver) key() core.Mutation { return core.Mutation{IdempotencyKey: d.e.unique("k")} }

func (d coreDriver) renew(name string, years int, current time.Time) core.Code {
	_, err := d.e.nodes[d.e.next()].RenewDomain(d.e.ctx, d.e.actor(core.CmdRenewDomain), core.RenewDomain{Mutation: d.key(), Domain: name,
		Years: years, CurrentExpiresAt: current})
	return core.CodeOf(err)
}

func (d coreDriver) delete(name string) core.Code {
	_, err := d.e.nodes[d.e.next()].DeleteDomain(d.e.ctx, d.e.actor(core.CmdDeleteDomain), core.DeleteDomain{Mutation: d.key(), Domain: name})
	return core.CodeOf(err)
}

func (d coreDriver) addStatus(name, status string) core.Code {
	_, err := d.e.nodes[d.e.next()].UpdateDomain(d.e.ctx, d.e.actor(core.CmdUpdateDomain), core.UpdateDomain{Mutation: d.key(), Domain: name,
		Statuses: core.StatusChange{Add: []string{status}}})
	return core.CodeOf(err)
}

func (d coreDriver) nameservers(name string, ns ...string) core.Code {
	_, err := d.e.nodes[d.e.next()].UpdateNameservers(d.e.ctx, d.e.actor(core.CmdUpdateNameservers), core.UpdateNameservers{Mutation: d.key(),
		Domain: name, Nameservers: ns})
	return core.CodeOf(err)
}

// httpDriver sends the same commands to the registrar API.
type httpDriver struct{ e *env }

func (d httpDriver) send(method, path string, body any) core.Code {
	d.e.t.Helper()
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			d.e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, d.e.srvs[d.e.next()].URL+httpadapter.RegistrarBase+path, &buf)
	if err != nil {
		d.e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+d.e.token)
	req.Header.Set("Idempotency-Key", d.e.unique("h"))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.e.t.Errorf("%s %s: %v", method, path, err)
		return core.CodeInternal
	}
	defer resp.Body.Close()
	if resp.StatusCode < 300 {
		return ""
	}
	var problem struct {
		Code core.Code `json:"code"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&problem); err != nil || problem.Code == "" {
		d.e.t.Errorf("%s %s: status %d without a problem code", method, path, resp.StatusCode)
		return core.CodeInternal
	}
	return problem.Code
}

func (d httpDriver) renew(name string, years int, current time.Time) core.Code {
	return d.send("POST", "/domains/"+name+"/renew", map[string]any{"years": years, "current_expires_at": current.Format(time.RFC3339Nano)})
}

func (d httpDriver) delete(name string) core.Code { return d.send("DELETE", "/domains/"+name, nil) }

func (d httpDriver) addStatus(name, status string) core.Code {
	return d.send("PATCH", "/domains/"+name, map[string]any{"statuses": map[string]any{"add": []string{status}}})
}

func (d httpDriver) nameservers(name string, ns ...string) core.Code {
	return d.send("PUT", "/domains/"+name+"/nameservers", map[string]any{"nameservers": ns})
}

// drivers runs fn once through the core and once through HTTP.
func drivers(t *testing.T, fn func(t *testing.T, e *env, d driver)) {
	t.Run("core", func(t *testing.T) {
		e := newEnv(t)
		fn(t, e, coreDriver{e})
	})
	t.Run("http", func(t *testing.T) {
		e := newEnv(t)
		e.serve()
		fn(t, e, httpDriver{e})
	})
}

// together runs each fn in its own goroutine, released at once, and waits.
func together(fns ...func()) {
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			fn()
		}()
	}
	close(gate)
	wg.Wait()
}
