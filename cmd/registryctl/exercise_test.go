package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

// exerciseSteps decodes `ote exercise --json`.
func exerciseSteps(t *testing.T, r result) []stepResult {
	t.Helper()
	var rep exerciseReport
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("ote exercise --json output: %v\n%s", err, r.stdout)
	}
	return rep.Steps
}

func auditIDs(steps []stepResult, skip string) []string {
	var ids []string
	for _, s := range steps {
		if s.AuditID != nil && s.Name != skip {
			ids = append(ids, *s.AuditID)
		}
	}
	return ids
}

func TestOTEExercisePassesAndEvidencesEveryStep(t *testing.T) {
	srv := newRegistry(t, nil)
	env := operatorEnv(srv)
	reg := admit(t, env, "acme", "defiwallet")

	r := ctl(t, []string{envURL + "=" + srv.URL}, "ote", "exercise", "--token", reg.token, "--json")
	if r.code != 0 {
		t.Fatalf("ote exercise: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	steps := exerciseSteps(t, r)
	seq := core.OTESequence()
	if len(steps) != len(seq) {
		t.Fatalf("%d steps, want the %d of the sequence: %+v", len(steps), len(seq), steps)
	}
	keys := map[string]bool{}
	for i, s := range steps {
		if s.Name != seq[i].Name {
			t.Errorf("step %d is %q, want %q", i, s.Name, seq[i].Name)
		}
		if !s.Passed {
			t.Errorf("step %s failed: %s", s.Name, s.Detail)
		}
		if seq[i].Audited && s.AuditID == nil {
			t.Errorf("audited step %s has no audit_id", s.Name)
		}
		if seq[i].Sandbox && s.Name != "idempotent_replay" {
			if s.IdempotencyKey == nil || keys[*s.IdempotencyKey] {
				t.Errorf("step %s: idempotency key %v missing or reused", s.Name, s.IdempotencyKey)
			} else {
				keys[*s.IdempotencyKey] = true
			}
		}
	}
	byName := map[string]stepResult{}
	for _, s := range steps {
		byName[s.Name] = s
	}
	if *byName["idempotent_replay"].AuditID != *byName["create_domain"].AuditID ||
		*byName["idempotent_replay"].IdempotencyKey != *byName["create_domain"].IdempotencyKey {
		t.Errorf("replay %+v does not match create %+v", byName["idempotent_replay"], byName["create_domain"])
	}

	// A second run in people's format: fresh keys (no conflict with the first), one line per step.
	human := ctl(t, []string{envURL + "=" + srv.URL, envToken + "=" + reg.token}, "ote", "exercise")
	if human.code != 0 {
		t.Fatalf("second ote exercise: exit %d\n%s\n%s", human.code, human.stdout, human.stderr)
	}
	lines := strings.Split(strings.TrimSpace(human.stdout), "\n")
	if len(lines) != len(seq)+2 {
		t.Fatalf("%d lines, want a header, one per step and a summary:\n%s", len(lines), human.stdout)
	}
	if !regexp.MustCompile(`^\s*STEP\s+AUDIT ID\s+IDEMPOTENCY KEY\s+DETAIL$`).MatchString(lines[0]) {
		t.Errorf("header %q", lines[0])
	}
	lines = lines[1:]
	for i, st := range seq {
		// ✓ step, its audit id (or -), its idempotency key (or -), the detail.
		want := `^✓ ` + st.Name + ` +(aud_\S+|-) +(ote-\S+|-) +\S`
		if !regexp.MustCompile(want).MatchString(lines[i]) {
			t.Errorf("line %d %q is not a passed %s step", i, lines[i], st.Name)
		}
		if st.Sandbox && !regexp.MustCompile(`^✓ `+st.Name+` +aud_\S+ +ote-\S+-`).MatchString(lines[i]) {
			t.Errorf("sandbox step line %q lacks its audit id or idempotency key", lines[i])
		}
	}
	if want := "13 of 13 steps passed"; lines[len(lines)-1] != want {
		t.Errorf("summary %q, want %q", lines[len(lines)-1], want)
	}
	// The transfer step requested the counterparty's fixture; the reset's
	// auth code is never printed.
	if d := byName["request_transfer"].Detail; !strings.Contains(d, "ote-transfer-acme.defiwallet pending from "+core.OTECounterpartySlug) {
		t.Errorf("request_transfer detail %q", d)
	}
	if code := regexp.MustCompile(`OTE-[0-9a-f]{32}`); code.MatchString(r.stdout+r.stderr) || code.MatchString(human.stdout+human.stderr) {
		t.Error("ote exercise printed the transfer fixture's auth code")
	}

	// Every audit id attached: every checklist step passes, in show and in the archive.
	run := must(t, env, "--json", "ote-run", "create", "--channel", reg.channelID, "--name", "Acme full run").json(t)
	runID := run["id"].(string)
	args := append([]string{"ote-run", "attach", runID, "--json", "--audit-id"}, auditIDs(steps, "")...)
	attached := must(t, env, args...).json(t)
	for _, it := range attached["checklist"].([]any) {
		item := it.(map[string]any)
		if item["passed"] != true {
			t.Errorf("checklist step %v not passed after attaching every audit id", item["step"])
		}
	}
	show := must(t, env, "ote-run", "show", runID)
	if !strings.Contains(show.stdout, "ready for production approval: yes") || strings.Contains(show.stdout, "MISSING") {
		t.Errorf("ote-run show of a complete run:\n%s", show.stdout)
	}
	archive := filepath.Join(t.TempDir(), "full.md")
	must(t, env, "ote-run", "archive", runID, "--out", archive)
	md := readFile(t, archive)
	if !strings.Contains(md, "Ready for production approval: yes") || strings.Contains(md, "❌ missing") {
		t.Errorf("archive of a complete run:\n%s", md)
	}
	for _, st := range seq {
		if st.Audited && !regexp.MustCompile(`\| `+st.Name+` \|[^\n]*✅ passed`).MatchString(md) {
			t.Errorf("archive does not mark %s passed", st.Name)
		}
	}

	// All but the renew: the archive shows renew_domain missing, the rest passed.
	partial := must(t, env, "--json", "ote-run", "create", "--channel", reg.channelID, "--name", "Acme partial run").json(t)
	pid := partial["id"].(string)
	must(t, env, "ote-run", "attach", pid, "--audit-id", strings.Join(auditIDs(steps, "renew_domain"), ","))
	partialMD := filepath.Join(t.TempDir(), "partial.md")
	must(t, env, "ote-run", "archive", pid, "--out", partialMD)
	md = readFile(t, partialMD)
	if !regexp.MustCompile(`\| renew_domain \|[^\n]*❌ missing`).MatchString(md) {
		t.Errorf("archive without the renew event does not mark renew_domain missing:\n%s", md)
	}
	if !strings.Contains(md, "Ready for production approval: no") {
		t.Errorf("archive of an incomplete run claims readiness")
	}
	if got := strings.Count(md, "✅ passed"); got != 7 {
		t.Errorf("%d steps passed in the partial archive, want 7", got)
	}
	if show := must(t, env, "ote-run", "show", pid); !regexp.MustCompile(`(?m)^renew_domain\s+renew_domain\s+MISSING`).MatchString(show.stdout) {
		t.Errorf("ote-run show does not mark renew_domain missing:\n%s", show.stdout)
	}
}

func TestAttachByIdempotencyKey(t *testing.T) {
	srv := newRegistry(t, nil)
	env := operatorEnv(srv)
	reg := admit(t, env, "keyed", "keyns")
	steps := exerciseSteps(t, must(t, []string{envURL + "=" + srv.URL}, "ote", "exercise", "--token", reg.token, "--json"))

	run := must(t, env, "--json", "ote-run", "create", "--channel", reg.channelID, "--name", "By key").json(t)
	args := []string{"ote-run", "attach", run["id"].(string), "--json", "--token", reg.token}
	for _, s := range steps {
		if s.Name == "update_nameservers" || s.Name == "idempotent_replay" || s.Name == "poll" || s.IdempotencyKey == nil {
			continue
		}
		args = append(args, "--idempotency-key", *s.IdempotencyKey)
	}
	got := must(t, env, args...).json(t)
	passed := map[string]bool{}
	for _, it := range got["checklist"].([]any) {
		item := it.(map[string]any)
		passed[item["step"].(string)] = item["passed"].(bool)
	}
	for step, want := range map[string]bool{"create_domain": true, "create_claim_domain": true, "renew_domain": true,
		"update_domain": true, "delete_domain": true, "request_transfer": true, "update_nameservers": false, "sandbox_reset": false} {
		if passed[step] != want {
			t.Errorf("checklist %s passed=%t, want %t", step, passed[step], want)
		}
	}

	// By filter alone: every sandbox event of the channel, the nameservers one included.
	got = must(t, env, "ote-run", "attach", run["id"].(string), "--json", "--status", "sandbox", "--command", "update_nameservers",
		"--token", reg.token).json(t)
	if ids := got["audit_event_ids"].([]any); len(ids) != 7 {
		t.Errorf("%d events attached after the filter, want 7: %v", len(ids), ids)
	}

	// Unknown key: nothing attached, exit 1.
	r := ctl(t, env, "ote-run", "attach", run["id"].(string), "--idempotency-key", "never-used", "--token", reg.token)
	if r.code != exitRefused || !strings.Contains(r.stderr, "no audit event") {
		t.Fatalf("unknown key: exit %d\n%s", r.code, r.stderr)
	}
	// Another channel's event: the operator API refuses, nothing attached.
	other := admit(t, env, "other", "otherns")
	otherSteps := exerciseSteps(t, must(t, []string{envURL + "=" + srv.URL}, "ote", "exercise", "--token", other.token, "--json"))
	r = ctl(t, env, "ote-run", "attach", run["id"].(string), "--audit-id", *otherSteps[1].AuditID)
	if r.code != exitRefused || !strings.Contains(r.stderr, "validation_error") {
		t.Fatalf("another channel's event: exit %d\n%s", r.code, r.stderr)
	}
}

// tamper rewrites the JSON answers of requests that match.
func tamper(match func(r *http.Request, body []byte) bool, edit func(obj map[string]any)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if !match(r, body) {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var obj map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &obj); err != nil {
				panic(err)
			}
			edit(obj)
			out, _ := json.Marshal(obj)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			_, _ = w.Write(out)
		})
	}
}

