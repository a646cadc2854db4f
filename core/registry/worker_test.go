package registry_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// fakeDNS is a DNS backend whose behaviour tests set with function fields;
// it records every call.
type fakeDNS struct {
	caps           core.DNSCapabilities
	setDelegation  func(ctx context.Context, name core.Name, ns []string) error
	replaceRecords func(ctx context.Context, name core.Name, recs []core.Record) error

	mu    sync.Mutex
	calls []string // "delegate alice.ns a.example,b.example", "records alice.ns 0"
}

func newFakeDNS() *fakeDNS {
	return &fakeDNS{caps: core.DNSCapabilities{Kind: core.DNSBackendRFC2136, Read: true, Write: true, Delegate: true, RecordTypes: core.RecordTypes}}
}

func (f *fakeDNS) record(s string) {
	f.mu.Lock()
	f.calls = append(f.calls, s)
	f.mu.Unlock()
}

func (f *fakeDNS) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeDNS) Capabilities() core.DNSCapabilities { return f.caps }

func (f *fakeDNS) ReadRecords(context.Context, core.Name) ([]core.Record, error) {
	return []core.Record{}, nil
}

func (f *fakeDNS) ReplaceRecords(ctx context.Context, name core.Name, recs []core.Record) error {
	f.record(fmt.Sprintf("records %s %d", name, len(recs)))
	if f.replaceRecords != nil {
		return f.replaceRecords(ctx, name, recs)
	}
	return nil
}

func (f *fakeDNS) SetDelegation(ctx context.Context, name core.Name, ns []string) error {
	f.record("delegate " + name.String() + " " + strings.Join(ns, ","))
	if f.setDelegation != nil {
		return f.setDelegation(ctx, name, ns)
	}
	return nil
}

// newWorkerHarness is newHarness over the given DNS backends.
func newWorkerHarness(t *testing.T, backends ports.DNSBackends) *harness {
	t.Helper()
	st := memory.NewStore()
	clock := &testClock{t: harnessStart}
	svc := registry.NewService(st, memory.NewRateCounter(), backends, clock, core.NewIDs(), registry.Options{})
	return &harness{t: t, ctx: context.Background(), store: st, svc: svc, clock: clock}
}

// rfc2136World is a registrar whose namespace uses the rfc2136 kind, served by fake.
func rfc2136World(t *testing.T, fake *fakeDNS) (*harness, world) {
	t.Helper()
	h := newWorkerHarness(t, dns.NewBackends(map[string]ports.DNSBackend{core.DNSBackendRFC2136: fake}))
	return h, h.registrar(worldSpec{Namespace: namespaceSpec{Backend: core.DNSBackendRFC2136}})
}

// setNameservers sends update_nameservers and returns the queued item's id.
func (h *harness) setNameservers(w world, domain string, ns ...string) string {
	h.t.Helper()
	out, err := h.svc.UpdateNameservers(h.ctx, h.actor(w.Token, core.CmdUpdateNameservers),
		core.UpdateNameservers{Mutation: core.Mutation{IdempotencyKey: h.unique("ns")}, Domain: domain, Nameservers: ns})
	if err != nil {
		h.t.Fatalf("UpdateNameservers: %v", err)
	}
	if out.PendingID == "" {
		h.t.Fatalf("UpdateNameservers queued no work")
	}
	return out.PendingID
}

func (h *harness) pendingItem(id string) core.PendingItem {
	h.t.Helper()
	var p core.PendingItem
	h.do(func(ctx context.Context, tx ports.Stores) error {
		var err error
		p, err = tx.Pending().Get(ctx, id)
		return err
	})
	return p
}

func (h *harness) domain(name string) core.Domain {
	h.t.Helper()
	var d core.Domain
	h.do(func(ctx context.Context, tx ports.Stores) error {
		var err error
		d, err = tx.Domains().GetByName(ctx, core.MustName(name))
		return err
	})
	return d
}

// applyDue runs one batch and checks the counts.
func (h *harness) applyDue(wantApplied, wantFailed int) []registry.ApplyResult {
	h.t.Helper()
	res, err := h.svc.ApplyBatch(h.ctx, 50)
	if err != nil {
		h.t.Fatalf("ApplyBatch: %v", err)
	}
	applied, failed := 0, 0
	for _, r := range res {
		switch r.Outcome {
		case registry.ApplyOutcomeApplied:
			applied++
		case registry.ApplyOutcomeFailed:
			failed++
		}
	}
	if applied != wantApplied || failed != wantFailed {
		h.t.Fatalf("applied %d, failed %d; want %d, %d (results %+v)", applied, failed, wantApplied, wantFailed, res)
	}
	return res
}

