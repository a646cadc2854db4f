package core

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Contact is an RFC 5733 contact object: registrant data owned by one
// registrar channel, which domains name by its id. Contact ids are unique in
// the whole registry (as EPP repositories have them), so a check answers for
// every channel and another channel's contact is refused, not invisible.
type Contact struct {
	ID         string // client-chosen, RFC 5730 clIDType: 3 to 16 characters
	ROID       string // repository object id, RFC 5730 roidType
	ChannelID  string
	PartnerID  string
	PostalInfo PostalInfo
	Voice      string // RFC 5733 "+1.7035555555", optional "x1234" extension
	Fax        string
	Email      string
	// AuthInfoHash is the hashed RFC 5733 authInfo password ("" when none).
	AuthInfoHash string
	Statuses     []string // stored client*/server* statuses; "linked" and "ok" are derived
	OTESandbox   bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// PostalInfo is one RFC 5733 postal address.
type PostalInfo struct {
	Type   string // "int" (7-bit ASCII) or "loc"
	Name   string
	Org    string
	Street []string // 0 to 3 lines
	City   string
	SP     string // state or province
	PC     string // postal code
	CC     string // ISO 3166-1 alpha-2
}

// RFC 5733 contact statuses beyond the shared ones.
const (
	StatusLinked = "linked"
	// PostalInt and PostalLoc are the RFC 5733 postalInfo types.
	PostalInt = "int"
	PostalLoc = "loc"
)

// ContactClientStatuses are the contact statuses a registrar may set.
var ContactClientStatuses = []string{StatusClientDeleteProhibited, StatusClientTransferProhibited, StatusClientUpdateProhibited}

// Contact id bounds (RFC 5730 clIDType).
const (
	MinContactIDLength = 3
	MaxContactIDLength = 16
)

// ValidateContactID checks a contact id: 3 to 16 characters of ASCII
// letters, digits, '-', '_' and '.'.
func ValidateContactID(id string) error {
	if len(id) < MinContactIDLength || len(id) > MaxContactIDLength {
		return Invalid("contact.id", "contact ids have %d to %d characters", MinContactIDLength, MaxContactIDLength)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return Invalid("contact.id", "contact ids use ASCII letters, digits, '-', '_' and '.'")
		}
	}
	return nil
}

// OTEContactID is the id of a channel's OT&E registrant contact: "ote-"
// followed by the first 12 lowercase hex digits of SHA-256 of the slug.
func OTEContactID(channelSlug string) string {
	sum := sha256.Sum256([]byte(channelSlug))
	return "ote-" + hex.EncodeToString(sum[:])[:12]
}

// ValidateContact checks the data of a contact about to be stored.
func ValidateContact(c Contact) error {
	if err := ValidateContactID(c.ID); err != nil {
		return err
	}
	p := c.PostalInfo
	if p.Type != PostalInt && p.Type != PostalLoc {
		return Invalid("contact.postal_info.type", "postalInfo type must be int or loc")
	}
	if strings.TrimSpace(p.Name) == "" {
		return Invalid("contact.postal_info.name", "the contact name is required")
	}
	if strings.TrimSpace(p.City) == "" {
		return Invalid("contact.postal_info.city", "the contact city is required")
	}
	if !validCountry(p.CC) {
		return Invalid("contact.postal_info.cc", "the country code must be ISO 3166-1 alpha-2 such as US")
	}
	if len(p.Street) > 3 {
		return Invalid("contact.postal_info.street", "at most 3 street lines")
	}
	fields := append([]string{p.Name, p.Org, p.City, p.SP}, p.Street...)
	for _, f := range fields {
		if utf8.RuneCountInString(f) > 255 || !utf8.ValidString(f) {
			return Invalid("contact.postal_info", "postal fields are valid UTF-8 of at most 255 characters")
		}
	}
	if len(p.PC) > 16 {
		return Invalid("contact.postal_info.pc", "the postal code has at most 16 characters")
	}
	if p.Type == PostalInt {
		for _, f := range append(fields, p.PC) {
			for i := 0; i < len(f); i++ {
				if f[i] < 0x20 || f[i] > 0x7e {
					return Invalid("contact.postal_info", "postalInfo type int allows 7-bit ASCII only; use type loc")
				}
			}
		}
	}
	if strings.TrimSpace(c.Email) == "" {
		return Invalid("contact.email", "the contact e-mail is required")
	}
	if !validEmail(c.Email) {
		return Invalid("contact.email", "the contact e-mail is not a valid address")
	}
	if c.Voice != "" && !validPhone(c.Voice) {
		return Invalid("contact.voice", "voice must be RFC 5733 (+1.7035555555) or E.164")
	}
	if c.Fax != "" && !validPhone(c.Fax) {
		return Invalid("contact.fax", "fax must be RFC 5733 (+1.7035555555) or E.164")
	}
	return nil
}

