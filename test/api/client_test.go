package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	httpadapter "github.com/headlessdomains/registry/adapters/http"
	"github.com/headlessdomains/registry/adapters/http/openapi"
	"github.com/headlessdomains/registry/core"
)

// validator checks exchanges against one served OpenAPI document.
type validator struct {
	name    string
	router  routers.Router
	problem *openapi3.Schema
}

// loadValidators fetches the registrar and operator documents from the
// server under test (they must be the ones the openapi package builds),
// points their servers at it and builds a router over each.
func (e *env) loadValidators() (*validator, *validator) {
	e.t.Helper()
	reg := e.fetchDocument(openapi.RegistrarDocPath)
	if !bytes.Equal(reg, openapi.Document()) {
		e.t.Fatalf("%s serves a document other than openapi.Document()", openapi.RegistrarDocPath)
	}
	if httpadapter.OpenAPIPath != openapi.RegistrarDocPath {
		if alt := e.fetchDocument(httpadapter.OpenAPIPath); !bytes.Equal(alt, reg) {
			e.t.Fatalf("%s and %s serve different documents", httpadapter.OpenAPIPath, openapi.RegistrarDocPath)
		}
	}
	op := e.fetchDocument(openapi.OperatorDocPath)
	if !bytes.Equal(op, openapi.OperatorDocument()) {
		e.t.Fatalf("%s serves a document other than openapi.OperatorDocument()", openapi.OperatorDocPath)
	}
	return e.newValidator("registrar", reg), e.newValidator("operator", op)
}

func (e *env) fetchDocument(path string) []byte {
	e.t.Helper()
	res, err := e.srv.Client().Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		e.t.Fatalf("GET %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	return body
}

// loadedDocs holds each document loaded and validated once per test
// binary (loading is the slow part, especially under -race), by its bytes.
var loadedDocs sync.Map // string → *loadedDoc

type loadedDoc struct {
	once sync.Once
	doc  *openapi3.T
	err  error
}

func loadDocument(body []byte) (*openapi3.T, error) {
	v, _ := loadedDocs.LoadOrStore(string(body), &loadedDoc{})
	ld := v.(*loadedDoc)
	ld.once.Do(func() {
		loader := openapi3.NewLoader()
		if ld.doc, ld.err = loader.LoadFromData(body); ld.err != nil {
			return
		}
		if err := ld.doc.Validate(loader.Context); err != nil {
			ld.err = fmt.Errorf("not valid OpenAPI: %w", err)
		}
	})
	return ld.doc, ld.err
}

func (e *env) newValidator(name string, body []byte) *validator {
	e.t.Helper()
	shared, err := loadDocument(body)
	if err != nil {
		e.t.Fatalf("the %s document: %v", name, err)
	}
	// The documents name servers relative to the host serving them; the
	// router matches absolute URLs of this test server. The shared document
	// stays untouched: this copy gets its own servers and path items.
	absolute := func(servers openapi3.Servers) openapi3.Servers {
		out := make(openapi3.Servers, 0, len(servers))
		for _, s := range servers {
			c := *s
			if strings.HasPrefix(c.URL, "/") {
				c.URL = e.srv.URL + c.URL
			}
			out = append(out, &c)
		}
		return out
	}
	doc := *shared
	doc.Servers = absolute(shared.Servers)
	doc.Paths = openapi3.NewPaths()
	for path, item := range shared.Paths.Map() {
		it := *item
		if len(item.Servers) > 0 {
			it.Servers = absolute(item.Servers)
		}
		doc.Paths.Set(path, &it)
	}
	router, err := gorillamux.NewRouter(&doc)
	if err != nil {
		e.t.Fatalf("route the %s document: %v", name, err)
	}
	ref := doc.Components.Schemas["Problem"]
	if ref == nil || ref.Value == nil {
		e.t.Fatalf("the %s document has no Problem schema", name)
	}
	return &validator{name: name, router: router, problem: ref.Value}
}

// bearerAuth satisfies an http bearer security requirement when the
// request carries "Authorization: Bearer <token>". Whether the token is
// valid is the server's business, not the document's.
func bearerAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s == nil || s.Type != "http" || !strings.EqualFold(s.Scheme, "bearer") {
		return fmt.Errorf("security scheme %q is not an http bearer scheme", in.SecuritySchemeName)
	}
	scheme, token, ok := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return errors.New("no bearer token")
	}
	return nil
}

// call is one request.
type call struct {
	method, path string
	token        string            // bearer token; "" sends no Authorization header
	body         any               // nil, a string or []byte sent as is, or a value sent as JSON
	header       map[string]string // extra headers
	contentType  string            // "" → application/json when there is a body; "-" → none
	// invalid marks a request that is wrong on purpose: it need not match
	// the document (its answer is validated all the same).
	invalid bool
}

