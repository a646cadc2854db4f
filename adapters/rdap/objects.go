package rdap

import (
	"net/http"
	"net/url"
	"time"

	"github.com/headlessdomains/registry/core"
)

// The JSON of RFC 9083, with the members of RFC 9537 and the ICANN gTLD RDAP
// response profile. Wire DTOs live here, never on core types.

// Conformance values this server claims (RFC 9083 section 4.1).
const (
	ConformanceLevel0  = "rdap_level_0"
	ConformanceRedact  = "redacted"
	ConformanceProfile = "icann_rdap_response_profile_1"
	ConformanceTIG     = "icann_rdap_technical_implementation_guide_1"
)

func conformance() []string {
	return []string{ConformanceLevel0, ConformanceRedact, ConformanceProfile, ConformanceTIG}
}

type link struct {
	Value string `json:"value,omitempty"`
	Rel   string `json:"rel,omitempty"`
	Href  string `json:"href"`
	Type  string `json:"type,omitempty"`
}

type notice struct {
	Title       string   `json:"title,omitempty"`
	Description []string `json:"description"`
	Links       []link   `json:"links,omitempty"`
}

type event struct {
	Action string `json:"eventAction"`
	Date   string `json:"eventDate"`
}

type entity struct {
	Conformance []string `json:"rdapConformance,omitempty"`
	ObjectClass string   `json:"objectClassName"`
	Handle      string   `json:"handle,omitempty"`
	VCard       []any    `json:"vcardArray,omitempty"`
	Roles       []string `json:"roles"`
	Status      []string `json:"status,omitempty"`
	Links       []link   `json:"links,omitempty"`
	Events      []event  `json:"events,omitempty"`
	Notices     []notice `json:"notices,omitempty"`
}

type nameserver struct {
	ObjectClass string `json:"objectClassName"`
	LDHName     string `json:"ldhName"`
	UnicodeName string `json:"unicodeName,omitempty"`
}

type secureDNS struct {
	DelegationSigned bool `json:"delegationSigned"`
}

// redaction is one member of the RFC 9537 redacted array.
type redaction struct {
	Name     redactionText `json:"name"`
	PrePath  string        `json:"prePath,omitempty"`
	PostPath string        `json:"postPath,omitempty"`
	PathLang string        `json:"pathLang"`
	Method   string        `json:"method"`
	Reason   redactionText `json:"reason"`
}

type redactionText struct {
	Type        string `json:"type,omitempty"`
	Description string `json:"description,omitempty"`
}

type domainObject struct {
	Conformance []string     `json:"rdapConformance"`
	ObjectClass string       `json:"objectClassName"`
	Handle      string       `json:"handle"`
	LDHName     string       `json:"ldhName"`
	UnicodeName string       `json:"unicodeName,omitempty"`
	Status      []string     `json:"status"`
	Events      []event      `json:"events"`
	Entities    []entity     `json:"entities"`
	Nameservers []nameserver `json:"nameservers,omitempty"`
	SecureDNS   secureDNS    `json:"secureDNS"`
	Links       []link       `json:"links"`
	Notices     []notice     `json:"notices"`
	Redacted    []redaction  `json:"redacted"`
}

type helpObject struct {
	Conformance []string `json:"rdapConformance"`
	Notices     []notice `json:"notices"`
}

type errorObject struct {
	Conformance []string `json:"rdapConformance"`
	ErrorCode   int      `json:"errorCode"`
	Title       string   `json:"title"`
	Description []string `json:"description"`
	Notices     []notice `json:"notices,omitempty"`
}

