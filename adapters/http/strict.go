package httpadapter

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/headlessdomains/registry/core"
)

// maxStrictDepth bounds the nesting the member-name check follows; deeper
// documents are left to encoding/json, which refuses them on its own
// (its limit is 10,000 as well).
const maxStrictDepth = 10_000

// checkMemberNames walks the first JSON value of body token by token,
// beside the Go type that will receive it, and refuses what encoding/json
// would silently accept (RFC 8259 §4 leaves duplicate names to the
// implementation; encoding/json keeps the last and matches names without
// regard to case):
//
//   - a member name that appears twice in one object, at any depth, map
//     keys included → malformed_request;
//   - a member name that is not spelled exactly as a field's wire name:
//     another case of a wire name ("SANDBOX") or an unknown name →
//     validation_error naming the field.
//
// The first violation in document order is answered. A body that is not
// well-formed JSON is not judged here: the decoder then reports its syntax
// error in its own words, so that bad syntax is never reported as a name.
func checkMemberNames(body []byte, dst any) error {
	// The body's own tokens first: a request as clients send it (names
	// without escapes, well-formed) is judged without encoding/json's
	// tokenizer, which allocates a value per token; anything else, and
	// every malformed body, goes through encoding/json's.
	if err, ok := walkMembers(&fastTokens{b: body}, dst); ok {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err, _ := walkMembers(dec, dst)
	return err
}

// tokenSource is json.Decoder's Token, or fastTokens'.
type tokenSource interface {
	Token() (json.Token, error)
}

// walkMembers is checkMemberNames over the tokens of src. ok is false when
// src stopped before the first value ended (a syntax error, or fastTokens
// declining the text); the answer is then nil, as encoding/json reports
// the syntax itself.
func walkMembers(src tokenSource, dst any) (err error, ok bool) {
	var stack []*strictFrame
	var first error
	// next is the type of the value the next token starts.
	next := reflect.TypeOf(dst)
	for {
		tok, err := src.Token()
		if err != nil {
			return nil, false // syntax, depth or an empty body: the decoder's answer
		}
		var top *strictFrame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return first, true
				}
				stack[len(stack)-1].valueDone()
				continue
			}
			key, _ := tok.(string)
			var bad error
			next, bad = top.member(key)
			if first == nil {
				first = bad
			}
			top.wantKey = false
			continue
		}
		if top != nil && !top.object {
			if d, ok := tok.(json.Delim); ok && d == ']' {
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return first, true
				}
				stack[len(stack)-1].valueDone()
				continue
			}
			next = top.elem
		}
		d, isDelim := tok.(json.Delim)
		switch {
		case isDelim && d == '{':
			if len(stack) >= maxStrictDepth {
				return nil, true
			}
			stack = append(stack, newObjectFrame(next, top))
		case isDelim && d == '[':
			if len(stack) >= maxStrictDepth {
				return nil, true
			}
			stack = append(stack, newArrayFrame(next, top))
		default: // a scalar value
			if top == nil {
				return first, true
			}
			top.valueDone()
		}
	}
}

// strictFrame is one open object or array of checkMemberNames.
type strictFrame struct {
	object  bool
	wantKey bool
	path    string              // the wire path of this value ("registrant", "records")
	current string              // the wire path of the member being read
	fields  map[string]fieldRef // struct members by exact wire name; nil for maps and unknown types
	mapElem reflect.Type        // the value type of a map; nil otherwise
	elem    reflect.Type        // the element type of an array
	seen    map[string]struct{}
}

type fieldRef struct {
	name string
	typ  reflect.Type
}

func newObjectFrame(t reflect.Type, parent *strictFrame) *strictFrame {
	f := &strictFrame{object: true, wantKey: true, path: childPath(parent), seen: map[string]struct{}{}}
	switch t = deref(t); {
	case t == nil:
	case t.Kind() == reflect.Struct:
		f.fields = wireFields(t)
	case t.Kind() == reflect.Map:
		f.mapElem = t.Elem()
	}
	return f
}

func newArrayFrame(t reflect.Type, parent *strictFrame) *strictFrame {
	f := &strictFrame{path: childPath(parent)}
	if t = deref(t); t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		f.elem = t.Elem()
	}
	return f
}

func childPath(parent *strictFrame) string {
	switch {
	case parent == nil:
		return ""
	case !parent.object:
		return parent.path // encoding/json names array members without an index ("records.ttl")
	default:
		return parent.current
	}
}

// valueDone ends the value of a member (objects) or element (arrays).
func (f *strictFrame) valueDone() {
	if f.object {
		f.wantKey = true
	}
}

// member records key and answers the type of its value and the first
// violation it shows.
func (f *strictFrame) member(key string) (reflect.Type, error) {
	f.current = joinPath(f.path, key)
	if _, dup := f.seen[key]; dup {
		return nil, core.Errorf(core.CodeMalformedRequest,
			"the member name %q appears more than once in one object%s; send each member once", truncate(key, 64), where(f.path))
	}
	f.seen[key] = struct{}{}
	switch {
	case f.mapElem != nil:
		return f.mapElem, nil
	case f.fields == nil:
		return nil, nil
	}
	if ref, ok := f.fields[key]; ok {
		return ref.typ, nil
	}
	// encoding/json would match key to a field by Unicode case folding
	// (so "ſandbox" is "sandbox" to it); strings.EqualFold folds the same.
	for wire := range f.fields {
		if strings.EqualFold(wire, key) {
			fieldPath := joinPath(f.path, wire)
			return f.fields[wire].typ, core.Invalid(fieldPath, "member %q must be spelled %q: member names are case-sensitive", truncate(key, 64), wire)
		}
	}
	// An unknown member is named by itself, as encoding/json names it.
	return nil, core.Invalid(key, "unknown field %q", truncate(key, 64))
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func where(path string) string {
	if path == "" {
		return ""
	}
	return " (in " + strconv.Quote(truncate(path, 100)) + ")"
}

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// wireFieldCache holds wireFields per struct type.
var wireFieldCache sync.Map // reflect.Type → map[string]fieldRef

// wireFields answers the members encoding/json decodes into struct t, by
// their exact wire names.
func wireFields(t reflect.Type) map[string]fieldRef {
	if v, ok := wireFieldCache.Load(t); ok {
		return v.(map[string]fieldRef)
	}
	fields := map[string]fieldRef{}
	collectFields(t, fields, 0)
	wireFieldCache.Store(t, fields)
	return fields
}

func collectFields(t reflect.Type, into map[string]fieldRef, depth int) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			if et := deref(sf.Type); et.Kind() == reflect.Struct && depth < 8 {
				collectFields(et, into, depth+1)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if _, taken := into[name]; !taken {
			into[name] = fieldRef{name: name, typ: sf.Type}
		}
	}
}
