package openapi

import (
	"encoding/json"
	"regexp"
	"sync"
)

// Doc is one published document, served without authentication.
type Doc struct {
	Slug        string // stable key, e.g. for the /status docs links
	Title       string
	Path        string // absolute URL path the binary serves it at
	ContentType string
	Body        []byte
}

// Content types of the published documents.
const (
	ContentTypeJSON     = "application/json"
	ContentTypeMarkdown = "text/markdown; charset=utf-8"
)

// Paths of the Markdown and JSON documents.
const (
	DocsBasePath               = "/docs/registrar"
	HandoffPacketPath          = DocsBasePath + "/handoff-packet.md"
	OTEChecklistPath           = DocsBasePath + "/ote-checklist.md"
	OTEEvidenceTemplatePath    = DocsBasePath + "/ote-evidence-template.md"
	EPPGatewayContractPath     = DocsBasePath + "/epp-gateway-contract.md"
	EPPConformanceChecklistMD  = DocsBasePath + "/epp-conformance-checklist.md"
	EPPConformanceChecklistJSN = DocsBasePath + "/epp-conformance-checklist.json"
)

// docMeta is a document without its body, so that documents can link to
// each other without building each other.
type docMeta struct {
	Slug, Title, Path, ContentType string
}

// registrarDocs lists the documents the registrar docs page links, in its order.
func registrarDocs() []docMeta {
	return []docMeta{
		{"openapi", "OpenAPI JSON", RegistrarDocPath, ContentTypeJSON},
		{"handoff_packet", "Registrar handoff packet", HandoffPacketPath, ContentTypeMarkdown},
		{"ote_checklist", "OT&E checklist", OTEChecklistPath, ContentTypeMarkdown},
		{"ote_evidence_template", "OT&E evidence template", OTEEvidenceTemplatePath, ContentTypeMarkdown},
		{"epp_gateway_contract", "EPP gateway contract", EPPGatewayContractPath, ContentTypeMarkdown},
		{"epp_conformance_checklist", "EPP conformance checklist", EPPConformanceChecklistMD, ContentTypeMarkdown},
		{"epp_conformance_checklist_json", "EPP conformance checklist (JSON)", EPPConformanceChecklistJSN, ContentTypeJSON},
	}
}

const operatorDocSlug = "operator_openapi"

// bodies builds (once) the body of every document, by slug.
var bodies = sync.OnceValue(func() map[string][]byte {
	return map[string][]byte{
		"openapi":                        Document(),
		"handoff_packet":                 []byte(handoffMarkdown()),
		"ote_checklist":                  []byte(oteChecklistMarkdown()),
		"ote_evidence_template":          []byte(oteEvidenceTemplateMarkdown()),
		"epp_gateway_contract":           []byte(eppGatewayContractMarkdown()),
		"epp_conformance_checklist":      []byte(conformanceMarkdown()),
		"epp_conformance_checklist_json": mustJSON(conformanceJSONValue()),
		operatorDocSlug:                  OperatorDocument(),
	}
})

// Documents returns every published document: the ones the registrar docs
// page links (OpenAPI JSON, handoff packet, OT&E checklist, OT&E evidence
// template, EPP gateway contract, EPP conformance checklist in Markdown and
// JSON) and the operator API description. The binary serves each at Path
// without authentication. Bodies are built once and shared: do not modify them.
func Documents() []Doc {
	metas := append(registrarDocs(), docMeta{operatorDocSlug, "Operator API OpenAPI JSON", OperatorDocPath, ContentTypeJSON})
	built := bodies()
	out := make([]Doc, len(metas))
	for i, d := range metas {
		out[i] = Doc{Slug: d.Slug, Title: d.Title, Path: d.Path, ContentType: d.ContentType, Body: built[d.Slug]}
	}
	return out
}

// Links maps the slug of every registrar-facing document to its path, for
// the docs member of GET /status.
func Links() map[string]string {
	out := map[string]string{}
	for _, d := range registrarDocs() {
		out[d.Slug] = d.Path
	}
	return out
}

var (
	registrarOnce = sync.OnceValue(func() []byte { return mustJSON(pruneExamples(buildRegistrarDocument())) })
	operatorOnce  = sync.OnceValue(func() []byte { return mustJSON(pruneExamples(buildOperatorDocument())) })
)

// Document returns the OpenAPI 3.0.3 description of the registrar API, served
// at RegistrarDocPath. Built once; do not modify the returned bytes.
func Document() []byte { return registrarOnce() }

// OperatorDocument returns the OpenAPI 3.0.3 description of the operator API,
// served at OperatorDocPath.
func OperatorDocument() []byte { return operatorOnce() }

// mustJSON encodes a document built from maps, slices, strings, numbers and
// booleans only; such values always encode, so an error is a programming
// mistake caught by the package tests.
func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic("openapi: document does not encode: " + err.Error())
	}
	return append(b, '\n')
}

// exampleRef matches a reference to a component example.
var exampleRef = regexp.MustCompile(`"#/components/examples/([^"]+)"`)

// pruneExamples drops the component examples no operation refers to (the
// problem examples of codes a document's operations never answer), so that
// linters see no unused components.
func pruneExamples(doc m) m {
	comps, _ := doc["components"].(m)
	examples, _ := comps["examples"].(m)
	if examples == nil {
		return doc
	}
	paths, err := json.Marshal(doc["paths"])
	if err != nil {
		panic("openapi: paths do not encode: " + err.Error())
	}
	used := map[string]bool{}
	for _, sub := range exampleRef.FindAllSubmatch(paths, -1) {
		used[string(sub[1])] = true
	}
	for name := range examples {
		if !used[name] {
			delete(examples, name)
		}
	}
	return doc
}
