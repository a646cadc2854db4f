package eppconformance

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"github.com/headlessdomains/registry/adapters/epp/eppclient"
	"github.com/headlessdomains/registry/core"
)

func TestPollRequestAndAcknowledge(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	ctx := context.Background()

	// Setting the channel up queued operator messages (production approval,
	// listing approval): drain them.
	for {
		r, err := c.Command(`<poll op="req"/>`, "drain-req")
		if err != nil {
			t.Fatal(err)
		}
		if r.Code == 1300 {
			if r.Msg != "Command completed successfully; no messages" {
				t.Fatalf("empty queue: %s", r)
			}
			break
		}
		if r.Code != 1301 || r.MsgQID == "" {
			t.Fatalf("poll req: %s", r)
		}
		e.must(c, 1000, `<poll op="ack" msgID="`+r.MsgQID+`"/>`, "drain")
	}

	// Backend results are queued: apply one pending item, fail another.
	e.contact(c, "poller")
	name := "polled." + e.ns
	e.must(c, 1000, eppclient.CreateDomainXML(name, "poller", 1, "ns1.example.net"), "p-1")
	items, err := e.svc.ListPending(ctx, core.PendingFilter{ChannelID: e.channel.ID})
	if err != nil || len(items) != 1 {
		t.Fatalf("pending: %v %v", items, err)
	}
	if _, err := e.svc.ApplyPending(ctx, items[0].ID); err != nil {
		t.Fatal(err)
	}
	e.must(c, 1000, deleteXML(name), "p-2")
	items, _ = e.svc.ListPending(ctx, core.PendingFilter{ChannelID: e.channel.ID})
	if _, err := e.svc.FailPending(ctx, items[0].ID, "the backend refused"); err != nil {
		t.Fatal(err)
	}

	// RFC 5730 §2.9.2.3: req answers the oldest message (1301) with the count.
	r := e.must(c, 1301, `<poll op="req"/>`, "ABC-12345")
	var doc struct {
		MsgQ *struct {
			Count int    `xml:"count,attr"`
			ID    string `xml:"id,attr"`
			QDate string `xml:"qDate"`
			Msg   string `xml:"msg"`
		} `xml:"response>msgQ"`
	}
	if err := xml.Unmarshal(r.Raw, &doc); err != nil || doc.MsgQ == nil {
		t.Fatalf("msgQ: %v\n%s", err, r.Raw)
	}
	q := *doc.MsgQ
	if r.Msg != "Command completed successfully; ack to dequeue" || q.Count != 2 || q.QDate == "" || !strings.Contains(q.Msg, "applied") {
		t.Fatalf("first message: %s %+v", r, q)
	}
	// The same message until acknowledged.
	if again := e.must(c, 1301, `<poll op="req"/>`, "ABC-12346"); again.MsgQID != q.ID {
		t.Fatalf("req again answered %s, want %s", again.MsgQID, q.ID)
	}
	e.refused(c, core.CodeMessageNotFound, `<poll op="ack" msgID="msg_unknown"/>`, "ABC-12347")
	e.refused(c, core.CodeRequiredParameterMissing, `<poll op="ack"/>`, "ABC-12348")
	r = e.must(c, 1000, `<poll op="ack" msgID="`+q.ID+`"/>`, "ABC-12349")
	if r.MsgQCount != 1 || r.MsgQID != q.ID {
		t.Fatalf("ack: count %d id %s", r.MsgQCount, r.MsgQID)
	}
	r = e.must(c, 1301, `<poll op="req"/>`, "ABC-12350")
	if !strings.Contains(string(r.Raw), "failed at the backend: the backend refused") {
		t.Fatalf("second message:\n%s", r.Raw)
	}
	// Another channel cannot acknowledge it.
	_, other, _ := e.registrar(false, 0, e.ns)
	oc := e.dial(e.addr)
	e.must(oc, 1000, eppclient.LoginXML(other.Slug, eppPassword, ""), "o-1")
	e.refused(oc, core.CodeMessageNotFound, `<poll op="ack" msgID="`+r.MsgQID+`"/>`, "o-2")
	e.must(c, 1000, `<poll op="ack" msgID="`+r.MsgQID+`"/>`, "ABC-12351")
	e.must(c, 1300, `<poll op="req"/>`, "ABC-12352")
}

