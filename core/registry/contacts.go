package registry

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// Contacts (RFC 5733) are the registrant data a registration names. Ids are
// unique in the whole registry; a channel reads and changes only its own
// contacts (another channel's answers contact_not_sponsored, after the id is
// known to exist). Mutations run through the one pipeline: idempotent by
// key, sandboxed on OT&E, audited. Ids starting "ote-" are reserved for the
// OT&E registrant contacts that sandbox reset creates.

// MaxCheckContacts bounds one contact check.
const MaxCheckContacts = 50

// maxAuthInfoLength bounds a contact authInfo password.
const maxAuthInfoLength = 64

// otePrefix starts every reserved OT&E contact id.
const otePrefix = "ote-"

// CheckContacts answers whether 1 to 50 contact ids are free to create.
func (s *Service) CheckContacts(ctx context.Context, a core.Actor, cmd core.CheckContacts) ([]core.ContactCheckResult, error) {
	if len(cmd.IDs) == 0 || len(cmd.IDs) > MaxCheckContacts {
		return nil, core.Invalid("ids", "check 1 to %d contact ids", MaxCheckContacts)
	}
	for _, id := range cmd.IDs {
		if err := core.ValidateContactID(id); err != nil {
			return nil, err
		}
	}
	var found map[string]core.Contact
	err := s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		var err error
		found, err = tx.Contacts().GetMany(ctx, cmd.IDs)
		return err
	})
	if err != nil {
		return nil, storeErr(err, core.CodeInternal, "contacts")
	}
	out := make([]core.ContactCheckResult, 0, len(cmd.IDs))
	for _, id := range cmd.IDs {
		r := core.ContactCheckResult{ID: id, Available: true}
		if _, taken := found[id]; taken {
			r.Available, r.Reason = false, "in use"
		} else if strings.HasPrefix(id, otePrefix) {
			r.Available, r.Reason = false, "reserved"
		}
		out = append(out, r)
	}
	return out, nil
}

// InfoContact reads a contact of the channel.
func (s *Service) InfoContact(ctx context.Context, a core.Actor, id string) (core.ContactView, error) {
	if err := core.ValidateContactID(id); err != nil {
		return core.ContactView{}, err
	}
	var view core.ContactView
	err := s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		c, err := ownedContact(ctx, tx, a, id)
		if err != nil {
			return err
		}
		linked, err := tx.Contacts().LinkedDomains(ctx, id)
		if err != nil {
			return err
		}
		view = core.ContactViewOf(&c, len(linked) > 0)
		return nil
	})
	return view, storeErr(err, core.CodeContactNotFound, "contact")
}

// ownedContact loads a contact and refuses another channel's.
func ownedContact(ctx context.Context, tx ports.Stores, a core.Actor, id string) (core.Contact, error) {
	c, err := tx.Contacts().Get(ctx, id)
	return ownedRead(a, id, c, err)
}

// ownedRead maps a contact read to the catalog: not found, or another
// channel's.
func ownedRead(a core.Actor, id string, c core.Contact, err error) (core.Contact, error) {
	if errors.Is(err, ports.ErrNotFound) {
		return core.Contact{}, core.Errorf(core.CodeContactNotFound, "contact %s does not exist", id)
	}
	if err != nil {
		return core.Contact{}, err
	}
	if c.ChannelID != a.ChannelID() {
		return core.Contact{}, core.Errorf(core.CodeContactNotSponsored, "contact %s belongs to another registrar channel", id)
	}
	return c, nil
}

// contactRules applies access rule 6 to a contact mutation: production
// needs production approval; sandbox does not.
func contactRules(a core.Actor, sandbox bool) error {
	if !sandbox && !a.Channel.ProductionApproved {
		return core.Errorf(core.CodeChannelNotProductionApproved,
			"registrar channel %s may run OT&E and sandbox commands, but production mutation has not been approved", a.Channel.Slug)
	}
	return nil
}

// hashAuthInfo hashes a contact authInfo password ("" stays "").
func (s *Service) hashAuthInfo(pw string) (string, error) {
	if pw == "" {
		return "", nil
	}
	if utf8.RuneCountInString(pw) > maxAuthInfoLength {
		return "", core.Invalid("contact.auth_info", "authInfo has at most %d characters", maxAuthInfoLength)
	}
	if s.opts.Passwords == nil {
		return "", core.Internal(errors.New("registry: no password hasher configured"))
	}
	h, err := s.opts.Passwords.Hash(pw)
	if err != nil {
		return "", core.Internal(err)
	}
	return h, nil
}

