package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// makeRunEnv runs `make run` with GO replaced by a command that prints the
// REGISTRY_* environment registryd would start with, and returns it.
func makeRunEnv(t *testing.T, env ...string) map[string]string {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "-s", "-C", root, "run", `GO=sh -c 'env' --`)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make run: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && strings.HasPrefix(k, "REGISTRY_") {
			got[k] = v
		}
	}
	return got
}

// Every setting make run defaults yields to the environment, an empty value
// included (it turns a listener off).
func TestMakeRunDefaultsYieldToTheEnvironment(t *testing.T) {
	defaults := map[string]string{"REGISTRY_DEMO": "1", "REGISTRY_EPP_ADDR": "127.0.0.1:7700", "REGISTRY_EPP_OTE_ADDR": "127.0.0.1:7701"}
	got := makeRunEnv(t)
	for k, want := range defaults {
		if got[k] != want {
			t.Errorf("make run without settings: %s=%q, want %q", k, got[k], want)
		}
	}
	mine := map[string]string{"REGISTRY_DEMO": "0", "REGISTRY_EPP_ADDR": "127.0.0.1:7800", "REGISTRY_EPP_OTE_ADDR": ""}
	var env []string
	for k, v := range mine {
		env = append(env, k+"="+v)
	}
	got = makeRunEnv(t, env...)
	for k, want := range mine {
		if v, ok := got[k]; !ok || v != want {
			t.Errorf("make run with %s=%q set: registryd gets %q (set: %t)", k, want, v, ok)
		}
	}
}
