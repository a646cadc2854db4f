package sqlstore

import (
	"encoding"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
)

// JSON columns written by hand.
//
// Every create writes two audit summaries (maps) and a registration's
// JSON columns (a registrant, lists of names), and encoding/json, which
// walks maps and structs by reflection and sorts map keys through it, was
// a twentieth of registryd's CPU under creates (bench/README.md). The
// appenders below write the same bytes as json.Marshal for the values
// these columns hold: maps of strings to such values, lists, strings,
// booleans, whole numbers (of any integer kind, named or not) and the
// floats encoding/json writes without an exponent. Anything else (a type
// with its own MarshalJSON or MarshalText, such as time.Time, a float with
// an exponent or none at all, nesting deeper than maxSummaryDepth) sends
// the whole value to json.Marshal, whose answer or error stands.
// FuzzEncodeSummaryMatchesEncodingJSON holds them to it.

// encodeSummary is toJSON of an audit summary.
func encodeSummary(m map[string]any) (string, error) {
	if b, ok := appendJSONValue(make([]byte, 0, 256), m, 0); ok {
		return string(b), nil
	}
	return toJSON(m)
}

// encodeStrings is toJSON of a list of strings.
func encodeStrings(s []string) string {
	return string(appendJSONStrings(nil, s))
}

// encodeRegistrant is toJSON of a registrant.
func encodeRegistrant(r registrantJSON) string {
	b := make([]byte, 0, 160)
	b = append(b, `{"name":`...)
	b = appendJSONString(b, r.Name)
	b = append(b, `,"organization":`...)
	b = appendJSONString(b, r.Organization)
	b = append(b, `,"email":`...)
	b = appendJSONString(b, r.Email)
	b = append(b, `,"phone":`...)
	b = appendJSONString(b, r.Phone)
	b = append(b, `,"country":`...)
	b = appendJSONString(b, r.Country)
	b = append(b, `,"metadata":`...)
	b, _ = appendJSONValue(b, r.Metadata, 0) // a map of strings always goes
	return string(append(b, '}'))
}

// appendJSONString appends s as json.Marshal writes it: plain printable
// ASCII as it is, anything to escape (quotes, backslashes, controls, the
// HTML characters <, > and &, bytes past ASCII) through encoding/json.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always encodes
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// appendJSONStrings appends a list of strings (null when nil).
func appendJSONStrings(dst []byte, s []string) []byte {
	if s == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, e := range s {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, e)
	}
	return append(dst, ']')
}

// appendJSONValue appends v as json.Marshal writes it, or answers false
// when v holds something it leaves to encoding/json.
func appendJSONValue(dst []byte, v any, depth int) ([]byte, bool) {
	if depth > maxSummaryDepth {
		return dst, false
	}
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case string:
		return appendJSONString(dst, x), true
	case bool:
		return strconv.AppendBool(dst, x), true
	case int:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int64:
		return strconv.AppendInt(dst, x, 10), true
	case float64:
		// encoding/json writes 'f' form between 1e-6 and 1e21 (and 0).
		if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21 || math.IsNaN(x) || math.IsInf(x, 0)) {
			return dst, false
		}
		return strconv.AppendFloat(dst, x, 'f', -1, 64), true
	case []string:
		return appendJSONStrings(dst, x), true
	case []any:
		if x == nil {
			return append(dst, "null"...), true
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var ok bool
			if dst, ok = appendJSONValue(dst, e, depth+1); !ok {
				return dst, false
			}
		}
		return append(dst, ']'), true
	case map[string]any:
		if x == nil {
			return append(dst, "null"...), true
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			var ok bool
			if dst, ok = appendJSONValue(dst, x[k], depth+1); !ok {
				return dst, false
			}
		}
		return append(dst, '}'), true
	case map[string]string:
		// Written out rather than shared with the map above: a generic
		// walk taking the value's appender cost a third more time per
		// summary (BenchmarkEncodeSummary).
		if x == nil {
			return append(dst, "null"...), true
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			dst = appendJSONString(dst, x[k])
		}
		return append(dst, '}'), true
	case json.Marshaler, encoding.TextMarshaler:
		return dst, false
	}
	// Named whole numbers, strings and booleans (core.Gems, a status).
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(dst, rv.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.AppendUint(dst, rv.Uint(), 10), true
	case reflect.String:
		return appendJSONString(dst, rv.String()), true
	case reflect.Bool:
		return strconv.AppendBool(dst, rv.Bool()), true
	}
	return dst, false
}
