package sqlstore

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// contactRow is a contact as the contacts table holds it (added by the
// contacts migration).
type contactRow struct {
	bun.BaseModel `bun:"table:contacts"`

	ID           string    `bun:"id,pk"`
	ROID         string    `bun:"roid"`
	ChannelID    string    `bun:"channel_id"`
	PartnerID    string    `bun:"partner_id"`
	PostalType   string    `bun:"postal_type"`
	Name         string    `bun:"name"`
	Org          string    `bun:"org"`
	Street       string    `bun:"street"`
	City         string    `bun:"city"`
	SP           string    `bun:"sp"`
	PC           string    `bun:"pc"`
	CC           string    `bun:"cc"`
	Voice        string    `bun:"voice"`
	Fax          string    `bun:"fax"`
	Email        string    `bun:"email"`
	AuthInfoHash string    `bun:"auth_info_hash"`
	Statuses     string    `bun:"statuses"`
	OTESandbox   bool      `bun:"ote_sandbox"`
	CreatedAt    timestamp `bun:"created_at"`
	UpdatedAt    timestamp `bun:"updated_at"`
}

func contactToRow(c core.Contact) (*contactRow, error) {
	p := c.PostalInfo
	r := &contactRow{
		ID: c.ID, ROID: c.ROID, ChannelID: c.ChannelID, PartnerID: c.PartnerID, PostalType: p.Type, Name: p.Name,
		Org: p.Org, City: p.City, SP: p.SP, PC: p.PC, CC: p.CC, Voice: c.Voice, Fax: c.Fax, Email: c.Email,
		AuthInfoHash: c.AuthInfoHash, OTESandbox: c.OTESandbox, CreatedAt: ts(c.CreatedAt), UpdatedAt: ts(c.UpdatedAt),
	}
	var err error
	if r.Street, err = toJSON(p.Street); err != nil {
		return nil, err
	}
	if r.Statuses, err = toJSON(c.Statuses); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *contactRow) core() (core.Contact, error) {
	c := core.Contact{
		ID: r.ID, ROID: r.ROID, ChannelID: r.ChannelID, PartnerID: r.PartnerID,
		PostalInfo: core.PostalInfo{Type: r.PostalType, Name: r.Name, Org: r.Org, City: r.City, SP: r.SP, PC: r.PC, CC: r.CC},
		Voice:      r.Voice, Fax: r.Fax, Email: r.Email, AuthInfoHash: r.AuthInfoHash, OTESandbox: r.OTESandbox,
		CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time(),
	}
	if err := fromJSON(r.Street, &c.PostalInfo.Street); err != nil {
		return core.Contact{}, err
	}
	if err := fromJSON(r.Statuses, &c.Statuses); err != nil {
		return core.Contact{}, err
	}
	return c, nil
}

// ContactRepository stores RFC 5733 contacts.
type ContactRepository struct{ c conn }

var _ ports.ContactRepository = (*ContactRepository)(nil)

// Insert adds c; ErrDuplicate when its id (or repository object id) exists.
func (r *ContactRepository) Insert(ctx context.Context, c core.Contact) error {
	row, err := contactToRow(c)
	if err != nil {
		return err
	}
	return r.c.insert(ctx, row)
}

// Get returns the contact with id, or ErrNotFound.
func (r *ContactRepository) Get(ctx context.Context, id string) (core.Contact, error) {
	var row contactRow
	if err := r.c.selectOne(ctx, &row, false, "id = ?", id); err != nil {
		return core.Contact{}, err
	}
	return row.core()
}

// GetShared reads the contact FOR SHARE (PostgreSQL): a delete or update
// of it waits for this transaction, and this one waits for theirs.
func (r *ContactRepository) GetShared(ctx context.Context, id string) (core.Contact, error) {
	var row contactRow
	q := r.c.db.NewSelect().Model(&row).Where("id = ?", id)
	if r.c.pg {
		q = q.For("SHARE")
	}
	if err := q.Scan(ctx); err != nil {
		return core.Contact{}, mapErr(err)
	}
	return row.core()
}

// GetMany returns the contacts among ids that exist, keyed by id.
func (r *ContactRepository) GetMany(ctx context.Context, ids []string) (map[string]core.Contact, error) {
	out := make(map[string]core.Contact, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []contactRow
	if err := r.c.db.NewSelect().Model(&rows).Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	for i := range rows {
		c, err := rows[i].core()
		if err != nil {
			return nil, err
		}
		out[c.ID] = c
	}
	return out, nil
}

// Update locks the contact, runs fn on a copy and stores the result; the id
// and repository object id never change.
func (r *ContactRepository) Update(ctx context.Context, id string, fn func(*core.Contact) error) (core.Contact, error) {
	if err := r.c.writable(); err != nil {
		return core.Contact{}, err
	}
	var row contactRow
	if err := r.c.selectOne(ctx, &row, true, "id = ?", id); err != nil {
		return core.Contact{}, err
	}
	c, err := row.core()
	if err != nil {
		return core.Contact{}, err
	}
	if err := fn(&c); err != nil {
		return core.Contact{}, err
	}
	c.ID, c.ROID = id, row.ROID
	next, err := contactToRow(c)
	if err != nil {
		return core.Contact{}, err
	}
	if err := r.c.update(ctx, next); err != nil {
		return core.Contact{}, err
	}
	return next.core()
}

// Delete removes the contact; ErrNotFound when there is none.
func (r *ContactRepository) Delete(ctx context.Context, id string) error {
	if err := r.c.writable(); err != nil {
		return err
	}
	res, err := r.c.db.NewDelete().Model((*contactRow)(nil)).Where("id = ?", id).Exec(ctx)
	return touched(res, err, ports.ErrNotFound)
}

// LinkedDomains answers the ids of the live registrations naming the contact.
func (r *ContactRepository) LinkedDomains(ctx context.Context, id string) ([]string, error) {
	ids := []string{}
	err := r.c.db.NewSelect().Model((*domainRow)(nil)).Column("id").
		Where("registrant_contact_id = ? AND state <> ?", id, string(core.StateCancelled)).Order("id").Scan(ctx, &ids)
	if err != nil {
		return nil, mapErr(err)
	}
	return ids, nil
}
