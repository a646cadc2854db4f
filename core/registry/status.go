package registry

import (
	"context"
	"strings"
	"sync"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// Scope statuses of the /status capability matrix.
const (
	ScopeGranted = "granted"
	ScopeMissing = "missing"
)

// Status answers GET /status for the exact credential asking: the key, its
// channel, listings and approval, the rate-limit state, the OT&E sequence,
// the capability matrix and the two machine-readable contracts. It never
// fails for lack of a channel; it reports what is missing instead.
func (s *Service) Status(ctx context.Context, a core.Actor, rate *core.RateDecision) (core.StatusReport, error) {
	namespaces, err := s.approvedNamespaces(ctx, a)
	if err != nil {
		return core.StatusReport{}, err
	}
	// The actor may come from the actor cache: report the balance as it is now.
	if a.Partner.ID != "" {
		err := s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
			p, err := tx.Partners().Get(ctx, a.Partner.ID)
			a.Partner = p
			return err
		})
		if err != nil {
			return core.StatusReport{}, storeErr(err, core.CodeInternal, "partner")
		}
	}
	limit := core.DefaultRateLimitPerMinute
	if a.Channel != nil && a.Channel.RateLimitPerMinute > 0 {
		limit = a.Channel.RateLimitPerMinute
	}
	s.docs.once.Do(func() {
		s.docs.registryService, s.docs.eppGateway = RegistryServiceContract(), s.eppGatewayContract()
		s.docs.ote = core.OTESequence()
	})
	return core.StatusReport{
		Actor:                   a,
		RateLimitPerMinute:      limit,
		Rate:                    rate,
		Commands:                CapabilityMatrix(a, namespaces),
		OTESequence:             s.docs.ote,
		Namespaces:              namespaces,
		RegistryServiceContract: s.docs.registryService,
		EPPGatewayContract:      s.docs.eppGateway,
		GeneratedAt:             s.now(),
	}, nil
}

// statusDocs are the two machine-readable contracts of /status and the OT&E
// sequence. None depends on the request (the EPP contract on this
// deployment's options and DNS backends only), so they are built on the
// first call and every answer shares them: nobody may modify them.
type statusDocs struct {
	once            sync.Once
	registryService map[string]any
	eppGateway      map[string]any
	ote             []core.OTEStep
}

// approvedNamespaces loads the namespaces of the channel's approved listings
// through the namespace cache, as every command naming a domain does.
func (s *Service) approvedNamespaces(ctx context.Context, a core.Actor) ([]core.Namespace, error) {
	names := a.ApprovedNamespaces()
	if a.Channel == nil || len(names) == 0 {
		return nil, nil
	}
	out := make([]core.Namespace, 0, len(names))
	for _, n := range names {
		ns, err := s.lookupNamespace(ctx, n)
		if err != nil {
			return nil, storeErr(err, core.CodeInternal, "namespace "+n)
		}
		out = append(out, ns)
	}
	return out, nil
}

// CapabilityMatrix computes one row per registrar command for actor a, whose
// approved listings resolve to namespaces. disabled_reason is the first code
// that blocks the command in every mode, in access-rule order:
// registrar_channel_required (status itself is never disabled),
// insufficient_scope, registrar_namespace_not_approved (commands that name a
// domain, and check, when the channel has no approved listing),
// dns_module_not_enabled and backend_dns_not_supported (records commands).
// production_blocked_reason is registrar_channel_not_production_approved for
// mutating commands while the channel lacks production approval.
func CapabilityMatrix(a core.Actor, namespaces []core.Namespace) []core.CommandStatus {
	dnsBackend := false
	for _, ns := range namespaces {
		if ns.DNSBackend != "" && ns.DNSBackend != core.DNSBackendNone {
			dnsBackend = true
		}
	}
	hasListing := len(a.ApprovedNamespaces()) > 0
	production := a.Channel != nil && a.Channel.ProductionApproved

	out := make([]core.CommandStatus, 0, len(core.Commands()))
	for _, spec := range core.Commands() {
		row := core.CommandStatus{Spec: spec, ScopeStatus: ScopeGranted, MissingScopes: a.MissingScopes(spec)}
		if len(row.MissingScopes) > 0 {
			row.ScopeStatus = ScopeMissing
		}
		switch {
		case spec.Command != core.CmdStatus && !a.ChannelApproved():
			row.DisabledReason = core.CodeChannelRequired
		case len(row.MissingScopes) > 0:
			row.DisabledReason = core.CodeInsufficientScope
		case namesDomain(spec) && !hasListing:
			row.DisabledReason = core.CodeNamespaceNotApproved
		case spec.NeedsDNS && !a.Partner.DNSModuleEnabled:
			row.DisabledReason = core.CodeDNSModuleNotEnabled
		case spec.NeedsDNS && !dnsBackend:
			row.DisabledReason = core.CodeBackendDNSNotSupported
		}
		if spec.Mutating && !production {
			row.ProductionBlockedReason = core.CodeChannelNotProductionApproved
		}
		row.SandboxAvailable = row.DisabledReason == "" && spec.Sandboxable
		row.ProductionAvailable = row.DisabledReason == "" && row.ProductionBlockedReason == ""
		out = append(out, row)
	}
	return out
}

// namesDomain reports whether a command works on a name in a namespace (and
// so needs an approved listing): check and every command on a domain.
func namesDomain(spec core.CommandSpec) bool {
	return spec.Command == core.CmdCheckDomain || spec.Command == core.CmdCreateDomain ||
		strings.Contains(spec.Path, "{domain}")
}

// eppGatewayContract is the EPP gateway contract with the status of this
// deployment: available when it runs an EPP listener.
func (s *Service) eppGatewayContract() map[string]any {
	doc := EPPGatewayContract(s.dnsCapabilities())
	if s.opts.EPPGateway == EPPGatewayAvailable {
		doc["status"] = EPPGatewayAvailable
	}
	return doc
}
