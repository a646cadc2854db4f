// Package ctl builds cmd/registryd and cmd/registryctl once and drives the
// real server with the real command-line tool only: an operator admitting a
// registrar from nothing to production approval, the exit codes scripts rely
// on, a registrar's OT&E exercise and the evidence archive it proves, and
// the registrar developer portal rendered in headless Chromium.
package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/test/registrydproc"
)

var (
	registryd   string
	registryctl string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "registry-ctl-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bins, err := registrydproc.Build(dir, "../../cmd/registryd", "../../cmd/registryctl")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	registryd, registryctl = bins[0], bins[1]
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

const operatorToken = "ctl-operator-token-0123456789abcdef"

// server is one running registryd.
type server struct{ *registrydproc.Server }

// start runs a fresh registryd on a free port, with its own SQLite database,
// and waits until it says where it listens.
func start(t *testing.T) *server {
	t.Helper()
	return &server{registrydproc.Start(t, registryd,
		"REGISTRY_HTTP_ADDR=127.0.0.1:0",
		"REGISTRY_DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "registry.db"),
		"REGISTRY_OPERATOR_TOKEN="+operatorToken,
		"REGISTRY_REDIS_URL=",
		"REGISTRY_DEMO=0",
		"REGISTRY_CONFIG=/dev/null",
		"REGISTRY_LOG_LEVEL=warn")}
}

// run is one registryctl invocation.
type run struct {
	code           int
	stdout, stderr string
	args           []string
}

func (r run) String() string {
	return fmt.Sprintf("registryctl %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// json decodes stdout as one JSON object.
func (r run) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("stdout is not a JSON object (%v)\n%s", err, r)
	}
	return m
}

// ctl runs registryctl with env added to a clean environment (no inherited
// REGISTRY_* settings).
func ctl(t *testing.T, env []string, args ...string) run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, registryctl, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REGISTRY_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := run{stdout: stdout.String(), stderr: stderr.String(), args: args}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("registryctl %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// operator is the environment of the registry's operator.
func (s *server) operator() []string {
	return []string{"REGISTRY_URL=" + s.URL, "REGISTRY_OPERATOR_TOKEN=" + operatorToken}
}

// must runs registryctl and fails the test unless it exits 0.
func must(t *testing.T, env []string, args ...string) run {
	t.Helper()
	r := ctl(t, env, args...)
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	return r
}

// registrar is a registrar admitted with registryctl.
type registrar struct {
	partnerID, channelID, slug, namespace, token string
}

// admit admits a registrar from nothing to an approved channel with an
// approved listing and a registrar_api key, with registryctl --json only.
func admit(t *testing.T, s *server, slug, namespace string) registrar {
	t.Helper()
	env := s.operator()
	p := must(t, env, "--json", "partner", "create", "--name", slug+" Registrar", "--gems", "1000").json(t)
	must(t, env, "namespace", "create", "--name", namespace, "--dns-backend", "none", "--create-price", "10",
		"--renew-price", "8", "--claim-label", "bitcoin")
	ch := must(t, env, "--json", "channel", "create", "--partner", p["id"].(string), "--slug", slug).json(t)
	id := ch["id"].(string)
	must(t, env, "channel", "approve", id)
	must(t, env, "listing", "add", id, namespace)
	must(t, env, "listing", "approve", id, namespace)
	k := must(t, env, "--json", "key", "create", "--partner", p["id"].(string), "--channel", id, "--profile", "registrar_api").json(t)
	return registrar{partnerID: p["id"].(string), channelID: id, slug: slug, namespace: namespace, token: k["token"].(string)}
}
