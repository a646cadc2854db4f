package memory

import (
	"context"
	"sort"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// DomainRepository stores registrations by id. The liveNames index holds, per
// name, the one registration that is not cancelled, which is the partial
// unique index a database would have.
type DomainRepository struct{ tx *tx }

var _ ports.DomainRepository = (*DomainRepository)(nil)

func live(d core.Domain) bool { return d.State != core.StateCancelled }

// Register inserts d and reports whether queued backend work of an earlier
// registration of its name exists.
func (r *DomainRepository) Register(ctx context.Context, d core.Domain) (bool, error) {
	if err := r.Insert(ctx, d); err != nil {
		return false, err
	}
	st, err := r.tx.reading()
	if err != nil {
		return false, err
	}
	name := d.Name.String()
	return len(selectPending(st, 1, func(p core.PendingItem) bool {
		return p.Status == core.PendingQueued && p.Domain == name && p.DomainID != d.ID
	})) > 0, nil
}

func (r *DomainRepository) Insert(_ context.Context, d core.Domain) error {
	st, err := r.tx.writing()
	if err != nil {
		return err
	}
	name := d.Name.String()
	if st.domains.has(d.ID) {
		return duplicate("domain", d.ID)
	}
	if live(d) && st.liveNames.has(name) {
		return duplicate("registration of", name)
	}
	st.domains.put(d.ID, cloneDomain(d))
	if live(d) {
		st.liveNames.put(name, d.ID)
	}
	return nil
}

func (r *DomainRepository) GetByName(_ context.Context, name core.Name) (core.Domain, error) {
	st, err := r.tx.reading()
	if err != nil {
		return core.Domain{}, err
	}
	if d, ok := liveDomain(st, name.String()); ok {
		return cloneDomain(d), nil
	}
	return core.Domain{}, notFound("registration of", name)
}

func (r *DomainRepository) GetByNames(_ context.Context, names []core.Name) (map[string]core.Domain, error) {
	st, err := r.tx.reading()
	if err != nil {
		return nil, err
	}
	out := make(map[string]core.Domain, len(names))
	for _, n := range names {
		if d, ok := liveDomain(st, n.String()); ok {
			out[n.String()] = cloneDomain(d)
		}
	}
	return out, nil
}

// TakenNames reports which of names have a registration that is not cancelled.
func (r *DomainRepository) TakenNames(_ context.Context, names []core.Name) (map[string]bool, error) {
	st, err := r.tx.reading()
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(names))
	for _, n := range names {
		if st.liveNames.has(n.String()) {
			out[n.String()] = true
		}
	}
	return out, nil
}

func liveDomain(st *state, name string) (core.Domain, bool) {
	id, ok := st.liveNames.get(name)
	if !ok {
		return core.Domain{}, false
	}
	return st.domains.get(id)
}

func (r *DomainRepository) Update(_ context.Context, id string, fn func(*core.Domain) error) (core.Domain, error) {
	st, err := r.tx.writing()
	if err != nil {
		return core.Domain{}, err
	}
	return update(&st.domains, id, "domain", cloneDomain, fn, func(old core.Domain, next *core.Domain) error {
		next.ID = id
		oldName, newName := old.Name.String(), next.Name.String()
		if live(*next) {
			if holder, ok := st.liveNames.get(newName); ok && holder != id {
				return duplicate("registration of", newName)
			}
		}
		if live(old) {
			st.liveNames.del(oldName)
		}
		if live(*next) {
			st.liveNames.put(newName, id)
		}
		return nil
	})
}

// UpdateByName updates the live registration of name (the whole unit of
// work holds the store's lock, so it is locked already).
func (r *DomainRepository) UpdateByName(ctx context.Context, name core.Name, fn func(*core.Domain) error) (core.Domain, error) {
	st, err := r.tx.writing()
	if err != nil {
		return core.Domain{}, err
	}
	id, ok := st.liveNames.get(name.String())
	if !ok {
		return core.Domain{}, notFound("registration of", name)
	}
	return r.Update(ctx, id, fn)
}

// ClaimDue answers up to limit registrations whose next deadline has come,
// earliest first.
func (r *DomainRepository) ClaimDue(_ context.Context, now time.Time, limit int) ([]core.Domain, error) {
	st, err := r.tx.writing()
	if err != nil {
		return nil, err
	}
	type due struct {
		d  core.Domain
		at time.Time
	}
	var out []due
	for _, d := range st.domains.rows {
		if at := d.NextDue(); at != nil && !at.After(now) {
			out = append(out, due{cloneDomain(d), *at})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].at.Equal(out[j].at) {
			return out[i].at.Before(out[j].at)
		}
		return out[i].d.ID < out[j].d.ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	res := make([]core.Domain, 0, len(out))
	for _, x := range out {
		res = append(res, x.d)
	}
	return res, nil
}
