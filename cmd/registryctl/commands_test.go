package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

// TestAdmitRegistrarToProduction walks a registrar from nothing to
// production approval with registryctl alone and checks what each step
// prints for people and for scripts.
func TestAdmitRegistrarToProduction(t *testing.T) {
	srv := newRegistry(t, nil)
	env := operatorEnv(srv)

	out := must(t, env, "partner", "create", "--name", "Acme Registrar", "--gems", "5000", "--dns-module")
	for _, want := range []string{"NAME", "Acme Registrar", "GEMS BALANCE", "5000", "DNS MODULE", "yes"} {
		if !strings.Contains(out.stdout, want) {
			t.Errorf("partner create table lacks %q:\n%s", want, out.stdout)
		}
	}
	partnerID := regexp.MustCompile(`(?m)^ID\s+(\S+)$`).FindStringSubmatch(out.stdout)
	if partnerID == nil {
		t.Fatalf("partner create table has no ID line:\n%s", out.stdout)
	}
	pid := partnerID[1]

	set := must(t, env, "--json", "partner", "set", pid, "--gems", "2500", "--dns-module=false").json(t)
	if set["gems_balance"] != float64(2500) || set["dns_module_enabled"] != false {
		t.Fatalf("partner set answered %v", set)
	}
	if got := must(t, env, "partner", "show", pid, "--json").json(t); got["gems_balance"] != float64(2500) {
		t.Fatalf("partner show after set: %v", got)
	}
	adj := must(t, env, "partner", "adjust", pid, "--delta", "-120", "--reason", "refund of a duplicate top-up")
	for _, want := range []string{"DELTA", "-120", "GEMS BALANCE", "2380", "REASON", "refund of a duplicate top-up", "ACTOR", "operator"} {
		if !strings.Contains(adj.stdout, want) {
			t.Errorf("partner adjust table lacks %q:\n%s", want, adj.stdout)
		}
	}
	if got := must(t, env, "--json", "partner", "adjust", pid, "--delta", "20", "--reason", "goodwill").json(t); got["gems_balance"] != float64(2400) ||
		got["delta"] != float64(20) || got["audit_event_id"] == "" {
		t.Fatalf("partner adjust --json answered %v", got)
	}
	if r := ctl(t, env, "partner", "adjust", pid, "--delta", "-2401", "--reason", "too much"); r.code != exitRefused ||
		!strings.Contains(r.stderr, "insufficient_gems") {
		t.Fatalf("an adjustment below 0: exit %d\n%s", r.code, r.stderr)
	}
	if got := must(t, env, "partner", "show", pid, "--json").json(t); got["gems_balance"] != float64(2400) {
		t.Fatalf("partner show after adjust: %v", got)
	}

	ns := must(t, env, "--json", "namespace", "create", "--name", "defiwallet", "--dns-backend", "none",
		"--create-price", "10", "--renew-price", "8", "--reserved-label", "registry,admin", "--claim-label", "bitcoin").json(t)
	if ns["name"] != "defiwallet" || len(ns["reserved_labels"].([]any)) != 2 {
		t.Fatalf("namespace create answered %v", ns)
	}
	if list := must(t, env, "namespace", "list"); !strings.Contains(list.stdout, "defiwallet") || !strings.Contains(list.stdout, "DNS BACKEND") {
		t.Fatalf("namespace list:\n%s", list.stdout)
	}

	ch := must(t, env, "channel", "create", "--partner", pid, "--slug", "acme", "--rate-limit", "300", "--json").json(t)
	cid := ch["id"].(string)
	if ch["status"] != "pending" || ch["rate_limit_per_minute"] != float64(300) {
		t.Fatalf("channel create answered %v", ch)
	}
	if got := must(t, env, "channel", "approve", cid, "--json").json(t); got["status"] != "approved" {
		t.Fatalf("channel approve answered %v", got)
	}
	if got := must(t, env, "channel", "set", cid, "--rate-limit", "240", "--json").json(t); got["rate_limit_per_minute"] != float64(240) {
		t.Fatalf("channel set answered %v", got)
	}
	fp := strings.TrimSuffix(strings.Repeat("0A:", 32), ":")
	if got := must(t, env, "channel", "set", cid, "--epp-client-cert-sha256", fp, "--json").json(t); got["epp_client_cert_sha256"] != strings.Repeat("0a", 32) {
		t.Fatalf("channel set --epp-client-cert-sha256 answered %v", got)
	}
	if got := must(t, env, "channel", "set", cid, "--epp-client-cert-sha256", "", "--json").json(t); got["epp_client_cert_sha256"] != "" {
		t.Fatalf("channel set --epp-client-cert-sha256 \"\" answered %v", got)
	}
	if got := must(t, env, "listing", "add", cid, "defiwallet", "--json").json(t); got["status"] != "pending" {
		t.Fatalf("listing add answered %v", got)
	}
	if got := must(t, env, "listing", "approve", cid, "defiwallet", "--json").json(t); got["status"] != "approved" {
		t.Fatalf("listing approve answered %v", got)
	}

	key := must(t, env, "key", "create", "--partner", pid, "--channel", cid, "--profile", "registrar_api")
	if !strings.Contains(key.stdout, "TOKEN") || !strings.Contains(key.stderr, "shown only this once") {
		t.Fatalf("key create table:\nstdout: %s\nstderr: %s", key.stdout, key.stderr)
	}
	k := must(t, env, "key", "create", "--partner", pid, "--channel", cid, "--scope", "domains:check", "--scope", "domains:read,audit:read", "--json").json(t)
	if len(k["scopes"].([]any)) != 3 || k["token"] == "" {
		t.Fatalf("key create with scopes answered %v", k)
	}
	if got := must(t, env, "key", "revoke", k["id"].(string), "--json").json(t); got["revoked_at"] == nil {
		t.Fatalf("key revoke answered %v", got)
	}

	imp := must(t, env, "--json", "domain", "import", "--domain", "legacy.defiwallet", "--channel", cid,
		"--expires-at", "2030-01-02T03:04:05Z", "--registrant-name", "Legacy Holder", "--registrant-email", "legacy@example.com",
		"--registrant-country", "us", "--protected-legacy").json(t)
	if imp["name"] != "legacy.defiwallet" || imp["protected_legacy"] != true || imp["state"] != "active" {
		t.Fatalf("domain import answered %v", imp)
	}

	if got := must(t, env, "pending", "list", "--json").json(t); len(got["items"].([]any)) != 0 {
		t.Fatalf("pending list on a fresh registry: %v", got)
	}

	// Without OT&E evidence production approval is refused, unless forced.
	refused := ctl(t, env, "channel", "production-approve", cid)
	if refused.code != exitRefused || !strings.Contains(refused.stderr, "code:   ote_run_not_ready") || !strings.Contains(refused.stderr, "force") {
		t.Fatalf("production-approve without an OT&E run: exit %d\n%s", refused.code, refused.stderr)
	}
	if got := must(t, env, "channel", "show", cid, "--json").json(t); got["production_approved"] != false {
		t.Fatalf("a refused production-approve approved the channel: %v", got)
	}
	prod := must(t, env, "channel", "production-approve", cid, "--force")
	if !regexp.MustCompile(`(?m)^PRODUCTION APPROVED\s+yes$`).MatchString(prod.stdout) {
		t.Fatalf("production-approve table:\n%s", prod.stdout)
	}
	if got := must(t, env, "channel", "show", cid, "--json").json(t); got["production_approved"] != true {
		t.Fatalf("channel show after production approval: %v", got)
	}
}

