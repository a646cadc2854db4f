package registry_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// auditedSteps are the OT&E steps the checklist covers.
func auditedSteps() []core.OTEStep {
	var out []core.OTEStep
	for _, st := range core.OTESequence() {
		if st.Audited {
			out = append(out, st)
		}
	}
	return out
}

// seedEvent appends a registrar audit event of w's channel directly.
func seedEvent(h *harness, w world, command, status string, req map[string]any) core.AuditEvent {
	h.t.Helper()
	e := core.AuditEvent{ID: h.unique("aud_seed"), ChannelID: w.Channel.ID, ChannelSlug: w.Channel.Slug, APIKeyID: w.Key.ID,
		Actor: "registrar", Command: command, Domain: "x." + w.Namespace.Name, IdempotencyKey: h.unique("idem-"),
		Status: status, HTTPStatus: 202, RequestSummary: req, ResponseSummary: map[string]any{"status": status}, CreatedAt: h.now()}
	h.do(func(ctx context.Context, tx ports.Stores) error { return tx.Audit().Append(ctx, e) })
	return e
}

func TestCreateOTERun(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{NoProduction: true})
	cases := []struct {
		name, channel, run string
		want               core.Code
		field              string
	}{
		{"empty name", w.Channel.ID, " ", core.CodeValidation, "name"},
		{"long name", w.Channel.ID, strings.Repeat("n", 201), core.CodeValidation, "name"},
		{"missing channel", "", "run", core.CodeValidation, "registrar_channel_id"},
		{"unknown channel", "chn_nope", "run", core.CodeValidation, "registrar_channel_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.svc.CreateOTERun(h.ctx, tc.channel, tc.run)
			wantField(t, err, tc.field)
		})
	}

	v, err := h.svc.CreateOTERun(h.ctx, w.Channel.ID, "  Certification 1 ")
	wantCode(t, err, "")
	if !strings.HasPrefix(v.Run.ID, "ote_") || v.Run.Name != "Certification 1" || v.Run.ChannelID != w.Channel.ID ||
		v.Run.CreatedBy != registry.OperatorActor || !v.Run.CreatedAt.Equal(h.now()) || v.Channel.Slug != w.Channel.Slug {
		t.Fatalf("run %+v", v)
	}
	if len(v.Events) != 0 || len(v.Checklist) != len(auditedSteps()) {
		t.Fatalf("new run: %d events, %d checklist items", len(v.Events), len(v.Checklist))
	}
	for _, it := range v.Checklist {
		if it.Passed || len(it.EventIDs) != 0 {
			t.Fatalf("a new run passed %s", it.Step.Name)
		}
	}
	got, err := h.svc.GetOTERun(h.ctx, v.Run.ID)
	wantCode(t, err, "")
	if got.Run.ID != v.Run.ID || got.Channel.ID != w.Channel.ID {
		t.Fatalf("GetOTERun %+v", got)
	}
	_, err = h.svc.GetOTERun(h.ctx, "ote_nope")
	wantCode(t, err, core.CodeNotFound)
	_, err = h.svc.EvidenceArchive(h.ctx, "ote_nope")
	wantCode(t, err, core.CodeNotFound)
}

