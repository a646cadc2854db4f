package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// maxEvidencePerCall bounds one evidence attachment.
const maxEvidencePerCall = 500

// ClaimSummaryKey is the request-summary member that create_domain sets to
// true when the request carried a claims acknowledgement; the checklist's
// claim step looks for it.
const ClaimSummaryKey = "claim_acknowledgement"

// CreateOTERun opens a named OT&E run for a registrar channel.
func (s *Service) CreateOTERun(ctx context.Context, channelID, name string) (core.OTERunView, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxPartnerNameLength {
		return core.OTERunView{}, core.Invalid("name", "name is required and has at most %d characters", maxPartnerNameLength)
	}
	if strings.TrimSpace(channelID) == "" {
		return core.OTERunView{}, core.Invalid("registrar_channel_id", "registrar_channel_id is required")
	}
	var view core.OTERunView
	err := s.operatorDo(ctx, "create_ote_run", 201, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		ch, err := tx.Channels().Get(ctx, channelID)
		if errors.Is(err, ports.ErrNotFound) {
			return core.Invalid("registrar_channel_id", "registrar channel %s does not exist", quoteID(channelID))
		}
		if err != nil {
			return storeErr(err, core.CodeInternal, "registrar channel")
		}
		run := core.OTERun{ID: s.ids.NewID("ote"), ChannelID: ch.ID, Name: name, CreatedBy: OperatorActor,
			CreatedAt: now, UpdatedAt: now, EventIDs: []string{}}
		if err := tx.OTERuns().Insert(ctx, run); err != nil {
			return storeErr(err, core.CodeInternal, "OT&E run")
		}
		view = core.OTERunView{Run: run, Channel: ch, Events: []core.AuditEvent{}, Checklist: Checklist(nil)}
		rec.channelID, rec.channelSlug = ch.ID, ch.Slug
		rec.request = map[string]any{"registrar_channel_id": ch.ID, "name": name}
		rec.response = map[string]any{"ote_run_id": run.ID}
		return nil
	})
	if err != nil {
		return core.OTERunView{}, err
	}
	return view, nil
}

