package httpadapter

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/headlessdomains/registry/adapters/http/openapi"
	"github.com/headlessdomains/registry/adapters/http/portal"
	"github.com/headlessdomains/registry/core"
)

// Unauthenticated document paths this adapter guarantees.
const (
	OpenAPIPath = RegistrarBase + "/openapi.json"
	// ErrorsDocPath is where ProblemTypeBase points: the catalog, one
	// section per code.
	ErrorsDocPath = "/docs/registrar/errors"
)

// registerDocRoutes serves every published document at its path, without
// authentication, plus the OpenAPI document at OpenAPIPath and the error
// catalog at ErrorsDocPath when the document set does not already hold them.
func (s *Server) registerDocRoutes(r *mux.Router, t *routeTable) {
	handleRead(r, t, portal.Path, portal.Handler().ServeHTTP)
	served := map[string]bool{portal.Path: true}
	for _, d := range openapi.Documents() {
		if served[d.Path] {
			continue
		}
		served[d.Path] = true
		handleRead(r, t, d.Path, serveBytes(d.ContentType, d.Body))
	}
	if !served[OpenAPIPath] {
		handleRead(r, t, OpenAPIPath, serveBytes("application/json", openapi.Document()))
	}
	if !served[ErrorsDocPath] {
		handleRead(r, t, ErrorsDocPath, serveBytes("text/markdown; charset=utf-8", errorCatalogMarkdown()))
	}
}

func serveBytes(contentType string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body) // the client went away; nothing left to tell it
	}
}

// docLinks are the /status "docs" links: slug to an absolute path on this
// server, for every registrar-facing document (the operator API description
// is served too, but is not the registrar's business).
func docLinks() map[string]string {
	links := map[string]string{"openapi": OpenAPIPath, "errors": ErrorsDocPath, "portal": portal.Path}
	for slug, path := range openapi.Links() {
		links[slug] = path
	}
	return links
}

// errorCatalogMarkdown renders the core's catalog, one heading per code so
// that a problem's type URI fragment lands on its row.
func errorCatalogMarkdown() []byte {
	var b strings.Builder
	b.WriteString("# Registrar error catalog\n\n")
	b.WriteString("Every error is an RFC 9457 problem document (`application/problem+json`) whose `type` is `" +
		ProblemTypeBase + "<code>`. Branch on `code`.\n\n")
	b.WriteString("| code | HTTP | EPP | retryable |\n| --- | --- | --- | --- |\n")
	for _, s := range core.Catalog() {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %d | %d | %t |\n", s.Code, s.Code, s.HTTPStatus, s.EPPCode, s.Retryable)
	}
	for _, s := range core.Catalog() {
		fmt.Fprintf(&b, "\n<a id=\"%s\"></a>\n## %s\n\n%s: %s\n\nHTTP %d; EPP %d (%s); retryable: %t.\n",
			s.Code, s.Code, s.Title, s.Description, s.HTTPStatus, s.EPPCode, s.EPPMessage, s.Retryable)
	}
	return []byte(b.String())
}