func normalizePostal(p core.PostalInfo) core.PostalInfo {
	p.CC = strings.ToUpper(strings.TrimSpace(p.CC))
	if p.Type == "" {
		p.Type = core.PostalLoc
	}
	p.Street = append([]string{}, p.Street...)
	return p
}

// contactParams is the fingerprinted form of a contact command. The
// authInfo password is never part of it (the fingerprint is a fast hash):
// only whether one was sent.
type contactParams struct {
	ID         string
	PostalInfo *core.PostalInfo
	Voice      *string
	Fax        *string
	Email      *string
	AuthInfo   bool
	Add        []string
	Remove     []string
}

// CreateContact creates a contact owned by the channel.
func (s *Service) CreateContact(ctx context.Context, a core.Actor, cmd core.CreateContact) (core.Outcome, error) {
	if err := contactRules(a, cmd.Sandbox); err != nil {
		return core.Outcome{}, err
	}
	postal := normalizePostal(cmd.PostalInfo)
	authHash, authErr := s.hashAuthInfo(cmd.AuthInfo)
	if core.CodeOf(authErr) == core.CodeInternal {
		return core.Outcome{}, authErr
	}
	m := mutation{actor: a, command: core.CmdCreateContact, meta: cmd.Mutation,
		params:  contactParams{ID: cmd.ID, PostalInfo: &postal, Voice: &cmd.Voice, Fax: &cmd.Fax, Email: &cmd.Email, AuthInfo: cmd.AuthInfo != ""},
		request: core.ContactSummary(cmd.ID, postal)}
	return s.mutate(ctx, m, func(ctx context.Context, tx ports.Stores, now time.Time, out *core.Outcome) error {
		c := core.Contact{
			ID: cmd.ID, ROID: s.ids.NewID("con") + "-HD", ChannelID: a.ChannelID(), PartnerID: a.Partner.ID,
			PostalInfo: postal, Voice: strings.TrimSpace(cmd.Voice), Fax: strings.TrimSpace(cmd.Fax),
			Email: strings.TrimSpace(cmd.Email), AuthInfoHash: authHash, Statuses: []string{}, CreatedAt: now, UpdatedAt: now,
		}
		if err := core.ValidateContact(c); err != nil {
			return err
		}
		if strings.HasPrefix(c.ID, otePrefix) {
			return core.Invalid("contact.id", "contact ids starting with %q are reserved for OT&E registrant contacts", otePrefix)
		}
		if authErr != nil {
			return authErr
		}
		if err := tx.Contacts().Insert(ctx, c); err != nil {
			if errors.Is(err, ports.ErrDuplicate) {
				return core.Errorf(core.CodeAlreadyExists, "contact %s already exists", c.ID)
			}
			return err
		}
		v := core.ContactViewOf(&c, false)
		out.Contact = &v
		return nil
	})
}

