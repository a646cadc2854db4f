package dns

import (
	"errors"
	"testing"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func wantNotSupported(t *testing.T, b *Backends, ns core.Namespace) {
	t.Helper()
	d, err := b.Backend(ns)
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Code != core.CodeBackendDNSNotSupported {
		t.Fatalf("Backend(%q): want %s, got %v", ns.DNSBackend, core.CodeBackendDNSNotSupported, err)
	}
	if d != nil {
		t.Errorf("Backend(%q) answered a driver with its error", ns.DNSBackend)
	}
	if ce.Detail == "" {
		t.Errorf("Backend(%q): empty detail", ns.DNSBackend)
	}
}

func TestDefaultBackendsShareOneMemoryDriver(t *testing.T) {
	b := NewDefaultBackends()
	d1, err := b.Backend(core.Namespace{Name: "one", DNSBackend: core.DNSBackendMemory})
	if err != nil {
		t.Fatal(err)
	}
	d2, err := b.Backend(core.Namespace{Name: "two", DNSBackend: core.DNSBackendMemory})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d1.(*MemoryBackend); !ok {
		t.Fatalf("memory kind answered %T", d1)
	}
	if d1 != d2 {
		t.Errorf("two memory namespaces got two drivers; want one shared")
	}
	if k := d1.Capabilities().Kind; k != core.DNSBackendMemory {
		t.Errorf("capabilities kind %q", k)
	}
}

func TestBackendsWithoutDriver(t *testing.T) {
	b := NewDefaultBackends()
	for _, kind := range []string{core.DNSBackendNone, "", core.DNSBackendRFC2136, "bogus"} {
		wantNotSupported(t, b, core.Namespace{Name: "defiwallet", DNSBackend: kind})
	}
	wantNotSupported(t, b, core.Namespace{DNSBackend: core.DNSBackendNone}) // no name: still a clean error
}

type fakeDriver struct{ ports.DNSBackend }

func TestNewBackendsServesGivenDrivers(t *testing.T) {
	rfc := &fakeDriver{}
	drivers := map[string]ports.DNSBackend{
		core.DNSBackendRFC2136: rfc,
		core.DNSBackendNone:    &fakeDriver{}, // "none" never has a driver
		"nil":                  nil,
	}
	b := NewBackends(drivers)
	if d, err := b.Backend(core.Namespace{DNSBackend: core.DNSBackendRFC2136}); err != nil || d != rfc {
		t.Fatalf("rfc2136: got %v, %v", d, err)
	}
	wantNotSupported(t, b, core.Namespace{DNSBackend: core.DNSBackendNone})
	wantNotSupported(t, b, core.Namespace{DNSBackend: "nil"})
	wantNotSupported(t, b, core.Namespace{DNSBackend: core.DNSBackendMemory})

	delete(drivers, core.DNSBackendRFC2136) // the caller's map is not kept
	if _, err := b.Backend(core.Namespace{DNSBackend: core.DNSBackendRFC2136}); err != nil {
		t.Errorf("changing the caller's map changed the backends: %v", err)
	}
	wantNotSupported(t, NewBackends(nil), core.Namespace{DNSBackend: core.DNSBackendMemory})
}
