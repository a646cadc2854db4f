package httpadapter_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

func opReq(method, path, body string) req {
	return req{method: method, path: path, body: body, header: map[string]string{"Authorization": "Bearer " + operatorToken}}
}

// A wrong method on an operator path answers 401 before 405: the methods a
// path takes are the operator's business.
func TestOperatorTokenBeforeMethodNotAllowed(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ method, path, allow string }{
		{"GET", "/api/v1/admin/partners", "POST"},
		{"DELETE", "/api/v1/admin/registrar-channels/chn_1/production-approval", "POST"},
		{"POST", "/admin/registrar-ote-runs/ote_1/evidence-archive.md", "GET"},
	} {
		for _, auth := range []string{"", "Bearer " + goodToken, "Bearer " + operatorToken + "x"} {
			rec := h.do(req{method: tc.method, path: tc.path, header: map[string]string{"Authorization": auth}, noAuth: true})
			problem(t, rec, 401, core.CodeInvalidAPIKey)
			if got := rec.Header().Get("Allow"); got != "" {
				t.Errorf("%s %s with %q: Allow %q leaked before the token check", tc.method, tc.path, auth, got)
			}
		}
		rec := h.do(opReq(tc.method, tc.path, ""))
		problem(t, rec, 405, core.CodeMethodNotAllowed)
		if got := rec.Header().Get("Allow"); got != tc.allow {
			t.Errorf("%s %s with the operator token: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
}

func TestOperatorTokenRequired(t *testing.T) {
	h := newHarness(t)
	called := false
	h.op.GetPartnerFn = func(ctx context.Context, id string) (core.Partner, error) {
		called = true
		return core.Partner{ID: id}, nil
	}
	path := "/api/v1/admin/partners/ptr_1"
	for _, auth := range []string{"", "Bearer " + goodToken, "Bearer " + operatorToken + "x", "Bearer " + operatorToken[:5], "Basic " + operatorToken} {
		hdr := map[string]string{}
		if auth != "" {
			hdr["Authorization"] = auth
		}
		rec := h.do(req{method: "GET", path: path, header: hdr, noAuth: true})
		problem(t, rec, 401, core.CodeInvalidAPIKey)
	}
	if called {
		t.Fatal("the operator service ran without the operator token")
	}
	if rec := h.do(opReq("GET", path, "")); rec.Code != 200 || !called {
		t.Fatalf("with the token: %d %s", rec.Code, rec.Body.String())
	}

	// No configured token: the operator API is closed, even to an empty bearer.
	h.opts.OperatorToken = ""
	called = false
	for _, auth := range []string{"Bearer " + operatorToken, "Bearer ", ""} {
		rec := h.do(req{method: "GET", path: path, header: map[string]string{"Authorization": auth}, noAuth: true})
		problem(t, rec, 401, core.CodeInvalidAPIKey)
	}
	if called {
		t.Fatal("a closed operator API ran a call")
	}
}

// stubOperator makes every operator method answer a plausible object and
// note the calls that create or change something.
func stubOperator(t *testing.T, h *harness, note func(string)) {
	created := fixedNow
	ch := core.Channel{ID: "chn_1", PartnerID: "ptr_1", Slug: "acme", Status: core.ChannelPending, RateLimitPerMinute: 120, CreatedAt: created}
	h.op.CreatePartnerFn = func(ctx context.Context, cmd core.CreatePartner) (core.Partner, error) {
		note("create_partner " + cmd.Name)
		return core.Partner{ID: "ptr_1", Name: cmd.Name, GemsBalance: cmd.GemsBalance, DNSModuleEnabled: cmd.DNSModuleEnabled, CreatedAt: created}, nil
	}
	h.op.PatchPartnerFn = func(ctx context.Context, id string, cmd core.PatchPartner) (core.Partner, error) {
		if cmd.GemsBalance == nil || *cmd.GemsBalance != 10 || cmd.DNSModuleEnabled != nil {
			t.Errorf("patch partner = %+v", cmd)
		}
		note("patch_partner " + id)
		return core.Partner{ID: id, GemsBalance: 10, CreatedAt: created}, nil
	}
	h.op.CreateNamespaceFn = func(ctx context.Context, cmd core.CreateNamespace) (core.Namespace, error) {
		note("create_namespace " + cmd.Name + " " + cmd.DNSBackend)
		p, err := cmd.Policy.Apply(core.DefaultPolicy())
		return core.Namespace{Name: cmd.Name, DNSBackend: cmd.DNSBackend, CreatePriceGems: cmd.CreatePriceGems,
			RenewPriceGems: cmd.RenewPriceGems, Policy: p, CreatedAt: created}, err
	}
	h.op.UpdateNamespaceFn = func(ctx context.Context, cmd core.UpdateNamespace) (core.Namespace, error) {
		note("update_namespace " + cmd.Name)
		restore := core.Gems(50)
		n := core.Namespace{Name: cmd.Name, DNSBackend: "memory", CreatePriceGems: 100, RenewPriceGems: 80,
			Policy: core.DefaultPolicy(), CreatedAt: created}
		n.Policy.RestorePriceGems = &restore
		if cmd.RenewPriceGems != nil {
			n.RenewPriceGems = *cmd.RenewPriceGems
		}
		if cmd.ClaimLabels != nil {
			n.ClaimLabels = *cmd.ClaimLabels
		}
		var err error
		n.Policy, err = cmd.Policy.Apply(n.Policy)
		return n, err
	}
	h.op.ListNamespacesFn = func(ctx context.Context) ([]core.Namespace, error) {
		return []core.Namespace{{Name: "defiwallet", DNSBackend: "memory", CreatedAt: created}}, nil
	}
	h.op.CreateChannelFn = func(ctx context.Context, cmd core.CreateChannel) (core.Channel, error) {
		note("create_channel " + cmd.PartnerID + " " + cmd.Slug)
		return ch, nil
	}
	h.op.GetChannelFn = func(ctx context.Context, id string) (core.Channel, error) { return ch, nil }
	h.op.PatchChannelFn = func(ctx context.Context, id string, cmd core.PatchChannel) (core.Channel, error) {
		if cmd.Status == nil || *cmd.Status != core.ChannelSuspended || cmd.RateLimitPerMinute == nil || *cmd.RateLimitPerMinute != 30 {
			t.Errorf("patch channel = %+v", cmd)
		}
		return ch, nil
	}
	h.op.ApproveChannelFn = func(ctx context.Context, id string) (core.Channel, error) {
		c := ch
		c.Status = core.ChannelApproved
		return c, nil
	}
	h.op.ApproveProductionFn = func(ctx context.Context, cmd core.ApproveProduction) (core.Channel, error) {
		note(fmt.Sprintf("approve_production %s force=%t", cmd.ChannelID, cmd.Force))
		c := ch
		c.ProductionApproved, c.ProductionApprovedAt = true, &created
		return c, nil
	}
	h.op.AddListingFn = func(ctx context.Context, channelID, ns string) (core.Listing, error) {
		note("add_listing " + channelID + " " + ns)
		return core.Listing{ChannelID: channelID, Namespace: ns, Status: core.ListingPending, CreatedAt: created}, nil
	}
	h.op.ApproveListingFn = func(ctx context.Context, channelID, ns string) (core.Listing, error) {
		note("approve_listing " + channelID + " " + ns)
		return core.Listing{ChannelID: channelID, Namespace: ns, Status: core.ListingApproved, CreatedAt: created, ApprovedAt: &created}, nil
	}
	h.op.CreateAPIKeyFn = func(ctx context.Context, cmd core.CreateAPIKey) (core.NewAPIKey, error) {
		note("create_key " + cmd.PartnerID + " " + cmd.ChannelID + " " + cmd.Profile)
		return core.NewAPIKey{Key: core.APIKey{ID: "key_1", PartnerID: cmd.PartnerID, ChannelID: cmd.ChannelID, Profile: cmd.Profile,
			TokenHash: "HASH-NEVER-SHOWN", TokenPrefix: "hdk_1", CreatedAt: created}, Token: "hdk_1_the_token"}, nil
	}
	h.op.RevokeAPIKeyFn = func(ctx context.Context, id string) (core.APIKey, error) {
		return core.APIKey{ID: id, PartnerID: "ptr_1", TokenHash: "HASH-NEVER-SHOWN", CreatedAt: created, RevokedAt: &created}, nil
	}
	h.op.ImportDomainFn = func(ctx context.Context, cmd core.ImportDomain) (core.DomainView, error) {
		if !cmd.ExpiresAt.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) || !cmd.ProtectedLegacy || cmd.ChannelID != "chn_1" {
			t.Errorf("import = %+v", cmd)
		}
		return testDomain(), nil
	}
	pending := core.PendingItem{ID: "pnd_1", AuditID: "aud_1", ChannelID: "chn_1", Command: "update_nameservers", Domain: "a.defiwallet",
		Status: core.PendingQueued, CreatedAt: created, UpdatedAt: created}
	h.op.ListPendingFn = func(ctx context.Context, f core.PendingFilter) ([]core.PendingItem, error) {
		if f.ChannelID != "chn_1" || f.Limit != 5 {
			t.Errorf("pending filter = %+v", f)
		}
		return []core.PendingItem{pending}, nil
	}
	h.op.ApplyPendingFn = func(ctx context.Context, id string) (core.PendingItem, error) {
		p := pending
		p.Status = core.PendingApplied
		return p, nil
	}
	h.op.FailPendingFn = func(ctx context.Context, id, reason string) (core.PendingItem, error) {
		p := pending
		p.Status, p.Reason = core.PendingFailed, reason
		return p, nil
	}
	run := core.OTERunView{Run: core.OTERun{ID: "run_1", ChannelID: "chn_1", Name: "first", CreatedAt: created, UpdatedAt: created,
		EventIDs: []string{"aud_1"}}, Channel: ch,
		Events: []core.AuditEvent{{ID: "aud_1", ChannelID: "chn_1", ChannelSlug: "acme", Actor: "registrar", Command: "create_domain", Status: "sandbox",
			HTTPStatus: 202, CreatedAt: created}},
		Checklist: []core.ChecklistItem{{Step: core.OTESequence()[3], Passed: true, EventIDs: []string{"aud_1"}}}}
	h.op.CreateOTERunFn = func(ctx context.Context, channelID, name string) (core.OTERunView, error) {
		note("create_run " + channelID + " " + name)
		return run, nil
	}
	h.op.AttachOTEEvidenceFn = func(ctx context.Context, runID string, ids []string) (core.OTERunView, error) {
		if !reflect.DeepEqual(ids, []string{"aud_1"}) {
			t.Errorf("attach ids = %v", ids)
		}
		return run, nil
	}
	h.op.GetOTERunFn = func(ctx context.Context, runID string) (core.OTERunView, error) { return run, nil }
	h.op.EvidenceArchiveFn = func(ctx context.Context, runID string) (string, error) {
		return "# OT&E evidence " + runID + "\n", nil
	}
	h.op.GetPartnerFn = func(ctx context.Context, id string) (core.Partner, error) {
		return core.Partner{}, core.Errorf(core.CodeNotFound, "partner not found")
	}

}

type operatorCase struct {
	r      req
	status int
	check  func(b map[string]any) bool
}

// operatorCases is one request per operator route, with its answer.
func operatorCases() []operatorCase {
	a := "/api/v1/admin"
	return []operatorCase{
		{opReq("POST", a+"/partners", `{"name":"Acme","gems_balance":500,"dns_module_enabled":true}`), 201,
			func(b map[string]any) bool {
				return b["id"] == "ptr_1" && b["gems_balance"] == 500.0 && b["dns_module_enabled"] == true
			}},
		{opReq("PATCH", a+"/partners/ptr_1", `{"gems_balance":10}`), 200, func(b map[string]any) bool { return b["gems_balance"] == 10.0 }},
		{opReq("GET", a+"/partners/ptr_9", ""), 404, func(b map[string]any) bool { return b["code"] == "not_found" }},
		{opReq("POST", a+"/namespaces", `{"name":"defiwallet","dns_backend":"memory","create_price_gems":100,"renew_price_gems":80,"reserved_labels":["www"],"claim_labels":["brand"]}`), 201,
			func(b map[string]any) bool { return b["name"] == "defiwallet" && b["reserved_labels"] != nil }},
		{opReq("POST", a+"/namespaces", `{"name":"shortlived","dns_backend":"memory","create_price_gems":10,"renew_price_gems":8,`+
			`"add_grace_period_seconds":60,"redemption_period_seconds":0,"auto_renew":false,"transfer_price_gems":12,"restore_price_gems":null}`), 201,
			func(b map[string]any) bool {
				return b["add_grace_period_seconds"] == 60.0 && b["redemption_period_seconds"] == 0.0 &&
					b["renew_grace_period_seconds"] == 432000.0 && b["auto_renew"] == false &&
					b["transfer_price_gems"] == 12.0 && b["transfer_price_follows_renew"] == false &&
					b["restore_price_gems"] == 8.0 && b["restore_price_follows_renew"] == true
			}},
		{opReq("GET", a+"/namespaces", ""), 200, func(b map[string]any) bool { return len(b["items"].([]any)) == 1 }},
		{opReq("PATCH", a+"/namespaces/defiwallet", `{"renew_price_gems":90,"claim_labels":["brand"],"pending_delete_period_seconds":3600,`+
			`"auto_renew_grace_period_seconds":7200,"restore_price_gems":null}`), 200,
			func(b map[string]any) bool {
				return b["renew_price_gems"] == 90.0 && b["pending_delete_period_seconds"] == 3600.0 &&
					b["auto_renew_grace_period_seconds"] == 7200.0 && b["restore_price_gems"] == 90.0 &&
					b["restore_price_follows_renew"] == true && len(b["claim_labels"].([]any)) == 1
			}},

		{opReq("POST", a+"/registrar-channels", `{"partner_id":"ptr_1","slug":"acme","rate_limit_per_minute":120}`), 201,
			func(b map[string]any) bool { return b["status"] == "pending" && b["partner_id"] == "ptr_1" }},
		{opReq("GET", a+"/registrar-channels/chn_1", ""), 200, func(b map[string]any) bool { return b["slug"] == "acme" }},
		{opReq("PATCH", a+"/registrar-channels/chn_1", `{"rate_limit_per_minute":30,"status":"suspended"}`), 200, nil},
		{opReq("POST", a+"/registrar-channels/chn_1/approve", ""), 200, func(b map[string]any) bool { return b["status"] == "approved" }},
		{opReq("POST", a+"/registrar-channels/chn_1/production-approval", ""), 200,
			func(b map[string]any) bool { return b["production_approved"] == true }},
		{opReq("POST", a+"/registrar-channels/chn_1/production-approval", `{"force":true}`), 200,
			func(b map[string]any) bool { return b["production_approved"] == true }},
		{opReq("POST", a+"/registrar-channels/chn_1/namespace-listings", `{"namespace":"defiwallet"}`), 201,
			func(b map[string]any) bool { return b["status"] == "pending" && b["registrar_channel_id"] == "chn_1" }},
		{opReq("POST", a+"/registrar-channels/chn_1/namespace-listings/defiwallet/approve", ""), 200,
			func(b map[string]any) bool { return b["status"] == "approved" }},
		{opReq("POST", a+"/api-keys", `{"partner_id":"ptr_1","registrar_channel_id":"chn_1","profile":"registrar_api"}`), 201,
			func(b map[string]any) bool {
				return b["token"] == "hdk_1_the_token" && b["id"] == "key_1" && b["revoked_at"] == nil
			}},
		{opReq("DELETE", a+"/api-keys/key_1", ""), 200, func(b map[string]any) bool {
			_, hasToken := b["token"]
			return !hasToken && b["revoked_at"] != nil && b["registrar_channel_id"] == nil
		}},
		{opReq("POST", a+"/domains/import", `{"domain":"old.defiwallet","registrar_channel_id":"chn_1","expires_at":"2030-01-01T00:00:00Z","registrant":{"name":"Old"},"protected_legacy":true}`), 201,
			func(b map[string]any) bool { return b["name"] == "alice.defiwallet" }},
		{opReq("GET", a+"/backend/pending?registrar_channel_id=chn_1&limit=5", ""), 200, func(b map[string]any) bool {
			it := b["items"].([]any)[0].(map[string]any)
			return it["registrar_channel_id"] == "chn_1" && it["reason"] == nil
		}},
		{opReq("POST", a+"/backend/pending/pnd_1/apply", ""), 200, func(b map[string]any) bool { return b["status"] == "applied" }},
		{opReq("POST", a+"/backend/pending/pnd_1/fail", `{"reason":"zone refused"}`), 200,
			func(b map[string]any) bool { return b["status"] == "failed" && b["reason"] == "zone refused" }},
		{opReq("POST", a+"/registrar-ote-runs", `{"registrar_channel_id":"chn_1","name":"first"}`), 201, func(b map[string]any) bool {
			cl := b["checklist"].([]any)[0].(map[string]any)
			ev := b["evidence"].([]any)[0].(map[string]any)
			return b["id"] == "run_1" && cl["step"] == "create_domain" && cl["passed"] == true && ev["id"] == "aud_1"
		}},
		{opReq("POST", a+"/registrar-ote-runs/run_1/evidence", `{"audit_event_ids":["aud_1"]}`), 200, nil},
		{opReq("GET", a+"/registrar-ote-runs/run_1", ""), 200, func(b map[string]any) bool { return b["name"] == "first" }},
	}
}

func TestOperatorRoutes(t *testing.T) {
	h := newHarness(t)
	var got []string
	stubOperator(t, h, func(s string) { got = append(got, s) })
	for _, tc := range operatorCases() {
		rec := h.do(tc.r)
		if rec.Code != tc.status {
			t.Errorf("%s %s: %d, want %d: %s", tc.r.method, tc.r.path, rec.Code, tc.status, rec.Body.String())
			continue
		}
		if strings.Contains(rec.Body.String(), "HASH-NEVER-SHOWN") {
			t.Errorf("%s %s leaks the token hash", tc.r.method, tc.r.path)
		}
		if tc.check != nil && !tc.check(decode(t, rec)) {
			t.Errorf("%s %s: unexpected body %s", tc.r.method, tc.r.path, rec.Body.String())
		}
	}
	want := []string{"create_partner Acme", "patch_partner ptr_1", "create_namespace defiwallet memory",
		"create_namespace shortlived memory", "update_namespace defiwallet",
		"create_channel ptr_1 acme", "approve_production chn_1 force=false", "approve_production chn_1 force=true",
		"add_listing chn_1 defiwallet", "approve_listing chn_1 defiwallet",
		"create_key ptr_1 chn_1 registrar_api", "create_run chn_1 first"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q\nwant %q", got, want)
	}

	rec := h.do(opReq("GET", "/admin/registrar-ote-runs/run_1/evidence-archive.md", ""))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/markdown; charset=utf-8" ||
		rec.Body.String() != "# OT&E evidence run_1\n" {
		t.Errorf("evidence archive: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	problem(t, h.do(req{method: "GET", path: "/admin/registrar-ote-runs/run_1/evidence-archive.md", noAuth: true}), 401, core.CodeInvalidAPIKey)
}

func TestOperatorBodiesAreStrict(t *testing.T) {
	h := newHarness(t)
	problem(t, h.do(opReq("POST", "/api/v1/admin/partners", `{"name":"x","gems":1}`)), 400, core.CodeValidation)
	problem(t, h.do(opReq("POST", "/api/v1/admin/partners", `{"name":"x","gems_balance":"lots"}`)), 400, core.CodeValidation)
	r := opReq("POST", "/api/v1/admin/partners", `{"name":"x"}`)
	r.contentType = "text/plain"
	problem(t, h.do(r), 415, core.CodeUnsupportedMediaType)
	problem(t, h.do(opReq("POST", "/api/v1/admin/registrar-channels/chn_1/approve", `{"force":true}`)), 400, core.CodeValidation)
	problem(t, h.do(opReq("POST", "/api/v1/admin/domains/import", `{"domain":"a.b","expires_at":"never"}`)), 400, core.CodeValidation)
}

// The namespace object answers every period of the core's policy, and the
// requests read exactly those names: an unknown member, a fraction, a
// string or a null period is refused before the core runs.
func TestNamespacePolicyMembers(t *testing.T) {
	h := newHarness(t)
	var got []core.PolicyChange
	h.op.CreateNamespaceFn = func(ctx context.Context, cmd core.CreateNamespace) (core.Namespace, error) {
		got = append(got, cmd.Policy)
		p, err := cmd.Policy.Apply(core.DefaultPolicy())
		return core.Namespace{Name: cmd.Name, DNSBackend: cmd.DNSBackend, Policy: p, CreatedAt: fixedNow}, err
	}
	h.op.UpdateNamespaceFn = func(ctx context.Context, cmd core.UpdateNamespace) (core.Namespace, error) {
		got = append(got, cmd.Policy)
		p, err := cmd.Policy.Apply(core.DefaultPolicy())
		return core.Namespace{Name: cmd.Name, DNSBackend: "none", Policy: p, CreatedAt: fixedNow}, err
	}
	const create = `{"name":"x","dns_backend":"none","create_price_gems":1,"renew_price_gems":1`
	rec := h.do(opReq("POST", "/api/v1/admin/namespaces", create+`}`))
	body := decode(t, rec)
	def := core.DefaultPolicy()
	for _, f := range core.PolicyPeriods() {
		if want := float64(*f.Ptr(&def) / time.Second); body[f.Field] != want {
			t.Errorf("%s = %v, want the default %v", f.Field, body[f.Field], want)
		}
	}
	if body["auto_renew"] != true || body["restore_price_follows_renew"] != true || body["transfer_price_follows_renew"] != true {
		t.Errorf("defaults: %v", body)
	}
	if len(got) != 1 || !got[0].Empty() {
		t.Fatalf("a create without policy members changed the policy: %+v", got)
	}

	// Every period by its wire name, and the price flags.
	got = nil
	members := []string{}
	for i, f := range core.PolicyPeriods() {
		members = append(members, fmt.Sprintf("%q:%d", f.Field, i+1))
	}
	rec = h.do(opReq("PATCH", "/api/v1/admin/namespaces/x", "{"+strings.Join(members, ",")+`,"restore_price_gems":7,"transfer_price_gems":null}`))
	body = decode(t, rec)
	if rec.Code != 200 || len(got) != 1 {
		t.Fatalf("patch: %d %s", rec.Code, rec.Body.String())
	}
	for i, f := range core.PolicyPeriods() {
		if got[0].Seconds[f.Field] != int64(i+1) || body[f.Field] != float64(i+1) {
			t.Errorf("%s: sent %d, the core got %d, answered %v", f.Field, i+1, got[0].Seconds[f.Field], body[f.Field])
		}
	}
	if got[0].RestorePriceGems == nil || *got[0].RestorePriceGems != 7 || got[0].RestorePriceFollowsRenew ||
		!got[0].TransferPriceFollowsRenew || got[0].TransferPriceGems != nil {
		t.Errorf("prices: %+v", got[0])
	}
	if body["restore_price_gems"] != 7.0 || body["restore_price_follows_renew"] != false {
		t.Errorf("restore price answered %v", body)
	}

	got = nil
	for _, bad := range []struct{ body, field string }{
		{`{"redemption_period_seconds":1.5}`, "redemption_period_seconds"},
		{`{"redemption_period_seconds":"30d"}`, "redemption_period_seconds"},
		{`{"redemption_period_seconds":null}`, "redemption_period_seconds"},
		{`{"auto_renew":"yes"}`, "auto_renew"},
		{`{"auto_renew":null}`, "auto_renew"},
		{`{"restore_price_gems":"free"}`, "restore_price_gems"},
		{`{"redemption_period":30}`, "redemption_period"},
		{`{"name":"y"}`, "name"},
	} {
		p := problem(t, h.do(opReq("PATCH", "/api/v1/admin/namespaces/x", bad.body)), 400, core.CodeValidation)
		if f := fieldOf(t, p); f != bad.field {
			t.Errorf("%s: field %q, want %q", bad.body, f, bad.field)
		}
	}
	problem(t, h.do(opReq("POST", "/api/v1/admin/namespaces", create+`,"grace":5}`)), 400, core.CodeValidation)
	if len(got) != 0 {
		t.Errorf("the core ran for a refused body: %+v", got)
	}
	// The core's own refusal (a negative period) is answered as it says.
	p := problem(t, h.do(opReq("PATCH", "/api/v1/admin/namespaces/x", `{"transfer_lock_period_seconds":-1}`)), 400, core.CodeValidation)
	if f := fieldOf(t, p); f != "transfer_lock_period_seconds" {
		t.Errorf("negative period: field %q", f)
	}
	got = nil
	problem(t, h.do(opReq("PATCH", "/api/v1/admin/namespaces/x", `[1]`)), 400, core.CodeMalformedRequest)
	if len(got) != 0 {
		t.Errorf("the core ran for a refused body: %+v", got)
	}
}
