package core

import (
	"sort"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// Public registration data (RDAP, RFC 9082 and RFC 9083): what the registry
// tells anybody who asks about a name. The view is built here, from the
// registration, so that no transport can publish more than it: of the
// registrant only the country leaves the registry.

// ROIDSuffix ends every repository object identifier of this registry
// (RFC 5730 roidType "(\w|_){1,80}-\w{1,8}"): a registration's RDAP handle is
// its id with this suffix, the same value EPP shows as <domain:roid>.
const ROIDSuffix = "-HD"

// LookupResult says what a public lookup of a name found.
type LookupResult string

const (
	// LookupRegistered: a registration is published.
	LookupRegistered LookupResult = "registered"
	// LookupAvailable: the namespace is served here and the name is not
	// registered (nor held, nor reserved): a registrar can register it.
	LookupAvailable LookupResult = "available"
	// LookupReserved: the namespace's policy reserves the label.
	LookupReserved LookupResult = "reserved"
	// LookupWithheld: the name is held by the registry for registrar
	// testing (an OT&E sandbox fixture); nothing about it is published.
	LookupWithheld LookupResult = "withheld"
	// LookupNotServed: the name lies in a namespace this registry does not serve.
	LookupNotServed LookupResult = "not_served"
)

// DomainLookup is the answer to a public lookup: the name as parsed, what
// was found, and the published registration when there is one.
type DomainLookup struct {
	// Query is the name asked for, as lowercase A-labels; Name is set when
	// it has the shape of a registration (one label under a namespace).
	Query  string
	Name   Name
	Result LookupResult
	Domain *RDAPDomain // only when Result is LookupRegistered
}

// RDAPDomain is the public view of a registration. It holds no registrant
// data but the country, by construction: RDAPDomainOf copies nothing else.
type RDAPDomain struct {
	Handle string // the repository object id, e.g. dom_01J...-HD
	Name   Name
	State  State
	// EPPStatuses are the RFC 5731/3915 statuses at the time of the lookup;
	// Statuses the same mapped to RDAP status values (RFC 8056).
	EPPStatuses []string
	Statuses    []string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	// LastChangedAt is set once the registration has changed since its creation.
	LastChangedAt *time.Time
	// TransferredAt is when the latest transfer to its sponsor completed.
	TransferredAt *time.Time
	Registrar     RDAPRegistrar
	// RegistrantCountry is the registrant's ISO 3166-1 alpha-2 code, or "".
	RegistrantCountry string
	// Nameservers is the delegation as published in DNS: the applied
	// nameservers of an active registration, none while the delegation is
	// withdrawn (expired, redemption, pending delete).
	Nameservers []string
	// DelegationSigned: the registry publishes no DS records today.
	DelegationSigned bool
	// AsOf is when the answer was read ("last update of RDAP database").
	AsOf time.Time
}

// RDAPRegistrar is the public view of a registrar channel.
type RDAPRegistrar struct {
	Handle string // the channel slug
	Name   string // the partner's name
	Status ChannelStatus
	// Statuses are the RDAP status values of the registrar entity.
	Statuses []string
}

// Publishable reports whether a channel is public: pending channels are not
// yet registrars anybody can meet.
func (c Channel) Publishable() bool {
	return c.Status == ChannelApproved || c.Status == ChannelSuspended
}

// RDAPRegistrarOf is the public view of a channel and its partner.
func RDAPRegistrarOf(c Channel, p Partner) RDAPRegistrar {
	st := []string{RDAPActive}
	if c.Status == ChannelSuspended {
		st = []string{RDAPInactive}
	}
	return RDAPRegistrar{Handle: c.Slug, Name: p.Name, Status: c.Status, Statuses: st}
}

// RDAPDomainOf is the public view of d at now, sponsored by c of partner p.
func RDAPDomainOf(d *Domain, c Channel, p Partner, now time.Time) RDAPDomain {
	epp := d.EffectiveStatuses(now)
	v := RDAPDomain{
		Handle:            d.ID + ROIDSuffix,
		Name:              d.Name,
		State:             d.EffectiveState(now),
		EPPStatuses:       epp,
		Statuses:          RDAPStatuses(epp),
		CreatedAt:         d.CreatedAt,
		ExpiresAt:         d.ExpiresAt,
		Registrar:         RDAPRegistrarOf(c, p),
		RegistrantCountry: strings.ToUpper(d.Registrant.Country),
		Nameservers:       []string{},
		AsOf:              now,
	}
	if d.UpdatedAt.After(d.CreatedAt) {
		t := d.UpdatedAt
		v.LastChangedAt = &t
	}
	if d.TransferredAt != nil {
		t := *d.TransferredAt
		v.TransferredAt = &t
	}
	if v.State == StateActive {
		v.Nameservers = append(v.Nameservers, d.NameserversApplied...)
		sort.Strings(v.Nameservers)
	}
	return v
}

// RDAP status values (the IANA "RDAP JSON Values" registry) that are not a
// mapping of an EPP status.
const (
	RDAPActive   = "active"
	RDAPInactive = "inactive"
)

// rdapStatus is the mapping of RFC 8056 section 2: each EPP status of RFC
// 5731, RFC 5732, RFC 5733 and RFC 3915 to its RDAP status value.
var rdapStatus = map[string]string{
	"addPeriod":                "add period",
	"autoRenewPeriod":          "auto renew period",
	"clientDeleteProhibited":   "client delete prohibited",
	"clientHold":               "client hold",
	"clientRenewProhibited":    "client renew prohibited",
	"clientTransferProhibited": "client transfer prohibited",
	"clientUpdateProhibited":   "client update prohibited",
	"inactive":                 "inactive",
	"linked":                   "associated",
	"ok":                       "active",
	"pendingCreate":            "pending create",
	"pendingDelete":            "pending delete",
	"pendingRenew":             "pending renew",
	"pendingRestore":           "pending restore",
	"pendingTransfer":          "pending transfer",
	"pendingUpdate":            "pending update",
	"redemptionPeriod":         "redemption period",
	"renewPeriod":              "renew period",
	"serverDeleteProhibited":   "server delete prohibited",
	"serverRenewProhibited":    "server renew prohibited",
	"serverTransferProhibited": "server transfer prohibited",
	"serverUpdateProhibited":   "server update prohibited",
	"serverHold":               "server hold",
	"transferPeriod":           "transfer period",
}

// RDAPStatus maps one EPP status to its RDAP status value (RFC 8056). A
// status the RFC does not list (none exists today) is spelled the way the
// RFC spells every other: its camel-case words, lowercase, space-separated.
func RDAPStatus(epp string) string {
	if s, ok := rdapStatus[epp]; ok {
		return s
	}
	var b strings.Builder
	for i, r := range epp {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte(' ')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// RDAPStatuses maps EPP statuses to RDAP status values, sorted, without duplicates.
func RDAPStatuses(epp []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(epp))
	for _, s := range epp {
		r := RDAPStatus(s)
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// NormalizeLookupName reads a domain name as people and RDAP clients type
// it (RFC 9082 section 3.1.3): A-labels or U-labels in any case, with or
// without the root's trailing dot, any number of labels. Case is folded
// before IDNA validation, as lookup (unlike registration) may map what a
// user typed. It answers the lowercase A-label form, or a validation error
// when some label is not a valid IDNA2008 or LDH label.
func NormalizeLookupName(s string) (string, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	if s == "" {
		return "", Invalid("domain", "a domain name is required")
	}
	if len(s) > 253 {
		return "", Invalid("domain", "a domain name has at most 253 characters")
	}
	labels := strings.Split(strings.ToLower(s), ".")
	for i, l := range labels {
		a, err := ParseLabel(l)
		if err != nil {
			return "", inField(err, "domain")
		}
		labels[i] = a
	}
	return strings.Join(labels, "."), nil
}

// UnicodeOf is the U-label form of an A-label domain name, for display.
func UnicodeOf(fqdn string) string {
	u, err := idna.ToUnicode(fqdn)
	if err != nil {
		return fqdn
	}
	return u
}
