package registry

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

var _ ports.PublicLookupService = (*Service)(nil)

// DefaultRDAPRateLimitPerMinute is the per-client limit of public lookups.
const DefaultRDAPRateLimitPerMinute = 600

// LookupDomain answers a public lookup of a name (RDAP, RFC 9082 section
// 3.1.3). It reads only: no audit row, no actor. An invalid name is a
// validation error; everything else is a DomainLookup, whose Domain is set
// only for a published registration: names not registered, cancelled or
// purged, OT&E sandbox fixtures and names in namespaces not served here
// publish nothing.
func (s *Service) LookupDomain(ctx context.Context, query string) (core.DomainLookup, error) {
	fqdn, err := core.NormalizeLookupName(query)
	if err != nil {
		return core.DomainLookup{}, err
	}
	out := core.DomainLookup{Query: fqdn, Result: core.LookupNotServed}
	if strings.Count(fqdn, ".") != 1 {
		return out, nil // a top-level name, or one deeper than a registration
	}
	name, err := core.ParseName(fqdn)
	if err != nil {
		return core.DomainLookup{}, err
	}
	out.Name = name
	ns, err := s.lookupNamespace(ctx, name.Namespace())
	if errors.Is(err, ports.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return core.DomainLookup{}, storeErr(err, core.CodeInternal, "namespace")
	}
	now := s.now()
	err = s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		d, err := tx.Domains().GetByName(ctx, name)
		switch {
		case errors.Is(err, ports.ErrNotFound):
			out.Result = core.LookupAvailable
			if ns.IsReserved(name.Label()) {
				out.Result = core.LookupReserved
			}
			return nil
		case err != nil:
			return err
		case d.OTESandbox:
			out.Result = core.LookupWithheld
			return nil
		case d.EffectiveState(now) == core.StateCancelled:
			out.Result = core.LookupAvailable
			return nil
		}
		ch, err := tx.Channels().Get(ctx, d.ChannelID)
		if err != nil {
			return err
		}
		p, err := tx.Partners().Get(ctx, ch.PartnerID)
		if err != nil {
			return err
		}
		v := core.RDAPDomainOf(&d, ch, p, now)
		out.Result, out.Domain = core.LookupRegistered, &v
		return nil
	})
	if err != nil {
		return core.DomainLookup{}, storeErr(err, core.CodeInternal, "domain")
	}
	return out, nil
}

// LookupRegistrar answers a public lookup of a registrar by its channel
// slug (RDAP entity, RFC 9082 section 3.1.5). Pending channels are not
// published: not_found.
func (s *Service) LookupRegistrar(ctx context.Context, handle string) (core.RDAPRegistrar, error) {
	slug := strings.ToLower(strings.TrimSpace(handle))
	notFound := core.Errorf(core.CodeNotFound, "no registrar has the handle %q", truncate(handle, 80))
	if slug == "" || len(slug) > 64 {
		return core.RDAPRegistrar{}, notFound
	}
	var out core.RDAPRegistrar
	err := s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		ch, err := tx.Channels().GetBySlug(ctx, slug)
		if errors.Is(err, ports.ErrNotFound) || err == nil && !ch.Publishable() {
			return notFound
		}
		if err != nil {
			return err
		}
		p, err := tx.Partners().Get(ctx, ch.PartnerID)
		if err != nil {
			return err
		}
		out = core.RDAPRegistrarOf(ch, p)
		return nil
	})
	return out, storeErr(err, core.CodeNotFound, "registrar")
}

// CountLookup counts one public lookup of client (an IP address) against
// limit per minute in the shared counters (Redis when configured, so every
// node counts in one window). Like the registrar limit it fails open.
func (s *Service) CountLookup(ctx context.Context, client string, limit int) core.RateDecision {
	if limit <= 0 {
		limit = DefaultRDAPRateLimitPerMinute
	}
	now := s.clock.Now()
	start := now.Truncate(RateWindow)
	return s.countIn(ctx, LookupRateKey(client, start), limit, start, now)
}

// LookupRateKey is the counter key of one client's public lookups in one window.
func LookupRateKey(client string, windowStart time.Time) string {
	return "rl:rdap:{" + client + "}:" + strconv.FormatInt(windowStart.Unix(), 10)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