func TestAccessRefusals(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	e.contact(c, "reg-a")

	// A namespace the channel is not approved for: 2201.
	foreign := "x" + e.ns
	if _, err := e.svc.CreateNamespace(context.Background(), core.CreateNamespace{Name: foreign, DNSBackend: core.DNSBackendNone}); err != nil {
		t.Fatal(err)
	}
	e.refused(c, core.CodeNamespaceNotApproved, eppclient.CheckDomainsXML("a."+foreign), "r-1")
	e.refused(c, core.CodeNamespaceNotApproved, eppclient.CreateDomainXML("a."+foreign, "reg-a", 1), "r-2")
	e.refused(c, core.CodeValidation, eppclient.CheckDomainsXML("a.nosuchnamespace"), "r-3")
	e.refused(c, core.CodeValidation, eppclient.CheckDomainsXML("-bad-.name"), "r-4")

	// Another channel's registration: 2201 domain_not_sponsored for info,
	// renew, update and delete; the audit gets no row for them.
	_, other, _ := e.registrar(false, 0, e.ns)
	oc := e.dial(e.addr)
	e.must(oc, 1000, eppclient.LoginXML(other.Slug, eppPassword, ""), "o-1")
	e.contact(oc, "reg-b")
	theirs := "theirs." + e.ns
	e.must(oc, 1000, eppclient.CreateDomainXML(theirs, "reg-b", 1), "o-2")
	e.refused(c, core.CodeDomainNotSponsored, eppclient.InfoDomainXML(theirs), "r-5")
	e.refused(c, core.CodeDomainNotSponsored, renewXML(theirs, "2030-01-01", 1), "r-6")
	e.refused(c, core.CodeDomainNotSponsored, updateXML(theirs, `<domain:add><domain:status s="clientHold"/></domain:add>`), "r-7")
	e.refused(c, core.CodeDomainNotSponsored, deleteXML(theirs), "r-8")
	e.refused(c, core.CodeDomainNotAvailable, eppclient.CreateDomainXML(theirs, "reg-a", 1), "r-9")
	e.refused(c, core.CodeDomainNotAvailable, eppclient.CreateDomainXML("registry."+e.ns, "reg-a", 1), "r-10")
	e.refused(c, core.CodeDomainNotFound, eppclient.InfoDomainXML("nobody."+e.ns), "r-11")
	e.refused(c, core.CodeRequiredParameterMissing, strings.Replace(eppclient.CreateDomainXML("noreg."+e.ns, "x", 1),
		"<domain:registrant>x</domain:registrant>", "", 1), "r-12")
	e.refused(c, core.CodeRegistrationPeriodExceeded, eppclient.CreateDomainXML("long."+e.ns, "reg-a", 11), "r-13")

	// Not enough Gems: 2104.
	zero := core.Gems(0)
	if _, err := e.svc.PatchPartner(context.Background(), e.partner.ID, core.PatchPartner{GemsBalance: &zero}); err != nil {
		t.Fatal(err)
	}
	e.refused(c, core.CodeInsufficientGems, eppclient.CreateDomainXML("poor."+e.ns, "reg-a", 1), "r-14")
}

