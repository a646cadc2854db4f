package api

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/headlessdomains/registry/core"
)

// channelState is everything a channel owns that another channel must not
// be able to read or change.
type channelState struct {
	Domains     map[string]map[string]any // info of each registration, by name
	Records     []any
	Balance     int64
	Ledger      int
	Audit       []string // ids of the registrar audit rows
	PollEvents  []any
	PendingList []any
	Pending     int // backend work in every status
}

func (e *env) stateOf(r registrar, names []string, recordsOf string) channelState {
	e.t.Helper()
	s := channelState{Domains: map[string]map[string]any{}}
	for _, n := range names {
		s.Domains[n] = e.must(http.StatusOK, e.get(r, "/domains/"+n))
	}
	s.Records = e.must(http.StatusOK, e.get(r, "/domains/"+recordsOf+"/records"))["records"].([]any)
	s.Balance = e.balance(r.PartnerID)
	s.Ledger = len(e.ledger(r.PartnerID))
	for _, ev := range e.registrarAudit(r.ChannelID) {
		s.Audit = append(s.Audit, ev.ID)
	}
	s.PollEvents = e.must(http.StatusOK, e.get(r, "/poll?limit=500"))["events"].([]any)
	s.PendingList = e.must(http.StatusOK, e.get(r, "/backend/pending?limit=500"))["items"].([]any)
	s.Pending = len(e.pendingWork(r.ChannelID))
	return s
}

