package registry

import (
	"context"
	"errors"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// dnsRules applies access rule 8: the partner's DNS module, then the
// namespace backend's DNS support.
func (s *Service) dnsRules(a core.Actor, ns core.Namespace) (ports.DNSBackend, error) {
	if !a.Partner.DNSModuleEnabled {
		return nil, core.Errorf(core.CodeDNSModuleNotEnabled, "DNS record management is not enabled for partner %s", a.Partner.Name)
	}
	b, err := s.dns.Backend(ns)
	if err != nil {
		if core.CodeOf(err) == core.CodeBackendDNSNotSupported {
			return nil, err
		}
		return nil, core.Internal(err)
	}
	caps := b.Capabilities()
	if !caps.Read && !caps.Write {
		return nil, core.Errorf(core.CodeBackendDNSNotSupported, "the %s backend of namespace %s cannot read or apply DNS records", caps.Kind, ns.Name)
	}
	return b, nil
}

// dnsErr maps a DNS driver error: a server that does not answer is
// backend_unavailable; a refusal (a rejected TSIG key, a zone the server does
// not serve) is the registry's misconfiguration, an internal error that is
// logged with its cause.
func dnsErr(err error) error {
	switch {
	case err == nil:
		return nil
	case core.CodeOf(err) != core.CodeInternal:
		return err
	case errors.Is(err, ports.ErrUnavailable):
		return core.Unavailable("the DNS backend", err)
	default:
		return core.Internal(err)
	}
}

// ReadRecords reads a registration's records through its namespace backend.
func (s *Service) ReadRecords(ctx context.Context, a core.Actor, domain string) (core.RecordsView, error) {
	name, ns, err := s.target(ctx, a, domain, false, false)
	if err != nil {
		return core.RecordsView{}, err
	}
	err = s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		_, err := sponsored(ctx, tx, a, name)
		return err
	})
	if err != nil {
		return core.RecordsView{}, storeErr(err, core.CodeDomainNotFound, "domain")
	}
	b, err := s.dnsRules(a, ns)
	if err != nil {
		return core.RecordsView{}, err
	}
	caps := b.Capabilities()
	if !caps.Read {
		return core.RecordsView{}, core.Errorf(core.CodeBackendDNSNotSupported, "the %s backend cannot read records", caps.Kind)
	}
	recs, err := b.ReadRecords(ctx, name)
	if err != nil {
		return core.RecordsView{}, dnsErr(err)
	}
	if recs == nil {
		recs = []core.Record{}
	}
	return core.RecordsView{Domain: name.String(), Records: recs, Backend: caps}, nil
}

// UpdateRecords replaces a registration's records in one backend update.
// The backend write happens inside the command's transaction, last before
// the audit row: a backend that does not answer rolls everything back.
func (s *Service) UpdateRecords(ctx context.Context, a core.Actor, cmd core.UpdateRecords) (core.Outcome, error) {
	name, ns, err := s.target(ctx, a, cmd.Domain, true, cmd.Sandbox)
	if err != nil {
		return core.Outcome{}, err
	}
	recs, recErr := core.NormalizeRecords(name, cmd.Records)
	types := map[string]int{}
	for _, r := range cmd.Records {
		types[r.Type]++
	}
	m := mutation{actor: a, command: core.CmdUpdateRecords, name: name, ns: ns, meta: cmd.Mutation,
		params: recs, request: map[string]any{"domain": name.String(), "records": len(cmd.Records), "types": types}}
	if recErr != nil {
		m.params = cmd.Records
	}
	var b ports.DNSBackend
	return s.mutateDomain(ctx, m, nil, func(d core.LockedDomain, now time.Time) (core.LifecycleEffect, error) {
		var none core.LifecycleEffect
		var err error
		if b, err = s.dnsRules(a, ns); err != nil {
			return none, err
		}
		if !b.Capabilities().Write {
			return none, core.Errorf(core.CodeBackendDNSNotSupported, "the %s backend cannot apply records", b.Capabilities().Kind)
		}
		if recErr != nil {
			return none, recErr
		}
		return none, d.ChangeRecords(now)
	}, func(ctx context.Context, tx ports.Stores, d core.Domain, _ core.LifecycleEffect, now time.Time, out *core.Outcome) error {
		if !cmd.Sandbox {
			if err := b.ReplaceRecords(ctx, name, recs); err != nil {
				return dnsErr(err)
			}
		}
		out.Records = recs
		return nil
	})
}