// AttachOTEEvidence attaches audit events of the run's channel to the run.
// It is all or nothing: an unknown id or another channel's event refuses the
// whole call with validation_error and attaches nothing. Ids already attached
// (or repeated in the call) are ignored.
func (s *Service) AttachOTEEvidence(ctx context.Context, runID string, auditEventIDs []string) (core.OTERunView, error) {
	if len(auditEventIDs) == 0 || len(auditEventIDs) > maxEvidencePerCall {
		return core.OTERunView{}, core.Invalid("audit_event_ids", "audit_event_ids must list 1 to %d audit event ids", maxEvidencePerCall)
	}
	ids := make([]string, 0, len(auditEventIDs))
	seen := map[string]bool{}
	for _, id := range auditEventIDs {
		if strings.TrimSpace(id) == "" {
			return core.OTERunView{}, core.Invalid("audit_event_ids", "audit event ids must not be empty")
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	var view core.OTERunView
	err := s.operatorDo(ctx, "attach_ote_evidence", 200, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		run, err := tx.OTERuns().Get(ctx, runID)
		if err != nil {
			return storeErr(err, core.CodeNotFound, "OT&E run "+quoteID(runID))
		}
		events, err := tx.Audit().GetMany(ctx, ids)
		if err != nil {
			return storeErr(err, core.CodeInternal, "audit events")
		}
		found := make(map[string]core.AuditEvent, len(events))
		for _, e := range events {
			found[e.ID] = e
		}
		for _, id := range ids {
			e, ok := found[id]
			if !ok {
				return core.Invalid("audit_event_ids", "audit event %s does not exist; nothing was attached", quoteID(id))
			}
			if e.ChannelID != run.ChannelID {
				return core.Invalid("audit_event_ids",
					"audit event %s belongs to another registrar channel than the run's; nothing was attached", quoteID(id))
			}
		}
		added := 0
		run, err = tx.OTERuns().Update(ctx, runID, func(r *core.OTERun) error {
			for _, id := range ids {
				if !slices.Contains(r.EventIDs, id) {
					r.EventIDs = append(r.EventIDs, id)
					added++
				}
			}
			r.UpdatedAt = now
			return nil
		})
		if err != nil {
			return storeErr(err, core.CodeNotFound, "OT&E run "+quoteID(runID))
		}
		if view, err = s.runView(ctx, tx, run); err != nil {
			return err
		}
		rec.channelID, rec.channelSlug = view.Channel.ID, view.Channel.Slug
		rec.request = map[string]any{"ote_run_id": run.ID, "audit_event_ids": ids}
		rec.response = map[string]any{"ote_run_id": run.ID, "attached": added, "evidence": len(run.EventIDs),
			"steps_passed": passedCount(view.Checklist), "steps": len(view.Checklist)}
		return nil
	})
	if err != nil {
		return core.OTERunView{}, err
	}
	return view, nil
}

// GetOTERun answers a run with its evidence resolved and its checklist.
func (s *Service) GetOTERun(ctx context.Context, runID string) (core.OTERunView, error) {
	var view core.OTERunView
	err := s.operatorDo(ctx, "get_ote_run", 200, func(ctx context.Context, tx ports.Stores, _ time.Time, rec *opAudit) error {
		run, err := tx.OTERuns().Get(ctx, runID)
		if err != nil {
			return storeErr(err, core.CodeNotFound, "OT&E run "+quoteID(runID))
		}
		if view, err = s.runView(ctx, tx, run); err != nil {
			return err
		}
		rec.channelID, rec.channelSlug = view.Channel.ID, view.Channel.Slug
		rec.request = map[string]any{"ote_run_id": run.ID}
		rec.response = map[string]any{"ote_run_id": run.ID, "evidence": len(run.EventIDs),
			"steps_passed": passedCount(view.Checklist), "steps": len(view.Checklist)}
		return nil
	})
	if err != nil {
		return core.OTERunView{}, err
	}
	return view, nil
}

// EvidenceArchive renders a run's Markdown evidence archive: the run, the
// channel, the readiness verdict, the checklist and every attached event with
// its (already redacted) request and response summaries.
func (s *Service) EvidenceArchive(ctx context.Context, runID string) (string, error) {
	var doc string
	err := s.operatorDo(ctx, "evidence_archive", 200, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		run, err := tx.OTERuns().Get(ctx, runID)
		if err != nil {
			return storeErr(err, core.CodeNotFound, "OT&E run "+quoteID(runID))
		}
		view, err := s.runView(ctx, tx, run)
		if err != nil {
			return err
		}
		doc = RenderEvidenceArchive(view, now)
		rec.channelID, rec.channelSlug = view.Channel.ID, view.Channel.Slug
		rec.request = map[string]any{"ote_run_id": run.ID}
		rec.response = map[string]any{"ote_run_id": run.ID, "bytes": len(doc)}
		return nil
	})
	if err != nil {
		return "", err
	}
	return doc, nil
}

// runView resolves a run's channel and attached events and computes its checklist.
func (s *Service) runView(ctx context.Context, tx ports.Stores, run core.OTERun) (core.OTERunView, error) {
	ch, err := tx.Channels().Get(ctx, run.ChannelID)
	if err != nil {
		return core.OTERunView{}, storeErr(err, core.CodeInternal, "registrar channel of the OT&E run")
	}
	events := []core.AuditEvent{}
	if len(run.EventIDs) > 0 {
		if events, err = tx.Audit().GetMany(ctx, run.EventIDs); err != nil {
			return core.OTERunView{}, storeErr(err, core.CodeInternal, "audit events")
		}
	}
	if run.EventIDs == nil {
		run.EventIDs = []string{}
	}
	return core.OTERunView{Run: run, Channel: ch, Events: events, Checklist: Checklist(events)}, nil
}

// Checklist computes the OT&E checklist from attached audit events: one item
// per step of core.OTESequence() that leaves an audit event (Audited), passed
// when an attached event shows it. Steps that leave no audit row (status,
// check, info, the idempotent replay, poll) cannot be evidenced this way and
// are not part of the checklist; the archive lists them separately.
func Checklist(events []core.AuditEvent) []core.ChecklistItem {
	out := []core.ChecklistItem{}
	for _, step := range core.OTESequence() {
		if !step.Audited {
			continue
		}
		item := core.ChecklistItem{Step: step, EventIDs: []string{}}
		for _, e := range events {
			if StepEvidencedBy(step, e) {
				item.EventIDs = append(item.EventIDs, e.ID)
			}
		}
		item.Passed = len(item.EventIDs) > 0
		out = append(out, item)
	}
	return out
}

