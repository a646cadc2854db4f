package dns

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/headlessdomains/registry/core"
)

func prio(n int) *int { return &n }

func sampleRecords() []core.Record {
	return []core.Record{
		{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.1"},
		{Type: "AAAA", Name: "www", TTL: 300, Value: "2001:db8::1"},
		{Type: "MX", Name: "@", TTL: 3600, Value: "mail.example.net", Priority: prio(10)},
		{Type: "TXT", Name: "@", TTL: 60, Value: "v=spf1 -all"},
		{Type: "SRV", Name: "_sip._tcp", TTL: 60, Value: "5 5060 sip.example.net", Priority: prio(1)},
		{Type: "CAA", Name: "@", TTL: 60, Value: `0 issue "letsencrypt.org"`},
		{Type: "CNAME", Name: "blog", TTL: 60, Value: "host.example.net"},
	}
}

func read(t *testing.T, m *MemoryBackend, n core.Name) []core.Record {
	t.Helper()
	got, err := m.ReadRecords(t.Context(), n)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestMemoryCapabilities(t *testing.T) {
	c := NewMemoryBackend().Capabilities()
	want := core.DNSCapabilities{Kind: "memory", Read: true, Write: true, Delegate: true,
		RecordTypes: []string{"A", "AAAA", "CNAME", "MX", "TXT", "CAA", "SRV"}}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("capabilities %+v, want %+v", c, want)
	}
	c.RecordTypes[0] = "changed"
	if NewMemoryBackend().Capabilities().RecordTypes[0] != "A" {
		t.Errorf("capabilities share memory with core.RecordTypes")
	}
}

func TestMemoryRecordsReplaceWhole(t *testing.T) {
	m := NewMemoryBackend()
	alice, bob := core.MustName("alice.defiwallet"), core.MustName("bob.defiwallet")
	if got := read(t, m, alice); got == nil || len(got) != 0 {
		t.Fatalf("records of an unknown name: %#v, want an empty list", got)
	}
	if err := m.ReplaceRecords(t.Context(), alice, sampleRecords()); err != nil {
		t.Fatal(err)
	}
	if got := read(t, m, alice); !reflect.DeepEqual(got, sampleRecords()) {
		t.Fatalf("records read back:\n%+v\nwant\n%+v", got, sampleRecords())
	}
	if got := read(t, m, bob); len(got) != 0 {
		t.Fatalf("another name sees %d records", len(got))
	}
	one := []core.Record{{Type: "TXT", Name: "@", TTL: 120, Value: "only"}}
	if err := m.ReplaceRecords(t.Context(), alice, one); err != nil {
		t.Fatal(err)
	}
	if got := read(t, m, alice); !reflect.DeepEqual(got, one) {
		t.Fatalf("after replacement: %+v, want only %+v", got, one)
	}
	if err := m.ReplaceRecords(t.Context(), alice, nil); err != nil {
		t.Fatal(err)
	}
	if got := read(t, m, alice); len(got) != 0 {
		t.Fatalf("after replacing with none: %+v", got)
	}
}

func TestMemoryRefusesUnsupportedTypes(t *testing.T) {
	m := NewMemoryBackend()
	n := core.MustName("alice.defiwallet")
	if err := m.ReplaceRecords(t.Context(), n, sampleRecords()[:1]); err != nil {
		t.Fatal(err)
	}
	bad := append(sampleRecords(), core.Record{Type: "NS", Name: "sub", TTL: 60, Value: "ns.example.net"})
	err := m.ReplaceRecords(t.Context(), n, bad)
	if core.CodeOf(err) != core.CodeValidation {
		t.Fatalf("NS record: want validation_error, got %v", err)
	}
	if got := read(t, m, n); !reflect.DeepEqual(got, sampleRecords()[:1]) {
		t.Errorf("a refused replacement changed the records: %+v", got)
	}
}

func TestMemoryRecordsAreCopies(t *testing.T) {
	m := NewMemoryBackend()
	n := core.MustName("alice.defiwallet")
	in := sampleRecords()
	if err := m.ReplaceRecords(t.Context(), n, in); err != nil {
		t.Fatal(err)
	}
	*in[2].Priority = 99
	in[0].Value = "changed"
	out := read(t, m, n)
	*out[4].Priority = 77
	out[1].Value = "changed"
	if got := read(t, m, n); !reflect.DeepEqual(got, sampleRecords()) {
		t.Errorf("stored records changed through caller memory: %+v", got)
	}
}

func TestMemoryDelegation(t *testing.T) {
	m := NewMemoryBackend()
	n := core.MustName("alice.defiwallet")
	if got := m.Delegation(n); got != nil {
		t.Fatalf("delegation of an unknown name: %v", got)
	}
	ns := []string{"ns1.example.net", "ns2.example.net"}
	if err := m.SetDelegation(t.Context(), n, ns); err != nil {
		t.Fatal(err)
	}
	ns[0] = "changed.example.net"
	if got := m.Delegation(n); !slices.Equal(got, []string{"ns1.example.net", "ns2.example.net"}) {
		t.Fatalf("delegation %v", got)
	}
	m.Delegation(n)[0] = "changed.example.net"
	if err := m.ReplaceRecords(t.Context(), n, sampleRecords()); err != nil {
		t.Fatal(err)
	}
	if got := m.Delegation(n); !slices.Equal(got, []string{"ns1.example.net", "ns2.example.net"}) {
		t.Fatalf("delegation after a records update: %v", got)
	}
	if err := m.SetDelegation(t.Context(), n, []string{"ns3.example.org"}); err != nil {
		t.Fatal(err)
	}
	if got := m.Delegation(n); !slices.Equal(got, []string{"ns3.example.org"}) {
		t.Fatalf("replaced delegation %v", got)
	}
	if err := m.SetDelegation(t.Context(), n, nil); err != nil {
		t.Fatal(err)
	}
	if got := m.Delegation(n); got != nil {
		t.Fatalf("delegation after removal: %v", got)
	}
	if got := read(t, m, n); !reflect.DeepEqual(got, sampleRecords()) {
		t.Errorf("removing the delegation changed the records: %+v", got)
	}
}

func TestMemoryHonoursContext(t *testing.T) {
	m := NewMemoryBackend()
	n := core.MustName("alice.defiwallet")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := m.ReadRecords(ctx, n); err == nil {
		t.Errorf("ReadRecords with a cancelled context succeeded")
	}
	if err := m.ReplaceRecords(ctx, n, sampleRecords()); err == nil {
		t.Errorf("ReplaceRecords with a cancelled context succeeded")
	}
	if err := m.SetDelegation(ctx, n, []string{"ns1.example.net"}); err == nil {
		t.Errorf("SetDelegation with a cancelled context succeeded")
	}
	if len(read(t, m, n)) != 0 || m.Delegation(n) != nil {
		t.Errorf("a cancelled call changed the zone")
	}
}

// TestMemoryConcurrentUse is meant for -race: writers and readers on shared
// and separate names at once. Every read sees one whole replacement.
func TestMemoryConcurrentUse(t *testing.T) {
	m := NewMemoryBackend()
	shared := core.MustName("shared.defiwallet")
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 50 {
		own := core.MustName(fmt.Sprintf("n%d.defiwallet", i))
		wg.Go(func() {
			recs := []core.Record{{Type: "TXT", Name: "@", TTL: 60, Value: fmt.Sprint(i)}, {Type: "TXT", Name: "x", TTL: 60, Value: fmt.Sprint(i)}}
			for _, n := range []core.Name{own, shared} {
				if err := m.ReplaceRecords(t.Context(), n, recs); err != nil {
					errs <- err
				}
				if err := m.SetDelegation(t.Context(), n, []string{fmt.Sprintf("ns%d.example.net", i)}); err != nil {
					errs <- err
				}
			}
			got, err := m.ReadRecords(t.Context(), shared)
			if err != nil || len(got) != 2 || got[0].Value != got[1].Value {
				errs <- fmt.Errorf("read of the shared name saw %+v, %v", got, err)
			}
			if got := read(t, m, own); len(got) != 2 || got[0].Value != fmt.Sprint(i) {
				errs <- fmt.Errorf("name %s: %+v", own, got)
			}
			if got := m.Delegation(own); len(got) != 1 {
				errs <- fmt.Errorf("delegation of %s: %v", own, got)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
