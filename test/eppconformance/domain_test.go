package eppconformance

import (
	"context"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/epp/eppclient"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// What the RFC 5731/3915/8334 answers carry, as a client reads them.
type xData struct {
	ChkData []struct {
		Name struct {
			Avail string `xml:"avail,attr"`
			Name  string `xml:",chardata"`
		} `xml:"name"`
		Reason string `xml:"reason"`
	} `xml:"response>resData>chkData>cd"`
	InfName     string   `xml:"response>resData>infData>name"`
	InfROID     string   `xml:"response>resData>infData>roid"`
	Registrant  string   `xml:"response>resData>infData>registrant"`
	HostObj     []string `xml:"response>resData>infData>ns>hostObj"`
	ClID        string   `xml:"response>resData>infData>clID"`
	CrDate      string   `xml:"response>resData>infData>crDate"`
	ExDate      string   `xml:"response>resData>infData>exDate"`
	CreName     string   `xml:"response>resData>creData>name"`
	CreExDate   string   `xml:"response>resData>creData>exDate"`
	RenExDate   string   `xml:"response>resData>renData>exDate"`
	StatusAttrs []struct {
		S string `xml:"s,attr"`
	} `xml:"response>resData>infData>status"`
	RGP []struct {
		S string `xml:"s,attr"`
	} `xml:"response>extension>infData>rgpStatus"`
	Launch []struct {
		Name struct {
			Exists string `xml:"exists,attr"`
			Name   string `xml:",chardata"`
		} `xml:"name"`
		ClaimKey string `xml:"claimKey"`
	} `xml:"response>extension>chkData>cd"`
}

func data(t *testing.T, r *eppclient.Response) xData {
	t.Helper()
	var d xData
	if err := xml.Unmarshal(r.Raw, &d); err != nil {
		t.Fatalf("answer: %v\n%s", err, r.Raw)
	}
	return d
}

func (d xData) statuses() []string {
	out := []string{}
	for _, s := range d.StatusAttrs {
		out = append(out, s.S)
	}
	return out
}

func (d xData) rgp() []string {
	out := []string{}
	for _, s := range d.RGP {
		out = append(out, s.S)
	}
	return out
}

const domainNS = `xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"`

func renewXML(name, curExp string, years int) string {
	return `<renew><domain:renew ` + domainNS + `><domain:name>` + name + `</domain:name><domain:curExpDate>` + curExp +
		`</domain:curExpDate><domain:period unit="y">` + fmt.Sprint(years) + `</domain:period></domain:renew></renew>`
}

func deleteXML(name string) string {
	return `<delete><domain:delete ` + domainNS + `><domain:name>` + name + `</domain:name></domain:delete></delete>`
}

func updateXML(name, body string) string {
	return `<update><domain:update ` + domainNS + `><domain:name>` + name + `</domain:name>` + body + `</domain:update></update>`
}

func TestDomainLifecycle(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	e.contact(c, "sh8013")
	e.contact(c, "sh8014")
	name := "example." + e.ns

	// Check (RFC 5731 §3.1.1): free, reserved, claim-required.
	r := e.must(c, 1000, eppclient.CheckDomainsXML(name, "registry."+e.ns, "bitcoin."+e.ns), "ABC-check")
	d := data(t, r)
	if len(d.ChkData) != 3 || d.ChkData[0].Name.Avail != "1" || d.ChkData[1].Name.Avail != "0" || d.ChkData[1].Reason != "Reserved" ||
		d.ChkData[2].Name.Avail != "1" || d.ChkData[2].Reason != "Claims notice required" {
		t.Fatalf("check: %+v", d.ChkData)
	}
	names := make([]string, 51)
	for i := range names {
		names[i] = fmt.Sprintf("n%d.%s", i, e.ns)
	}
	e.refused(c, core.CodeValidation, eppclient.CheckDomainsXML(names...), "check-51")
	e.refused(c, core.CodeRequiredParameterMissing, eppclient.CheckDomainsXML(), "check-0")

	// Create (RFC 5731 §3.2.1) naming the registrant contact, with nameservers.
	r = e.must(c, 1000, eppclient.CreateDomainXML(name, "sh8013", 2, "ns1.example.net", "ns2.example.net"), "ABC-create")
	created := r
	d = data(t, r)
	if d.CreName != name || !strings.HasPrefix(r.SvTRID, "aud_") {
		t.Fatalf("create: %+v %s", d, r.SvTRID)
	}
	createdExDate := d.CreExDate
	exp, err := time.Parse(time.RFC3339, d.CreExDate)
	if err != nil || exp.Sub(time.Now().AddDate(2, 0, 0)).Abs() > time.Minute {
		t.Fatalf("exDate %q", d.CreExDate)
	}
	r = e.must(c, 1000, eppclient.CheckDomainsXML(name), "ABC-check2")
	if d := data(t, r); d.ChkData[0].Name.Avail != "0" || d.ChkData[0].Reason != "In use" {
		t.Fatalf("check after create: %+v", d.ChkData)
	}
	// The svTRID is the audit id of the transform: GET /poll shows it.
	status, page := e.restJSON("GET", "/poll?idempotency_key=ABC-create", nil)
	events, _ := page["events"].([]any)
	if status != 200 || len(events) != 1 || events[0].(map[string]any)["id"] != created.SvTRID {
		t.Fatalf("poll: %d %v", status, page)
	}
	if ev := events[0].(map[string]any); ev["command"] != "create_domain" || ev["domain"] != name {
		t.Fatalf("audit event: %v", ev)
	}

	// Info (RFC 5731 §3.1.2) with the RFC 3915 add grace status.
	r = e.must(c, 1000, eppclient.InfoDomainXML(name), "ABC-info")
	d = data(t, r)
	if d.InfName != name || !strings.HasSuffix(d.InfROID, "-HD") || d.Registrant != "sh8013" || d.ClID != e.slug ||
		!slices.Equal(d.HostObj, []string{"ns1.example.net", "ns2.example.net"}) || d.ExDate != createdExDate {
		t.Fatalf("info: %+v", d)
	}
	if !slices.Equal(d.statuses(), []string{"ok"}) || !slices.Equal(d.rgp(), []string{"addPeriod"}) {
		t.Fatalf("statuses %v, rgp %v", d.statuses(), d.rgp())
	}

	// Renew (RFC 5731 §3.2.3) with the current expiry date.
	curExp := exp.UTC().Format(time.DateOnly)
	e.refused(c, core.CodeCurrentExpiryMismatch, renewXML(name, exp.AddDate(0, 0, 1).UTC().Format(time.DateOnly), 1), "ABC-renew0")
	r = e.must(c, 1000, renewXML(name, curExp, 1), "ABC-renew")
	if d := data(t, r); !strings.HasPrefix(d.RenExDate, exp.AddDate(1, 0, 0).UTC().Format(time.DateOnly)) {
		t.Fatalf("renew: %+v", d)
	}
	e.refused(c, core.CodeRegistrationPeriodExceeded, renewXML(name, exp.AddDate(1, 0, 0).UTC().Format(time.DateOnly), 9), "ABC-renew2")
	r = e.must(c, 1000, eppclient.InfoDomainXML(name), "ABC-info2")
	if d := data(t, r); !slices.Equal(d.rgp(), []string{"addPeriod", "renewPeriod"}) {
		t.Fatalf("rgp after renew: %v", d.rgp())
	}

	// Update (RFC 5731 §3.2.5): statuses, nameservers and registrant.
	e.must(c, 1000, updateXML(name, `<domain:add><domain:ns><domain:hostObj>ns3.example.net</domain:hostObj></domain:ns>`+
		`<domain:status s="clientHold" lang="en">Payment overdue.</domain:status><domain:status s="clientDeleteProhibited"/></domain:add>`+
		`<domain:rem><domain:ns><domain:hostObj>ns1.example.net</domain:hostObj></domain:ns></domain:rem>`+
		`<domain:chg><domain:registrant>sh8014</domain:registrant></domain:chg>`), "ABC-update")
	r = e.must(c, 1000, eppclient.InfoDomainXML(name), "ABC-info3")
	d = data(t, r)
	if !slices.Equal(d.statuses(), []string{"clientDeleteProhibited", "clientHold"}) || d.Registrant != "sh8014" ||
		!slices.Equal(d.HostObj, []string{"ns2.example.net", "ns3.example.net"}) {
		t.Fatalf("after update: %+v", d)
	}
	e.refused(c, core.CodeStatusNotClientSettable, updateXML(name, `<domain:add><domain:status s="serverHold"/></domain:add>`), "ABC-update2")
	e.refused(c, core.CodeStatusProhibitsOperation, deleteXML(name), "ABC-delete0")
	e.refused(c, core.CodeContactNotFound, updateXML(name, `<domain:chg><domain:registrant>nobody99</domain:registrant></domain:chg>`), "ABC-update3")

	// clientUpdateProhibited refuses everything but its own removal.
	e.must(c, 1000, updateXML(name, `<domain:add><domain:status s="clientUpdateProhibited"/></domain:add>`), "ABC-update4")
	e.refused(c, core.CodeStatusProhibitsOperation, updateXML(name, `<domain:add><domain:ns><domain:hostObj>ns4.example.net</domain:hostObj></domain:ns></domain:add>`), "ABC-update5")
	e.must(c, 1000, updateXML(name, `<domain:rem><domain:status s="clientUpdateProhibited"/><domain:status s="clientDeleteProhibited"/></domain:rem>`), "ABC-update6")

	// Delete (RFC 5731 §3.2.2) inside add grace frees the name: 1000.
	e.must(c, 1000, deleteXML(name), "ABC-delete")
	e.refused(c, core.CodeDomainNotFound, eppclient.InfoDomainXML(name), "ABC-info4")
	r = e.must(c, 1000, eppclient.CheckDomainsXML(name), "ABC-check3")
	if d := data(t, r); d.ChkData[0].Name.Avail != "1" {
		t.Fatalf("a freed name checks as taken: %+v", d.ChkData)
	}
}

// TestDeleteAfterAddGraceIsPending: the delete answers 1001 "action pending"
// and the registration enters redemption (RFC 3915). The name is the one the
// conformance checklist of GET /status cites.
func TestDeleteAfterAddGraceIsPending(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	e.contact(c, "reg-1")
	name := "later." + e.ns
	r := e.must(c, 1000, eppclient.CreateDomainXML(name, "reg-1", 1), "pd-1")
	exDate := data(t, r).CreExDate
	// Move the registration out of add grace in the store, as time would.
	moveCreated(t, e, name, -6*24*time.Hour)
	before := balance(t, e)
	r = e.must(c, 1001, deleteXML(name), "pd-2")
	if r.Msg != "Command completed successfully; action pending" {
		t.Fatalf("delete: %s", r)
	}
	if got := balance(t, e); got != before {
		t.Fatalf("a delete after add grace refunded %d", got-before)
	}
	r = e.must(c, 1000, eppclient.InfoDomainXML(name), "pd-3")
	d := data(t, r)
	if !slices.Equal(d.statuses(), []string{"pendingDelete"}) || !slices.Equal(d.rgp(), []string{"redemptionPeriod"}) {
		t.Fatalf("redemption info: %v %v", d.statuses(), d.rgp())
	}
	if st := stored(t, e, name); st.State != core.StateRedemption {
		t.Fatalf("state %s, want redemption", st.State)
	}
	// In redemption every command but restore answers 2304.
	e.refused(c, core.CodeStatusProhibitsOperation, updateXML(name, `<domain:add><domain:status s="clientHold"/></domain:add>`), "pd-4")
	e.refused(c, core.CodeStatusProhibitsOperation, renewXML(name, exDate[:10], 1), "pd-5")
	e.refused(c, core.CodeStatusProhibitsOperation, deleteXML(name), "pd-6")
}

func TestClaimsNotice(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	e.contact(c, "claimant")
	name := "bitcoin." + e.ns

	// RFC 8334 §3.1.1 claims check form.
	r := e.must(c, 1000, eppclient.CheckDomainsXML(name, "plain."+e.ns)+
		`<extension><launch:check xmlns:launch="urn:ietf:params:xml:ns:launch-1.0" type="claims"><launch:phase>claims</launch:phase></launch:check></extension>`, "cl-1")
	d := data(t, r)
	if len(d.Launch) != 2 || d.Launch[0].Name.Exists != "1" || d.Launch[0].ClaimKey == "" || d.Launch[1].Name.Exists != "0" {
		t.Fatalf("claims check: %+v\n%s", d.Launch, r.Raw)
	}

	// Create without the notice: 2306 claim_acknowledgement_required.
	e.refused(c, core.CodeClaimAcknowledgementRequired, eppclient.CreateDomainXML(name, "claimant", 1), "cl-2")
	accepted := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	launch := `<extension><launch:create xmlns:launch="urn:ietf:params:xml:ns:launch-1.0"><launch:phase>claims</launch:phase>` +
		`<launch:notice><launch:noticeID>370d0b7c9223372036854775807</launch:noticeID>` +
		`<launch:notAfter>` + time.Now().Add(24*time.Hour).UTC().Format(time.RFC3339) + `</launch:notAfter>` +
		`<launch:acceptedDate>` + accepted + `</launch:acceptedDate></launch:notice></launch:create></extension>`
	e.refused(c, core.CodeValidation, eppclient.CreateDomainXML(name, "claimant", 1)+
		strings.Replace(launch, "<launch:phase>claims", "<launch:phase>sunrise", 1), "cl-3")
	e.must(c, 1000, eppclient.CreateDomainXML(name, "claimant", 1)+launch, "cl-4")

	// The acknowledgement is the core's: the registration records it.
	claim := stored(t, e, name).Claim
	if claim == nil || claim.NoticeID != "370d0b7c9223372036854775807" || claim.AcceptedAt.UTC().Format(time.RFC3339) != accepted {
		t.Fatalf("claim: %+v", claim)
	}
}

// stored reads the registration of name straight from the store.
func stored(t *testing.T, e *env, name string) core.Domain {
	t.Helper()
	var d core.Domain
	err := e.store.View(context.Background(), func(ctx context.Context, tx ports.Stores) error {
		var err error
		d, err = tx.Domains().GetByName(ctx, core.MustName(name))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// moveCreated moves a registration's creation, and the grace periods it
// recorded, by d, as the passing of time would.
func moveCreated(t *testing.T, e *env, name string, d time.Duration) {
	t.Helper()
	change(t, e, name, func(dom *core.Domain) {
		dom.CreatedAt = dom.CreatedAt.Add(d)
		for i := range dom.Grace {
			dom.Grace[i].EndsAt = dom.Grace[i].EndsAt.Add(d)
		}
	})
}

// change changes a registration in the store, as an operator's SQL or the
// passing of time would.
func change(t *testing.T, e *env, name string, fn func(*core.Domain)) {
	t.Helper()
	id := stored(t, e, name).ID
	err := e.store.Do(context.Background(), func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Domains().Update(ctx, id, func(dom *core.Domain) error {
			fn(dom)
			return nil
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
