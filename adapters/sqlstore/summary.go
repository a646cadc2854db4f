package sqlstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
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

// summaryEncoder re-encodes summary columns for a poll page
// (core.AuditEvent.RequestSummaryJSON): the bytes encoding/json writes,
// HTML escaping off, for the map decodeSummary answers, a nil map as {}.
// PostgreSQL's jsonb prints an object with spaces and its keys ordered by
// length ({"years": 1, "domain": ...}) where encoding/json writes them
// compact and sorted bytewise, and a summary goes to the page as the
// latter; rewriting the text costs a fraction of decoding it into maps and
// encoding those. The fast path takes what decodeSummary's takes, strings of
// valid UTF-8 included (encoding/json writes them as they are but for
// U+2028 and U+2029); anything else (an escape, a duplicate key, a number
// out of range, malformed text) goes through decodeSummary and
// encoding/json, whose answer (or error) stands. One encoder serves a page:
// its scratch buffer is reused.
type summaryEncoder struct {
	s       []byte
	i       int
	scratch []byte
}

// encode appends the page form of the summary text s to dst.
func (e *summaryEncoder) encode(dst, s []byte) ([]byte, error) {
	start := len(dst)
	e.s, e.i = s, 0
	e.space()
	if e.i < len(e.s) && e.s[e.i] == '{' {
		if out, ok := e.object(dst, 0); ok {
			e.space()
			if e.i == len(e.s) {
				return out, nil
			}
		}
	}
	dst = dst[:start]
	m, err := decodeSummary(string(s))
	if err != nil {
		return dst, err
	}
	if m == nil {
		return append(dst, "{}"...), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil { // decoded JSON always encodes
		return dst, fmt.Errorf("postgres: encode audit summary: %w", err)
	}
	return append(dst, bytes.TrimRight(buf.Bytes(), "\n")...), nil
}

func (e *summaryEncoder) space() {
	for e.i < len(e.s) {
		switch e.s[e.i] {
		case ' ', '\t', '\n', '\r':
			e.i++
		default:
			return
		}
	}
}

func (e *summaryEncoder) value(dst []byte, depth int) ([]byte, bool) {
	if e.i >= len(e.s) {
		return dst, false
	}
	switch c := e.s[e.i]; {
	case c == '{':
		return e.object(dst, depth+1)
	case c == '[':
		return e.array(dst, depth+1)
	case c == '"':
		return e.strValue(dst)
	case c == 't':
		return append(dst, "true"...), e.literal("true")
	case c == 'f':
		return append(dst, "false"...), e.literal("false")
	case c == 'n':
		return append(dst, "null"...), e.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return e.number(dst)
	default:
		return dst, false
	}
}

func (e *summaryEncoder) literal(lit string) bool {
	if len(e.s)-e.i < len(lit) || string(e.s[e.i:e.i+len(lit)]) != lit {
		return false
	}
	e.i += len(lit)
	return true
}

// member is one "key":value of an object being written: its key and where
// the whole member lies in the output.
type member struct {
	key        []byte
	start, end int
}

// object writes {...} at e.i compact, then reorders its members by key if
// they came in another order.
func (e *summaryEncoder) object(dst []byte, depth int) ([]byte, bool) {
	if depth > maxSummaryDepth {
		return dst, false
	}
	e.i++ // {
	open := len(dst)
	dst = append(dst, '{')
	e.space()
	if e.i < len(e.s) && e.s[e.i] == '}' {
		e.i++
		return append(dst, '}'), true
	}
	var arr [16]member
	members := arr[:0]
	sorted := true
	for {
		e.space()
		if e.i >= len(e.s) || e.s[e.i] != '"' {
			return dst, false
		}
		if len(members) > 0 {
			dst = append(dst, ',')
		}
		start := len(dst)
		k, ok := e.str()
		if !ok {
			return dst, false
		}
		key := k[1 : len(k)-1]
		if n := len(members); n > 0 {
			switch c := bytes.Compare(members[n-1].key, key); {
			case c == 0:
				return dst, false // a duplicate: encoding/json keeps the last
			case c > 0:
				sorted = false
			}
		}
		dst = append(dst, k...)
		e.space()
		if e.i >= len(e.s) || e.s[e.i] != ':' {
			return dst, false
		}
		e.i++
		dst = append(dst, ':')
		e.space()
		if dst, ok = e.value(dst, depth); !ok {
			return dst, false
		}
		members = append(members, member{key: key, start: start, end: len(dst)})
		e.space()
		if e.i >= len(e.s) {
			return dst, false
		}
		switch e.s[e.i] {
		case ',':
			e.i++
		case '}':
			e.i++
			if !sorted {
				return e.reorder(dst, open, members)
			}
			return append(dst, '}'), true
		default:
			return dst, false
		}
	}
}

// reorder rewrites the members of the object opened at dst[open] in key
// order and closes it; false on a duplicate key.
func (e *summaryEncoder) reorder(dst []byte, open int, members []member) ([]byte, bool) {
	// Insertion sort: a summary object has a handful of members, and
	// slices.SortFunc's comparison calls cost more than the moves.
	for i := 1; i < len(members); i++ {
		for j := i; j > 0 && bytes.Compare(members[j-1].key, members[j].key) > 0; j-- {
			members[j-1], members[j] = members[j], members[j-1]
		}
	}
	for i := 1; i < len(members); i++ {
		if bytes.Equal(members[i-1].key, members[i].key) {
			return dst, false
		}
	}
	base := open + 1
	e.scratch = append(e.scratch[:0], dst[base:]...)
	dst = dst[:base]
	for i, m := range members {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, e.scratch[m.start-base:m.end-base]...)
	}
	return append(dst, '}'), true
}