// resp is one answer.
type resp struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any // the JSON object answered, if any
	Code   core.Code      // the problem code, for problem answers
}

func (r resp) String() string { return fmt.Sprintf("%d %s", r.Status, r.Raw) }

// req builds a call; kv are header name/value pairs.
func req(method, path, token string, body any, kv ...string) call {
	c := call{method: method, path: path, token: token, body: body}
	if len(kv) > 0 {
		c.header = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			c.header[kv[i]] = kv[i+1]
		}
	}
	return c
}

// do sends c to the server and validates the request and the answer
// against the served document of the API the path belongs to. Validation
// failures fail the test (not fatally, so that goroutines may call do).
func (e *env) do(c call) resp {
	e.t.Helper()
	var payload []byte
	switch b := c.body.(type) {
	case nil:
	case string:
		payload = []byte(b)
	case []byte:
		payload = b
	default:
		var err error
		if payload, err = json.Marshal(b); err != nil {
			e.t.Errorf("marshal the body of %s %s: %v", c.method, c.path, err)
			return resp{}
		}
	}
	build := func() (*http.Request, error) {
		var body io.Reader = http.NoBody
		if payload != nil {
			body = bytes.NewReader(payload)
		}
		r, err := http.NewRequest(c.method, e.srv.URL+c.path, body)
		if err != nil {
			return nil, err
		}
		if c.token != "" {
			r.Header.Set("Authorization", "Bearer "+c.token)
		}
		switch {
		case c.contentType == "-":
		case c.contentType != "":
			r.Header.Set("Content-Type", c.contentType)
		case payload != nil:
			r.Header.Set("Content-Type", "application/json")
		}
		for k, v := range c.header {
			r.Header.Set(k, v)
		}
		return r, nil
	}
	hr, err := build()
	if err != nil {
		e.t.Errorf("build %s %s: %v", c.method, c.path, err)
		return resp{}
	}
	res, err := e.srv.Client().Do(hr)
	if err != nil {
		e.t.Errorf("%s %s: %v", c.method, c.path, err)
		return resp{}
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		e.t.Errorf("%s %s: read the answer: %v", c.method, c.path, err)
	}
	r := resp{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if strings.Contains(res.Header.Get("Content-Type"), "json") {
		_ = json.Unmarshal(raw, &r.Body) // not every JSON answer is an object; checked where it matters
	}

	vr, err := build() // the validator reads the body: give it its own request
	if err != nil {
		e.t.Errorf("build %s %s: %v", c.method, c.path, err)
		return r
	}
	e.validate(c, vr, r)
	if res.Header.Get("Content-Type") == httpadapter.ProblemContentType {
		e.checkProblem(c, r)
		if code, ok := r.Body["code"].(string); ok {
			r.Code = core.Code(code)
			if e.codes != nil {
				e.codes.add(r.Code)
			}
		}
	} else if r.Status >= 400 {
		e.t.Errorf("%s %s: error %d is not problem+json (%q): %s", c.method, c.path, r.Status, res.Header.Get("Content-Type"), raw)
	}
	return r
}

// validatorFor picks the document of the API a path belongs to.
func (e *env) validatorFor(path string) *validator {
	if strings.HasPrefix(path, opBase+"/") || strings.HasPrefix(path, "/admin/") {
		return e.op
	}
	return e.api
}

func (e *env) validate(c call, vr *http.Request, r resp) {
	e.t.Helper()
	v := e.validatorFor(c.path)
	ctx := context.Background()
	route, params, err := v.router.FindRoute(vr)
	if err != nil {
		// Not an operation of the document (route_not_found, method_not_allowed):
		// the answer must still be a documented problem.
		if !c.invalid {
			e.t.Errorf("%s %s: no operation in the %s document: %v", c.method, c.path, v.name, err)
		}
		if r.Status != http.StatusNotFound && r.Status != http.StatusMethodNotAllowed {
			e.t.Errorf("%s %s: an undocumented route answered %s", c.method, c.path, r)
		}
		var body any
		if err := json.Unmarshal(r.Raw, &body); err != nil {
			e.t.Errorf("%s %s: the answer is not JSON: %s", c.method, c.path, r)
			return
		}
		if err := v.problem.VisitJSON(body); err != nil {
			e.t.Errorf("%s %s: the answer does not match the Problem schema: %v\nbody: %s", c.method, c.path, err, r.Raw)
		}
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: bearerAuth, MultiError: true}}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && !c.invalid {
		e.t.Errorf("%s %s: the request does not match the %s document: %v\nanswer: %s", c.method, c.path, v.name, err, r)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.Status, Header: r.Header,
		Body:    io.NopCloser(bytes.NewReader(r.Raw)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		e.t.Errorf("%s %s → %d: the answer does not match the %s document: %v\nbody: %s", c.method, c.path, r.Status, v.name, err, r.Raw)
	}
}

// checkProblem holds a problem answer to its catalog row.
func (e *env) checkProblem(c call, r resp) {
	e.t.Helper()
	where := c.method + " " + c.path
	p := r.Body
	if p == nil {
		e.t.Errorf("%s: problem answer is not a JSON object: %s", where, r.Raw)
		return
	}
	code, _ := p["code"].(string)
	spec, ok := core.Lookup(core.Code(code))
	if !ok {
		e.t.Errorf("%s: problem code %q is not in the catalog: %s", where, code, r.Raw)
		return
	}
	num := func(k string) int {
		f, _ := p[k].(float64)
		return int(f)
	}
	if r.Status != spec.HTTPStatus || num("status") != spec.HTTPStatus {
		e.t.Errorf("%s: %s answered HTTP %d with status %v, catalog says %d", where, code, r.Status, p["status"], spec.HTTPStatus)
	}
	if num("epp_result_code") != spec.EPPCode || p["epp_result"] != spec.EPPMessage || p["retryable"] != spec.Retryable || p["title"] != spec.Title {
		e.t.Errorf("%s: %s does not carry its catalog row %+v: %s", where, code, spec, r.Raw)
	}
	if d, _ := p["detail"].(string); d == "" {
		e.t.Errorf("%s: %s has no detail", where, code)
	}
	id, _ := p["request_id"].(string)
	if id == "" || id != r.Header.Get(httpadapter.HeaderRequestID) {
		e.t.Errorf("%s: request_id %q, X-Request-ID %q", where, id, r.Header.Get(httpadapter.HeaderRequestID))
	}
	if r.Status == http.StatusUnauthorized && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		e.t.Errorf("%s: 401 without a Bearer challenge", where)
	}
}

