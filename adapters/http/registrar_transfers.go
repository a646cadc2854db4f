package httpadapter

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/headlessdomains/registry/core"
)

// Transfers between registrars (RFC 5731 transfer, RFC 9154 authorization
// codes): the routes of the transfer commands, their bodies and answers.

// transferHandlers are the registrar handlers of the transfer commands.
func (s *Server) transferHandlers() map[core.Command]registrarHandler {
	return map[core.Command]registrarHandler{
		core.CmdQueryTransfer:   s.queryTransfer,
		core.CmdRequestTransfer: s.requestTransfer,
		core.CmdApproveTransfer: s.transferAction(core.CmdApproveTransfer),
		core.CmdRejectTransfer:  s.transferAction(core.CmdRejectTransfer),
		core.CmdCancelTransfer:  s.transferAction(core.CmdCancelTransfer),
		core.CmdListTransfers:   s.listTransfers,
	}
}

// channelRefDTO names a registrar channel.
type channelRefDTO struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
}

// transferDTO is a transfer as both its channels see it.
type transferDTO struct {
	Domain         string        `json:"domain"`
	Status         string        `json:"status"`
	GainingChannel channelRefDTO `json:"gaining_channel"`
	LosingChannel  channelRefDTO `json:"losing_channel"`
	RequestedAt    string        `json:"requested_at"`
	ActionAt       string        `json:"action_at"`
	Years          int           `json:"years"`
	ExpiresAt      string        `json:"expires_at"`
}

func transferOf(v core.TransferView) transferDTO {
	return transferDTO{
		Domain: v.Domain, Status: v.Status,
		GainingChannel: channelRefDTO{ID: v.GainingChannel.ID, Slug: v.GainingChannel.Slug},
		LosingChannel:  channelRefDTO{ID: v.LosingChannel.ID, Slug: v.LosingChannel.Slug},
		RequestedAt:    timeString(v.RequestedAt), ActionAt: timeString(v.ActionAt), Years: v.Years,
		ExpiresAt: timeString(v.ExpiresAt),
	}
}

// transferResponse answers a query and the operator's commands.
type transferResponse struct {
	Transfer transferDTO `json:"transfer"`
}

// transferListResponse answers GET /transfers.
type transferListResponse struct {
	Transfers  []transferDTO `json:"transfers"`
	NextCursor *string       `json:"next_cursor"`
}

type transferRequest struct {
	IdempotencyKey *string `json:"idempotency_key"`
	Sandbox        *bool   `json:"sandbox"`
	AuthCode       *string `json:"auth_code"`
	Years          *int    `json:"years"`
}

type transferActionRequest struct {
	IdempotencyKey *string `json:"idempotency_key"`
	Sandbox        *bool   `json:"sandbox"`
}

// optionalString is a JSON member that may be absent (Set false), null
// (Set, Value nil) or a string.
type optionalString struct {
	Set   bool
	Value *string
}

func (o *optionalString) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Value = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	o.Value = &s
	return nil
}

// authCodeOf turns PATCH's auth_code into the update's: nil (absent), ""
// (null: unset it) or the new code; an empty string is not a code.
func authCodeOf(o optionalString) (*string, error) {
	if !o.Set {
		return nil, nil
	}
	if o.Value == nil {
		empty := ""
		return &empty, nil
	}
	if *o.Value == "" {
		return nil, core.Invalid("auth_code", "auth_code must be a new code, or null to unset it")
	}
	return o.Value, nil
}

func (s *Server) queryTransfer(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	v, err := s.reg.QueryTransfer(r.Context(), a, domainVar(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, transferResponse{Transfer: transferOf(v)})
	return nil
}

func (s *Server) requestTransfer(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	var req transferRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	m, err := mutationOf(r, req.IdempotencyKey, req.Sandbox)
	if err != nil {
		return err
	}
	// The core checks both (a missing code, a period out of range).
	cmd := core.RequestTransferCmd{Mutation: m, Domain: domainVar(r), Years: 1}
	if req.AuthCode != nil {
		cmd.AuthCode = *req.AuthCode
	}
	if req.Years != nil {
		cmd.Years = *req.Years
	}
	return s.answerOutcome(w, r, func() (core.Outcome, error) { return s.reg.RequestTransfer(r.Context(), a, cmd) })
}

func (s *Server) transferAction(command core.Command) registrarHandler {
	return func(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
		var req transferActionRequest
		if _, err := decodeBody(w, r, bodyOptional, &req); err != nil {
			return err
		}
		m, err := mutationOf(r, req.IdempotencyKey, req.Sandbox)
		if err != nil {
			return err
		}
		cmd := core.TransferAction{Mutation: m, Domain: domainVar(r)}
		return s.answerOutcome(w, r, func() (core.Outcome, error) {
			switch command {
			case core.CmdApproveTransfer:
				return s.reg.ApproveTransfer(r.Context(), a, cmd)
			case core.CmdRejectTransfer:
				return s.reg.RejectTransfer(r.Context(), a, cmd)
			default:
				return s.reg.CancelTransfer(r.Context(), a, cmd)
			}
		})
	}
}

func (s *Server) listTransfers(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	q := r.URL.Query()
	f := core.TransferFilter{Role: q.Get("role"), Status: q.Get("status"), Cursor: q.Get("cursor")}
	var err error
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		return err
	}
	page, err := s.reg.ListTransfers(r.Context(), a, f)
	if err != nil {
		return err
	}
	resp := transferListResponse{Transfers: make([]transferDTO, 0, len(page.Transfers)), NextCursor: nullString(page.NextCursor)}
	for _, t := range page.Transfers {
		resp.Transfers = append(resp.Transfers, transferOf(t))
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// operatorTransferRoutes are the operator's transfer routes.
func (s *Server) operatorTransferRoutes() []struct {
	method, path string
	name         string
	h            operatorHandler
} {
	return []struct {
		method, path string
		name         string
		h            operatorHandler
	}{
		{http.MethodGet, OperatorBase + "/transfers", "list_transfers", s.operatorListTransfers},
		{http.MethodPost, OperatorBase + "/domains/{domain}/transfer/approve", "approve_transfer", s.operatorTransfer(true)},
		{http.MethodPost, OperatorBase + "/domains/{domain}/transfer/reject", "reject_transfer", s.operatorTransfer(false)},
	}
}

// operatorTransfer approves (serverApproved) or rejects (serverCancelled) a
// pending transfer.
func (s *Server) operatorTransfer(approve bool) operatorHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := decodeBody(w, r, bodyOptional, &struct{}{}); err != nil {
			return err
		}
		v, err := s.op.OperatorTransfer(r.Context(), domainVar(r), approve)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, transferResponse{Transfer: transferOf(v)})
		return nil
	}
}

// operatorListTransfers is GET /admin/transfers: every channel's transfers,
// or one channel's (registrar_channel_id) by role, and by status.
func (s *Server) operatorListTransfers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := core.TransferFilter{ChannelID: q.Get("registrar_channel_id"), Role: q.Get("role"), Status: q.Get("status"), Cursor: q.Get("cursor")}
	var err error
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		return err
	}
	page, err := s.op.OperatorListTransfers(r.Context(), f)
	if err != nil {
		return err
	}
	resp := transferListResponse{Transfers: make([]transferDTO, 0, len(page.Transfers)), NextCursor: nullString(page.NextCursor)}
	for _, t := range page.Transfers {
		resp.Transfers = append(resp.Transfers, transferOf(t))
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}
