package eppconformance

import (
	"context"
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	"github.com/headlessdomains/registry/adapters/epp/eppclient"
	"github.com/headlessdomains/registry/core"
)

const contactNS = `xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"`

type xContact struct {
	Chk []struct {
		ID struct {
			Avail string `xml:"avail,attr"`
			ID    string `xml:",chardata"`
		} `xml:"id"`
		Reason string `xml:"reason"`
	} `xml:"response>resData>chkData>cd"`
	ID       string `xml:"response>resData>infData>id"`
	ROID     string `xml:"response>resData>infData>roid"`
	Statuses []struct {
		S string `xml:"s,attr"`
	} `xml:"response>resData>infData>status"`
	Postal struct {
		Type   string   `xml:"type,attr"`
		Name   string   `xml:"name"`
		Org    string   `xml:"org"`
		Street []string `xml:"addr>street"`
		City   string   `xml:"addr>city"`
		SP     string   `xml:"addr>sp"`
		PC     string   `xml:"addr>pc"`
		CC     string   `xml:"addr>cc"`
	} `xml:"response>resData>infData>postalInfo"`
	Voice struct {
		X     string `xml:"x,attr"`
		Value string `xml:",chardata"`
	} `xml:"response>resData>infData>voice"`
	Email    string    `xml:"response>resData>infData>email"`
	ClID     string    `xml:"response>resData>infData>clID"`
	AuthInfo *struct{} `xml:"response>resData>infData>authInfo"`
	CreID    string    `xml:"response>resData>creData>id"`
	CrDate   string    `xml:"response>resData>creData>crDate"`
}

func contactData(t *testing.T, r *eppclient.Response) xContact {
	t.Helper()
	var x xContact
	if err := xml.Unmarshal(r.Raw, &x); err != nil {
		t.Fatal(err)
	}
	return x
}

func (x xContact) statuses() []string {
	out := []string{}
	for _, s := range x.Statuses {
		out = append(out, s.S)
	}
	return out
}

func contactCheckXML(ids ...string) string {
	s := `<check><contact:check ` + contactNS + `>`
	for _, id := range ids {
		s += "<contact:id>" + id + "</contact:id>"
	}
	return s + `</contact:check></check>`
}

func contactInfoXML(id string) string {
	return `<info><contact:info ` + contactNS + `><contact:id>` + id + `</contact:id></contact:info></info>`
}

func contactDeleteXML(id string) string {
	return `<delete><contact:delete ` + contactNS + `><contact:id>` + id + `</contact:id></contact:delete></delete>`
}

func contactUpdateXML(id, body string) string {
	return `<update><contact:update ` + contactNS + `><contact:id>` + id + `</contact:id>` + body + `</contact:update></update>`
}