// TestRegistrarSeparation proves, for every registrar endpoint, that a
// second channel approved for the same namespace can neither read nor change
// the first channel's registrations, records, audit events, pending work or
// OT&E fixtures, and that idempotency keys are scoped to the channel.
func TestRegistrarSeparation(t *testing.T) {
	e := newEnv(t)
	a := e.admit(regSpec{})
	b := e.admit(regSpec{Namespace: a.Namespace})
	ns := a.Namespace
	onlyA := e.namespace(nsSpec{})
	e.list(a.ChannelID, onlyA, true)

	// A's world: OT&E fixtures (one renewed), a registration with desired
	// nameservers (pending work) and records.
	fixturesA := map[string]string{}
	resetA := e.must(http.StatusOK, e.send(a, "POST", "/sandbox/reset", nil))
	for _, f := range resetA["fixtures"].([]any) {
		m := f.(map[string]any)
		if d, ok := m["domain"].(string); ok && strings.HasSuffix(d, "."+ns) {
			fixturesA[m["purpose"].(string)] = d
		}
	}
	name := "alpha." + ns
	created := e.must(http.StatusCreated, e.send(a, "POST", "/domains", map[string]any{"domain": name, "registrant": registrant()},
		"Idempotency-Key", "shared-key"))
	e.must(http.StatusOK, e.send(a, "PUT", "/domains/"+name+"/nameservers",
		map[string]any{"nameservers": []string{"ns1.example.net", "ns2.example.net"}}, "Idempotency-Key", "a-ns"))
	e.must(http.StatusOK, e.send(a, "PUT", "/domains/"+name+"/records", map[string]any{"records": []any{
		map[string]any{"type": "A", "name": "@", "ttl": 300, "value": "192.0.2.1"},
		map[string]any{"type": "TXT", "name": "_verify", "ttl": 300, "value": "owner=a"}}}, "Idempotency-Key", "a-rec"))
	renewFixture := fixturesA["renew"]
	fx := e.must(http.StatusOK, e.get(a, "/domains/"+renewFixture))
	e.must(http.StatusOK, e.send(a, "POST", "/domains/"+renewFixture+"/renew",
		map[string]any{"years": 1, "current_expires_at": fx["expires_at"]}, "Idempotency-Key", "a-renew"))

	names := []string{name}
	for _, p := range []string{"renew", "ns", "update", "delete"} {
		names = append(names, fixturesA[p])
	}
	before := e.stateOf(a, names, name)
	if len(before.PendingList) == 0 || len(before.Records) != 2 || len(before.PollEvents) < 5 {
		t.Fatalf("A's world is not what the test built: %+v", before)
	}

	// B, before it has done anything: poll and pending answer empty lists
	// whatever filter names A's domain, key or command.
	for _, q := range []string{"", "?domain=" + name, "?idempotency_key=shared-key", "?idempotency_key=a-ns",
		"?domain=" + name + "&idempotency_key=shared-key&command=create_domain&status=success&limit=1",
		"?command=sandbox_reset", "?domain=" + url.QueryEscape(renewFixture)} {
		if ev := e.must(http.StatusOK, e.get(b, "/poll"+q))["events"].([]any); len(ev) != 0 {
			t.Fatalf("B's poll%s shows A's events: %v", q, ev)
		}
	}
	for _, q := range []string{"", "?domain=" + name, "?command=update_nameservers&domain=" + name + "&limit=10"} {
		if items := e.must(http.StatusOK, e.get(b, "/backend/pending"+q))["items"].([]any); len(items) != 0 {
			t.Fatalf("B's backend/pending%s shows A's work: %v", q, items)
		}
	}

	// status: B's own key, partner, channel and listings only.
	st := e.get(b, "/status")
	body := e.must(http.StatusOK, st)
	if body["registrar_channel"].(map[string]any)["id"] != b.ChannelID || body["partner"].(map[string]any)["id"] != b.PartnerID ||
		body["api_key"].(map[string]any)["id"] != b.KeyID ||
		body["audit_provenance"].(map[string]any)["registrar_channel_id"] != b.ChannelID {
		t.Fatalf("B's status is not B's: %s", st.Raw)
	}
	listings := body["namespace_listings"].([]any)
	if len(listings) != 1 || listings[0].(map[string]any)["namespace"] != ns {
		t.Fatalf("B's status lists %v, want only %s", listings, ns)
	}
	for _, secret := range []string{a.ChannelID, a.PartnerID, a.KeyID, onlyA, "-" + a.Slug + "."} {
		if strings.Contains(string(st.Raw), secret) {
			t.Fatalf("B's status mentions A's %q", secret)
		}
	}

	// check is public: A's registration shows as registered.
	res := e.must(http.StatusOK, e.send(b, "POST", "/domains/check", map[string]any{"names": []string{name, "alpha"}}))["results"].([]any)
	for _, x := range res {
		if m := x.(map[string]any); m["name"] == name && (m["available"] != false || m["reason"] != "registered") {
			t.Fatalf("B's check of A's domain: %v", m)
		}
	}

	// Every command that names A's domain (or fixture) is refused with
	// domain_not_sponsored, in production and in sandbox.
	info := before.Domains[name]
	mutations := []struct {
		method, path string
		body         any
	}{
		{"POST", "/domains/" + name + "/renew", map[string]any{"years": 1, "current_expires_at": info["expires_at"]}},
		{"PATCH", "/domains/" + name, map[string]any{"statuses": map[string]any{"add": []string{"clientHold"}}}},
		{"PATCH", "/domains/" + name, map[string]any{"registrant": map[string]any{"name": "Mallory", "email": "m@example.com"}}},
		{"PUT", "/domains/" + name + "/nameservers", map[string]any{"nameservers": []string{"ns.mallory.example"}}},
		{"PUT", "/domains/" + name + "/records", map[string]any{"records": []any{map[string]any{"type": "A", "name": "@", "ttl": 300, "value": "203.0.113.66"}}}},
		{"DELETE", "/domains/" + name, nil},
		{"DELETE", "/domains/" + fixturesA["delete"], nil},
		{"PATCH", "/domains/" + fixturesA["update"], map[string]any{"statuses": map[string]any{"add": []string{"clientHold"}}}},
		{"PUT", "/domains/" + fixturesA["ns"] + "/nameservers", map[string]any{"nameservers": []string{}}},
	}
	for i, m := range mutations {
		key := "b-" + string(rune('a'+i))
		e.wantProblem(e.send(b, m.method, m.path, m.body, "Idempotency-Key", key), core.CodeDomainNotSponsored)
		e.wantProblem(e.send(b, m.method, m.path, m.body, "Idempotency-Key", key+"-sb", "X-Registrar-Sandbox", "1"), core.CodeDomainNotSponsored)
		// A's own idempotency key changes nothing either.
		e.wantProblem(e.send(b, m.method, m.path, m.body, "Idempotency-Key", "a-ns"), core.CodeDomainNotSponsored)
	}
	for _, path := range []string{"/domains/" + name, "/domains/" + name + "/records", "/domains/" + renewFixture,
		"/domains/" + strings.ToUpper(name)} {
		e.wantProblem(e.get(b, path), core.CodeDomainNotSponsored)
	}
	if n := len(e.registrarAudit(b.ChannelID)); n != 0 {
		t.Fatalf("rule 7 refusals wrote %d audit rows on B's channel", n)
	}
	// create of A's name: taken, whoever asks.
	e.wantProblem(e.send(b, "POST", "/domains", map[string]any{"domain": name, "registrant": registrant()},
		"Idempotency-Key", "b-create"), core.CodeDomainNotAvailable)

	// sandbox reset: B's fixtures only, none of A's touched or reported.
	for _, f := range e.must(http.StatusOK, e.send(b, "POST", "/sandbox/reset", nil))["fixtures"].([]any) {
		m := f.(map[string]any)
		d, isDomain := m["domain"].(string)
		if isDomain && !strings.Contains(d, "-"+b.Slug+".") || m["skipped"] == true {
			t.Fatalf("B's sandbox reset reported %v", m)
		}
		if id, ok := m["contact_id"].(string); ok && strings.Contains(fmt.Sprint(resetA), id) {
			t.Fatalf("B's sandbox reset reported A's contact %s", id)
		}
	}

	// Idempotency keys are per channel: B's "shared-key" is a new command.
	own := e.must(http.StatusCreated, e.send(b, "POST", "/domains", map[string]any{"domain": "beta." + ns, "registrant": registrant()},
		"Idempotency-Key", "shared-key"))
	if own["idempotent"] != false || own["audit_id"] == created["audit_id"] || own["domain"].(map[string]any)["name"] != "beta."+ns {
		t.Fatalf("B's use of A's key: %v", own)
	}

	// B's poll now shows B's own events, never A's.
	for _, q := range []string{"?limit=500", "?idempotency_key=shared-key", "?domain=" + name} {
		for _, x := range e.must(http.StatusOK, e.get(b, "/poll"+q))["events"].([]any) {
			ev := x.(map[string]any)
			if ev["registrar"].(map[string]any)["channel_id"] != b.ChannelID {
				t.Fatalf("B's poll%s shows %v", q, ev)
			}
		}
	}
	byKey := e.must(http.StatusOK, e.get(b, "/poll?idempotency_key=shared-key"))["events"].([]any)
	if len(byKey) != 1 || byKey[0].(map[string]any)["domain"] != "beta."+ns {
		t.Fatalf("B's poll by the shared key: %v", byKey)
	}
	if items := e.must(http.StatusOK, e.get(b, "/backend/pending?domain="+name))["items"].([]any); len(items) != 0 {
		t.Fatalf("B's pending names A's domain: %v", items)
	}

	// A is exactly as it was.
	after := e.stateOf(a, names, name)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("B changed A's state\nbefore: %+v\nafter:  %+v", before, after)
	}
	// And A's key replays A's result, untouched by B's use of it.
	replay := e.must(http.StatusCreated, e.send(a, "POST", "/domains", map[string]any{"domain": name, "registrant": registrant()},
		"Idempotency-Key", "shared-key"))
	if replay["idempotent"] != true || replay["audit_id"] != created["audit_id"] {
		t.Fatalf("A's replay after B used the key: %v", replay)
	}
}
