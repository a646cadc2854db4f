package httpadapter

import (
	"net/http"

	"github.com/headlessdomains/registry/core"
)

type adjustGemsRequest struct {
	Delta  *int64 `json:"delta"`
	Reason string `json:"reason"`
}

// gemsAdjustmentDTO is an operator's Gems movement: its ledger entry and
// the balance after it.
type gemsAdjustmentDTO struct {
	ID           string `json:"id"`
	PartnerID    string `json:"partner_id"`
	Delta        int64  `json:"delta"`
	Reason       string `json:"reason"`
	Actor        string `json:"actor"`
	GemsBalance  int64  `json:"gems_balance"`
	AuditEventID string `json:"audit_event_id"`
	CreatedAt    string `json:"created_at"`
}

func gemsAdjustmentOf(a core.GemsAdjustment) gemsAdjustmentDTO {
	e := a.Entry
	return gemsAdjustmentDTO{ID: e.ID, PartnerID: e.PartnerID, Delta: e.Amount, Reason: e.Reason, Actor: e.Actor,
		GemsBalance: e.Balance, AuditEventID: e.AuditID, CreatedAt: timeString(e.CreatedAt)}
}

// adjustGems is POST /partners/{id}/gems-adjustments.
func (s *Server) adjustGems(w http.ResponseWriter, r *http.Request) error {
	var req adjustGemsRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	if req.Delta == nil {
		return core.Invalid("delta", "delta is required: the Gems to add (negative: to take away)")
	}
	a, err := s.op.AdjustGems(r.Context(), idVar(r), core.AdjustGems{Delta: *req.Delta, Reason: req.Reason})
	return answer(w, http.StatusCreated, a, err, func(a core.GemsAdjustment) any { return gemsAdjustmentOf(a) })
}
