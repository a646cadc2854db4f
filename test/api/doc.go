// Package api is the in-process integration suite of the registrar and
// operator HTTP APIs: the real router (adapters/http) over the real core
// (core/registry) on the memory store, the in-process rate counter and the
// default DNS backends, with a clock the tests set. Every request and every
// answer, success or error, is validated against the OpenAPI documents the
// server itself serves. The suite lives in _test.go files; this file only
// names the package.
package api
