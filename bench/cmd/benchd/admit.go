package main

import (
	"context"
	"fmt"

	"github.com/headlessdomains/registry/bench/internal/operatorapi"
)

// Bench namespace and keys.
const (
	benchNamespace = "benchns"
	benchSlug      = "bench"
	renewPriceGems = operatorapi.RenewPriceGems
	// benchRateLimit is the highest limit the operator API accepts. It
	// counts per channel, key, command and minute; with benchKeys keys
	// shared round-robin by the clients, 429s stay out of the measurements
	// up to benchKeys*benchRateLimit/60 requests per second of one command.
	benchRateLimit = operatorapi.RateLimit
	benchKeys      = 16
)

// admit creates the partner, namespace, approved and production-approved
// channel with an approved listing, and a registrar_api key, then raises
// the channel's rate limit out of the way.
func admit(ctx context.Context, base, operatorToken string) (operatorapi.Admission, error) {
	ad, err := operatorapi.Admit(ctx, base, operatorToken, operatorapi.Spec{
		PartnerName: "Bench Registrar Inc.", Namespace: benchNamespace, Slug: benchSlug,
		ReservedLabels: []string{"registry", "nic"}, CreateRateLimit: 120, Keys: benchKeys,
	})
	if err != nil {
		return ad, err
	}
	// The keys work and the limit took: /status reports it.
	reg := operatorapi.NewClient(base+"/api/v1/registrar/v1", ad.Tokens[0])
	var st struct {
		RateLimit struct {
			Limit int64 `json:"limit"`
		} `json:"rate_limit"`
	}
	if err := reg.Call(ctx, 200, "GET", "/status", nil, &st); err != nil {
		return ad, err
	}
	if st.RateLimit.Limit != benchRateLimit {
		return ad, fmt.Errorf("GET /status reports rate_limit.limit %d after PATCH to %d", st.RateLimit.Limit, benchRateLimit)
	}
	return ad, nil
}

// admitCeiling admits the registrar the ceilings act as: a partner of its
// own on the bench namespace. The write ceiling debits its balance row
// thousands of times a point; sharing the bench registrar's row, it left
// that row's dead versions to the registry scenario measured next (status,
// whose one query reads the balance), and the registry's renewals left
// theirs to the ceiling. Apart, each pays for its own writes only.
func admitCeiling(ctx context.Context, base, operatorToken string) (operatorapi.Admission, error) {
	return operatorapi.Admit(ctx, base, operatorToken, operatorapi.Spec{
		PartnerName: "Bench Ceiling Inc.", Namespace: benchNamespace, NamespaceExists: true,
		Slug: benchSlug + "-ceiling", CreateRateLimit: 120, Keys: 1,
	})
}
