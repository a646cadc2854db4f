package httpadapter_test

import (
	"context"
	"strings"
	"testing"

	"github.com/headlessdomains/registry/core"
)

func TestSetEPPPassword(t *testing.T) {
	h := newHarness(t)
	var gotID, gotPW string
	h.op.SetEPPPasswordFn = func(ctx context.Context, channelID, password string) (core.Channel, error) {
		gotID, gotPW = channelID, password
		if channelID != "chn_1" {
			return core.Channel{}, core.Errorf(core.CodeNotFound, "registrar channel not found")
		}
		if len(password) < 6 {
			return core.Channel{}, core.Invalid("password", "the EPP password has 6 to 16 characters")
		}
		return core.Channel{ID: "chn_1", PartnerID: "ptr_1", Slug: "acme", Status: core.ChannelApproved, RateLimitPerMinute: 120,
			EPPPasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", CreatedAt: fixedNow}, nil
	}
	path := "/api/v1/admin/registrar-channels/chn_1/epp-password"
	rec := h.do(opReq("PUT", path, `{"password":"foo-BAR2"}`))
	if rec.Code != 200 {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body.String())
	}
	body := decode(t, rec)
	if body["epp_password_set"] != true || body["slug"] != "acme" || gotID != "chn_1" || gotPW != "foo-BAR2" {
		t.Fatalf("answer %v (called with %q)", body, gotID)
	}
	if s := rec.Body.String(); strings.Contains(s, "foo-BAR2") || strings.Contains(s, "argon2") {
		t.Fatalf("the answer shows the password or its hash: %s", s)
	}
	if strings.Contains(h.logs.String(), "foo-BAR2") {
		t.Fatal("the password reached the logs")
	}
	fieldOf(t, problem(t, h.do(opReq("PUT", path, `{"password":"short"}`)), 400, core.CodeValidation))
	problem(t, h.do(opReq("PUT", "/api/v1/admin/registrar-channels/chn_2/epp-password", `{"password":"foo-BAR2"}`)), 404, core.CodeNotFound)
	problem(t, h.do(opReq("PUT", path, `{"password":"foo-BAR2","extra":1}`)), 400, core.CodeValidation)
	problem(t, h.do(opReq("PUT", path, "{")), 400, core.CodeMalformedRequest)
	rec = h.do(req{method: "PUT", path: path, body: `{"password":"foo-BAR2"}`, noAuth: true})
	problem(t, rec, 401, core.CodeInvalidAPIKey)
	if rec := h.do(opReq("POST", path, `{"password":"foo-BAR2"}`)); rec.Code != 405 || rec.Header().Get("Allow") == "" {
		t.Fatalf("POST: %d allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}
