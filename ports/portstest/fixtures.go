package portstest

import (
	"context"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// world is the set of rows most subtests hang their data on, so that a store
// with foreign keys accepts every fixture.
type world struct {
	Partner   core.Partner
	Channel   core.Channel
	APIKey    core.APIKey
	Namespace core.Namespace
	Listing   core.Listing
}

// seed inserts a fresh world in one transaction.
func seed(t *testing.T, u ports.UnitOfWork) world {
	t.Helper()
	w := world{Partner: newPartner()}
	w.Channel = newChannel(w.Partner.ID)
	w.APIKey = newAPIKey(w.Partner.ID, w.Channel.ID)
	w.Namespace = newNamespace()
	w.Listing = newListing(w.Channel.ID, w.Namespace.Name)
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		return firstErr(
			func() error { return tx.Partners().Insert(ctx, w.Partner) },
			func() error { return tx.Channels().Insert(ctx, w.Channel) },
			func() error { return tx.APIKeys().Insert(ctx, w.APIKey) },
			func() error { return tx.Namespaces().Insert(ctx, w.Namespace) },
			func() error { return tx.Listings().Insert(ctx, w.Listing) },
		)
	})
	return w
}

// secondChannel inserts another channel of the world's partner.
func (w world) secondChannel(t *testing.T, u ports.UnitOfWork) core.Channel {
	t.Helper()
	c := newChannel(w.Partner.ID)
	do(t, u, func(ctx context.Context, tx ports.Stores) error { return tx.Channels().Insert(ctx, c) })
	return c
}

