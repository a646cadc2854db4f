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

// admission is the registrar the benchmark drives, admitted through the
// operator API exactly as an operator would.
type admission struct {
	channelID, slug, namespace string
	eppPassword                string
	tokens                     []string // REST client i uses tokens[i % len]
}

const (
	benchNamespace = "eppbench"
	benchSlug      = "eppbench"
	// benchRateLimit is the highest limit the operator API accepts. REST
	// counts it per key and command, so every REST client has its own key;
	// EPP counts it per channel and command: up to 100,000 of one EPP
	// command a minute (1,666/s over a whole minute) stay unthrottled.
	benchRateLimit = 100_000
)

type api struct {
	base, token string
	client      *http.Client
}

func (a api) call(ctx context.Context, want int, method, path string, body, out any) error {
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

// admit creates a partner, a namespace, an approved, production-approved
// channel with an approved listing and a high rate limit, its EPP password,
// and keys registrar_api keys.
func admit(ctx context.Context, base, operatorToken string, keys int) (admission, error) {
	op := api{base: base + "/api/v1/admin", token: operatorToken, client: &http.Client{Timeout: 30 * time.Second}}
	ad := admission{slug: benchSlug, namespace: benchNamespace, eppPassword: "B" + randomHex(6)}
	var obj struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	if err := op.call(ctx, 201, "POST", "/partners", map[string]any{
		"name": "EPP Bench Registrar Inc.", "gems_balance": int64(1_000_000_000_000), "dns_module_enabled": true,
	}, &obj); err != nil {
		return ad, err
	}
	partnerID := obj.ID
	if err := op.call(ctx, 201, "POST", "/namespaces", map[string]any{
		"name": benchNamespace, "dns_backend": "none", "create_price_gems": 10, "renew_price_gems": 8,
		"reserved_labels": []string{"registry"}, "claim_labels": []string{"bitcoin"},
	}, nil); err != nil {
		return ad, err
	}
	if err := op.call(ctx, 201, "POST", "/registrar-channels", map[string]any{"partner_id": partnerID, "slug": benchSlug}, &obj); err != nil {
		return ad, err
	}
	ad.channelID = obj.ID
	ch := "/registrar-channels/" + ad.channelID
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
		{200, "PUT", ch + "/epp-password", map[string]any{"password": ad.eppPassword}},
	}
	for _, s := range steps {
		if err := op.call(ctx, s.want, s.method, s.path, s.body, nil); err != nil {
			return ad, err
		}
	}
	for i := 0; i < keys; i++ {
		if err := op.call(ctx, 201, "POST", "/api-keys", map[string]any{
			"partner_id": partnerID, "registrar_channel_id": ad.channelID, "profile": "registrar_api",
		}, &obj); err != nil {
			return ad, err
		}
		ad.tokens = append(ad.tokens, obj.Token)
	}
	return ad, nil
}
