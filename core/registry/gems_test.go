package registry_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// operatorAudit answers the operator audit rows of one command.
func (h *harness) operatorAudit(command string) []core.AuditEvent {
	h.t.Helper()
	var out []core.AuditEvent
	h.do(func(ctx context.Context, tx ports.Stores) error {
		var err error
		out, err = tx.Audit().Query(ctx, ports.AuditQuery{Actor: "operator", Command: "operator." + command, Limit: 1000})
		return err
	})
	return out
}

func TestAdjustGemsRecordsReasonActorAndAudit(t *testing.T) {
	h := newHarness(t)
	p := h.partner(100, false)
	a, err := h.svc.AdjustGems(h.ctx, p.ID, core.AdjustGems{Delta: 250, Reason: "  credit note 2026-17  "})
	wantCode(t, err, "")
	if a.Partner.GemsBalance != 350 || a.Entry.Amount != 250 || a.Entry.Balance != 350 ||
		a.Entry.Reason != "credit note 2026-17" || a.Entry.Actor != "operator" || a.Entry.Command != "operator_adjust" {
		t.Fatalf("adjustment %+v", a)
	}
	rows := h.operatorAudit("adjust_gems")
	if len(rows) != 1 || rows[0].ID != a.Entry.AuditID || rows[0].RequestSummary["reason"] != "credit note 2026-17" {
		t.Fatalf("audit rows %+v, want one naming ledger entry's audit id %s", rows, a.Entry.AuditID)
	}
	a, err = h.svc.AdjustGems(h.ctx, p.ID, core.AdjustGems{Delta: -350, Reason: "refund reversed"})
	wantCode(t, err, "")
	if a.Partner.GemsBalance != 0 {
		t.Fatalf("taking the whole balance left %d", a.Partner.GemsBalance)
	}
	entries := h.ledger(p.ID)
	if len(entries) != 3 || ledgerSum(entries) != 0 || entries[2].Reason != "refund reversed" {
		t.Fatalf("ledger %+v", entries)
	}
}

func TestAdjustGemsRefusals(t *testing.T) {
	h := newHarness(t)
	p := h.partner(100, false)
	for _, tc := range []struct {
		name  string
		id    string
		cmd   core.AdjustGems
		code  core.Code
		field string
	}{
		{"below zero", p.ID, core.AdjustGems{Delta: -101, Reason: "chargeback"}, core.CodeInsufficientGems, ""},
		{"zero", p.ID, core.AdjustGems{Delta: 0, Reason: "nothing"}, core.CodeValidation, "delta"},
		{"too large", p.ID, core.AdjustGems{Delta: core.MaxGemsDelta + 1, Reason: "typo"}, core.CodeValidation, "delta"},
		{"too small", p.ID, core.AdjustGems{Delta: -core.MaxGemsDelta - 1, Reason: "typo"}, core.CodeValidation, "delta"},
		{"no reason", p.ID, core.AdjustGems{Delta: 5, Reason: "   "}, core.CodeValidation, "reason"},
		{"long reason", p.ID, core.AdjustGems{Delta: 5, Reason: strings.Repeat("r", core.MaxGemsReasonLength+1)}, core.CodeValidation, "reason"},
		{"control character", p.ID, core.AdjustGems{Delta: 5, Reason: "ok\x1b[2Jhidden"}, core.CodeValidation, "reason"},
		{"unknown partner", "ptr_nope", core.AdjustGems{Delta: 5, Reason: "credit"}, core.CodeNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.svc.AdjustGems(h.ctx, tc.id, tc.cmd)
			if tc.field != "" {
				wantField(t, err, tc.field)
			} else {
				wantCode(t, err, tc.code)
			}
			got, err := h.svc.GetPartner(h.ctx, p.ID)
			wantCode(t, err, "")
			if got.GemsBalance != 100 || len(h.ledger(p.ID)) != 1 || len(h.operatorAudit("adjust_gems")) != 0 {
				t.Fatalf("a refused adjustment left a trace: %+v", got)
			}
		})
	}
}

func TestPatchPartnerBalanceIsADifferenceWithAReason(t *testing.T) {
	h := newHarness(t)
	p := h.partner(100, false)
	got, err := h.svc.PatchPartner(h.ctx, p.ID, core.PatchPartner{GemsBalance: ptr[core.Gems](160), Reason: "top-up INV-9"})
	wantCode(t, err, "")
	if got.GemsBalance != 160 {
		t.Fatalf("balance %d, want 160", got.GemsBalance)
	}
	_, err = h.svc.PatchPartner(h.ctx, p.ID, core.PatchPartner{GemsBalance: ptr[core.Gems](150)})
	wantCode(t, err, "")
	entries := h.ledger(p.ID)
	if len(entries) != 3 {
		t.Fatalf("ledger %+v", entries)
	}
	if e := entries[1]; e.Amount != 60 || e.Reason != "top-up INV-9" || e.Actor != "operator" || e.AuditID == "" {
		t.Fatalf("PATCH entry %+v", e)
	}
	if e := entries[2]; e.Amount != -10 || e.Reason != "gems_balance set from 160 to 150" {
		t.Fatalf("PATCH entry without a reason %+v", e)
	}
	// A balance past the largest one is refused on gems_balance, without
	// overflowing on the way.
	_, err = h.svc.PatchPartner(h.ctx, p.ID, core.PatchPartner{GemsBalance: ptr[core.Gems](math.MaxInt64)})
	wantField(t, err, "gems_balance")
	// A reason alone changes nothing and is refused.
	_, err = h.svc.PatchPartner(h.ctx, p.ID, core.PatchPartner{DNSModuleEnabled: ptr(true), Reason: "why"})
	wantField(t, err, "reason")
}
