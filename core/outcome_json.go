package core

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// DecodeOutcome reads an Outcome as json.Marshal wrote it (the result an
// idempotency record keeps, answered again to every replay). The shape this
// registry writes for a domain command is read by hand, without reflection:
// a replay decoded it through encoding/json at a quarter of its CPU. Anything
// else (a contact or transfer outcome, records, an escaped string, a key
// spelled differently) goes to json.Unmarshal, so the answer is always
// exactly encoding/json's (FuzzDecodeOutcome holds the two equal).
func DecodeOutcome(b []byte) (Outcome, error) {
	if out, ok := decodeOutcomeFast(b); ok {
		return out, nil
	}
	var out Outcome
	err := json.Unmarshal(b, &out)
	return out, err
}

// decodeOutcomeFast reads b by hand; ok is false for anything outside the
// shape it knows, and then out is to be thrown away.
func decodeOutcomeFast(b []byte) (out Outcome, ok bool) {
	r := jsonReader{b: b}
	ok = r.object(func(key []byte) bool {
		switch string(key) {
		case "Command":
			s, ok := r.str()
			out.Command = Command(s)
			return ok
		case "Status":
			return r.strInto(&out.Status)
		case "Sandbox":
			return r.boolInto(&out.Sandbox)
		case "Idempotent":
			return r.boolInto(&out.Idempotent)
		case "IdempotencyKey":
			return r.strInto(&out.IdempotencyKey)
		case "AuditID":
			return r.strInto(&out.AuditID)
		case "Domain":
			if r.null() {
				out.Domain = nil
				return true
			}
			if out.Domain == nil {
				out.Domain = &DomainView{}
			}
			return r.domainView(out.Domain)
		case "Freed":
			return r.boolInto(&out.Freed)
		case "RefundedGems":
			return r.intInto(&out.RefundedGems)
		case "DebitedGems":
			return r.intInto(&out.DebitedGems)
		case "PendingID":
			return r.strInto(&out.PendingID)
		case "Records":
			out.Records = nil
			return r.null()
		case "Contact":
			out.Contact = nil
			return r.null()
		case "Transfer":
			out.Transfer = nil
			return r.null()
		}
		return false
	})
	return out, ok && r.end()
}

func (r *jsonReader) domainView(d *DomainView) bool {
	return r.object(func(key []byte) bool {
		switch string(key) {
		case "ID":
			return r.strInto(&d.ID)
		case "Name":
			return r.strInto(&d.Name)
		case "UnicodeName":
			return r.strInto(&d.UnicodeName)
		case "Label":
			return r.strInto(&d.Label)
		case "Namespace":
			return r.strInto(&d.Namespace)
		case "State":
			s, ok := r.str()
			d.State = State(s)
			return ok
		case "Statuses":
			return r.strsInto(&d.Statuses)
		case "ChannelID":
			return r.strInto(&d.ChannelID)
		case "CreatedAt":
			return r.timeInto(&d.CreatedAt)
		case "UpdatedAt":
			return r.timeInto(&d.UpdatedAt)
		case "ExpiresAt":
			return r.timeInto(&d.ExpiresAt)
		case "Registrant":
			return r.registrant(&d.Registrant)
		case "NameserversDesired":
			return r.strsInto(&d.NameserversDesired)
		case "NameserversApplied":
			return r.strsInto(&d.NameserversApplied)
		case "ApplyStatus":
			return r.strInto(&d.ApplyStatus)
		case "BackendKind":
			return r.strInto(&d.BackendKind)
		case "BackendReference":
			return r.strInto(&d.BackendReference)
		case "ProtectedLegacy":
			return r.boolInto(&d.ProtectedLegacy)
		case "OTESandbox":
			return r.boolInto(&d.OTESandbox)
		case "Imported":
			return r.boolInto(&d.Imported)
		case "RegistrantContactID":
			return r.strInto(&d.RegistrantContactID)
		case "AuthCodeSet":
			return r.boolInto(&d.AuthCodeSet)
		case "AuthCodeExpiresAt":
			return r.timePtrInto(&d.AuthCodeExpiresAt)
		case "TransferredAt":
			return r.timePtrInto(&d.TransferredAt)
		case "ChannelSlug":
			return r.strInto(&d.ChannelSlug)
		}
		return false
	})
}

