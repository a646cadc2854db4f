package eppconformance

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/headlessdomains/registry/adapters/epp/eppclient"
	"github.com/headlessdomains/registry/core"
)

// The gateway over the durable store (bun on SQLite, the code PostgreSQL
// runs too): contacts, a registration naming one, the registrant refresh,
// the message queue and idempotent replay all persist.
func TestGatewayOverTheSQLStore(t *testing.T) {
	e := newEnv(t, envSpec{SQLite: true})
	c := e.session(e.addr)
	e.contact(c, "sql-reg")
	name := "durable." + e.ns
	created := e.must(c, 1000, eppclient.CreateDomainXML(name, "sql-reg", 1, "ns1.example.net"), "sql-1")
	if again := e.must(c, 1000, eppclient.CreateDomainXML(name, "sql-reg", 1, "ns1.example.net"), "sql-1"); again.SvTRID != created.SvTRID {
		t.Fatalf("replay %s, want %s", again.SvTRID, created.SvTRID)
	}
	r := e.must(c, 1000, eppclient.InfoDomainXML(name), "sql-2")
	if d := data(t, r); d.Registrant != "sql-reg" || !slices.Equal(d.HostObj, []string{"ns1.example.net"}) {
		t.Fatalf("info: %+v", d)
	}
	e.must(c, 1000, contactUpdateXML("sql-reg", `<contact:chg><contact:email>new@example.org</contact:email></contact:chg>`), "sql-3")
	if got := stored(t, e, name).Registrant.Email; got != "new@example.org" {
		t.Fatalf("registrant copy %q", got)
	}
	e.refused(c, core.CodeContactInUse, contactDeleteXML("sql-reg"), "sql-4")

	ctx := context.Background()
	items, err := e.svc.ListPending(ctx, core.PendingFilter{ChannelID: e.channel.ID})
	if err != nil || len(items) != 1 {
		t.Fatalf("pending %v %v", items, err)
	}
	if _, err := e.svc.ApplyPending(ctx, items[0].ID); err != nil {
		t.Fatal(err)
	}
	found := false
	for i := 0; i < 10; i++ { // operator messages of the setup come first
		r, err := c.Command(`<poll op="req"/>`, "sql-poll")
		if err != nil || r.Code != 1301 {
			t.Fatalf("poll: %v %v", r, err)
		}
		if strings.Contains(string(r.Raw), "was applied") {
			found = true
			break
		}
		e.must(c, 1000, `<poll op="ack" msgID="`+r.MsgQID+`"/>`, "sql-ack")
	}
	if !found {
		t.Fatal("the apply result never reached the queue")
	}
}
