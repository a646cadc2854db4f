package main

import (
	"strings"
	"testing"
)

// TestTransferCommands: list prints the table of the operator's transfer
// list; approve and reject reach the operator routes and report the API's
// refusal of a name without a pending transfer (exit 1, code on stderr);
// a missing DOMAIN is a usage error.
func TestTransferCommands(t *testing.T) {
	srv := newRegistry(t, nil)
	env := operatorEnv(srv)
	a := admit(t, env, "xfer", "defiwallet")

	out := must(t, env, "transfer", "list", "--status", "pending")
	for _, want := range []string{"DOMAIN", "STATUS", "GAINING", "LOSING", "ACTION AT"} {
		if !strings.Contains(out.stdout, want) {
			t.Errorf("transfer list table lacks %q:\n%s", want, out.stdout)
		}
	}
	if got := must(t, env, "--json", "transfer", "list", "--channel", a.channelID, "--role", "losing").json(t); len(got["transfers"].([]any)) != 0 {
		t.Fatalf("transfer list --json: %v", got)
	}
	for _, op := range []string{"approve", "reject"} {
		r := ctl(t, env, "transfer", op, "nobody.defiwallet")
		if r.code != 1 || !strings.Contains(r.stderr, "domain_not_found") {
			t.Fatalf("transfer %s of an unregistered name: exit %d\n%s", op, r.code, r.stderr)
		}
	}
	if r := ctl(t, env, "transfer", "approve"); r.code != 2 {
		t.Fatalf("transfer approve without DOMAIN: exit %d\n%s", r.code, r.stderr)
	}
	if r := ctl(t, env, "transfer", "list", "--role", "gaining"); r.code != 1 || !strings.Contains(r.stderr, "validation_error") {
		t.Fatalf("transfer list --role without --channel: exit %d\n%s", r.code, r.stderr)
	}
}
