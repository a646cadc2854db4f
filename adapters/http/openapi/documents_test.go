package openapi

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
)

func TestDocumentsAreServedAtDistinctPathsWithBodies(t *testing.T) {
	docs := Documents()
	want := map[string]string{
		"/api/v1/registrar/v1/openapi.json":              ContentTypeJSON,
		"/docs/registrar/handoff-packet.md":              ContentTypeMarkdown,
		"/docs/registrar/ote-checklist.md":               ContentTypeMarkdown,
		"/docs/registrar/ote-evidence-template.md":       ContentTypeMarkdown,
		"/docs/registrar/epp-gateway-contract.md":        ContentTypeMarkdown,
		"/docs/registrar/epp-conformance-checklist.md":   ContentTypeMarkdown,
		"/docs/registrar/epp-conformance-checklist.json": ContentTypeJSON,
		"/api/v1/admin/openapi.json":                     ContentTypeJSON,
	}
	seen := map[string]bool{}
	slugs := map[string]bool{}
	for _, d := range docs {
		if seen[d.Path] || slugs[d.Slug] {
			t.Errorf("duplicate document %s %s", d.Slug, d.Path)
		}
		seen[d.Path], slugs[d.Slug] = true, true
		ct, ok := want[d.Path]
		if !ok {
			t.Errorf("unexpected document path %s", d.Path)
			continue
		}
		if d.ContentType != ct {
			t.Errorf("%s: content type %q, want %q", d.Path, d.ContentType, ct)
		}
		if len(d.Body) < 500 || d.Title == "" || d.Slug == "" {
			t.Errorf("%s: body of %d bytes, title %q, slug %q", d.Path, len(d.Body), d.Title, d.Slug)
		}
		if ct == ContentTypeJSON && !json.Valid(d.Body) {
			t.Errorf("%s: not JSON", d.Path)
		}
	}
	for p := range want {
		if !seen[p] {
			t.Errorf("missing document %s", p)
		}
	}
	// Bodies are built once: the same bytes every call.
	again := Documents()
	for i := range docs {
		if &docs[i].Body[0] != &again[i].Body[0] {
			t.Errorf("%s is rebuilt on every call", docs[i].Path)
		}
	}
	if &Document()[0] != &Document()[0] || &OperatorDocument()[0] != &OperatorDocument()[0] {
		t.Error("documents are rebuilt on every call")
	}
}

func TestLinksCoverTheRegistrarDocuments(t *testing.T) {
	links := Links()
	if links["openapi"] != RegistrarDocPath {
		t.Errorf("openapi link %q", links["openapi"])
	}
	paths := map[string]bool{}
	for _, d := range Documents() {
		paths[d.Path] = true
	}
	for slug, p := range links {
		if !paths[p] {
			t.Errorf("link %s → %s is not a served document", slug, p)
		}
	}
	if _, ok := links[operatorDocSlug]; ok {
		t.Error("the operator API description is not a registrar document")
	}
	if len(links) != 7 {
		t.Errorf("%d links, want the 7 registrar documents", len(links))
	}
}

func body(t *testing.T, path string) string {
	t.Helper()
	for _, d := range Documents() {
		if d.Path == path {
			return string(d.Body)
		}
	}
	t.Fatalf("no document at %s", path)
	return ""
}

// Every /docs/registrar/... link in a Markdown document resolves to a
// published document (or the error catalog, which the HTTP adapter serves).
func TestMarkdownLinksResolve(t *testing.T) {
	paths := map[string]bool{"/docs/registrar/errors": true}
	for _, d := range Documents() {
		paths[d.Path] = true
	}
	re := regexp.MustCompile(`/docs/registrar/[a-z0-9./-]*[a-z0-9]`)
	for _, d := range Documents() {
		for _, link := range re.FindAllString(string(d.Body), -1) {
			if !paths[link] {
				t.Errorf("%s links %s, which is not served", d.Path, link)
			}
		}
	}
}

