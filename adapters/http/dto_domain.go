package httpadapter

import (
	"time"

	"github.com/headlessdomains/registry/core"
)

// Wire timestamps are RFC 3339 in UTC with as many fractional digits as the
// registry stores (so that expires_at can be echoed back as
// current_expires_at exactly).
func timeString(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func timePtr(t *time.Time) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := timeString(*t)
	return &s
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// registrantDTO is the registrant contact, in requests and responses.
type registrantDTO struct {
	Name         string            `json:"name"`
	Organization string            `json:"organization"`
	Email        string            `json:"email"`
	Phone        string            `json:"phone"`
	Country      string            `json:"country"`
	Metadata     map[string]string `json:"metadata"`
}

func (d registrantDTO) core() core.Registrant {
	return core.Registrant{Name: d.Name, Organization: d.Organization, Email: d.Email, Phone: d.Phone,
		Country: d.Country, Metadata: d.Metadata}
}

func registrantOf(r core.Registrant) registrantDTO {
	md := r.Metadata
	if md == nil {
		md = map[string]string{}
	}
	return registrantDTO{Name: r.Name, Organization: r.Organization, Email: r.Email, Phone: r.Phone,
		Country: r.Country, Metadata: md}
}

type nameserversDTO struct {
	Desired     []string `json:"desired"`
	Applied     []string `json:"applied"`
	ApplyStatus string   `json:"apply_status"`
}

type backendRefDTO struct {
	Kind      string  `json:"kind"`
	Reference *string `json:"reference"`
}

// domainDTO is a registration as the registrar and the operator see it.
type domainDTO struct {
	ID                 string         `json:"id"`
	Name               string         `json:"name"`
	UnicodeName        string         `json:"unicode_name"`
	Label              string         `json:"label"`
	Namespace          string         `json:"namespace"`
	State              string         `json:"state"`
	Statuses           []string       `json:"statuses"`
	RegistrarChannelID string         `json:"registrar_channel_id"`
	CreatedAt          string         `json:"created_at"`
	UpdatedAt          string         `json:"updated_at"`
	ExpiresAt          string         `json:"expires_at"`
	Registrant         registrantDTO  `json:"registrant"`
	Nameservers        nameserversDTO `json:"nameservers"`
	Backend            backendRefDTO  `json:"backend"`
	ProtectedLegacy    bool           `json:"protected_legacy"`
	OTESandbox         bool           `json:"ote_sandbox"`
	// RFC 9154: whether an unexpired authorization code is set, never the code.
	AuthCodeSet       bool    `json:"auth_code_set"`
	AuthCodeExpiresAt *string `json:"auth_code_expires_at"`
}

func domainOf(v core.DomainView) domainDTO {
	return domainDTO{
		ID:                 v.ID,
		Name:               v.Name,
		UnicodeName:        v.UnicodeName,
		Label:              v.Label,
		Namespace:          v.Namespace,
		State:              string(v.State),
		Statuses:           nonNilStrings(v.Statuses),
		RegistrarChannelID: v.ChannelID,
		CreatedAt:          timeString(v.CreatedAt),
		UpdatedAt:          timeString(v.UpdatedAt),
		ExpiresAt:          timeString(v.ExpiresAt),
		Registrant:         registrantOf(v.Registrant),
		Nameservers: nameserversDTO{
			Desired:     nonNilStrings(v.NameserversDesired),
			Applied:     nonNilStrings(v.NameserversApplied),
			ApplyStatus: v.ApplyStatus,
		},
		Backend:           backendRefDTO{Kind: v.BackendKind, Reference: nullString(v.BackendReference)},
		ProtectedLegacy:   v.ProtectedLegacy,
		OTESandbox:        v.OTESandbox,
		AuthCodeSet:       v.AuthCodeSet,
		AuthCodeExpiresAt: timePtr(v.AuthCodeExpiresAt),
	}
}

// recordDTO is one DNS record, in requests and responses.
type recordDTO struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	TTL      int    `json:"ttl"`
	Value    string `json:"value"`
	Priority *int   `json:"priority,omitempty"`
}

func (d recordDTO) core() core.Record {
	return core.Record{Type: d.Type, Name: d.Name, TTL: d.TTL, Value: d.Value, Priority: d.Priority}
}

func recordsOf(rs []core.Record) []recordDTO {
	out := make([]recordDTO, 0, len(rs))
	for _, r := range rs {
		out = append(out, recordDTO{Type: r.Type, Name: r.Name, TTL: r.TTL, Value: r.Value, Priority: r.Priority})
	}
	return out
}

func coreRecords(in []recordDTO) []core.Record {
	out := make([]core.Record, 0, len(in))
	for _, r := range in {
		out = append(out, r.core())
	}
	return out
}
