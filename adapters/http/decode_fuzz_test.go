package httpadapter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	httpadapter "github.com/headlessdomains/registry/adapters/http"
	"github.com/headlessdomains/registry/core"
)

// fuzzRoute is one endpoint that decodes a request body.
type fuzzRoute struct {
	method, path string
	valid        string // a well-formed body
	operator     bool
}

// fuzzRoutes lists every registrar and operator endpoint that reads a body.
func fuzzRoutes() []fuzzRoute {
	d := base + "/domains/alice.defiwallet"
	a := httpadapter.OperatorBase
	return []fuzzRoute{
		{method: "POST", path: base + "/domains/check", valid: `{"names":["alice.defiwallet","bob"]}`},
		{method: "POST", path: base + "/domains", valid: `{"domain":"alice.defiwallet","years":2,"registrant":{"name":"Alice","organization":"Ex","email":"alice@example.com","phone":"+1.5555551234","country":"US","metadata":{"ref":"1"}},"nameservers":["ns1.example.net"],"claim_acknowledgement":{"notice_id":"n-1","accepted_at":"2026-03-01T00:00:00Z"}}`},
		{method: "POST", path: d + "/renew", valid: `{"years":1,"current_expires_at":"2027-03-02T10:00:37Z"}`},
		{method: "PATCH", path: d, valid: `{"registrant":{"name":"Alice","email":"a@example.com"},"statuses":{"add":["clientHold"],"remove":["clientUpdateProhibited"]}}`},
		{method: "PUT", path: d + "/nameservers", valid: `{"nameservers":["ns1.example.net","ns2.example.net"],"idempotency_key":"k-1"}`},
		{method: "PUT", path: d + "/records", valid: `{"records":[{"type":"MX","name":"@","ttl":300,"value":"mx.example.net","priority":10},{"type":"TXT","name":"_x","ttl":60,"value":"v"}]}`},
		{method: "DELETE", path: d, valid: `{"sandbox":true}`},
		{method: "POST", path: base + "/sandbox/reset", valid: `{}`},
		{method: "POST", path: a + "/partners", valid: `{"name":"Acme","gems_balance":500,"dns_module_enabled":true}`, operator: true},
		{method: "PATCH", path: a + "/partners/ptr_1", valid: `{"gems_balance":10,"reason":"credit note 7"}`, operator: true},
		{method: "POST", path: a + "/partners/ptr_1/gems-adjustments", valid: `{"delta":-25,"reason":"refund of a duplicate top-up"}`, operator: true},
		{method: "POST", path: a + "/namespaces", valid: `{"name":"defiwallet","dns_backend":"memory","create_price_gems":100,"renew_price_gems":80,"reserved_labels":["www"],"claim_labels":["brand"]}`, operator: true},
		{method: "POST", path: a + "/registrar-channels", valid: `{"partner_id":"ptr_1","slug":"acme","rate_limit_per_minute":120}`, operator: true},
		{method: "PATCH", path: a + "/registrar-channels/chn_1", valid: `{"rate_limit_per_minute":30,"status":"suspended"}`, operator: true},
		{method: "POST", path: a + "/registrar-channels/chn_1/approve", valid: ``, operator: true},
		{method: "POST", path: a + "/registrar-channels/chn_1/namespace-listings", valid: `{"namespace":"defiwallet"}`, operator: true},
		{method: "POST", path: a + "/api-keys", valid: `{"partner_id":"ptr_1","registrar_channel_id":"chn_1","profile":"registrar_api"}`, operator: true},
		{method: "POST", path: a + "/domains/import", valid: `{"domain":"old.defiwallet","registrar_channel_id":"chn_1","expires_at":"2030-01-01T00:00:00Z","registrant":{"name":"Old","email":"o@example.com"},"protected_legacy":true}`, operator: true},
		{method: "POST", path: a + "/backend/pending/pnd_1/fail", valid: `{"reason":"zone refused"}`, operator: true},
		{method: "POST", path: a + "/registrar-ote-runs", valid: `{"registrar_channel_id":"chn_1","name":"first"}`, operator: true},
		{method: "POST", path: a + "/registrar-ote-runs/run_1/evidence", valid: `{"audit_event_ids":["aud_1"]}`, operator: true},
	}
}