// UpdateContact changes a contact of the channel: client statuses, postal
// info, voice, fax, e-mail, authInfo. Registrations naming the contact get
// the new registrant data in the same transaction.
func (s *Service) UpdateContact(ctx context.Context, a core.Actor, cmd core.UpdateContact) (core.Outcome, error) {
	if err := contactRules(a, cmd.Sandbox); err != nil {
		return core.Outcome{}, err
	}
	var postal *core.PostalInfo
	if cmd.PostalInfo != nil {
		p := normalizePostal(*cmd.PostalInfo)
		postal = &p
	}
	authHash, authErr := "", error(nil)
	if cmd.AuthInfo != nil {
		authHash, authErr = s.hashAuthInfo(*cmd.AuthInfo)
		if core.CodeOf(authErr) == core.CodeInternal {
			return core.Outcome{}, authErr
		}
	}
	// The summary names what changes, never the values of contact data.
	changed := []string{}
	for field, set := range map[string]bool{"postal_info": postal != nil, "voice_number": cmd.Voice != nil,
		"fax_number": cmd.Fax != nil, "email_address": cmd.Email != nil, "auth_info_password": cmd.AuthInfo != nil} {
		if set {
			changed = append(changed, field)
		}
	}
	sort.Strings(changed)
	m := mutation{actor: a, command: core.CmdUpdateContact, meta: cmd.Mutation,
		params: contactParams{ID: cmd.ID, PostalInfo: postal, Voice: cmd.Voice, Fax: cmd.Fax, Email: cmd.Email,
			AuthInfo: cmd.AuthInfo != nil, Add: cmd.Statuses.Add, Remove: cmd.Statuses.Remove},
		request: map[string]any{"contact_id": cmd.ID, "statuses_add": nonNilList(cmd.Statuses.Add),
			"statuses_remove": nonNilList(cmd.Statuses.Remove), "changed": changed}}
	return s.mutate(ctx, m, func(ctx context.Context, tx ports.Stores, now time.Time, out *core.Outcome) error {
		if err := core.ValidateContactID(cmd.ID); err != nil {
			return err
		}
		c, err := ownedContact(ctx, tx, a, cmd.ID)
		if err != nil {
			return err
		}
		if postal == nil && cmd.Voice == nil && cmd.Fax == nil && cmd.Email == nil && cmd.AuthInfo == nil && cmd.Statuses.Empty() {
			return core.Invalid("contact", "send statuses to add or remove and/or data to change")
		}
		if authErr != nil {
			return authErr
		}
		c, err = tx.Contacts().Update(ctx, c.ID, func(c *core.Contact) error {
			// The status rules run on the contact as this transaction locked it.
			if err := c.CanUpdate(cmd.Statuses); err != nil {
				return err
			}
			if postal != nil {
				c.PostalInfo = *postal
			}
			if cmd.Voice != nil {
				c.Voice = strings.TrimSpace(*cmd.Voice)
			}
			if cmd.Fax != nil {
				c.Fax = strings.TrimSpace(*cmd.Fax)
			}
			if cmd.Email != nil {
				c.Email = strings.TrimSpace(*cmd.Email)
			}
			if cmd.AuthInfo != nil {
				c.AuthInfoHash = authHash
			}
			c.ApplyStatusChange(cmd.Statuses, now)
			return core.ValidateContact(*c)
		})
		if err != nil {
			return err
		}
		linked, err := tx.Contacts().LinkedDomains(ctx, c.ID)
		if err != nil {
			return err
		}
		reg := c.Registrant()
		for _, id := range linked {
			if _, err := tx.Domains().Update(ctx, id, func(d *core.Domain) error {
				d.Registrant, d.UpdatedAt = reg, now
				return nil
			}); err != nil {
				return err
			}
		}
		v := core.ContactViewOf(&c, len(linked) > 0)
		out.Contact = &v
		return nil
	})
}

// DeleteContact removes a contact of the channel that no live registration names.
func (s *Service) DeleteContact(ctx context.Context, a core.Actor, cmd core.DeleteContact) (core.Outcome, error) {
	if err := contactRules(a, cmd.Sandbox); err != nil {
		return core.Outcome{}, err
	}
	m := mutation{actor: a, command: core.CmdDeleteContact, meta: cmd.Mutation,
		params: contactParams{ID: cmd.ID}, request: map[string]any{"contact_id": cmd.ID}}
	return s.mutate(ctx, m, func(ctx context.Context, tx ports.Stores, now time.Time, out *core.Outcome) error {
		if err := core.ValidateContactID(cmd.ID); err != nil {
			return err
		}
		if _, err := ownedContact(ctx, tx, a, cmd.ID); err != nil {
			return err
		}
		// Lock the contact before looking for registrations that name it: a
		// create or update naming it holds a shared lock until it commits.
		c, err := tx.Contacts().Update(ctx, cmd.ID, func(*core.Contact) error { return nil })
		if err != nil {
			return err
		}
		linked, err := tx.Contacts().LinkedDomains(ctx, c.ID)
		if err != nil {
			return err
		}
		if err := c.CanDelete(len(linked) > 0); err != nil {
			return err
		}
		if err := tx.Contacts().Delete(ctx, c.ID); err != nil {
			return err
		}
		v := core.ContactViewOf(&c, false)
		out.Contact = &v
		return nil
	})
}

// registrantContact resolves the contact a domain command names: the
// channel's own, copied into registrant data.
func registrantContact(ctx context.Context, tx ports.Stores, a core.Actor, id string) (core.Registrant, error) {
	if err := core.ValidateContactID(id); err != nil {
		return core.Registrant{}, core.Invalid("registrant", "registrant contact id: %s", core.AsError(err).Detail)
	}
	c, err := tx.Contacts().GetShared(ctx, id)
	if c, err = ownedRead(a, id, c, err); err != nil {
		return core.Registrant{}, err
	}
	return c.Registrant(), nil
}
