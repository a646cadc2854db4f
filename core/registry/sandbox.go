package registry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// SandboxReset (re)creates the channel's OT&E fixtures in every approved
// namespace: ote-{renew,ns,update,delete}-{slug} registered and active,
// ote-claim-{slug} left unregistered (its label is claim-required), and
// ote-transfer-{slug} registered and active but sponsored by the registry's
// OT&E counterparty channel, with a fresh authorization code that only this
// answer carries. Only records marked ote_sandbox are overwritten; a real
// registration holding a fixture name is left alone and reported as skipped.
// It costs no Gems and needs no idempotency key; it is audited (never with
// the codes).
func (s *Service) SandboxReset(ctx context.Context, a core.Actor) (core.SandboxResetResult, error) {
	counterparty, err := s.oteCounterparty(ctx)
	if err != nil {
		return core.SandboxResetResult{}, storeErr(err, core.CodeInternal, "OT&E counterparty channel")
	}
	codes := map[string]oteAuthCode{}
	for _, nsName := range a.ApprovedNamespaces() {
		if s.opts.Passwords == nil {
			break // no transfers without a hasher: the transfer fixtures are skipped
		}
		if codes[nsName], err = s.newOTEAuthCode(); err != nil {
			return core.SandboxResetResult{}, core.Internal(err)
		}
	}
	now := s.now()
	res := core.SandboxResetResult{Fixtures: []core.SandboxFixture{}, AuditID: s.ids.NewID("aud")}
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Stores) error {
		res.Fixtures = res.Fixtures[:0]
		contact, err := s.resetOTEContact(ctx, tx, a, now)
		if err != nil {
			return err
		}
		res.Fixtures = append(res.Fixtures, contact)
		for _, nsName := range a.ApprovedNamespaces() {
			ns, err := tx.Namespaces().Get(ctx, nsName)
			if err != nil {
				return err
			}
			for _, purpose := range core.SandboxFixturePurposes {
				f, err := s.resetFixture(ctx, tx, a, ns, purpose, counterparty, codes[nsName], now)
				if err != nil {
					return err
				}
				res.Fixtures = append(res.Fixtures, f)
			}
		}
		domains := make([]any, 0, len(res.Fixtures))
		skipped := 0
		for _, f := range res.Fixtures {
			if f.Domain == "" {
				domains = append(domains, f.ContactID)
			} else {
				domains = append(domains, f.Domain)
			}
			if f.Skipped {
				skipped++
			}
		}
		return tx.Audit().Append(ctx, core.AuditEvent{
			ID: res.AuditID, ChannelID: a.ChannelID(), ChannelSlug: a.Channel.Slug, APIKeyID: a.APIKey.ID,
			Actor: "registrar", Command: string(core.CmdSandboxReset), Status: core.AuditSuccess, HTTPStatus: 200,
			RequestSummary:  map[string]any{"namespaces": a.ApprovedNamespaces()},
			ResponseSummary: core.Summarize(map[string]any{"fixtures": domains, "skipped": skipped}),
			CreatedAt:       now,
		})
	})
	if err != nil {
		return core.SandboxResetResult{}, storeErr(err, core.CodeInternal, "sandbox fixture")
	}
	return res, nil
}

func (s *Service) resetFixture(ctx context.Context, tx ports.Stores, a core.Actor, ns core.Namespace, purpose string,
	counterparty core.Channel, code oteAuthCode, now time.Time) (core.SandboxFixture, error) {
	name, err := core.NewName(core.FixtureLabel(purpose, a.Channel.Slug), ns.Name)
	if err != nil {
		return core.SandboxFixture{}, err
	}
	f := core.SandboxFixture{Purpose: purpose, Domain: name.String()}
	existing, err := tx.Domains().GetByName(ctx, name)
	found := err == nil
	if err != nil && !errors.Is(err, ports.ErrNotFound) {
		return f, err
	}
	if found && !existing.OTESandbox {
		f.Skipped, f.Reason = true, "a registration that is not an OT&E fixture holds this name"
		return f, nil
	}
	if purpose == "transfer" && code.hash == "" {
		f.Skipped, f.Reason = true, "the registry has no password hasher configured, so it has no transfers"
		return f, nil
	}
	if purpose == "claim" {
		if found { // an old fixture holds the claim name: cancel it so the name is free
			_, err := tx.Domains().Update(ctx, existing.ID, func(d *core.Domain) error {
				t := now
				d.State, d.DeletedAt, d.UpdatedAt = core.StateCancelled, &t, now
				return nil
			})
			return f, err
		}
		return f, nil
	}
	fixture := func(d *core.Domain) {
		d.Name, d.ChannelID, d.PartnerID = name, a.ChannelID(), a.Partner.ID
		d.State, d.Statuses = core.StateActive, []string{}
		d.Registrant = core.Registrant{Name: "OT&E Fixture", Organization: a.Channel.Slug, Country: "US",
			Email: "ote@" + a.Channel.Slug + ".invalid", Metadata: map[string]string{"purpose": purpose}}
		d.NameserversDesired, d.NameserversApplied, d.ApplyStatus = []string{}, []string{}, core.ApplyNone
		d.BackendKind, d.OTESandbox, d.ProtectedLegacy, d.Imported = ns.DNSBackend, true, false, false
		d.CreatePaidGems, d.CreatedAt, d.UpdatedAt = 0, now, now
		d.ExpiresAt, d.LastRenewedAt, d.DeletedAt, d.Claim = core.AddYears(now, 1), nil, nil, nil
		d.StateEndsAt = nil
		d.Transfer, d.TransferredAt = nil, nil
		d.AuthCodeHash, d.AuthCodeSetAt, d.AuthCodeExpiresAt = "", nil, nil
		d.Registered(now, ns.Policy, a.Payer(), 0) // a fresh create: in add grace, as the OT&E checklist expects
		if purpose == "transfer" {
			// The losing side is the registry's counterparty, and the
			// registration is created one transfer lock (plus a day) ago,
			// so that the lock of RFC 5731 section 3.2.4's transfer rules
			// does not refuse the request; it is never in add grace.
			created := now.Add(-ns.Policy.TransferLock - 24*time.Hour)
			d.ChannelID, d.PartnerID = counterparty.ID, counterparty.PartnerID
			d.Registrant.Organization = core.OTECounterpartySlug
			d.CreatedAt, d.Grace = created, []core.GracePeriod{}
			d.SetAuthCode(code.hash, now, ns.Policy)
		}
	}
	if purpose == "transfer" {
		f.AuthCode = code.code
	}
	if found {
		_, err := tx.Domains().Update(ctx, existing.ID, func(d *core.Domain) error {
			fixture(d)
			return nil
		})
		return f, err
	}
	d := core.Domain{ID: s.ids.NewID("dom")}
	fixture(&d)
	d.BackendReference = d.ID
	if err := tx.Domains().Insert(ctx, d); err != nil {
		return f, err
	}
	return f, nil
}