// badBodies are the bad-input cases of the integration suite, as raw bodies.
func badBodies() []string {
	return []string{
		``, ` `, `{`, `{"domain":`, `{"domain": alice}`, `[]`, `[{"domain":"a.b"}]`, `null`, `"text"`, `42`, `{}{}`,
		`{"domain":"a.b"} trailing`, `{"colour":"red"}`, `{"registrant":{"nickname":"al"}}`, `{"domain":5}`,
		`{"registrant":"Alice"}`, `{"nameservers":"ns1"}`, `{"names":"a"}`, `{"names":[1,2]}`, `{"years":"2"}`,
		`{"years":1.5}`, `{"years":0}`, `{"years":-1}`, `{"years":11}`, `{"years":1e400}`, `{"years":99999999999999999999}`,
		`{"nameservers":["1","2","3","4","5","6","7","8","9","10","11","12","13","14"]}`,
		`{"domain":"-x.defiwallet"}`, `{"domain":"a..b"}`, `{"domain":"a_b.defiwallet"}`, `{"domain":"xn--zz.defiwallet"}`,
		`{"domain":"münchen.defiwallet"}`, `{"domain":"\ud800.x"}`, "{\"domain\":\"\xff\xfe\"}",
		`{"idempotency_key":"body-key"}`, `{"idempotency_key":5}`, `{"sandbox":"maybe"}`, `{"sandbox":null}`,
		`{"current_expires_at":"yesterday"}`, `{"current_expires_at":""}`, `{"claim_acknowledgement":{"accepted_at":"soon"}}`,
		`{"statuses":{"add":["serverHold"],"extra":1}}`, `{"records":[{"type":"A","ttl":"300"}]}`, `{"records":null}`,
		`{"gems_balance":"lots"}`, `{"status":7}`, `{"audit_event_ids":"aud_1"}`, `{"expires_at":"never"}`,
		`{"a":{"b":{"c":{"d":{"e":{"f":[[[[[[[[[[]]]]]]]]]]}}}}}}`, strings.Repeat("[", 10_000),
	}
}

// fuzzServer is the real handler over fakes whose every method succeeds.
func fuzzServer() http.Handler {
	h := &harness{reg: &fakeRegistrar{}, op: &fakeOperator{}}
	h.reg.AuthorizeFn = func(ctx context.Context, token string, command core.Command) (core.Actor, *core.RateDecision, error) {
		if token != goodToken {
			return core.Actor{}, nil, core.Errorf(core.CodeInvalidAPIKey, "the API key is unknown or revoked")
		}
		return testActor(), testRate(), nil
	}
	stubAll(h, map[core.Command]any{})
	succeedOperator(h.op)
	opts := httpadapter.Options{OperatorToken: operatorToken, Clock: func() time.Time { return fixedNow }}
	return httpadapter.NewServer(h.reg, h.op, zerolog.Nop(), opts).Handler()
}

