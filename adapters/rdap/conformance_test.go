package rdap_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Checks of RDAP answers written from the documents, not from the code:
// RFC 9083 (JSON responses), RFC 9537 (redacted), RFC 8605 (vCard cc) and
// the ICANN gTLD RDAP response profile and technical implementation guide
// (the 2024 editions, as the ICANN conformance tool tests them).

// rfc9083DomainMembers are the members RFC 9083 section 5.3 defines for a
// domain, plus the top-level members of sections 4.1 and 4.3 and RFC 9537.
var rfc9083DomainMembers = []string{"objectClassName", "handle", "ldhName", "unicodeName", "variants", "nameservers",
	"secureDNS", "entities", "status", "publicIds", "remarks", "links", "port43", "events", "network",
	"rdapConformance", "notices", "redacted"}

var rfc9083EntityMembers = []string{"objectClassName", "handle", "vcardArray", "roles", "publicIds", "entities",
	"remarks", "links", "events", "asEventActor", "status", "port43", "networks", "autnums",
	"rdapConformance", "notices", "redacted"}

// rdapStatusValues is the IANA "RDAP JSON Values" registry's status type.
var rdapStatusValues = []string{"validated", "renew prohibited", "update prohibited", "transfer prohibited",
	"delete prohibited", "proxy", "private", "removed", "obscured", "associated", "active", "inactive", "locked",
	"pending create", "pending renew", "pending transfer", "pending update", "pending delete", "add period",
	"auto renew period", "client delete prohibited", "client hold", "client renew prohibited",
	"client transfer prohibited", "client update prohibited", "pending restore", "redemption period",
	"renew period", "server delete prohibited", "server renew prohibited", "server transfer prohibited",
	"server update prohibited", "server hold", "transfer period"}

var roid = regexp.MustCompile(`^(\w|_){1,80}-\w{1,8}$`)

type checker struct {
	t      *testing.T
	what   string
	failed bool
}

func (c *checker) errorf(format string, args ...any) {
	c.t.Helper()
	c.failed = true
	c.t.Errorf(c.what+": "+format, args...)
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func arr(v any) []any          { a, _ := v.([]any); return a }
func str(v any) string         { s, _ := v.(string); return s }

func strs(v any) []string {
	var out []string
	for _, x := range arr(v) {
		out = append(out, str(x))
	}
	return out
}

// checkTopLevel applies RFC 9083 section 4.1 and the profile's conformance
// values to any topmost object.
func (c *checker) checkTopLevel(m map[string]any) {
	c.t.Helper()
	conf := strs(m["rdapConformance"])
	for _, want := range []string{"rdap_level_0", "redacted", "icann_rdap_response_profile_1", "icann_rdap_technical_implementation_guide_1"} {
		if !slices.Contains(conf, want) {
			c.errorf("rdapConformance %v lacks %s", conf, want)
		}
	}
}

// checkNotices applies TIG 2024 section 3.3 (terms of service) and, for
// domains, response profile sections 2.6.3 and 2.10 (status codes and the
// inaccuracy complaint form), each link's value being the queried URL.
func (c *checker) checkNotices(m map[string]any, queryURL string, domain bool) {
	c.t.Helper()
	type want struct{ title, description, rel, href string }
	wants := []want{{"Terms of Use", "", "terms-of-service", ""}}
	if domain {
		wants = append(wants,
			want{"Status Codes", "For more information on domain status codes, please visit https://icann.org/epp", "glossary", "https://icann.org/epp"},
			want{"RDDS Inaccuracy Complaint Form", "URL of the ICANN RDDS Inaccuracy Complaint Form: https://icann.org/wicf", "help", "https://icann.org/wicf"})
	}
	notices := arr(m["notices"])
	for _, w := range wants {
		var found map[string]any
		for _, n := range notices {
			if str(obj(n)["title"]) == w.title {
				found = obj(n)
			}
		}
		if found == nil {
			c.errorf("no notice titled %q in %v", w.title, notices)
			continue
		}
		desc := strs(found["description"])
		if len(desc) == 0 || w.description != "" && !slices.Contains(desc, w.description) {
			c.errorf("notice %q description %v", w.title, desc)
		}
		ok := false
		for _, l := range arr(found["links"]) {
			lo := obj(l)
			href := str(lo["href"])
			if str(lo["rel"]) == w.rel && (w.href == "" && (strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "https://")) || href == w.href) &&
				str(lo["value"]) == queryURL {
				ok = true
			}
		}
		if !ok {
			c.errorf("notice %q has no link rel=%s href=%q value=%s: %v", w.title, w.rel, w.href, queryURL, found["links"])
		}
	}
}

func (c *checker) checkEvents(events []any, required ...string) map[string]time.Time {
	c.t.Helper()
	got := map[string]time.Time{}
	for _, e := range events {
		eo := obj(e)
		action, date := str(eo["eventAction"]), str(eo["eventDate"])
		t, err := time.Parse(time.RFC3339, date)
		if action == "" || err != nil {
			c.errorf("event %v: action %q, date %q (%v)", eo, action, date, err)
			continue
		}
		got[action] = t
	}
	for _, r := range required {
		if _, ok := got[r]; !ok {
			c.errorf("no %q event in %v", r, events)
		}
	}
	return got
}