func TestMarkdownCatalogTablesComeFromTheCore(t *testing.T) {
	for _, p := range []string{HandoffPacketPath, EPPGatewayContractPath, EPPConformanceChecklistMD} {
		md := body(t, p)
		for _, s := range core.Catalog() {
			row := "| `" + string(s.Code) + "` | " + itoa(s.HTTPStatus) + " | " + itoa(s.EPPCode) + " " + s.EPPMessage + " |"
			if !strings.Contains(md, row) {
				t.Errorf("%s: no catalog row for %s (%q)", p, s.Code, row)
			}
		}
	}
}

func TestOTEChecklistFollowsTheSequence(t *testing.T) {
	md := body(t, OTEChecklistPath)
	last := -1
	for i, s := range core.OTESequence() {
		heading := "### " + itoa(i+1) + ". " + s.Name + "\n"
		at := strings.Index(md, heading)
		if at < 0 {
			t.Errorf("no section %q", heading)
			continue
		}
		if at < last {
			t.Errorf("step %s out of order", s.Name)
		}
		last = at
		section := md[at:]
		if next := strings.Index(section[len(heading):], "\n### "); next >= 0 {
			section = section[:len(heading)+next]
		}
		spec, _ := core.SpecOfCommand(s.Command)
		if !strings.Contains(section, "curl -sS -X "+spec.Method) {
			t.Errorf("%s: no %s request", s.Name, spec.Method)
		}
		if s.Sandbox && !strings.Contains(section, "X-Registrar-Sandbox: 1") {
			t.Errorf("%s: sandbox step without the sandbox header", s.Name)
		}
		if spec.Mutating && !strings.Contains(section, "Idempotency-Key: ") {
			t.Errorf("%s: mutation without an idempotency key", s.Name)
		}
		unquoted := strings.NewReplacer(`'"`, "", `"'`, "").Replace(section) // shell quoting around $SLUG
		if s.Fixture != "" && !strings.Contains(unquoted, core.FixtureLabel(s.Fixture, "$SLUG")+".$NS") {
			t.Errorf("%s: fixture %s not used", s.Name, s.Fixture)
		}
	}
	// The replay repeats the create's key and body exactly.
	create := md[strings.Index(md, "### 4. create_domain"):]
	replay := md[strings.Index(md, ". idempotent_replay"):]
	body := regexp.MustCompile(`(?s)-H "Idempotency-Key: [^"]+".*?-d '[^\n]*`)
	if a, b := body.FindString(create), body.FindString(replay); a == "" || a != b {
		t.Errorf("the replay does not repeat the create request:\n%s\n%s", a, b)
	}
}

func TestOTEEvidenceTemplateListsEveryStep(t *testing.T) {
	md := body(t, OTEEvidenceTemplatePath)
	n := 0
	for i, s := range core.OTESequence() {
		if !strings.Contains(md, "| "+itoa(i+1)+" | `"+s.Name+"` | {time} |") {
			t.Errorf("no request log row for %s", s.Name)
		}
		if s.Audited {
			n++
			expect := "sandbox"
			if !s.Sandbox {
				expect = "success"
			}
			if !strings.Contains(md, "| "+itoa(n)+" | "+s.Name+" | `"+string(s.Command)+"` | `"+expect+"` |") {
				t.Errorf("no checklist row for %s", s.Name)
			}
		} else if !strings.Contains(md, "- `"+s.Name+"` (`"+string(s.Command)+"`): ") {
			t.Errorf("%s is not listed among the steps without audit events", s.Name)
		}
	}
	for _, want := range []string{"evidence-archive.md", "Request summary:", "Response summary:", "## Attached events",
		"Ready for production approval", "claim_acknowledgement: true"} {
		if !strings.Contains(md, want) {
			t.Errorf("template lacks %q", want)
		}
	}
}

