package memory

import (
	"context"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// PartnerRepository stores partners by id.
type PartnerRepository struct{ tx *tx }

var _ ports.PartnerRepository = (*PartnerRepository)(nil)

func (r *PartnerRepository) Insert(_ context.Context, p core.Partner) error {
	st, err := r.tx.writing()
	if err != nil {
		return err
	}
	if st.partners.has(p.ID) {
		return duplicate("partner", p.ID)
	}
	st.partners.put(p.ID, clonePartner(p))
	return nil
}

func (r *PartnerRepository) Get(_ context.Context, id string) (core.Partner, error) {
	st, err := r.tx.reading()
	if err != nil {
		return core.Partner{}, err
	}
	p, ok := st.partners.get(id)
	if !ok {
		return core.Partner{}, notFound("partner", id)
	}
	return clonePartner(p), nil
}

func (r *PartnerRepository) Update(_ context.Context, id string, fn func(*core.Partner) error) (core.Partner, error) {
	st, err := r.tx.writing()
	if err != nil {
		return core.Partner{}, err
	}
	return update(&st.partners, id, "partner", clonePartner, fn, func(_ core.Partner, next *core.Partner) error {
		next.ID = id
		return nil
	})
}
