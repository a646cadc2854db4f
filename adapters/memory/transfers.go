package memory

import (
	"context"
	"sort"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// ListTransfers answers registrations whose latest transfer matches q, by id.
func (r *DomainRepository) ListTransfers(_ context.Context, q ports.TransferQuery) ([]core.Domain, error) {
	st, err := r.tx.reading()
	if err != nil {
		return nil, err
	}
	var out []core.Domain
	for _, d := range st.domains.rows {
		t := d.Transfer
		if t == nil || d.ID <= q.AfterID || (q.Status != "" && t.Status != q.Status) {
			continue
		}
		gaining, losing := t.GainingChannelID == q.ChannelID, t.LosingChannelID == q.ChannelID
		if q.ChannelID == "" {
			gaining, losing = true, true
		}
		switch q.Role {
		case core.TransferRoleGaining:
			if !gaining {
				continue
			}
		case core.TransferRoleLosing:
			if !losing {
				continue
			}
		default:
			if !gaining && !losing {
				continue
			}
		}
		out = append(out, cloneDomain(d))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}
