package registry_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/adapters/password"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
)

// cheapHasher is Argon2id with test-sized costs.
var cheapHasher = password.NewWithParams(password.Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 16})

// eppHarness is a harness whose service hashes passwords, with its rate
// counter at hand.
func newEPPHarness(t *testing.T) (*harness, *memory.RateCounter) {
	t.Helper()
	h := newHarness(t)
	rc := memory.NewRateCounter()
	h.svc = registry.NewService(h.store, rc, dns.NewDefaultBackends(), h.clock, core.NewIDs(), registry.Options{Passwords: cheapHasher})
	return h, rc
}

// login sets the channel's EPP password and logs in.
func (h *harness) login(w world) core.Actor {
	h.t.Helper()
	if _, err := h.svc.SetEPPPassword(h.ctx, w.Channel.ID, "foo-BAR2"); err != nil {
		h.t.Fatalf("SetEPPPassword: %v", err)
	}
	a, err := h.svc.EPPLogin(h.ctx, core.EPPLogin{ClID: w.Channel.Slug, Password: "foo-BAR2"})
	if err != nil {
		h.t.Fatalf("EPPLogin: %v", err)
	}
	return a
}

func contactCmd(id, key string) core.CreateContact {
	return core.CreateContact{Mutation: core.Mutation{IdempotencyKey: key}, ID: id,
		PostalInfo: core.PostalInfo{Type: core.PostalInt, Name: "John Doe", Org: "Example Inc.",
			Street: []string{"123 Example Dr.", "Suite 100"}, City: "Dulles", SP: "VA", PC: "20166-6503", CC: "us"},
		Voice: "+1.7035555555x1234", Email: "jdoe@example.com", AuthInfo: "2fooBAR"}
}

func TestSetEPPPasswordAndLogin(t *testing.T) {
	h, _ := newEPPHarness(t)
	w := h.registrar(worldSpec{})
	for _, bad := range []string{"short", "seventeen-chars-x", " leading", "trailing ", "two  spaces", "tab\tinside"} {
		_, err := h.svc.SetEPPPassword(h.ctx, w.Channel.ID, bad)
		wantField(t, err, "password")
	}
	_, err := h.svc.SetEPPPassword(h.ctx, "chn_missing", "foo-BAR2")
	wantCode(t, err, core.CodeNotFound)

	// No password yet: login fails like a wrong password.
	_, err = h.svc.EPPLogin(h.ctx, core.EPPLogin{ClID: w.Channel.Slug, Password: "foo-BAR2"})
	wantCode(t, err, core.CodeAuthenticationFailed)

	ch, err := h.svc.SetEPPPassword(h.ctx, w.Channel.ID, "foo-BAR2")
	wantCode(t, err, "")
	if !strings.HasPrefix(ch.EPPPasswordHash, "$argon2id$") || strings.Contains(ch.EPPPasswordHash, "foo-BAR2") {
		t.Fatalf("password stored as %q", ch.EPPPasswordHash)
	}
	for _, ev := range h.audit(w.Channel.ID) {
		for _, part := range []map[string]any{ev.RequestSummary, ev.ResponseSummary} {
			for k, v := range part {
				if strings.Contains(k+"="+strings.TrimSpace(toString(v)), "foo-BAR2") {
					t.Fatalf("audit row %s carries the password", ev.Command)
				}
			}
		}
	}

	for _, c := range []struct{ clID, pw string }{{w.Channel.Slug, "foo-BAR3"}, {"no-such-slug", "foo-BAR2"}, {"", "foo-BAR2"}, {w.Channel.Slug, ""}} {
		_, err := h.svc.EPPLogin(h.ctx, core.EPPLogin{ClID: c.clID, Password: c.pw})
		wantCode(t, err, core.CodeAuthenticationFailed)
	}
	a, err := h.svc.EPPLogin(h.ctx, core.EPPLogin{ClID: w.Channel.Slug, Password: "foo-BAR2"})
	wantCode(t, err, "")
	if a.ChannelID() != w.Channel.ID || a.Partner.ID != w.Partner.ID || !a.NamespaceApproved(w.Namespace.Name) ||
		len(a.MissingScopes(core.CommandSpec{Scopes: core.AllScopes()})) != 0 || a.APIKey.ID != registry.EPPSessionKeyID {
		t.Fatalf("session actor: %+v", a)
	}

	// newPW: an invalid one is refused and changes nothing; a valid one replaces the password.
	_, err = h.svc.EPPLogin(h.ctx, core.EPPLogin{ClID: w.Channel.Slug, Password: "foo-BAR2", NewPassword: "x"})
	wantField(t, err, "newPW")
	_, err = h.svc.EPPLogin(h.ctx, core.EPPLogin{ClID: w.Channel.Slug, Password: "foo-BAR2", NewPassword: "bar-FOO2"})
	wantCode(t, err, "")
	_, err = h.svc.EPPLogin(h.ctx, core.EPPLogin{ClID: w.Channel.Slug, Password: "foo-BAR2"})
	wantCode(t, err, core.CodeAuthenticationFailed)
	_, err = h.svc.EPPLogin(h.ctx, core.EPPLogin{ClID: w.Channel.Slug, Password: "bar-FOO2"})
	wantCode(t, err, "")

	// A suspended channel: the right password answers channel_required.
	st := core.ChannelSuspended
	_, err = h.svc.PatchChannel(h.ctx, w.Channel.ID, core.PatchChannel{Status: &st})
	wantCode(t, err, "")
	_, err = h.svc.EPPLogin(h.ctx, core.EPPLogin{ClID: w.Channel.Slug, Password: "bar-FOO2"})
	wantCode(t, err, core.CodeChannelRequired)
	_, err = h.svc.EPPLogin(h.ctx, core.EPPLogin{ClID: w.Channel.Slug, Password: "wrong-pw"})
	wantCode(t, err, core.CodeAuthenticationFailed)
}

