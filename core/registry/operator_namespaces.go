package registry

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// CreateNamespace creates a namespace the registry sells.
func (s *Service) CreateNamespace(ctx context.Context, cmd core.CreateNamespace) (core.Namespace, error) {
	name, err := core.ParseLabel(cmd.Name)
	if err != nil {
		return core.Namespace{}, core.Invalid("name", "name must be one LDH or IDN label of 1 to 63 characters")
	}
	backend := cmd.DNSBackend
	if backend == "" {
		backend = core.DNSBackendNone
	}
	if !slices.Contains(dnsBackendKinds(), backend) {
		return core.Namespace{}, core.Invalid("dns_backend", "dns_backend must be one of %s", strings.Join(dnsBackendKinds(), ", "))
	}
	if cmd.CreatePriceGems < 0 {
		return core.Namespace{}, core.Invalid("create_price_gems", "create_price_gems must not be negative")
	}
	if cmd.RenewPriceGems < 0 {
		return core.Namespace{}, core.Invalid("renew_price_gems", "renew_price_gems must not be negative")
	}
	reserved, err := parseLabelList("reserved_labels", cmd.ReservedLabels)
	if err != nil {
		return core.Namespace{}, err
	}
	claims, err := parseLabelList("claim_labels", cmd.ClaimLabels)
	if err != nil {
		return core.Namespace{}, err
	}
	policy, err := cmd.Policy.Apply(core.DefaultPolicy())
	if err != nil {
		return core.Namespace{}, err
	}
	var ns core.Namespace
	err = s.operatorDo(ctx, "create_namespace", 201, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		ns = core.Namespace{Name: name, DNSBackend: backend, CreatePriceGems: cmd.CreatePriceGems,
			RenewPriceGems: cmd.RenewPriceGems, ReservedLabels: reserved, ClaimLabels: claims, Policy: policy, CreatedAt: now}
		if err := tx.Namespaces().Insert(ctx, ns); err != nil {
			if errors.Is(err, ports.ErrDuplicate) {
				return core.Errorf(core.CodeAlreadyExists, "namespace %s already exists", name)
			}
			return storeErr(err, core.CodeNotFound, "namespace")
		}
		rec.request = map[string]any{"name": name, "dns_backend": backend, "create_price_gems": cmd.CreatePriceGems,
			"renew_price_gems": cmd.RenewPriceGems, "reserved_labels": len(reserved), "claim_labels": len(claims),
			"policy": policySummary(policy)}
		rec.response = map[string]any{"namespace": name}
		return nil
	})
	if err != nil {
		return core.Namespace{}, err
	}
	return ns, nil
}

// UpdateNamespace changes a namespace's prices, labels and lifecycle
// policy. A policy change applies to periods that start after it: running
// periods keep the deadlines their registrations recorded.
func (s *Service) UpdateNamespace(ctx context.Context, cmd core.UpdateNamespace) (core.Namespace, error) {
	if cmd.CreatePriceGems != nil && *cmd.CreatePriceGems < 0 {
		return core.Namespace{}, core.Invalid("create_price_gems", "create_price_gems must not be negative")
	}
	if cmd.RenewPriceGems != nil && *cmd.RenewPriceGems < 0 {
		return core.Namespace{}, core.Invalid("renew_price_gems", "renew_price_gems must not be negative")
	}
	var reserved, claims []string
	var err error
	if cmd.ReservedLabels != nil {
		if reserved, err = parseLabelList("reserved_labels", *cmd.ReservedLabels); err != nil {
			return core.Namespace{}, err
		}
	}
	if cmd.ClaimLabels != nil {
		if claims, err = parseLabelList("claim_labels", *cmd.ClaimLabels); err != nil {
			return core.Namespace{}, err
		}
	}
	if _, err := cmd.Policy.Apply(core.DefaultPolicy()); err != nil {
		return core.Namespace{}, err // refused before anything is locked
	}
	if name, err := core.ParseLabel(cmd.Name); err == nil {
		cmd.Name = name // the A-label, as CreateNamespace stores it
	}
	var ns core.Namespace
	err = s.operatorDo(ctx, "update_namespace", 200, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		var err error
		ns, err = tx.Namespaces().Update(ctx, cmd.Name, func(n *core.Namespace) error {
			if cmd.CreatePriceGems != nil {
				n.CreatePriceGems = *cmd.CreatePriceGems
			}
			if cmd.RenewPriceGems != nil {
				n.RenewPriceGems = *cmd.RenewPriceGems
			}
			if cmd.ReservedLabels != nil {
				n.ReservedLabels = reserved
			}
			if cmd.ClaimLabels != nil {
				n.ClaimLabels = claims
			}
			p, err := cmd.Policy.Apply(n.Policy)
			n.Policy = p
			return err
		})
		if err != nil {
			return storeErr(err, core.CodeNotFound, "namespace")
		}
		rec.request = map[string]any{"name": cmd.Name, "policy": policySummary(ns.Policy)}
		rec.response = map[string]any{"namespace": ns.Name}
		return nil
	})
	if err != nil {
		return core.Namespace{}, err
	}
	return ns, nil
}

// policySummary is a policy as audit rows and documents show it.
func policySummary(p core.Policy) map[string]any {
	m := map[string]any{"auto_renew": p.AutoRenew}
	for _, f := range core.PolicyPeriods() {
		m[f.Field] = int64(*f.Ptr(&p) / time.Second)
	}
	if p.RestorePriceGems != nil {
		m["restore_price_gems"] = *p.RestorePriceGems
	}
	if p.TransferPriceGems != nil {
		m["transfer_price_gems"] = *p.TransferPriceGems
	}
	return m
}

// ListNamespaces answers every namespace.
func (s *Service) ListNamespaces(ctx context.Context) ([]core.Namespace, error) {
	var out []core.Namespace
	err := s.operatorDo(ctx, "list_namespaces", 200, func(ctx context.Context, tx ports.Stores, _ time.Time, rec *opAudit) error {
		var err error
		if out, err = tx.Namespaces().List(ctx); err != nil {
			return storeErr(err, core.CodeInternal, "namespaces")
		}
		rec.response = map[string]any{"count": len(out)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []core.Namespace{}
	}
	return out, nil
}

// dnsBackendKinds are the namespace backend kinds, in display order.
func dnsBackendKinds() []string {
	return []string{core.DNSBackendNone, core.DNSBackendMemory, core.DNSBackendRFC2136}
}

// parseLabelList parses labels to A-labels, de-duplicated and sorted.
func parseLabelList(field string, in []string) ([]string, error) {
	if len(in) > maxLabelList {
		return nil, core.Invalid(field, "%s lists at most %d labels", field, maxLabelList)
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(in))
	for _, raw := range in {
		a, err := core.ParseLabel(raw)
		if err != nil {
			return nil, core.Invalid(field, "%s: %s", field, core.AsError(err).Detail)
		}
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out, nil
}
