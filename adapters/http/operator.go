package httpadapter

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/headlessdomains/registry/core"
)

// operatorHandler serves one operator call after the token check.
type operatorHandler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) registerOperatorRoutes(r *mux.Router, t *routeTable) {
	b := OperatorBase
	routes := []struct {
		method, path string
		name         string // the command's name in metrics and traces
		h            operatorHandler
	}{
		{http.MethodPost, b + "/partners", "create_partner", s.createPartner},
		{http.MethodGet, b + "/partners/{id}", "get_partner", s.getPartner},
		{http.MethodPatch, b + "/partners/{id}", "patch_partner", s.patchPartner},
		{http.MethodPost, b + "/partners/{id}/gems-adjustments", "adjust_gems", s.adjustGems},
		{http.MethodPost, b + "/namespaces", "create_namespace", s.createNamespace},
		{http.MethodGet, b + "/namespaces", "list_namespaces", s.listNamespaces},
		{http.MethodPatch, b + "/namespaces/{name}", "update_namespace", s.updateNamespace},
		{http.MethodPost, b + "/registrar-channels", "create_channel", s.createChannel},
		{http.MethodGet, b + "/registrar-channels/{id}", "get_channel", s.getChannel},
		{http.MethodPatch, b + "/registrar-channels/{id}", "patch_channel", s.patchChannel},
		{http.MethodPost, b + "/registrar-channels/{id}/approve", "approve_channel", s.approveChannel},
		{http.MethodPost, b + "/registrar-channels/{id}/production-approval", "approve_production", s.approveProduction},
		{http.MethodPut, b + "/registrar-channels/{id}/epp-password", "set_epp_password", s.setEPPPassword},
		{http.MethodPost, b + "/registrar-channels/{id}/namespace-listings", "add_listing", s.addListing},
		{http.MethodPost, b + "/registrar-channels/{id}/namespace-listings/{namespace}/approve", "approve_listing", s.approveListing},
		{http.MethodPost, b + "/api-keys", "create_api_key", s.createAPIKey},
		{http.MethodDelete, b + "/api-keys/{id}", "revoke_api_key", s.revokeAPIKey},
		{http.MethodPost, b + "/domains/import", "import_domain", s.importDomain},
		{http.MethodGet, b + "/backend/pending", "list_pending", s.listPending},
		{http.MethodPost, b + "/backend/pending/{id}/apply", "apply_pending", s.applyPending},
		{http.MethodPost, b + "/backend/pending/{id}/fail", "fail_pending", s.failPending},
		{http.MethodPost, b + "/backend/pending/{id}/retry", "retry_pending", s.retryPending},
		{http.MethodPost, b + "/registrar-ote-runs", "create_ote_run", s.createOTERun},
		{http.MethodPost, b + "/registrar-ote-runs/{id}/evidence", "attach_evidence", s.attachEvidence},
		{http.MethodGet, b + "/registrar-ote-runs/{id}", "get_ote_run", s.getOTERun},
		{http.MethodGet, EvidenceArchivePath, "evidence_archive", s.evidenceArchive},
	}
	routes = append(routes, s.operatorTransferRoutes()...)
	for _, rt := range routes {
		handle(r, t, rt.method, rt.path, s.operator(rt.name, rt.h))
	}
}

// operator admits a request that carries the operator token. The token is
// compared in constant time (over SHA-256 digests, so that its length does
// not leak either); without a configured token every call is refused.
func (s *Server) operator(name string, h operatorHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := s.command(r, name, func(r *http.Request) error {
			if err := s.operatorToken(r); err != nil {
				return err
			}
			return h(w, r)
		})
		if err != nil {
			s.fail(w, r, err)
		}
	}
}

// operatorAdmitted reports whether r carries the operator token, and
// answers 401 invalid_api_key when it does not.
func (s *Server) operatorAdmitted(w http.ResponseWriter, r *http.Request) bool {
	if err := s.operatorToken(r); err != nil {
		s.fail(w, r, err)
		return false
	}
	return true
}

