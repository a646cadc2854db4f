package ctl

import (
	"net"
	"regexp"
	"strings"
	"testing"
)

// TestAdmitRegistrarFromNothingToProduction: an operator with registryctl
// only, against a real registryd.
func TestAdmitRegistrarFromNothingToProduction(t *testing.T) {
	s := start(t)
	env := s.operator()

	p := must(t, env, "partner", "create", "--name", "Acme Registrar", "--gems", "5000", "--json").json(t)
	partner := p["id"].(string)
	if p["gems_balance"] != float64(5000) || p["dns_module_enabled"] != false {
		t.Fatalf("partner create: %v", p)
	}
	if r := must(t, env, "partner", "set", partner, "--dns-module=true", "--gems", "4000"); !regexp.MustCompile(`(?m)^DNS MODULE\s+yes$`).MatchString(r.stdout) {
		t.Fatalf("partner set table:\n%s", r.stdout)
	}
	must(t, env, "namespace", "create", "--name", "defiwallet", "--dns-backend", "memory", "--create-price", "10",
		"--renew-price", "8", "--reserved-label", "registry", "--claim-label", "bitcoin")

	ch := must(t, env, "--json", "channel", "create", "--partner", partner, "--slug", "acme", "--rate-limit", "240").json(t)
	channel := ch["id"].(string)
	if ch["status"] != "pending" || ch["production_approved"] != false {
		t.Fatalf("channel create: %v", ch)
	}
	if got := must(t, env, "--json", "channel", "approve", channel).json(t); got["status"] != "approved" {
		t.Fatalf("channel approve: %v", got)
	}
	if got := must(t, env, "--json", "listing", "add", channel, "defiwallet").json(t); got["status"] != "pending" {
		t.Fatalf("listing add: %v", got)
	}
	if got := must(t, env, "--json", "listing", "approve", channel, "defiwallet").json(t); got["status"] != "approved" {
		t.Fatalf("listing approve: %v", got)
	}
	key := must(t, env, "--json", "key", "create", "--partner", partner, "--channel", channel, "--profile", "registrar_api").json(t)
	token, _ := key["token"].(string)
	if token == "" || key["registrar_channel_id"] != channel {
		t.Fatalf("key create: %v", key)
	}

	// Before production approval the registrar is in OT&E: sandbox works, production does not.
	before := ctl(t, []string{"REGISTRY_URL=" + s.URL}, "ote", "exercise", "--token", token)
	if before.code != 0 || !strings.Contains(before.stdout, "production approved: no") {
		t.Fatalf("OT&E before production approval: %s", before)
	}
	// Its evidence is not attached to any run yet: production approval is refused.
	if r := ctl(t, env, "channel", "production-approve", channel); r.code != 1 || !strings.Contains(r.stderr, "ote_run_not_ready") {
		t.Fatalf("production-approve without OT&E evidence: %s", r)
	}
	// The exercise attaches its own evidence to a new run, which is then ready.
	evidenced := must(t, append([]string{"REGISTRY_TOKEN=" + token}, env...), "ote", "exercise", "--run-name", "first OT&E")
	if !strings.Contains(evidenced.stdout, "8 of 8 steps passed; ready for production approval: yes") {
		t.Fatalf("ote exercise --run-name: %s", evidenced)
	}

	prod := must(t, env, "channel", "production-approve", channel)
	if !regexp.MustCompile(`(?m)^PRODUCTION APPROVED\s+yes$`).MatchString(prod.stdout) {
		t.Fatalf("production-approve table:\n%s", prod.stdout)
	}
	shown := must(t, env, "--json", "channel", "show", channel).json(t)
	if shown["production_approved"] != true || shown["production_approved_at"] == nil || shown["rate_limit_per_minute"] != float64(240) {
		t.Fatalf("channel show after production approval: %v", shown)
	}
	after := must(t, []string{"REGISTRY_URL=" + s.URL, "REGISTRY_TOKEN=" + token}, "ote", "exercise")
	if !strings.Contains(after.stdout, "production approved: yes") {
		t.Fatalf("status after production approval: %s", after)
	}

	// Legacy import and key revocation round off the operator's toolbox.
	imp := must(t, env, "--json", "domain", "import", "--domain", "legacy.defiwallet", "--channel", channel,
		"--expires-at", "2030-06-01T00:00:00Z", "--registrant-name", "Legacy Holder",
		"--registrant-email", "holder@example.com", "--protected-legacy").json(t)
	if imp["protected_legacy"] != true || imp["registrar_channel_id"] != channel {
		t.Fatalf("domain import: %v", imp)
	}
	if got := must(t, env, "--json", "key", "revoke", key["id"].(string)).json(t); got["revoked_at"] == nil {
		t.Fatalf("key revoke: %v", got)
	}
	if r := ctl(t, []string{"REGISTRY_URL=" + s.URL}, "ote", "exercise", "--token", token, "--json"); r.code != 1 || !strings.Contains(r.stdout, "invalid_api_key") {
		t.Fatalf("a revoked key still passes /status: %s", r)
	}
}

// TestExitCodesScriptsCanTrust: 1 refused (problem on stderr), 2 usage,
// 3 unreachable.
func TestExitCodesScriptsCanTrust(t *testing.T) {
	s := start(t)
	env := s.operator()

	refused := ctl(t, env, "channel", "approve", "chn_does_not_exist")
	if refused.code != 1 {
		t.Fatalf("refused call: %s", refused)
	}
	for _, want := range []string{"HTTP 404", "code:   not_found", "title:  Not found", "detail:"} {
		if !strings.Contains(refused.stderr, want) {
			t.Errorf("refusal stderr lacks %q:\n%s", want, refused.stderr)
		}
	}
	if r := ctl(t, []string{"REGISTRY_URL=" + s.URL, "REGISTRY_OPERATOR_TOKEN=not-the-token"}, "partner", "show", "ptr_x"); r.code != 1 ||
		!strings.Contains(r.stderr, "invalid_api_key") {
		t.Fatalf("wrong operator token: %s", r)
	}

	for _, args := range [][]string{
		{"partner", "create", "--name", "No Gems"},
		{"channel", "frobnicate"},
		{"listing", "add", "only-a-channel"},
		{"key", "create", "--partner", "ptr_x"},
		{"--no-such-flag", "partner", "show", "x"},
	} {
		if r := ctl(t, env, args...); r.code != 2 || !strings.Contains(r.stderr, "--help") {
			t.Errorf("usage error: %s", r)
		}
	}
	if r := ctl(t, []string{"REGISTRY_URL=" + s.URL}, "partner", "show", "ptr_x"); r.code != 2 {
		t.Errorf("no operator token: %s", r)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	_ = ln.Close()
	if r := ctl(t, []string{"REGISTRY_URL=" + dead, "REGISTRY_OPERATOR_TOKEN=" + operatorToken}, "partner", "show", "ptr_x"); r.code != 3 ||
		!strings.Contains(r.stderr, "could not reach") {
		t.Fatalf("unreachable server: %s", r)
	}
	if r := ctl(t, nil, "--url", dead, "ote", "exercise", "--token", "hd_live_x"); r.code != 3 {
		t.Fatalf("unreachable server for ote exercise: %s", r)
	}
	if r := must(t, nil, "--help"); !strings.Contains(r.stdout, "Exit codes:") {
		t.Fatalf("--help: %s", r)
	}
}
