package ports

import (
	"context"

	"github.com/headlessdomains/registry/core"
)

// DNSBackend is one namespace's DNS driver. Errors from a server that does not
// answer wrap ErrUnavailable.
type DNSBackend interface {
	Capabilities() core.DNSCapabilities
	// ReadRecords answers the registration's records (owner names relative, "@" the apex).
	ReadRecords(ctx context.Context, name core.Name) ([]core.Record, error)
	// ReplaceRecords replaces every record of the registration in one update.
	ReplaceRecords(ctx context.Context, name core.Name, records []core.Record) error
	// SetDelegation replaces the NS delegation of the registration in the
	// namespace zone; an empty list removes it.
	SetDelegation(ctx context.Context, name core.Name, nameservers []string) error
}

// DNSBackends resolves the driver of a namespace.
type DNSBackends interface {
	// Backend returns the driver for ns, or a core error with
	// backend_dns_not_supported when ns has none.
	Backend(ns core.Namespace) (DNSBackend, error)
}
