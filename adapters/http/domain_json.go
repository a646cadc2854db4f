package httpadapter

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
)

// The registration is the answer of info and, inside the mutation answer,
// of every create, renew, update and retry of one. encoding/json encodes
// its DTOs by reflection, a fifth of the in-process info handler's CPU;
// appendDomain and appendMutation write the bytes writeJSON writes for
// them (the tests compare the two), with the registrant's metadata keys
// sorted as encoding/json sorts them and strings through appendString.

// answerBodies recycles the buffers of domain and mutation answers.
var answerBodies = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// writeDomain answers d as writeJSON does.
func writeDomain(w http.ResponseWriter, status int, d *domainDTO) {
	writeAppended(w, status, func(b []byte) []byte { return appendDomain(b, d) })
}

// writeMutation answers m as writeJSON does; the answers of record and
// transfer commands, which hold more than a registration, go through
// writeJSON.
func writeMutation(w http.ResponseWriter, status int, m *mutationResponse) {
	if m.Records != nil || m.Transfer != nil {
		writeJSON(w, status, m)
		return
	}
	writeAppended(w, status, func(b []byte) []byte { return appendMutation(b, m) })
}

// writeAppended answers the JSON body fill appends, newline-terminated as
// encoding/json's Encoder ends it, with writeJSON's headers. net/http adds
// Content-Length itself for a body this size (outside the header map: a
// ninth entry beside the rate-limit fields would grow the map to a table).
func writeAppended(w http.ResponseWriter, status int, fill func([]byte) []byte) {
	buf := answerBodies.Get().(*[]byte)
	defer answerBodies.Put(buf)
	body := append(fill((*buf)[:0]), '\n')
	*buf = body
	h := w.Header()
	setCanonical(h, hdrContentType, "application/json")
	setCanonical(h, hdrCacheControl, "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client went away; nothing left to tell it
}

func appendDomain(b []byte, d *domainDTO) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, d.ID)
	b = append(b, `,"name":`...)
	b = appendString(b, d.Name)
	b = append(b, `,"unicode_name":`...)
	b = appendString(b, d.UnicodeName)
	b = append(b, `,"label":`...)
	b = appendString(b, d.Label)
	b = append(b, `,"namespace":`...)
	b = appendString(b, d.Namespace)
	b = append(b, `,"state":`...)
	b = appendString(b, d.State)
	b = append(b, `,"statuses":`...)
	b = appendStrings(b, d.Statuses)
	b = append(b, `,"registrar_channel_id":`...)
	b = appendString(b, d.RegistrarChannelID)
	b = append(b, `,"created_at":`...)
	b = appendString(b, d.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendString(b, d.UpdatedAt)
	b = append(b, `,"expires_at":`...)
	b = appendString(b, d.ExpiresAt)
	b = append(b, `,"registrant":{"name":`...)
	r := &d.Registrant
	b = appendString(b, r.Name)
	b = append(b, `,"organization":`...)
	b = appendString(b, r.Organization)
	b = append(b, `,"email":`...)
	b = appendString(b, r.Email)
	b = append(b, `,"phone":`...)
	b = appendString(b, r.Phone)
	b = append(b, `,"country":`...)
	b = appendString(b, r.Country)
	b = append(b, `,"metadata":`...)
	b = appendStringMap(b, r.Metadata)
	b = append(b, `},"nameservers":{"desired":`...)
	b = appendStrings(b, d.Nameservers.Desired)
	b = append(b, `,"applied":`...)
	b = appendStrings(b, d.Nameservers.Applied)
	b = append(b, `,"apply_status":`...)
	b = appendString(b, d.Nameservers.ApplyStatus)
	b = append(b, `},"backend":{"kind":`...)
	b = appendString(b, d.Backend.Kind)
	b = append(b, `,"reference":`...)
	b = appendStringPtr(b, d.Backend.Reference)
	b = append(b, `},"protected_legacy":`...)
	b = strconv.AppendBool(b, d.ProtectedLegacy)
	b = append(b, `,"ote_sandbox":`...)
	b = strconv.AppendBool(b, d.OTESandbox)
	b = append(b, `,"auth_code_set":`...)
	b = strconv.AppendBool(b, d.AuthCodeSet)
	b = append(b, `,"auth_code_expires_at":`...)
	b = appendStringPtr(b, d.AuthCodeExpiresAt)
	return append(b, '}')
}

// appendMutation appends m, which holds neither records nor a transfer.
func appendMutation(b []byte, m *mutationResponse) []byte {
	b = append(b, `{"command":`...)
	b = appendString(b, m.Command)
	b = append(b, `,"status":`...)
	b = appendString(b, m.Status)
	b = append(b, `,"sandbox":`...)
	b = strconv.AppendBool(b, m.Sandbox)
	b = append(b, `,"idempotent":`...)
	b = strconv.AppendBool(b, m.Idempotent)
	b = append(b, `,"idempotency_key":`...)
	b = appendString(b, m.IdempotencyKey)
	b = append(b, `,"audit_id":`...)
	b = appendString(b, m.AuditID)
	if m.Domain != nil {
		b = append(b, `,"domain":`...)
		b = appendDomain(b, m.Domain)
	}
	if m.Freed != nil {
		b = append(b, `,"freed":`...)
		b = strconv.AppendBool(b, *m.Freed)
	}
	b = appendInt64Member(b, `,"refunded_gems":`, m.RefundedGems)
	b = appendInt64Member(b, `,"debited_gems":`, m.DebitedGems)
	b = appendInt64Member(b, `,"would_debit_gems":`, m.WouldDebitGems)
	if m.PendingID != nil {
		b = append(b, `,"pending_id":`...)
		b = appendString(b, *m.PendingID)
	}
	return append(b, '}')
}

// appendInt64Member appends the member name and *v when v is not nil (an
// omitempty pointer).
func appendInt64Member(b []byte, name string, v *int64) []byte {
	if v == nil {
		return b
	}
	b = append(b, name...)
	return strconv.AppendInt(b, *v, 10)
}

// appendStrings appends s as an array (null when nil, as encoding/json).
func appendStrings(b []byte, s []string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

// appendStringPtr appends *s, or null.
func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendStringMap appends m with its keys sorted (null when nil).
func appendStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	if len(m) > 0 {
		for i, k := range slices.Sorted(maps.Keys(m)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, m[k])
		}
	}
	return append(b, '}')
}
