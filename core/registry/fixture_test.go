package registry_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// harnessStart is the fixed instant every harness starts at.
var harnessStart = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testClock is a fixed clock that tests move by hand.
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

// harness is a registry service over the memory adapters, a fixed clock and
// real ids, with builders that go through the operator service as an
// operator would.
type harness struct {
	t     *testing.T
	ctx   context.Context
	store *memory.Store
	svc   *registry.Service
	clock *testClock
	seq   int
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	st := memory.NewStore()
	clock := &testClock{t: harnessStart}
	svc := registry.NewService(st, memory.NewRateCounter(), dns.NewDefaultBackends(), clock, core.NewIDs(), registry.Options{})
	return &harness{t: t, ctx: context.Background(), store: st, svc: svc, clock: clock}
}

// now is the harness clock's reading.
func (h *harness) now() time.Time { return h.clock.Now() }

// advance moves the clock.
func (h *harness) advance(d time.Duration) { h.clock.advance(d) }

// unique returns prefix followed by a number unique within the harness.
func (h *harness) unique(prefix string) string {
	h.seq++
	return fmt.Sprintf("%s%d", prefix, h.seq)
}

// partner creates a partner through the operator service.
func (h *harness) partner(gems core.Gems, dnsModule bool) core.Partner {
	h.t.Helper()
	p, err := h.svc.CreatePartner(h.ctx, core.CreatePartner{Name: h.unique("Partner "), GemsBalance: gems, DNSModuleEnabled: dnsModule})
	if err != nil {
		h.t.Fatalf("CreatePartner: %v", err)
	}
	return p
}

// namespaceSpec describes a namespace to create; zero fields take defaults.
type namespaceSpec struct {
	Name        string // default: a unique "ns…" label
	Backend     string // default: memory
	CreatePrice core.Gems
	RenewPrice  core.Gems
	Reserved    []string
	Claims      []string
	Policy      core.PolicyChange
}

// namespace creates a namespace through the operator service.
func (h *harness) namespace(spec namespaceSpec) core.Namespace {
	h.t.Helper()
	if spec.Name == "" {
		spec.Name = h.unique("ns")
	}
	if spec.Backend == "" {
		spec.Backend = core.DNSBackendMemory
	}
	ns, err := h.svc.CreateNamespace(h.ctx, core.CreateNamespace{Name: spec.Name, DNSBackend: spec.Backend,
		CreatePriceGems: spec.CreatePrice, RenewPriceGems: spec.RenewPrice, ReservedLabels: spec.Reserved, ClaimLabels: spec.Claims,
		Policy: spec.Policy})
	if err != nil {
		h.t.Fatalf("CreateNamespace: %v", err)
	}
	return ns
}

// channel creates a pending channel of a partner.
func (h *harness) channel(partnerID string) core.Channel {
	h.t.Helper()
	ch, err := h.svc.CreateChannel(h.ctx, core.CreateChannel{PartnerID: partnerID, Slug: h.unique("chan-")})
	if err != nil {
		h.t.Fatalf("CreateChannel: %v", err)
	}
	return ch
}

// approve approves a channel.
func (h *harness) approve(channelID string) core.Channel {
	h.t.Helper()
	ch, err := h.svc.ApproveChannel(h.ctx, channelID)
	if err != nil {
		h.t.Fatalf("ApproveChannel: %v", err)
	}
	return ch
}

// production records production approval of a channel.
func (h *harness) production(channelID string) core.Channel {
	h.t.Helper()
	ch, err := h.svc.ApproveProduction(h.ctx, core.ApproveProduction{ChannelID: channelID, Force: true})
	if err != nil {
		h.t.Fatalf("ApproveProduction: %v", err)
	}
	return ch
}

// listing adds a channel's listing for ns, approved when approved is true.
func (h *harness) listing(channelID, ns string, approved bool) core.Listing {
	h.t.Helper()
	l, err := h.svc.AddListing(h.ctx, channelID, ns)
	if err != nil {
		h.t.Fatalf("AddListing: %v", err)
	}
	if approved {
		if l, err = h.svc.ApproveListing(h.ctx, channelID, ns); err != nil {
			h.t.Fatalf("ApproveListing: %v", err)
		}
	}
	return l
}