// operatorToken checks the request's operator token in constant time.
func (s *Server) operatorToken(r *http.Request) error {
	want := sha256.Sum256([]byte(s.opts.OperatorToken))
	token := bearerToken(r)
	got := sha256.Sum256([]byte(token))
	if s.opts.OperatorToken == "" || token == "" || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return core.Errorf(core.CodeInvalidAPIKey, "a valid operator bearer token is required")
	}
	return nil
}

// operatorPath reports whether path belongs to the operator API (including
// the evidence archive outside OperatorBase).
func operatorPath(path string) bool {
	return strings.HasPrefix(path, OperatorBase+"/") || strings.HasPrefix(path, "/admin/")
}

func idVar(r *http.Request) string { return mux.Vars(r)["id"] }

// answer writes v with status unless err is set.
func answer[T any](w http.ResponseWriter, status int, v T, err error, render func(T) any) error {
	if err != nil {
		return err
	}
	writeJSON(w, status, render(v))
	return nil
}

func (s *Server) createPartner(w http.ResponseWriter, r *http.Request) error {
	var req createPartnerRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	p, err := s.op.CreatePartner(r.Context(), core.CreatePartner{Name: req.Name, GemsBalance: req.GemsBalance,
		DNSModuleEnabled: req.DNSModuleEnabled})
	return answer(w, http.StatusCreated, p, err, func(p core.Partner) any { return partnerOf(p) })
}

func (s *Server) getPartner(w http.ResponseWriter, r *http.Request) error {
	p, err := s.op.GetPartner(r.Context(), idVar(r))
	return answer(w, http.StatusOK, p, err, func(p core.Partner) any { return partnerOf(p) })
}

func (s *Server) patchPartner(w http.ResponseWriter, r *http.Request) error {
	var req patchPartnerRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	p, err := s.op.PatchPartner(r.Context(), idVar(r), core.PatchPartner{GemsBalance: req.GemsBalance,
		DNSModuleEnabled: req.DNSModuleEnabled, Reason: req.Reason})
	return answer(w, http.StatusOK, p, err, func(p core.Partner) any { return partnerOf(p) })
}

func (s *Server) createNamespace(w http.ResponseWriter, r *http.Request) error {
	var req createNamespaceRequest
	policy, err := decodeNamespaceBody(w, r, &req)
	if err != nil {
		return err
	}
	n, err := s.op.CreateNamespace(r.Context(), core.CreateNamespace{Name: req.Name, DNSBackend: req.DNSBackend,
		CreatePriceGems: req.CreatePriceGems, RenewPriceGems: req.RenewPriceGems,
		ReservedLabels: req.ReservedLabels, ClaimLabels: req.ClaimLabels, Policy: policy})
	return answer(w, http.StatusCreated, n, err, func(n core.Namespace) any { return namespaceOf(n) })
}

// updateNamespace changes a namespace's prices, labels and lifecycle
// policy; a policy change applies to periods that start after it.
func (s *Server) updateNamespace(w http.ResponseWriter, r *http.Request) error {
	var req patchNamespaceRequest
	policy, err := decodeNamespaceBody(w, r, &req)
	if err != nil {
		return err
	}
	n, err := s.op.UpdateNamespace(r.Context(), core.UpdateNamespace{Name: mux.Vars(r)["name"],
		CreatePriceGems: req.CreatePriceGems, RenewPriceGems: req.RenewPriceGems,
		ReservedLabels: req.ReservedLabels, ClaimLabels: req.ClaimLabels, Policy: policy})
	return answer(w, http.StatusOK, n, err, func(n core.Namespace) any { return namespaceOf(n) })
}

func (s *Server) listNamespaces(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.op.ListNamespaces(r.Context())
	return answer(w, http.StatusOK, ns, err, func(ns []core.Namespace) any {
		out := namespaceListResponse{Items: make([]namespaceDTO, 0, len(ns))}
		for _, n := range ns {
			out.Items = append(out.Items, namespaceOf(n))
		}
		return out
	})
}