func TestAttachOTEEvidenceIsAllOrNothing(t *testing.T) {
	h := newHarness(t)
	mine := h.registrar(worldSpec{NoProduction: true})
	theirs := h.registrar(worldSpec{NoProduction: true})
	a1 := seedEvent(h, mine, "sandbox_reset", core.AuditSuccess, nil)
	a2 := seedEvent(h, mine, "create_domain", core.AuditSandbox, map[string]any{"claim_acknowledgement": false})
	a3 := seedEvent(h, mine, "renew_domain", core.AuditSandbox, nil)
	b1 := seedEvent(h, theirs, "sandbox_reset", core.AuditSuccess, nil)

	run, err := h.svc.CreateOTERun(h.ctx, mine.Channel.ID, "run")
	wantCode(t, err, "")

	for name, ids := range map[string][]string{
		"another channel's event": {a1.ID, b1.ID},
		"unknown event":           {a1.ID, "aud_unknown"},
		"empty id":                {a1.ID, ""},
		"no ids":                  {},
	} {
		t.Run(name, func(t *testing.T) {
			before := len(h.audit(""))
			_, err := h.svc.AttachOTEEvidence(h.ctx, run.Run.ID, ids)
			wantField(t, err, "audit_event_ids")
			v, err := h.svc.GetOTERun(h.ctx, run.Run.ID)
			wantCode(t, err, "")
			if len(v.Run.EventIDs) != 0 || len(v.Events) != 0 {
				t.Fatalf("a refused attach attached %v", v.Run.EventIDs)
			}
			// Only the GetOTERun above is audited; the refusal is not.
			if after := len(h.audit("")); after != before+1 {
				t.Fatalf("%d audit rows written, want 1 (the read)", after-before)
			}
		})
	}

	v, err := h.svc.AttachOTEEvidence(h.ctx, run.Run.ID, []string{a1.ID, a1.ID, a2.ID})
	wantCode(t, err, "")
	if strings.Join(v.Run.EventIDs, ",") != a1.ID+","+a2.ID || len(v.Events) != 2 || v.Events[0].ID != a1.ID {
		t.Fatalf("after the first attach: %v / %d events", v.Run.EventIDs, len(v.Events))
	}
	v, err = h.svc.AttachOTEEvidence(h.ctx, run.Run.ID, []string{a2.ID, a3.ID})
	wantCode(t, err, "")
	if strings.Join(v.Run.EventIDs, ",") != a1.ID+","+a2.ID+","+a3.ID {
		t.Fatalf("after the second attach: %v", v.Run.EventIDs)
	}
	passed := map[string]bool{}
	for _, it := range v.Checklist {
		passed[it.Step.Name] = it.Passed
	}
	want := map[string]bool{"sandbox_reset": true, "create_domain": true, "create_claim_domain": false, "renew_domain": true,
		"update_domain": false, "update_nameservers": false, "delete_domain": false}
	for step, ok := range want {
		if passed[step] != ok {
			t.Errorf("step %s passed = %v, want %v", step, passed[step], ok)
		}
	}

	_, err = h.svc.AttachOTEEvidence(h.ctx, "ote_nope", []string{a1.ID})
	wantCode(t, err, core.CodeNotFound)

	// The attach is audited on the run's channel.
	var rows int
	for _, e := range h.audit(mine.Channel.ID) {
		if e.Command == "operator.attach_ote_evidence" {
			rows++
		}
	}
	if rows != 2 {
		t.Fatalf("%d attach audit rows, want 2", rows)
	}
}