func TestEPPGatewayContractMapsEveryCommand(t *testing.T) {
	md := body(t, EPPGatewayContractPath)
	for _, c := range core.Commands() {
		if !strings.Contains(md, "| `"+string(c.Command)+"` | `"+c.Method+" "+c.Path+"` |") {
			t.Errorf("no mapping row for %s", c.Command)
		}
	}
	for _, st := range core.States() {
		if !strings.Contains(md, "| `"+string(st)+"` |") {
			t.Errorf("no lifecycle row for %s", st)
		}
	}
	for _, want := range []string{"clTRID", "svTRID", "protected_legacy_registration_not_deletable", "rfc2136", "2502"} {
		if !strings.Contains(md, want) {
			t.Errorf("contract lacks %q", want)
		}
	}
	if regexp.MustCompile(`[^` + "`" + `]<domain:`).MatchString(md) {
		t.Error("an EPP element is not in a code span and would render as HTML")
	}
}

// The published checklist carries every item of the checklist GET /status
// embeds, in the same order, so the two cannot drift apart.
func TestConformanceChecklistMatchesTheStatusContract(t *testing.T) {
	var doc struct {
		Items []struct {
			ID, Area, Requirement, Reference, Verify, Status string
			VerifiedBy                                       []string `json:"verified_by"`
		} `json:"items"`
		ResultCodes []struct {
			Code          string `json:"code"`
			EPPResultCode int    `json:"epp_result_code"`
		} `json:"result_codes"`
	}
	if err := json.Unmarshal([]byte(body(t, EPPConformanceChecklistJSN)), &doc); err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, it := range doc.Items {
		if it.ID == "" || it.Requirement == "" || it.Reference == "" || it.Verify == "" || it.Status != registry.ChecklistPassed ||
			len(it.VerifiedBy) == 0 {
			t.Errorf("incomplete item %+v", it)
		}
		ids = append(ids, it.ID)
	}
	status := registry.EPPGatewayContract(nil)["conformance_checklist"].([]map[string]any)
	if len(status) != len(ids) {
		t.Errorf("the status checklist has %d items, the published one %d", len(status), len(ids))
	}
	pos := -1
	for _, it := range status {
		id := it["id"].(string)
		i := slices.Index(ids, id)
		if i < 0 {
			t.Errorf("status checklist item %s is not published", id)
			continue
		}
		if i < pos {
			t.Errorf("item %s out of the status checklist's order", id)
		}
		pos = i
	}
	if len(doc.ResultCodes) != len(core.Catalog()) {
		t.Errorf("%d result codes, want %d", len(doc.ResultCodes), len(core.Catalog()))
	}
	md := body(t, EPPConformanceChecklistMD)
	for _, id := range ids {
		if !strings.Contains(md, "| "+id+" |") {
			t.Errorf("markdown lacks %s", id)
		}
	}
}

