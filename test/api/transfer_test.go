package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

const restAuthCode = "Tr4nsfer#Code-2026-xyz"

// transferPair admits a losing registrar and a gaining one listed in the
// same namespace (default policy: a 30-day transfer lock, 5 days pending).
func (e *env) transferPair(gainingGems int64) (registrar, registrar) {
	e.t.Helper()
	loser := e.admit(regSpec{})
	return loser, e.admit(regSpec{Namespace: loser.Namespace, Gems: gainingGems})
}

// readyToTransfer creates label for r, lets the transfer lock pass and sets
// its auth code.
func (e *env) readyToTransfer(r registrar, label string) string {
	e.t.Helper()
	name := label + "." + r.Namespace
	e.create(r, name, e.unique("create-"))
	e.clock.advance(31 * 24 * time.Hour)
	e.setAuthCode(r, name, restAuthCode)
	return name
}

func (e *env) setAuthCode(r registrar, name string, code any) map[string]any {
	e.t.Helper()
	return e.must(http.StatusOK, e.send(r, "PATCH", "/domains/"+name, map[string]any{"auth_code": code},
		"Idempotency-Key", e.unique("code-")))
}

func (e *env) transfer(r registrar, name, step string, body any) resp {
	e.t.Helper()
	path := "/domains/" + name + "/transfer"
	if step != "" {
		path += "/" + step
	}
	return e.send(r, "POST", path, body, "Idempotency-Key", e.unique("xfer-"))
}

// ledgerSum checks that a partner's balance equals the sum of its ledger.
func (e *env) ledgerSum(r registrar) int64 {
	e.t.Helper()
	var sum int64
	for _, l := range e.ledger(r.PartnerID) {
		sum += l.Amount
	}
	if b := e.balance(r.PartnerID); b != sum {
		e.t.Fatalf("%s: balance %d, ledger sum %d", r.Slug, b, sum)
	}
	return sum
}

// noticeStatuses answers the transfer statuses of the transfer_notice
// events in r's /poll for name.
func (e *env) noticeStatuses(r registrar, name string) []string {
	e.t.Helper()
	b := e.must(http.StatusOK, e.get(r, "/poll?command=transfer_notice&domain="+name))
	var out []string
	for _, ev := range b["events"].([]any) {
		resp := ev.(map[string]any)["response_summary"].(map[string]any)
		out = append(out, resp["transfer_status"].(string))
	}
	return out
}

