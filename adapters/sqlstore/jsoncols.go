package sqlstore

import (
	"strconv"
	"time"
)

// Fast paths for the JSON columns of a registration.
//
// Reading a registration decodes up to five JSON columns (statuses,
// registrant, both nameserver lists, running grace periods); through
// encoding/json, which validates each text and then decodes it by
// reflection, that was four fifths of turning a row into a core.Domain. The
// columns hold what this package wrote: flat arrays of ASCII strings and
// small objects of known members. The readers below take exactly that
// shape and answer ok=false for anything else (an escape, a byte outside
// printable ASCII, null, an unknown or differently cased member, a number
// that is not a plain integer), and the caller then decodes the text with
// encoding/json, whose answer stands. A fuzz test holds every answer given
// to encoding/json's.

// columnText reads one JSON text from its start.
type columnText struct {
	s string
	i int
}

func (t *columnText) space() {
	for t.i < len(t.s) {
		switch t.s[t.i] {
		case ' ', '\t', '\n', '\r':
			t.i++
		default:
			return
		}
	}
}

// byte consumes c after optional space.
func (t *columnText) byte(c byte) bool {
	t.space()
	if t.i < len(t.s) && t.s[t.i] == c {
		t.i++
		return true
	}
	return false
}

// peek reports whether the next byte after space is c, without consuming it.
func (t *columnText) peek(c byte) bool {
	t.space()
	return t.i < len(t.s) && t.s[t.i] == c
}

// end reports whether only space is left.
func (t *columnText) end() bool {
	t.space()
	return t.i == len(t.s)
}

// str reads a string of printable ASCII without escapes; ok=false otherwise.
func (t *columnText) str() (string, bool) {
	if !t.byte('"') {
		return "", false
	}
	start := t.i
	for t.i < len(t.s) {
		c := t.s[t.i]
		switch {
		case c == '"':
			v := t.s[start:t.i]
			t.i++
			return v, true
		case c == '\\' || c < 0x20 || c >= 0x7f:
			return "", false
		}
		t.i++
	}
	return "", false
}

// int reads an integer written without fraction or exponent, as
// encoding/json writes an int64.
func (t *columnText) int() (int64, bool) {
	t.space()
	start := t.i
	if t.i < len(t.s) && t.s[t.i] == '-' {
		t.i++
	}
	digits := t.i
	for t.i < len(t.s) && t.s[t.i] >= '0' && t.s[t.i] <= '9' {
		t.i++
	}
	if t.i == digits || (t.s[digits] == '0' && t.i-digits > 1) {
		return 0, false
	}
	if t.i < len(t.s) {
		switch t.s[t.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	v, err := strconv.ParseInt(t.s[start:t.i], 10, 64)
	return v, err == nil
}

// members reads an object, calling member for each key with the text
// positioned at its value; member answers false to give up.
func (t *columnText) members(member func(key string) bool) bool {
	if !t.byte('{') {
		return false
	}
	if t.byte('}') {
		return true
	}
	for {
		k, ok := t.str()
		if !ok || !t.byte(':') || !member(k) {
			return false
		}
		if t.byte(',') {
			continue
		}
		return t.byte('}')
	}
}

// fastStrings decodes a JSON array of strings; ok=false sends the caller to
// encoding/json.
func fastStrings(s string) ([]string, bool) {
	t := columnText{s: s}
	if !t.byte('[') {
		return nil, false
	}
	out := []string{}
	if t.byte(']') {
		return out, t.end()
	}
	for {
		v, ok := t.str()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		if t.byte(',') {
			continue
		}
		return out, t.byte(']') && t.end()
	}
}

// fastRegistrant decodes a stored registrant (registrantJSON).
func fastRegistrant(s string) (registrantJSON, bool) {
	var r registrantJSON
	t := columnText{s: s}
	ok := t.members(func(k string) bool {
		var dst *string
		switch k {
		case "name":
			dst = &r.Name
		case "organization":
			dst = &r.Organization
		case "email":
			dst = &r.Email
		case "phone":
			dst = &r.Phone
		case "country":
			dst = &r.Country
		case "metadata":
			m := r.Metadata // a repeated member adds to the map, as encoding/json does
			if m == nil {
				m = map[string]string{}
			}
			if !t.members(func(mk string) bool {
				v, ok := t.str()
				m[mk] = v
				return ok
			}) {
				return false
			}
			r.Metadata = m
			return true
		default:
			return false
		}
		v, ok := t.str()
		*dst = v
		return ok
	})
	return r, ok && t.end()
}

// fastGrace decodes stored grace periods ([]graceJSON).
func fastGrace(s string) ([]graceJSON, bool) {
	t := columnText{s: s}
	if !t.byte('[') {
		return nil, false
	}
	out := []graceJSON{}
	if t.byte(']') {
		return out, t.end()
	}
	for {
		var g graceJSON
		ok := t.members(func(k string) bool {
			switch k {
			case "status":
				v, ok := t.str()
				g.Status = v
				return ok
			case "partner_id":
				v, ok := t.str()
				g.PartnerID = v
				return ok
			case "channel_id":
				v, ok := t.str()
				g.ChannelID = v
				return ok
			case "ends_at":
				v, ok := t.str()
				if !ok {
					return false
				}
				at, err := time.Parse(time.RFC3339Nano, v)
				g.EndsAt = at
				// only the text time.Time writes, which encoding/json reads alike
				return err == nil && at.Format(time.RFC3339Nano) == v
			case "gems":
				v, ok := t.int()
				g.Gems = v
				return ok
			case "years":
				v, ok := t.int()
				g.Years = int(v)
				return ok && int64(g.Years) == v
			}
			return false
		})
		if !ok {
			return nil, false
		}
		out = append(out, g)
		if t.byte(',') {
			continue
		}
		return out, t.byte(']') && t.end()
	}
}

// decodeStrings is fromJSON for a []string column.
func decodeStrings(s string, dst *[]string) error {
	if v, ok := fastStrings(s); ok {
		*dst = v
		return nil
	}
	return fromJSON(s, dst)
}

// decodeRegistrant is fromJSON for the registrant column.
func decodeRegistrant(s string) (registrantJSON, error) {
	if v, ok := fastRegistrant(s); ok {
		return v, nil
	}
	var v registrantJSON
	return v, fromJSON(s, &v)
}

// decodeGrace is fromJSON for the grace column.
func decodeGrace(s string) ([]graceJSON, error) {
	if v, ok := fastGrace(s); ok {
		return v, nil
	}
	var v []graceJSON
	return v, fromJSON(s, &v)
}