// TestOTEExerciseCatchesWrongAnswers: a registry that answers a replay as
// fresh, or loses an audit event, fails exactly the steps that see it.
func TestOTEExerciseCatchesWrongAnswers(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	replayAsFresh := tamper(func(r *http.Request, body []byte) bool {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/domains") {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		k := string(body)
		again := seen[k]
		seen[k] = true
		return again
	}, func(obj map[string]any) { obj["idempotent"] = false })

	lostEvent := tamper(func(r *http.Request, _ []byte) bool {
		return strings.HasSuffix(r.URL.Path, "/poll") && strings.HasSuffix(r.URL.Query().Get("idempotency_key"), "-renew_domain")
	}, func(obj map[string]any) { obj["events"] = []any{} })

	for name, tc := range map[string]struct {
		wrap   func(http.Handler) http.Handler
		failed string
		detail string
	}{
		"replay answered as fresh": {replayAsFresh, "idempotent_replay", "idempotent is false, want true"},
		"poll lost an event":       {lostEvent, "poll", "renew_domain: no event"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newRegistry(t, tc.wrap)
			reg := admit(t, operatorEnv(srv), "tamper", "tamperns")
			r := ctl(t, []string{envURL + "=" + srv.URL}, "ote", "exercise", "--token", reg.token, "--json")
			if r.code != exitRefused {
				t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
			}
			for _, s := range exerciseSteps(t, r) {
				if s.Passed == (s.Name == tc.failed) {
					t.Errorf("step %s passed=%t (%s)", s.Name, s.Passed, s.Detail)
				}
				if s.Name == tc.failed && !strings.Contains(s.Detail, tc.detail) {
					t.Errorf("step %s detail %q lacks %q", s.Name, s.Detail, tc.detail)
				}
			}
		})
	}
}