// The contracts GET /status embeds (built by the registry service) fit the
// schemas this document publishes for them.
func TestStatusContractsFitTheirSchemas(t *testing.T) {
	doc := load(t, Document())
	roundTrip := func(v any) any {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var out any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	caps := []core.DNSCapabilities{{Kind: core.DNSBackendNone, RecordTypes: []string{}},
		{Kind: core.DNSBackendMemory, Read: true, Write: true, Delegate: true, RecordTypes: recordTypes}}
	for name, v := range map[string]any{
		"EPPGatewayContract":     registry.EPPGatewayContract(caps),
		"RegistryServiceSummary": registry.RegistryServiceContract(),
	} {
		if err := doc.Components.Schemas[name].Value.VisitJSON(roundTrip(v)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Every example the document embeds (operation media, components, error
// examples) validates against its own schema, and every operation has them.
func TestEmbeddedExamplesValidate(t *testing.T) {
	for name, data := range map[string][]byte{"registrar": Document(), "operator": OperatorDocument()} {
		doc := load(t, data)
		checked := 0
		visit := func(where string, media *openapi3.MediaType) {
			if media == nil || media.Schema == nil {
				return
			}
			if media.Example != nil {
				checked++
				if err := media.Schema.Value.VisitJSON(media.Example); err != nil {
					t.Errorf("%s %s: example: %v", name, where, err)
				}
			}
			for k, ex := range media.Examples {
				checked++
				if err := media.Schema.Value.VisitJSON(ex.Value.Value); err != nil {
					t.Errorf("%s %s: example %s: %v", name, where, k, err)
				}
			}
		}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				where := method + " " + path
				if op.RequestBody != nil {
					visit(where+" request", op.RequestBody.Value.Content.Get("application/json"))
				}
				for status, r := range op.Responses.Map() {
					for _, media := range r.Value.Content {
						visit(where+" "+status, media)
					}
				}
				for _, p := range op.Parameters {
					if p.Value.Example != nil {
						checked++
						if err := p.Value.Schema.Value.VisitJSON(p.Value.Example); err != nil {
							t.Errorf("%s %s: parameter %s example: %v", name, where, p.Value.Name, err)
						}
					}
				}
				if name == "registrar" {
					ok := op.Responses.Value("200")
					if ok == nil {
						ok = op.Responses.Value("201")
					}
					if ok == nil || ok.Value.Content.Get("application/json").Example == nil {
						t.Errorf("%s: success response without an example", where)
					}
				}
			}
		}
		if checked < 20 {
			t.Errorf("%s: only %d examples checked", name, checked)
		}
	}
}

func TestValidatorRejectsABrokenDocument(t *testing.T) {
	// Guards the tests above: the loader really validates.
	var doc map[string]any
	if err := json.Unmarshal(Document(), &doc); err != nil {
		t.Fatal(err)
	}
	doc["paths"].(map[string]any)["/status"].(map[string]any)["get"].(map[string]any)["responses"] = map[string]any{
		"200": map[string]any{"description": "x", "content": map[string]any{"application/json": map[string]any{
			"schema": map[string]any{"$ref": "#/components/schemas/StatusReport"}, "example": map[string]any{"api_key": 1}}}},
	}
	raw, _ := json.Marshal(doc)
	loaded, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Validate(context.Background()) == nil {
		t.Error("a document with an invalid example validated")
	}
}

// Outside code, "<word" would be read as an HTML tag and vanish from the
// rendered page; placeholders and EPP elements must be in code spans.
func TestMarkdownHasNoBareTags(t *testing.T) {
	fence := regexp.MustCompile("(?s)```.*?```")
	span := regexp.MustCompile("`[^`\n]+`")
	tag := regexp.MustCompile(`<[A-Za-z/][^>\n]*>`)
	adjacent := regexp.MustCompile("`[^`\n]+``[^`\n]+`")
	for _, d := range Documents() {
		if d.ContentType != ContentTypeMarkdown {
			continue
		}
		text := string(d.Body)
		if m := adjacent.FindString(text); m != "" {
			t.Errorf("%s: adjacent code spans render as one broken span: %s", d.Path, m)
		}
		text = span.ReplaceAllString(fence.ReplaceAllString(text, ""), "")
		for _, m := range tag.FindAllString(text, -1) {
			t.Errorf("%s: bare tag %s", d.Path, m)
		}
	}
}

// The limits the document publishes are the ones the registry service applies.
func TestPublishedLimitsMatchTheService(t *testing.T) {
	if defaultPollSize != registry.DefaultPageSize || maxPollSize != registry.MaxPageSize {
		t.Errorf("poll page size %d/%d, service %d/%d", defaultPollSize, maxPollSize, registry.DefaultPageSize, registry.MaxPageSize)
	}
	if maxCheckNames != registry.MaxCheckNames {
		t.Errorf("check names %d, service %d", maxCheckNames, registry.MaxCheckNames)
	}
	doc := load(t, Document())
	names := doc.Components.Schemas["CheckRequest"].Value.Properties["names"].Value
	if names.MaxItems == nil || int(*names.MaxItems) != registry.MaxCheckNames {
		t.Errorf("CheckRequest.names maxItems %v", names.MaxItems)
	}
	records := doc.Components.Schemas["RecordsRequest"].Value.Properties["records"].Value
	if records.MaxItems == nil || int(*records.MaxItems) != core.MaxRecords {
		t.Errorf("RecordsRequest.records maxItems %v", records.MaxItems)
	}
}
