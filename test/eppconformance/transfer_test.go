package eppconformance

import (
	"context"
	"crypto/tls"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	domainr "github.com/domainr/epp"

	"github.com/headlessdomains/registry/adapters/epp/eppclient"
	"github.com/headlessdomains/registry/core"
)

const eppAuthCode = "Epp#Transfer-Code-2026"

// trn is what <domain:trnData> carries, in an answer or a poll message.
type trn struct {
	Name     string `xml:"response>resData>trnData>name"`
	TrStatus string `xml:"response>resData>trnData>trStatus"`
	ReID     string `xml:"response>resData>trnData>reID"`
	ReDate   string `xml:"response>resData>trnData>reDate"`
	AcID     string `xml:"response>resData>trnData>acID"`
	AcDate   string `xml:"response>resData>trnData>acDate"`
	ExDate   string `xml:"response>resData>trnData>exDate"`
}

func trnOf(t *testing.T, r *eppclient.Response) trn {
	t.Helper()
	var x trn
	if err := xml.Unmarshal(r.Raw, &x); err != nil {
		t.Fatalf("answer: %v\n%s", err, r.Raw)
	}
	return x
}

// gaining sets up a second registrar in the env's namespace with its own
// EPP session, and lifts the namespace's transfer lock so that names created
// by the test can move at once.
func (e *env) gaining() (string, *eppclient.Client) {
	e.t.Helper()
	zero := map[string]int64{"transfer_lock_period_seconds": 0}
	if _, err := e.svc.UpdateNamespace(context.Background(), core.UpdateNamespace{Name: e.ns,
		Policy: core.PolicyChange{Seconds: zero}}); err != nil {
		e.t.Fatal(err)
	}
	_, ch, _ := e.registrar(false, 0, e.ns)
	c := e.dial(e.addr)
	e.must(c, 1000, eppclient.LoginXML(ch.Slug, eppPassword, ""), "login-g")
	return ch.Slug, c
}

// drainTransfers acknowledges every queued message and answers the
// trStatus of each transfer message.
func (e *env) drainTransfers(c *eppclient.Client) []string {
	e.t.Helper()
	var out []string
	for i := 0; i < 100; i++ {
		r, err := c.Command(`<poll op="req"/>`, unique("pr-"))
		if err != nil {
			e.t.Fatal(err)
		}
		if r.Code == 1300 {
			return out
		}
		if r.Code != 1301 {
			e.t.Fatalf("poll: %s", r)
		}
		if x := trnOf(e.t, r); x.TrStatus != "" {
			out = append(out, x.TrStatus)
		}
		e.must(c, 1000, `<poll op="ack" msgID="`+r.MsgQID+`"/>`, unique("pa-"))
	}
	e.t.Fatal("the queue does not drain")
	return nil
}

func TestDomainTransfer(t *testing.T) {
	t.Run("memory", func(t *testing.T) { domainTransfer(t, newEnv(t, envSpec{})) })
	t.Run("sqlite", func(t *testing.T) { domainTransfer(t, newEnv(t, envSpec{SQLite: true})) })
}