func TestOTEExerciseNeedsAChannel(t *testing.T) {
	srv := newRegistry(t, nil)
	env := operatorEnv(srv)
	p := must(t, env, "--json", "partner", "create", "--name", "Unbound", "--gems", "0").json(t)
	k := must(t, env, "--json", "key", "create", "--partner", p["id"].(string), "--profile", "registrar_api").json(t)
	r := ctl(t, []string{envURL + "=" + srv.URL}, "ote", "exercise", "--token", k["token"].(string))
	if r.code != exitRefused {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stdout)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")[1:] // after the header
	if !strings.HasPrefix(lines[0], "✗ status") || !strings.Contains(lines[0], "not bound to a registrar channel") {
		t.Errorf("first line %q", lines[0])
	}
	for _, l := range lines[1 : len(lines)-1] {
		if !strings.HasPrefix(l, "✗ ") || !strings.Contains(l, "not run") {
			t.Errorf("line %q should be a step not run", l)
		}
	}
	// An unknown token: the status step shows the refusal.
	r = ctl(t, []string{envURL + "=" + srv.URL}, "ote", "exercise", "--token", "hd_live_unknown", "--json")
	steps := exerciseSteps(t, r)
	if r.code != exitRefused || len(steps) != 1 || !strings.Contains(steps[0].Detail, "invalid_api_key") {
		t.Fatalf("unknown token: exit %d, steps %+v", r.code, steps)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOTEExerciseHonoursRetryAfter: a 429 is waited out (Retry-After) and
// retried, as a registrar client should; the exercise still passes.
func TestOTEExerciseHonoursRetryAfter(t *testing.T) {
	var mu sync.Mutex
	limited := 0
	srv := newRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			first := strings.HasSuffix(r.URL.Path, "/poll") && limited == 0
			if first {
				limited++
			}
			mu.Unlock()
			if first {
				w.Header().Set("Retry-After", "7")
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write([]byte(`{"code":"registrar_rate_limit_exceeded","title":"Registrar rate limit exceeded","status":429}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	reg := admit(t, operatorEnv(srv), "patient", "patientns")
	var out, errOut bytes.Buffer
	a := newApp(&out, &errOut, func(k string) (string, bool) {
		if k == envURL {
			return srv.URL, true
		}
		return "", false
	}, http.DefaultClient)
	var waits []time.Duration
	a.sleep = func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}
	if code := a.run(context.Background(), []string{"ote", "exercise", "--token", reg.token}); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if len(waits) != 1 || waits[0] != 7*time.Second {
		t.Fatalf("waits %v, want one of 7s", waits)
	}
}

// ote exercise attaches its own evidence: --run-name creates a run, and
// --attach-run fills an existing one, with all eight audited steps
// (sandbox_reset included). production-approve follows the channel's latest
// run: refused while it is not ready, unless forced.
func TestOTEExerciseAttachesItsEvidence(t *testing.T) {
	srv := newRegistry(t, nil)
	env := operatorEnv(srv)
	reg := admit(t, env, "acme", "defiwallet")
	withToken := append(append([]string{}, env...), envToken+"="+reg.token)

	r := ctl(t, env, "channel", "production-approve", reg.channelID)
	if r.code != exitRefused || !strings.Contains(r.stderr, "ote_run_not_ready") || !strings.Contains(r.stderr, "no OT&E run") {
		t.Fatalf("production-approve without a run: exit %d\n%s", r.code, r.stderr)
	}

	// Without the operator token attaching is a usage error, before anything runs.
	if r := ctl(t, []string{envURL + "=" + srv.URL, envToken + "=" + reg.token}, "ote", "exercise", "--run-name", "x"); r.code != exitUsage ||
		!strings.Contains(r.stderr, "operator token") || r.stdout != "" {
		t.Fatalf("--run-name without the operator token: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	first := must(t, withToken, "ote", "exercise", "--run-name", "first OT&E")
	for _, want := range []string{"13 of 13 steps passed", "Evidence attached to OT&E run ote_", "8 of 8 steps passed; ready for production approval: yes",
		"sandbox_reset", "Evidence (8 events)"} {
		if !strings.Contains(first.stdout, want) {
			t.Errorf("ote exercise --run-name output lacks %q:\n%s", want, first.stdout)
		}
	}

	// A newer, empty run is the channel's latest: approval is refused again, naming it.
	empty := must(t, env, "--json", "ote-run", "create", "--channel", reg.channelID, "--name", "second OT&E").json(t)
	emptyID := empty["id"].(string)
	r = ctl(t, env, "channel", "production-approve", reg.channelID)
	if r.code != exitRefused || !strings.Contains(r.stderr, emptyID) || !strings.Contains(r.stderr, "passed 0 of 8") ||
		!strings.Contains(r.stderr, "sandbox_reset") {
		t.Fatalf("production-approve with an empty latest run: exit %d\n%s", r.code, r.stderr)
	}

	out := must(t, withToken, "--json", "ote", "exercise", "--attach-run", emptyID)
	var report exerciseReport
	if err := json.Unmarshal([]byte(out.stdout), &report); err != nil {
		t.Fatalf("--json: %v\n%s", err, out.stdout)
	}
	if report.OTERun == nil || report.OTERun["id"] != emptyID {
		t.Fatalf("ote_run %v, want the run %s", report.OTERun, emptyID)
	}
	checklist := report.OTERun["checklist"].([]any)
	if len(checklist) != 8 {
		t.Fatalf("%d checklist steps, want 8", len(checklist))
	}
	for _, it := range checklist {
		if item := it.(map[string]any); item["passed"] != true {
			t.Errorf("step %v not passed after --attach-run", item["step"])
		}
	}

	prod := must(t, env, "--json", "channel", "production-approve", reg.channelID).json(t)
	if prod["production_approved"] != true {
		t.Fatalf("production-approve with a ready run: %v", prod)
	}
}
