package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	httpadapter "github.com/headlessdomains/registry/adapters/http"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/adapters/password"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// cheapHasher hashes auth codes (the transfer fixture's) fast: tests only.
var cheapHasher = password.NewWithParams(password.Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 16})

const testOperatorToken = "ctl-test-operator-token-0123456789"

// newRegistry serves the real HTTP adapter over the real registry service
// and the memory store, in process; wrap (optional) sits in front of it.
func newRegistry(t *testing.T, wrap func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	svc := registry.NewService(memory.NewStore(), memory.NewRateCounter(), noDNS{}, ports.ClockFunc(time.Now),
		core.NewIDs(), registry.Options{Passwords: cheapHasher})
	var h http.Handler = httpadapter.NewServer(svc, svc, zerolog.Nop(), httpadapter.Options{OperatorToken: testOperatorToken}).Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// noDNS has no DNS backend for any namespace (dns_backend none).
type noDNS struct{}

func (noDNS) Backend(ns core.Namespace) (ports.DNSBackend, error) {
	return nil, core.Errorf(core.CodeBackendDNSNotSupported, "namespace %s has no DNS backend", ns.Name)
}

// result is one registryctl run.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%s", err, r.stdout)
	}
	return m
}

// ctl runs registryctl in process with env (KEY=VALUE) and args.
func ctl(t *testing.T, env []string, args ...string) result {
	t.Helper()
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	lookup := func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
	var out, errOut bytes.Buffer
	a := newApp(&out, &errOut, lookup, &http.Client{Timeout: 30 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := a.run(ctx, args)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// operatorEnv is the environment of an operator of srv.
func operatorEnv(srv *httptest.Server) []string {
	return []string{envURL + "=" + srv.URL, envOperatorToken + "=" + testOperatorToken}
}

// must runs registryctl and fails the test unless it exits 0.
func must(t *testing.T, env []string, args ...string) result {
	t.Helper()
	r := ctl(t, env, args...)
	if r.code != 0 {
		t.Fatalf("registryctl %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// admitted is a registrar admitted through registryctl.
type admitted struct {
	partnerID, channelID, slug, namespace, token string
}

// admit admits a registrar from nothing with registryctl --json: partner,
// namespace, channel, approval, listing, key. Production approval is left
// to the caller.
func admit(t *testing.T, env []string, slug, namespace string) admitted {
	t.Helper()
	p := must(t, env, "--json", "partner", "create", "--name", slug+" Registrar", "--gems", "1000").json(t)
	must(t, env, "namespace", "create", "--name", namespace, "--dns-backend", "none", "--create-price", "10",
		"--renew-price", "8", "--reserved-label", "registry", "--claim-label", "bitcoin")
	ch := must(t, env, "channel", "create", "--partner", p["id"].(string), "--slug", slug, "--json").json(t)
	id := ch["id"].(string)
	must(t, env, "channel", "approve", id)
	must(t, env, "listing", "add", id, namespace)
	must(t, env, "listing", "approve", id, namespace)
	k := must(t, env, "key", "create", "--partner", p["id"].(string), "--channel", id, "--profile", "registrar_api", "--json").json(t)
	return admitted{partnerID: p["id"].(string), channelID: id, slug: slug, namespace: namespace, token: k["token"].(string)}
}
