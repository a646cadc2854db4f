package openapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/headlessdomains/registry/core"
)

func load(t *testing.T, data []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate: %v", err)
	}
	return doc
}

func TestRegistrarDocumentLoadsAndValidates(t *testing.T) {
	doc := load(t, Document())
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1/registrar/v1" {
		t.Errorf("servers = %+v", doc.Servers)
	}
	ss := doc.Components.SecuritySchemes["bearer"]
	if ss == nil || ss.Value.Type != "http" || ss.Value.Scheme != "bearer" {
		t.Errorf("bearer security scheme = %+v", ss)
	}
}

func TestOperatorDocumentLoadsAndValidates(t *testing.T) {
	doc := load(t, OperatorDocument())
	if doc.Servers[0].URL != "/api/v1/admin" {
		t.Errorf("servers = %+v", doc.Servers)
	}
	want := map[string]string{ // method path → operationId of every operator API route
		"POST /partners":                                                       "operator_create_partner",
		"PATCH /partners/{id}":                                                 "operator_patch_partner",
		"POST /namespaces":                                                     "operator_create_namespace",
		"POST /registrar-channels":                                             "operator_create_channel",
		"PATCH /registrar-channels/{id}":                                       "operator_patch_channel",
		"POST /registrar-channels/{id}/approve":                                "operator_approve_channel",
		"POST /registrar-channels/{id}/production-approval":                    "operator_approve_production",
		"POST /registrar-channels/{id}/namespace-listings":                     "operator_create_listing",
		"POST /registrar-channels/{id}/namespace-listings/{namespace}/approve": "operator_approve_listing",
		"POST /api-keys":                                                       "operator_create_api_key",
		"DELETE /api-keys/{id}":                                                "operator_revoke_api_key",
		"POST /domains/import":                                                 "operator_import_domain",
		"GET /backend/pending":                                                 "operator_list_pending",
		"POST /backend/pending/{id}/apply":                                     "operator_apply_pending",
		"POST /backend/pending/{id}/fail":                                      "operator_fail_pending",
		"POST /registrar-ote-runs":                                             "operator_create_ote_run",
		"POST /registrar-ote-runs/{id}/evidence":                               "operator_attach_ote_evidence",
		"GET /registrar-ote-runs/{id}":                                         "operator_get_ote_run",
		"GET /registrar-ote-runs/{id}/evidence-archive.md":                     "operator_ote_evidence_archive",
	}
	for key, id := range want {
		method, path, _ := strings.Cut(key, " ")
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("%s: missing", key)
			continue
		}
		if got := item.GetOperation(method).OperationID; got != id {
			t.Errorf("%s: operationId %q, want %q", key, got, id)
		}
	}
	archive := doc.Paths.Value("/registrar-ote-runs/{id}/evidence-archive.md")
	if archive == nil || len(archive.Servers) != 1 || archive.Servers[0].URL != "/admin" {
		t.Errorf("evidence archive must be served under /admin, got %+v", archive)
	}
}