func toJSONString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}

func TestAuthorizeSessionRechecksAndCountsRate(t *testing.T) {
	h, rc := newEPPHarness(t)
	w := h.registrar(worldSpec{})
	limit := 3
	_, err := h.svc.PatchChannel(h.ctx, w.Channel.ID, core.PatchChannel{RateLimitPerMinute: &limit})
	wantCode(t, err, "")
	a := h.login(w)
	for i := 1; i <= limit; i++ {
		fresh, rate, err := h.svc.AuthorizeSession(h.ctx, a, core.CmdCheckDomain)
		wantCode(t, err, "")
		if rate == nil || rate.Limit != limit || rate.Remaining != limit-i || fresh.ChannelID() != w.Channel.ID {
			t.Fatalf("call %d: %+v", i, rate)
		}
	}
	_, rate, err := h.svc.AuthorizeSession(h.ctx, a, core.CmdCheckDomain)
	wantCode(t, err, core.CodeRateLimitExceeded)
	if rate == nil || rate.Allowed {
		t.Fatalf("decision: %+v", rate)
	}
	// The counter is the one REST keys use: channel, key id, command, window.
	key := registry.RateKey(w.Channel.ID, registry.EPPSessionKeyID, core.CmdCheckDomain, h.now().Truncate(registry.RateWindow))
	if n, _ := rc.Incr(h.ctx, key, time.Minute); n != int64(limit+2) {
		t.Fatalf("shared counter at %d, want %d", n, limit+2)
	}
	// Another command has its own window count.
	_, _, err = h.svc.AuthorizeSession(h.ctx, a, core.CmdInfoDomain)
	wantCode(t, err, "")

	// A listing approved after login is seen by the next command; a
	// suspension refuses it.
	ns := h.namespace(namespaceSpec{})
	h.listing(w.Channel.ID, ns.Name, true)
	fresh, _, err := h.svc.AuthorizeSession(h.ctx, a, core.CmdInfoContact)
	wantCode(t, err, "")
	if !fresh.NamespaceApproved(ns.Name) {
		t.Fatal("the session did not pick up the new listing")
	}
	st := core.ChannelSuspended
	_, _ = h.svc.PatchChannel(h.ctx, w.Channel.ID, core.PatchChannel{Status: &st})
	_, _, err = h.svc.AuthorizeSession(h.ctx, a, core.CmdInfoContact)
	wantCode(t, err, core.CodeChannelRequired)
}