// StepEvidencedBy reports whether audit event e proves OT&E step: the same
// command, status "sandbox" for sandbox steps ("success" otherwise, e.g.
// sandbox_reset), and for creates a claims acknowledgement exactly when the
// step is the claim step (so the plain and the claim create need an event each).
func StepEvidencedBy(step core.OTEStep, e core.AuditEvent) bool {
	if e.Command != string(step.Command) {
		return false
	}
	want := core.AuditSuccess
	if step.Sandbox {
		want = core.AuditSandbox
	}
	if e.Status != want {
		return false
	}
	if step.Command == core.CmdCreateDomain && claimAcknowledged(e) != step.Claim {
		return false
	}
	return true
}

func claimAcknowledged(e core.AuditEvent) bool {
	v, ok := e.RequestSummary[ClaimSummaryKey]
	if !ok {
		return false
	}
	b, ok := v.(bool)
	return ok && b
}

func passedCount(items []core.ChecklistItem) int {
	n := 0
	for _, it := range items {
		if it.Passed {
			n++
		}
	}
	return n
}

// ReadyForProduction reports whether every checklist step passed.
func ReadyForProduction(items []core.ChecklistItem) bool {
	return len(items) > 0 && passedCount(items) == len(items)
}

// RenderEvidenceArchive renders the Markdown evidence archive of a run at now.
func RenderEvidenceArchive(v core.OTERunView, now time.Time) string {
	var b strings.Builder
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	yesNo := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "no"
	}

	fmt.Fprintf(&b, "# OT&E evidence archive: %s\n\n", mdText(v.Run.Name))
	fmt.Fprintf(&b, "- Run: %s\n", mdCode(v.Run.ID))
	fmt.Fprintf(&b, "- Run name: %s\n", mdText(v.Run.Name))
	fmt.Fprintf(&b, "- Registrar channel: %s (%s)\n", mdCode(v.Channel.Slug), mdCode(v.Channel.ID))
	fmt.Fprintf(&b, "- Channel status: %s; production approved: %s\n", mdCode(string(v.Channel.Status)), yesNo(v.Channel.ProductionApproved))
	fmt.Fprintf(&b, "- Created by: %s at %s\n", mdText(v.Run.CreatedBy), ts(v.Run.CreatedAt))
	fmt.Fprintf(&b, "- Last evidence change: %s\n", ts(v.Run.UpdatedAt))
	fmt.Fprintf(&b, "- Archive generated at: %s\n", ts(now))
	fmt.Fprintf(&b, "- Attached events: %d\n\n", len(v.Events))

	passed := passedCount(v.Checklist)
	fmt.Fprintf(&b, "**Ready for production approval: %s — %d of %d steps passed**\n\n",
		yesNo(ReadyForProduction(v.Checklist)), passed, len(v.Checklist))

	b.WriteString("## Checklist\n\n")
	b.WriteString("Each step passes when an attached audit event of this channel shows it: the same command, ")
	b.WriteString("status `sandbox` for sandbox steps (`success` for `sandbox_reset`), and for the claim step a ")
	b.WriteString("request summary with `claim_acknowledgement: true`.\n\n")
	b.WriteString("| # | Step | Command | Expected status | Result | Evidence |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
	for i, it := range v.Checklist {
		want := core.AuditSuccess
		if it.Step.Sandbox {
			want = core.AuditSandbox
		}
		result := "❌ missing"
		if it.Passed {
			result = "✅ passed"
		}
		evidence := "—"
		if len(it.EventIDs) > 0 {
			codes := make([]string, len(it.EventIDs))
			for j, id := range it.EventIDs {
				codes[j] = mdCode(id)
			}
			evidence = strings.Join(codes, ", ")
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s |\n", i+1, mdCell(it.Step.Name), mdCode(string(it.Step.Command)),
			mdCode(want), result, evidence)
	}
	b.WriteString("\n")

	b.WriteString("## Steps not evidenced by audit events\n\n")
	b.WriteString("These steps of the OT&E sequence leave no audit row (reads, availability checks and idempotent ")
	b.WriteString("replays write none), so they are verified from the registrar's own request log and are not ")
	b.WriteString("counted in the verdict above.\n\n")
	for _, st := range core.OTESequence() {
		if st.Audited {
			continue
		}
		fmt.Fprintf(&b, "- %s (%s): %s\n", mdCode(st.Name), mdCode(string(st.Command)), st.Description)
	}
	b.WriteString("\n")

	fmt.Fprintf(&b, "## Attached events (%d)\n\n", len(v.Events))
	if len(v.Events) == 0 {
		b.WriteString("No audit events are attached to this run.\n")
	}
	for i, e := range v.Events {
		fmt.Fprintf(&b, "### %d. %s\n\n", i+1, mdCode(e.ID))
		fmt.Fprintf(&b, "- Command: %s\n", mdCode(e.Command))
		fmt.Fprintf(&b, "- Status: %s\n", mdCode(e.Status))
		fmt.Fprintf(&b, "- Domain: %s\n", mdCodeOrDash(e.Domain))
		fmt.Fprintf(&b, "- Idempotency key: %s\n", mdCodeOrDash(e.IdempotencyKey))
		fmt.Fprintf(&b, "- HTTP status: %d\n", e.HTTPStatus)
		fmt.Fprintf(&b, "- Registrar channel: %s (%s)\n", mdCodeOrDash(e.ChannelSlug), mdCodeOrDash(e.ChannelID))
		fmt.Fprintf(&b, "- Actor: %s\n", mdCodeOrDash(e.Actor))
		fmt.Fprintf(&b, "- Created at: %s\n\n", e.CreatedAt.UTC().Format(time.RFC3339Nano))
		b.WriteString("Request summary:\n\n")
		b.WriteString(jsonBlock(e.RequestSummary))
		b.WriteString("\nResponse summary:\n\n")
		b.WriteString(jsonBlock(e.ResponseSummary))
		b.WriteString("\n")
	}
	return b.String()
}

