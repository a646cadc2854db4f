// Package e2e builds cmd/registryd once and drives the real binary over HTTP
// only, which tests the shipped wire graph, the settings and the contract's
// wire names end to end.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/test/registrydproc"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "registryd-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bins, err := registrydproc.Build(dir, "../../cmd/registryd")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	binary = bins[0]
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

const operatorToken = "e2e-operator-token-0123456789"

// server is one running registryd process with an HTTP client for it.
type server struct {
	*registrydproc.Server
	t    *testing.T
	base string
	out  *registrydproc.SyncBuffer
}

// start runs registryd with env on a free port and waits until it listens.
func start(t *testing.T, env ...string) *server {
	t.Helper()
	env = append([]string{"REGISTRY_HTTP_ADDR=127.0.0.1:0", "REGISTRY_OPERATOR_TOKEN=" + operatorToken,
		"REGISTRY_CONFIG=/dev/null", "REGISTRY_LOG_LEVEL=warn"}, env...)
	p := registrydproc.Start(t, binary, env...)
	return &server{Server: p, t: t, base: p.URL, out: p.Out}
}

// stop stops the process gracefully (SIGTERM).
func (s *server) stop() { s.Stop() }

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

func (s *server) do(method, path, token string, body any, headers ...string) response {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if strings.Contains(res.Header.Get("Content-Type"), "json") && len(raw) > 0 {
		_ = json.Unmarshal(raw, &r.Body)
	}
	return r
}

func (s *server) must(want int, r response) map[string]any {
	s.t.Helper()
	if r.Status != want {
		s.t.Fatalf("status %d, want %d: %s", r.Status, want, r.Raw)
	}
	return r.Body
}

const reg = "/api/v1/registrar/v1"
const admin = "/api/v1/admin"

// admit creates a partner, namespace, approved channel with an approved
// listing and a registrar_api key, all through the operator API.
func admit(s *server, slug, namespace string, production bool) (channelID, partnerID, token string) {
	p := s.must(201, s.do("POST", admin+"/partners", operatorToken, map[string]any{"name": slug + " Inc.", "gems_balance": 1000, "dns_module_enabled": true}))
	partnerID = p["id"].(string)
	if r := s.do("POST", admin+"/namespaces", operatorToken, map[string]any{"name": namespace, "dns_backend": "memory",
		"create_price_gems": 10, "renew_price_gems": 8, "reserved_labels": []string{"registry"}, "claim_labels": []string{"bitcoin"}}); r.Status != 201 && r.Status != 409 {
		s.t.Fatalf("namespace: %d %s", r.Status, r.Raw)
	}
	ch := s.must(201, s.do("POST", admin+"/registrar-channels", operatorToken, map[string]any{"partner_id": partnerID, "slug": slug}))
	channelID = ch["id"].(string)
	s.must(200, s.do("POST", admin+"/registrar-channels/"+channelID+"/approve", operatorToken, nil))
	s.must(201, s.do("POST", admin+"/registrar-channels/"+channelID+"/namespace-listings", operatorToken, map[string]any{"namespace": namespace}))
	s.must(200, s.do("POST", admin+"/registrar-channels/"+channelID+"/namespace-listings/"+namespace+"/approve", operatorToken, nil))
	if production {
		s.must(200, s.do("POST", admin+"/registrar-channels/"+channelID+"/production-approval", operatorToken, map[string]any{"force": true}))
	}
	k := s.must(201, s.do("POST", admin+"/api-keys", operatorToken, map[string]any{"partner_id": partnerID, "registrar_channel_id": channelID, "profile": "registrar_api"}))
	return channelID, partnerID, k["token"].(string)
}
