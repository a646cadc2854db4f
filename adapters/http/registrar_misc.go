package httpadapter

import (
	"net/http"

	"github.com/headlessdomains/registry/core"
)

func (s *Server) status(w http.ResponseWriter, r *http.Request, a core.Actor, rate *core.RateDecision) error {
	rep, err := s.reg.Status(r.Context(), a, rate)
	if err != nil {
		return err
	}
	serviceContract, err := s.serviceContract.encode(rep.RegistryServiceContract)
	if err != nil {
		return err
	}
	eppContract, err := s.eppContract.encode(rep.EPPGatewayContract)
	if err != nil {
		return err
	}
	return s.writeStatusReport(w, rep, serviceContract, eppContract)
}

func (s *Server) sandboxReset(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	var req sandboxResetRequest
	if _, err := decodeBody(w, r, bodyOptional, &req); err != nil {
		return err
	}
	res, err := s.reg.SandboxReset(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sandboxResetResponseOf(res))
	return nil
}

func (s *Server) poll(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	q := r.URL.Query()
	f := core.PollFilter{
		IdempotencyKey: q.Get("idempotency_key"),
		Command:        q.Get("command"),
		Status:         q.Get("status"),
		Domain:         q.Get("domain"),
		Cursor:         q.Get("cursor"),
	}
	var err error
	if f.Since, err = queryTime(r, "since"); err != nil {
		return err
	}
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		return err
	}
	page, err := s.reg.Poll(r.Context(), a, f)
	if err != nil {
		return err
	}
	writePoll(w, page)
	return nil
}

func (s *Server) backendPending(w http.ResponseWriter, r *http.Request, a core.Actor, _ *core.RateDecision) error {
	f, err := pendingFilterOf(r)
	if err != nil {
		return err
	}
	items, err := s.reg.BackendPending(r.Context(), a, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pendingResponseOf(items))
	return nil
}

// pendingFilterOf reads the pending-work filters: command, domain, status,
// limit. The registrar's channel is the core's business, not a filter.
func pendingFilterOf(r *http.Request) (core.PendingFilter, error) {
	q := r.URL.Query()
	f := core.PendingFilter{Command: q.Get("command"), Domain: q.Get("domain"), Status: q.Get("status")}
	var err error
	f.Limit, err = queryInt(r, "limit")
	return f, err
}
