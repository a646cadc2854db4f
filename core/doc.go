// Package core holds the registry's domain: names, partners, registrar channels,
// API keys, namespaces, domains and their lifecycle, the error catalog, audit
// summaries and idempotency fingerprints. It imports only the standard library,
// golang.org/x/net/idna, golang.org/x/text and the UTS #39 confusables table
// (github.com/mtibben/confusables); nothing in it knows about HTTP, EPP, SQL or
// Redis.
//
// Core types carry no JSON tags: wire representations belong to the transport
// adapters. The use cases that combine these types live in core/registry.
package core
