package ports

import (
	"context"

	"github.com/headlessdomains/registry/core"
)

// PublicLookupService is the driving port of public registration data
// lookups (RDAP, RFC 9082; the /lookup page): no credentials, read only.
type PublicLookupService interface {
	// LookupDomain parses name (A-label or U-label, any case) and says what
	// the registry publishes about it; an invalid name is validation_error.
	LookupDomain(ctx context.Context, name string) (core.DomainLookup, error)
	// LookupRegistrar answers the registrar whose channel slug is handle,
	// or not_found.
	LookupRegistrar(ctx context.Context, handle string) (core.RDAPRegistrar, error)
	// CountLookup counts one lookup of client (its IP address) against limit
	// per minute, in counters every node shares.
	CountLookup(ctx context.Context, client string, limit int) core.RateDecision
}