func TestTransferOverREST(t *testing.T) {
	e := newEnv(t)
	loser, gainer := e.transferPair(0)
	third := e.admit(regSpec{Namespace: loser.Namespace})
	name := loser.Namespace
	var answers []string
	keep := func(r resp) resp { answers = append(answers, string(r.Raw)); return r }

	// Within the transfer lock: not eligible.
	early := "early." + name
	e.create(loser, early, e.unique("c-"))
	e.setAuthCode(loser, early, restAuthCode)
	e.wantProblem(keep(e.transfer(gainer, early, "", map[string]any{"auth_code": restAuthCode})), core.CodeTransferNotEligible)

	bob := "bob." + name
	e.create(loser, bob, e.unique("c-"))
	alice := e.readyToTransfer(loser, "alice")
	info := e.must(http.StatusOK, keep(e.get(loser, "/domains/"+alice)))
	if info["auth_code_set"] != true || info["auth_code_expires_at"] == nil {
		t.Fatalf("info after setting the code: %v", info)
	}
	// Refusals.
	e.wantProblem(keep(e.transfer(loser, alice, "", map[string]any{"auth_code": restAuthCode})), core.CodeTransferNotEligible)
	wrong := e.wantProblem(keep(e.transfer(gainer, alice, "", map[string]any{"auth_code": "Wrong#Code-2026-xyz"})), core.CodeInvalidAuthCode)
	unset := e.wantProblem(keep(e.transfer(gainer, bob, "", map[string]any{"auth_code": restAuthCode})), core.CodeInvalidAuthCode)
	if wrong["detail"] != unset["detail"] || wrong["title"] != unset["title"] {
		t.Fatalf("a wrong and an unset code answer differently: %v / %v", wrong, unset)
	}
	e.wantProblem(e.transfer(gainer, alice, "", map[string]any{"auth_code": restAuthCode, "years": 10}), core.CodeRegistrationPeriodExceeded)
	poor := e.admit(regSpec{Namespace: loser.Namespace, Gems: 10})
	e.wantProblem(e.transfer(poor, alice, "", map[string]any{"auth_code": restAuthCode}), core.CodeInsufficientGems)
	e.wantProblem(e.transfer(loser, alice, "approve", nil), core.CodeTransferNotPending)
	e.must(http.StatusOK, e.send(loser, "PATCH", "/domains/"+bob, map[string]any{"statuses": map[string]any{"add": []string{core.StatusClientTransferProhibited}}},
		"Idempotency-Key", e.unique("p-")))
	e.setAuthCode(loser, bob, restAuthCode)
	e.wantProblem(e.transfer(gainer, bob, "", map[string]any{"auth_code": restAuthCode}), core.CodeStatusProhibitsOperation)
	weak := e.send(loser, "PATCH", "/domains/"+bob, map[string]any{"auth_code": "weakweakweakweak"}, "Idempotency-Key", e.unique("w-"))
	e.wantField(e.wantProblem(weak, core.CodeValidation), "auth_code")

	// The request: 201, debited, pending.
	before := e.ledgerSum(gainer)
	rq := e.must(http.StatusCreated, keep(e.transfer(gainer, alice, "", map[string]any{"auth_code": restAuthCode})))
	tr := rq["transfer"].(map[string]any)
	if tr["status"] != core.TransferPending || tr["gaining_channel"].(map[string]any)["slug"] != gainer.Slug ||
		tr["losing_channel"].(map[string]any)["id"] != loser.ChannelID || rq["debited_gems"] != float64(80) {
		t.Fatalf("request: %v", rq)
	}
	if after := e.ledgerSum(gainer); after != before-80 {
		t.Fatalf("gaining ledger %d → %d", before, after)
	}
	e.wantProblem(e.transfer(third, alice, "", map[string]any{"auth_code": restAuthCode}), core.CodeTransferAlreadyPending)
	e.wantProblem(e.get(third, "/domains/"+alice+"/transfer"), core.CodeDomainNotSponsored)
	e.wantProblem(e.transfer(gainer, alice, "approve", nil), core.CodeDomainNotSponsored)
	e.wantProblem(e.transfer(loser, alice, "cancel", nil), core.CodeDomainNotSponsored)
	exp := info["expires_at"].(string)
	e.wantProblem(e.send(loser, "POST", "/domains/"+alice+"/renew", map[string]any{"years": 1, "current_expires_at": exp},
		"Idempotency-Key", e.unique("r-")), core.CodeStatusProhibitsOperation)
	e.wantProblem(e.send(loser, "DELETE", "/domains/"+alice, nil, "Idempotency-Key", e.unique("d-")), core.CodeStatusProhibitsOperation)
	q := e.must(http.StatusOK, e.get(gainer, "/domains/"+alice+"/transfer"))
	if q["transfer"].(map[string]any)["status"] != core.TransferPending {
		t.Fatalf("query: %v", q)
	}
	pend := e.must(http.StatusOK, e.get(gainer, "/backend/pending?domain="+alice))
	if items := pend["items"].([]any); len(items) != 1 || items[0].(map[string]any)["command"] != string(core.CmdRequestTransfer) {
		t.Fatalf("gaining pending: %v", pend)
	}

	// The sponsor approves.
	ok := e.must(http.StatusOK, keep(e.transfer(loser, alice, "approve", nil)))
	if ok["transfer"].(map[string]any)["status"] != core.TransferClientApproved {
		t.Fatalf("approve: %v", ok)
	}
	e.wantProblem(e.get(loser, "/domains/"+alice), core.CodeDomainNotSponsored)
	now := e.must(http.StatusOK, keep(e.get(gainer, "/domains/"+alice)))
	if now["registrar_channel_id"] != gainer.ChannelID || now["auth_code_set"] != false {
		t.Fatalf("after approval: %v", now)
	}
	e.ledgerSum(loser)
	e.ledgerSum(gainer)
	if g, l := e.noticeStatuses(gainer, alice), e.noticeStatuses(loser, alice); strings.Join(g, ",") != core.TransferClientApproved ||
		strings.Join(l, ",") != core.TransferPending {
		t.Fatalf("notices: gaining %v losing %v", g, l)
	}
	list := e.must(http.StatusOK, e.get(loser, "/transfers?role=losing"))
	if ts := list["transfers"].([]any); len(ts) != 1 || ts[0].(map[string]any)["domain"] != alice {
		t.Fatalf("losing list: %v", list)
	}
	list = e.must(http.StatusOK, e.get(loser, "/transfers?role=gaining"))
	if ts := list["transfers"].([]any); len(ts) != 0 {
		t.Fatalf("gaining list of the loser: %v", list)
	}
	bad := req("GET", regBase+"/transfers?role=owner", loser.Token, nil)
	bad.invalid = true
	e.wantProblem(e.do(bad), core.CodeValidation)

	// null unsets a code.
	unsetB := e.setAuthCode(loser, bob, nil)
	if unsetB["domain"].(map[string]any)["auth_code_set"] != false {
		t.Fatalf("after null: %v", unsetB)
	}

	// The code is never answered nor audited.
	for _, a := range answers {
		if strings.Contains(a, restAuthCode) {
			t.Fatalf("an answer carries the auth code: %s", a)
		}
	}
	var audit []core.AuditEvent
	for _, r := range []registrar{loser, gainer, third, poor} {
		audit = append(audit, e.registrarAudit(r.ChannelID)...)
	}
	raw, _ := json.Marshal(audit)
	if strings.Contains(string(raw), restAuthCode) || !strings.Contains(string(raw), "auth_code_change") {
		t.Fatal("the audit summaries carry the auth code, or do not record its change")
	}
}