func (e *summaryEncoder) array(dst []byte, depth int) ([]byte, bool) {
	if depth > maxSummaryDepth {
		return dst, false
	}
	e.i++ // [
	dst = append(dst, '[')
	e.space()
	if e.i < len(e.s) && e.s[e.i] == ']' {
		e.i++
		return append(dst, ']'), true
	}
	for first := true; ; first = false {
		if !first {
			dst = append(dst, ',')
		}
		e.space()
		var ok bool
		if dst, ok = e.value(dst, depth); !ok {
			return dst, false
		}
		e.space()
		if e.i >= len(e.s) {
			return dst, false
		}
		switch e.s[e.i] {
		case ',':
			e.i++
		case ']':
			e.i++
			return append(dst, ']'), true
		default:
			return dst, false
		}
	}
}

// str answers the string at e.i, quotes included, when encoding/json writes
// it back as it is: no escape, no control character, valid UTF-8 without
// U+2028 or U+2029.
func (e *summaryEncoder) str() ([]byte, bool) {
	start := e.i
	ascii := true
	for j := start + 1; j < len(e.s); j++ {
		switch c := e.s[j]; {
		case c == '"':
			if !ascii {
				text := e.s[start+1 : j]
				if !utf8.Valid(text) || bytes.Contains(text, lineSeparator) || bytes.Contains(text, paragraphSeparator) {
					return nil, false
				}
			}
			e.i = j + 1
			return e.s[start : j+1], true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, false
}

// strValue appends the string at e.i as encoding/json writes it back. It
// takes, besides what str takes, the escapes encoding/json writes itself
// (\" \\ \b \f \n \r \t, \u00xx for the other control characters,
// \u2028, \u2029), which stay as they are, and the HTML ones it writes with
// escaping on, as json.Marshal stored them (\u003c \u003e \u0026), which
// become < > &. Any other escape is left to encoding/json.
func (e *summaryEncoder) strValue(dst []byte) ([]byte, bool) {
	start := e.i
	done := start // e.s[start:done] is in dst already
	ascii := true
	for j := start + 1; j < len(e.s); j++ {
		switch c := e.s[j]; {
		case c == '"':
			if !ascii {
				text := e.s[start+1 : j]
				if !utf8.Valid(text) || bytes.Contains(text, lineSeparator) || bytes.Contains(text, paragraphSeparator) {
					return dst, false
				}
			}
			e.i = j + 1
			return append(dst, e.s[done:j+1]...), true
		case c < 0x20:
			return dst, false
		case c >= 0x80:
			ascii = false
		case c == '\\':
			if j+1 >= len(e.s) {
				return dst, false
			}
			switch e.s[j+1] {
			case '"', '\\', 'b', 'f', 'n', 'r', 't':
				j++
				continue
			case 'u':
			default:
				return dst, false
			}
			if j+6 > len(e.s) {
				return dst, false
			}
			switch h := string(e.s[j+2 : j+6]); h {
			case "003c", "003e", "0026":
				dst = append(dst, e.s[done:j]...)
				switch h[3] {
				case 'c':
					dst = append(dst, '<')
				case 'e':
					dst = append(dst, '>')
				default:
					dst = append(dst, '&')
				}
				done = j + 6
			case "2028", "2029":
			default:
				if !jsonControlEscape(h) {
					return dst, false
				}
			}
			j += 5
		}
	}
	return dst, false
}

// jsonControlEscape reports whether \u+h is how encoding/json writes a
// control character: 00 and a lowercase hex digit pair below 20, but for
// the five it writes short (\b \t \n \f \r).
func jsonControlEscape(h string) bool {
	if h[0] != '0' || h[1] != '0' || (h[2] != '0' && h[2] != '1') {
		return false
	}
	if d := h[3]; !(d >= '0' && d <= '9' || d >= 'a' && d <= 'f') {
		return false
	}
	switch h[2:] {
	case "08", "09", "0a", "0c", "0d":
		return false
	}
	return true
}

// U+2028 and U+2029 in UTF-8, which encoding/json escapes.
var (
	lineSeparator      = []byte("\u2028")
	paragraphSeparator = []byte("\u2029")
)

// number writes the number at e.i as encoding/json writes the float64 it
// decodes to: an integer of up to 15 digits as it is, anything else parsed
// and formatted again.
func (e *summaryEncoder) number(dst []byte) ([]byte, bool) {
	start, j := e.i, e.i
	digits := func() int {
		n := 0
		for j < len(e.s) && e.s[j] >= '0' && e.s[j] <= '9' {
			j++
			n++
		}
		return n
	}
	if e.s[j] == '-' {
		j++
	}
	n := 0
	switch {
	case j < len(e.s) && e.s[j] == '0':
		j++
		n = 1
	default:
		if n = digits(); n == 0 {
			return dst, false
		}
	}
	plain := n <= 15
	if j < len(e.s) && e.s[j] == '.' {
		j++
		plain = false
		if digits() == 0 {
			return dst, false
		}
	}
	if j < len(e.s) && (e.s[j] == 'e' || e.s[j] == 'E') {
		j++
		plain = false
		if j < len(e.s) && (e.s[j] == '+' || e.s[j] == '-') {
			j++
		}
		if digits() == 0 {
			return dst, false
		}
	}
	text := e.s[start:j]
	e.i = j
	if plain {
		return append(dst, text...), true
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		return dst, false
	}
	return appendFloat(dst, f)
}

// appendFloat writes f as encoding/json writes a float64: the shortest
// representation, in exponent form below 1e-6 and from 1e21, with a
// two-digit negative exponent shortened (e-07 as e-7).
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}
