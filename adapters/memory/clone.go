package memory

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/headlessdomains/registry/core"
)

// Every stored value goes in and comes out through these copies, so that no
// slice, map or pointer is shared with a caller.

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func clonePartner(p core.Partner) core.Partner { return p }

func cloneChannel(c core.Channel) core.Channel {
	c.ProductionApprovedAt = clonePtr(c.ProductionApprovedAt)
	return c
}

func cloneAPIKey(k core.APIKey) core.APIKey {
	k.Scopes = slices.Clone(k.Scopes)
	k.RevokedAt = clonePtr(k.RevokedAt)
	return k
}

func cloneNamespace(n core.Namespace) core.Namespace {
	n.ReservedLabels = slices.Clone(n.ReservedLabels)
	n.ClaimLabels = slices.Clone(n.ClaimLabels)
	n.Policy.RestorePriceGems = clonePtr(n.Policy.RestorePriceGems)
	n.Policy.TransferPriceGems = clonePtr(n.Policy.TransferPriceGems)
	return n
}

func cloneListing(l core.Listing) core.Listing {
	l.ApprovedAt = clonePtr(l.ApprovedAt)
	return l
}

func cloneDomain(d core.Domain) core.Domain {
	d.Statuses = slices.Clone(d.Statuses)
	d.Registrant.Metadata = maps.Clone(d.Registrant.Metadata)
	d.NameserversDesired = slices.Clone(d.NameserversDesired)
	d.NameserversApplied = slices.Clone(d.NameserversApplied)
	d.LastRenewedAt = clonePtr(d.LastRenewedAt)
	d.DeletedAt = clonePtr(d.DeletedAt)
	d.Claim = clonePtr(d.Claim)
	d.Grace = slices.Clone(d.Grace)
	d.StateEndsAt = clonePtr(d.StateEndsAt)
	return d
}

func cloneLedgerEntry(e core.LedgerEntry) core.LedgerEntry { return e }

func cloneAuditEvent(e core.AuditEvent) core.AuditEvent {
	e.RequestSummary = cloneJSONMap(e.RequestSummary)
	e.ResponseSummary = cloneJSONMap(e.ResponseSummary)
	return e
}

func clonePending(p core.PendingItem) core.PendingItem {
	p.Payload = cloneJSONMap(p.Payload)
	return p
}

func cloneOTERun(r core.OTERun) core.OTERun {
	r.EventIDs = slices.Clone(r.EventIDs)
	return r
}

func cloneContact(c core.Contact) core.Contact {
	c.PostalInfo.Street = slices.Clone(c.PostalInfo.Street)
	c.Statuses = slices.Clone(c.Statuses)
	return c
}

func cloneMessage(m core.Message) core.Message {
	m.Payload = cloneJSONMap(m.Payload)
	m.AckedAt = clonePtr(m.AckedAt)
	return m
}

func cloneIdempotency(r core.IdempotencyRecord) core.IdempotencyRecord {
	r.Result = slices.Clone(r.Result)
	return r
}

// toJSON normalizes a summary or payload the way a JSON column stores it:
// only maps, slices, strings, float64 numbers, booleans and nil remain. It
// fails, as a database would, on values JSON cannot encode.
func toJSON(what string, m map[string]any) (map[string]any, error) {
	if m == nil {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("memory: %s is not JSON: %w", what, err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("memory: %s is not JSON: %w", what, err)
	}
	return out, nil
}

// cloneJSONMap deep-copies a map that toJSON normalized.
func cloneJSONMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneJSONValue(v)
	}
	return out
}

func cloneJSONValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneJSONMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneJSONValue(e)
		}
		return out
	default: // string, float64, bool, nil: immutable
		return v
	}
}