// oteAuthCode is a transfer fixture's authorization code and its hash.
type oteAuthCode struct{ code, hash string }

// newOTEAuthCode generates a transfer fixture's code: "OTE-" and 32 hex
// digits (128 random bits; uppercase, a symbol and lowercase or digits, so
// it passes core.ValidateAuthCode), hashed as every auth code is.
func (s *Service) newOTEAuthCode() (oteAuthCode, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return oteAuthCode{}, err
	}
	code := "OTE-" + hex.EncodeToString(b[:])
	hash, err := s.opts.Passwords.Hash(code)
	if err != nil {
		return oteAuthCode{}, err
	}
	return oteAuthCode{code: code, hash: hash}, nil
}

// oteCounterparty answers the registry's OT&E counterparty channel, creating
// it and its partner the first time (approved, never production approved, no
// API key, no Gems). Two first resets racing both try the insert; the loser
// reads the winner's channel.
func (s *Service) oteCounterparty(ctx context.Context) (core.Channel, error) {
	var ch core.Channel
	read := func() error {
		return s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
			var err error
			ch, err = tx.Channels().GetBySlug(ctx, core.OTECounterpartySlug)
			return err
		})
	}
	err := read()
	if !errors.Is(err, ports.ErrNotFound) {
		return ch, err
	}
	now := s.now()
	p := core.Partner{ID: s.ids.NewID("ptr"), Name: core.OTECounterpartyName, CreatedAt: now, UpdatedAt: now}
	ch = core.Channel{ID: s.ids.NewID("chn"), PartnerID: p.ID, Slug: core.OTECounterpartySlug, Status: core.ChannelApproved,
		RateLimitPerMinute: core.DefaultRateLimitPerMinute, CreatedAt: now, UpdatedAt: now}
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Stores) error {
		if err := tx.Partners().Insert(ctx, p); err != nil {
			return err
		}
		return tx.Channels().Insert(ctx, ch)
	})
	if errors.Is(err, ports.ErrDuplicate) {
		return ch, read()
	}
	return ch, err
}

// OTEContactPurpose is the fixture purpose of the OT&E registrant contact.
const OTEContactPurpose = "registrant_contact"

// resetOTEContact (re)creates the channel's OT&E registrant contact, the one
// OT&E creates name: id core.OTEContactID(slug), marked ote_sandbox. Only a
// contact marked ote_sandbox and owned by the channel is overwritten.
func (s *Service) resetOTEContact(ctx context.Context, tx ports.Stores, a core.Actor, now time.Time) (core.SandboxFixture, error) {
	id := core.OTEContactID(a.Channel.Slug)
	f := core.SandboxFixture{Purpose: OTEContactPurpose, ContactID: id}
	fixture := func(c *core.Contact) {
		c.ChannelID, c.PartnerID = a.ChannelID(), a.Partner.ID
		c.PostalInfo = core.PostalInfo{Type: core.PostalInt, Name: "OT&E Registrant", Org: a.Channel.Slug,
			Street: []string{"1 Test Street"}, City: "Testville", SP: "CA", PC: "90000", CC: "US"}
		c.Voice, c.Fax, c.Email, c.AuthInfoHash = "+1.5555550100", "", "ote@"+a.Channel.Slug+".invalid", ""
		c.Statuses, c.OTESandbox, c.UpdatedAt = []string{}, true, now
	}
	existing, err := tx.Contacts().Get(ctx, id)
	switch {
	case errors.Is(err, ports.ErrNotFound):
		c := core.Contact{ID: id, ROID: s.ids.NewID("con") + "-HD", CreatedAt: now}
		fixture(&c)
		return f, tx.Contacts().Insert(ctx, c)
	case err != nil:
		return f, err
	case !existing.OTESandbox || existing.ChannelID != a.ChannelID():
		f.Skipped, f.Reason = true, "a contact that is not this channel's OT&E fixture holds this id"
		return f, nil
	}
	_, err = tx.Contacts().Update(ctx, id, func(c *core.Contact) error {
		fixture(c)
		return nil
	})
	return f, err
}