func TestEveryCommandHasExactlyOneOperation(t *testing.T) {
	doc := load(t, Document())
	byID := map[string]int{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			byID[op.OperationID]++
		}
	}
	if len(byID) != len(core.Commands()) {
		t.Errorf("%d operations, want %d (one per command): %v", len(byID), len(core.Commands()), byID)
	}
	for _, spec := range core.Commands() {
		id := string(spec.Command)
		if byID[id] != 1 {
			t.Errorf("%s: %d operations with this operationId", id, byID[id])
			continue
		}
		item := doc.Paths.Value(spec.Path)
		if item == nil {
			t.Errorf("%s: no path %s", id, spec.Path)
			continue
		}
		op := item.GetOperation(spec.Method)
		if op == nil || op.OperationID != id {
			t.Errorf("%s: %s %s is not this command", id, spec.Method, spec.Path)
			continue
		}
		if op.Summary != spec.Summary {
			t.Errorf("%s: summary %q", id, op.Summary)
		}
		var scopes []string
		raw, err := json.Marshal(op.Extensions["x-required-scopes"])
		if err != nil || json.Unmarshal(raw, &scopes) != nil {
			t.Errorf("%s: x-required-scopes %v", id, op.Extensions["x-required-scopes"])
			continue
		}
		if strings.Join(scopes, ",") != strings.Join(spec.Scopes, ",") {
			t.Errorf("%s: x-required-scopes %v, want %v", id, scopes, spec.Scopes)
		}
		if !strings.Contains(op.Description, "Required scopes:") {
			t.Errorf("%s: description lacks the scope line", id)
		}
		for _, s := range spec.Scopes {
			if !strings.Contains(op.Description, "`"+s+"`") {
				t.Errorf("%s: description does not name scope %s", id, s)
			}
		}
		success := "200"
		if spec.Command == core.CmdCreateDomain {
			success = "201"
		}
		if op.Responses.Value(success) == nil {
			t.Errorf("%s: no %s response", id, success)
		}
		if got := op.Responses.Value("202") != nil; got != spec.Mutating {
			t.Errorf("%s: 202 response present = %v, mutating = %v", id, got, spec.Mutating)
		}
		if spec.Mutating {
			names := map[string]bool{}
			for _, p := range op.Parameters {
				names[p.Value.In+":"+p.Value.Name] = true
			}
			if !names["header:Idempotency-Key"] || !names["header:X-Registrar-Sandbox"] {
				t.Errorf("%s: mutating command lacks the idempotency or sandbox header: %v", id, names)
			}
		}
		if op.Responses.Value("401") == nil || op.Responses.Value("429") == nil || op.Responses.Value("500") == nil {
			t.Errorf("%s: missing a common error response", id)
		}
		if r := op.Responses.Value("429"); r != nil && r.Value.Headers["Retry-After"] == nil {
			t.Errorf("%s: 429 without Retry-After", id)
		}
	}
}

func TestErrorCatalogExtension(t *testing.T) {
	var raw struct {
		Catalog map[string]struct {
			HTTPStatus    int    `json:"http_status"`
			EPPResultCode int    `json:"epp_result_code"`
			EPPResult     string `json:"epp_result"`
			Retryable     bool   `json:"retryable"`
			Description   string `json:"description"`
		} `json:"x-registrar-error-catalog"`
	}
	if err := json.Unmarshal(Document(), &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Catalog) != len(core.Catalog()) {
		t.Errorf("%d catalog rows, want %d", len(raw.Catalog), len(core.Catalog()))
	}
	for _, s := range core.Catalog() {
		row, ok := raw.Catalog[string(s.Code)]
		if !ok {
			t.Errorf("%s missing", s.Code)
			continue
		}
		if row.HTTPStatus != s.HTTPStatus || row.EPPResultCode != s.EPPCode || row.EPPResult != s.EPPMessage ||
			row.Retryable != s.Retryable || row.Description != s.Description || row.EPPResult == "" {
			t.Errorf("%s: %+v does not match %+v", s.Code, row, s)
		}
	}
	// The contract's fixed numbers, independently of the core table.
	for code, want := range map[string][3]int{
		"invalid_api_key":                    {401, 2200, 0},
		"duplicate_idempotency_key_conflict": {409, 2306, 0},
		"idempotency_key_in_progress":        {409, 2400, 1},
		"registrar_rate_limit_exceeded":      {429, 2502, 1},
		"insufficient_gems":                  {402, 2104, 0},
		"backend_dns_not_supported":          {409, 2102, 0},
	} {
		row := raw.Catalog[code]
		if row.HTTPStatus != want[0] || row.EPPResultCode != want[1] || row.Retryable != (want[2] == 1) {
			t.Errorf("%s = %+v, want %v", code, row, want)
		}
	}
}