func TestApplyDueDelegatesAndRecordsAppliedNameservers(t *testing.T) {
	fake := newFakeDNS()
	h, w := rfc2136World(t, fake)
	domain := "alice." + w.Namespace.Name
	h.create(w, "alice")
	id := h.setNameservers(w, domain, "ns2.example.net", "NS1.example.net")

	if d := h.domain(domain); d.ApplyStatus != core.ApplyPending {
		t.Fatalf("before apply: apply_status %s, want pending", d.ApplyStatus)
	}
	applied, failed, err := h.svc.ApplyDue(h.ctx, 10)
	if err != nil || applied != 1 || failed != 0 {
		t.Fatalf("ApplyDue = %d, %d, %v; want 1, 0, nil", applied, failed, err)
	}
	if got, want := fake.Calls(), []string{"delegate " + domain + " ns1.example.net,ns2.example.net"}; !slices.Equal(got, want) {
		t.Fatalf("backend calls %q, want %q", got, want)
	}
	p := h.pendingItem(id)
	if p.Status != core.PendingApplied || p.Attempts != 1 || p.Reason != "" {
		t.Fatalf("item after apply: %+v", p)
	}
	d := h.domain(domain)
	if !slices.Equal(d.NameserversApplied, []string{"ns1.example.net", "ns2.example.net"}) || d.ApplyStatus != core.ApplyApplied {
		t.Fatalf("domain after apply: applied %v, status %s", d.NameserversApplied, d.ApplyStatus)
	}
	// Applied work leaves the registrar's pending list, and nothing is due.
	items, err := h.svc.BackendPending(h.ctx, h.actor(w.Token, core.CmdBackendPending), core.PendingFilter{})
	if err != nil || len(items) != 0 {
		t.Fatalf("BackendPending = %v, %v; want empty", items, err)
	}
	h.applyDue(0, 0)
	if n := len(fake.Calls()); n != 1 {
		t.Fatalf("a second batch called the backend again (%d calls)", n)
	}
}

func TestApplyDueRetriesWithBackoffThenFails(t *testing.T) {
	fake := newFakeDNS()
	fake.setDelegation = func(context.Context, core.Name, []string) error {
		return fmt.Errorf("dns update: server 127.0.0.1:53 did not answer: %w: connection refused", ports.ErrUnavailable)
	}
	h, w := rfc2136World(t, fake)
	domain := "bob." + w.Namespace.Name
	h.create(w, "bob")
	id := h.setNameservers(w, domain, "ns1.example.net")

	wantWaits := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second,
		80 * time.Second, 160 * time.Second, 320 * time.Second}
	for i, wait := range wantWaits {
		res := h.applyDue(0, 0)
		if len(res) != 1 || res[0].Outcome != registry.ApplyOutcomeRetry || !errors.Is(res[0].Err, ports.ErrUnavailable) {
			t.Fatalf("attempt %d: results %+v, want one retry", i+1, res)
		}
		p := h.pendingItem(id)
		if p.Status != core.PendingQueued || p.Attempts != i+1 || !p.NextTryAt.Equal(h.now().Add(wait)) {
			t.Fatalf("attempt %d: item %+v; want pending, attempts %d, next try in %s", i+1, p, i+1, wait)
		}
		if strings.Contains(p.Reason, "127.0.0.1") || !strings.Contains(p.Reason, "did not answer") {
			t.Fatalf("attempt %d: reason %q should say the backend did not answer, without its address", i+1, p.Reason)
		}
		if d := h.domain(domain); d.ApplyStatus != core.ApplyPending {
			t.Fatalf("attempt %d: apply_status %s, want pending while retrying", i+1, d.ApplyStatus)
		}
		// Not due before its time: the backend is not called.
		h.advance(wait - time.Second)
		h.applyDue(0, 0)
		if n := len(fake.Calls()); n != i+1 {
			t.Fatalf("attempt %d: %d backend calls, want %d (an item was tried before its time)", i+1, n, i+1)
		}
		h.advance(time.Second)
	}
	h.applyDue(0, 1)
	p := h.pendingItem(id)
	if p.Status != core.PendingFailed || p.Attempts != registry.ApplyMaxAttempts ||
		!strings.HasPrefix(p.Reason, fmt.Sprintf("gave up after %d attempts", registry.ApplyMaxAttempts)) {
		t.Fatalf("after the last attempt: %+v", p)
	}
	if n := len(fake.Calls()); n != registry.ApplyMaxAttempts {
		t.Fatalf("%d backend calls, want %d", n, registry.ApplyMaxAttempts)
	}
	d := h.domain(domain)
	if d.ApplyStatus != core.ApplyFailed || len(d.NameserversApplied) != 0 {
		t.Fatalf("domain after giving up: status %s, applied %v", d.ApplyStatus, d.NameserversApplied)
	}
}

