// Package dns resolves each namespace's DNS driver: "none" (no DNS), the
// in-process "memory" driver, and drivers that live in subpackages (such as
// rfc2136) registered by the caller.
package dns

import (
	"maps"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// Backends maps a namespace's dns_backend kind to its driver.
type Backends struct {
	drivers map[string]ports.DNSBackend
}

var _ ports.DNSBackends = (*Backends)(nil)

// NewBackends serves the given drivers by kind. The kind "none" never has a
// driver, whatever drivers holds; nil drivers are ignored.
func NewBackends(drivers map[string]ports.DNSBackend) *Backends {
	b := &Backends{drivers: maps.Clone(drivers)}
	if b.drivers == nil {
		b.drivers = map[string]ports.DNSBackend{}
	}
	delete(b.drivers, core.DNSBackendNone)
	delete(b.drivers, "")
	maps.DeleteFunc(b.drivers, func(_ string, d ports.DNSBackend) bool { return d == nil })
	return b
}

// NewDefaultBackends serves one memory driver, shared by every namespace
// whose backend is "memory".
func NewDefaultBackends() *Backends {
	return NewBackends(map[string]ports.DNSBackend{core.DNSBackendMemory: NewMemoryBackend()})
}

// Backend returns the driver of ns, or backend_dns_not_supported when its
// backend is "none", empty, or a kind this deployment has no driver for.
func (b *Backends) Backend(ns core.Namespace) (ports.DNSBackend, error) {
	if d, ok := b.drivers[ns.DNSBackend]; ok {
		return d, nil
	}
	what := "this namespace"
	if ns.Name != "" {
		what = "namespace " + ns.Name
	}
	switch ns.DNSBackend {
	case core.DNSBackendNone, "":
		return nil, core.Errorf(core.CodeBackendDNSNotSupported, "%s has no DNS backend; its records cannot be read or applied", what)
	default:
		return nil, core.Errorf(core.CodeBackendDNSNotSupported, "the DNS backend %q of %s is not available in this deployment", ns.DNSBackend, what)
	}
}