// vcardProps answers a jCard's properties by name (RFC 7095).
func (c *checker) vcardProps(v any) map[string][]any {
	c.t.Helper()
	va := arr(v)
	if len(va) != 2 || str(va[0]) != "vcard" {
		c.errorf("vcardArray is not a jCard: %v", v)
		return nil
	}
	out := map[string][]any{}
	for _, p := range arr(va[1]) {
		pa := arr(p)
		if len(pa) < 4 || obj(pa[1]) == nil {
			c.errorf("jCard property %v is not [name, params, type, value]", p)
			continue
		}
		out[str(pa[0])] = pa
	}
	if v := out["version"]; v == nil || str(v[3]) != "4.0" {
		c.errorf("jCard without version 4.0: %v", out)
	}
	return out
}

func (c *checker) checkRegistrarEntity(e map[string]any, slug, name string) {
	c.t.Helper()
	if str(e["objectClassName"]) != "entity" || str(e["handle"]) != slug {
		c.errorf("registrar entity %v: want objectClassName entity, handle %s", e, slug)
	}
	props := c.vcardProps(e["vcardArray"])
	if fn := props["fn"]; fn == nil || str(fn[3]) != name {
		c.errorf("registrar fn %v, want %q", props["fn"], name)
	}
	for k := range e {
		if !slices.Contains(rfc9083EntityMembers, k) {
			c.errorf("registrar entity member %q is not an RFC 9083 member", k)
		}
	}
}

// checkDomain validates a domain answer for queried (the name as asked).
func (c *checker) checkDomain(m map[string]any, queryURL, queried, ldh, slug, registrarName string) {
	c.t.Helper()
	c.checkTopLevel(m)
	for k := range m {
		if !slices.Contains(rfc9083DomainMembers, k) {
			c.errorf("member %q is not an RFC 9083 domain member", k)
		}
	}
	if str(m["objectClassName"]) != "domain" {
		c.errorf("objectClassName %v", m["objectClassName"])
	}
	if h := str(m["handle"]); !roid.MatchString(h) { // profile 2.2: an RFC 5730 ROID
		c.errorf("handle %q is not a ROID", h)
	}
	if got := str(m["ldhName"]); got != ldh {
		c.errorf("ldhName %q, want %q", got, ldh)
	}
	isASCII := strings.IndexFunc(queried, func(r rune) bool { return r > 127 }) < 0
	if u := str(m["unicodeName"]); !isASCII && u == "" || strings.HasPrefix(ldh, "xn--") && u == "" {
		c.errorf("an IDN without unicodeName: %v", m)
	}
	// Status: at least one value from the registry, and RFC 5731 / 3915 combinations (profile 2.6.1).
	st := strs(m["status"])
	if len(st) == 0 {
		c.errorf("no status")
	}
	for _, s := range st {
		if !slices.Contains(rdapStatusValues, s) {
			c.errorf("status %q is not an RDAP status value", s)
		}
	}
	has := func(s string) bool { return slices.Contains(st, s) }
	if has("active") && len(st) > 1 {
		c.errorf("active combined with %v", st)
	}
	if has("pending delete") && (has("client delete prohibited") || has("server delete prohibited")) {
		c.errorf("pending delete with delete prohibited: %v", st)
	}
	if (has("redemption period") || has("pending restore")) && !has("pending delete") {
		c.errorf("redemption period or pending restore without pending delete: %v", st)
	}
	c.checkEvents(arr(m["events"]), "registration", "expiration", "last update of RDAP database")
	// Entities: exactly one registrar (profile 2.4.1) and the registrant's country alone.
	var registrars, registrants []map[string]any
	for _, e := range arr(m["entities"]) {
		roles := strs(obj(e)["roles"])
		if slices.Contains(roles, "registrar") {
			registrars = append(registrars, obj(e))
		}
		if slices.Contains(roles, "registrant") {
			registrants = append(registrants, obj(e))
		}
	}
	if len(registrars) != 1 {
		c.errorf("%d registrar entities", len(registrars))
	} else {
		c.checkRegistrarEntity(registrars[0], slug, registrarName)
	}
	if len(registrants) != 1 {
		c.errorf("%d registrant entities", len(registrants))
	} else {
		c.checkRegistrant(registrants[0])
	}
	c.checkRedacted(m)
	sd := obj(m["secureDNS"]) // profile 2.10
	if _, ok := sd["delegationSigned"].(bool); !ok {
		c.errorf("secureDNS.delegationSigned missing: %v", m["secureDNS"])
	}
	for _, ns := range arr(m["nameservers"]) { // profile 2.9
		if str(obj(ns)["objectClassName"]) != "nameserver" || str(obj(ns)["ldhName"]) == "" {
			c.errorf("nameserver %v", ns)
		}
	}
	self := false
	for _, l := range arr(m["links"]) {
		if lo := obj(l); str(lo["rel"]) == "self" && strings.HasSuffix(str(lo["href"]), "/rdap/domain/"+ldh) && str(lo["value"]) == queryURL {
			self = true
		}
	}
	if !self {
		c.errorf("no self link: %v", m["links"])
	}
	c.checkNotices(m, queryURL, true)
}

