// Package operatorapi admits the registrar a benchmark drives through the
// registry's operator API, exactly as an operator would, and carries the
// small JSON client the benchmark commands use for their set-up calls.
package operatorapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// What every bench registrar is admitted with.
const (
	// RateLimit is the highest channel rate limit the operator API accepts.
	RateLimit        = 100_000
	CreatePriceGems  = 10
	RenewPriceGems   = 8
	GemsBalance      = int64(1_000_000_000_000)
	setupCallTimeout = 30 * time.Second
)

// Client is a small JSON client for set-up calls under Base, authorised
// with the bearer Token.
type Client struct {
	Base, Token string
	HTTP        *http.Client
}

// NewClient answers a Client with the set-up call timeout.
func NewClient(base, token string) Client {
	return Client{Base: base, Token: token, HTTP: &http.Client{Timeout: setupCallTimeout}}
}

// Call sends body (if not nil) as JSON, expects status want and decodes the
// answer into out (if not nil).
func (c Client) Call(ctx context.Context, want int, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	res, err := c.HTTP.Do(req)
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

// Spec says which registrar to admit.
type Spec struct {
	PartnerName string
	Namespace   string
	// NamespaceExists skips the namespace's creation: a further registrar
	// listed on a namespace an earlier Admit created.
	NamespaceExists bool
	Slug            string
	ReservedLabels  []string
	// CreateRateLimit is the channel's rate_limit_per_minute at creation
	// (raised to RateLimit afterwards); 0 leaves the registry's default.
	CreateRateLimit int
	// Keys is how many registrar_api keys to create.
	Keys int
	// EPPPassword, if not empty, is set as the channel's EPP password.
	EPPPassword string
}

// Admission is the registrar a benchmark drives.
type Admission struct {
	PartnerID   string
	ChannelID   string
	ChannelSlug string
	Namespace   string
	APIKeyID    string // the first key's
	Tokens      []string
	EPPPassword string
}

// Admit creates the partner, the namespace (unless the spec says it
// exists), an approved and
// production-approved channel with an approved listing, raises the
// channel's rate limit to RateLimit, sets its EPP password if the spec has
// one, and creates the spec's registrar_api keys.
func Admit(ctx context.Context, base, operatorToken string, spec Spec) (Admission, error) {
	op := NewClient(base+"/api/v1/admin", operatorToken)
	var obj struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	ad := Admission{Namespace: spec.Namespace, ChannelSlug: spec.Slug, EPPPassword: spec.EPPPassword}
	if err := op.Call(ctx, 201, "POST", "/partners", map[string]any{
		"name": spec.PartnerName, "gems_balance": GemsBalance, "dns_module_enabled": true,
	}, &obj); err != nil {
		return ad, err
	}
	ad.PartnerID = obj.ID
	if !spec.NamespaceExists {
		if err := op.Call(ctx, 201, "POST", "/namespaces", map[string]any{
			"name": spec.Namespace, "dns_backend": "none", "create_price_gems": CreatePriceGems, "renew_price_gems": RenewPriceGems,
			"reserved_labels": spec.ReservedLabels, "claim_labels": []string{"bitcoin"},
		}, nil); err != nil {
			return ad, err
		}
	}
	channel := map[string]any{"partner_id": ad.PartnerID, "slug": spec.Slug}
	if spec.CreateRateLimit != 0 {
		channel["rate_limit_per_minute"] = spec.CreateRateLimit
	}
	if err := op.Call(ctx, 201, "POST", "/registrar-channels", channel, &obj); err != nil {
		return ad, err
	}
	ad.ChannelID = obj.ID
	ch := "/registrar-channels/" + ad.ChannelID
	type step struct {
		want         int
		method, path string
		body         any
	}
	steps := []step{
		{200, "POST", ch + "/approve", nil},
		{201, "POST", ch + "/namespace-listings", map[string]any{"namespace": spec.Namespace}},
		{200, "POST", ch + "/namespace-listings/" + spec.Namespace + "/approve", nil},
		{200, "POST", ch + "/production-approval", map[string]any{"force": true}}, // the load test skips OT&E
		{200, "PATCH", ch, map[string]any{"rate_limit_per_minute": RateLimit}},
	}
	if spec.EPPPassword != "" {
		steps = append(steps, step{200, "PUT", ch + "/epp-password", map[string]any{"password": spec.EPPPassword}})
	}
	for _, s := range steps {
		if err := op.Call(ctx, s.want, s.method, s.path, s.body, nil); err != nil {
			return ad, err
		}
	}
	for i := 0; i < spec.Keys; i++ {
		if err := op.Call(ctx, 201, "POST", "/api-keys", map[string]any{
			"partner_id": ad.PartnerID, "registrar_channel_id": ad.ChannelID, "profile": "registrar_api",
		}, &obj); err != nil {
			return ad, err
		}
		if i == 0 {
			ad.APIKeyID = obj.ID
		}
		ad.Tokens = append(ad.Tokens, obj.Token)
	}
	return ad, nil
}
