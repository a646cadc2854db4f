// Package portal renders the registrar developer portal: the HTML page
// served at /docs/registrar with the content of the registrar docs (endpoint
// base, authentication, sandbox, production approval, idempotency, rate
// limits, error catalog, audit polling, commands) and links to the
// machine-readable documents of package openapi.
//
// Every table the core owns (error catalog, commands and scopes, OT&E
// sequence) is generated from the core, so the page cannot drift from the
// code. The page is self-contained: inline CSS, no scripts, no external
// assets, everything escaped by html/template.
package portal

import (
	"fmt"
	"time"

	"bytes"
	_ "embed"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"github.com/headlessdomains/registry/adapters/http/openapi"
	"github.com/headlessdomains/registry/core"
)

// Path is where the portal is served.
const Path = openapi.DocsBasePath

// ContentType is the portal's media type.
const ContentType = "text/html; charset=utf-8"

// ContentSecurityPolicy allows the inline stylesheet and nothing else: the
// page runs no script and loads nothing.
const ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; " +
	"form-action 'none'; frame-ancestors 'none'"

// Registrar API details the page states (as the OpenAPI document does).
const (
	sandboxHeader        = "X-Registrar-Sandbox"
	evidenceArchivePath  = "/admin/registrar-ote-runs/<run_id>/evidence-archive.md"
	idempotencyRetention = "24 hours"
)

//go:embed portal.html.tmpl
var pageTemplate string

// Link is one document the page links to.
type Link struct {
	Slug, Title, Path, Kind string
}

// ErrorRow is one row of the error table.
type ErrorRow struct {
	Code        string
	HTTPStatus  int
	EPPCode     int
	EPPResult   string
	Retryable   bool
	Title       string
	Description string
}

// CommandRow is one registrar command.
type CommandRow struct {
	Command  string
	Method   string
	Path     string // full path under the API base
	Scopes   []string
	Mutating bool
	Summary  string
}

// StepRow is one step of the OT&E sequence.
type StepRow struct {
	Number      int
	Name        string
	Command     string
	Fixture     string
	Sandbox     bool
	Audited     bool
	Description string
}

// data is everything the template renders.
type data struct {
	Base                 string
	OpenAPI              Link
	Documents            []Link
	Errors               []ErrorRow
	Commands             []CommandRow
	Mutating             []string
	Steps                []StepRow
	Profile              string
	Scopes               []string
	DefaultRateLimit     int
	SandboxHeader        string
	EvidenceArchivePath  string
	IdempotencyRetention string
	FixturePurposes      []string
	Policy               []PolicyRow
	Changes              []string
}

// PolicyRow is one lifecycle period of a namespace's policy.
type PolicyRow struct {
	Field   string
	Default string
	About   string
}

// Links returns the documents the page links to, in page order: the
// registrar OpenAPI JSON first, then the handoff packet, the OT&E checklist
// and evidence template, the EPP gateway contract and conformance checklist.
func Links() []Link {
	registrar := openapi.Links()
	var out []Link
	for _, d := range openapi.Documents() {
		if _, ok := registrar[d.Slug]; !ok {
			continue // the operator API description is not the registrar's business
		}
		kind := "Markdown"
		if strings.HasPrefix(d.ContentType, "application/json") {
			kind = "JSON"
		}
		out = append(out, Link{Slug: d.Slug, Title: d.Title, Path: d.Path, Kind: kind})
	}
	return out
}

func build() data {
	d := data{
		Base:                 openapi.RegistrarBasePath,
		Profile:              core.ProfileRegistrarAPI,
		Scopes:               core.AllScopes(),
		DefaultRateLimit:     core.DefaultRateLimitPerMinute,
		SandboxHeader:        sandboxHeader,
		EvidenceArchivePath:  evidenceArchivePath,
		IdempotencyRetention: idempotencyRetention,
		FixturePurposes:      core.SandboxFixturePurposes,
	}
	for _, l := range Links() {
		if l.Path == openapi.RegistrarDocPath {
			d.OpenAPI = l
			continue
		}
		d.Documents = append(d.Documents, l)
	}
	if d.OpenAPI.Path == "" {
		d.OpenAPI = Link{Slug: "openapi", Title: "OpenAPI JSON", Path: openapi.RegistrarDocPath, Kind: "JSON"}
	}
	for _, s := range core.Catalog() {
		d.Errors = append(d.Errors, ErrorRow{Code: string(s.Code), HTTPStatus: s.HTTPStatus, EPPCode: s.EPPCode,
			EPPResult: s.EPPMessage, Retryable: s.Retryable, Title: s.Title, Description: s.Description})
	}
	for _, c := range core.Commands() {
		d.Commands = append(d.Commands, CommandRow{Command: string(c.Command), Method: c.Method, Path: d.Base + c.Path,
			Scopes: c.Scopes, Mutating: c.Mutating, Summary: c.Summary})
		if c.Mutating {
			d.Mutating = append(d.Mutating, string(c.Command))
		}
	}
	def := core.DefaultPolicy()
	for _, f := range core.PolicyPeriods() {
		d.Policy = append(d.Policy, PolicyRow{Field: f.Field, Default: humanSeconds(*f.Ptr(&def)), About: f.About})
	}
	for _, c := range core.LifecycleChanges() {
		d.Changes = append(d.Changes, string(c))
	}
	for i, st := range core.OTESequence() {
		d.Steps = append(d.Steps, StepRow{Number: i + 1, Name: st.Name, Command: string(st.Command), Fixture: st.Fixture,
			Sandbox: st.Sandbox, Audited: st.Audited, Description: st.Description})
	}
	return d
}

var funcs = template.FuncMap{
	"yesno": func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	},
	"lower": strings.ToLower,
}

// render builds the page. The template and its data are fixed at build
// time, so an error is a programming mistake that the package tests catch.
func render() []byte {
	t := template.Must(template.New("portal").Funcs(funcs).Parse(pageTemplate))
	var buf bytes.Buffer
	if err := t.Execute(&buf, build()); err != nil {
		panic("portal: the page template does not render: " + err.Error())
	}
	return buf.Bytes()
}

var page = sync.OnceValue(render)

// Page returns the portal's HTML. Built once; do not modify the bytes.
func Page() []byte { return page() }

// Handler serves the page on GET and HEAD with its content type, a strict
// content security policy and a short public cache lifetime.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ContentType)
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "public, max-age=300")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(Page()) // the client went away; nothing left to tell it
		}
	})
}

// humanSeconds renders a default period as seconds and, when whole, days.
func humanSeconds(d time.Duration) string {
	secs := int64(d / time.Second)
	if day := int64(24 * time.Hour / time.Second); secs%day == 0 && secs > 0 {
		return fmt.Sprintf("%d (%d days)", secs, secs/day)
	}
	return fmt.Sprintf("%d", secs)
}
