package dns

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// MemoryBackend is an in-process DNS driver: per registration, its records
// and the NS delegation in the namespace zone. It is safe for concurrent use
// and shares no memory with its callers.
type MemoryBackend struct {
	mu    sync.RWMutex
	zones map[string]zone // by the registration's A-label name
}

type zone struct {
	records    []core.Record
	delegation []string
}

var _ ports.DNSBackend = (*MemoryBackend)(nil)

// NewMemoryBackend returns a driver with no zones.
func NewMemoryBackend() *MemoryBackend { return &MemoryBackend{zones: map[string]zone{}} }

// Capabilities: reads, writes and delegates every record type the registry manages.
func (m *MemoryBackend) Capabilities() core.DNSCapabilities {
	return core.DNSCapabilities{
		Kind: core.DNSBackendMemory, Read: true, Write: true, Delegate: true,
		RecordTypes: slices.Clone(core.RecordTypes),
	}
}

// ReadRecords answers the registration's records, in the order last written.
func (m *MemoryBackend) ReadRecords(ctx context.Context, name core.Name) ([]core.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return cloneRecords(m.zones[name.String()].records), nil
}

// ReplaceRecords replaces every record of the registration at once. A record
// type outside Capabilities is refused and nothing changes.
func (m *MemoryBackend) ReplaceRecords(ctx context.Context, name core.Name, records []core.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, r := range records {
		if !slices.Contains(core.RecordTypes, r.Type) {
			return core.Invalid("records", "record %d: the memory DNS backend does not serve type %q (it serves %s)",
				i, r.Type, strings.Join(core.RecordTypes, ", "))
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	z := m.zones[name.String()]
	z.records = cloneRecords(records)
	m.put(name.String(), z)
	return nil
}

// SetDelegation replaces the registration's NS set; an empty list removes it.
func (m *MemoryBackend) SetDelegation(ctx context.Context, name core.Name, nameservers []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	z := m.zones[name.String()]
	z.delegation = nil
	if len(nameservers) > 0 {
		z.delegation = slices.Clone(nameservers)
	}
	m.put(name.String(), z)
	return nil
}

// Delegation answers the registration's NS set, or nil when it has none.
func (m *MemoryBackend) Delegation(name core.Name) []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.zones[name.String()].delegation)
}

// put stores z, dropping zones left with nothing in them. The caller holds mu.
func (m *MemoryBackend) put(name string, z zone) {
	if len(z.records) == 0 && len(z.delegation) == 0 {
		delete(m.zones, name)
		return
	}
	m.zones[name] = z
}

func cloneRecords(in []core.Record) []core.Record {
	out := make([]core.Record, len(in))
	for i, r := range in {
		if r.Priority != nil {
			p := *r.Priority
			r.Priority = &p
		}
		out[i] = r
	}
	return out
}