// succeedOperator makes every operator method that a body reaches succeed.
func succeedOperator(op *fakeOperator) {
	ch := core.Channel{ID: "chn_1", PartnerID: "ptr_1", Slug: "acme", Status: core.ChannelApproved, RateLimitPerMinute: 120, CreatedAt: fixedNow}
	partner := func(ctx context.Context, cmd core.CreatePartner) (core.Partner, error) {
		return core.Partner{ID: "ptr_1", Name: cmd.Name, GemsBalance: cmd.GemsBalance, CreatedAt: fixedNow}, nil
	}
	op.CreatePartnerFn = partner
	op.PatchPartnerFn = func(ctx context.Context, id string, cmd core.PatchPartner) (core.Partner, error) {
		return partner(ctx, core.CreatePartner{Name: "Acme"})
	}
	op.AdjustGemsFn = func(ctx context.Context, partnerID string, cmd core.AdjustGems) (core.GemsAdjustment, error) {
		return core.GemsAdjustment{Entry: core.LedgerEntry{ID: "led_1", PartnerID: partnerID, Amount: cmd.Delta, Balance: 100,
			Reason: cmd.Reason, Actor: "operator", AuditID: "aud_1", CreatedAt: fixedNow}}, nil
	}
	op.CreateNamespaceFn = func(ctx context.Context, cmd core.CreateNamespace) (core.Namespace, error) {
		return core.Namespace{Name: "defiwallet", DNSBackend: "memory", CreatedAt: fixedNow}, nil
	}
	channel := func(ctx context.Context, id string) (core.Channel, error) { return ch, nil }
	op.CreateChannelFn = func(ctx context.Context, cmd core.CreateChannel) (core.Channel, error) { return ch, nil }
	op.PatchChannelFn = func(ctx context.Context, id string, cmd core.PatchChannel) (core.Channel, error) { return ch, nil }
	op.ApproveChannelFn = channel
	op.AddListingFn = func(ctx context.Context, channelID, namespace string) (core.Listing, error) {
		return core.Listing{ChannelID: "chn_1", Namespace: "defiwallet", Status: core.ListingPending, CreatedAt: fixedNow}, nil
	}
	op.CreateAPIKeyFn = func(ctx context.Context, cmd core.CreateAPIKey) (core.NewAPIKey, error) {
		return core.NewAPIKey{Key: core.APIKey{ID: "key_1", PartnerID: "ptr_1", Profile: core.ProfileRegistrarAPI, CreatedAt: fixedNow},
			Token: "hdk_1_the_token"}, nil
	}
	op.ImportDomainFn = func(ctx context.Context, cmd core.ImportDomain) (core.DomainView, error) { return testDomain(), nil }
	op.FailPendingFn = func(ctx context.Context, id, reason string) (core.PendingItem, error) {
		return core.PendingItem{ID: "pnd_1", Command: "update_nameservers", Domain: "alice.defiwallet", Status: core.PendingFailed,
			Reason: reason, CreatedAt: fixedNow, UpdatedAt: fixedNow}, nil
	}
	run := func() core.OTERunView {
		return core.OTERunView{Run: core.OTERun{ID: "run_1", ChannelID: "chn_1", Name: "first", CreatedAt: fixedNow}, Channel: ch}
	}
	op.CreateOTERunFn = func(ctx context.Context, channelID, name string) (core.OTERunView, error) { return run(), nil }
	op.AttachOTEEvidenceFn = func(ctx context.Context, runID string, ids []string) (core.OTERunView, error) { return run(), nil }
}

