package httpadapter_test

import (
	"strings"
	"testing"

	httpadapter "github.com/headlessdomains/registry/adapters/http"
	"github.com/headlessdomains/registry/core"
)

// TestMemberNamesAreExactAndUnique: a duplicated member name, at any depth
// and in map keys too, is malformed_request; a member name in another case
// than its wire name is validation_error naming the field. Neither reaches
// the core (the fakes record every call), so nothing is decided by the last
// of two values or by a name that only folds to a wire name.
func TestMemberNamesAreExactAndUnique(t *testing.T) {
	d := base + "/domains/alice.defiwallet"
	op := httpadapter.OperatorBase
	for _, tc := range []struct {
		name, method, path, body string
		code                     core.Code
		field                    string // validation_error only
		operator                 bool
	}{
		{"sandbox twice in two cases", "POST", base + "/domains", `{"domain":"a.defiwallet","sandbox":false,"SANDBOX":true}`, core.CodeValidation, "sandbox", false},
		{"upper case only", "DELETE", d, `{"SANDBOX":true}`, core.CodeValidation, "sandbox", false},
		{"mixed case", "POST", base + "/domains", `{"Domain":"a.defiwallet"}`, core.CodeValidation, "domain", false},
		{"long s folds to s", "DELETE", d, `{"ſandbox":true}`, core.CodeValidation, "sandbox", false},
		{"kelvin sign folds to k", "POST", base + "/domains", `{"domain":"a.defiwallet","idempotency_\u212aey":"k-1"}`, core.CodeValidation, "idempotency_key", false},
		{"nested wrong case", "POST", base + "/domains", `{"domain":"a.defiwallet","registrant":{"Email":"a@example.com"}}`, core.CodeValidation, "registrant.email", false},
		{"wrong case in an array of records", "PUT", d + "/records", `{"records":[{"type":"A","name":"@","ttl":60,"value":"192.0.2.1"},{"TYPE":"A"}]}`, core.CodeValidation, "records.type", false},
		{"wrong case in a claim", "POST", base + "/domains", `{"domain":"a.defiwallet","claim_acknowledgement":{"Notice_ID":"n"}}`, core.CodeValidation, "claim_acknowledgement.notice_id", false},
		{"sandbox twice", "POST", base + "/domains", `{"domain":"a.defiwallet","sandbox":true,"sandbox":false}`, core.CodeMalformedRequest, "", false},
		{"sandbox twice, one escaped", "DELETE", d, `{"sandbox":false,"sand\u0062ox":true}`, core.CodeMalformedRequest, "", false},
		{"nested duplicate in registrant", "POST", base + "/domains", `{"domain":"a.defiwallet","registrant":{"name":"Alice","email":"a@example.com","name":"Mallory"}}`, core.CodeMalformedRequest, "", false},
		{"duplicate metadata key", "PATCH", d, `{"registrant":{"name":"A","email":"a@example.com","metadata":{"ref":"1","ref":"2"}}}`, core.CodeMalformedRequest, "", false},
		{"duplicate in an array of records", "PUT", d + "/records", `{"records":[{"type":"A","name":"@","ttl":60,"value":"192.0.2.1"},{"type":"A","name":"@","ttl":60,"ttl":1,"value":"192.0.2.2"}]}`, core.CodeMalformedRequest, "", false},
		{"duplicate array member", "PUT", d + "/nameservers", `{"nameservers":["ns1.example.net"],"nameservers":[]}`, core.CodeMalformedRequest, "", false},
		{"duplicate status change", "PATCH", d, `{"statuses":{"add":["clientHold"],"add":[]}}`, core.CodeMalformedRequest, "", false},
		{"operator: gems twice", "PATCH", op + "/partners/ptr_1", `{"gems_balance":10,"gems_balance":100000}`, core.CodeMalformedRequest, "", true},
		{"operator: gems in capitals", "PATCH", op + "/partners/ptr_1", `{"GEMS_BALANCE":100000}`, core.CodeValidation, "gems_balance", true},
		{"operator: nested duplicate in import", "POST", op + "/domains/import", `{"domain":"old.defiwallet","registrar_channel_id":"chn_1","expires_at":"2030-01-01T00:00:00Z","registrant":{"name":"Old","email":"o@example.com","email":"x@example.com"}}`, core.CodeMalformedRequest, "", true},
		{"operator: status in capitals", "PATCH", op + "/registrar-channels/chn_1", `{"Status":"suspended"}`, core.CodeValidation, "status", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			got := map[core.Command]any{}
			stubAll(h, got)
			succeedOperator(h.op)
			// Operator calls fail as internal errors if reached.
			h.op.PatchPartnerFn = nil
			h.op.ImportDomainFn = nil
			h.op.PatchChannelFn = nil
			r := req{method: tc.method, path: tc.path, body: tc.body, header: map[string]string{"Idempotency-Key": "k-1"}}
			if tc.operator {
				r.header["Authorization"] = "Bearer " + operatorToken
			}
			rec := h.do(r)
			p := problem(t, rec, 400, tc.code)
			if tc.code == core.CodeValidation {
				if f := fieldOf(t, p); f != tc.field {
					t.Errorf("field %q, want %q (%v)", f, tc.field, p["detail"])
				}
			}
			if detail, _ := p["detail"].(string); strings.Contains(detail, "json:") {
				t.Errorf("detail leaks decoder text: %q", detail)
			}
			if len(got) > 0 {
				t.Errorf("the core was reached: %v", got)
			}
		})
	}
}

// TestExactNamesStillPass: the check refuses nothing that is spelled right,
// metadata keys in any case included.
func TestExactNamesStillPass(t *testing.T) {
	h := newHarness(t)
	got := map[core.Command]any{}
	stubAll(h, got)
	body := `{"domain":"alice.defiwallet","years":1,"registrant":{"name":"Alice","email":"a@example.com",` +
		`"metadata":{"Ref":"1","REF":"2","ref":"3"}},"nameservers":["ns1.example.net"],"sandbox":false}`
	rec := h.do(req{method: "POST", path: base + "/domains", body: body, header: map[string]string{"Idempotency-Key": "k-1"}})
	if rec.Code != 201 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	cmd, ok := got[core.CmdCreateDomain].(core.CreateDomain)
	if !ok || len(cmd.Registrant.Metadata) != 3 {
		t.Fatalf("create did not receive the three metadata keys: %#v", got[core.CmdCreateDomain])
	}
}
