package rdap_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	openrdap "github.com/openrdap/rdap"

	"github.com/headlessdomains/registry/adapters/rdap"
	"github.com/headlessdomains/registry/core"
)

// published sets up the names every RDAP test looks up: a plain name with
// a delegation, an IDN, a name in redemption (deleted outside add grace),
// an imported one, a cancelled one, an OT&E fixture and a reserved label.
func published(t *testing.T) *world {
	w := newWorld(t, rdap.Options{})
	w.admit("acme-registrar", "defiwallet", "kept")
	w.create("redeem", "ns1.example.net")
	w.clock.advance(10 * 24 * time.Hour) // past add grace: a delete goes to redemption
	w.delete("redeem")
	w.create("alice", "ns2.example.net", "ns1.example.net")
	w.create("münchen")
	w.create("gone")
	w.delete("gone") // inside add grace: cancelled at once
	if _, err := w.svc.ImportDomain(w.ctx, core.ImportDomain{Domain: "legacy." + w.ns, ChannelID: w.channel.ID,
		ExpiresAt: w.clock.Now().AddDate(1, 0, 0), Registrant: registrant}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.SandboxReset(w.ctx, w.actor(core.CmdSandboxReset)); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestDomainAnswersConform(t *testing.T) {
	w := published(t)
	cases := []struct {
		query, ldh string
		statuses   []string
		ns         []string
	}{
		{"alice.defiwallet", "alice.defiwallet", []string{"add period"}, []string{"ns1.example.net", "ns2.example.net"}},
		{"ALICE.DefiWallet", "alice.defiwallet", []string{"add period"}, []string{"ns1.example.net", "ns2.example.net"}},
		{"münchen.defiwallet", "xn--mnchen-3ya.defiwallet", []string{"add period"}, nil},
		{"MÜNCHEN.defiwallet", "xn--mnchen-3ya.defiwallet", []string{"add period"}, nil},
		{"XN--MNCHEN-3YA.defiwallet", "xn--mnchen-3ya.defiwallet", []string{"add period"}, nil},
		{"redeem.defiwallet", "redeem.defiwallet", []string{"pending delete", "redemption period"}, nil},
		{"legacy.defiwallet", "legacy.defiwallet", []string{"active"}, nil},
	}
	for _, tc := range cases {
		path := "/rdap/domain/" + url.PathEscape(tc.query)
		a := w.do("GET", path)
		c := &checker{t: t, what: tc.query}
		if a.status != 200 {
			c.errorf("status %d: %s", a.status, a.body)
			continue
		}
		c.checkMedia(a)
		m := a.json(t)
		c.checkDomain(m, w.srv.URL+path, tc.query, tc.ldh, "acme-registrar", "Registrar acme-registrar Ltd")
		if got := strs(m["status"]); !slices.Equal(got, tc.statuses) {
			c.errorf("status %v, want %v", got, tc.statuses)
		}
		var ns []string
		for _, n := range arr(m["nameservers"]) {
			ns = append(ns, str(obj(n)["ldhName"]))
		}
		if !slices.Equal(ns, tc.ns) {
			c.errorf("nameservers %v, want %v", ns, tc.ns)
		}
		if strings.HasPrefix(tc.ldh, "xn--") && str(m["unicodeName"]) != "münchen.defiwallet" {
			c.errorf("unicodeName %q", m["unicodeName"])
		}
	}
	// The redemption answer says when it last changed (the delete).
	ev := (&checker{t: t, what: "redeem"}).checkEvents(arr(w.do("GET", "/rdap/domain/redeem.defiwallet").json(t)["events"]), "last changed")
	if !ev["last changed"].After(ev["registration"]) {
		t.Errorf("last changed %v is not after registration %v", ev["last changed"], ev["registration"])
	}
	if _, ok := (&checker{t: t}).checkEvents(arr(w.do("GET", "/rdap/domain/alice.defiwallet").json(t)["events"]))["last changed"]; ok {
		t.Errorf("an unchanged registration shows a last changed event")
	}
}

func TestNotFoundAndBadRequests(t *testing.T) {
	w := published(t)
	fixture := core.FixtureLabel("renew", "acme-registrar") + ".defiwallet"
	for _, q := range []string{"nobody.defiwallet", "gone.defiwallet", fixture, "kept.defiwallet",
		"alice.otherspace", "www.alice.defiwallet", "defiwallet", "not-a-domain.invalid"} {
		c := &checker{t: t, what: q}
		c.checkError(w.do("GET", "/rdap/domain/"+url.PathEscape(q)), 404)
	}
	for _, q := range []string{"-bad.defiwallet", "bad_name.defiwallet", "a..defiwallet", "xn--zz.defiwallet", "bad name.defiwallet"} {
		c := &checker{t: t, what: q}
		c.checkError(w.do("GET", "/rdap/domain/"+url.PathEscape(q)), 400)
	}
	for _, p := range []string{"/rdap/entity/nobody", "/rdap/nameserver/ns1.example.net", "/rdap/", "/rdap/domain/"} {
		c := &checker{t: t, what: p}
		c.checkError(w.do("GET", p), 404)
	}
	c := &checker{t: t, what: "POST"}
	a := w.do("POST", "/rdap/domain/alice.defiwallet")
	c.checkError(a, 405)
	if a.header.Get("Allow") == "" {
		t.Error("405 without Allow")
	}
}

func TestEntityAndHelp(t *testing.T) {
	w := published(t)
	a := w.do("GET", "/rdap/entity/ACME-Registrar")
	c := &checker{t: t, what: "entity"}
	if a.status != 200 {
		t.Fatalf("entity: %d %s", a.status, a.body)
	}
	c.checkMedia(a)
	m := a.json(t)
	c.checkTopLevel(m)
	c.checkRegistrarEntity(m, "acme-registrar", "Registrar acme-registrar Ltd")
	c.checkEvents(arr(m["events"]), "last update of RDAP database")
	c.checkNotices(m, w.srv.URL+"/rdap/entity/ACME-Registrar", false)
	if !slices.Contains(strs(m["roles"]), "registrar") {
		t.Errorf("roles %v", m["roles"])
	}

	a = w.do("GET", "/rdap/help")
	c = &checker{t: t, what: "help"}
	if a.status != 200 {
		t.Fatalf("help: %d %s", a.status, a.body)
	}
	c.checkMedia(a)
	m = a.json(t)
	c.checkTopLevel(m)
	c.checkNotices(m, w.srv.URL+"/rdap/help", false)
}

// TestHeadAndCORS: HEAD answers the status and headers of GET without a
// body (TIG 1.6), every answer allows any origin (TIG 1.13), and a CORS
// preflight is answered.
func TestHeadAndCORS(t *testing.T) {
	w := published(t)
	for _, p := range []string{"/rdap/domain/alice.defiwallet", "/rdap/domain/nobody.defiwallet", "/rdap/domain/-bad.defiwallet",
		"/rdap/entity/acme-registrar", "/rdap/help"} {
		get, head := w.do("GET", p), w.do("HEAD", p)
		if get.status != head.status || len(head.body) != 0 || head.header.Get("Content-Type") != get.header.Get("Content-Type") ||
			head.header.Get("Content-Length") != strconv.Itoa(len(get.body)) {
			t.Errorf("%s: GET %d (%d bytes), HEAD %d %q (%d bytes, Content-Length %s)", p, get.status, len(get.body),
				head.status, head.header.Get("Content-Type"), len(head.body), head.header.Get("Content-Length"))
		}
		for _, a := range []answer{get, head} {
			if a.header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("%s: no CORS header", p)
			}
		}
	}
	pre := w.do("OPTIONS", "/rdap/domain/alice.defiwallet")
	if pre.status != 204 || pre.header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(pre.header.Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("preflight: %d %v", pre.status, pre.header)
	}
}

// TestNoRegistrantDataInAnyAnswer searches every raw body, of every kind of
// answer, for the registrant's name, organization, e-mail, phone and
// metadata.
func TestNoRegistrantDataInAnyAnswer(t *testing.T) {
	w := published(t)
	paths := []string{"/rdap/help", "/rdap/entity/acme-registrar", "/rdap/domain/nobody.defiwallet", "/rdap/domain/-x.defiwallet",
		"/lookup", "/lookup?name=nobody.defiwallet", "/lookup?name=-x.defiwallet"}
	for _, q := range []string{"alice", "münchen", "redeem", "legacy", "gone", core.FixtureLabel("renew", "acme-registrar")} {
		paths = append(paths, "/rdap/domain/"+url.PathEscape(q+".defiwallet"), "/lookup?name="+url.QueryEscape(q+".defiwallet"))
	}
	checked := 0
	for _, p := range paths {
		a := w.do("GET", p)
		if len(a.body) == 0 {
			t.Errorf("%s: empty body", p)
		}
		raw := bytes.ToLower(a.body)
		for _, s := range secrets {
			if bytes.Contains(raw, bytes.ToLower([]byte(s))) {
				t.Errorf("%s publishes %q:\n%s", p, s, a.body)
			}
		}
		checked++
	}
	// The search works: the country is published, and the same search finds
	// the secrets in the registrar's own view of the registration.
	if a := w.do("GET", "/rdap/domain/alice.defiwallet"); !bytes.Contains(a.body, []byte(`"cc":"GB"`)) {
		t.Errorf("the registrant's country is not published: %s", a.body)
	}
	v, err := w.svc.InfoDomain(w.ctx, w.actor(core.CmdInfoDomain), "alice.defiwallet")
	if err != nil || v.Registrant.Email != registrant.Email {
		t.Fatalf("the registrar's view lacks the registrant: %+v %v", v.Registrant, err)
	}
	t.Logf("searched %d answers", checked)
}

// TestOpenRDAPClientDecodes queries the server with an independent RDAP
// client library (github.com/openrdap/rdap), which decodes the answers into
// its own types.
func TestOpenRDAPClientDecodes(t *testing.T) {
	w := published(t)
	server, err := url.Parse(w.srv.URL + "/rdap/")
	if err != nil {
		t.Fatal(err)
	}
	client := &openrdap.Client{HTTP: w.srv.Client()}
	for _, q := range []string{"alice.defiwallet", "xn--mnchen-3ya.defiwallet", "redeem.defiwallet"} {
		res, err := client.Do(&openrdap.Request{Type: openrdap.DomainRequest, Query: q, Server: server})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		d, ok := res.Object.(*openrdap.Domain)
		if !ok {
			t.Fatalf("%s decoded as %T", q, res.Object)
		}
		if d.LDHName != q || d.ObjectClassName != "domain" || len(d.Status) == 0 || len(d.Events) < 3 || d.SecureDNS == nil {
			t.Errorf("%s: %+v", q, d)
		}
		var registrar *openrdap.Entity
		for i := range d.Entities {
			if slices.Contains(d.Entities[i].Roles, "registrar") {
				registrar = &d.Entities[i]
			}
		}
		if registrar == nil || registrar.Handle != "acme-registrar" || registrar.VCard == nil || registrar.VCard.Name() != "Registrar acme-registrar Ltd" {
			t.Errorf("%s: registrar %+v", q, registrar)
		}
		for _, dd := range []*openrdap.DecodeData{d.DecodeData, registrar.DecodeData, d.SecureDNS.DecodeData} {
			for _, f := range dd.Fields() {
				if notes := dd.Notes(f); len(notes) > 0 {
					t.Errorf("%s: openrdap notes on %s: %v", q, f, notes)
				}
			}
		}
	}
	res, err := client.Do(&openrdap.Request{Type: openrdap.EntityRequest, Query: "acme-registrar", Server: server})
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := res.Object.(*openrdap.Entity); !ok || e.Handle != "acme-registrar" {
		t.Errorf("entity decoded as %T %+v", res.Object, res.Object)
	}
	res, err = client.Do(&openrdap.Request{Type: openrdap.HelpRequest, Server: server})
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := res.Object.(*openrdap.Help); !ok || len(h.Notices) == 0 {
		t.Errorf("help decoded as %T %+v", res.Object, res.Object)
	}
	_, err = client.Do(&openrdap.Request{Type: openrdap.DomainRequest, Query: "nobody.defiwallet", Server: server})
	var ce *openrdap.ClientError
	if !errors.As(err, &ce) || ce.Type != openrdap.ObjectDoesNotExist {
		t.Errorf("unregistered: %v", err)
	}
}

// TestRateLimit: a client beyond its budget gets 429 as an RDAP error with
// Retry-After; the next window lets it in again.
func TestRateLimit(t *testing.T) {
	w := newWorld(t, rdap.Options{RateLimitPerMinute: 3})
	w.admit("acme-registrar", "defiwallet")
	for i := 1; i <= 3; i++ {
		if a := w.do("GET", "/rdap/help"); a.status != 200 {
			t.Fatalf("request %d: %d", i, a.status)
		}
	}
	a := w.do("GET", "/rdap/domain/alice.defiwallet")
	(&checker{t: t, what: "429"}).checkError(a, 429)
	ra, err := strconv.Atoi(a.header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q", a.header.Get("Retry-After"))
	}
	if p := w.do("GET", "/lookup?name=alice.defiwallet"); p.status != 429 || p.header.Get("Retry-After") == "" {
		t.Errorf("the lookup page is not limited: %d", p.status)
	}
	w.clock.advance(time.Minute)
	if a := w.do("GET", "/rdap/help"); a.status != 200 {
		t.Fatalf("the next window: %d", a.status)
	}
}

// TestLinksFollowTheForwardedScheme: behind a proxy that terminates TLS the
// links say https.
func TestLinksFollowTheForwardedScheme(t *testing.T) {
	w := published(t)
	req, err := http.NewRequest("GET", w.srv.URL+"/rdap/domain/alice.defiwallet", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err := w.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	self := obj(arr(m["links"])[0])
	if !strings.HasPrefix(str(self["href"]), "https://") || !strings.HasPrefix(str(self["value"]), "https://") {
		t.Errorf("self link %v", self)
	}
}

// TestAnswersThroughTheLifecycle follows one registration through time, as
// the maintenance loop moves it (RFC 3915): active with its delegation,
// expired (delegation withdrawn), redemption, pending delete, then purged
// and no longer published.
func TestAnswersThroughTheLifecycle(t *testing.T) {
	w := newWorld(t, rdap.Options{})
	day := int64(24 * 60 * 60)
	off := false
	w.admitWith("acme-registrar", "defiwallet", core.PolicyChange{AutoRenew: &off, Seconds: map[string]int64{
		"auto_renew_grace_period_seconds": 2 * day, "redemption_period_seconds": 3 * day, "pending_delete_period_seconds": 4 * day}})
	w.create("ttl", "ns1.example.net")
	path := "/rdap/domain/ttl.defiwallet"
	t0 := w.clock.Now()
	step := func(at time.Time, status int, statuses []string, nameservers int) {
		t.Helper()
		w.clock.advance(at.Sub(w.clock.Now()))
		if _, err := w.svc.RunMaintenance(w.ctx, 100); err != nil {
			t.Fatal(err)
		}
		a := w.do("GET", path)
		c := &checker{t: t, what: fmt.Sprintf("%s at %s", path, at.Format(time.RFC3339))}
		if status != 200 {
			c.checkError(a, status)
			return
		}
		if a.status != 200 {
			t.Fatalf("%s: %d %s", c.what, a.status, a.body)
		}
		m := a.json(t)
		c.checkDomain(m, w.srv.URL+path, "ttl.defiwallet", "ttl.defiwallet", "acme-registrar", "Registrar acme-registrar Ltd")
		if got := strs(m["status"]); !slices.Equal(got, statuses) || len(arr(m["nameservers"])) != nameservers {
			t.Errorf("%s: status %v nameservers %v; want %v and %d", c.what, got, m["nameservers"], statuses, nameservers)
		}
	}
	expiry := t0.AddDate(2, 0, 0)
	hour, days := time.Hour, func(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
	step(t0.Add(days(10)), 200, []string{"active"}, 1)
	step(expiry.Add(hour), 200, []string{"inactive"}, 0) // expired: the delegation is withdrawn
	step(expiry.Add(days(2)+2*hour), 200, []string{"pending delete", "redemption period"}, 0)
	step(expiry.Add(days(5)+3*hour), 200, []string{"pending delete"}, 0)
	step(expiry.Add(days(9)+4*hour), 404, nil, 0) // purged
}