// key creates an API key of a partner, bound to channelID unless it is "",
// with the given scopes, or the registrar_api profile when none are given.
// It returns the key and its plaintext token.
func (h *harness) key(partnerID, channelID string, scopes ...string) (core.APIKey, string) {
	h.t.Helper()
	cmd := core.CreateAPIKey{PartnerID: partnerID, ChannelID: channelID, Scopes: scopes}
	if len(scopes) == 0 {
		cmd.Profile = core.ProfileRegistrarAPI
	}
	k, err := h.svc.CreateAPIKey(h.ctx, cmd)
	if err != nil {
		h.t.Fatalf("CreateAPIKey: %v", err)
	}
	return k.Key, k.Token
}

// world is one registrar set up end to end.
type world struct {
	Partner   core.Partner
	Namespace core.Namespace
	Channel   core.Channel
	Key       core.APIKey
	Token     string
}

// worldSpec tunes registrar(); the zero value is an approved,
// production-approved channel of a partner with 10,000 Gems and the DNS
// module, listed and approved for one memory-backed namespace (create 100,
// renew 80), with a registrar_api key.
type worldSpec struct {
	Gems           core.Gems // default 10,000
	NoDNSModule    bool
	Pending        bool // leave the channel pending
	NoProduction   bool // skip production approval
	NoListing      bool // no listing at all
	PendingListing bool // a listing that is not approved
	Namespace      namespaceSpec
	Scopes         []string // default: the registrar_api profile
	Unbound        bool     // the key is not bound to the channel
}

// registrar builds a world.
func (h *harness) registrar(spec worldSpec) world {
	h.t.Helper()
	gems := spec.Gems
	if gems == 0 {
		gems = 10_000
	}
	if spec.Namespace.CreatePrice == 0 {
		spec.Namespace.CreatePrice = 100
	}
	if spec.Namespace.RenewPrice == 0 {
		spec.Namespace.RenewPrice = 80
	}
	var w world
	w.Partner = h.partner(gems, !spec.NoDNSModule)
	w.Namespace = h.namespace(spec.Namespace)
	w.Channel = h.channel(w.Partner.ID)
	if !spec.Pending {
		w.Channel = h.approve(w.Channel.ID)
	}
	if !spec.NoProduction {
		w.Channel = h.production(w.Channel.ID)
	}
	if !spec.NoListing {
		h.listing(w.Channel.ID, w.Namespace.Name, !spec.PendingListing)
	}
	bound := w.Channel.ID
	if spec.Unbound {
		bound = ""
	}
	w.Key, w.Token = h.key(w.Partner.ID, bound, spec.Scopes...)
	return w
}

// actor authorizes token for command and fails the test when access is refused.
func (h *harness) actor(token string, command core.Command) core.Actor {
	h.t.Helper()
	a, _, err := h.svc.Authorize(h.ctx, token, command)
	if err != nil {
		h.t.Fatalf("Authorize(%s): %v", command, err)
	}
	return a
}

// audit answers every audit event (of one channel, or all when channelID is "").
func (h *harness) audit(channelID string) []core.AuditEvent {
	h.t.Helper()
	var out []core.AuditEvent
	err := h.store.View(h.ctx, func(ctx context.Context, tx ports.Stores) error {
		var err error
		out, err = tx.Audit().Query(ctx, ports.AuditQuery{ChannelID: channelID, Limit: 100_000})
		return err
	})
	if err != nil {
		h.t.Fatalf("audit query: %v", err)
	}
	return out
}

// ledger answers a partner's ledger entries.
func (h *harness) ledger(partnerID string) []core.LedgerEntry {
	h.t.Helper()
	var out []core.LedgerEntry
	err := h.store.View(h.ctx, func(ctx context.Context, tx ports.Stores) error {
		var err error
		out, err = tx.Ledger().ListByPartner(ctx, partnerID)
		return err
	})
	if err != nil {
		h.t.Fatalf("ledger: %v", err)
	}
	return out
}

// do runs fn in one transaction of the store, for tests that seed rows directly.
func (h *harness) do(fn func(ctx context.Context, tx ports.Stores) error) {
	h.t.Helper()
	if err := h.store.Do(h.ctx, fn); err != nil {
		h.t.Fatalf("Do: %v", err)
	}
}

// wantCode fails the test unless err carries the catalog code want ("" for no error).
func wantCode(t *testing.T, err error, want core.Code) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("got no error, want %s", want)
	}
	if got := core.CodeOf(err); got != want {
		t.Fatalf("got %s (%v), want %s", got, err, want)
	}
}

// wantField fails the test unless err is a validation error naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Code != core.CodeValidation || ce.Field != field {
		t.Fatalf("got %v, want validation_error on %s", err, field)
	}
}
