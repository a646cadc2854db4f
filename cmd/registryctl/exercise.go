package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// stepResult is one line of `ote exercise` (and one element of its --json
// "steps").
type stepResult struct {
	Name           string  `json:"name"`
	Passed         bool    `json:"passed"`
	AuditID        *string `json:"audit_id"`
	IdempotencyKey *string `json:"idempotency_key"`
	Detail         string  `json:"detail"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// exerciseReport is the --json output. OTERun is the run the evidence was
// attached to (--attach-run, --run-name), as the operator API answers it.
type exerciseReport struct {
	Steps  []stepResult   `json:"steps"`
	OTERun map[string]any `json:"ote_run,omitempty"`
}

func (a *app) oteCommands() *command {
	p := []string{"ote"}
	return &command{name: "ote", summary: "registrar OT&E: run the certification sequence in sandbox mode",
		usage: "ote exercise --token TOKEN [--url URL] [--attach-run RUN | --run-name NAME] [--json]",
		subs: []*command{{
			name: "exercise", summary: "run every step of the OT&E sequence that /status advertises, and check every answer",
			usage: "ote exercise --token TOKEN [--url URL] [--namespace NS] [--attach-run RUN | --run-name NAME] [--json]",
			about: "For registrars, with a registrar API key of the channel being certified (profile registrar_api).\n" +
				"It reads GET /status (the channel, its approved namespaces and ote.test_sequence), resets the sandbox\n" +
				"fixtures (POST /sandbox/reset), then runs each step in sandbox mode against the fixtures of one\n" +
				"approved namespace: availability check, create of a fresh name, create of the claim fixture\n" +
				"ote-claim-SLUG.NS with claim_acknowledgement, info, renew with current_expires_at from info, update,\n" +
				"nameservers, delete, a transfer request of ote-transfer-SLUG.NS (sponsored by the registry's OT&E\n" +
				"counterparty) with the auth_code the reset answered, an idempotent replay of the create\n" +
				"(idempotent: true, same audit_id), and\n" +
				"GET /poll by idempotency key (every audited step's event is there). Nothing real changes and no\n" +
				"Gems are spent, though sandbox commands are validated as in production (the balance must cover\n" +
				"a create). Idempotency keys are unique per run (ote-TIMESTAMP-RANDOM-STEP).\n" +
				"\n" +
				"It prints one line per step (✓ or ✗, the step, its audit id, its idempotency key, the detail); --json\n" +
				`prints {"steps": [{"name", "passed", "audit_id", "idempotency_key", "detail"}], "ote_run"}` + ".\n" +
				"Exit code 0 when every step passed, 1 when one failed (or attaching was refused), 3 when the\n" +
				"registry could not be reached.\n" +
				"\n" +
				"Evidence: hand the audit ids to the registry operator, who attaches them to an OT&E run\n" +
				"(registryctl ote-run attach RUN --audit-id ...). Or, with the operator token (--operator-token or\n" +
				envOperatorToken + "), attach them here: --attach-run RUN attaches every audited step's event\n" +
				"(sandbox_reset and the seven sandbox mutations) to an existing run of the channel, --run-name NAME\n" +
				"creates a run for the channel first; the run's checklist is printed after the steps.",
			examples: []string{
				"registryctl ote exercise --url https://registry.example --token \"$REGISTRAR_TOKEN\"",
				"REGISTRY_TOKEN=hd_live_… registryctl ote exercise --json > ote.json",
				"jq -r '[.steps[].audit_id // empty] | unique | join(\",\")' ote.json",
				"registryctl ote exercise --token \"$REGISTRAR_TOKEN\" --operator-token \"$OP\" --run-name \"first OT&E\"",
			},
			setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
				token := &secretValue{p: new(string)}
				fs.Var(token, "token", "registrar API `TOKEN` (env "+envToken+")")
				ns := fs.String("namespace", "", "exercise this approved `NS` (default: the first approved namespace)")
				attachRun := fs.String("attach-run", "", "attach the evidence to this OT&E `RUN` of the channel (needs the operator token)")
				runName := fs.String("run-name", "", "create an OT&E run `NAME`d so for the channel and attach the evidence (needs the operator token)")
				return func(ctx context.Context, _ []string) error {
					path := append(p, "exercise")
					tok := *token.p
					if tok == "" {
						tok = a.env(envToken)
					}
					if tok == "" {
						return usagef(path, "--token is required (a registrar API key of the channel; or set %s)", envToken)
					}
					attach := *attachRun != "" || strings.TrimSpace(*runName) != ""
					if *attachRun != "" && *runName != "" {
						return usagef(path, "give --attach-run or --run-name, not both")
					}
					if attach {
						if _, err := a.operatorClient(path); err != nil {
							return err
						}
					}
					c, err := newClient(a.g.url, a.http)
					if err != nil {
						return usagef(path, "%s", err)
					}
					runID, err := newRunID(a.now())
					if err != nil {
						return err
					}
					x := &exerciser{c: c, wait: a.sleep, token: tok, now: a.now, runID: runID, namespace: *ns,
						progress: func(r stepResult) {
							if !a.g.json {
								printStep(a, r)
							}
						}}
					if !a.g.json {
						printStepHeader(a)
					}
					steps, runErr := x.run(ctx)
					var run map[string]any
					var attachErr error
					if attach && runErr == nil {
						run, attachErr = a.attachExercise(ctx, *attachRun, *runName, x.channelID, steps)
					}
					if a.g.json {
						if err := writeJSONValue(a.stdout, exerciseReport{Steps: steps, OTERun: run}); err != nil {
							return err
						}
					} else {
						passed := 0
						for _, s := range steps {
							if s.Passed {
								passed++
							}
						}
						fmt.Fprintf(a.stdout, "%d of %d steps passed\n", passed, len(steps))
						if run != nil {
							fmt.Fprintf(a.stdout, "\nEvidence attached to OT&E run %s:\n", str(run, "id"))
							if err := renderRun(a.stdout, run); err != nil {
								return err
							}
						}
					}
					if runErr != nil {
						return runErr
					}
					if attachErr != nil {
						return attachErr
					}
					for _, s := range steps {
						if !s.Passed {
							failed := 0
							for _, s := range steps {
								if !s.Passed {
									failed++
								}
							}
							return &stepFailure{failed: failed, total: len(steps)}
						}
					}
					return nil
				}
			},
		}}}
}

// stepLine is the format of a step line and of the header above them.
const stepLine = "%s %-20s %-30s %-48s %s\n"

func printStepHeader(a *app) {
	fmt.Fprintf(a.stdout, stepLine, " ", "STEP", "AUDIT ID", "IDEMPOTENCY KEY", "DETAIL")
}

func printStep(a *app, r stepResult) {
	mark := "✓"
	if !r.Passed {
		mark = "✗"
	}
	orDash := func(s *string) string {
		if s == nil || *s == "" {
			return "-"
		}
		return *s
	}
	fmt.Fprintf(a.stdout, stepLine, mark, r.Name, orDash(r.AuditID), orDash(r.IdempotencyKey), oneLine(r.Detail))
}

// attachExercise attaches the audit events of an exercise to an OT&E run of
// the channel: runID, or a new run named name. Every step's audit id is
// attached once (the replay and the poll step name the create's event), the
// failed steps' too: the run's checklist shows what is missing. It answers
// the run as the operator API does.
func (a *app) attachExercise(ctx context.Context, runID, name, channelID string, steps []stepResult) (map[string]any, error) {
	var ids []string
	for _, s := range steps {
		if s.AuditID != nil && *s.AuditID != "" {
			ids = append(ids, *s.AuditID)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no step left an audit event to attach; nothing was attached")
	}
	c, err := a.operatorClient([]string{"ote", "exercise"})
	if err != nil {
		return nil, err
	}
	if runID == "" {
		res, err := c.call(ctx, request{Method: http.MethodPost, Path: operatorBase + "/registrar-ote-runs", Token: a.g.operatorToken,
			Body: map[string]any{"registrar_channel_id": channelID, "name": name}})
		if err != nil {
			return nil, err
		}
		run, err := res.object()
		if err != nil {
			return nil, err
		}
		runID = str(run, "id")
	}
	res, err := c.call(ctx, request{Method: http.MethodPost, Path: operatorBase + "/registrar-ote-runs/" + pathEscape(runID) + "/evidence",
		Token: a.g.operatorToken, Body: map[string]any{"audit_event_ids": dedupe(ids)}})
	if err != nil {
		return nil, err
	}
	return res.object()
}

// newRunID is unique per exercise: a UTC timestamp and 24 random bits.
func newRunID(now time.Time) (string, error) {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random run id: %w", err)
	}
	return now.UTC().Format("20060102t150405") + "-" + hex.EncodeToString(b[:]), nil
}

// Rate-limit handling of the exerciser: a 429 is retried after its
// Retry-After (at most maxRateWait), at most maxRateRetries times per request.
const (
	maxRateRetries = 3
	maxRateWait    = 65 * time.Second
)

// exerciser runs one OT&E exercise.
type exerciser struct {
	c         *client
	wait      func(ctx context.Context, d time.Duration) error
	token     string
	now       func() time.Time
	runID     string
	namespace string
	progress  func(stepResult)

	channelID, slug string
	fixtures        map[string]string // purpose -> domain
	authCode        string            // the transfer fixture's code, as the reset answered it
	freshName       string
	answer          map[string]any // the latest sandbox mutation's answer

	createKey, createAudit string
	createBody             []byte
	expiresAt              string
	audited                []auditedStep // sandbox mutations to find again in the poll step
}

type auditedStep struct{ step, key, auditID, command string }

// run executes the sequence. It returns the step results and, when the
// registry stopped answering, an *unreachableError.
func (x *exerciser) run(ctx context.Context) ([]stepResult, error) {
	var out []stepResult
	add := func(r stepResult) {
		out = append(out, r)
		x.progress(r)
	}
	status, statusStep, err := x.status(ctx)
	if err != nil {
		return out, err
	}
	sequence := objects(status, "ote.test_sequence")
	if len(sequence) == 0 {
		statusStep.Passed = false
		statusStep.Detail = "GET /status advertises no ote.test_sequence; " + statusStep.Detail
	}
	usable := statusStep.Passed
	ranStatus := false
	for _, st := range sequence {
		name := str(st, "name")
		if name == "status" {
			add(statusStep)
			ranStatus = true
			continue
		}
		if !usable {
			add(stepResult{Name: name, Detail: "not run: the status step failed"})
			continue
		}
		r, err := x.step(ctx, name, st)
		if err != nil {
			r = stepResult{Name: name, Detail: err.Error()}
			add(r)
			var ur *unreachableError
			if errors.As(err, &ur) {
				return out, err
			}
			continue
		}
		add(r)
	}
	if !ranStatus {
		out = append([]stepResult{statusStep}, out...)
		x.progress(statusStep)
	}
	return out, nil
}

// status reads GET /status and checks what the exercise needs from it.
func (x *exerciser) status(ctx context.Context) (map[string]any, stepResult, error) {
	r := stepResult{Name: "status"}
	res, err := x.send(ctx, request{Method: http.MethodGet, Path: registrarBase + "/status", Token: x.token})
	if err != nil {
		return nil, r, err
	}
	if res.Status != http.StatusOK {
		r.Detail = "GET /status: " + res.problem().Error()
		return nil, r, nil
	}
	obj, err := res.object()
	if err != nil {
		r.Detail = err.Error()
		return nil, r, nil
	}
	var problems []string
	ch, _ := lookup(obj, "registrar_channel")
	chm, _ := ch.(map[string]any)
	if chm == nil {
		r.Detail = "the API key is not bound to a registrar channel (registrar_channel is null)"
		return obj, r, nil
	}
	x.channelID, x.slug = str(chm, "id"), str(chm, "slug")
	if s := str(chm, "status"); s != "approved" {
		problems = append(problems, fmt.Sprintf("channel status is %q, not approved", s))
	}
	if got := str(obj, "audit_provenance.registrar_channel_id"); got != x.channelID {
		problems = append(problems, fmt.Sprintf("audit_provenance.registrar_channel_id %q is not the channel %q", got, x.channelID))
	}
	if !boolAt(obj, "sandbox.available") {
		problems = append(problems, "sandbox.available is false")
	}
	var approved []string
	for _, l := range objects(obj, "namespace_listings") {
		if str(l, "status") == "approved" {
			approved = append(approved, str(l, "namespace"))
		}
	}
	switch {
	case len(approved) == 0:
		problems = append(problems, "no approved namespace listing")
	case x.namespace == "":
		x.namespace = approved[0]
	case !slices.Contains(approved, x.namespace):
		problems = append(problems, fmt.Sprintf("namespace %q is not approved for the channel (approved: %s)", x.namespace, strings.Join(approved, ", ")))
	}
	sequenceCommands := map[string]bool{}
	for _, st := range objects(obj, "ote.test_sequence") {
		sequenceCommands[str(st, "command")] = true
	}
	for _, c := range objects(obj, "commands") {
		if sequenceCommands[str(c, "command")] && !boolAt(c, "sandbox_available") {
			reason := str(c, "disabled_reason")
			if missing := objectStrings(c, "missing_scopes"); len(missing) > 0 {
				reason += " (missing scopes: " + strings.Join(missing, ", ") + ")"
			}
			problems = append(problems, fmt.Sprintf("%s is not available in sandbox: %s", str(c, "command"), reason))
		}
	}
	if len(problems) > 0 {
		r.Detail = strings.Join(problems, "; ")
		return obj, r, nil
	}
	prod := "no"
	if boolAt(chm, "production_approved") {
		prod = "yes"
	}
	r.Passed = true
	r.Detail = fmt.Sprintf("channel %s (%s) approved; namespace %s; production approved: %s; rate limit %s/min",
		x.slug, x.channelID, x.namespace, prod, cell(mustLookup(obj, "rate_limit.limit_per_minute")))
	return obj, r, nil
}

func mustLookup(obj map[string]any, path string) any {
	v, _ := lookup(obj, path)
	return v
}

func objectStrings(obj map[string]any, path string) []string {
	v, _ := lookup(obj, path)
	list, _ := v.([]any)
	out := []string{}
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// step runs one named step. A returned error is a transport failure.
func (x *exerciser) step(ctx context.Context, name string, spec map[string]any) (stepResult, error) {
	switch name {
	case "sandbox_reset":
		return x.sandboxReset(ctx)
	case "check_domain":
		return x.check(ctx)
	case "create_domain":
		return x.create(ctx)
	case "create_claim_domain":
		return x.createClaim(ctx)
	case "info_domain":
		return x.info(ctx)
	case "renew_domain":
		return x.renew(ctx)
	case "update_domain":
		return x.update(ctx)
	case "update_nameservers":
		return x.nameservers(ctx)
	case "delete_domain":
		return x.delete(ctx)
	case "request_transfer":
		return x.transfer(ctx)
	case "idempotent_replay":
		return x.replay(ctx)
	case "poll":
		return x.poll(ctx)
	}
	return stepResult{Name: name, Detail: fmt.Sprintf("this registryctl does not know the step %q (command %s); update registryctl",
		name, str(spec, "command"))}, nil
}

// send performs one registrar request, honouring 429 answers as a
// well-behaved registrar client does: wait for Retry-After, then retry.
func (x *exerciser) send(ctx context.Context, req request) (response, error) {
	for attempt := 0; ; attempt++ {
		res, err := x.c.send(ctx, req)
		if err != nil || res.Status != http.StatusTooManyRequests || attempt >= maxRateRetries {
			return res, err
		}
		d := retryAfter(res.Header.Get("Retry-After"))
		if d > maxRateWait {
			return res, nil
		}
		if err := x.wait(ctx, d); err != nil {
			return res, &unreachableError{URL: x.c.base, Err: err}
		}
	}
}

// retryAfter reads a Retry-After in seconds (at least one second).
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return time.Second
	}
	return time.Duration(n) * time.Second
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (x *exerciser) key(step string) string { return "ote-" + x.runID + "-" + step }

// fixture is the domain of a sandbox fixture in the exercised namespace.
func (x *exerciser) fixture(purpose string) string {
	if d, ok := x.fixtures[purpose]; ok {
		return d
	}
	return "ote-" + purpose + "-" + x.slug + "." + x.namespace
}

func (x *exerciser) domainPath(domain string) string {
	return registrarBase + "/domains/" + pathEscape(domain)
}

func (x *exerciser) sandboxReset(ctx context.Context) (stepResult, error) {
	r := stepResult{Name: "sandbox_reset"}
	res, err := x.send(ctx, request{Method: http.MethodPost, Path: registrarBase + "/sandbox/reset", Token: x.token})
	if err != nil {
		return r, err
	}
	obj, fail := expect(res, http.StatusOK)
	if fail != "" {
		r.Detail = "POST /sandbox/reset: " + fail
		return r, nil
	}
	r.AuditID = optString(str(obj, "audit_id"))
	x.fixtures = map[string]string{}
	var problems []string
	for _, f := range objects(obj, "fixtures") {
		domain := str(f, "domain")
		if !strings.HasSuffix(domain, "."+x.namespace) {
			continue
		}
		if boolAt(f, "skipped") {
			problems = append(problems, fmt.Sprintf("fixture %s skipped: %s", domain, str(f, "reason")))
		}
		x.fixtures[str(f, "purpose")] = domain
		if str(f, "purpose") == "transfer" {
			x.authCode = str(f, "auth_code")
		}
	}
	if _, ok := x.fixtures["transfer"]; ok && x.authCode == "" {
		problems = append(problems, "the transfer fixture has no auth_code")
	}
	for _, purpose := range []string{"renew", "ns", "update", "delete", "claim", "transfer"} {
		if _, ok := x.fixtures[purpose]; !ok {
			problems = append(problems, fmt.Sprintf("no %s fixture in %s", purpose, x.namespace))
		}
	}
	if r.AuditID == nil {
		problems = append(problems, "the answer has no audit_id")
	}
	if len(problems) > 0 {
		r.Detail = strings.Join(problems, "; ")
		return r, nil
	}
	r.Passed = true
	r.Detail = fmt.Sprintf("%d fixtures in %s, none skipped", len(x.fixtures), x.namespace)
	return r, nil
}

// freshLabel is a label nobody holds, unique per run, within 63 characters.
func (x *exerciser) freshLabel() string {
	suffix := x.runID[strings.LastIndexByte(x.runID, '-')+1:]
	slug := x.slug
	if max := 63 - len("ote-new--") - len(suffix); len(slug) > max {
		slug = strings.TrimRight(slug[:max], "-")
	}
	return "ote-new-" + slug + "-" + suffix
}

func (x *exerciser) check(ctx context.Context) (stepResult, error) {
	r := stepResult{Name: "check_domain"}
	if x.freshName == "" {
		x.freshName = x.freshLabel() + "." + x.namespace
	}
	want := []struct {
		name      string
		available bool
		reason    any
	}{
		{x.freshName, true, nil},
		{x.fixture("renew"), false, "registered"},
		{x.fixture("claim"), true, "claim_required"},
	}
	names := []string{want[0].name, want[1].name, want[2].name}
	res, err := x.send(ctx, request{Method: http.MethodPost, Path: registrarBase + "/domains/check", Token: x.token,
		Body: map[string]any{"names": names}})
	if err != nil {
		return r, err
	}
	obj, fail := expect(res, http.StatusOK)
	if fail != "" {
		r.Detail = "POST /domains/check: " + fail
		return r, nil
	}
	got := map[string]map[string]any{}
	for _, res := range objects(obj, "results") {
		got[str(res, "name")] = res
	}
	var problems []string
	for _, w := range want {
		res, ok := got[w.name]
		if !ok {
			problems = append(problems, w.name+" is missing from results")
			continue
		}
		if boolAt(res, "available") != w.available {
			problems = append(problems, fmt.Sprintf("%s available=%t, want %t", w.name, boolAt(res, "available"), w.available))
		}
		if reason, _ := lookup(res, "reason"); reason != w.reason {
			problems = append(problems, fmt.Sprintf("%s reason=%s, want %s", w.name, cell(reason), cell(w.reason)))
		}
	}
	if len(problems) > 0 {
		r.Detail = strings.Join(problems, "; ")
		return r, nil
	}
	r.Passed = true
	r.Detail = fmt.Sprintf("%s available; %s registered; %s available, claim_required", want[0].name, want[1].name, want[2].name)
	return r, nil
}

// mutation sends one sandbox mutation with a fresh idempotency key and
// checks the answer: 202, the command, status sandbox, sandbox true,
// idempotent false, the key echoed, an audit id.
func (x *exerciser) mutation(ctx context.Context, step, command, method, path string, body map[string]any) (stepResult, []byte, error) {
	r := stepResult{Name: step}
	k := x.key(step)
	r.IdempotencyKey = optString(k)
	req := request{Method: method, Path: path, Token: x.token}
	var raw []byte
	if body == nil {
		// DELETE carries the mutation members as headers.
		req.Header = map[string]string{"Idempotency-Key": k, "X-Registrar-Sandbox": "1"}
	} else {
		body["sandbox"] = true
		body["idempotency_key"] = k
		b, err := json.Marshal(body)
		if err != nil {
			return r, nil, err
		}
		raw, req.RawBody = b, b
	}
	res, err := x.send(ctx, req)
	if err != nil {
		return r, nil, err
	}
	obj, problems := checkSandboxAnswer(res, command, k, false)
	x.answer = obj
	if obj != nil {
		r.AuditID = optString(str(obj, "audit_id"))
	}
	if len(problems) > 0 {
		r.Detail = method + " " + strings.TrimPrefix(path, registrarBase) + ": " + strings.Join(problems, "; ")
		return r, raw, nil
	}
	r.Passed = true
	r.Detail = fmt.Sprintf("202 sandbox, audit_id %s", str(obj, "audit_id"))
	x.audited = append(x.audited, auditedStep{step: step, key: k, auditID: str(obj, "audit_id"), command: command})
	return r, raw, nil
}

// checkSandboxAnswer checks a sandbox mutation's answer and lists what is wrong.
func checkSandboxAnswer(res response, command, key string, idempotent bool) (map[string]any, []string) {
	obj, fail := expect(res, http.StatusAccepted)
	if fail != "" {
		return obj, []string{fail}
	}
	var problems []string
	if got := str(obj, "command"); got != command {
		problems = append(problems, fmt.Sprintf("command %q, want %q", got, command))
	}
	if got := str(obj, "status"); got != "sandbox" {
		problems = append(problems, fmt.Sprintf("status %q, want \"sandbox\"", got))
	}
	if !boolAt(obj, "sandbox") {
		problems = append(problems, "sandbox is not true")
	}
	if boolAt(obj, "idempotent") != idempotent {
		problems = append(problems, fmt.Sprintf("idempotent is %t, want %t", boolAt(obj, "idempotent"), idempotent))
	}
	if got := str(obj, "idempotency_key"); got != key {
		problems = append(problems, fmt.Sprintf("idempotency_key %q, want %q", got, key))
	}
	if str(obj, "audit_id") == "" {
		problems = append(problems, "no audit_id")
	}
	return obj, problems
}

// expect decodes an answer with the wanted status, or says what came instead.
func expect(res response, want int) (map[string]any, string) {
	if res.Status != want {
		return nil, fmt.Sprintf("HTTP %d, want %d: %s", res.Status, want, res.problem().Error())
	}
	obj, err := res.object()
	if err != nil {
		return nil, err.Error()
	}
	return obj, ""
}

var oteRegistrant = map[string]any{"name": "OT&E Registrant", "email": "ote-registrant@example.com", "country": "US"}

func (x *exerciser) create(ctx context.Context) (stepResult, error) {
	if x.freshName == "" {
		x.freshName = x.freshLabel() + "." + x.namespace
	}
	r, raw, err := x.mutation(ctx, "create_domain", "create_domain", http.MethodPost, registrarBase+"/domains",
		map[string]any{"domain": x.freshName, "years": 1, "registrant": oteRegistrant})
	if err != nil {
		return r, err
	}
	if r.Passed {
		x.createKey, x.createAudit, x.createBody = *r.IdempotencyKey, *r.AuditID, raw
		r.Detail += ", " + x.freshName
	}
	return r, nil
}

func (x *exerciser) createClaim(ctx context.Context) (stepResult, error) {
	domain := x.fixture("claim")
	ack := map[string]any{"notice_id": "ote-notice-" + x.runID,
		"accepted_at": x.now().UTC().Add(-time.Minute).Truncate(time.Second).Format(time.RFC3339)}
	r, _, err := x.mutation(ctx, "create_claim_domain", "create_domain", http.MethodPost, registrarBase+"/domains",
		map[string]any{"domain": domain, "years": 1, "registrant": oteRegistrant, "claim_acknowledgement": ack})
	if err != nil {
		return r, err
	}
	if r.Passed {
		r.Detail += ", " + domain + " with claim_acknowledgement"
	}
	return r, nil
}

// readFixture reads a fixture and checks it is an active OT&E fixture of the channel.
func (x *exerciser) readFixture(ctx context.Context, domain string) (map[string]any, string, error) {
	res, err := x.send(ctx, request{Method: http.MethodGet, Path: x.domainPath(domain), Token: x.token})
	if err != nil {
		return nil, "", err
	}
	obj, fail := expect(res, http.StatusOK)
	if fail != "" {
		return nil, "GET /domains/" + domain + ": " + fail, nil
	}
	var problems []string
	if got := str(obj, "name"); got != domain {
		problems = append(problems, fmt.Sprintf("name %q, want %q", got, domain))
	}
	if got := str(obj, "state"); got != "active" {
		problems = append(problems, fmt.Sprintf("state %q, want \"active\"", got))
	}
	if !boolAt(obj, "ote_sandbox") {
		problems = append(problems, "ote_sandbox is not true")
	}
	if got := str(obj, "registrar_channel_id"); got != x.channelID {
		problems = append(problems, fmt.Sprintf("registrar_channel_id %q, want %q", got, x.channelID))
	}
	if str(obj, "expires_at") == "" {
		problems = append(problems, "no expires_at")
	}
	return obj, strings.Join(problems, "; "), nil
}

func (x *exerciser) info(ctx context.Context) (stepResult, error) {
	r := stepResult{Name: "info_domain"}
	domain := x.fixture("renew")
	obj, fail, err := x.readFixture(ctx, domain)
	if err != nil {
		return r, err
	}
	if fail != "" {
		r.Detail = fail
		return r, nil
	}
	x.expiresAt = str(obj, "expires_at")
	r.Passed = true
	r.Detail = fmt.Sprintf("%s active, ote_sandbox, expires_at %s", domain, x.expiresAt)
	return r, nil
}

func (x *exerciser) renew(ctx context.Context) (stepResult, error) {
	domain := x.fixture("renew")
	if x.expiresAt == "" {
		obj, fail, err := x.readFixture(ctx, domain)
		if err != nil {
			return stepResult{Name: "renew_domain"}, err
		}
		if fail != "" {
			return stepResult{Name: "renew_domain", Detail: "reading current_expires_at: " + fail}, nil
		}
		x.expiresAt = str(obj, "expires_at")
	}
	r, _, err := x.mutation(ctx, "renew_domain", "renew_domain", http.MethodPost, x.domainPath(domain)+"/renew",
		map[string]any{"years": 1, "current_expires_at": x.expiresAt})
	if err == nil && r.Passed {
		r.Detail += ", " + domain + " from " + x.expiresAt
	}
	return r, err
}

func (x *exerciser) update(ctx context.Context) (stepResult, error) {
	domain := x.fixture("update")
	r, _, err := x.mutation(ctx, "update_domain", "update_domain", http.MethodPatch, x.domainPath(domain),
		map[string]any{"registrant": map[string]any{"name": "OT&E Updated Registrant", "email": "ote-update@example.com",
			"country": "US", "metadata": map[string]string{"ote_run": x.runID}},
			"statuses": map[string]any{"add": []string{"clientTransferProhibited"}}})
	if err == nil && r.Passed {
		r.Detail += ", " + domain + " registrant and +clientTransferProhibited"
	}
	return r, err
}

func (x *exerciser) nameservers(ctx context.Context) (stepResult, error) {
	domain := x.fixture("ns")
	ns := []string{"ns1.ote.example.net", "ns2.ote.example.net"}
	r, _, err := x.mutation(ctx, "update_nameservers", "update_nameservers", http.MethodPut, x.domainPath(domain)+"/nameservers",
		map[string]any{"nameservers": ns})
	if err == nil && r.Passed {
		r.Detail += ", " + domain + " → " + strings.Join(ns, ", ")
	}
	return r, err
}

func (x *exerciser) delete(ctx context.Context) (stepResult, error) {
	domain := x.fixture("delete")
	r, _, err := x.mutation(ctx, "delete_domain", "delete_domain", http.MethodDelete, x.domainPath(domain), nil)
	if err != nil || !r.Passed {
		return r, err
	}
	// A sandbox delete changes nothing: the fixture is still there and active.
	_, fail, err := x.readFixture(ctx, domain)
	if err != nil {
		return r, err
	}
	if fail != "" {
		r.Passed = false
		r.Detail = "after the sandbox delete: " + fail
		return r, nil
	}
	r.Detail += ", " + domain + " still active afterwards"
	return r, nil
}

// transfer requests the transfer of the transfer fixture, which the
// registry's OT&E counterparty sponsors, with the code the reset answered:
// 202 sandbox with the transfer object, pending, from the counterparty to
// this channel. The code is never printed.
func (x *exerciser) transfer(ctx context.Context) (stepResult, error) {
	domain := x.fixture("transfer")
	if x.authCode == "" {
		return stepResult{Name: "request_transfer", Detail: "not run: the sandbox_reset step answered no auth_code for " + domain}, nil
	}
	r, _, err := x.mutation(ctx, "request_transfer", "request_transfer", http.MethodPost, x.domainPath(domain)+"/transfer",
		map[string]any{"auth_code": x.authCode, "years": 1})
	if err != nil || !r.Passed {
		return r, err
	}
	t, _ := lookup(x.answer, "transfer")
	tm, _ := t.(map[string]any)
	var problems []string
	switch {
	case tm == nil:
		problems = append(problems, "the answer has no transfer object")
	default:
		if got := str(tm, "domain"); got != domain {
			problems = append(problems, fmt.Sprintf("transfer.domain %q, want %q", got, domain))
		}
		if got := str(tm, "status"); got != "pending" {
			problems = append(problems, fmt.Sprintf("transfer.status %q, want \"pending\"", got))
		}
		if got := str(tm, "gaining_channel.id"); got != x.channelID {
			problems = append(problems, fmt.Sprintf("transfer.gaining_channel.id %q, want %q", got, x.channelID))
		}
		if got := str(tm, "losing_channel.id"); got == "" || got == x.channelID {
			problems = append(problems, fmt.Sprintf("transfer.losing_channel.id %q is not another channel", got))
		}
	}
	if len(problems) > 0 {
		r.Passed = false
		r.Detail = "POST /domains/" + domain + "/transfer: " + strings.Join(problems, "; ")
		return r, nil
	}
	r.Detail += fmt.Sprintf(", %s pending from %s", domain, str(tm, "losing_channel.slug"))
	return r, nil
}

func (x *exerciser) replay(ctx context.Context) (stepResult, error) {
	r := stepResult{Name: "idempotent_replay"}
	if x.createBody == nil {
		r.Detail = "not run: needs a passed create_domain step to replay"
		return r, nil
	}
	r.IdempotencyKey = optString(x.createKey)
	res, err := x.send(ctx, request{Method: http.MethodPost, Path: registrarBase + "/domains", Token: x.token, RawBody: x.createBody})
	if err != nil {
		return r, err
	}
	obj, problems := checkSandboxAnswer(res, "create_domain", x.createKey, true)
	if obj != nil {
		r.AuditID = optString(str(obj, "audit_id"))
		if got := str(obj, "audit_id"); got != "" && got != x.createAudit {
			problems = append(problems, fmt.Sprintf("audit_id %s differs from the create's %s", got, x.createAudit))
		}
	}
	if len(problems) > 0 {
		r.Detail = "replaying POST /domains: " + strings.Join(problems, "; ")
		return r, nil
	}
	r.Passed = true
	r.Detail = fmt.Sprintf("202, idempotent: true, same audit_id %s", x.createAudit)
	return r, nil
}

// poll finds every audited sandbox step's event by its idempotency key: the
// event id is the step's audit id, of this channel, with the step's command
// and status sandbox; the create's key has exactly one event (the replay
// wrote none).
func (x *exerciser) poll(ctx context.Context) (stepResult, error) {
	r := stepResult{Name: "poll"}
	if len(x.audited) == 0 {
		r.Detail = "not run: no sandbox mutation passed, so there is nothing to poll for"
		return r, nil
	}
	if x.createKey != "" {
		r.IdempotencyKey, r.AuditID = optString(x.createKey), optString(x.createAudit)
	}
	var problems []string
	found := 0
	for _, a := range x.audited {
		q := url.Values{"idempotency_key": {a.key}}
		res, err := x.send(ctx, request{Method: http.MethodGet, Path: registrarBase + "/poll", Query: q, Token: x.token})
		if err != nil {
			return r, err
		}
		obj, fail := expect(res, http.StatusOK)
		if fail != "" {
			problems = append(problems, "GET /poll?idempotency_key="+a.key+": "+fail)
			continue
		}
		events := objects(obj, "events")
		var ev map[string]any
		for _, e := range events {
			if str(e, "id") == a.auditID {
				ev = e
			}
		}
		if ev == nil {
			problems = append(problems, fmt.Sprintf("%s: no event %s for key %s", a.step, a.auditID, a.key))
			continue
		}
		var bad []string
		if got := str(ev, "command"); got != a.command {
			bad = append(bad, fmt.Sprintf("command %q", got))
		}
		if got := str(ev, "status"); got != "sandbox" {
			bad = append(bad, fmt.Sprintf("status %q", got))
		}
		if got := str(ev, "idempotency_key"); got != a.key {
			bad = append(bad, fmt.Sprintf("idempotency_key %q", got))
		}
		if got := str(ev, "registrar.channel_id"); got != x.channelID {
			bad = append(bad, fmt.Sprintf("registrar.channel_id %q", got))
		}
		if a.key == x.createKey && len(events) != 1 {
			bad = append(bad, fmt.Sprintf("%d events for the replayed key, want 1 (a replay writes no audit row)", len(events)))
		}
		if len(bad) > 0 {
			problems = append(problems, fmt.Sprintf("%s: event %s has %s", a.step, a.auditID, strings.Join(bad, ", ")))
			continue
		}
		found++
	}
	if len(problems) > 0 {
		r.Detail = strings.Join(problems, "; ")
		return r, nil
	}
	r.Passed = true
	r.Detail = fmt.Sprintf("found all %d sandbox events by idempotency key; the replay wrote no second row", found)
	return r, nil
}
