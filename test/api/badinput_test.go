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

// badCase is one request that must be refused without changing anything.
type badCase struct {
	name   string
	c      call
	code   core.Code
	field  string // the member the problem must name ("" when none)
	failed bool   // refused by the core after access rule 7: one failed audit row, nothing else
}

// world is what a registrar can change: its registrations, balance, ledger,
// audit rows and backend work.
type world struct {
	Balance int64
	Ledger  int
	Audit   []string
	Pending int
	Info    map[string]any
}

func (e *env) worldOf(r registrar, held string) world {
	e.t.Helper()
	w := world{Balance: e.balance(r.PartnerID), Ledger: len(e.ledger(r.PartnerID)), Pending: len(e.pendingWork(r.ChannelID)),
		Info: e.must(http.StatusOK, e.get(r, "/domains/"+held))}
	for _, ev := range e.registrarAudit(r.ChannelID) {
		w.Audit = append(w.Audit, ev.ID)
	}
	return w
}

// TestBadInputIsRefusedWithoutChange sends malformed, mistyped, oversize and
// out-of-range requests through the router: each answers a clear problem
// naming what is wrong, and changes nothing. Refusals at the HTTP edge and
// before access rule 7 write no audit row; the core's refusals after rule 7
// write exactly one failed row, as the contract asks.
func TestBadInputIsRefusedWithoutChange(t *testing.T) {
	e := newEnv(t)
	r := e.admit(regSpec{})
	// Every case reads the registrar's world twice: lift the per-minute limit.
	e.opDo("PATCH", "/registrar-channels/"+r.ChannelID, map[string]any{"rate_limit_per_minute": 100_000}, http.StatusOK)
	ns := r.Namespace
	held := "held." + ns
	e.create(r, held, "setup-1")
	fresh := "fresh." + ns
	valid := func(extra map[string]any) map[string]any {
		b := map[string]any{"domain": fresh, "registrant": registrant()}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	create := func(body any, kv ...string) call {
		return req("POST", regBase+"/domains", r.Token, body, append([]string{"Idempotency-Key", "bad-" + e.unique("")}, kv...)...)
	}
	withCT := func(c call, ct string) call {
		c.contentType = ct
		return c
	}
	fourteen := make([]string, 14)
	for i := range fourteen {
		fourteen[i] = fmt.Sprintf("ns%d.example.net", i+1)
	}
	fiftyOne := make([]string, 51)
	for i := range fiftyOne {
		fiftyOne[i] = fmt.Sprintf("name%d.%s", i, ns)
	}
	heldPath := regBase + "/domains/" + held

	cases := []badCase{
		{name: "malformed JSON", c: create(`{"domain":"` + fresh + `","registrant":`), code: core.CodeMalformedRequest},
		{name: "invalid JSON token", c: create(`{"domain": fresh}`), code: core.CodeMalformedRequest},
		{name: "an array, not an object", c: create(`[{"domain":"` + fresh + `"}]`), code: core.CodeMalformedRequest},
		{name: "two objects", c: create(`{"domain":"` + fresh + `"}{"domain":"x"}`), code: core.CodeMalformedRequest},
		{name: "empty body", c: create(""), code: core.CodeMalformedRequest},
		{name: "text/plain", c: withCT(create(valid(nil)), "text/plain"), code: core.CodeUnsupportedMediaType},
		{name: "form content type", c: withCT(create(valid(nil)), "application/x-www-form-urlencoded"), code: core.CodeUnsupportedMediaType},
		{name: "no content type", c: withCT(create(valid(nil)), "-"), code: core.CodeUnsupportedMediaType},
		{name: "no content type on nameservers", c: withCT(req("PUT", heldPath+"/nameservers", r.Token,
			map[string]any{"nameservers": []string{}}, "Idempotency-Key", "bad-ns-ct"), "-"), code: core.CodeUnsupportedMediaType},
		{name: "body over 1 MiB", c: create(valid(map[string]any{"registrant": map[string]any{"name": "A", "email": "a@example.com",
			"metadata": map[string]string{"blob": strings.Repeat("x", 1<<20)}}})), code: core.CodeRequestTooLarge},
		{name: "check over 1 MiB", c: req("POST", regBase+"/domains/check", r.Token, `{"names":["`+strings.Repeat("a", 1<<20)+`"]}`),
			code: core.CodeRequestTooLarge},
		{name: "unknown field", c: create(valid(map[string]any{"colour": "red"})), code: core.CodeValidation, field: "colour"},
		{name: "unknown registrant field", c: create(valid(map[string]any{"registrant": map[string]any{"name": "A",
			"email": "a@example.com", "nickname": "al"}})), code: core.CodeValidation, field: "nickname"},
		{name: "unknown check field", c: req("POST", regBase+"/domains/check", r.Token, map[string]any{"names": []string{fresh}, "tld": ns}),
			code: core.CodeValidation, field: "tld"},
		{name: "domain is a number", c: create(valid(map[string]any{"domain": 5})), code: core.CodeValidation, field: "domain"},
		{name: "registrant is a string", c: create(valid(map[string]any{"registrant": "Alice"})), code: core.CodeValidation, field: "registrant"},
		{name: "nameservers is a string", c: create(valid(map[string]any{"nameservers": "ns1.example.net"})), code: core.CodeValidation, field: "nameservers"},
		{name: "sandbox is a string", c: create(valid(map[string]any{"sandbox": "yes"})), code: core.CodeValidation, field: "sandbox"},
		{name: "names is a string", c: req("POST", regBase+"/domains/check", r.Token, map[string]any{"names": fresh}),
			code: core.CodeValidation, field: "names"},
		{name: "years is a string", c: create(valid(map[string]any{"years": "2"})), code: core.CodeValidation, field: "years"},
		{name: "years is a fraction", c: create(valid(map[string]any{"years": 1.5})), code: core.CodeValidation, field: "years"},
		{name: "years 0", c: create(valid(map[string]any{"years": 0})), code: core.CodeValidation, field: "years", failed: true},
		{name: "years -1", c: create(valid(map[string]any{"years": -1})), code: core.CodeValidation, field: "years", failed: true},
		{name: "years 11", c: create(valid(map[string]any{"years": 11})), code: core.CodeRegistrationPeriodExceeded, failed: true},
		{name: "renew years 0", c: req("POST", heldPath+"/renew", r.Token, map[string]any{"years": 0, "current_expires_at": "2027-01-02T03:04:30Z"},
			"Idempotency-Key", "bad-renew-0"), code: core.CodeValidation, field: "years", failed: true},
		{name: "renew years 11", c: req("POST", heldPath+"/renew", r.Token, map[string]any{"years": 11, "current_expires_at": "2027-01-02T03:04:30Z"},
			"Idempotency-Key", "bad-renew-11"), code: core.CodeRegistrationPeriodExceeded, failed: true},
		{name: "renew years is a string", c: req("POST", heldPath+"/renew", r.Token, map[string]any{"years": "1", "current_expires_at": "2027-01-02T03:04:30Z"},
			"Idempotency-Key", "bad-renew-s"), code: core.CodeValidation, field: "years"},
		{name: "renew expiry not a time", c: req("POST", heldPath+"/renew", r.Token, map[string]any{"years": 1, "current_expires_at": "next year"},
			"Idempotency-Key", "bad-renew-t"), code: core.CodeValidation, field: "current_expires_at"},
		{name: "14 nameservers on create", c: create(valid(map[string]any{"nameservers": fourteen})), code: core.CodeValidation,
			field: "nameservers", failed: true},
		{name: "14 nameservers on update", c: req("PUT", heldPath+"/nameservers", r.Token, map[string]any{"nameservers": fourteen},
			"Idempotency-Key", "bad-ns-14"), code: core.CodeValidation, field: "nameservers", failed: true},
		{name: "a nameserver that is not a host", c: req("PUT", heldPath+"/nameservers", r.Token, map[string]any{"nameservers": []string{"ns 1"}},
			"Idempotency-Key", "bad-ns-host"), code: core.CodeValidation, field: "nameservers", failed: true},
		{name: "51 names in check", c: req("POST", regBase+"/domains/check", r.Token, map[string]any{"names": fiftyOne}),
			code: core.CodeValidation, field: "names"},
		{name: "no names in check", c: req("POST", regBase+"/domains/check", r.Token, map[string]any{"names": []string{}}),
			code: core.CodeValidation, field: "names"},
		{name: "header and body keys differ", c: create(valid(map[string]any{"idempotency_key": "body-key"})),
			code: core.CodeValidation, field: "idempotency_key"},
		{name: "X-Registrar-Sandbox: maybe", c: create(valid(nil), "X-Registrar-Sandbox", "maybe"),
			code: core.CodeValidation, field: "X-Registrar-Sandbox"},
		{name: "registrant without e-mail", c: create(valid(map[string]any{"registrant": map[string]any{"name": "A"}})),
			code: core.CodeValidation, field: "registrant.email", failed: true},
		{name: "record TTL too low", c: req("PUT", heldPath+"/records", r.Token, map[string]any{"records": []any{
			map[string]any{"type": "A", "name": "@", "ttl": 5, "value": "192.0.2.1"}}}, "Idempotency-Key", "bad-ttl"),
			code: core.CodeValidation, failed: true},
		{name: "A record that is not an address", c: req("PUT", heldPath+"/records", r.Token, map[string]any{"records": []any{
			map[string]any{"type": "A", "name": "@", "ttl": 300, "value": "not-an-ip"}}}, "Idempotency-Key", "bad-a"),
			code: core.CodeValidation, failed: true},
	}
	for _, bad := range []string{"-x", "x-", "a..b", "a_b", strings.Repeat("a", 64), "xn--zz", "ab--c", "a b", "☃", "😀", "a·b", "a€"} {
		fq := bad + "." + ns
		cases = append(cases,
			badCase{name: "create " + fq, c: create(valid(map[string]any{"domain": fq})), code: core.CodeValidation, field: "domain"},
			badCase{name: "check " + bad, c: req("POST", regBase+"/domains/check", r.Token, map[string]any{"names": []string{bad}}),
				code: core.CodeValidation, field: "names"},
			badCase{name: "info " + fq, c: req("GET", regBase+"/domains/"+url.PathEscape(fq), r.Token, nil), code: core.CodeValidation, field: "domain"},
		)
	}

	for _, tc := range cases {
		before := e.worldOf(r, held)
		tc.c.invalid = true // wrong on purpose; the answer is still validated
		res := e.do(tc.c)
		if res.Status != core.SpecOf(tc.code).HTTPStatus || res.Code != tc.code {
			t.Errorf("%s: got %s, want %s", tc.name, res, tc.code)
			continue
		}
		if d, _ := res.Body["detail"].(string); len(d) < 10 {
			t.Errorf("%s: detail %q is not an explanation", tc.name, d)
		}
		if tc.field != "" && !problemNames(res.Body, tc.field) {
			t.Errorf("%s: the problem does not name %q: %s", tc.name, tc.field, res.Raw)
		}
		after := e.worldOf(r, held)
		if e.registered(fresh) {
			t.Fatalf("%s: registered %s", tc.name, fresh)
		}
		added := len(after.Audit) - len(before.Audit)
		if tc.failed {
			if added != 1 {
				t.Errorf("%s: %d audit rows, want one failed row", tc.name, added)
			} else if ev := e.registrarAudit(r.ChannelID)[len(after.Audit)-1]; ev.Status != core.AuditFailed ||
				ev.HTTPStatus != core.SpecOf(tc.code).HTTPStatus {
				t.Errorf("%s: audit row %+v, want failed %d", tc.name, ev, core.SpecOf(tc.code).HTTPStatus)
			}
			after.Audit = before.Audit
		}
		if !reflect.DeepEqual(before, after) {
			t.Errorf("%s changed the registrar's world\nbefore: %+v\nafter:  %+v", tc.name, before, after)
		}
	}
}

// problemNames reports whether a problem names field in its errors.
func problemNames(p map[string]any, field string) bool {
	errs, _ := p["errors"].([]any)
	for _, x := range errs {
		if m, ok := x.(map[string]any); ok && m["field"] == field {
			return true
		}
	}
	return false
}

// TestIDNNames registers names given in Unicode and in A-label form: every
// answer names them as A-labels, and the Unicode form reaches the same
// registration.
func TestIDNNames(t *testing.T) {
	e := newEnv(t)
	r := e.admit(regSpec{})
	ns := r.Namespace
	d := e.create(r, "münchen."+ns, "idn-1")
	if d["name"] != "xn--mnchen-3ya."+ns || d["label"] != "xn--mnchen-3ya" {
		t.Fatalf("created %v, want the A-label", d)
	}
	for _, path := range []string{"münchen." + ns, "xn--mnchen-3ya." + ns, "XN--MNCHEN-3YA." + ns} {
		info := e.must(http.StatusOK, e.get(r, "/domains/"+url.PathEscape(path)))
		if info["name"] != "xn--mnchen-3ya."+ns {
			t.Fatalf("info %s: %v", path, info["name"])
		}
	}
	// The A-label form of another name; then the Unicode form of the same name is taken.
	e.create(r, "xn--bcher-kva."+ns, "idn-2")
	e.wantProblem(e.send(r, "POST", "/domains", map[string]any{"domain": "bücher." + ns, "registrant": registrant()},
		"Idempotency-Key", "idn-3"), core.CodeDomainNotAvailable)
	res := e.must(http.StatusOK, e.send(r, "POST", "/domains/check", map[string]any{"names": []string{"bücher." + ns, "日本", "xn--mnchen-3ya." + ns}}))
	got := map[string]any{}
	for _, x := range res["results"].([]any) {
		m := x.(map[string]any)
		got[m["name"].(string)] = m["available"]
	}
	want := map[string]any{"xn--bcher-kva." + ns: false, "xn--wgv71a." + ns: true, "xn--mnchen-3ya." + ns: false}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("check answered %v, want %v", got, want)
	}
	// The Catalan middle dot is allowed between two l's.
	e.create(r, "col·lecció."+ns, "idn-4")
	// Invalid IDNs: a bad A-label, a disallowed symbol, a joiner out of context, mixed directions.
	for _, bad := range []string{"xn--zz", "xn--ab-0ea", "♥", "a\u200db", "aא"} {
		c := req("POST", regBase+"/domains", r.Token, map[string]any{"domain": bad + "." + ns, "registrant": registrant()}, "Idempotency-Key", "idn-bad")
		c.invalid = true
		e.wantField(e.wantProblem(e.do(c), core.CodeValidation), "domain")
	}
}
