package api

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/headlessdomains/registry/core"
)

// TestMemberNamesDecideNothing is the corpus of bodies whose member names
// are duplicated or spelled in another case than the wire name, sent through
// the real router and core to every kind of body: a duplicate (at any
// depth, map keys included) is 400 malformed_request, a wrongly cased name
// is 400 validation_error naming the field, and neither changes anything,
// audit included. Without the check, encoding/json takes the last of two
// values and matches names without regard to case, so a proxy or WAF that
// reads the first value and the registry would act on different requests.
func TestMemberNamesDecideNothing(t *testing.T) {
	e := newEnv(t)
	r := e.admit(regSpec{})
	e.opDo("PATCH", "/registrar-channels/"+r.ChannelID, map[string]any{"rate_limit_per_minute": 100_000}, http.StatusOK)
	ns := r.Namespace
	held := "held." + ns
	e.create(r, held, "setup-1")
	fresh := "fresh." + ns
	heldPath := regBase + "/domains/" + held
	reg := `"registrant":{"name":"Alice","email":"alice@example.com"}`
	exp := e.must(http.StatusOK, e.get(r, "/domains/"+held))["expires_at"].(string)

	type tc struct {
		name, method, path, body string
		code                     core.Code
		field                    string
	}
	dup, wrongCase := core.CodeMalformedRequest, core.CodeValidation
	cases := []tc{
		{"create: sandbox false then SANDBOX true", "POST", regBase + "/domains", `{"domain":"` + fresh + `",` + reg + `,"sandbox":false,"SANDBOX":true}`, wrongCase, "sandbox"},
		{"create: sandbox true then SANDBOX false", "POST", regBase + "/domains", `{"domain":"` + fresh + `",` + reg + `,"sandbox":true,"SANDBOX":false}`, wrongCase, "sandbox"},
		{"create: sandbox twice", "POST", regBase + "/domains", `{"domain":"` + fresh + `",` + reg + `,"sandbox":true,"sandbox":false}`, dup, ""},
		{"create: domain twice", "POST", regBase + "/domains", `{"domain":"x.` + ns + `",` + reg + `,"domain":"` + fresh + `"}`, dup, ""},
		{"create: Domain", "POST", regBase + "/domains", `{"Domain":"` + fresh + `",` + reg + `}`, wrongCase, "domain"},
		{"create: years in capitals", "POST", regBase + "/domains", `{"domain":"` + fresh + `",` + reg + `,"YEARS":2}`, wrongCase, "years"},
		{"create: nested duplicate in registrant", "POST", regBase + "/domains", `{"domain":"` + fresh + `","registrant":{"name":"Alice","email":"alice@example.com","email":"mallory@example.com"}}`, dup, ""},
		{"create: nested wrong case in registrant", "POST", regBase + "/domains", `{"domain":"` + fresh + `","registrant":{"name":"Alice","EMAIL":"alice@example.com"}}`, wrongCase, "registrant.email"},
		{"create: duplicate metadata key", "POST", regBase + "/domains", `{"domain":"` + fresh + `","registrant":{"name":"Alice","email":"alice@example.com","metadata":{"ref":"1","ref":"2"}}}`, dup, ""},
		{"create: escaped duplicate", "POST", regBase + "/domains", `{"domain":"` + fresh + `",` + reg + `,"sandbox":true,"\u0073andbox":false}`, dup, ""},
		{"renew: years twice", "POST", heldPath + "/renew", `{"years":1,"current_expires_at":"` + exp + `","years":9}`, dup, ""},
		{"renew: Current_Expires_At", "POST", heldPath + "/renew", `{"years":1,"Current_Expires_At":"` + exp + `"}`, wrongCase, "current_expires_at"},
		{"update: statuses add twice", "PATCH", heldPath, `{"statuses":{"add":["clientHold"],"add":["clientUpdateProhibited"]}}`, dup, ""},
		{"update: statuses ADD", "PATCH", heldPath, `{"statuses":{"ADD":["clientHold"]}}`, wrongCase, "statuses.add"},
		{"nameservers twice", "PUT", heldPath + "/nameservers", `{"nameservers":["ns1.example.net"],"nameservers":["ns2.example.net"]}`, dup, ""},
		{"records: duplicate inside an array of records", "PUT", heldPath + "/records", `{"records":[{"type":"A","name":"@","ttl":300,"value":"192.0.2.1"},{"type":"A","name":"www","ttl":300,"value":"192.0.2.2","value":"192.0.2.3"}]}`, dup, ""},
		{"records: wrong case inside an array of records", "PUT", heldPath + "/records", `{"records":[{"type":"A","name":"@","ttl":300,"value":"192.0.2.1"},{"type":"A","Name":"www","ttl":300,"value":"192.0.2.2"}]}`, wrongCase, "records.name"},
		{"delete: SANDBOX", "DELETE", heldPath, `{"SANDBOX":true}`, wrongCase, "sandbox"},
		{"delete: sandbox twice", "DELETE", heldPath, `{"sandbox":true,"sandbox":false}`, dup, ""},
		{"check: names twice", "POST", regBase + "/domains/check", `{"names":["a.` + ns + `"],"names":["b.` + ns + `"]}`, dup, ""},
	}
	for i, c := range cases {
		before := e.worldOf(r, held)
		call := req(c.method, c.path, r.Token, c.body, "Idempotency-Key", "names-"+strings.Repeat("x", i%3)+e.unique(""))
		call.invalid = true
		res := e.do(call)
		if res.Status != http.StatusBadRequest || res.Code != c.code {
			t.Errorf("%s: got %s, want 400 %s", c.name, res, c.code)
			continue
		}
		if c.field != "" && !problemNames(res.Body, c.field) {
			t.Errorf("%s: the problem does not name %q: %s", c.name, c.field, res.Raw)
		}
		if after := e.worldOf(r, held); !reflect.DeepEqual(before, after) {
			t.Errorf("%s changed the registrar's world\nbefore: %+v\nafter:  %+v", c.name, before, after)
		}
		if e.registered(fresh) {
			t.Fatalf("%s registered %s", c.name, fresh)
		}
	}

	// Operator bodies: the partner's Gems and module, its ledger and the
	// inventory stay as they were.
	partner := func() map[string]any { return e.opDo("GET", "/partners/"+r.PartnerID, nil, http.StatusOK) }
	old := "legacy." + ns
	opCases := []tc{
		{"patch partner: gems twice", "PATCH", "/partners/" + r.PartnerID, `{"gems_balance":10,"gems_balance":999999}`, dup, ""},
		{"patch partner: GEMS_BALANCE", "PATCH", "/partners/" + r.PartnerID, `{"GEMS_BALANCE":999999}`, wrongCase, "gems_balance"},
		{"patch partner: module in another case", "PATCH", "/partners/" + r.PartnerID, `{"dns_module_enabled":true,"DNS_Module_Enabled":false}`, wrongCase, "dns_module_enabled"},
		{"adjust: delta twice", "POST", "/partners/" + r.PartnerID + "/gems-adjustments", `{"delta":1,"reason":"top-up","delta":-10000}`, dup, ""},
		{"adjust: Delta", "POST", "/partners/" + r.PartnerID + "/gems-adjustments", `{"Delta":5,"reason":"top-up"}`, wrongCase, "delta"},
		{"import: nested duplicate", "POST", "/domains/import", `{"domain":"` + old + `","registrar_channel_id":"` + r.ChannelID + `","expires_at":"2030-01-02T00:00:00Z","registrant":{"name":"Old","email":"o@example.com","name":"New"}}`, dup, ""},
		{"import: Protected_Legacy", "POST", "/domains/import", `{"domain":"` + old + `","registrar_channel_id":"` + r.ChannelID + `","expires_at":"2030-01-02T00:00:00Z","registrant":{"name":"Old","email":"o@example.com"},"Protected_Legacy":true}`, wrongCase, "protected_legacy"},
		{"channel: status twice", "PATCH", "/registrar-channels/" + r.ChannelID, `{"status":"approved","status":"suspended"}`, dup, ""},
	}
	for _, c := range opCases {
		before, ledger := partner(), len(e.ledger(r.PartnerID))
		call := req(c.method, opBase+c.path, operatorToken, c.body)
		call.invalid = true
		res := e.do(call)
		if res.Status != http.StatusBadRequest || res.Code != c.code {
			t.Errorf("%s: got %s, want 400 %s", c.name, res, c.code)
			continue
		}
		if c.field != "" && !problemNames(res.Body, c.field) {
			t.Errorf("%s: the problem does not name %q: %s", c.name, c.field, res.Raw)
		}
		if after := partner(); !reflect.DeepEqual(before, after) || len(e.ledger(r.PartnerID)) != ledger {
			t.Errorf("%s changed the partner: %v → %v", c.name, before, after)
		}
		if e.registered(old) {
			t.Fatalf("%s imported %s", c.name, old)
		}
	}
	// The channel is still approved and serves its registrar.
	e.must(http.StatusOK, e.get(r, "/domains/"+held))
}
