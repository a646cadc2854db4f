package eppconformance

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/epp/eppclient"
	"github.com/headlessdomains/registry/core"
)

// RFC 3915 §4.2.5: a restore is a <domain:update> with an empty <domain:chg/>
// and the rgp extension.
const rgpNS = `xmlns:rgp="urn:ietf:params:xml:ns:rgp-1.0"`

func rgpUpdate(restore string) string {
	return `<extension><rgp:update ` + rgpNS + `>` + restore + `</rgp:update></extension>`
}

func restoreXML(name, restore string) string {
	return updateXML(name, `<domain:chg/>`) + rgpUpdate(restore)
}

const restoreRequest = `<rgp:restore op="request"/>`

// restoreReport is the report of RFC 3915 §4.2.5's example, with XML in its
// preData and supporting information in <rgp:other>.
func restoreReport(name string) string {
	return `<rgp:restore op="report"><rgp:report>` +
		`<rgp:preData><domain:infData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>` + name +
		`</domain:name></domain:infData></rgp:preData>` +
		`<rgp:postData>Post-restore registration data &amp; more.</rgp:postData>` +
		`<rgp:delTime>2026-07-10T22:00:00.0Z</rgp:delTime><rgp:resTime>2026-07-20T22:00:00.0Z</rgp:resTime>` +
		`<rgp:resReason>Registrant error.</rgp:resReason>` +
		`<rgp:statement>This registrar has not restored the Registered Name in order to assume the rights to use or sell the Registered Name for itself or for any third party.</rgp:statement>` +
		`<rgp:statement>The information in this report is true to best of this registrar's knowledge.</rgp:statement>` +
		`<rgp:other>Supporting information goes here.</rgp:other>` +
		`</rgp:report></rgp:restore>`
}

// deleted creates name and deletes it after add grace: it is in redemption.
func deleted(t *testing.T, e *env, c *eppclient.Client, name, contact string) {
	t.Helper()
	e.must(c, 1000, eppclient.CreateDomainXML(name, contact, 1), "cr-"+name)
	moveCreated(t, e, name, -6*24*time.Hour)
	e.must(c, 1001, deleteXML(name), "del-"+name)
}