// firstErr runs steps in order and stops at the first error.
func firstErr(steps ...func() error) error {
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

func newPartner() core.Partner {
	return core.Partner{
		ID:               newID("par"),
		Name:             "Partner " + unique(""),
		GemsBalance:      10_000,
		DNSModuleEnabled: true,
		CreatedAt:        at(0),
		UpdatedAt:        at(time.Minute),
	}
}

func newChannel(partnerID string) core.Channel {
	return core.Channel{
		ID:                   newID("chn"),
		PartnerID:            partnerID,
		Slug:                 unique("slug-"),
		Status:               core.ChannelApproved,
		ProductionApproved:   true,
		ProductionApprovedAt: ptr(at(2 * time.Minute)),
		RateLimitPerMinute:   77,
		EPPPasswordHash:      "$argon2id$" + unique(""),
		CreatedAt:            at(0),
		UpdatedAt:            at(3 * time.Minute),
	}
}

func newAPIKey(partnerID, channelID string) core.APIKey {
	return core.APIKey{
		ID:          newID("key"),
		PartnerID:   partnerID,
		ChannelID:   channelID,
		Profile:     core.ProfileRegistrarAPI,
		Scopes:      []string{core.ScopeDomainsCreate, core.ScopeDomainsRead, core.ScopePoll},
		TokenHash:   core.HashToken(unique("token-")),
		TokenPrefix: unique("hd_")[:10],
		CreatedAt:   at(0),
	}
}

func newNamespace() core.Namespace {
	return core.Namespace{
		Name:            unique("ns"),
		DNSBackend:      core.DNSBackendMemory,
		CreatePriceGems: 25,
		RenewPriceGems:  20,
		ReservedLabels:  []string{"www", "nic"},
		ClaimLabels:     []string{"bank", "xn--bcher-kva"},
		CreatedAt:       at(0),
	}
}

func newListing(channelID, namespace string) core.Listing {
	return core.Listing{
		ChannelID:  channelID,
		Namespace:  namespace,
		Status:     core.ListingApproved,
		CreatedAt:  at(0),
		ApprovedAt: ptr(at(time.Hour)),
	}
}

// newName is a fresh name in the world's namespace.
func (w world) newName() core.Name {
	return core.MustName(unique("d") + "." + w.Namespace.Name)
}

// newDomain is a live registration of name with every field set.
func (w world) newDomain(name core.Name) core.Domain {
	return core.Domain{
		ID:        newID("dom"),
		Name:      name,
		ChannelID: w.Channel.ID,
		PartnerID: w.Partner.ID,
		State:     core.StateActive,
		Statuses:  []string{core.StatusClientDeleteProhibited, core.StatusClientHold},
		Registrant: core.Registrant{
			Name: "Alice Example", Organization: "Example Ltd", Email: "alice@example.com",
			Phone: "+1.5555551234", Country: "US", Metadata: map[string]string{"ref": "42", "tier": "gold"},
		},
		NameserversDesired: []string{"ns1.example.net", "ns2.example.net"},
		NameserversApplied: []string{"ns1.example.net"},
		ApplyStatus:        core.ApplyPending,
		BackendKind:        core.DNSBackendMemory,
		BackendReference:   "ref-" + unique(""),
		ProtectedLegacy:    true,
		OTESandbox:         true,
		Imported:           true,
		CreatePaidGems:     50,
		CreatedAt:          at(0),
		UpdatedAt:          at(time.Second),
		ExpiresAt:          at(365 * 24 * time.Hour),
		LastRenewedAt:      ptr(at(time.Minute)),
		DeletedAt:          ptr(at(2 * time.Minute)),
		Claim:              &core.ClaimAcknowledgement{NoticeID: "notice-" + unique(""), AcceptedAt: at(-time.Hour)},
		// Stores keep the id as is; they do not check that the contact exists.
		RegistrantContactID: newContactID(),
		Grace: []core.GracePeriod{
			{Status: core.StatusAddPeriod, EndsAt: at(5 * time.Minute), PartnerID: w.Partner.ID, ChannelID: w.Channel.ID, Gems: 50},
			{Status: core.StatusRenewPeriod, EndsAt: at(6 * time.Minute), PartnerID: w.Partner.ID, ChannelID: w.Channel.ID, Gems: 20, Years: 2},
		},
		StateEndsAt: ptr(at(3 * time.Minute)),
	}
}

// newBareDomain is a live registration with every optional field empty.
func (w world) newBareDomain(name core.Name) core.Domain {
	return core.Domain{
		ID:          newID("dom"),
		Name:        name,
		ChannelID:   w.Channel.ID,
		PartnerID:   w.Partner.ID,
		State:       core.StateActive,
		Registrant:  core.Registrant{Name: "Bob"},
		ApplyStatus: core.ApplyNone,
		BackendKind: core.DNSBackendNone,
		CreatedAt:   at(0),
		UpdatedAt:   at(0),
		ExpiresAt:   at(24 * time.Hour),
	}
}

// newAuditEvent is a success event of the world's channel.
func (w world) newAuditEvent(command, domain, key string, created time.Time) core.AuditEvent {
	return core.AuditEvent{
		ID:             newID("aud"),
		ChannelID:      w.Channel.ID,
		ChannelSlug:    w.Channel.Slug,
		APIKeyID:       w.APIKey.ID,
		Actor:          "registrar",
		Command:        command,
		Domain:         domain,
		IdempotencyKey: key,
		Status:         core.AuditSuccess,
		HTTPStatus:     201,
		RequestSummary: map[string]any{
			"domain": domain, "years": 2, "nameservers": []any{"ns1.example.net", "ns2.example.net"},
			"registrant": map[string]any{"name": "Alice", "country": "US"}, "sandbox": false,
		},
		ResponseSummary: map[string]any{"state": "active", "debited_gems": 50, "ratio": 1.5, "note": nil},
		CreatedAt:       created,
	}
}

func (w world) newLedgerEntry(auditID string, amount, balance core.Gems, created time.Time) core.LedgerEntry {
	return core.LedgerEntry{
		ID:        newID("led"),
		PartnerID: w.Partner.ID,
		ChannelID: w.Channel.ID,
		AuditID:   auditID,
		Command:   string(core.CmdCreateDomain),
		Domain:    "x." + w.Namespace.Name,
		Amount:    amount,
		Balance:   balance,
		CreatedAt: created,
	}
}

func (w world) newPending(auditID, command string, d core.Domain, created time.Time) core.PendingItem {
	return core.PendingItem{
		ID:        newID("pnd"),
		AuditID:   auditID,
		ChannelID: d.ChannelID,
		Command:   command,
		Domain:    d.Name.String(),
		DomainID:  d.ID,
		Payload:   map[string]any{"nameservers": []any{"ns1.example.net"}, "count": 1, "nested": map[string]any{"ok": true}},
		Status:    core.PendingQueued,
		Reason:    "",
		Attempts:  0,
		NextTryAt: created,
		CreatedAt: created,
		UpdatedAt: created.Add(time.Millisecond),
	}
}

func (w world) newOTERun(eventIDs ...string) core.OTERun {
	return core.OTERun{
		ID:        newID("ote"),
		ChannelID: w.Channel.ID,
		Name:      "Run " + unique(""),
		CreatedBy: "operator",
		CreatedAt: at(0),
		UpdatedAt: at(time.Second),
		EventIDs:  eventIDs,
	}
}

func (w world) newIdempotencyRecord(key string, created time.Time) core.IdempotencyRecord {
	return core.IdempotencyRecord{
		ChannelID:   w.Channel.ID,
		Key:         key,
		Command:     string(core.CmdCreateDomain),
		Domain:      "k." + w.Namespace.Name,
		Fingerprint: core.Fingerprint(core.CmdCreateDomain, "k."+w.Namespace.Name, false, map[string]any{"years": 1}),
		Sandbox:     true,
		CreatedAt:   created,
	}
}

// appendEvents appends audit events in one transaction.
func appendEvents(t *testing.T, u ports.UnitOfWork, events ...core.AuditEvent) {
	t.Helper()
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		for _, e := range events {
			if err := tx.Audit().Append(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}
