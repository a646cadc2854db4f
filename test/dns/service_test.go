package dns

import (
	"errors"
	"net"
	"slices"
	"strings"
	"testing"

	miekgdns "github.com/miekg/dns"

	dnsadapter "github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/dns/rfc2136"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// The registry end to end over a real DNS server: the registry service on
// the memory store, its rfc2136 namespace served by the test server.

const workerZone = "dnsworker."

// rfc2136Registry is a registrar on a service whose rfc2136 driver uses cfg.
func rfc2136Registry(t *testing.T, s server, cfg rfc2136.Config) *registrar {
	t.Helper()
	backends := dnsadapter.NewBackends(map[string]ports.DNSBackend{core.DNSBackendRFC2136: newDriver(t, cfg)})
	svc := newService(memory.NewStore(), memory.NewRateCounter(), backends)
	return newRegistrar(t, svc, s.namespace(t, workerZone), core.DNSBackendRFC2136)
}

func TestServiceRecordsAndDelegationReachDNS(t *testing.T) {
	s := requireServer(t)
	r := rfc2136Registry(t, s, s.config())
	ctx := t.Context()
	name := r.create("svc")
	apex := name.String()

	// PUT records: applied at once, in one update.
	if err := r.putRecords(name,
		core.Record{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.30"},
		core.Record{Type: "TXT", Name: "@", TTL: 300, Value: "hello from the registry"},
		core.Record{Type: "CNAME", Name: "www", TTL: 300, Value: apex}); err != nil {
		t.Fatalf("UpdateRecords: %v", err)
	}
	if got := s.answer(t, apex, miekgdns.TypeA); !slices.Equal(got, []string{"192.0.2.30"}) {
		t.Fatalf("A %s = %v", apex, got)
	}
	if got := s.answer(t, "www."+apex, miekgdns.TypeCNAME); !slices.Equal(got, []string{apex + "."}) {
		t.Fatalf("CNAME www = %v", got)
	}
	view, err := r.svc.ReadRecords(ctx, r.actor(core.CmdReadRecords), apex)
	if err != nil || len(view.Records) != 3 || view.Backend.Kind != rfc2136.Kind {
		t.Fatalf("ReadRecords = %+v, %v", view, err)
	}
	// PUT again replaces.
	if err := r.putRecords(name, core.Record{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.31"}); err != nil {
		t.Fatalf("UpdateRecords again: %v", err)
	}
	if got := s.answer(t, apex, miekgdns.TypeA); !slices.Equal(got, []string{"192.0.2.31"}) {
		t.Fatalf("A after the second PUT = %v", got)
	}
	if got := rdata(s.query(t, "www."+apex, miekgdns.TypeCNAME).Answer, miekgdns.TypeCNAME); len(got) != 0 {
		t.Fatalf("www still answers %v after the second PUT", got)
	}

	// Nameservers: pending until the worker runs.
	id := r.setNameservers(name, "ns2.example.net", "ns1.example.net")
	if v := r.info(name); v.ApplyStatus != core.ApplyPending || len(v.NameserversApplied) != 0 {
		t.Fatalf("before the worker: %s, applied %v", v.ApplyStatus, v.NameserversApplied)
	}
	if got := rdata(s.query(t, apex, miekgdns.TypeNS).Ns, miekgdns.TypeNS); len(got) != 0 {
		t.Fatalf("NS before the worker ran: %v", got)
	}
	applied, failed, err := r.svc.ApplyDue(ctx, 10)
	if err != nil || applied != 1 || failed != 0 {
		t.Fatalf("ApplyDue = %d, %d, %v; want 1, 0, nil", applied, failed, err)
	}
	ref := s.query(t, apex, miekgdns.TypeA)
	if ref.Authoritative || len(ref.Answer) != 0 {
		t.Fatalf("A %s after the delegation: %v (aa %v), want a referral", apex, ref.Answer, ref.Authoritative)
	}
	if got := rdata(ref.Ns, miekgdns.TypeNS); !slices.Equal(got, []string{"ns1.example.net.", "ns2.example.net."}) {
		t.Fatalf("referral NS = %v", got)
	}
	if it := r.pending(id, core.PendingApplied); it.Attempts != 1 {
		t.Fatalf("applied item: %+v", it)
	}
	v := r.info(name)
	if v.ApplyStatus != core.ApplyApplied || !slices.Equal(v.NameserversApplied, v.NameserversDesired) ||
		!slices.Equal(v.NameserversApplied, []string{"ns1.example.net", "ns2.example.net"}) {
		t.Fatalf("after the worker: %s, desired %v, applied %v", v.ApplyStatus, v.NameserversDesired, v.NameserversApplied)
	}

	// Delete: the worker withdraws the registration from the zone.
	out, err := r.svc.DeleteDomain(ctx, r.actor(core.CmdDeleteDomain), core.DeleteDomain{
		Mutation: core.Mutation{IdempotencyKey: r.key()}, Domain: apex})
	if err != nil || out.PendingID == "" {
		t.Fatalf("DeleteDomain = %+v, %v", out, err)
	}
	if applied, failed, err := r.svc.ApplyDue(ctx, 10); err != nil || applied != 1 || failed != 0 {
		t.Fatalf("ApplyDue(delete) = %d, %d, %v", applied, failed, err)
	}
	if q := s.query(t, apex, miekgdns.TypeA); q.Rcode != miekgdns.RcodeNameError || !q.Authoritative {
		t.Fatalf("%s after the withdrawal: %s %v, want an authoritative NXDOMAIN", apex, miekgdns.RcodeToString[q.Rcode], q.Ns)
	}
}

func TestServiceWrongTSIGSecretFailsTheItem(t *testing.T) {
	s := requireServer(t)
	cfg := s.config()
	cfg.TSIGSecret = randomSecret()
	r := rfc2136Registry(t, s, cfg)
	ctx := t.Context()
	name := r.create("badsvc")
	apex := name.String()

	id := r.setNameservers(name, "ns1.example.net")
	res, err := r.svc.ApplyBatch(ctx, 10)
	if err != nil || len(res) != 1 || res[0].Outcome != registry.ApplyOutcomeFailed {
		t.Fatalf("ApplyBatch = %+v, %v; want one failed item", res, err)
	}
	it := r.pending(id, core.PendingFailed)
	for _, want := range []string{"NOTAUTH", "BADSIG", "secret", workerZone} {
		if !strings.Contains(it.Reason, want) {
			t.Fatalf("failed item's reason %q lacks %q", it.Reason, want)
		}
	}
	if strings.Contains(it.Reason, cfg.TSIGSecret) {
		t.Fatal("the reason shows the secret")
	}
	v := r.info(name)
	if v.ApplyStatus != core.ApplyFailed || len(v.NameserversApplied) != 0 {
		t.Fatalf("domain after the failure: %s, applied %v", v.ApplyStatus, v.NameserversApplied)
	}
	// Nothing changed in DNS: no delegation.
	if q := s.query(t, apex, miekgdns.TypeNS); len(q.Answer) != 0 || len(rdata(q.Ns, miekgdns.TypeNS)) != 0 {
		t.Fatalf("NS %s after a refused update: %v / %v", apex, q.Answer, q.Ns)
	}
	// A records PUT is refused too and leaves nothing behind.
	if err := r.putRecords(name, core.Record{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.40"}); err == nil {
		t.Fatal("UpdateRecords with a wrong TSIG secret succeeded")
	}
	if q := s.query(t, apex, miekgdns.TypeA); len(q.Answer) != 0 {
		t.Fatalf("A %s after a refused PUT: %v", apex, q.Answer)
	}
}

func TestServiceUnansweredDNSIsRetryable(t *testing.T) {
	s := requireServer(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.config()
	cfg.Server = l.Addr().String()
	_ = l.Close() // nothing listens there any more
	r := rfc2136Registry(t, s, cfg)
	name := r.create("down")

	err = r.putRecords(name, core.Record{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.50"})
	if core.CodeOf(err) != core.CodeBackendUnavailable || !core.SpecOf(core.CodeOf(err)).Retryable {
		t.Fatalf("UpdateRecords against a dead server: %v, want a retryable backend_unavailable", err)
	}
	// Nothing was recorded as success: the audit has no successful update_records.
	page, err := r.svc.Poll(t.Context(), r.actor(core.CmdPoll), core.PollFilter{Command: string(core.CmdUpdateRecords), Status: core.AuditSuccess})
	if err != nil || len(page.Events) != 0 {
		t.Fatalf("Poll(update_records, success) = %+v, %v; want none", page.Events, err)
	}

	id := r.setNameservers(name, "ns1.example.net")
	res, err := r.svc.ApplyBatch(t.Context(), 10)
	if err != nil || len(res) != 1 || res[0].Outcome != registry.ApplyOutcomeRetry || !errors.Is(res[0].Err, ports.ErrUnavailable) {
		t.Fatalf("ApplyBatch = %+v, %v; want one retry", res, err)
	}
	if it := r.pending(id, core.PendingQueued); it.Attempts != 1 || strings.Contains(it.Reason, cfg.Server) {
		t.Fatalf("item after an unanswered attempt: %+v", it)
	}
}