func TestTransferDeadlineAndOperatorOverREST(t *testing.T) {
	e := newEnv(t)
	loser, gainer := e.transferPair(0)
	a := e.readyToTransfer(loser, "carol")
	b := "dave." + loser.Namespace
	e.create(loser, b, e.unique("c-"))
	c := "erin." + loser.Namespace
	e.create(loser, c, e.unique("c-"))
	e.clock.advance(31 * 24 * time.Hour)
	// a's code, set 31 days ago, expired after 14: expired and wrong answer alike.
	e.wantProblem(e.transfer(gainer, a, "", map[string]any{"auth_code": restAuthCode}), core.CodeInvalidAuthCode)
	for _, n := range []string{a, b, c} {
		e.setAuthCode(loser, n, restAuthCode)
	}
	for _, n := range []string{a, b, c} {
		e.must(http.StatusCreated, e.transfer(gainer, n, "", map[string]any{"auth_code": restAuthCode}))
	}
	// An operator approves b and rejects c; the registry approves a at the deadline.
	op := e.opDo("POST", "/domains/"+b+"/transfer/approve", nil, http.StatusOK)
	if op["transfer"].(map[string]any)["status"] != core.TransferServerApproved {
		t.Fatalf("operator approve: %v", op)
	}
	op = e.opDo("POST", "/domains/"+c+"/transfer/reject", nil, http.StatusOK)
	if op["transfer"].(map[string]any)["status"] != core.TransferServerCancelled {
		t.Fatalf("operator reject: %v", op)
	}
	e.wantProblem(e.do(req("POST", opBase+"/domains/"+c+"/transfer/reject", operatorToken, nil)), core.CodeTransferNotPending)
	e.clock.advance(5*24*time.Hour + time.Second)
	rep, err := e.svc.RunMaintenance(context.Background(), 100)
	if err != nil || rep.Changes[core.ChangeApproveTransfer] != 1 {
		t.Fatalf("maintenance: %+v %v", rep, err)
	}
	q := e.must(http.StatusOK, e.get(gainer, "/domains/"+a+"/transfer"))
	if q["transfer"].(map[string]any)["status"] != core.TransferServerApproved {
		t.Fatalf("after the deadline: %v", q)
	}
	for _, n := range []string{a, b} {
		if d := e.must(http.StatusOK, e.get(gainer, "/domains/"+n)); d["registrar_channel_id"] != gainer.ChannelID {
			t.Fatalf("%s sponsor %v", n, d["registrar_channel_id"])
		}
	}
	e.must(http.StatusOK, e.get(loser, "/domains/"+c))
	if got := e.ledgerSum(gainer); got != 10_000-160 {
		t.Fatalf("gaining ledger sum %d", got)
	}
	e.ledgerSum(loser)
	all := e.opDo("GET", "/transfers?status=serverApproved", nil, http.StatusOK)
	if ts := all["transfers"].([]any); len(ts) != 2 {
		t.Fatalf("operator list: %v", all)
	}
}