func (r *jsonReader) registrant(g *Registrant) bool {
	if r.null() {
		return true // encoding/json leaves a struct as it was on null
	}
	return r.object(func(key []byte) bool {
		switch string(key) {
		case "Name":
			return r.strInto(&g.Name)
		case "Organization":
			return r.strInto(&g.Organization)
		case "Email":
			return r.strInto(&g.Email)
		case "Phone":
			return r.strInto(&g.Phone)
		case "Country":
			return r.strInto(&g.Country)
		case "Metadata":
			if r.null() {
				g.Metadata = nil
				return true
			}
			if g.Metadata == nil {
				g.Metadata = map[string]string{}
			}
			return r.object(func(k []byte) bool {
				v, ok := r.str()
				g.Metadata[string(k)] = v
				return ok
			})
		}
		return false
	})
}

// jsonReader reads the JSON json.Marshal writes: no escapes in strings
// (their absence is checked, not assumed), integers without exponent.
type jsonReader struct {
	b []byte
	i int
}

func (r *jsonReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// byte consumes c after any space.
func (r *jsonReader) byte(c byte) bool {
	r.space()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// end reports whether nothing but space is left.
func (r *jsonReader) end() bool {
	r.space()
	return r.i == len(r.b)
}

func (r *jsonReader) literal(s string) bool {
	r.space()
	if len(r.b)-r.i >= len(s) && string(r.b[r.i:r.i+len(s)]) == s {
		r.i += len(s)
		return true
	}
	return false
}

func (r *jsonReader) null() bool { return r.literal("null") }

// object reads {"key": value, ...}, calling member with the reader at each
// value.
func (r *jsonReader) object(member func(key []byte) bool) bool {
	if !r.byte('{') {
		return false
	}
	if r.byte('}') {
		return true
	}
	for {
		key, ok := r.rawStr()
		if !ok || !r.byte(':') || !member(key) {
			return false
		}
		if r.byte('}') {
			return true
		}
		if !r.byte(',') {
			return false
		}
	}
}

// rawStr reads a string without escapes, control characters or invalid
// UTF-8 (all of which encoding/json would have to translate) and answers
// its bytes, aliasing the input.
func (r *jsonReader) rawStr() ([]byte, bool) {
	if !r.byte('"') {
		return nil, false
	}
	start, ascii := r.i, true
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			s := r.b[start:r.i]
			r.i++
			return s, ascii || utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		r.i++
	}
	return nil, false
}

func (r *jsonReader) str() (string, bool) {
	s, ok := r.rawStr()
	return string(s), ok
}

func (r *jsonReader) strInto(dst *string) bool {
	s, ok := r.str()
	*dst = s
	return ok
}

func (r *jsonReader) boolInto(dst *bool) bool {
	switch {
	case r.literal("true"):
		*dst = true
	case r.literal("false"):
		*dst = false
	default:
		return false
	}
	return true
}

// intInto reads an integer as json.Marshal writes an int64: an optional
// minus and decimal digits, no leading zero, within int64.
func (r *jsonReader) intInto(dst *int64) bool {
	r.space()
	neg := r.i < len(r.b) && r.b[r.i] == '-'
	if neg {
		r.i++
	}
	start := r.i
	var n uint64
	for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
		if n > (1<<63)/10 {
			return false
		}
		n = n*10 + uint64(r.b[r.i]-'0')
		r.i++
	}
	digits := r.i - start
	if digits == 0 || digits > 19 || (digits > 1 && r.b[start] == '0') {
		return false
	}
	if r.i < len(r.b) {
		switch r.b[r.i] {
		case '.', 'e', 'E':
			return false
		}
	}
	switch {
	case !neg && n <= 1<<63-1:
		*dst = int64(n)
	case neg && n <= 1<<63:
		*dst = int64(-n)
	default:
		return false
	}
	return true
}

// strsInto reads null (nil) or an array of strings (never nil, as
// encoding/json makes [] an empty slice).
func (r *jsonReader) strsInto(dst *[]string) bool {
	if r.null() {
		*dst = nil
		return true
	}
	if !r.byte('[') {
		return false
	}
	out := []string{}
	if r.byte(']') {
		*dst = out
		return true
	}
	for {
		s, ok := r.str()
		if !ok {
			return false
		}
		out = append(out, s)
		if r.byte(']') {
			*dst = out
			return true
		}
		if !r.byte(',') {
			return false
		}
	}
}

// timeInto reads a time with time.Time's own UnmarshalJSON (the same rules
// as encoding/json), on the quoted token.
func (r *jsonReader) timeInto(dst *time.Time) bool {
	r.space()
	start := r.i
	if _, ok := r.rawStr(); !ok {
		return false
	}
	return dst.UnmarshalJSON(r.b[start:r.i]) == nil
}

func (r *jsonReader) timePtrInto(dst **time.Time) bool {
	if r.null() {
		*dst = nil
		return true
	}
	var t time.Time
	if !r.timeInto(&t) {
		return false
	}
	*dst = &t
	return true
}