func TestErrorResponsesListCatalogCodesWithMatchingStatus(t *testing.T) {
	doc := load(t, Document())
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, ref := range op.Responses.Map() {
				media := ref.Value.Content.Get("application/problem+json")
				if status[0] == '2' {
					if media != nil {
						t.Errorf("%s %s %s: success answered as problem+json", method, path, status)
					}
					continue
				}
				if media == nil || media.Schema.Ref != "#/components/schemas/Problem" {
					t.Errorf("%s %s %s: not a Problem response", method, path, status)
					continue
				}
				if len(media.Examples) == 0 {
					t.Errorf("%s %s %s: no examples", method, path, status)
				}
				for code, ex := range media.Examples {
					spec, ok := core.Lookup(core.Code(code))
					if !ok {
						t.Errorf("%s %s %s: unknown code %s", method, path, status, code)
						continue
					}
					if status != itoa(spec.HTTPStatus) {
						t.Errorf("%s %s: %s listed under %s, catalog says %d", method, path, code, status, spec.HTTPStatus)
					}
					body := ex.Value.Value.(map[string]any)
					if body["code"] != code {
						t.Errorf("%s %s %s: example code %v", method, path, status, body["code"])
					}
				}
			}
		}
	}
	// Spot checks of the per-operation lists.
	has := func(method, path, status, code string) bool {
		r := doc.Paths.Value(path).GetOperation(method).Responses.Value(status)
		if r == nil {
			return false
		}
		_, ok := r.Value.Content.Get("application/problem+json").Examples[code]
		return ok
	}
	for _, c := range []struct{ method, path, status, code string }{
		{"POST", "/domains", "402", "insufficient_gems"},
		{"POST", "/domains", "409", "claim_acknowledgement_required"},
		{"POST", "/domains", "403", "registrar_channel_not_production_approved"},
		{"POST", "/domains", "415", "unsupported_media_type"},
		{"POST", "/domains", "413", "request_too_large"},
		{"DELETE", "/domains/{domain}", "409", "protected_legacy_registration_not_deletable"},
		{"GET", "/domains/{domain}/records", "403", "dns_module_not_enabled"},
		{"GET", "/domains/{domain}/records", "409", "backend_dns_not_supported"},
		{"POST", "/domains/{domain}/renew", "409", "current_expiry_mismatch"},
		{"GET", "/domains/{domain}", "404", "domain_not_found"},
		{"GET", "/status", "401", "invalid_api_key"},
		{"GET", "/poll", "503", "backend_unavailable"},
	} {
		if !has(c.method, c.path, c.status, c.code) {
			t.Errorf("%s %s: %s %s not documented", c.method, c.path, c.status, c.code)
		}
	}
	if has("GET", "/status", "403", "registrar_channel_required") {
		t.Error("GET /status answers 200 to an unbound key; it must not list registrar_channel_required")
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestPollLimitIsNotCappedBySchema(t *testing.T) {
	doc := load(t, Document())
	op := doc.Paths.Value("/poll").Get
	for _, p := range op.Parameters {
		if p.Value.Name != "limit" {
			continue
		}
		s := p.Value.Schema.Value
		if err := s.VisitJSON(float64(1000)); err != nil {
			t.Errorf("limit=1000 must be accepted (the server caps it): %v", err)
		}
		if err := s.VisitJSON(float64(0)); err == nil {
			t.Error("limit=0 must be rejected")
		}
		if !strings.Contains(p.Value.Description, "500") {
			t.Errorf("limit description does not describe the cap: %q", p.Value.Description)
		}
		return
	}
	t.Fatal("no limit parameter on /poll")
}

// route builds a kin-openapi route for one operation of the document.
func route(t *testing.T, doc *openapi3.T, method, path string) *routers.Route {
	t.Helper()
	item := doc.Paths.Value(path)
	if item == nil || item.GetOperation(method) == nil {
		t.Fatalf("no operation %s %s", method, path)
	}
	return &routers.Route{Spec: doc, Server: doc.Servers[0], Path: path, PathItem: item, Method: method, Operation: item.GetOperation(method)}
}

func validateResponse(t *testing.T, doc *openapi3.T, method, path string, status int, contentType string, body any) error {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(method, "http://registry.test"+path, nil)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route(t, doc, method, path)},
		Status:                 status,
		Header:                 http.Header{"Content-Type": {contentType}},
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(raw)
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// validateRequestBody checks a raw JSON request body against the operation's
// request schema.
func validateRequestBody(t *testing.T, doc *openapi3.T, method, path string, body string) error {
	t.Helper()
	op := route(t, doc, method, path).Operation
	media := op.RequestBody.Value.Content.Get("application/json")
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("sample body is not JSON: %v", err)
	}
	return media.Schema.Value.VisitJSON(v)
}