// checkRegistrant: the country as RFC 8605 "cc" with the country name empty
// (profile 1.4), the name and address present but empty (profile 2024
// 2.7.4), nothing else.
func (c *checker) checkRegistrant(e map[string]any) {
	c.t.Helper()
	if _, ok := e["handle"]; ok {
		c.errorf("the registrant has a handle: %v", e)
	}
	props := c.vcardProps(e["vcardArray"])
	for name := range props {
		if name != "version" && name != "fn" && name != "adr" {
			c.errorf("registrant vCard property %q is published", name)
		}
	}
	if fn := props["fn"]; fn == nil || str(fn[3]) != "" {
		c.errorf("registrant fn %v, want present and empty", props["fn"])
	}
	adr := props["adr"]
	if adr == nil {
		c.errorf("registrant without adr")
		return
	}
	if cc := str(obj(adr[1])["cc"]); len(cc) != 2 || strings.ToUpper(cc) != cc {
		c.errorf("registrant adr cc %q", cc)
	}
	parts := arr(adr[3])
	if len(parts) != 7 {
		c.errorf("adr value %v has not 7 parts", adr[3])
	}
	for i, p := range parts {
		if str(p) != "" {
			c.errorf("adr part %d published: %q", i, p)
		}
	}
}

// checkRedacted: RFC 9537 section 4.2 members, and the redactions the
// profile expects for a registrant whose data is withheld.
func (c *checker) checkRedacted(m map[string]any) {
	c.t.Helper()
	methods := map[string]string{}
	for _, r := range arr(m["redacted"]) {
		ro := obj(r)
		name := str(obj(ro["name"])["type"]) + str(obj(ro["name"])["description"])
		method := str(ro["method"])
		if method == "" {
			method = "removal" // the RFC's default
		}
		if name == "" || !slices.Contains([]string{"removal", "emptyValue", "partialValue", "replacementValue"}, method) {
			c.errorf("redaction %v", ro)
		}
		if lang := str(ro["pathLang"]); lang != "" && lang != "jsonpath" {
			c.errorf("pathLang %q", lang)
		}
		// RFC 9537 section 3: a removed field's prePath selects nothing in
		// the answer; an emptied field's postPath selects it, empty.
		switch method {
		case "removal":
			if str(ro["prePath"]) == "" || ro["postPath"] != nil {
				c.errorf("removal %q wants prePath only: %v", name, ro)
			} else if got, err := evalPath(m, str(ro["prePath"])); err != nil || len(got) != 0 {
				c.errorf("removal %q: prePath %s selects %v (%v)", name, ro["prePath"], got, err)
			}
		case "emptyValue":
			got, err := evalPath(m, str(ro["postPath"]))
			if err != nil || len(got) == 0 {
				c.errorf("emptyValue %q: postPath %q selects %v (%v)", name, ro["postPath"], got, err)
			}
			for _, v := range got {
				if v != "" {
					c.errorf("emptyValue %q: postPath selects %v", name, v)
				}
			}
		}
		methods[name] = method
	}
	for name, want := range map[string]string{"Registry Registrant ID": "removal", "Registrant Name": "emptyValue",
		"Registrant Organization": "removal", "Registrant Street": "emptyValue", "Registrant City": "emptyValue",
		"Registrant Postal Code": "emptyValue", "Registrant Phone": "removal", "Registrant Email": "removal"} {
		if methods[name] != want {
			c.errorf("redaction %q: method %q, want %q", name, methods[name], want)
		}
	}
}

// checkError: RFC 9083 section 6.
func (c *checker) checkError(a answer, status int) {
	c.t.Helper()
	if a.status != status {
		c.errorf("status %d, want %d: %s", a.status, status, a.body)
		return
	}
	c.checkMedia(a)
	m := a.jsonOr(c)
	if m == nil {
		return
	}
	if code, ok := m["errorCode"].(float64); !ok || int(code) != status {
		c.errorf("errorCode %v, want %d", m["errorCode"], status)
	}
	if str(m["title"]) == "" || len(strs(m["description"])) == 0 {
		c.errorf("error without title or description: %v", m)
	}
}

// checkMedia: RFC 7480 section 4.2 media type and TIG 1.13 CORS.
func (c *checker) checkMedia(a answer) {
	c.t.Helper()
	if ct := a.header.Get("Content-Type"); ct != "application/rdap+json" {
		c.errorf("Content-Type %q", ct)
	}
	if o := a.header.Get("Access-Control-Allow-Origin"); o != "*" {
		c.errorf("Access-Control-Allow-Origin %q", o)
	}
}

func (a answer) jsonOr(c *checker) map[string]any {
	c.t.Helper()
	return a.json(c.t)
}
