package eppconformance

import (
	"context"
	"crypto/tls"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	domainr "github.com/domainr/epp"

	"github.com/headlessdomains/registry/adapters/epp/eppclient"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// The same create over REST and over EPP leaves the same registry state:
// registration, ledger movement and audit row, differing only in the name
// and what is unique to each registration.
func TestSameCreateOverRESTAndEPP(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	e.contact(c, "parity-1")
	contact, err := e.svc.InfoContact(context.Background(), e.actor(), "parity-1")
	if err != nil {
		t.Fatal(err)
	}
	// The REST body carries exactly the contact's data as the registrant.
	reg := (&core.Contact{ID: contact.ID, PostalInfo: contact.PostalInfo, Email: contact.Email, Voice: contact.Voice}).Registrant()
	restName, eppName := "rest-side."+e.ns, "epp-side."+e.ns
	before := balance(t, e)
	status, body := e.restJSON("POST", "/domains", map[string]any{
		"domain": restName, "years": 2, "nameservers": []string{"ns1.example.net", "ns2.example.net"},
		"registrant": map[string]any{"name": reg.Name, "organization": reg.Organization, "email": reg.Email,
			"phone": reg.Phone, "country": reg.Country, "metadata": reg.Metadata},
	}, "Idempotency-Key", "parity-rest")
	if status != 201 {
		t.Fatalf("REST create: %d %v", status, body)
	}
	afterREST := balance(t, e)
	e.must(c, 1000, eppclient.CreateDomainXML(eppName, "parity-1", 2, "ns1.example.net", "ns2.example.net"), "parity-epp")
	afterEPP := balance(t, e)
	if before-afterREST != afterREST-afterEPP || before == afterREST {
		t.Fatalf("debits differ: REST %d, EPP %d", before-afterREST, afterREST-afterEPP)
	}

	a := e.actor()
	rv, err := e.svc.InfoDomain(context.Background(), a, restName)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := e.svc.InfoDomain(context.Background(), a, eppName)
	if err != nil {
		t.Fatal(err)
	}
	if ev.RegistrantContactID != "parity-1" || rv.RegistrantContactID != "" {
		t.Fatalf("registrant contact ids: REST %q, EPP %q", rv.RegistrantContactID, ev.RegistrantContactID)
	}
	norm := func(v core.DomainView) core.DomainView {
		v.ID, v.Name, v.UnicodeName, v.Label, v.BackendReference, v.RegistrantContactID = "", "", "", "", "", ""
		v.CreatedAt, v.UpdatedAt = time.Time{}, time.Time{}
		v.ExpiresAt = v.ExpiresAt.Truncate(time.Hour)
		return v
	}
	if got, want := norm(ev), norm(rv); !reflect.DeepEqual(got, want) {
		t.Fatalf("EPP state differs from REST state:\n EPP  %+v\n REST %+v", got, want)
	}

	// One success audit row each, same command and status; the same pending work.
	var events []core.AuditEvent
	var pending []core.PendingItem
	_ = e.store.View(context.Background(), func(ctx context.Context, tx ports.Stores) error {
		events, _ = tx.Audit().Query(ctx, ports.AuditQuery{ChannelID: e.channel.ID, Command: string(core.CmdCreateDomain)})
		pending, _ = tx.Pending().List(ctx, core.PendingFilter{ChannelID: e.channel.ID})
		return nil
	})
	if len(events) != 2 || events[0].Status != "success" || events[1].Status != "success" ||
		events[0].HTTPStatus != events[1].HTTPStatus || events[0].RequestSummary["years"] != events[1].RequestSummary["years"] {
		t.Fatalf("audit rows: %+v", events)
	}
	if len(pending) != 2 || pending[0].Command != pending[1].Command ||
		!reflect.DeepEqual(pending[0].Payload, pending[1].Payload) {
		t.Fatalf("pending work: %+v", pending)
	}

	// REST reads the EPP registration like its own.
	status, got := e.restJSON("GET", "/domains/"+eppName, nil)
	if status != 200 || got["name"] != eppName || got["registrar_channel_id"] != e.channel.ID {
		t.Fatalf("REST info of the EPP create: %d %v", status, got)
	}
}

// An independent client, github.com/domainr/epp (which sends no clTRID),
// connects, logs in, checks and reads a domain; one connection per goroutine.
func TestDomainrClient(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	e.contact(c, "domainr-1")
	name := "indie." + e.ns
	e.must(c, 1000, eppclient.CreateDomainXML(name, "domainr-1", 1, "ns1.example.net"), "dr-1")

	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- domainrSession(e, name)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func domainrSession(e *env, name string) error {
	conn, err := tls.Dial("tcp", e.addr, e.client)
	if err != nil {
		return err
	}
	dc, err := domainr.NewTimeoutConn(conn, 10*time.Second)
	if err != nil {
		return err
	}
	defer dc.Close()
	if !slices.Contains(dc.Greeting.Objects, "urn:ietf:params:xml:ns:domain-1.0") {
		return fmt.Errorf("greeting objects: %v", dc.Greeting.Objects)
	}
	if _, err := dc.Login(e.slug, eppPassword, ""); err != nil {
		return fmt.Errorf("login: %v", err)
	}
	chk, err := dc.CheckDomain(name, "free-one."+e.ns)
	if err != nil {
		return fmt.Errorf("check: %v", err)
	}
	if len(chk.Checks) != 2 || chk.Checks[0].Available || !chk.Checks[1].Available {
		return fmt.Errorf("check: %+v", chk.Checks)
	}
	info, err := dc.DomainInfo(name, nil)
	if err != nil {
		return fmt.Errorf("info: %v", err)
	}
	if info.Domain != name || info.ClID != e.slug || info.ExDate.Before(time.Now()) || !slices.Contains(info.Status, "ok") {
		return fmt.Errorf("info: %+v", info)
	}
	return nil
}