func TestRGPRestoreRequest(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	e.contact(c, "rs-contact")
	name := "restore." + e.ns
	deleted(t, e, c, name, "rs-contact")
	exDate := stored(t, e, name).ExpiresAt

	// What a restore may not carry is refused before anything runs.
	e.refused(c, core.CodeCommandUseError, updateXML(name, `<domain:add><domain:status s="clientHold"/></domain:add>`)+rgpUpdate(restoreRequest), "rs-0a")
	e.refused(c, core.CodeRequiredParameterMissing, restoreXML(name, `<rgp:restore/>`), "rs-0b")
	e.refused(c, core.CodeValidation, restoreXML(name, `<rgp:restore op="undo"/>`), "rs-0c")
	e.refused(c, core.CodeRequiredParameterMissing, restoreXML(name, `<rgp:restore op="report"/>`), "rs-0d")
	e.refused(c, core.CodeUnimplementedExtension, eppclient.InfoDomainXML(name)+rgpUpdate(restoreRequest), "rs-0e")
	e.refused(c, core.CodeUnimplementedExtension, `<update><contact:update xmlns:contact="urn:ietf:params:xml:ns:contact-1.0">`+
		`<contact:id>rs-contact</contact:id><contact:chg><contact:email>x@example.net</contact:email></contact:chg></contact:update></update>`+
		rgpUpdate(restoreRequest), "rs-0f")
	if st := stored(t, e, name); st.State != core.StateRedemption {
		t.Fatalf("a refused restore changed the state to %s", st.State)
	}

	// The request restores in one step and debits the restore price, which
	// follows the renew price (8) by default.
	before := balance(t, e)
	r := e.must(c, 1000, restoreXML(name, restoreRequest), "rs-1")
	if !strings.HasPrefix(r.SvTRID, "aud_") {
		t.Fatalf("svTRID %q is not an audit id", r.SvTRID)
	}
	if got := balance(t, e); got != before-8 {
		t.Fatalf("restore debited %d, want 8", before-got)
	}
	d := data(t, e.must(c, 1000, eppclient.InfoDomainXML(name), "rs-2"))
	if !slices.Equal(d.statuses(), []string{"ok"}) || len(d.rgp()) != 0 {
		t.Fatalf("after restore: statuses %v, rgp %v", d.statuses(), d.rgp())
	}
	if st := stored(t, e, name); st.State != core.StateActive || !st.ExpiresAt.Equal(exDate) {
		t.Fatalf("after restore: %s, expires %s (was %s)", st.State, st.ExpiresAt, exDate)
	}

	// clTRID is the idempotency key: the replay answers the recorded result.
	again := e.must(c, 1000, restoreXML(name, restoreRequest), "rs-1")
	if again.SvTRID != r.SvTRID || balance(t, e) != before-8 {
		t.Fatalf("replay: svTRID %s (first %s), balance %d", again.SvTRID, r.SvTRID, balance(t, e))
	}
	// Another restore finds nothing in redemption: 2304.
	e.refused(c, core.CodeStatusProhibitsOperation, restoreXML(name, restoreRequest), "rs-3")

	// The REST audit trail shows it as the registrar's restore_domain.
	status, page := e.restJSON("GET", "/poll?idempotency_key=rs-1", nil)
	events, _ := page["events"].([]any)
	if status != 200 || len(events) != 1 {
		t.Fatalf("poll: %d %v", status, page)
	}
	ev := events[0].(map[string]any)
	if ev["id"] != r.SvTRID || ev["command"] != string(core.CmdRestoreDomain) || ev["actor"] != "registrar" ||
		ev["status"] != "success" || ev["domain"] != name {
		t.Fatalf("audit event: %v", ev)
	}

	// A registration whose expiry passed in redemption is restored with one
	// more year from the old expiry, at the renew price.
	late := "late." + e.ns
	deleted(t, e, c, late, "rs-contact")
	old := time.Now().Add(-10 * 24 * time.Hour).UTC().Truncate(time.Second)
	change(t, e, late, func(d *core.Domain) { d.ExpiresAt = old })
	before = balance(t, e)
	e.must(c, 1000, restoreXML(late, restoreRequest), "rs-4")
	if got := balance(t, e); got != before-16 {
		t.Fatalf("restore after the expiry debited %d, want 8 + 8", before-got)
	}
	if st := stored(t, e, late); !st.ExpiresAt.Equal(old.AddDate(1, 0, 0)) {
		t.Fatalf("expiry after a late restore %s, want %s", st.ExpiresAt, old.AddDate(1, 0, 0))
	}
}

func TestRGPRestoreReport(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	e.contact(c, "rp-contact")
	name := "report." + e.ns
	deleted(t, e, c, name, "rp-contact")

	// The report's required elements (RFC 3915 §4.2.5).
	noReason := strings.Replace(restoreReport(name), "<rgp:resReason>Registrant error.</rgp:resReason>", "", 1)
	e.refused(c, core.CodeRequiredParameterMissing, restoreXML(name, noReason), "rp-0a")
	badTime := strings.Replace(restoreReport(name), "2026-07-10T22:00:00.0Z", "yesterday", 1)
	e.refused(c, core.CodeValidation, restoreXML(name, badTime), "rp-0b")
	withReport := strings.Replace(restoreReport(name), `op="report"`, `op="request"`, 1)
	e.refused(c, core.CodeValidation, restoreXML(name, withReport), "rp-0c")

	before := balance(t, e)
	r := e.must(c, 1000, restoreXML(name, restoreReport(name)), "rp-1")
	if got := balance(t, e); got != before-8 {
		t.Fatalf("restore with report debited %d, want 8", before-got)
	}
	if st := stored(t, e, name); st.State != core.StateActive {
		t.Fatalf("after the report: %s", st.State)
	}
	// The audit row keeps the report.
	_, page := e.restJSON("GET", "/poll?idempotency_key=rp-1", nil)
	events, _ := page["events"].([]any)
	if len(events) != 1 || events[0].(map[string]any)["id"] != r.SvTRID {
		t.Fatalf("poll: %v", page)
	}
	rep, _ := events[0].(map[string]any)["request_summary"].(map[string]any)["report"].(map[string]any)
	stmts, _ := rep["statements"].([]any)
	if rep["reason"] != "Registrant error." || rep["delete_time"] != "2026-07-10T22:00:00Z" || rep["restore_time"] != "2026-07-20T22:00:00Z" ||
		rep["post_data"] != "Post-restore registration data & more." || !strings.Contains(rep["pre_data"].(string), "<domain:name>"+name+"</domain:name>") ||
		len(stmts) != 3 || stmts[2] != "Supporting information goes here." {
		t.Fatalf("audited report: %v", rep)
	}
	// A report for a registration no longer in redemption answers 2304.
	e.refused(c, core.CodeStatusProhibitsOperation, restoreXML(name, restoreReport(name)), "rp-2")
}