// transferScenarios produce the transfer codes of the catalog.
func transferScenarios() []scenario {
	ready := func(e *env) (registrar, registrar, string) {
		loser, gainer := e.transferPair(0)
		return loser, gainer, e.readyToTransfer(loser, "cat")
	}
	return []scenario{
		{core.CodeTransferNotEligible, func(t *testing.T, e *env) {
			loser, _, name := ready(e)
			e.wantProblem(e.transfer(loser, name, "", map[string]any{"auth_code": restAuthCode}), core.CodeTransferNotEligible)
		}},
		{core.CodeTransferAlreadyPending, func(t *testing.T, e *env) {
			loser, gainer, name := ready(e)
			e.must(http.StatusCreated, e.transfer(gainer, name, "", map[string]any{"auth_code": restAuthCode}))
			other := e.admit(regSpec{Namespace: loser.Namespace})
			e.wantProblem(e.transfer(other, name, "", map[string]any{"auth_code": restAuthCode}), core.CodeTransferAlreadyPending)
		}},
		{core.CodeTransferNotPending, func(t *testing.T, e *env) {
			loser, _, name := ready(e)
			e.wantProblem(e.transfer(loser, name, "reject", nil), core.CodeTransferNotPending)
		}},
		{core.CodeInvalidAuthCode, func(t *testing.T, e *env) {
			_, gainer, name := ready(e)
			e.wantProblem(e.transfer(gainer, name, "", map[string]any{"auth_code": "Not#The-Code-2026"}), core.CodeInvalidAuthCode)
		}},
	}
}

// TestTransferInSandbox: a sandbox request is validated as in production
// (a wrong code is refused) and answers 202 with would_debit_gems, leaving
// nothing pending and nothing debited.
func TestTransferInSandbox(t *testing.T) {
	e := newEnv(t)
	loser, gainer := e.transferPair(0)
	name := e.readyToTransfer(loser, "sandy")
	e.wantProblem(e.send(gainer, "POST", "/domains/"+name+"/transfer", map[string]any{"auth_code": "Wrong#Code-2026-xyz"},
		"Idempotency-Key", e.unique("sb-"), "X-Registrar-Sandbox", "1"), core.CodeInvalidAuthCode)
	before := e.ledgerSum(gainer)
	b := e.must(http.StatusAccepted, e.send(gainer, "POST", "/domains/"+name+"/transfer", map[string]any{"auth_code": restAuthCode},
		"Idempotency-Key", e.unique("sb-"), "X-Registrar-Sandbox", "1"))
	if b["would_debit_gems"] != float64(80) || b["transfer"].(map[string]any)["status"] != core.TransferPending {
		t.Fatalf("sandbox request: %v", b)
	}
	if after := e.ledgerSum(gainer); after != before {
		t.Fatalf("a sandbox request moved %d Gems", after-before)
	}
	e.wantProblem(e.get(gainer, "/domains/"+name+"/transfer"), core.CodeDomainNotSponsored)
	if d := e.must(http.StatusOK, e.get(loser, "/domains/"+name)); strings.Contains(strings.Join(toStrings(d["statuses"]), ","), core.StatusPendingTransfer) {
		t.Fatalf("sandbox left the name pending: %v", d["statuses"])
	}
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
