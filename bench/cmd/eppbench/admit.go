package main

import (
	"context"

	"github.com/headlessdomains/registry/bench/internal/operatorapi"
)

const (
	benchNamespace = "eppbench"
	benchSlug      = "eppbench"
)

// admit creates a partner, a namespace, an approved, production-approved
// channel with an approved listing and a high rate limit, its EPP password,
// and keys registrar_api keys. The rate limit is the highest the operator
// API accepts. REST counts it per key and command, so every REST client has
// its own key (client i uses Tokens[i % len]); EPP counts it per channel and
// command: up to 100,000 of one EPP command a minute (1,666/s over a whole
// minute) stay unthrottled.
func admit(ctx context.Context, base, operatorToken string, keys int) (operatorapi.Admission, error) {
	return operatorapi.Admit(ctx, base, operatorToken, operatorapi.Spec{
		PartnerName: "EPP Bench Registrar Inc.", Namespace: benchNamespace, Slug: benchSlug,
		ReservedLabels: []string{"registry"}, Keys: keys, EPPPassword: "B" + randomHex(6),
	})
}
