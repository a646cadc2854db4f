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

// The readers share summary.go's summaryDecoder (its space and str) and
// add what a column of known shape needs: expected bytes, integers, and
// walks over an object's members and an array's elements.

// byte consumes c after optional space.
func (d *summaryDecoder) byte(c byte) bool {
	d.space()
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

// end reports whether only space is left.
func (d *summaryDecoder) end() bool {
	d.space()
	return d.i == len(d.s)
}

// text reads, after optional space, a string of printable ASCII without
// escapes (str); ok=false otherwise.
func (d *summaryDecoder) text() (string, bool) {
	d.space()
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		return "", false
	}
	return d.str()
}

// int reads an integer written without fraction or exponent, as
// encoding/json writes an int64.
func (d *summaryDecoder) int() (int64, bool) {
	d.space()
	start := d.i
	if d.i < len(d.s) && d.s[d.i] == '-' {
		d.i++
	}
	digits := d.i
	for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
		d.i++
	}
	if d.i == digits || (d.s[digits] == '0' && d.i-digits > 1) {
		return 0, false
	}
	if d.i < len(d.s) {
		switch d.s[d.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	v, err := strconv.ParseInt(d.s[start:d.i], 10, 64)
	return v, err == nil
}

// members reads an object, calling member for each key with the text
// positioned at its value; member answers false to give up.
func (d *summaryDecoder) members(member func(key string) bool) bool {
	if !d.byte('{') {
		return false
	}
	if d.byte('}') {
		return true
	}
	for {
		k, ok := d.text()
		if !ok || !d.byte(':') || !member(k) {
			return false
		}
		if d.byte(',') {
			continue
		}
		return d.byte('}')
	}
}

// elements reads an array that is the whole text, calling element with the
// text positioned at each element; element answers false to give up.
func (d *summaryDecoder) elements(element func() bool) bool {
	if !d.byte('[') {
		return false
	}
	if d.byte(']') {
		return d.end()
	}
	for {
		if !element() {
			return false
		}
		if d.byte(',') {
			continue
		}
		return d.byte(']') && d.end()
	}
}

// fastStrings decodes a JSON array of strings; ok=false sends the caller to
// encoding/json.
func fastStrings(s string) ([]string, bool) {
	d := summaryDecoder{s: s}
	out := []string{}
	ok := d.elements(func() bool {
		v, ok := d.text()
		out = append(out, v)
		return ok
	})
	if !ok {
		return nil, false
	}
	return out, true
}

// fastRegistrant decodes a stored registrant (registrantJSON).
func fastRegistrant(s string) (registrantJSON, bool) {
	var r registrantJSON
	d := summaryDecoder{s: s}
	ok := d.members(func(k string) bool {
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
			if !d.members(func(mk string) bool {
				v, ok := d.text()
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
		v, ok := d.text()
		*dst = v
		return ok
	})
	return r, ok && d.end()
}

// fastGrace decodes stored grace periods ([]graceJSON).
func fastGrace(s string) ([]graceJSON, bool) {
	d := summaryDecoder{s: s}
	out := []graceJSON{}
	ok := d.elements(func() bool {
		var g graceJSON
		ok := d.members(func(k string) bool {
			switch k {
			case "status":
				v, ok := d.text()
				g.Status = v
				return ok
			case "partner_id":
				v, ok := d.text()
				g.PartnerID = v
				return ok
			case "channel_id":
				v, ok := d.text()
				g.ChannelID = v
				return ok
			case "ends_at":
				v, ok := d.text()
				if !ok {
					return false
				}
				at, err := time.Parse(time.RFC3339Nano, v)
				g.EndsAt = at
				// only the text time.Time writes, which encoding/json reads alike
				return err == nil && at.Format(time.RFC3339Nano) == v
			case "gems":
				v, ok := d.int()
				g.Gems = v
				return ok
			case "years":
				v, ok := d.int()
				g.Years = int(v)
				return ok && int64(g.Years) == v
			}
			return false
		})
		out = append(out, g)
		return ok
	})
	if !ok {
		return nil, false
	}
	return out, true
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