// jsonBlock renders a summary as a fenced JSON block: keys sorted (as
// encoding/json does for maps), indented, fenced longer than any backtick run
// inside.
func jsonBlock(m map[string]any) string {
	if m == nil {
		m = map[string]any{}
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		body = []byte(`{"error": "summary could not be encoded"}`)
	}
	fence := strings.Repeat("`", max(3, longestRun(string(body), '`')+1))
	return fence + "json\n" + string(body) + "\n" + fence + "\n"
}

// mdCode renders s as inline code, whatever backticks it holds.
func mdCode(s string) string {
	s = oneLine(s)
	if s == "" {
		return "``"
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

func mdCodeOrDash(s string) string {
	if s == "" {
		return "—"
	}
	return mdCode(s)
}

// mdText keeps free text from a request (run names) on one line and
// neutralises raw HTML; Markdown emphasis is left as typed so that the name
// reads exactly as the operator gave it.
func mdText(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(oneLine(s))
}

func mdCell(s string) string { return strings.ReplaceAll(oneLine(s), "|", `\|`) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}

// checkOTEReady refuses production approval of a channel (not yet approved)
// whose latest OT&E run is not ready: every audited step of the OT&E sequence
// needs attached evidence (ReadyForProduction). A channel without any run is
// refused too. A channel already approved passes: approving again changes
// nothing.
func (s *Service) checkOTEReady(ctx context.Context, tx ports.Stores, channelID string) error {
	ch, err := tx.Channels().Get(ctx, channelID)
	if err != nil {
		return storeErr(err, core.CodeNotFound, "registrar channel "+quoteID(channelID))
	}
	if ch.ProductionApproved {
		return nil
	}
	run, err := tx.OTERuns().LatestByChannel(ctx, ch.ID)
	if errors.Is(err, ports.ErrNotFound) {
		return core.Errorf(core.CodeOTERunNotReady,
			"registrar channel %s has no OT&E run: create one, attach the registrar's OT&E evidence, or send force: true", quoteID(ch.ID))
	}
	if err != nil {
		return storeErr(err, core.CodeInternal, "OT&E run")
	}
	view, err := s.runView(ctx, tx, run)
	if err != nil {
		return err
	}
	if ReadyForProduction(view.Checklist) {
		return nil
	}
	var missing []string
	for _, it := range view.Checklist {
		if !it.Passed {
			missing = append(missing, it.Step.Name)
		}
	}
	return core.Errorf(core.CodeOTERunNotReady,
		"the latest OT&E run %s of registrar channel %s passed %d of %d steps (missing: %s); attach the evidence, or send force: true",
		quoteID(run.ID), quoteID(ch.ID), passedCount(view.Checklist), len(view.Checklist), strings.Join(missing, ", "))
}
