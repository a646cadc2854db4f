package httpadapter

import (
	"encoding/json"
	"net/http"

	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/core"
)

// ProblemContentType is the media type of RFC 9457 problem details.
const ProblemContentType = "application/problem+json"

// ProblemTypeBase prefixes every problem "type": a stable URI reference per
// catalog code, pointing into the registrar error documentation.
const ProblemTypeBase = "/docs/registrar/errors#"

// problemDTO is an RFC 9457 problem document with the catalog's extension
// members.
type problemDTO struct {
	Type          string          `json:"type"`
	Title         string          `json:"title"`
	Status        int             `json:"status"`
	Detail        string          `json:"detail"`
	Instance      string          `json:"instance"`
	Code          string          `json:"code"`
	EPPResultCode int             `json:"epp_result_code"`
	EPPResult     string          `json:"epp_result"`
	Retryable     bool            `json:"retryable"`
	RequestID     string          `json:"request_id"`
	Errors        []fieldErrorDTO `json:"errors,omitempty"`
}

type fieldErrorDTO struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// problemOf renders err: its catalog row, its client-safe detail and, for a
// named field, an errors entry. The cause never leaves the server.
func problemOf(e *core.Error, instance, requestID string) problemDTO {
	spec, ok := core.Lookup(e.Code)
	if !ok {
		spec = core.SpecOf(core.CodeInternal)
	}
	detail := e.Detail
	if detail == "" || !ok {
		detail = spec.Description
	}
	p := problemDTO{
		Type:          ProblemTypeBase + string(spec.Code),
		Title:         spec.Title,
		Status:        spec.HTTPStatus,
		Detail:        detail,
		Instance:      instance,
		Code:          string(spec.Code),
		EPPResultCode: spec.EPPCode,
		EPPResult:     spec.EPPMessage,
		Retryable:     spec.Retryable,
		RequestID:     requestID,
	}
	if e.Field != "" && ok {
		p.Errors = []fieldErrorDTO{{Field: e.Field, Message: detail}}
	}
	return p
}

// fail logs err and answers it as problem details.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.writeProblem(w, r, core.AsError(err))
}

func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, e *core.Error) {
	p := problemOf(e, r.URL.Path, RequestID(r.Context()))
	l := zerolog.Ctx(r.Context())
	var ev *zerolog.Event
	if p.Status >= 500 {
		ev = l.Error()
		if e.Cause != nil {
			ev = ev.AnErr("cause", e.Cause)
		}
		if _, known := core.Lookup(e.Code); !known {
			ev = ev.Str("unknown_code", string(e.Code))
		}
	} else {
		ev = l.Debug()
	}
	ev.Str("code", p.Code).Int("status", p.Status).Msg("request refused")

	w.Header().Set("Content-Type", ProblemContentType)
	w.Header().Set("Cache-Control", "no-store")
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="headlessdomains-registry"`) // RFC 6750 §3
	}
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p) // the client went away; nothing left to tell it
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	setCanonical(h, hdrContentType, "application/json")
	setCanonical(h, hdrCacheControl, "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away; nothing left to tell it
}