func TestContactLifecycle(t *testing.T) {
	h, _ := newEPPHarness(t)
	w := h.registrar(worldSpec{})
	a := h.login(w)

	out, err := h.svc.CreateContact(h.ctx, a, contactCmd("sh8013", "c-1"))
	wantCode(t, err, "")
	if out.Contact == nil || out.Contact.ID != "sh8013" || out.Contact.PostalInfo.CC != "US" || !out.Contact.HasAuth ||
		out.Status != core.AuditSuccess || out.AuditID == "" || !strings.HasSuffix(out.Contact.ROID, "-HD") {
		t.Fatalf("create: %+v %+v", out, out.Contact)
	}
	again, err := h.svc.CreateContact(h.ctx, a, contactCmd("sh8013", "c-1"))
	wantCode(t, err, "")
	if !again.Idempotent || again.AuditID != out.AuditID {
		t.Fatalf("replay: %+v", again)
	}
	_, err = h.svc.CreateContact(h.ctx, a, contactCmd("sh8014", "c-1"))
	wantCode(t, err, core.CodeIdempotencyConflict)
	_, err = h.svc.CreateContact(h.ctx, a, contactCmd("sh8013", "c-2"))
	wantCode(t, err, core.CodeAlreadyExists)
	_, err = h.svc.CreateContact(h.ctx, a, contactCmd("ote-mine", "c-3"))
	wantField(t, err, "contact.id")
	bad := contactCmd("sh8015", "c-4")
	bad.Email = "not-an-email"
	_, err = h.svc.CreateContact(h.ctx, a, bad)
	wantField(t, err, "contact.email")
	bad = contactCmd("sh8015", "c-5")
	bad.PostalInfo.Name = "Jöhn"
	_, err = h.svc.CreateContact(h.ctx, a, bad)
	wantField(t, err, "contact.postal_info")
	_, err = h.svc.CreateContact(h.ctx, a, contactCmd("x", "c-6"))
	wantField(t, err, "contact.id")

	// The audit carries neither e-mail, phone nor authInfo.
	for _, ev := range h.registrarAudit(w.Channel.ID) {
		if ev.Command != string(core.CmdCreateContact) {
			continue
		}
		s := toJSONString(ev.RequestSummary) + toJSONString(ev.ResponseSummary)
		for _, secret := range []string{"jdoe@example.com", "7035555555", "2fooBAR"} {
			if strings.Contains(s, secret) {
				t.Fatalf("audit %s carries %q: %s", ev.ID, secret, s)
			}
		}
	}

	checks, err := h.svc.CheckContacts(h.ctx, a, core.CheckContacts{IDs: []string{"sh8013", "free-id", "ote-anything"}})
	wantCode(t, err, "")
	if checks[0].Available || checks[0].Reason != "in use" || !checks[1].Available || checks[2].Available {
		t.Fatalf("check: %+v", checks)
	}
	_, err = h.svc.CheckContacts(h.ctx, a, core.CheckContacts{})
	wantField(t, err, "ids")

	info, err := h.svc.InfoContact(h.ctx, a, "sh8013")
	wantCode(t, err, "")
	if info.Email != "jdoe@example.com" || info.Linked || len(info.Statuses) != 1 || info.Statuses[0] != core.StatusOK {
		t.Fatalf("info: %+v", info)
	}
	_, err = h.svc.InfoContact(h.ctx, a, "nobody1")
	wantCode(t, err, core.CodeContactNotFound)

	// Another channel sees the id taken but cannot read or change it.
	other := h.registrar(worldSpec{})
	b := h.login(other)
	_, err = h.svc.InfoContact(h.ctx, b, "sh8013")
	wantCode(t, err, core.CodeContactNotSponsored)
	_, err = h.svc.DeleteContact(h.ctx, b, core.DeleteContact{Mutation: core.Mutation{IdempotencyKey: "d"}, ID: "sh8013"})
	wantCode(t, err, core.CodeContactNotSponsored)
	for _, ev := range h.registrarAudit(other.Channel.ID) {
		if ev.Command == string(core.CmdDeleteContact) {
			t.Fatalf("a refusal for another channel's contact was audited: %+v", ev)
		}
	}

	// A domain names the contact: registrant copied, contact linked.
	name := "alice." + w.Namespace.Name
	create := core.CreateDomain{Mutation: core.Mutation{IdempotencyKey: "d-1"}, Domain: name, Years: 1, RegistrantContactID: "sh8013"}
	dout, err := h.svc.CreateDomain(h.ctx, a, create)
	wantCode(t, err, "")
	if dout.Domain.RegistrantContactID != "sh8013" || dout.Domain.Registrant.Name != "John Doe" ||
		dout.Domain.Registrant.Email != "jdoe@example.com" || dout.Domain.Registrant.Country != "US" ||
		dout.Domain.Registrant.Metadata["city"] != "Dulles" || dout.Domain.Registrant.Metadata["contact_id"] != "sh8013" {
		t.Fatalf("domain from contact: %+v", dout.Domain)
	}
	bothCmd := create
	bothCmd.IdempotencyKey, bothCmd.Domain, bothCmd.Registrant = "d-2", "bob."+w.Namespace.Name, reg()
	_, err = h.svc.CreateDomain(h.ctx, a, bothCmd)
	wantField(t, err, "registrant")
	foreign := create
	foreign.IdempotencyKey, foreign.Domain = "d-3", "carol."+other.Namespace.Name
	h.listing(other.Channel.ID, w.Namespace.Name, true)
	b = h.login(other)
	foreign.Domain = "carol." + w.Namespace.Name
	_, err = h.svc.CreateDomain(h.ctx, b, foreign)
	wantCode(t, err, core.CodeContactNotSponsored)
	info, _ = h.svc.InfoContact(h.ctx, a, "sh8013")
	if !info.Linked || strings.Join(info.Statuses, ",") != "linked,ok" {
		t.Fatalf("linked info: %+v", info)
	}

	// Updating the contact refreshes the registrant copy.
	email := "new@example.net"
	up, err := h.svc.UpdateContact(h.ctx, a, core.UpdateContact{Mutation: core.Mutation{IdempotencyKey: "u-1"}, ID: "sh8013",
		Email: &email, Statuses: core.StatusChange{Add: []string{core.StatusClientDeleteProhibited}}})
	wantCode(t, err, "")
	if up.Contact.Email != email || !up.Contact.Linked {
		t.Fatalf("update: %+v", up.Contact)
	}
	view, _ := h.svc.InfoDomain(h.ctx, a, name)
	if view.Registrant.Email != email {
		t.Fatalf("registrant copy not refreshed: %+v", view.Registrant)
	}
	_, err = h.svc.UpdateContact(h.ctx, a, core.UpdateContact{Mutation: core.Mutation{IdempotencyKey: "u-2"}, ID: "sh8013",
		Statuses: core.StatusChange{Add: []string{core.StatusServerHold}}})
	wantCode(t, err, core.CodeStatusNotClientSettable)
	_, err = h.svc.UpdateContact(h.ctx, a, core.UpdateContact{Mutation: core.Mutation{IdempotencyKey: "u-3"}, ID: "sh8013"})
	wantField(t, err, "contact")

	del := func(key string) error {
		_, err := h.svc.DeleteContact(h.ctx, a, core.DeleteContact{Mutation: core.Mutation{IdempotencyKey: key}, ID: "sh8013"})
		return err
	}
	wantCode(t, del("x-1"), core.CodeStatusProhibitsOperation)
	_, err = h.svc.UpdateContact(h.ctx, a, core.UpdateContact{Mutation: core.Mutation{IdempotencyKey: "u-4"}, ID: "sh8013",
		Statuses: core.StatusChange{Remove: []string{core.StatusClientDeleteProhibited}}})
	wantCode(t, err, "")
	wantCode(t, del("x-2"), core.CodeContactInUse)
	if countStatus(h.registrarAudit(w.Channel.ID), string(core.CmdDeleteContact), core.AuditFailed) != 2 {
		t.Fatal("refused deletes after rule 7 must be audited as failed")
	}
	// The registrant is replaced inline: the contact is free again.
	r := reg()
	_, err = h.svc.UpdateDomain(h.ctx, a, core.UpdateDomain{Mutation: core.Mutation{IdempotencyKey: "u-5"}, Domain: name, Registrant: &r})
	wantCode(t, err, "")
	view, _ = h.svc.InfoDomain(h.ctx, a, name)
	if view.RegistrantContactID != "" {
		t.Fatalf("inline registrant kept the contact id: %+v", view)
	}
	wantCode(t, del("x-3"), "")
	_, err = h.svc.InfoContact(h.ctx, a, "sh8013")
	wantCode(t, err, core.CodeContactNotFound)

	// Update naming a contact sets it again.
	_, err = h.svc.CreateContact(h.ctx, a, contactCmd("sh9000", "c-9"))
	wantCode(t, err, "")
	_, err = h.svc.UpdateDomain(h.ctx, a, core.UpdateDomain{Mutation: core.Mutation{IdempotencyKey: "u-6"}, Domain: name, RegistrantContactID: "sh9000"})
	wantCode(t, err, "")
	view, _ = h.svc.InfoDomain(h.ctx, a, name)
	if view.RegistrantContactID != "sh9000" || view.Registrant.Name != "John Doe" {
		t.Fatalf("registrant from contact on update: %+v", view)
	}
}

