package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Admission is the registrar the benchmark drives: admitted through the
// operator API exactly as an operator would.
type Admission struct {
	PartnerID   string
	ChannelID   string
	ChannelSlug string
	APIKeyID    string // the first key's
	Tokens      []string
	Namespace   string
}

// Bench namespace and prices.
const (
	benchNamespace   = "benchns"
	benchSlug        = "bench"
	createPriceGems  = 10
	renewPriceGems   = 8
	benchGemsBalance = int64(1_000_000_000_000)
	// benchRateLimit is the highest limit the operator API accepts. It
	// counts per channel, key, command and minute; with benchKeys keys
	// shared round-robin by the clients, 429s stay out of the measurements
	// up to benchKeys*benchRateLimit/60 requests per second of one command.
	benchRateLimit = 100_000
	benchKeys      = 16
)

// api is a small JSON client for set-up calls.
type api struct {
	base, token string
	client      *http.Client
}

func (a api) call(ctx context.Context, want int, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	res, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

// admit creates the partner, namespace, approved and production-approved
// channel with an approved listing, and a registrar_api key, then raises
// the channel's rate limit out of the way.
func admit(ctx context.Context, base, operatorToken string) (Admission, error) {
	op := api{base: base + "/api/v1/admin", token: operatorToken, client: &http.Client{Timeout: 30 * time.Second}}
	var obj struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	ad := Admission{Namespace: benchNamespace, ChannelSlug: benchSlug}
	if err := op.call(ctx, 201, "POST", "/partners", map[string]any{
		"name": "Bench Registrar Inc.", "gems_balance": benchGemsBalance, "dns_module_enabled": true,
	}, &obj); err != nil {
		return ad, err
	}
	ad.PartnerID = obj.ID
	if err := op.call(ctx, 201, "POST", "/namespaces", map[string]any{
		"name": benchNamespace, "dns_backend": "none", "create_price_gems": createPriceGems, "renew_price_gems": renewPriceGems,
		"reserved_labels": []string{"registry", "nic"}, "claim_labels": []string{"bitcoin"},
	}, nil); err != nil {
		return ad, err
	}
	if err := op.call(ctx, 201, "POST", "/registrar-channels", map[string]any{
		"partner_id": ad.PartnerID, "slug": benchSlug, "rate_limit_per_minute": 120,
	}, &obj); err != nil {
		return ad, err
	}
	ad.ChannelID = obj.ID
	ch := "/registrar-channels/" + ad.ChannelID
	steps := []struct {
		want         int
		method, path string
		body         any
	}{
		{200, "POST", ch + "/approve", nil},
		{201, "POST", ch + "/namespace-listings", map[string]any{"namespace": benchNamespace}},
		{200, "POST", ch + "/namespace-listings/" + benchNamespace + "/approve", nil},
		{200, "POST", ch + "/production-approval", map[string]any{"force": true}}, // the load test skips OT&E
		{200, "PATCH", ch, map[string]any{"rate_limit_per_minute": benchRateLimit}},
	}
	for _, s := range steps {
		if err := op.call(ctx, s.want, s.method, s.path, s.body, nil); err != nil {
			return ad, err
		}
	}
	for i := 0; i < benchKeys; i++ {
		if err := op.call(ctx, 201, "POST", "/api-keys", map[string]any{
			"partner_id": ad.PartnerID, "registrar_channel_id": ad.ChannelID, "profile": "registrar_api",
		}, &obj); err != nil {
			return ad, err
		}
		if i == 0 {
			ad.APIKeyID = obj.ID
		}
		ad.Tokens = append(ad.Tokens, obj.Token)
	}
	// The keys work and the limit took: /status reports it.
	reg := api{base: base + "/api/v1/registrar/v1", token: ad.Tokens[0], client: op.client}
	var st struct {
		RateLimit struct {
			Limit int64 `json:"limit"`
		} `json:"rate_limit"`
	}
	if err := reg.call(ctx, 200, "GET", "/status", nil, &st); err != nil {
		return ad, err
	}
	if st.RateLimit.Limit != benchRateLimit {
		return ad, fmt.Errorf("GET /status reports rate_limit.limit %d after PATCH to %d", st.RateLimit.Limit, benchRateLimit)
	}
	return ad, nil
}
