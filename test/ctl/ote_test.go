package ctl

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// step is one element of `ote exercise --json`.
type step struct {
	Name           string  `json:"name"`
	Passed         bool    `json:"passed"`
	AuditID        *string `json:"audit_id"`
	IdempotencyKey *string `json:"idempotency_key"`
	Detail         string  `json:"detail"`
}

// checklistSteps are the audited steps of the OT&E sequence, the rows of the
// archive's checklist.
var checklistSteps = []string{"sandbox_reset", "create_domain", "create_claim_domain", "renew_domain", "update_domain",
	"update_nameservers", "delete_domain", "request_transfer"}

func exercise(t *testing.T, s *server, token string) []step {
	t.Helper()
	r := must(t, []string{"REGISTRY_URL=" + s.URL}, "ote", "exercise", "--token", token, "--json")
	var out struct {
		Steps []step `json:"steps"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("ote exercise --json: %v\n%s", err, r)
	}
	return out.Steps
}

func archive(t *testing.T, s *server, run string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), run+".md")
	must(t, s.operator(), "ote-run", "archive", run, "--out", path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func checklistRow(md, stepName string) string {
	return regexp.MustCompile(`(?m)^\| \d+ \| ` + regexp.QuoteMeta(stepName) + ` \|.*$`).FindString(md)
}

// TestOTEExerciseProvesTheChecklist: the registrar's runner passes against
// a fresh server; its audit ids attached to a run mark every checklist step
// passed in the archive; a run missing one step shows that step missing.
func TestOTEExerciseProvesTheChecklist(t *testing.T) {
	s := start(t)
	reg := admit(t, s, "acme", "defiwallet")
	env := s.operator()

	steps := exercise(t, s, reg.token)
	want := []string{"status", "sandbox_reset", "check_domain", "create_domain", "create_claim_domain", "info_domain",
		"renew_domain", "update_domain", "update_nameservers", "delete_domain", "request_transfer", "idempotent_replay", "poll"}
	if len(steps) != len(want) {
		t.Fatalf("%d steps, want %d: %+v", len(steps), len(want), steps)
	}
	ids := map[string]string{}
	for i, st := range steps {
		if st.Name != want[i] || !st.Passed {
			t.Errorf("step %d: %+v, want %s passed", i, st, want[i])
		}
		if st.AuditID != nil {
			ids[st.Name] = *st.AuditID
		}
	}
	for _, name := range checklistSteps {
		if ids[name] == "" {
			t.Fatalf("step %s has no audit id", name)
		}
	}

	// Every audit id: every checklist step passed, ready for production approval.
	full := must(t, env, "--json", "ote-run", "create", "--channel", reg.channelID, "--name", "Acme OT&E complete").json(t)
	args := []string{"ote-run", "attach", full["id"].(string)}
	for _, name := range checklistSteps {
		args = append(args, "--audit-id", ids[name])
	}
	must(t, env, args...)
	md := archive(t, s, full["id"].(string))
	for _, want := range []string{"# OT&E evidence archive: Acme OT&E complete", "`acme`", reg.channelID,
		"Ready for production approval: yes — 8 of 8 steps passed"} {
		if !strings.Contains(md, want) {
			t.Errorf("complete archive lacks %q", want)
		}
	}
	for _, name := range checklistSteps {
		row := checklistRow(md, name)
		if !strings.Contains(row, "✅ passed") || !strings.Contains(row, ids[name]) {
			t.Errorf("complete archive row of %s: %q", name, row)
		}
		if !strings.Contains(md, "### ") || !strings.Contains(md, ids[name]) {
			t.Errorf("complete archive does not list event %s", ids[name])
		}
	}
	if strings.Contains(md, "❌ missing") || strings.Contains(md, "ote-registrant@example.com") {
		t.Errorf("complete archive shows a missing step or an e-mail address:\n%s", md)
	}

	// All but the nameserver update: that step is missing, the others passed.
	partial := must(t, env, "--json", "ote-run", "create", "--channel", reg.channelID, "--name", "Acme OT&E partial").json(t)
	var some []string
	for _, name := range checklistSteps {
		if name != "update_nameservers" {
			some = append(some, ids[name])
		}
	}
	must(t, env, "ote-run", "attach", partial["id"].(string), "--audit-id", strings.Join(some, ","))
	md = archive(t, s, partial["id"].(string))
	for _, name := range checklistSteps {
		row := checklistRow(md, name)
		wantMark := "✅ passed"
		if name == "update_nameservers" {
			wantMark = "❌ missing"
		}
		if !strings.Contains(row, wantMark) {
			t.Errorf("partial archive row of %s: %q, want %s", name, row, wantMark)
		}
	}
	if !strings.Contains(md, "Ready for production approval: no — 7 of 8 steps passed") {
		t.Errorf("partial archive verdict:\n%s", md)
	}
	show := must(t, env, "ote-run", "show", partial["id"].(string))
	if !regexp.MustCompile(`(?m)^update_nameservers\s+update_nameservers\s+MISSING`).MatchString(show.stdout) ||
		!strings.Contains(show.stdout, "7 of 8 steps passed; ready for production approval: no") {
		t.Errorf("ote-run show of the partial run:\n%s", show.stdout)
	}

	// The missing evidence, attached by idempotency key through the registrar's poll, completes the run.
	var nsKey string
	for _, st := range steps {
		if st.Name == "update_nameservers" {
			nsKey = *st.IdempotencyKey
		}
	}
	done := must(t, env, "--json", "ote-run", "attach", partial["id"].(string), "--idempotency-key", nsKey, "--token", reg.token).json(t)
	for _, it := range done["checklist"].([]any) {
		if item := it.(map[string]any); item["passed"] != true {
			t.Errorf("after attaching by idempotency key, %v is not passed", item["step"])
		}
	}
}