func (s *Server) createChannel(w http.ResponseWriter, r *http.Request) error {
	var req createChannelRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	c, err := s.op.CreateChannel(r.Context(), core.CreateChannel{PartnerID: req.PartnerID, Slug: req.Slug,
		RateLimitPerMinute: req.RateLimitPerMinute})
	return answer(w, http.StatusCreated, c, err, func(c core.Channel) any { return channelOf(c) })
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) error {
	c, err := s.op.GetChannel(r.Context(), idVar(r))
	return answer(w, http.StatusOK, c, err, func(c core.Channel) any { return channelOf(c) })
}

func (s *Server) patchChannel(w http.ResponseWriter, r *http.Request) error {
	var req patchChannelRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	cmd := core.PatchChannel{RateLimitPerMinute: req.RateLimitPerMinute, EPPClientCertSHA256: req.EPPClientCertSHA256}
	if req.Status != nil {
		st := core.ChannelStatus(*req.Status)
		cmd.Status = &st
	}
	c, err := s.op.PatchChannel(r.Context(), idVar(r), cmd)
	return answer(w, http.StatusOK, c, err, func(c core.Channel) any { return channelOf(c) })
}

func (s *Server) approveChannel(w http.ResponseWriter, r *http.Request) error {
	if err := s.noBody(w, r); err != nil {
		return err
	}
	c, err := s.op.ApproveChannel(r.Context(), idVar(r))
	return answer(w, http.StatusOK, c, err, func(c core.Channel) any { return channelOf(c) })
}

func (s *Server) approveProduction(w http.ResponseWriter, r *http.Request) error {
	var req approveProductionRequest
	if _, err := decodeBody(w, r, bodyOptional, &req); err != nil {
		return err
	}
	c, err := s.op.ApproveProduction(r.Context(), core.ApproveProduction{ChannelID: idVar(r), Force: req.Force})
	return answer(w, http.StatusOK, c, err, func(c core.Channel) any { return channelOf(c) })
}

// setEPPPassword sets the channel's EPP password; the answer is the channel
// (epp_password_set: true), never the password or its hash.
func (s *Server) setEPPPassword(w http.ResponseWriter, r *http.Request) error {
	var req eppPasswordRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	c, err := s.op.SetEPPPassword(r.Context(), idVar(r), req.Password)
	return answer(w, http.StatusOK, c, err, func(c core.Channel) any { return channelOf(c) })
}

func (s *Server) addListing(w http.ResponseWriter, r *http.Request) error {
	var req addListingRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	l, err := s.op.AddListing(r.Context(), idVar(r), req.Namespace)
	return answer(w, http.StatusCreated, l, err, func(l core.Listing) any { return listingOf(l) })
}

func (s *Server) approveListing(w http.ResponseWriter, r *http.Request) error {
	if err := s.noBody(w, r); err != nil {
		return err
	}
	l, err := s.op.ApproveListing(r.Context(), idVar(r), mux.Vars(r)["namespace"])
	return answer(w, http.StatusOK, l, err, func(l core.Listing) any { return listingOf(l) })
}

func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	var req createAPIKeyRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	k, err := s.op.CreateAPIKey(r.Context(), core.CreateAPIKey{PartnerID: req.PartnerID,
		ChannelID: req.RegistrarChannelID, Profile: req.Profile, Scopes: req.Scopes})
	return answer(w, http.StatusCreated, k, err, func(k core.NewAPIKey) any {
		dto := apiKeyOf(k.Key)
		dto.Token = k.Token
		return dto
	})
}

func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	if err := s.noBody(w, r); err != nil {
		return err
	}
	k, err := s.op.RevokeAPIKey(r.Context(), idVar(r))
	return answer(w, http.StatusOK, k, err, func(k core.APIKey) any { return apiKeyOf(k) })
}