func TestContactLifecycle(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)

	// Check (RFC 5733 §3.1.1).
	r := e.must(c, 1000, contactCheckXML("sh8013", "sah8013", "8013sah"), "ABC-12345")
	x := contactData(t, r)
	if len(x.Chk) != 3 || x.Chk[0].ID.Avail != "1" {
		t.Fatalf("check: %+v", x.Chk)
	}

	// Create (RFC 5733 §3.2.1, the RFC's example).
	r = e.must(c, 1000, eppclient.CreateContactXML("sh8013"), "ABC-create")
	if x := contactData(t, r); x.CreID != "sh8013" || x.CrDate == "" || !strings.HasPrefix(r.SvTRID, "aud_") {
		t.Fatalf("create: %+v", x)
	}
	e.refused(c, core.CodeAlreadyExists, eppclient.CreateContactXML("sh8013"), "ABC-create2")
	e.refused(c, core.CodeValidation, eppclient.CreateContactXML("x"), "ABC-create3")
	e.refused(c, core.CodeValidation, strings.Replace(eppclient.CreateContactXML("bad-mail"), "jdoe@example.com", "not-an-address", 1), "ABC-create4")
	e.refused(c, core.CodeRequiredParameterMissing, strings.Replace(eppclient.CreateContactXML("no-email"),
		"<contact:email>jdoe@example.com</contact:email>", "", 1), "ABC-create5")
	r = e.must(c, 1000, contactCheckXML("sh8013"), "ABC-check2")
	if x := contactData(t, r); x.Chk[0].ID.Avail != "0" || x.Chk[0].Reason == "" {
		t.Fatalf("check after create: %+v", x.Chk)
	}

	// Info (RFC 5733 §3.1.2): the whole contact to its sponsor, no authInfo echoed.
	r = e.must(c, 1000, contactInfoXML("sh8013"), "ABC-info")
	x = contactData(t, r)
	if x.ID != "sh8013" || !strings.HasSuffix(x.ROID, "-HD") || x.Postal.Type != "int" || x.Postal.Name != "John Doe" ||
		x.Postal.Org != "Example Inc." || !slices.Equal(x.Postal.Street, []string{"123 Example Dr.", "Suite 100"}) ||
		x.Postal.City != "Dulles" || x.Postal.SP != "VA" || x.Postal.PC != "20166-6503" || x.Postal.CC != "US" ||
		x.Voice.Value != "+1.7035555555" || x.Voice.X != "1234" || x.Email != "jdoe@example.com" || x.ClID != e.slug ||
		x.AuthInfo != nil || !slices.Equal(x.statuses(), []string{"ok"}) {
		t.Fatalf("info: %+v", x)
	}
	if strings.Contains(string(r.Raw), "2fooBAR") {
		t.Fatal("the authInfo password was answered")
	}

	// Update (RFC 5733 §3.2.5): a status and partial postal data.
	e.must(c, 1000, contactUpdateXML("sh8013", `<contact:add><contact:status s="clientDeleteProhibited"/></contact:add>`+
		`<contact:chg><contact:postalInfo type="int"><contact:org></contact:org><contact:addr><contact:street>124 Example Dr.</contact:street>`+
		`<contact:street>Suite 200</contact:street><contact:city>Dulles</contact:city><contact:sp>VA</contact:sp>`+
		`<contact:pc>20166-6503</contact:pc><contact:cc>US</contact:cc></contact:addr></contact:postalInfo>`+
		`<contact:voice>+1.7034444444</contact:voice><contact:fax/><contact:authInfo><contact:pw>2fooBAR</contact:pw></contact:authInfo>`+
		`</contact:chg>`), "ABC-update")
	r = e.must(c, 1000, contactInfoXML("sh8013"), "ABC-info2")
	x = contactData(t, r)
	if x.Postal.Name != "John Doe" || x.Postal.Org != "" || x.Postal.Street[0] != "124 Example Dr." || x.Voice.Value != "+1.7034444444" ||
		!slices.Equal(x.statuses(), []string{"clientDeleteProhibited"}) {
		t.Fatalf("after update: %+v", x)
	}
	e.refused(c, core.CodeStatusNotClientSettable, contactUpdateXML("sh8013", `<contact:add><contact:status s="serverUpdateProhibited"/></contact:add>`), "ABC-update2")
	e.refused(c, core.CodeStatusProhibitsOperation, contactDeleteXML("sh8013"), "ABC-delete0")

	// A domain names the contact: linked, and delete is an association error (2305).
	e.must(c, 1000, contactUpdateXML("sh8013", `<contact:rem><contact:status s="clientDeleteProhibited"/></contact:rem>`), "ABC-update3")
	e.must(c, 1000, eppclient.CreateDomainXML("linked."+e.ns, "sh8013", 1), "ABC-dom")
	r = e.must(c, 1000, contactInfoXML("sh8013"), "ABC-info3")
	if x := contactData(t, r); !slices.Equal(x.statuses(), []string{"linked", "ok"}) {
		t.Fatalf("linked statuses: %v", x.statuses())
	}
	e.refused(c, core.CodeContactInUse, contactDeleteXML("sh8013"), "ABC-delete1")
	// Contact changes reach the registrant copy of the registration.
	view, err := e.svc.InfoDomain(context.Background(), e.actor(), "linked."+e.ns)
	if err != nil || view.Registrant.Phone != "+1.7034444444" || view.Registrant.Metadata["street"] != "124 Example Dr.\nSuite 200" {
		t.Fatalf("registrant copy: %+v %v", view.Registrant, err)
	}
	e.must(c, 1000, deleteXML("linked."+e.ns), "ABC-dom-del")

	// Delete (RFC 5733 §3.2.2).
	e.must(c, 1000, contactDeleteXML("sh8013"), "ABC-delete")
	e.refused(c, core.CodeContactNotFound, contactInfoXML("sh8013"), "ABC-info4")
}

func TestContactsAreOwnedByTheirChannel(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	e.contact(c, "mine-01")

	_, other, _ := e.registrar(false, 0, e.ns)
	oc := e.dial(e.addr)
	e.must(oc, 1000, eppclient.LoginXML(other.Slug, eppPassword, ""), "o-1")
	r := e.must(oc, 1000, contactCheckXML("mine-01"), "o-2")
	if x := contactData(t, r); x.Chk[0].ID.Avail != "0" {
		t.Fatal("another channel's contact id checks as available")
	}
	e.refused(oc, core.CodeContactNotSponsored, contactInfoXML("mine-01"), "o-3")
	e.refused(oc, core.CodeContactNotSponsored, contactUpdateXML("mine-01", `<contact:chg><contact:email>x@example.org</contact:email></contact:chg>`), "o-4")
	e.refused(oc, core.CodeContactNotSponsored, contactDeleteXML("mine-01"), "o-5")
	e.refused(oc, core.CodeContactNotSponsored, eppclient.CreateDomainXML("theirs."+e.ns, "mine-01", 1), "o-6")
	e.refused(oc, core.CodeAlreadyExists, eppclient.CreateContactXML("mine-01"), "o-7")
}
