package ctl

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/test/registrydproc"
)

// readmeOperatorBlock is the registryctl sequence of README.md: the first
// shell block under "## Operators: registryctl".
func readmeOperatorBlock(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "\n## Operators: registryctl\n")
	if i < 0 {
		t.Fatal(`README.md has no "## Operators: registryctl" section`)
	}
	doc = doc[i:]
	start := strings.Index(doc, "\n```sh\n")
	if start < 0 {
		t.Fatal("the registryctl section of README.md has no sh block")
	}
	doc = doc[start+len("\n```sh\n"):]
	end := strings.Index(doc, "\n```")
	if end < 0 {
		t.Fatal("the sh block of the registryctl section is not closed")
	}
	return doc[:end+1]
}

// The README's registryctl sequence runs as written against a demo server
// (make run's registryd: REGISTRY_DEMO=1, its generated operator token): it
// must not collide with what the demo seeded, and it must end in production
// approval with an evidence archive.
func TestReadmeRegistryctlSequenceRunsAgainstTheDemo(t *testing.T) {
	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("jq is not installed (the README's walkthrough needs it)")
	}
	block := readmeOperatorBlock(t)
	const placeholder = "op_demo_..."
	if !strings.Contains(block, placeholder) {
		t.Fatalf("the README block no longer sets the operator token from %q:\n%s", placeholder, block)
	}

	s := registrydproc.Start(t, registryd,
		"REGISTRY_HTTP_ADDR=127.0.0.1:0",
		"REGISTRY_DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "registry.db"),
		"REGISTRY_DEMO=1",
		"REGISTRY_CONFIG=/dev/null",
		"REGISTRY_LOG_LEVEL=warn")
	m := regexp.MustCompile(`Operator token +(op_demo_\S+)`).FindStringSubmatch(s.Out.String())
	if m == nil {
		t.Fatalf("the demo printed no operator token:\n%s", s.Out.String())
	}

	// The reader's working copy: bin/registryctl (make build), the README's lines.
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(registryctl, filepath.Join(dir, "bin", "registryctl")); err != nil {
		t.Fatal(err)
	}
	script := "set -euo pipefail\n" + strings.ReplaceAll(block, placeholder, m[1])
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REGISTRY_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "REGISTRY_URL="+s.URL) // make run's is the default 127.0.0.1:8080
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the README's registryctl sequence failed: %v\nscript:\n%s\nstdout:\n%s\nstderr:\n%s", err, block, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"13 of 13 steps passed", "8 of 8 steps passed; ready for production approval: yes"} {
		if !strings.Contains(out, want) {
			t.Errorf("the sequence's output lacks %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^PRODUCTION APPROVED\s+yes$`).MatchString(out) {
		t.Errorf("the sequence did not end in production approval:\n%s", out)
	}
	archive, err := os.ReadFile(filepath.Join(dir, "evidence.md"))
	if err != nil || !strings.Contains(string(archive), "Ready for production approval: yes") {
		t.Errorf("evidence.md: %v\n%s", err, archive)
	}
}