// base is the absolute URL of this server as the client reached it; a
// proxy that terminates TLS says so with X-Forwarded-Proto.
func base(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// requestURL is the URL the client asked for (the "value" of links, RFC 8288).
func requestURL(r *http.Request) string { return base(r) + r.URL.RequestURI() }

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func termsNotice(r *http.Request) notice {
	return notice{
		Title: "Terms of Use",
		Description: []string{
			"This registration data is provided for information about domain name registrations in the namespaces this registry serves.",
			"It may not be used to send unsolicited communications or for any unlawful purpose; automated bulk queries are rate limited.",
		},
		Links: []link{{Value: requestURL(r), Rel: "terms-of-service", Href: base(r) + LookupPath + "#terms", Type: "text/html"}},
	}
}

func statusCodesNotice(r *http.Request) notice {
	return notice{
		Title:       "Status Codes",
		Description: []string{"For more information on domain status codes, please visit https://icann.org/epp"},
		Links:       []link{{Value: requestURL(r), Rel: "glossary", Href: "https://icann.org/epp", Type: "text/html"}},
	}
}

func inaccuracyNotice(r *http.Request) notice {
	return notice{
		Title:       "RDDS Inaccuracy Complaint Form",
		Description: []string{"URL of the ICANN RDDS Inaccuracy Complaint Form: https://icann.org/wicf"},
		Links:       []link{{Value: requestURL(r), Rel: "help", Href: "https://icann.org/wicf", Type: "text/html"}},
	}
}

func (s *Server) help(r *http.Request) helpObject {
	return helpObject{
		Conformance: conformance(),
		Notices: []notice{termsNotice(r), {
			Title: "Queries",
			Description: []string{
				"GET /rdap/domain/{name}: a registration, by A-label or U-label name in any case (RFC 9082 section 3.1.3).",
				"GET /rdap/entity/{handle}: a registrar, by its channel handle.",
				"Registrant data is withheld except the country; the redacted member lists what was withheld (RFC 9537).",
				"Each client address may make a limited number of queries per minute; beyond it the answer is 429 with Retry-After.",
			},
			Links: []link{{Value: requestURL(r), Rel: "help", Href: base(r) + BasePath + "help", Type: ContentType}},
		}},
	}
}

func vcard(props ...[]any) []any {
	all := append([][]any{{"version", map[string]string{}, "text", "4.0"}}, props...)
	list := make([]any, len(all))
	for i, p := range all {
		list[i] = p
	}
	return []any{"vcard", list}
}

func (s *Server) registrarEntity(r *http.Request, reg core.RDAPRegistrar) entity {
	return entity{
		ObjectClass: "entity",
		Handle:      reg.Handle,
		VCard:       vcard([]any{"fn", map[string]string{}, "text", reg.Name}),
		Roles:       []string{"registrar"},
		Status:      reg.Statuses,
		Links: []link{{Value: requestURL(r), Rel: "self", Type: ContentType,
			Href: base(r) + BasePath + "entity/" + url.PathEscape(reg.Handle)}},
	}
}

// registrantEntity publishes the registrant's country alone (RFC 8605 "cc"
// parameter, the country name left empty as the ICANN profile asks); the
// name and address fields stay present but empty, as RFC 9537's emptyValue
// method describes, and everything else is removed.
func registrantEntity(country string) entity {
	adrParams := map[string]string{}
	if country != "" {
		adrParams["cc"] = country
	}
	return entity{
		ObjectClass: "entity",
		VCard: vcard(
			[]any{"fn", map[string]string{}, "text", ""},
			[]any{"adr", adrParams, "text", []string{"", "", "", "", "", "", ""}},
		),
		Roles: []string{"registrant"},
	}
}

// Registrant redactions (RFC 9537 section 4.2; the redacted names are those
// of the ICANN gTLD RDAP response profile).
const registrantPath = "$.entities[?(@.roles[0]=='registrant')]"

func registrantRedactions() []redaction {
	policy := redactionText{Description: "Server policy"}
	removed := func(name, path string) redaction {
		return redaction{Name: redactionText{Type: name}, PrePath: registrantPath + path, PathLang: "jsonpath", Method: "removal", Reason: policy}
	}
	emptied := func(name, path string) redaction {
		return redaction{Name: redactionText{Type: name}, PostPath: registrantPath + path, PathLang: "jsonpath", Method: "emptyValue", Reason: policy}
	}
	return []redaction{
		removed("Registry Registrant ID", ".handle"),
		emptied("Registrant Name", ".vcardArray[1][?(@[0]=='fn')][3]"),
		removed("Registrant Organization", ".vcardArray[1][?(@[0]=='org')]"),
		emptied("Registrant Street", ".vcardArray[1][?(@[0]=='adr')][3][2]"),
		emptied("Registrant City", ".vcardArray[1][?(@[0]=='adr')][3][3]"),
		emptied("Registrant Postal Code", ".vcardArray[1][?(@[0]=='adr')][3][5]"),
		removed("Registrant Phone", ".vcardArray[1][?(@[0]=='tel')]"),
		removed("Registrant Email", ".vcardArray[1][?(@[0]=='email')]"),
	}
}

func (s *Server) domainObject(r *http.Request, d core.RDAPDomain) domainObject {
	o := domainObject{
		Conformance: conformance(),
		ObjectClass: "domain",
		Handle:      d.Handle,
		LDHName:     d.Name.String(),
		Status:      d.Statuses,
		Events: []event{
			{Action: "registration", Date: rfc3339(d.CreatedAt)},
			{Action: "expiration", Date: rfc3339(d.ExpiresAt)},
		},
		Entities:  []entity{s.registrarEntity(r, d.Registrar), registrantEntity(d.RegistrantCountry)},
		SecureDNS: secureDNS{DelegationSigned: d.DelegationSigned},
		Links: []link{{Value: requestURL(r), Rel: "self", Type: ContentType,
			Href: base(r) + BasePath + "domain/" + d.Name.String()}},
		Notices:  []notice{termsNotice(r), statusCodesNotice(r), inaccuracyNotice(r)},
		Redacted: registrantRedactions(),
	}
	if u := d.Name.Unicode(); u != d.Name.String() {
		o.UnicodeName = u
	}
	if d.LastChangedAt != nil {
		o.Events = append(o.Events, event{Action: "last changed", Date: rfc3339(*d.LastChangedAt)})
	}
	if d.TransferredAt != nil {
		o.Events = append(o.Events, event{Action: "transfer", Date: rfc3339(*d.TransferredAt)})
	}
	o.Events = append(o.Events, event{Action: "last update of RDAP database", Date: rfc3339(d.AsOf)})
	for _, ns := range d.Nameservers {
		n := nameserver{ObjectClass: "nameserver", LDHName: ns}
		if u := core.UnicodeOf(ns); u != ns {
			n.UnicodeName = u
		}
		o.Nameservers = append(o.Nameservers, n)
	}
	return o
}

func (s *Server) entityObject(r *http.Request, reg core.RDAPRegistrar) entity {
	e := s.registrarEntity(r, reg)
	e.Conformance = conformance()
	e.Events = []event{{Action: "last update of RDAP database", Date: rfc3339(s.opts.Clock())}}
	e.Notices = []notice{termsNotice(r)}
	return e
}