func TestChecklistFromEvents(t *testing.T) {
	ev := func(id, cmd, status string, claim any) core.AuditEvent {
		req := map[string]any{"domain": "x.ns"}
		if claim != nil {
			req["claim_acknowledgement"] = claim
		}
		return core.AuditEvent{ID: id, Command: cmd, Status: status, RequestSummary: req}
	}
	cases := []struct {
		name   string
		events []core.AuditEvent
		passed map[string][]string // step -> evidencing event ids; absent steps are missing
	}{
		{"nothing attached", nil, map[string][]string{}},
		{"sandbox reset needs success", []core.AuditEvent{ev("e1", "sandbox_reset", "success", nil), ev("e2", "sandbox_reset", "failed", nil)},
			map[string][]string{"sandbox_reset": {"e1"}}},
		{"production and failed creates do not count",
			[]core.AuditEvent{ev("e1", "create_domain", "success", false), ev("e2", "create_domain", "failed", false)},
			map[string][]string{}},
		{"plain and claim creates are told apart",
			[]core.AuditEvent{ev("e1", "create_domain", "sandbox", false), ev("e2", "create_domain", "sandbox", true),
				ev("e3", "create_domain", "sandbox", nil), ev("e4", "create_domain", "sandbox", "true")},
			map[string][]string{"create_domain": {"e1", "e3", "e4"}, "create_claim_domain": {"e2"}}},
		{"each lifecycle step by its command",
			[]core.AuditEvent{ev("r", "renew_domain", "sandbox", nil), ev("u", "update_domain", "sandbox", nil),
				ev("n", "update_nameservers", "sandbox", nil), ev("d", "delete_domain", "sandbox", nil),
				ev("x", "update_records", "sandbox", nil), ev("t", "request_transfer", "sandbox", nil),
				ev("tp", "request_transfer", "success", nil), ev("ta", "approve_transfer", "sandbox", nil)},
			map[string][]string{"renew_domain": {"r"}, "update_domain": {"u"}, "update_nameservers": {"n"}, "delete_domain": {"d"},
				"request_transfer": {"t"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			items := registry.Checklist(tc.events)
			if len(items) != len(auditedSteps()) {
				t.Fatalf("%d items, want %d", len(items), len(auditedSteps()))
			}
			for i, it := range items {
				if it.Step.Name != auditedSteps()[i].Name {
					t.Fatalf("item %d is %s, want %s", i, it.Step.Name, auditedSteps()[i].Name)
				}
				want := tc.passed[it.Step.Name]
				if it.Passed != (len(want) > 0) || strings.Join(it.EventIDs, ",") != strings.Join(want, ",") {
					t.Errorf("%s: passed %v by %v, want %v", it.Step.Name, it.Passed, it.EventIDs, want)
				}
			}
			if registry.ReadyForProduction(items) {
				t.Fatal("an incomplete checklist is ready")
			}
		})
	}
}

func TestEvidenceArchive(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{NoProduction: true})
	reset := seedEvent(h, w, "sandbox_reset", core.AuditSuccess, map[string]any{"namespaces": []string{w.Namespace.Name}})
	create := seedEvent(h, w, "create_domain", core.AuditSandbox, map[string]any{"domain": "new." + w.Namespace.Name,
		"claim_acknowledgement": false, "years": 1, "registrant": map[string]any{"name": "Ann", "country": "US"}})
	run, err := h.svc.CreateOTERun(h.ctx, w.Channel.ID, "Spring | certification")
	wantCode(t, err, "")
	if _, err := h.svc.AttachOTEEvidence(h.ctx, run.Run.ID, []string{reset.ID, create.ID}); err != nil {
		t.Fatal(err)
	}
	doc, err := h.svc.EvidenceArchive(h.ctx, run.Run.ID)
	wantCode(t, err, "")

	total := len(auditedSteps())
	for _, want := range []string{
		"# OT&E evidence archive: Spring | certification\n",
		run.Run.ID, w.Channel.ID, w.Channel.Slug,
		fmt.Sprintf("**Ready for production approval: no — 2 of %d steps passed**", total),
		"| 1 | sandbox_reset | `sandbox_reset` | `success` | ✅ passed | `" + reset.ID + "` |",
		"| 3 | create_claim_domain | `create_domain` | `sandbox` | ❌ missing | — |",
		"## Steps not evidenced by audit events",
		"### 1. `" + reset.ID + "`", "### 2. `" + create.ID + "`",
		"- Idempotency key: `" + create.IdempotencyKey + "`",
		"- HTTP status: 202",
		"- Created at: " + create.CreatedAt.UTC().Format(time.RFC3339Nano),
		// Summaries as indented JSON with sorted keys.
		"```json\n{\n  \"claim_acknowledgement\": false,\n  \"domain\": \"new." + w.Namespace.Name + "\",\n  \"registrant\": {\n    \"country\": \"US\",\n    \"name\": \"Ann\"\n  },\n  \"years\": 1\n}\n```",
		"```json\n{\n  \"status\": \"sandbox\"\n}\n```",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("archive lacks %q", want)
		}
	}
	for _, st := range core.OTESequence() {
		if !strings.Contains(doc, st.Name) {
			t.Errorf("archive lacks step %s", st.Name)
		}
	}
	if strings.Count(doc, "✅ passed") != 2 || strings.Count(doc, "❌ missing") != total-2 {
		t.Errorf("archive marks %d passed and %d missing", strings.Count(doc, "✅ passed"), strings.Count(doc, "❌ missing"))
	}
	if strings.Contains(doc, w.Token) {
		t.Fatal("the archive carries the API key token")
	}
}

