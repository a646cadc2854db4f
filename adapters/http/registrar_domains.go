package httpadapter

import (
	"net/http"
	"time"

	"github.com/headlessdomains/registry/core"
)

func (s *Server) checkDomains(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	var req checkRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	results, err := s.reg.CheckDomains(r.Context(), a, core.CheckDomains{Names: req.Names})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, checkResponseOf(results))
	return nil
}

func (s *Server) createDomain(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	var req createRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	m, err := mutationOf(r, req.IdempotencyKey, req.Sandbox)
	if err != nil {
		return err
	}
	cmd := core.CreateDomain{Mutation: m, Domain: req.Domain, Years: 1, Registrant: req.Registrant.core(),
		Nameservers: req.Nameservers}
	if req.Years != nil {
		cmd.Years = *req.Years
	}
	if req.Claim != nil {
		var at time.Time
		if req.Claim.AcceptedAt != "" {
			if at, err = parseTime("claim_acknowledgement.accepted_at", req.Claim.AcceptedAt); err != nil {
				return err
			}
		}
		cmd.Claim = &core.ClaimAcknowledgement{NoticeID: req.Claim.NoticeID, AcceptedAt: at}
	}
	return s.answerOutcome(w, r, func() (core.Outcome, error) { return s.reg.CreateDomain(r.Context(), a, cmd) })
}

func (s *Server) infoDomain(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	v, err := s.reg.InfoDomain(r.Context(), a, domainVar(r))
	if err != nil {
		return err
	}
	d := domainOf(v)
	writeDomain(w, http.StatusOK, &d)
	return nil
}

func (s *Server) renewDomain(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	var req renewRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	m, err := mutationOf(r, req.IdempotencyKey, req.Sandbox)
	if err != nil {
		return err
	}
	cmd := core.RenewDomain{Mutation: m, Domain: domainVar(r), Years: 1}
	if req.Years != nil {
		cmd.Years = *req.Years
	}
	if req.CurrentExpiresAt == nil || *req.CurrentExpiresAt == "" {
		return core.Invalid("current_expires_at", "current_expires_at is required: the registration's current expires_at")
	}
	if cmd.CurrentExpiresAt, err = parseTime("current_expires_at", *req.CurrentExpiresAt); err != nil {
		return err
	}
	return s.answerOutcome(w, r, func() (core.Outcome, error) { return s.reg.RenewDomain(r.Context(), a, cmd) })
}

func (s *Server) updateDomain(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	var req updateRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	m, err := mutationOf(r, req.IdempotencyKey, req.Sandbox)
	if err != nil {
		return err
	}
	cmd := core.UpdateDomain{Mutation: m, Domain: domainVar(r)}
	if req.Registrant != nil {
		reg := req.Registrant.core()
		cmd.Registrant = &reg
	}
	if req.Statuses != nil {
		cmd.Statuses = core.StatusChange{Add: req.Statuses.Add, Remove: req.Statuses.Remove}
	}
	if cmd.AuthCode, err = authCodeOf(req.AuthCode); err != nil {
		return err
	}
	return s.answerOutcome(w, r, func() (core.Outcome, error) { return s.reg.UpdateDomain(r.Context(), a, cmd) })
}

func (s *Server) updateNameservers(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	var req nameserversRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	m, err := mutationOf(r, req.IdempotencyKey, req.Sandbox)
	if err != nil {
		return err
	}
	if req.Nameservers == nil {
		return core.Invalid("nameservers", "nameservers is required (an empty list removes every nameserver)")
	}
	cmd := core.UpdateNameservers{Mutation: m, Domain: domainVar(r), Nameservers: nonNilStrings(*req.Nameservers)}
	return s.answerOutcome(w, r, func() (core.Outcome, error) { return s.reg.UpdateNameservers(r.Context(), a, cmd) })
}

func (s *Server) readRecords(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	v, err := s.reg.ReadRecords(r.Context(), a, domainVar(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, recordsResponseOf(v))
	return nil
}

func (s *Server) updateRecords(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	var req recordsRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	m, err := mutationOf(r, req.IdempotencyKey, req.Sandbox)
	if err != nil {
		return err
	}
	if req.Records == nil {
		return core.Invalid("records", "records is required (an empty list removes every record)")
	}
	cmd := core.UpdateRecords{Mutation: m, Domain: domainVar(r), Records: coreRecords(*req.Records)}
	return s.answerOutcome(w, r, func() (core.Outcome, error) { return s.reg.UpdateRecords(r.Context(), a, cmd) })
}

func (s *Server) deleteDomain(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	var req deleteRequest
	if _, err := decodeBody(w, r, bodyOptional, &req); err != nil {
		return err
	}
	m, err := mutationOf(r, req.IdempotencyKey, req.Sandbox)
	if err != nil {
		return err
	}
	cmd := core.DeleteDomain{Mutation: m, Domain: domainVar(r)}
	return s.answerOutcome(w, r, func() (core.Outcome, error) { return s.reg.DeleteDomain(r.Context(), a, cmd) })
}

// restoreDomain restores a registration in redemption (RFC 3915). The body
// is optional: the idempotency key may come in the header, and the restore
// report, when sent, is kept in the audit row.
func (s *Server) restoreDomain(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	var req restoreRequest
	if _, err := decodeBody(w, r, bodyOptional, &req); err != nil {
		return err
	}
	m, err := mutationOf(r, req.IdempotencyKey, req.Sandbox)
	if err != nil {
		return err
	}
	cmd := core.RestoreDomain{Mutation: m, Domain: domainVar(r)}
	if req.Report != nil {
		if cmd.Report, err = req.Report.core(); err != nil {
			return err
		}
	}
	return s.answerOutcome(w, r, func() (core.Outcome, error) { return s.reg.RestoreDomain(r.Context(), a, cmd) })
}

// answerOutcome runs a mutating command and answers its outcome with the
// status code the core assigns (201 create, 202 sandbox, 200 otherwise; a
// replay answers the recorded one).
func (s *Server) answerOutcome(w http.ResponseWriter, r *http.Request, run func() (core.Outcome, error)) error {
	o, err := run()
	if err != nil {
		return err
	}
	stateOf(r.Context()).replay = o.Idempotent
	m := mutationResponseOf(o)
	writeMutation(w, o.SuccessHTTPStatus(), &m)
	return nil
}
