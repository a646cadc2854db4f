package memory

import (
	"context"
	"slices"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// ContactRepository stores RFC 5733 contacts by their registry-wide id.
type ContactRepository struct{ tx *tx }

var _ ports.ContactRepository = (*ContactRepository)(nil)

func (r *ContactRepository) Insert(_ context.Context, c core.Contact) error {
	st, err := r.tx.writing()
	if err != nil {
		return err
	}
	if st.contacts.has(c.ID) {
		return duplicate("contact", c.ID)
	}
	for _, other := range st.contacts.rows {
		if other.ROID == c.ROID {
			return duplicate("contact roid", c.ROID)
		}
	}
	st.contacts.put(c.ID, cloneContact(c))
	return nil
}

func (r *ContactRepository) Get(_ context.Context, id string) (core.Contact, error) {
	st, err := r.tx.reading()
	if err != nil {
		return core.Contact{}, err
	}
	c, ok := st.contacts.get(id)
	if !ok {
		return core.Contact{}, notFound("contact", id)
	}
	return cloneContact(c), nil
}

// GetShared is Get: the unit of work already holds the store's lock.
func (r *ContactRepository) GetShared(ctx context.Context, id string) (core.Contact, error) {
	return r.Get(ctx, id)
}

func (r *ContactRepository) GetMany(_ context.Context, ids []string) (map[string]core.Contact, error) {
	st, err := r.tx.reading()
	if err != nil {
		return nil, err
	}
	out := make(map[string]core.Contact, len(ids))
	for _, id := range ids {
		if c, ok := st.contacts.get(id); ok {
			out[id] = cloneContact(c)
		}
	}
	return out, nil
}

func (r *ContactRepository) Update(_ context.Context, id string, fn func(*core.Contact) error) (core.Contact, error) {
	st, err := r.tx.writing()
	if err != nil {
		return core.Contact{}, err
	}
	return update(&st.contacts, id, "contact", cloneContact, fn, func(old core.Contact, next *core.Contact) error {
		next.ID, next.ROID = id, old.ROID
		return nil
	})
}

func (r *ContactRepository) Delete(_ context.Context, id string) error {
	st, err := r.tx.writing()
	if err != nil {
		return err
	}
	if !st.contacts.has(id) {
		return notFound("contact", id)
	}
	st.contacts.del(id)
	return nil
}

func (r *ContactRepository) LinkedDomains(_ context.Context, id string) ([]string, error) {
	st, err := r.tx.reading()
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, d := range st.domains.rows {
		if live(d) && d.RegistrantContactID == id {
			out = append(out, d.ID)
		}
	}
	slices.Sort(out)
	return out, nil
}