// ValidateContactStatusChange refuses contact statuses a registrar may not set.
func ValidateContactStatusChange(c StatusChange) error {
	for _, list := range [][]string{c.Add, c.Remove} {
		for _, s := range list {
			if slices.Contains(ContactClientStatuses, s) {
				continue
			}
			if slices.Contains(AllStatuses, s) || s == StatusLinked {
				return Errorf(CodeStatusNotClientSettable, "contact status %s is not client settable", s)
			}
			return Invalid("statuses", "unknown contact status %q", truncate(s))
		}
	}
	return nil
}

// HasStatus reports whether a stored status is set.
func (c *Contact) HasStatus(s string) bool { return slices.Contains(c.Statuses, s) }

// CanUpdate checks a contact update: clientUpdateProhibited refuses every
// update except the one that removes it.
func (c *Contact) CanUpdate(change StatusChange) error {
	if err := ValidateContactStatusChange(change); err != nil {
		return err
	}
	if c.HasStatus(StatusServerUpdateProhibited) {
		return Errorf(CodeStatusProhibitsOperation, "contact %s has status %s", c.ID, StatusServerUpdateProhibited)
	}
	if c.HasStatus(StatusClientUpdateProhibited) && !slices.Contains(change.Remove, StatusClientUpdateProhibited) {
		return Errorf(CodeStatusProhibitsOperation, "contact %s has status %s; remove it first", c.ID, StatusClientUpdateProhibited)
	}
	return nil
}

// CanDelete checks a contact delete: delete-prohibited statuses refuse it,
// and so does a registration that names it (linked).
func (c *Contact) CanDelete(linked bool) error {
	for _, s := range []string{StatusClientDeleteProhibited, StatusServerDeleteProhibited} {
		if c.HasStatus(s) {
			return Errorf(CodeStatusProhibitsOperation, "contact %s has status %s", c.ID, s)
		}
	}
	if linked {
		return Errorf(CodeContactInUse, "contact %s is the registrant of a registration; change that first", c.ID)
	}
	return nil
}

// ApplyStatusChange adds and removes client statuses (after CanUpdate).
func (c *Contact) ApplyStatusChange(change StatusChange, now time.Time) {
	c.Statuses = change.Apply(c.Statuses)
	c.UpdatedAt = now
}

// Registrant is the registrant data a domain copies from the contact.
func (c *Contact) Registrant() Registrant {
	p := c.PostalInfo
	md := map[string]string{"contact_id": c.ID}
	if len(p.Street) > 0 {
		md["street"] = strings.Join(p.Street, "\n")
	}
	for k, v := range map[string]string{"city": p.City, "sp": p.SP, "pc": p.PC} {
		if v != "" {
			md[k] = v
		}
	}
	return Registrant{Name: p.Name, Organization: p.Org, Email: c.Email, Phone: c.Voice, Country: p.CC, Metadata: md}
}

// ContactView is a contact as its sponsor sees it: no authInfo hash, the
// derived statuses included.
type ContactView struct {
	ID         string
	ROID       string
	ChannelID  string
	PostalInfo PostalInfo
	Voice      string
	Fax        string
	Email      string
	HasAuth    bool
	Statuses   []string
	Linked     bool
	OTESandbox bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ContactViewOf renders c; linked says whether a live registration names it.
func ContactViewOf(c *Contact, linked bool) ContactView {
	st := append([]string(nil), c.Statuses...)
	if linked {
		st = append(st, StatusLinked)
	}
	if len(c.Statuses) == 0 {
		st = append(st, StatusOK)
	}
	sort.Strings(st)
	p := c.PostalInfo
	p.Street = append([]string{}, p.Street...)
	return ContactView{ID: c.ID, ROID: c.ROID, ChannelID: c.ChannelID, PostalInfo: p, Voice: c.Voice, Fax: c.Fax,
		Email: c.Email, HasAuth: c.AuthInfoHash != "", Statuses: st, Linked: linked, OTESandbox: c.OTESandbox,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// ContactSummary is the audit-safe part of a contact: no e-mail, phone, fax or authInfo.
func ContactSummary(id string, p PostalInfo) map[string]any {
	m := map[string]any{"contact_id": id, "name": p.Name, "postal_type": p.Type}
	if p.Org != "" {
		m["organization"] = p.Org
	}
	if p.CC != "" {
		m["country"] = p.CC
	}
	return m
}

// CheckContacts is the contact check command: 1 to 50 ids.
type CheckContacts struct {
	IDs []string
}

// ContactCheckResult is one id's availability.
type ContactCheckResult struct {
	ID        string
	Available bool
	Reason    string // "in use" when taken, "" otherwise
}

// CreateContact is the contact create command.
type CreateContact struct {
	Mutation
	ID         string
	PostalInfo PostalInfo
	Voice      string
	Fax        string
	Email      string
	AuthInfo   string // plaintext; only its hash is stored
}

// UpdateContact is the contact update command; nil fields stay.
type UpdateContact struct {
	Mutation
	ID         string
	Statuses   StatusChange
	PostalInfo *PostalInfo
	Voice      *string
	Fax        *string
	Email      *string
	AuthInfo   *string
}

// DeleteContact is the contact delete command.
type DeleteContact struct {
	Mutation
	ID string
}