func TestProductionApprovalOnTheProductionListener(t *testing.T) {
	e := newEnv(t, envSpec{NoProduction: true})
	c := e.session(e.addr)
	// Queries work; transforms need production approval: 2201.
	e.must(c, 1000, eppclient.CheckDomainsXML("a."+e.ns), "pa-1")
	e.refused(c, core.CodeChannelNotProductionApproved, eppclient.CreateContactXML("pa-contact"), "pa-2")
	e.refused(c, core.CodeChannelNotProductionApproved, eppclient.CreateDomainXML("a."+e.ns, "pa-contact", 1), "pa-3")

	// The OT&E listener runs the same transforms as sandbox commands.
	o := e.session(e.oteAddr)
	_, body := e.restJSON("POST", "/sandbox/reset", nil)
	fixtures, _ := body["fixtures"].([]any)
	var contactID string
	for _, f := range fixtures {
		if m := f.(map[string]any); m["purpose"] == "registrant_contact" {
			contactID, _ = m["contact_id"].(string)
		}
	}
	if contactID != core.OTEContactID(e.slug) {
		t.Fatalf("reset fixtures %v lack the OT&E contact %s", fixtures, core.OTEContactID(e.slug))
	}
	r := e.must(o, 1000, contactInfoXML(contactID), "ote-1")
	if x := contactData(t, r); x.ID != contactID {
		t.Fatalf("OT&E contact: %+v", x)
	}
	r = e.must(o, 1000, eppclient.CreateDomainXML("sandboxed."+e.ns, contactID, 1), "ote-2")
	// Sandbox: audited with status sandbox, nothing registered.
	_, page := e.restJSON("GET", "/poll?idempotency_key=ote-2", nil)
	events, _ := page["events"].([]any)
	if len(events) != 1 || events[0].(map[string]any)["status"] != "sandbox" || events[0].(map[string]any)["id"] != r.SvTRID {
		t.Fatalf("sandbox audit: %v", page)
	}
	e.refused(o, core.CodeDomainNotFound, eppclient.InfoDomainXML("sandboxed."+e.ns), "ote-3")
	// Sandbox validates as production does.
	e.refused(o, core.CodeClaimAcknowledgementRequired, eppclient.CreateDomainXML("ote-claim-"+e.slug+"."+e.ns, contactID, 1), "ote-4")
	fixture := "ote-delete-" + e.slug + "." + e.ns
	e.must(o, 1000, deleteXML(fixture), "ote-5")               // fixtures are fresh: within add grace, freed
	e.must(o, 1000, eppclient.InfoDomainXML(fixture), "ote-6") // still there: sandbox changed nothing
}

func TestIdempotentClTRID(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	e.contact(c, "idem-1")
	name := "idem." + e.ns
	first := e.must(c, 1000, eppclient.CreateDomainXML(name, "idem-1", 1), "IDEM-0001")
	before := balance(t, e)

	// The same clTRID and command replays the recorded result, changing nothing.
	again := e.must(c, 1000, eppclient.CreateDomainXML(name, "idem-1", 1), "IDEM-0001")
	if again.SvTRID != first.SvTRID {
		t.Fatalf("replay svTRID %s, want %s", again.SvTRID, first.SvTRID)
	}
	if balance(t, e) != before {
		t.Fatal("a replay debited again")
	}
	// The clTRID reused for a different command: 2306.
	e.refused(c, core.CodeIdempotencyConflict, eppclient.CreateDomainXML("other."+e.ns, "idem-1", 1), "IDEM-0001")
	e.refused(c, core.CodeIdempotencyConflict, deleteXML(name), "IDEM-0001")
	// The replay holds across sessions and transports: the REST key of the
	// channel sees the key as used.
	status, body := e.restJSON("POST", "/domains", map[string]any{"domain": "rest." + e.ns, "registrant": map[string]any{"name": "A", "email": "a@example.com"}},
		"Idempotency-Key", "IDEM-0001")
	if status != 409 || body["code"] != string(core.CodeIdempotencyConflict) {
		t.Fatalf("REST with the EPP key: %d %v", status, body)
	}

	// Without clTRID a transform runs once, unprotected (domainr/epp sends none).
	e.must(c, 1000, eppclient.CreateContactXML("noclt-1"), "")
	r, err := c.Command(eppclient.CreateContactXML("noclt-1"), "")
	if err != nil || r.Code != 2302 {
		t.Fatalf("repeat without clTRID: %v %v", r, err)
	}
}

func balance(t *testing.T, e *env) core.Gems {
	t.Helper()
	p, err := e.svc.GetPartner(context.Background(), e.partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p.GemsBalance
}

func TestRateLimitClosesTheSession(t *testing.T) {
	e := newEnv(t, envSpec{RateLimit: 3})
	c := e.session(e.addr)
	for i := 0; i < 3; i++ {
		e.must(c, 1000, eppclient.CheckDomainsXML("a."+e.ns), fmt.Sprintf("rl-%d", i))
	}
	r := e.refused(c, core.CodeRateLimitExceeded, eppclient.CheckDomainsXML("a."+e.ns), "rl-4")
	if r.Msg != "Session limit exceeded; server closing connection" {
		t.Fatalf("rate limit: %s", r)
	}
	closed(t, c)

	// The counter is the REST one of the same channel and command: another
	// session is refused in the same window, other commands still run.
	c = e.session(e.addr)
	e.refused(c, core.CodeRateLimitExceeded, eppclient.CheckDomainsXML("a."+e.ns), "rl-5")
	closed(t, c)
	c = e.session(e.addr)
	e.must(c, 2303, eppclient.InfoDomainXML("a."+e.ns), "rl-6")
}
