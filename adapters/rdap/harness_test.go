package rdap_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/adapters/rdap"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// The registrant every test registers with: none of it but the country may
// appear in any public answer.
var registrant = core.Registrant{Name: "Zelda Quixotic-Privatename", Organization: "Hiddenorg Holdings",
	Email: "zelda.private@example.org", Phone: "+44.2079460958", Country: "gb",
	Metadata: map[string]string{"customer_ref": "meta-secret-7731"}}

// secrets are the strings no answer may contain.
var secrets = []string{"Zelda", "Quixotic", "Privatename", "Hiddenorg", "zelda.private", "example.org",
	"2079460958", "+44", "meta-secret", "customer_ref"}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// world is a registry over the memory adapters with one approved,
// production-approved registrar in one namespace, served by the RDAP
// transport on a test server.
type world struct {
	t       *testing.T
	ctx     context.Context
	clock   *clock
	svc     *registry.Service
	srv     *httptest.Server
	ns      string
	partner core.Partner
	channel core.Channel
	token   string
	seq     int
}

func newWorld(t *testing.T, opts rdap.Options) *world {
	t.Helper()
	return newWorldOver(t, memory.NewStore(), memory.NewRateCounter(), opts)
}

func newWorldOver(t *testing.T, uow ports.UnitOfWork, rc ports.RateCounter, opts rdap.Options) *world {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	svc := registry.NewService(uow, rc, dns.NewDefaultBackends(), c, core.NewIDs(), registry.Options{})
	if opts.Clock == nil {
		opts.Clock = c.Now
	}
	srv := httptest.NewServer(rdap.NewServer(svc, zerolog.Nop(), opts).Handler())
	t.Cleanup(srv.Close)
	return &world{t: t, ctx: context.Background(), clock: c, svc: svc, srv: srv}
}

// admit creates a partner, a namespace and an approved, listed channel with a key.
func (w *world) admit(slug, ns string, reserved ...string) {
	w.t.Helper()
	w.admitWith(slug, ns, core.PolicyChange{}, reserved...)
}

// admitWith is admit with a namespace policy.
func (w *world) admitWith(slug, ns string, policy core.PolicyChange, reserved ...string) {
	w.t.Helper()
	must := func(err error) {
		w.t.Helper()
		if err != nil {
			w.t.Fatal(err)
		}
	}
	var err error
	w.partner, err = w.svc.CreatePartner(w.ctx, core.CreatePartner{Name: "Registrar " + slug + " Ltd", GemsBalance: 100_000, DNSModuleEnabled: true})
	must(err)
	_, err = w.svc.CreateNamespace(w.ctx, core.CreateNamespace{Name: ns, DNSBackend: core.DNSBackendMemory,
		CreatePriceGems: 10, RenewPriceGems: 8, ReservedLabels: reserved, Policy: policy})
	must(err)
	w.ns = ns
	w.channel, err = w.svc.CreateChannel(w.ctx, core.CreateChannel{PartnerID: w.partner.ID, Slug: slug})
	must(err)
	_, err = w.svc.ApproveChannel(w.ctx, w.channel.ID)
	must(err)
	w.channel, err = w.svc.ApproveProduction(w.ctx, core.ApproveProduction{ChannelID: w.channel.ID, Force: true})
	must(err)
	_, err = w.svc.AddListing(w.ctx, w.channel.ID, ns)
	must(err)
	_, err = w.svc.ApproveListing(w.ctx, w.channel.ID, ns)
	must(err)
	k, err := w.svc.CreateAPIKey(w.ctx, core.CreateAPIKey{PartnerID: w.partner.ID, ChannelID: w.channel.ID, Profile: "registrar_api"})
	must(err)
	w.token = k.Token
}

func (w *world) actor(cmd core.Command) core.Actor {
	w.t.Helper()
	a, _, err := w.svc.Authorize(w.ctx, w.token, cmd)
	if err != nil {
		w.t.Fatalf("authorize %s: %v", cmd, err)
	}
	return a
}

func (w *world) key() string {
	w.seq++
	return fmt.Sprintf("key-%d", w.seq)
}

// create registers label.ns with nameservers and applies the delegation.
func (w *world) create(label string, nameservers ...string) {
	w.t.Helper()
	_, err := w.svc.CreateDomain(w.ctx, w.actor(core.CmdCreateDomain), core.CreateDomain{Mutation: core.Mutation{IdempotencyKey: w.key()},
		Domain: label + "." + w.ns, Years: 2, Registrant: registrant, Nameservers: nameservers})
	if err != nil {
		w.t.Fatalf("create %s: %v", label, err)
	}
	w.applyPending()
}

func (w *world) applyPending() {
	w.t.Helper()
	items, err := w.svc.ListPending(w.ctx, core.PendingFilter{})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, it := range items {
		if _, err := w.svc.ApplyPending(w.ctx, it.ID); err != nil {
			w.t.Fatalf("apply %s: %v", it.ID, err)
		}
	}
}

func (w *world) delete(label string) {
	w.t.Helper()
	_, err := w.svc.DeleteDomain(w.ctx, w.actor(core.CmdDeleteDomain), core.DeleteDomain{Mutation: core.Mutation{IdempotencyKey: w.key()},
		Domain: label + "." + w.ns})
	if err != nil {
		w.t.Fatalf("delete %s: %v", label, err)
	}
}

// answer is one HTTP exchange.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, a.body)
	}
	return m
}

func (w *world) do(method, path string) answer {
	w.t.Helper()
	req, err := http.NewRequest(method, w.srv.URL+path, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/rdap+json")
	res, err := w.srv.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return answer{status: res.StatusCode, header: res.Header, body: body}
}