func TestContactSandboxAndProductionApproval(t *testing.T) {
	h, _ := newEPPHarness(t)
	w := h.registrar(worldSpec{NoProduction: true})
	a := h.login(w)
	_, err := h.svc.CreateContact(h.ctx, a, contactCmd("prod1", "p-1"))
	wantCode(t, err, core.CodeChannelNotProductionApproved)
	cmd := contactCmd("sandbox1", "s-1")
	cmd.Sandbox = true
	out, err := h.svc.CreateContact(h.ctx, a, cmd)
	wantCode(t, err, "")
	if out.Status != core.AuditSandbox || !out.Sandbox || out.Contact == nil {
		t.Fatalf("sandbox create: %+v", out)
	}
	_, err = h.svc.InfoContact(h.ctx, a, "sandbox1")
	wantCode(t, err, core.CodeContactNotFound)

	// Sandbox reset creates the OT&E registrant contact; OT&E creates name it.
	res, err := h.svc.SandboxReset(h.ctx, a)
	wantCode(t, err, "")
	id := core.OTEContactID(w.Channel.Slug)
	if len(id) != 16 || res.Fixtures[0].ContactID != id {
		t.Fatalf("reset: %+v", res.Fixtures)
	}
	info, err := h.svc.InfoContact(h.ctx, a, id)
	wantCode(t, err, "")
	if !info.OTESandbox {
		t.Fatalf("OT&E contact: %+v", info)
	}
	create := core.CreateDomain{Mutation: core.Mutation{IdempotencyKey: "s-2", Sandbox: true}, Domain: "ote-new." + w.Namespace.Name,
		Years: 1, RegistrantContactID: id}
	dout, err := h.svc.CreateDomain(h.ctx, a, create)
	wantCode(t, err, "")
	if dout.Status != core.AuditSandbox || dout.Domain.RegistrantContactID != id {
		t.Fatalf("OT&E create: %+v", dout.Domain)
	}
	// A second reset keeps the id and overwrites only the fixture.
	if _, err := h.svc.SandboxReset(h.ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.InfoContact(h.ctx, a, id); err != nil {
		t.Fatal(err)
	}
}

func TestRenewWithCurrentExpiryDate(t *testing.T) {
	h, _ := newEPPHarness(t)
	w := h.registrar(worldSpec{})
	a := h.actor(w.Token, core.CmdRenewDomain)
	created := h.create(w, "renew-me")
	exp := created.Domain.ExpiresAt
	date := time.Date(exp.Year(), exp.Month(), exp.Day(), 0, 0, 0, 0, time.UTC)
	renew := core.RenewDomain{Mutation: core.Mutation{IdempotencyKey: "r-1"}, Domain: created.Domain.Name, Years: 1,
		CurrentExpiresAt: date, CurrentExpiryDateOnly: true}
	out, err := h.svc.RenewDomain(h.ctx, a, renew)
	wantCode(t, err, "")
	if !out.Domain.ExpiresAt.Equal(core.AddYears(exp, 1)) {
		t.Fatalf("renewed to %s", out.Domain.ExpiresAt)
	}
	again, err := h.svc.RenewDomain(h.ctx, a, renew)
	wantCode(t, err, "")
	if !again.Idempotent {
		t.Fatal("a date-only renew must replay")
	}
	renew.IdempotencyKey = "r-2"
	_, err = h.svc.RenewDomain(h.ctx, a, renew)
	wantCode(t, err, core.CodeCurrentExpiryMismatch)
}

func TestMessageQueueFedByOperatorActions(t *testing.T) {
	h, _ := newEPPHarness(t)
	w := h.registrar(worldSpec{})
	a := h.login(w)
	other := h.registrar(worldSpec{})
	b := h.login(other)

	// Setting the world up approved production and a listing: two operator messages.
	st, err := h.svc.PollMessages(h.ctx, a)
	wantCode(t, err, "")
	if st.Count != 2 || st.Message.Kind != core.MsgOperator || !strings.Contains(st.Message.Text, "Production approval") {
		t.Fatalf("operator messages: %+v", st)
	}
	for st.Message != nil {
		if st, err = h.svc.AckMessage(h.ctx, a, st.Message.ID); err != nil {
			t.Fatal(err)
		}
	}
	if st.Count != 0 {
		t.Fatalf("drained queue: %+v", st)
	}
	d := h.create(w, "queued")
	item := seedPending(h, w, *d.Domain, string(core.CmdUpdateNameservers), map[string]any{"nameservers": []string{"ns1.example.net"}})
	if _, err := h.svc.ApplyPending(h.ctx, item.ID); err != nil {
		t.Fatal(err)
	}
	item2 := seedPending(h, w, *d.Domain, string(core.CmdUpdateNameservers), map[string]any{"nameservers": []string{"ns2.example.net"}})
	if _, err := h.svc.FailPending(h.ctx, item2.ID, "REFUSED by the primary"); err != nil {
		t.Fatal(err)
	}
	st, err = h.svc.PollMessages(h.ctx, a)
	wantCode(t, err, "")
	if st.Count != 2 || st.Message == nil || st.Message.Kind != core.MsgBackendApplied || st.Message.Domain != d.Domain.Name ||
		st.Message.Payload["pending_id"] != item.ID {
		t.Fatalf("first message: %+v %+v", st, st.Message)
	}
	first := st.Message.ID
	if bs, _ := h.svc.PollMessages(h.ctx, b); bs.Count != 2 || bs.Message.Kind != core.MsgOperator {
		t.Fatalf("another channel sees %d messages", bs.Count)
	}
	_, err = h.svc.AckMessage(h.ctx, b, first)
	wantCode(t, err, core.CodeMessageNotFound)
	_, err = h.svc.AckMessage(h.ctx, a, "msg_nope")
	wantCode(t, err, core.CodeMessageNotFound)
	_, err = h.svc.AckMessage(h.ctx, a, "")
	wantCode(t, err, core.CodeRequiredParameterMissing)
	st, err = h.svc.AckMessage(h.ctx, a, first)
	wantCode(t, err, "")
	if st.Acked != first || st.Count != 1 || st.Message.Kind != core.MsgBackendFailed || !strings.Contains(st.Message.Text, "REFUSED") {
		t.Fatalf("after ack: %+v %+v", st, st.Message)
	}
	_, err = h.svc.AckMessage(h.ctx, a, first)
	wantCode(t, err, core.CodeMessageNotFound)

	// Operator actions on the channel queue messages too.
	if _, err := h.svc.ImportDomain(h.ctx, core.ImportDomain{Domain: "legacy." + w.Namespace.Name, ChannelID: w.Channel.ID,
		ExpiresAt: h.now().AddDate(1, 0, 0), Registrant: reg()}); err != nil {
		t.Fatal(err)
	}
	st, _ = h.svc.PollMessages(h.ctx, a)
	if st.Count != 2 {
		t.Fatalf("after import: %+v", st)
	}

	// The apply worker's results are queued too.
	ns := core.UpdateNameservers{Mutation: core.Mutation{IdempotencyKey: "ns-1"}, Domain: d.Domain.Name, Nameservers: []string{"ns1.example.net", "ns2.example.net"}}
	if _, err := h.svc.UpdateNameservers(h.ctx, a, ns); err != nil {
		t.Fatal(err)
	}
	applied, _, err := h.svc.ApplyDue(h.ctx, 10)
	if err != nil || applied == 0 {
		t.Fatalf("ApplyDue: %d %v", applied, err)
	}
	st, _ = h.svc.PollMessages(h.ctx, a)
	if st.Count != 2+applied {
		t.Fatalf("after the worker: %+v", st)
	}
}

// A deployment running an EPP listener reports the gateway available.
func TestEPPGatewayAvailableWhereAListenerRuns(t *testing.T) {
	h := newHarness(t)
	h.svc = registry.NewService(h.store, memory.NewRateCounter(), dns.NewDefaultBackends(), h.clock, core.NewIDs(),
		registry.Options{EPPGateway: registry.EPPGatewayAvailable})
	w := h.registrar(worldSpec{})
	a, rate, _ := h.svc.Authorize(h.ctx, w.Token, core.CmdStatus)
	rep, err := h.svc.Status(h.ctx, a, rate)
	wantCode(t, err, "")
	if rep.EPPGatewayContract["status"] != registry.EPPGatewayAvailable {
		t.Fatalf("status %v", rep.EPPGatewayContract["status"])
	}
	if registry.EPPGatewayContract(nil)["status"] != registry.EPPGatewayImplemented {
		t.Fatal("the static contract must stay implemented")
	}
}
