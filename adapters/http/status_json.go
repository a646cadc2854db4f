package httpadapter

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/headlessdomains/registry/core"
)

// A /status answer is some 40 kB, most of which no request changes: the two
// contracts, the OT&E sequence, the document links and, in each row of the
// capability matrix, the command, its method, path and scopes. appendStatus
// writes those parts from JSON encoded once and encodes only what depends on
// the key: the head (key, partner, channel, listings, rate limit), the
// matrix's per-key cells and generated_at. The bytes are those of
// statusResponse encoded by writeJSON, with the contracts last.

// statusDocLinks is the JSON of the docs member (docLinks is static).
var statusDocLinks = sync.OnceValues(func() (json.RawMessage, error) { return encodeJSON(docLinks()) })

// oteEncoder keeps the JSON of the ote member while the service answers the
// same OT&E sequence, by identity (the service shares one slice between
// answers and nobody modifies it), as docEncoder does for the contracts.
type oteEncoder struct{ last atomic.Pointer[encodedOTE] }

type encodedOTE struct {
	steps []core.OTEStep
	raw   json.RawMessage
}

func (e *oteEncoder) encode(steps []core.OTEStep) (json.RawMessage, error) {
	if last := e.last.Load(); last != nil && sameSteps(last.steps, steps) {
		return last.raw, nil
	}
	raw, err := encodeJSON(oteInfoDTO{TestSequence: oteStepsOf(steps)})
	if err != nil {
		return nil, err
	}
	e.last.Store(&encodedOTE{steps: steps, raw: raw})
	return raw, nil
}

// sameSteps reports whether a and b are the same slice (not equal contents).
func sameSteps(a, b []core.OTEStep) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}

// commandRowHeads holds, per command, the JSON of a matrix row up to its
// scope_status value: the command's catalog entry, which never changes
// while the process runs.
var commandRowHeads sync.Map // core.Command -> []byte

func commandRowHead(spec core.CommandSpec) ([]byte, error) {
	if h, ok := commandRowHeads.Load(spec.Command); ok {
		return h.([]byte), nil
	}
	raw, err := encodeJSON(struct {
		Command        string   `json:"command"`
		Method         string   `json:"method"`
		Path           string   `json:"path"`
		RequiredScopes []string `json:"required_scopes"`
	}{string(spec.Command), spec.Method, RegistrarBase + spec.Path, nonNilStrings(spec.Scopes)})
	if err != nil {
		return nil, err
	}
	h := append([]byte(raw[:len(raw)-1:len(raw)-1]), `,"scope_status":`...)
	commandRowHeads.Store(spec.Command, h)
	return h, nil
}

// appendStatus appends the /status answer of rep, the contracts' JSON last.
func (s *Server) appendStatus(b []byte, rep core.StatusReport, serviceContract, eppContract json.RawMessage) ([]byte, error) {
	head, err := encodeJSON(statusHeadOf(rep))
	if err != nil {
		return nil, err
	}
	ote, err := s.ote.encode(rep.OTESequence)
	if err != nil {
		return nil, err
	}
	docs, err := statusDocLinks()
	if err != nil {
		return nil, err
	}
	b = append(b, head[:len(head)-1]...) // without its closing brace
	b = append(b, `,"ote":`...)
	b = append(b, ote...)
	b = append(b, `,"audit_provenance":{"registrar_channel_id":`...)
	b = appendNullString(b, rep.Actor.ChannelID())
	b = append(b, `},"docs":`...)
	b = append(b, docs...)
	b = append(b, `,"commands":[`...)
	for i, c := range rep.Commands {
		if i > 0 {
			b = append(b, ',')
		}
		h, err := commandRowHead(c.Spec)
		if err != nil {
			return nil, err
		}
		b = append(b, h...)
		b = appendString(b, c.ScopeStatus)
		b = append(b, `,"missing_scopes":[`...)
		for j, sc := range c.MissingScopes {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, sc)
		}
		b = append(b, `],"sandbox_available":`...)
		b = strconv.AppendBool(b, c.SandboxAvailable)
		b = append(b, `,"production_available":`...)
		b = strconv.AppendBool(b, c.ProductionAvailable)
		b = append(b, `,"disabled_reason":`...)
		b = appendNullString(b, string(c.DisabledReason))
		b = append(b, `,"production_blocked_reason":`...)
		b = appendNullString(b, string(c.ProductionBlockedReason))
		b = append(b, '}')
	}
	b = append(b, ']')
	if !rep.GeneratedAt.IsZero() {
		b = append(b, `,"generated_at":`...)
		b = appendString(b, timeString(rep.GeneratedAt))
	}
	b = append(b, `,"registry_service_contract":`...)
	b = append(b, serviceContract...)
	b = append(b, `,"epp_gateway_contract":`...)
	b = append(b, eppContract...)
	return append(b, "}\n"...), nil
}

// statusBodies recycles the buffers of /status answers (some 40 kB each).
var statusBodies = sync.Pool{New: func() any { return new([]byte) }}

// writeStatusReport writes the /status answer of rep.
func (s *Server) writeStatusReport(w http.ResponseWriter, rep core.StatusReport, serviceContract, eppContract json.RawMessage) error {
	buf := statusBodies.Get().(*[]byte)
	defer statusBodies.Put(buf)
	body, err := s.appendStatus((*buf)[:0], rep, serviceContract, eppContract)
	if err != nil {
		return err
	}
	*buf = body
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body) // the client went away; nothing left to tell it
	return nil
}

// appendNullString appends s as a JSON string, or null when s is empty (as
// nullString's *string encodes).
func appendNullString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}

// appendString appends s as encodeJSON writes a string: printable ASCII
// other than " and \ as it is, anything else through encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			raw, err := encodeJSON(s)
			if err != nil { // a string always encodes
				panic("httpadapter: encoding a string: " + err.Error())
			}
			return append(b, raw...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
