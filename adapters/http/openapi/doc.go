// Package openapi builds the machine-readable and human-readable documents
// that the registry publishes for registrar integrators: the OpenAPI 3.0.3
// description of the registrar API (with the error catalog as
// x-registrar-error-catalog), the operator API description, the registrar
// handoff packet, the OT&E checklist and evidence template, the EPP gateway
// contract and the EPP conformance checklist.
//
// Every table that the core owns (commands and their scopes, the error
// catalog, lifecycle states and statuses, the OT&E sequence) is rendered from
// the core at build time, so the documents cannot drift from the code. Each
// document is built once and cached; the HTTP adapter serves the bytes.
package openapi