// TestExitCodes checks the codes scripts rely on and what goes to stderr.
func TestExitCodes(t *testing.T) {
	srv := newRegistry(t, nil)
	env := operatorEnv(srv)

	// 1: the API refused; the problem's code, title and detail on stderr.
	r := ctl(t, env, "partner", "show", "ptr_does_not_exist")
	if r.code != exitRefused {
		t.Fatalf("unknown partner: exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"HTTP 404", "code:   not_found", "title:  Not found", "detail:"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("refusal stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.stdout != "" {
		t.Errorf("a refused call printed to stdout: %q", r.stdout)
	}
	r = ctl(t, []string{envURL + "=" + srv.URL, envOperatorToken + "=wrong-token"}, "namespace", "list")
	if r.code != exitRefused || !strings.Contains(r.stderr, "invalid_api_key") {
		t.Fatalf("wrong operator token: exit %d\n%s", r.code, r.stderr)
	}
	r = ctl(t, env, "namespace", "create", "--name", "Not A Label!", "--dns-backend", "none", "--create-price", "1", "--renew-price", "1")
	if r.code != exitRefused || !strings.Contains(r.stderr, "validation_error") || !strings.Contains(r.stderr, "field:") {
		t.Fatalf("invalid namespace: exit %d\n%s", r.code, r.stderr)
	}

	// 2: usage errors, before any request.
	usage := [][]string{
		{},
		{"nonsense"},
		{"partner"},
		{"partner", "frobnicate"},
		{"partner", "create", "--name", "x"},
		{"partner", "create", "--gems", "12"},
		{"partner", "create", "--name", "x", "--gems", "many"},
		{"partner", "show"},
		{"partner", "show", "a", "b"},
		{"partner", "set", "ptr_1"},
		{"partner", "set", "ptr_1", "--dns-module=maybe"},
		{"partner", "set", "ptr_1", "--reason", "why"},
		{"partner", "adjust", "ptr_1", "--reason", "why"},
		{"partner", "adjust", "ptr_1", "--delta", "0", "--reason", "why"},
		{"partner", "adjust", "ptr_1", "--delta", "5"},
		{"partner", "adjust", "--delta", "5", "--reason", "why"},
		{"channel", "create", "--partner", "p"},
		{"channel", "set", "chn_1"},
		{"listing", "add", "chn_1"},
		{"key", "create", "--partner", "p"},
		{"key", "create", "--partner", "p", "--profile", "registrar_api", "--scope", "domains:read"},
		{"domain", "import", "--domain", "a.b", "--channel", "c", "--expires-at", "tomorrow", "--registrant-name", "n", "--registrant-email", "e@x.org"},
		{"pending", "fail", "pnd_1"},
		{"ote-run", "create", "--channel", "c"},
		{"ote-run", "attach", "run_1"},
		{"ote-run", "attach", "run_1", "--idempotency-key", "k1"},
		{"ote-run", "archive", "run_1"},
		{"ote", "exercise"},
		{"partner", "show", "p", "--no-such-flag"},
	}
	for _, args := range usage {
		r := ctl(t, env, args...)
		if r.code != exitUsage {
			t.Errorf("registryctl %q: exit %d, want 2\nstderr: %s", args, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, "registryctl") {
			t.Errorf("registryctl %q: usage error without a message: %q", args, r.stderr)
		}
	}
	if r := ctl(t, []string{envURL + "=" + srv.URL}, "partner", "show", "p"); r.code != exitUsage || !strings.Contains(r.stderr, envOperatorToken) {
		t.Errorf("no operator token: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := ctl(t, env, "--url", "ftp://example", "partner", "show", "p"); r.code != exitUsage {
		t.Errorf("bad --url: exit %d, want 2", r.code)
	}

	// 3: nothing listens there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	_ = ln.Close()
	for _, args := range [][]string{
		{"--url", dead, "partner", "show", "p"},
		{"--url", dead, "ote", "exercise", "--token", "t"},
		{"--url", dead, "ote-run", "archive", "r", "--out", filepath.Join(t.TempDir(), "a.md")},
	} {
		r := ctl(t, env, args...)
		if r.code != exitUnreachable || !strings.Contains(r.stderr, "could not reach") {
			t.Errorf("registryctl %q: exit %d, want 3\nstderr: %s", args, r.code, r.stderr)
		}
	}
}

// TestHelpEverywhere: every command and subcommand answers --help (and the
// help command) with its usage, exit 0, on stdout.
func TestHelpEverywhere(t *testing.T) {
	a := newApp(nil, nil, func(string) (string, bool) { return "", false }, nil)
	var walk func(c *command, path []string)
	checked := 0
	walk = func(c *command, path []string) {
		for _, form := range [][]string{append(append([]string{}, path...), "--help"), append([]string{"help"}, path...)} {
			r := ctl(t, nil, form...)
			if r.code != 0 {
				t.Errorf("registryctl %q: exit %d\n%s", form, r.code, r.stderr)
			}
			if !strings.Contains(r.stdout, "Usage:\n  registryctl "+strings.TrimSpace(strings.Join(path, " "))) {
				t.Errorf("registryctl %q: no usage line:\n%s", form, r.stdout)
			}
			if c.setup != nil && !strings.Contains(r.stdout, "Examples:") && len(c.examples) > 0 {
				t.Errorf("registryctl %q: examples missing", form)
			}
			checked++
		}
		for _, s := range c.subs {
			if s.setup != nil && len(s.examples) == 0 && len(s.args) > 0 {
				t.Errorf("%s %s has positional arguments but no example", strings.Join(path, " "), s.name)
			}
			walk(s, append(append([]string{}, path...), s.name))
		}
	}
	walk(a.tree(), nil)
	if checked < 60 {
		t.Fatalf("only %d help forms checked", checked)
	}
	// Every spelling of the issue is a leaf of the tree.
	for _, spelling := range []string{
		"partner create", "partner show", "partner set", "namespace create", "channel create", "channel approve",
		"channel production-approve", "channel show", "channel set", "listing add", "listing approve", "key create",
		"key revoke", "domain import", "pending list", "pending apply", "pending fail", "pending retry", "ote-run create", "ote-run attach",
		"ote-run show", "ote-run archive", "ote exercise",
	} {
		node := a.tree()
		for _, n := range strings.Fields(spelling) {
			if node = node.sub(n); node == nil {
				t.Fatalf("no command %q", spelling)
			}
		}
		if node.setup == nil {
			t.Errorf("%q is not runnable", spelling)
		}
	}
	// The operator token never shows in help, even when set.
	r := ctl(t, []string{envOperatorToken + "=super-secret-operator-token"}, "partner", "create", "--help")
	if strings.Contains(r.stdout, "super-secret") {
		t.Fatalf("help shows the operator token:\n%s", r.stdout)
	}
}

func TestArchiveWritesFileAtomically(t *testing.T) {
	srv := newRegistry(t, nil)
	env := operatorEnv(srv)
	reg := admit(t, env, "archiver", "arcns")
	run := must(t, env, "--json", "ote-run", "create", "--channel", reg.channelID, "--name", "Archive test").json(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "evidence.md")
	r := must(t, env, "ote-run", "archive", run["id"].(string), "--out", out)
	if !strings.Contains(r.stdout, out) {
		t.Errorf("archive confirmation: %q", r.stdout)
	}
	body, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(body), "# OT&E evidence archive: Archive test") {
		t.Fatalf("archive starts %q", string(body[:min(len(body), 80)]))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("archive left temporary files: %v", entries)
	}
	std := must(t, env, "ote-run", "archive", run["id"].(string), "--out", "-")
	if std.stdout != string(body) {
		t.Fatalf("--out - printed something else than the file")
	}
	// A refused export leaves no file behind.
	missing := filepath.Join(dir, "missing.md")
	if r := ctl(t, env, "ote-run", "archive", "ote_missing", "--out", missing); r.code != exitRefused {
		t.Fatalf("archive of an unknown run: exit %d", r.code)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("a refused archive wrote %s", missing)
	}
}

// TestNamespaceLifecyclePolicy sets a namespace's policy at creation and
// changes it with namespace update; every period flag is the core's.
func TestNamespaceLifecyclePolicy(t *testing.T) {
	srv := newRegistry(t, nil)
	env := operatorEnv(srv)

	ns := must(t, env, "--json", "namespace", "create", "--name", "quick", "--dns-backend", "none",
		"--create-price", "10", "--renew-price", "8", "--add-grace-period-seconds", "60",
		"--redemption-period-seconds", "120", "--auto-renew=false", "--transfer-price", "12").json(t)
	def := core.DefaultPolicy()
	for _, f := range core.PolicyPeriods() {
		want := float64(*f.Ptr(&def) / time.Second)
		switch f.Field {
		case "add_grace_period_seconds":
			want = 60
		case "redemption_period_seconds":
			want = 120
		}
		if ns[f.Field] != want {
			t.Errorf("create: %s = %v, want %v", f.Field, ns[f.Field], want)
		}
	}
	if ns["auto_renew"] != false || ns["transfer_price_gems"] != 12.0 || ns["transfer_price_follows_renew"] != false ||
		ns["restore_price_gems"] != 8.0 || ns["restore_price_follows_renew"] != true {
		t.Fatalf("create answered %v", ns)
	}

	// Every period flag reaches the API under its wire name.
	args := []string{"--json", "namespace", "update", "quick", "--restore-price", "30", "--transfer-price", "renew",
		"--renew-price", "9", "--claim-label", "bitcoin,ether"}
	for i, f := range core.PolicyPeriods() {
		args = append(args, "--"+strings.ReplaceAll(f.Field, "_", "-"), fmt.Sprint(1000+i))
	}
	up := must(t, env, args...).json(t)
	for i, f := range core.PolicyPeriods() {
		if up[f.Field] != float64(1000+i) {
			t.Errorf("update: %s = %v, want %d", f.Field, up[f.Field], 1000+i)
		}
	}
	if up["restore_price_gems"] != 30.0 || up["restore_price_follows_renew"] != false || up["transfer_price_gems"] != 9.0 ||
		up["transfer_price_follows_renew"] != true || up["renew_price_gems"] != 9.0 || len(up["claim_labels"].([]any)) != 2 ||
		up["auto_renew"] != false {
		t.Fatalf("update answered %v", up)
	}

	// The table for people shows the whole policy.
	out := must(t, env, "namespace", "update", "quick", "--auto-renew", "--clear-claim-labels")
	for _, want := range []string{"AUTO RENEW", "yes", "RESTORE PRICE", "30", "REDEMPTION PERIOD SECONDS", "1004", "CLAIM LABELS"} {
		if !strings.Contains(out.stdout, want) {
			t.Errorf("update table lacks %q:\n%s", want, out.stdout)
		}
	}
	if got := must(t, env, "--json", "namespace", "list").json(t)["items"].([]any)[0].(map[string]any); got["auto_renew"] != true ||
		len(got["claim_labels"].([]any)) != 0 || got["redemption_period_seconds"] != 1004.0 {
		t.Fatalf("namespace list after update: %v", got)
	}

	// Usage errors exit 2 before any call; the registry's refusals exit 1.
	for _, bad := range [][]string{
		{"namespace", "update", "quick"},
		{"namespace", "update", "quick", "--claim-label", "x", "--clear-claim-labels"},
		{"namespace", "update", "quick", "--restore-price", "cheap"},
		{"namespace", "update", "quick", "--redemption-period-seconds", "30d"},
		{"namespace", "update"},
	} {
		if r := ctl(t, env, bad...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d\n%s", bad, r.code, exitUsage, r.stderr)
		}
	}
	r := ctl(t, env, "namespace", "update", "quick", "--pending-delete-period-seconds", "-5")
	if r.code != exitRefused || !strings.Contains(r.stderr, "validation_error") || !strings.Contains(r.stderr, "pending_delete_period_seconds") {
		t.Fatalf("a negative period: exit %d\n%s", r.code, r.stderr)
	}
	if r := ctl(t, env, "namespace", "update", "nosuch", "--auto-renew=false"); r.code != exitRefused || !strings.Contains(r.stderr, "not_found") {
		t.Fatalf("an unknown namespace: exit %d\n%s", r.code, r.stderr)
	}

	// --help explains every policy flag.
	for _, cmd := range []string{"create", "update"} {
		help := must(t, env, "namespace", cmd, "--help").stdout
		for _, f := range core.PolicyPeriods() {
			if !strings.Contains(help, "--"+strings.ReplaceAll(f.Field, "_", "-")) || !strings.Contains(help, f.About) {
				t.Errorf("namespace %s --help does not explain %s", cmd, f.Field)
			}
		}
		for _, want := range []string{"--auto-renew", "--restore-price", "--transfer-price"} {
			if !strings.Contains(help, want) {
				t.Errorf("namespace %s --help lacks %s", cmd, want)
			}
		}
	}
}