// After redemption the registration is pending delete: RFC 3915 reports the
// rgp status pendingDelete, and nothing restores it any more.
func TestPendingDeleteAfterRedemption(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	e.contact(c, "pd-contact")
	name := "gone." + e.ns
	deleted(t, e, c, name, "pd-contact")
	end := time.Now().Add(time.Hour)
	change(t, e, name, func(d *core.Domain) { d.State, d.StateEndsAt = core.StatePendingDelete, &end })
	d := data(t, e.must(c, 1000, eppclient.InfoDomainXML(name), "pd-1"))
	if !slices.Equal(d.statuses(), []string{"pendingDelete"}) || !slices.Equal(d.rgp(), []string{"pendingDelete"}) {
		t.Fatalf("pending delete: statuses %v, rgp %v", d.statuses(), d.rgp())
	}
	e.refused(c, core.CodeStatusProhibitsOperation, restoreXML(name, restoreRequest), "pd-2")
}

// On the OT&E listener a restore is a sandbox command: audited, nothing changes.
func TestRGPRestoreOnTheOTEListener(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	e.contact(c, "sbx-rs")
	name := "sandboxed-restore." + e.ns
	deleted(t, e, c, name, "sbx-rs")
	o := e.session(e.oteAddr)
	before := balance(t, e)
	r := e.must(o, 1000, restoreXML(name, restoreRequest), "ote-rs-1")
	if st := stored(t, e, name); st.State != core.StateRedemption || balance(t, e) != before {
		t.Fatalf("a sandbox restore changed the registration (%s) or the balance (%d → %d)", st.State, before, balance(t, e))
	}
	_, page := e.restJSON("GET", "/poll?idempotency_key=ote-rs-1", nil)
	events, _ := page["events"].([]any)
	if len(events) != 1 || events[0].(map[string]any)["status"] != "sandbox" || events[0].(map[string]any)["id"] != r.SvTRID {
		t.Fatalf("sandbox audit: %v", page)
	}
}

// The durable store (bun on SQLite) keeps the grace periods, the redemption
// and the restore report across transactions.
func TestRGPRestoreOverTheSQLStore(t *testing.T) {
	e := newEnv(t, envSpec{SQLite: true})
	c := e.session(e.addr)
	e.contact(c, "sql-rs")
	name := "durable-restore." + e.ns
	deleted(t, e, c, name, "sql-rs")
	if d := data(t, e.must(c, 1000, eppclient.InfoDomainXML(name), "sql-rs-1")); !slices.Equal(d.rgp(), []string{"redemptionPeriod"}) {
		t.Fatalf("rgp after delete: %v", d.rgp())
	}
	r := e.must(c, 1000, restoreXML(name, restoreReport(name)), "sql-rs-2")
	if again := e.must(c, 1000, restoreXML(name, restoreReport(name)), "sql-rs-2"); again.SvTRID != r.SvTRID {
		t.Fatalf("replay %s, want %s", again.SvTRID, r.SvTRID)
	}
	if st := stored(t, e, name); st.State != core.StateActive {
		t.Fatalf("after restore: %s", st.State)
	}
	_, page := e.restJSON("GET", "/poll?idempotency_key=sql-rs-2", nil)
	events, _ := page["events"].([]any)
	if len(events) != 1 {
		t.Fatalf("poll: %v", page)
	}
	if rep, _ := events[0].(map[string]any)["request_summary"].(map[string]any)["report"].(map[string]any); rep["reason"] != "Registrant error." {
		t.Fatalf("audited report: %v", events[0])
	}
}