// TestOTESequenceEndToEnd runs the OT&E sequence with the registrar
// commands in sandbox mode, attaches the channel's poll events and expects a
// ready verdict: it checks that the commands leave the evidence the
// checklist looks for (including create_domain's claim_acknowledgement).
func TestOTESequenceEndToEnd(t *testing.T) {
	h := newHashingHarness(t)
	w := h.registrar(worldSpec{NoProduction: true, Namespace: namespaceSpec{Name: "defiwallet"}})
	a := h.actor(w.Token, core.CmdSandboxReset)
	fixture := func(purpose string) string { return core.FixtureLabel(purpose, w.Channel.Slug) + ".defiwallet" }
	sandbox := func(key string) core.Mutation { return core.Mutation{IdempotencyKey: key, Sandbox: true} }
	reg := core.Registrant{Name: "OT&E Tester", Email: "ote@example.com", Country: "US"}

	reset, err := h.svc.SandboxReset(h.ctx, a)
	if err != nil {
		t.Fatalf("SandboxReset: %v", err)
	}
	authCode := ""
	for _, f := range reset.Fixtures {
		if f.Purpose == "transfer" && f.Domain == fixture("transfer") {
			authCode = f.AuthCode
		}
	}
	renewInfo, err := h.svc.InfoDomain(h.ctx, a, fixture("renew"))
	if err != nil {
		t.Fatalf("InfoDomain: %v", err)
	}
	steps := []struct {
		name string
		run  func() (core.Outcome, error)
	}{
		{"create", func() (core.Outcome, error) {
			return h.svc.CreateDomain(h.ctx, a, core.CreateDomain{Mutation: sandbox("c1"), Domain: "fresh.defiwallet", Years: 1, Registrant: reg})
		}},
		{"claim create", func() (core.Outcome, error) {
			return h.svc.CreateDomain(h.ctx, a, core.CreateDomain{Mutation: sandbox("c2"), Domain: fixture("claim"), Years: 1, Registrant: reg,
				Claim: &core.ClaimAcknowledgement{NoticeID: "notice-1", AcceptedAt: h.now().Add(-time.Minute)}})
		}},
		{"renew", func() (core.Outcome, error) {
			return h.svc.RenewDomain(h.ctx, a, core.RenewDomain{Mutation: sandbox("r1"), Domain: fixture("renew"), Years: 1,
				CurrentExpiresAt: renewInfo.ExpiresAt})
		}},
		{"update", func() (core.Outcome, error) {
			return h.svc.UpdateDomain(h.ctx, a, core.UpdateDomain{Mutation: sandbox("u1"), Domain: fixture("update"),
				Statuses: core.StatusChange{Add: []string{core.StatusClientHold}}})
		}},
		{"nameservers", func() (core.Outcome, error) {
			return h.svc.UpdateNameservers(h.ctx, a, core.UpdateNameservers{Mutation: sandbox("n1"), Domain: fixture("ns"),
				Nameservers: []string{"ns1.example.net", "ns2.example.net"}})
		}},
		{"delete", func() (core.Outcome, error) {
			return h.svc.DeleteDomain(h.ctx, a, core.DeleteDomain{Mutation: sandbox("d1"), Domain: fixture("delete")})
		}},
		{"transfer", func() (core.Outcome, error) {
			return h.svc.RequestTransfer(h.ctx, a, core.RequestTransferCmd{Mutation: sandbox("t1"), Domain: fixture("transfer"), AuthCode: authCode, Years: 1})
		}},
	}
	for _, st := range steps {
		out, err := st.run()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if out.Status != core.AuditSandbox {
			t.Fatalf("%s answered status %s", st.name, out.Status)
		}
	}

	page, err := h.svc.Poll(h.ctx, a, core.PollFilter{Limit: 500})
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	var ids []string
	for _, e := range page.Events {
		ids = append(ids, e.ID)
	}
	run, err := h.svc.CreateOTERun(h.ctx, w.Channel.ID, "end to end")
	wantCode(t, err, "")
	v, err := h.svc.AttachOTEEvidence(h.ctx, run.Run.ID, ids)
	wantCode(t, err, "")
	for _, it := range v.Checklist {
		if !it.Passed {
			t.Errorf("step %s is missing", it.Step.Name)
		}
	}
	doc, err := h.svc.EvidenceArchive(h.ctx, run.Run.ID)
	wantCode(t, err, "")
	total := len(auditedSteps())
	if want := fmt.Sprintf("Ready for production approval: yes — %d of %d steps passed", total, total); !strings.Contains(doc, want) {
		t.Fatalf("archive verdict missing %q:\n%s", want, doc)
	}
	if strings.Contains(doc, "ote@example.com") {
		t.Fatal("the archive carries a registrant e-mail address")
	}
}