func TestApplyBackoffDoublesUpToTheCap(t *testing.T) {
	for n, want := range map[int]time.Duration{
		0: 5 * time.Second, 1: 5 * time.Second, 2: 10 * time.Second, 7: 320 * time.Second,
		8: registry.ApplyMaxBackoff, 9: registry.ApplyMaxBackoff, 64: registry.ApplyMaxBackoff,
	} {
		if got := registry.ApplyBackoff(n); got != want {
			t.Errorf("ApplyBackoff(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestApplyDueFailsOnRefusal(t *testing.T) {
	fake := newFakeDNS()
	refusal := errors.New("dns update of zone x. refused: NOTAUTH (TSIG BADSIG: the server rejected the key's signature; check the TSIG secret)")
	fake.setDelegation = func(context.Context, core.Name, []string) error { return refusal }
	h, w := rfc2136World(t, fake)
	domain := "carol." + w.Namespace.Name
	h.create(w, "carol")
	id := h.setNameservers(w, domain, "ns1.example.net")

	res := h.applyDue(0, 1)
	if !errors.Is(res[0].Err, refusal) {
		t.Fatalf("result error %v, want the backend's", res[0].Err)
	}
	p := h.pendingItem(id)
	if p.Status != core.PendingFailed || p.Attempts != 1 || !strings.Contains(p.Reason, "NOTAUTH") || !strings.Contains(p.Reason, "BADSIG") {
		t.Fatalf("item after a refusal: %+v", p)
	}
	d := h.domain(domain)
	if d.ApplyStatus != core.ApplyFailed || len(d.NameserversApplied) != 0 ||
		!slices.Equal(d.NameserversDesired, []string{"ns1.example.net"}) {
		t.Fatalf("domain after a refusal: %+v", d)
	}
	// Failed work is settled: never tried again.
	h.advance(time.Hour)
	h.applyDue(0, 0)
	if n := len(fake.Calls()); n != 1 {
		t.Fatalf("%d backend calls, want 1", n)
	}
}

func TestApplyDueSparesABackendThatDidNotAnswer(t *testing.T) {
	fake := newFakeDNS()
	fake.setDelegation = func(context.Context, core.Name, []string) error {
		return fmt.Errorf("timeout: %w", ports.ErrUnavailable)
	}
	h, w := rfc2136World(t, fake)
	var ids []string
	for _, l := range []string{"d1", "d2", "d3"} {
		h.create(w, l)
		ids = append(ids, h.setNameservers(w, l+"."+w.Namespace.Name, "ns1.example.net"))
	}
	res := h.applyDue(0, 0)
	if len(res) != 3 {
		t.Fatalf("results %+v, want 3", res)
	}
	if n := len(fake.Calls()); n != 1 {
		t.Fatalf("%d backend calls in one batch, want 1: the others wait for the next batch", n)
	}
	for _, id := range ids {
		if p := h.pendingItem(id); p.Attempts != 1 || !p.NextTryAt.Equal(h.now().Add(registry.ApplyBaseBackoff)) {
			t.Fatalf("item %s: %+v, want attempt 1 and the first backoff", id, p)
		}
	}
}

func TestApplyDueWithdrawsACancelledRegistration(t *testing.T) {
	fake := newFakeDNS()
	h, w := rfc2136World(t, fake)
	domain := "dave." + w.Namespace.Name
	h.create(w, "dave")
	h.setNameservers(w, domain, "ns1.example.net")
	h.applyDue(1, 0)

	out, err := h.svc.DeleteDomain(h.ctx, h.actor(w.Token, core.CmdDeleteDomain),
		core.DeleteDomain{Mutation: core.Mutation{IdempotencyKey: h.unique("del")}, Domain: domain})
	if err != nil || out.PendingID == "" {
		t.Fatalf("DeleteDomain = %+v, %v", out, err)
	}
	h.applyDue(1, 0)
	want := []string{"delegate " + domain + " ns1.example.net", "records " + domain + " 0", "delegate " + domain + " "}
	if got := fake.Calls(); !slices.Equal(got, want) {
		t.Fatalf("backend calls %q, want %q", got, want)
	}
	if p := h.pendingItem(out.PendingID); p.Status != core.PendingApplied {
		t.Fatalf("delete item: %+v", p)
	}
}

func TestANameRegisteredAgainStartsClean(t *testing.T) {
	fake := newFakeDNS()
	h, w := rfc2136World(t, fake)
	domain := "erin." + w.Namespace.Name
	h.create(w, "erin")
	del, err := h.svc.DeleteDomain(h.ctx, h.actor(w.Token, core.CmdDeleteDomain),
		core.DeleteDomain{Mutation: core.Mutation{IdempotencyKey: h.unique("del")}, Domain: domain})
	if err != nil || !del.Freed {
		t.Fatalf("DeleteDomain in add grace = %+v, %v; want the name freed", del, err)
	}
	// The name is registered again before the worker ran the purge: the
	// create purges it first, so the new registration starts with nothing.
	h.create(w, "erin")
	if got, want := fake.Calls(), []string{"records " + domain + " 0", "delegate " + domain + " "}; !slices.Equal(got, want) {
		t.Fatalf("backend calls at the create %q, want %q", got, want)
	}
	if p := h.pendingItem(del.PendingID); p.Status != core.PendingApplied || !strings.Contains(p.Reason, "registered again") {
		t.Fatalf("the old registration's purge: %+v", p)
	}
	id := h.setNameservers(w, domain, "ns9.example.net")
	h.applyDue(1, 0)
	if got := fake.Calls(); got[len(got)-1] != "delegate "+domain+" ns9.example.net" {
		t.Fatalf("backend calls %q", got)
	}
	if p := h.pendingItem(id); p.Status != core.PendingApplied {
		t.Fatalf("new registration's item: %+v", p)
	}
}

func TestApplyDueWithoutDNSIsANoOp(t *testing.T) {
	called := false
	backends := dns.NewBackends(map[string]ports.DNSBackend{core.DNSBackendRFC2136: &fakeDNS{
		setDelegation: func(context.Context, core.Name, []string) error { called = true; return nil },
	}})
	h := newWorkerHarness(t, backends)
	w := h.registrar(worldSpec{Namespace: namespaceSpec{Backend: core.DNSBackendNone}})
	domain := "frank." + w.Namespace.Name
	h.create(w, "frank")
	id := h.setNameservers(w, domain, "ns1.example.net")

	res := h.applyDue(1, 0)
	if called {
		t.Fatal("a namespace without DNS reached a backend")
	}
	if !strings.Contains(res[0].Reason, "no DNS backend") {
		t.Fatalf("result %+v, want the no-DNS note", res[0])
	}
	if p := h.pendingItem(id); p.Status != core.PendingApplied || !strings.Contains(p.Reason, "nothing to delegate") {
		t.Fatalf("item: %+v", p)
	}
	if d := h.domain(domain); !slices.Equal(d.NameserversApplied, []string{"ns1.example.net"}) || d.ApplyStatus != core.ApplyApplied {
		t.Fatalf("domain: applied %v, status %s", d.NameserversApplied, d.ApplyStatus)
	}
}

func TestApplyDueWaitsForAMissingDriver(t *testing.T) {
	// The namespace chose rfc2136 but this deployment has no such driver:
	// the work waits (and eventually fails) instead of pretending to apply.
	h := newWorkerHarness(t, dns.NewDefaultBackends())
	w := h.registrar(worldSpec{Namespace: namespaceSpec{Backend: core.DNSBackendRFC2136}})
	domain := "gina." + w.Namespace.Name
	h.create(w, "gina")
	id := h.setNameservers(w, domain, "ns1.example.net")

	res := h.applyDue(0, 0)
	if res[0].Outcome != registry.ApplyOutcomeRetry {
		t.Fatalf("result %+v, want retry", res[0])
	}
	if p := h.pendingItem(id); p.Status != core.PendingQueued || !strings.Contains(p.Reason, "not available in this deployment") {
		t.Fatalf("item: %+v", p)
	}
}

func TestApplyDueThroughTheMemoryDriver(t *testing.T) {
	mem := dns.NewMemoryBackend()
	h := newWorkerHarness(t, dns.NewBackends(map[string]ports.DNSBackend{core.DNSBackendMemory: mem}))
	w := h.registrar(worldSpec{})
	domain := "hank." + w.Namespace.Name
	h.create(w, "hank")
	h.setNameservers(w, domain, "ns1.example.net", "ns2.example.net")
	h.applyDue(1, 0)
	if got := mem.Delegation(core.MustName(domain)); !slices.Equal(got, []string{"ns1.example.net", "ns2.example.net"}) {
		t.Fatalf("memory delegation %v", got)
	}
}

func TestApplyDueLeavesUnknownWorkToOperators(t *testing.T) {
	fake := newFakeDNS()
	h, w := rfc2136World(t, fake)
	h.create(w, "ivan")
	item := core.PendingItem{ID: "pnd_transfer", ChannelID: w.Channel.ID, Command: "transfer_domain",
		Domain: "ivan." + w.Namespace.Name, Payload: map[string]any{}, Status: core.PendingQueued,
		NextTryAt: h.now(), CreatedAt: h.now(), UpdatedAt: h.now()}
	h.do(func(ctx context.Context, tx ports.Stores) error { return tx.Pending().Insert(ctx, item) })

	res := h.applyDue(0, 0)
	if len(res) != 1 || res[0].Outcome != registry.ApplyOutcomeLeft {
		t.Fatalf("results %+v, want the item left", res)
	}
	p := h.pendingItem(item.ID)
	if p.Status != core.PendingQueued || p.Attempts != 0 || !p.NextTryAt.After(h.now()) {
		t.Fatalf("left item: %+v", p)
	}
	if len(fake.Calls()) != 0 {
		t.Fatal("unknown work reached the backend")
	}
	// An operator still settles it by hand.
	if _, err := h.svc.ApplyPending(h.ctx, item.ID); err != nil {
		t.Fatalf("ApplyPending: %v", err)
	}
}

func TestApplyDueStoppingKeepsTheWorkDue(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	fake := newFakeDNS()
	fake.setDelegation = func(context.Context, core.Name, []string) error {
		cancel() // the worker is told to stop while the backend works
		return fmt.Errorf("interrupted: %w", ports.ErrUnavailable)
	}
	h, w := rfc2136World(t, fake)
	domain := "jane." + w.Namespace.Name
	h.create(w, "jane")
	id := h.setNameservers(w, domain, "ns1.example.net")

	if _, err := h.svc.ApplyBatch(ctx, 10); err == nil {
		t.Fatal("ApplyBatch succeeded although its context ended")
	}
	if p := h.pendingItem(id); p.Status != core.PendingQueued || p.Attempts != 0 || !p.NextTryAt.Equal(p.CreatedAt) {
		t.Fatalf("item after a stop: %+v; want it untouched and due", p)
	}
}

func TestRetryPendingRequeuesFailedLifecycleWork(t *testing.T) {
	fake := newFakeDNS()
	h, w := rfc2136World(t, fake)
	domain := "fay." + w.Namespace.Name
	h.create(w, "fay")
	h.advance(6 * 24 * time.Hour)
	out, err := h.svc.DeleteDomain(h.ctx, h.actor(w.Token, core.CmdDeleteDomain),
		core.DeleteDomain{Mutation: core.Mutation{IdempotencyKey: h.unique("del")}, Domain: domain})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.RetryPending(h.ctx, out.PendingID)
	wantCode(t, err, core.CodeValidation) // still pending: nothing to retry
	if _, err := h.svc.FailPending(h.ctx, out.PendingID, "the zone was misconfigured"); err != nil {
		t.Fatal(err)
	}
	p, err := h.svc.RetryPending(h.ctx, out.PendingID)
	if err != nil || p.Status != core.PendingQueued || p.Attempts != 0 || !strings.Contains(p.Reason, "misconfigured") {
		t.Fatalf("retry: %+v %v", p, err)
	}
	h.applyDue(1, 0)
	if got := fake.Calls(); got[len(got)-1] != "delegate "+domain+" " {
		t.Fatalf("the retried withdrawal was not applied: %q", got)
	}
	_, err = h.svc.RetryPending(h.ctx, "pnd_missing")
	wantCode(t, err, core.CodeNotFound)
}