// checkAnswer holds one answer to the fuzz invariants: never a 500 (every
// fake succeeds, so a 5xx is the adapter's own failure), and either a 2xx
// JSON answer or a 4xx problem document carrying its catalog row.
func checkAnswer(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	body := rec.Body.Bytes()
	switch {
	case rec.Code >= 200 && rec.Code < 300:
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s: %d with Content-Type %q", what, rec.Code, ct)
		}
		if !json.Valid(body) {
			t.Fatalf("%s: %d with a body that is not JSON: %q", what, rec.Code, body)
		}
	case rec.Code >= 400 && rec.Code < 500:
		if ct := rec.Header().Get("Content-Type"); ct != httpadapter.ProblemContentType {
			t.Fatalf("%s: %d with Content-Type %q: %s", what, rec.Code, ct, body)
		}
		var p struct {
			Code   string `json:"code"`
			Status int    `json:"status"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("%s: %d problem is not JSON: %v: %q", what, rec.Code, err, body)
		}
		spec, ok := core.Lookup(core.Code(p.Code))
		if !ok || spec.HTTPStatus != rec.Code || p.Status != rec.Code {
			t.Fatalf("%s: %d answered code %q (status %d), not its catalog row: %s", what, rec.Code, p.Code, p.Status, body)
		}
	default:
		t.Fatalf("%s: answered %d: %s", what, rec.Code, body)
	}
}

// FuzzDecodeRequest feeds arbitrary bodies, content types and mutation
// headers to every endpoint that decodes a body, through the real handler
// over fakes that always succeed. size pads a body past 1 MiB with JSON
// whitespace (1: with its length, 2: chunked, length unknown).
func FuzzDecodeRequest(f *testing.F) {
	routes := fuzzRoutes()
	for i, r := range routes {
		f.Add(uint8(i), []byte(r.valid), "application/json", "key-1", "", uint8(0))
		f.Add(uint8(i), []byte(r.valid), "application/json; charset=utf-8", "key-1", "1", uint8(0))
		f.Add(uint8(i), []byte(r.valid), "text/plain", "key-1", "", uint8(0))
		f.Add(uint8(i), []byte(r.valid), "", "", "", uint8(0))
		f.Add(uint8(i), []byte(r.valid), "application/json", "key-1", "maybe", uint8(0))
		f.Add(uint8(i), []byte(r.valid), "application/json", "header-key", "", uint8(0))
		f.Add(uint8(i), []byte(r.valid), "application/json", "key-1", "", uint8(1))
		f.Add(uint8(i), []byte(r.valid), "application/json", "key-1", "", uint8(2))
	}
	// Each bad body goes to create (the richest body) and to two other
	// routes, so that every route's decoder sees bad input from the start.
	for j, b := range badBodies() {
		for _, i := range []int{1, j % len(routes), (j + 7) % len(routes)} {
			f.Add(uint8(i), []byte(b), "application/json", "key-1", "", uint8(0))
		}
	}
	// Duplicate and wrongly cased member names, at the top, nested, in
	// arrays and in map keys, to every route.
	for i := range routes {
		for _, b := range nameSeeds() {
			f.Add(uint8(i), []byte(b), "application/json", "key-1", "", uint8(0))
		}
	}
	handler := fuzzServer()
	f.Fuzz(func(t *testing.T, route uint8, body []byte, contentType, idemKey, sandbox string, size uint8) {
		r := routes[int(route)%len(routes)]
		padded := size%3 != 0
		if padded {
			body = append(append([]byte(nil), body...), bytes.Repeat([]byte(" "), httpadapter.MaxBodyBytes+1)...)
		}
		req := httptest.NewRequest(r.method, r.path, bytes.NewReader(body))
		if size%3 == 2 {
			req.ContentLength = -1 // chunked: only reading tells the size
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		token := goodToken
		if r.operator {
			token = operatorToken
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if idemKey != "" {
			req.Header.Set("Idempotency-Key", idemKey)
		}
		if sandbox != "" {
			req.Header.Set(httpadapter.HeaderSandbox, sandbox)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		what := r.method + " " + r.path
		checkAnswer(t, what, rec)
		if padded && rec.Code < 300 {
			t.Fatalf("%s accepted a body over %d bytes: %d", what, httpadapter.MaxBodyBytes, rec.Code)
		}
		// Member names: a body whose first JSON value repeats a name in one
		// object or spells a wire name in another case is never accepted,
		// and once it is read as JSON it is refused as such.
		v := nameViolationOf(body)
		if v == "" {
			return
		}
		if rec.Code < 300 {
			t.Fatalf("%s accepted a body with %s: %d %q", what, v, rec.Code, body)
		}
		if !padded && rec.Code != http.StatusUnsupportedMediaType {
			var p struct{ Code string }
			_ = json.Unmarshal(rec.Body.Bytes(), &p)
			if rec.Code != 400 || (p.Code != string(core.CodeMalformedRequest) && p.Code != string(core.CodeValidation)) {
				t.Fatalf("%s answered a body with %s by %d %s, want 400 malformed_request or validation_error", what, v, rec.Code, p.Code)
			}
		}
	})
}

// nameSeeds are bodies whose member names are duplicated or wrongly cased.
func nameSeeds() []string {
	return []string{
		`{"sandbox":false,"SANDBOX":true}`, `{"sandbox":true,"sandbox":false}`, `{"Sandbox":true}`,
		`{"domain":"a.defiwallet","registrant":{"name":"A","name":"B"}}`,
		`{"registrant":{"name":"A","email":"a@example.com","metadata":{"k":"1","k":"2"}}}`,
		`{"records":[{"type":"A"},{"type":"A","TTL":60}]}`, `{"records":[{"type":"A","type":"MX"}]}`,
		`{"gems_balance":1,"gems_balance":2}`, `{"GEMS_BALANCE":2}`, `{"names":["a"],"Names":["b"]}`,
		`{"statuses":{"add":["clientHold"],"ADD":[]}}`, `{"audit_event_ids":["a"],"audit_event_ids":[]}`,
		`{"idempotency_key":"k","idempotency_key":"k"}`, `{"ſandbox":true}`,
	}
}

// wireNames are the member names of every request body (independent of the
// adapter's DTOs, so that the property does not trust the code it checks).
var wireNames = strings.Fields(`names domain years registrant name organization email phone country metadata
	nameservers claim_acknowledgement notice_id accepted_at idempotency_key sandbox current_expires_at statuses add remove
	records type ttl value priority gems_balance dns_module_enabled dns_backend create_price_gems renew_price_gems
	reserved_labels claim_labels partner_id slug rate_limit_per_minute status namespace registrar_channel_id profile scopes
	expires_at protected_legacy reason audit_event_ids password delta`)

// nameViolationOf describes the first duplicated member name (in any
// object) or wrongly cased wire name (outside metadata, whose keys are the
// registrar's) of body's first JSON value; "" when there is none or when
// the value is not well-formed JSON.
func nameViolationOf(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object, wantKey, free bool // free: keys are data (metadata)
		key                   string
		seen                  map[string]bool
	}
	var stack []*frame
	found := ""
	for {
		tok, err := dec.Token()
		if err != nil {
			return "" // not JSON: not a claim about names
		}
		var top *frame
		if n := len(stack); n > 0 {
			top = stack[n-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return found
			}
			stack[len(stack)-1].wantKey = stack[len(stack)-1].object
			continue
		}
		if top != nil && top.object && top.wantKey {
			key := tok.(string)
			switch {
			case found != "":
			case top.seen[key]:
				found = "the member name " + strconv.Quote(key) + " twice"
			case !top.free:
				for _, w := range wireNames {
					if key != w && strings.EqualFold(key, w) {
						found = "the member name " + strconv.Quote(key) + " for " + strconv.Quote(w)
					}
				}
			}
			top.seen[key] = true
			top.key, top.wantKey = key, false
			continue
		}
		d, isDelim := tok.(json.Delim)
		switch {
		case isDelim && d == '{':
			free := top != nil && top.object && top.key == "metadata"
			stack = append(stack, &frame{object: true, wantKey: true, free: free, seen: map[string]bool{}})
		case isDelim && d == '[':
			stack = append(stack, &frame{})
		case top == nil:
			return found
		default:
			top.wantKey = top.object
		}
	}
}

// FuzzRegistrarPaths sends arbitrary domain path segments and query strings
// to every registrar route that takes a domain, and to poll and pending.
func FuzzRegistrarPaths(f *testing.F) {
	type target struct{ method, suffix, body string }
	targets := []target{
		{"GET", "", ""}, {"GET", "/records", ""}, {"DELETE", "", ""},
		{"POST", "/renew", `{"years":1,"current_expires_at":"2027-03-02T10:00:37Z"}`},
		{"PATCH", "", `{"statuses":{"add":["clientHold"]}}`},
		{"PUT", "/nameservers", `{"nameservers":[]}`}, {"PUT", "/records", `{"records":[]}`},
		{"GET", "poll", ""}, {"GET", "pending", ""},
	}
	for i := range targets {
		for _, seg := range []string{"alice.defiwallet", "münchen.defiwallet", "-x.defiwallet", "a..b", "", ".", "..", "a/b", "%2F",
			"a%00b", "xn--zz.defiwallet", strings.Repeat("a", 300)} {
			f.Add(uint8(i), seg, "")
		}
		for _, q := range []string{"limit=5", "limit=0", "limit=-1", "limit=abc", "limit=99999999999999999999", "since=2026-03-01T00:00:00Z",
			"since=2026-03-01T00:00:00+01:00", "since=yesterday", "domain=alice.defiwallet&command=create_domain&status=success",
			"cursor=%ff%fe", "idempotency_key=k1&idempotency_key=k2", "%zz", "a=1;b=2", "domain=" + strings.Repeat("x", 2000)} {
			f.Add(uint8(i), "alice.defiwallet", q)
		}
	}
	handler := fuzzServer()
	f.Fuzz(func(t *testing.T, which uint8, segment, query string) {
		tg := targets[int(which)%len(targets)]
		var path string
		switch tg.suffix {
		case "poll":
			path = base + "/poll"
		case "pending":
			path = base + "/backend/pending"
		default:
			path = base + "/domains/" + segment + tg.suffix
		}
		req := httptest.NewRequest(tg.method, "/", strings.NewReader(tg.body))
		req.URL = &url.URL{Path: path, RawQuery: query}
		req.RequestURI = req.URL.RequestURI()
		req.Header.Set("Authorization", "Bearer "+goodToken)
		req.Header.Set("Idempotency-Key", "key-1")
		if tg.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		checkAnswer(t, tg.method+" "+req.RequestURI, rec)
	})
}
