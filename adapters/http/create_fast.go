package httpadapter

import (
	"unicode/utf8"
)

// A create body as registrars send it is decoded in one pass here, without
// the two walks of decodeJSON (the member-name check, then encoding/json's
// reflective decoder): in the in-process replay benchmark those were 30% of
// the handler's CPU. The pass accepts only what decodeJSON accepts, with the
// same result: one object of createRequest's wire names, each at most once
// and spelled exactly, strings without escapes or control characters (valid
// UTF-8 is kept as it is, as encoding/json keeps it), years as a plain
// non-negative integer, no null, nothing after the object but white space.
// Anything else — including every body decodeJSON refuses — is declined,
// and decodeJSON decodes it and words its error. A fuzz test holds the two
// paths' results equal wherever this one accepts.

// fastDecoder is a request DTO with a one-pass decoder for its common form;
// decodeFast reports false, with the DTO in any state, to leave the body to
// decodeJSON.
type fastDecoder interface {
	decodeFast(body []byte) bool
}

// plainJSON reads the JSON subset the fast decoders accept.
type plainJSON struct {
	b []byte
	i int
}

func (p *plainJSON) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// next skips white space and consumes c when it comes next.
func (p *plainJSON) next(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// peek skips white space and answers the next byte (0 at the end).
func (p *plainJSON) peek() byte {
	p.space()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// raw reads a string without escapes and answers its bytes in place.
func (p *plainJSON) raw() ([]byte, bool) {
	if !p.next('"') {
		return nil, false
	}
	start := p.i
	ascii := true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !ascii && !utf8.Valid(s) {
				return nil, false // encoding/json would replace the bad bytes
			}
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
		p.i++
	}
	return nil, false
}

func (p *plainJSON) str() (string, bool) {
	s, ok := p.raw()
	return string(s), ok
}

// object reads an object whose member values member reads; member answers
// false for a name it does not take (or a value it cannot read).
func (p *plainJSON) object(member func(name []byte) bool) bool {
	if !p.next('{') {
		return false
	}
	if p.next('}') {
		return true
	}
	for {
		name, ok := p.raw()
		if !ok || !p.next(':') || !member(name) {
			return false
		}
		if p.next('}') {
			return true
		}
		if !p.next(',') {
			return false
		}
	}
}

// strings reads an array of strings; [] is an empty, non-nil slice, as
// encoding/json makes it.
func (p *plainJSON) strings() ([]string, bool) {
	if !p.next('[') {
		return nil, false
	}
	out := []string{}
	if p.next(']') {
		return out, true
	}
	for {
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		out = append(out, s)
		if p.next(']') {
			return out, true
		}
		if !p.next(',') {
			return nil, false
		}
	}
}

// boolean reads true or false.
func (p *plainJSON) boolean() (v, ok bool) {
	p.space()
	rest := p.b[p.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		p.i += 4
		v = true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		p.i += 5
	default:
		return false, false
	}
	return v, p.endOfLiteral()
}

// count reads a non-negative integer of at most nine digits, without a
// leading zero, fraction or exponent.
func (p *plainJSON) count() (int, bool) {
	p.space()
	start, n := p.i, 0
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		n = n*10 + int(p.b[p.i]-'0')
		p.i++
	}
	digits := p.i - start
	if digits == 0 || digits > 9 || (digits > 1 && p.b[start] == '0') {
		return 0, false
	}
	return n, p.endOfLiteral()
}

// endOfLiteral: a number or literal ends where a delimiter or white space
// starts ("truex" and "1.5" are not ours).
func (p *plainJSON) endOfLiteral() bool {
	if p.i >= len(p.b) {
		return true
	}
	switch p.b[p.i] {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// end: nothing but white space after the value.
func (p *plainJSON) end() bool {
	p.space()
	return p.i == len(p.b)
}

// once marks bit in seen and answers false when it was already set: a
// member name given twice.
func once(seen *uint16, bit uint16) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

func (req *createRequest) decodeFast(body []byte) bool {
	p := plainJSON{b: body}
	var seen uint16
	ok := p.object(func(name []byte) bool {
		switch string(name) {
		case "idempotency_key":
			s, ok := p.str()
			req.IdempotencyKey = &s
			return ok && once(&seen, 1)
		case "sandbox":
			v, ok := p.boolean()
			req.Sandbox = &v
			return ok && once(&seen, 2)
		case "domain":
			var ok bool
			req.Domain, ok = p.str()
			return ok && once(&seen, 4)
		case "years":
			n, ok := p.count()
			req.Years = &n
			return ok && once(&seen, 8)
		case "registrant":
			return once(&seen, 16) && req.Registrant.decodePlain(&p)
		case "nameservers":
			var ok bool
			req.Nameservers, ok = p.strings()
			return ok && once(&seen, 32)
		case "claim_acknowledgement":
			req.Claim = &claimAckDTO{}
			return once(&seen, 64) && req.Claim.decodePlain(&p)
		}
		return false
	})
	if ok && p.end() {
		return true
	}
	*req = createRequest{}
	return false
}

func (d *registrantDTO) decodePlain(p *plainJSON) bool {
	var seen uint16
	return p.object(func(name []byte) bool {
		var field *string
		var bit uint16
		switch string(name) {
		case "name":
			field, bit = &d.Name, 1
		case "organization":
			field, bit = &d.Organization, 2
		case "email":
			field, bit = &d.Email, 4
		case "phone":
			field, bit = &d.Phone, 8
		case "country":
			field, bit = &d.Country, 16
		case "metadata":
			return once(&seen, 32) && d.decodeMetadata(p)
		default:
			return false
		}
		var ok bool
		*field, ok = p.str()
		return ok && once(&seen, bit)
	})
}

// decodeMetadata reads an object of strings into a new map ({} is an empty,
// non-nil map, as encoding/json makes it); a key given twice is declined.
func (d *registrantDTO) decodeMetadata(p *plainJSON) bool {
	if p.peek() != '{' {
		return false
	}
	d.Metadata = map[string]string{}
	return p.object(func(name []byte) bool {
		if _, dup := d.Metadata[string(name)]; dup {
			return false
		}
		v, ok := p.str()
		d.Metadata[string(name)] = v
		return ok
	})
}

func (d *claimAckDTO) decodePlain(p *plainJSON) bool {
	var seen uint16
	return p.object(func(name []byte) bool {
		var ok bool
		switch string(name) {
		case "notice_id":
			d.NoticeID, ok = p.str()
			return ok && once(&seen, 1)
		case "accepted_at":
			d.AcceptedAt, ok = p.str()
			return ok && once(&seen, 2)
		}
		return false
	})
}