// domainTransfer runs a transfer approved by the sponsor over EPP.
func domainTransfer(t *testing.T, e *env) {
	loser := e.session(e.addr)
	gainSlug, gainer := e.gaining()
	e.contact(loser, "xfer-1")
	name := "moving." + e.ns
	create := strings.Replace(eppclient.CreateDomainXML(name, "xfer-1", 1), "2fooBAR", eppAuthCode, 1)
	e.must(loser, 1000, create, "x-create")

	// info: an empty pw to the sponsor; another channel needs the code.
	info := e.must(loser, 1000, eppclient.InfoDomainXML(name), "x-info")
	if strings.Contains(string(info.Raw), eppAuthCode) || !strings.Contains(string(info.Raw), "<domain:pw></domain:pw>") &&
		!strings.Contains(string(info.Raw), "<domain:pw/>") {
		t.Fatalf("sponsor info: %s", info.Raw)
	}
	e.refused(gainer, core.CodeDomainNotSponsored, eppclient.InfoDomainXML(name), "g-info-1")
	e.refused(gainer, core.CodeInvalidAuthCode, eppclient.InfoDomainAuthXML(name, "Wrong#Code-2026-xx"), "g-info-2")
	full := data(t, e.must(gainer, 1000, eppclient.InfoDomainAuthXML(name, eppAuthCode), "g-info-3"))
	if full.InfName != name || full.ClID != e.slug || full.Registrant == "" {
		t.Fatalf("info with the code: %+v", full)
	}

	// request: 1001 with trnData; a wrong code 2202.
	e.refused(gainer, core.CodeInvalidAuthCode, eppclient.TransferDomainXML("request", name, "Wrong#Code-2026-xx", 1), "g-req-1")
	e.refused(loser, core.CodeTransferNotEligible, eppclient.TransferDomainXML("request", name, eppAuthCode, 1), "l-req")
	r := trnOf(t, e.must(gainer, 1001, eppclient.TransferDomainXML("request", name, eppAuthCode, 1), "g-req-2"))
	if r.Name != name || r.TrStatus != core.TransferPending || r.ReID != gainSlug || r.AcID != e.slug || r.ExDate == "" {
		t.Fatalf("request trnData: %+v", r)
	}
	q := trnOf(t, e.must(gainer, 1000, eppclient.TransferDomainXML("query", name, "", 0), "g-query"))
	if q.TrStatus != core.TransferPending || q.ReDate != r.ReDate {
		t.Fatalf("query trnData: %+v", q)
	}
	e.refused(gainer, core.CodeTransferAlreadyPending, eppclient.TransferDomainXML("request", name, eppAuthCode, 1), "g-req-3")
	e.refused(gainer, core.CodeDomainNotSponsored, eppclient.TransferDomainXML("approve", name, "", 0), "g-approve")
	exp := data(t, info).ExDate[:10]
	e.refused(loser, core.CodeStatusProhibitsOperation, `<renew><domain:renew xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>`+
		name+`</domain:name><domain:curExpDate>`+exp+`</domain:curExpDate></domain:renew></renew>`, "l-renew")

	// The sponsor approves.
	a := trnOf(t, e.must(loser, 1000, eppclient.TransferDomainXML("approve", name, "", 0), "l-approve"))
	if a.TrStatus != core.TransferClientApproved {
		t.Fatalf("approve trnData: %+v", a)
	}
	e.refused(loser, core.CodeDomainNotSponsored, eppclient.InfoDomainXML(name), "l-info-after")
	e.refused(loser, core.CodeDomainNotSponsored, eppclient.TransferDomainXML("reject", name, "", 0), "l-reject")
	e.refused(gainer, core.CodeTransferNotPending, eppclient.TransferDomainXML("reject", name, "", 0), "g-reject")
	if got := e.drainTransfers(loser); strings.Join(got, ",") != "pending,clientApproved" {
		t.Fatalf("losing queue: %v", got)
	}
	if got := e.drainTransfers(gainer); strings.Join(got, ",") != "pending,clientApproved" {
		t.Fatalf("gaining queue: %v", got)
	}

	// The registrant is now a copy owned by the gaining channel; the loser keeps its contact.
	after := data(t, e.must(gainer, 1000, eppclient.InfoDomainXML(name), "g-info-after"))
	if after.ClID != gainSlug || !strings.HasPrefix(after.Registrant, "xfr") {
		t.Fatalf("gaining info after the transfer: %+v", after)
	}
	e.must(gainer, 1000, `<info><contact:info xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"><contact:id>`+after.Registrant+
		`</contact:id></contact:info></info>`, "g-contact")
	e.must(loser, 1000, `<info><contact:info xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"><contact:id>xfer-1</contact:id></contact:info></info>`, "l-contact")
	if strings.Contains(e.logs.String(), eppAuthCode) {
		t.Fatal("the auth code is in the logs")
	}

	// The independent client reads the domain as its new sponsor.
	if err := domainrInfo(e, gainSlug, name); err != nil {
		t.Fatal(err)
	}
}

func TestDomainTransferRejectedAndCancelled(t *testing.T) {
	e := newEnv(t, envSpec{})
	loser := e.session(e.addr)
	_, gainer := e.gaining()
	e.contact(loser, "xfer-2")
	for i, op := range []string{"reject", "cancel"} {
		name := fmt.Sprintf("stay%d.%s", i, e.ns)
		e.must(loser, 1000, eppclient.CreateDomainXML(name, "xfer-2", 1), unique("c-"))
		e.refused(loser, core.CodeValidation, eppclient.UpdateDomainAuthXML(name, "weak"), unique("u-"))
		e.must(loser, 1000, eppclient.UpdateDomainAuthXML(name, eppAuthCode), unique("u-"))
		e.must(gainer, 1001, eppclient.TransferDomainXML("request", name, eppAuthCode, 1), unique("r-"))
		by, want := loser, core.TransferClientRejected
		if op == "cancel" {
			by, want = gainer, core.TransferClientCancelled
		}
		if x := trnOf(t, e.must(by, 1000, eppclient.TransferDomainXML(op, name, "", 0), unique("a-"))); x.TrStatus != want {
			t.Fatalf("%s: %+v", op, x)
		}
		if d := data(t, e.must(loser, 1000, eppclient.InfoDomainXML(name), unique("i-"))); d.ClID != e.slug {
			t.Fatalf("%s: sponsor %s", op, d.ClID)
		}
	}
}

// domainrInfo logs in with github.com/domainr/epp as clID and reads name.
func domainrInfo(e *env, clID, name string) error {
	conn, err := tls.Dial("tcp", e.addr, e.client)
	if err != nil {
		return err
	}
	dc, err := domainr.NewTimeoutConn(conn, 10*time.Second)
	if err != nil {
		return err
	}
	defer dc.Close()
	if _, err := dc.Login(clID, eppPassword, ""); err != nil {
		return fmt.Errorf("domainr login: %v", err)
	}
	info, err := dc.DomainInfo(name, nil)
	if err != nil {
		return fmt.Errorf("domainr info: %v", err)
	}
	if info.Domain != name || info.ClID != clID {
		return fmt.Errorf("domainr info after the transfer: %+v", info)
	}
	return nil
}
