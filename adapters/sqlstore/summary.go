package sqlstore

import (
	"strconv"
)

// decodeSummary decodes an audit summary column (a JSON object) into a map,
// as fromJSON would: a poll page decodes two per event, and encoding/json
// (which validates the whole text before decoding it, by reflection) was a
// quarter of a poll's CPU. The fast path takes the JSON that summaries hold
// (objects, arrays, ASCII strings without escapes, numbers, literals) and
// builds the values encoding/json builds for an any: map[string]any, []any,
// string, float64, bool, nil. Anything else (an escape, a byte outside
// printable ASCII, deep nesting, a malformed text, a number out of range)
// goes to fromJSON, whose answer (or error) stands.
func decodeSummary(s string) (map[string]any, error) {
	d := summaryDecoder{s: s}
	d.space()
	if d.i < len(d.s) && d.s[d.i] == '{' {
		if v, ok := d.object(0); ok {
			d.space()
			if d.i == len(d.s) {
				return v, nil
			}
		}
	}
	var m map[string]any
	if err := fromJSON(s, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// maxSummaryDepth bounds the fast path's recursion; deeper text goes to
// encoding/json.
const maxSummaryDepth = 32

type summaryDecoder struct {
	s string
	i int
}

func (d *summaryDecoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *summaryDecoder) value(depth int) (any, bool) {
	if d.i >= len(d.s) {
		return nil, false
	}
	switch c := d.s[d.i]; {
	case c == '{':
		m, ok := d.object(depth + 1)
		return m, ok
	case c == '[':
		return d.array(depth + 1)
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	default:
		return nil, false
	}
}

func (d *summaryDecoder) literal(lit string) bool {
	if len(d.s)-d.i < len(lit) || d.s[d.i:d.i+len(lit)] != lit {
		return false
	}
	d.i += len(lit)
	return true
}

// object decodes {...} at d.i; duplicate keys keep the last value, as
// encoding/json does for a map.
func (d *summaryDecoder) object(depth int) (map[string]any, bool) {
	if depth > maxSummaryDepth {
		return nil, false
	}
	d.i++ // {
	m := map[string]any{}
	d.space()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return m, true
	}
	for {
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return nil, false
		}
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return nil, false
		}
		d.i++
		d.space()
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		m[k] = v
		d.space()
		if d.i >= len(d.s) {
			return nil, false
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return m, true
		default:
			return nil, false
		}
	}
}

func (d *summaryDecoder) array(depth int) (any, bool) {
	if depth > maxSummaryDepth {
		return nil, false
	}
	d.i++ // [
	a := []any{}
	d.space()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return a, true
	}
	for {
		d.space()
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		d.space()
		if d.i >= len(d.s) {
			return nil, false
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return a, true
		default:
			return nil, false
		}
	}
}

// str decodes a string of printable ASCII without escapes; anything else
// is left to encoding/json.
func (d *summaryDecoder) str() (string, bool) {
	start := d.i + 1
	for j := start; j < len(d.s); j++ {
		switch c := d.s[j]; {
		case c == '"':
			d.i = j + 1
			return d.s[start:j], true
		case c == '\\' || c < 0x20 || c >= 0x7f:
			return "", false
		}
	}
	return "", false
}

// number decodes a number of JSON's grammar as encoding/json does for an
// any: strconv.ParseFloat of its text.
func (d *summaryDecoder) number() (any, bool) {
	start, j := d.i, d.i
	digits := func() int {
		n := 0
		for j < len(d.s) && d.s[j] >= '0' && d.s[j] <= '9' {
			j++
			n++
		}
		return n
	}
	if d.s[j] == '-' {
		j++
	}
	switch {
	case j < len(d.s) && d.s[j] == '0':
		j++
	case digits() == 0:
		return nil, false
	}
	if j < len(d.s) && d.s[j] == '.' {
		j++
		if digits() == 0 {
			return nil, false
		}
	}
	if j < len(d.s) && (d.s[j] == 'e' || d.s[j] == 'E') {
		j++
		if j < len(d.s) && (d.s[j] == '+' || d.s[j] == '-') {
			j++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	f, err := strconv.ParseFloat(d.s[start:j], 64)
	if err != nil {
		return nil, false
	}
	d.i = j
	return f, true
}