// --- assertions ---------------------------------------------------------------

// must fails the test unless r has status want, and answers its body.
func (e *env) must(want int, r resp) map[string]any {
	e.t.Helper()
	if r.Status != want {
		e.t.Fatalf("status %d, want %d: %s", r.Status, want, r.Raw)
	}
	return r.Body
}

// wantProblem fails the test unless r is the problem code (with its
// catalog status) and answers the problem body.
func (e *env) wantProblem(r resp, code core.Code) map[string]any {
	e.t.Helper()
	spec, ok := core.Lookup(code)
	if !ok {
		e.t.Fatalf("wantProblem(%s): not a catalog code", code)
	}
	if r.Status != spec.HTTPStatus || r.Code != code {
		e.t.Fatalf("got %s, want %d %s", r, spec.HTTPStatus, code)
	}
	return r.Body
}

// wantField fails the test unless the problem names field in its errors.
func (e *env) wantField(p map[string]any, field string) {
	e.t.Helper()
	errs, _ := p["errors"].([]any)
	for _, x := range errs {
		if m, ok := x.(map[string]any); ok && m["field"] == field {
			return
		}
	}
	e.t.Fatalf("problem does not name the field %q: %v", field, p)
}

// wantRateHeaders checks the rate-limit fields of an answer.
func (e *env) wantRateHeaders(r resp, limit, remaining int) {
	e.t.Helper()
	h := r.Header
	reset := e.clock.Now().Truncate(registryWindow).Add(registryWindow)
	if h.Get("X-RateLimit-Limit") != strconv.Itoa(limit) || h.Get("X-RateLimit-Remaining") != strconv.Itoa(remaining) ||
		h.Get("X-RateLimit-Reset") != strconv.FormatInt(reset.Unix(), 10) {
		e.t.Fatalf("rate headers Limit=%q Remaining=%q Reset=%q, want %d %d %d (%s)", h.Get("X-RateLimit-Limit"),
			h.Get("X-RateLimit-Remaining"), h.Get("X-RateLimit-Reset"), limit, remaining, reset.Unix(), r)
	}
	if want := fmt.Sprintf(`"default";q=%d;w=60`, limit); h.Get("RateLimit-Policy") != want {
		e.t.Fatalf("RateLimit-Policy %q, want %q", h.Get("RateLimit-Policy"), want)
	}
	secs := int(reset.Sub(e.clock.Now()).Seconds())
	if want := fmt.Sprintf(`"default";r=%d;t=%d`, remaining, secs); h.Get("RateLimit") != want {
		e.t.Fatalf("RateLimit %q, want %q", h.Get("RateLimit"), want)
	}
}