func (s *Server) importDomain(w http.ResponseWriter, r *http.Request) error {
	var req importDomainRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	cmd := core.ImportDomain{Domain: req.Domain, ChannelID: req.RegistrarChannelID,
		Registrant: req.Registrant.core(), ProtectedLegacy: req.ProtectedLegacy}
	if req.ExpiresAt == "" {
		return core.Invalid("expires_at", "expires_at is required")
	}
	var err error
	if cmd.ExpiresAt, err = parseTime("expires_at", req.ExpiresAt); err != nil {
		return err
	}
	d, err := s.op.ImportDomain(r.Context(), cmd)
	return answer(w, http.StatusCreated, d, err, func(d core.DomainView) any { return domainOf(d) })
}

func (s *Server) listPending(w http.ResponseWriter, r *http.Request) error {
	f, err := pendingFilterOf(r)
	if err != nil {
		return err
	}
	f.ChannelID = r.URL.Query().Get("registrar_channel_id")
	items, err := s.op.ListPending(r.Context(), f)
	return answer(w, http.StatusOK, items, err, func(items []core.PendingItem) any {
		out := operatorPendingResponse{Items: make([]operatorPendingDTO, 0, len(items))}
		for _, p := range items {
			out.Items = append(out.Items, operatorPendingOf(p))
		}
		return out
	})
}

func (s *Server) applyPending(w http.ResponseWriter, r *http.Request) error {
	if err := s.noBody(w, r); err != nil {
		return err
	}
	p, err := s.op.ApplyPending(r.Context(), idVar(r))
	return answer(w, http.StatusOK, p, err, func(p core.PendingItem) any { return operatorPendingOf(p) })
}

func (s *Server) retryPending(w http.ResponseWriter, r *http.Request) error {
	if err := s.noBody(w, r); err != nil {
		return err
	}
	p, err := s.op.RetryPending(r.Context(), idVar(r))
	return answer(w, http.StatusOK, p, err, func(p core.PendingItem) any { return operatorPendingOf(p) })
}

func (s *Server) failPending(w http.ResponseWriter, r *http.Request) error {
	var req failPendingRequest
	if _, err := decodeBody(w, r, bodyOptional, &req); err != nil {
		return err
	}
	p, err := s.op.FailPending(r.Context(), idVar(r), req.Reason)
	return answer(w, http.StatusOK, p, err, func(p core.PendingItem) any { return operatorPendingOf(p) })
}

func (s *Server) createOTERun(w http.ResponseWriter, r *http.Request) error {
	var req createOTERunRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	v, err := s.op.CreateOTERun(r.Context(), req.RegistrarChannelID, req.Name)
	return answer(w, http.StatusCreated, v, err, func(v core.OTERunView) any { return oteRunOf(v) })
}

func (s *Server) attachEvidence(w http.ResponseWriter, r *http.Request) error {
	var req attachEvidenceRequest
	if _, err := decodeBody(w, r, bodyRequired, &req); err != nil {
		return err
	}
	v, err := s.op.AttachOTEEvidence(r.Context(), idVar(r), req.AuditEventIDs)
	return answer(w, http.StatusOK, v, err, func(v core.OTERunView) any { return oteRunOf(v) })
}

func (s *Server) getOTERun(w http.ResponseWriter, r *http.Request) error {
	v, err := s.op.GetOTERun(r.Context(), idVar(r))
	return answer(w, http.StatusOK, v, err, func(v core.OTERunView) any { return oteRunOf(v) })
}

func (s *Server) evidenceArchive(w http.ResponseWriter, r *http.Request) error {
	md, err := s.op.EvidenceArchive(r.Context(), mux.Vars(r)["run_id"])
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(md)) // the client went away; nothing left to tell it
	return nil
}

// noBody accepts an empty body or an empty JSON object on action endpoints
// (approve, apply, revoke) and refuses anything else.
func (s *Server) noBody(w http.ResponseWriter, r *http.Request) error {
	var req struct{}
	_, err := decodeBody(w, r, bodyOptional, &req)
	return err
}
