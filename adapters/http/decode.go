package httpadapter

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
)

// MaxBodyBytes bounds every request body (413 request_too_large beyond it).
const MaxBodyBytes = 1 << 20

// bodyMode says whether a route needs a body.
type bodyMode int

const (
	bodyRequired bodyMode = iota // POST/PUT/PATCH commands: JSON body, JSON content type
	bodyOptional                 // DELETE, POST /sandbox/reset: empty body without content type is fine
)

// decodeBody reads r's body strictly into dst: at most MaxBodyBytes,
// application/json, one JSON object, no unknown fields, no duplicate or
// wrongly cased member names, no trailing data.
// It reports whether a body was present (always true for bodyRequired).
func decodeBody(w http.ResponseWriter, r *http.Request, mode bodyMode, dst any) (bool, error) {
	if r.ContentLength > MaxBodyBytes {
		return false, tooLarge()
	}
	if mode == bodyRequired {
		if err := requireJSON(r); err != nil {
			return false, err
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return false, tooLarge()
		}
		return false, core.Errorf(core.CodeMalformedRequest, "the request body could not be read")
	}
	if mode == bodyOptional {
		if len(bytes.TrimSpace(body)) == 0 {
			return false, nil
		}
		if err := requireJSON(r); err != nil {
			return false, err
		}
	}
	if fd, ok := dst.(fastDecoder); ok && fd.decodeFast(body) {
		return true, nil
	}
	return true, decodeJSON(body, dst)
}

func tooLarge() error {
	return core.Errorf(core.CodeRequestTooLarge, "request bodies are at most %d bytes", MaxBodyBytes)
}

// requireJSON accepts application/json with any parameters (charset=utf-8).
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return core.Errorf(core.CodeUnsupportedMediaType, "send the request body as application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return core.Errorf(core.CodeUnsupportedMediaType, "content type %q is not supported; send application/json",
			truncate(ct, 100))
	}
	return nil
}

// decodeJSON decodes exactly one JSON object into dst and translates the
// decoder's errors into catalog errors that name the offending field.
// Member names must be unique and spelled exactly as the wire names
// (checkMemberNames), so that no name is ever matched by case or decided by
// the last of two values.
func decodeJSON(body []byte, dst any) error {
	if err := checkMemberNames(body, dst); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return translateJSONError(err)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return core.Errorf(core.CodeMalformedRequest, "the request body has data after the JSON object")
	}
	return nil
}

func translateJSONError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return core.Errorf(core.CodeMalformedRequest, "the request body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return core.Errorf(core.CodeMalformedRequest, "the request body ends in the middle of a JSON value")
	case errors.As(err, &syn):
		return core.Errorf(core.CodeMalformedRequest, "the request body is not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return core.Errorf(core.CodeMalformedRequest, "the request body must be a JSON object, not %s", jsonKindOf(typ.Value))
		}
		return core.Invalid(typ.Field, "%s must be %s, not %s", typ.Field, expected(typ.Type), jsonKindOf(typ.Value))
	}
	if name, ok := unknownField(err); ok {
		return core.Invalid(name, "unknown field %q", truncate(name, 64))
	}
	return core.Errorf(core.CodeMalformedRequest, "the request body is not valid JSON for this command")
}

// unknownField extracts the name from encoding/json's unknown field error.
func unknownField(err error) (string, bool) {
	const prefix = "json: unknown field "
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return "", false
	}
	name, uerr := strconv.Unquote(strings.TrimPrefix(msg, prefix))
	if uerr != nil {
		return strings.Trim(strings.TrimPrefix(msg, prefix), `"`), true
	}
	return name, true
}

// jsonKindOf turns UnmarshalTypeError.Value ("string", "number 1.5", ...)
// into words.
func jsonKindOf(v string) string {
	switch {
	case v == "string":
		return "a string"
	case strings.HasPrefix(v, "number"):
		return "a number"
	case v == "bool":
		return "a boolean"
	case v == "array":
		return "an array"
	case v == "object":
		return "an object"
	case v == "null":
		return "null"
	}
	return v
}

func expected(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a different type"
}

// parseTime parses an RFC 3339 timestamp of a request field.
func parseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, core.Invalid(field, "%s must be an RFC 3339 timestamp such as 2026-01-02T03:04:05Z", field)
	}
	return t.UTC(), nil
}

// mutationOf merges the idempotency key and sandbox flag of header and body.
func mutationOf(r *http.Request, bodyKey *string, bodySandbox *bool) (core.Mutation, error) {
	var m core.Mutation
	headerKey := r.Header.Get("Idempotency-Key")
	switch {
	case headerKey != "" && bodyKey != nil && *bodyKey != "" && *bodyKey != headerKey:
		return m, core.Invalid("idempotency_key",
			"the Idempotency-Key header and the idempotency_key body field differ; send one, or the same value in both")
	case headerKey != "":
		m.IdempotencyKey = headerKey
	case bodyKey != nil:
		m.IdempotencyKey = *bodyKey
	}
	hs, err := sandboxHeader(r)
	if err != nil {
		return m, err
	}
	m.Sandbox = hs || (bodySandbox != nil && *bodySandbox)
	return m, nil
}

// HeaderSandbox selects sandbox mode: 1 or true (0 or false: production).
const HeaderSandbox = "X-Registrar-Sandbox"

func sandboxHeader(r *http.Request) (bool, error) {
	vals := r.Header.Values(HeaderSandbox)
	if len(vals) == 0 {
		return false, nil
	}
	on := false
	for _, v := range vals {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "": // an empty header is no header
		case "1", "true":
			on = true
		case "0", "false":
		default:
			return false, core.Invalid(HeaderSandbox, "the %s header must be 1, true, 0 or false", HeaderSandbox)
		}
	}
	return on, nil
}

// queryInt parses an optional positive integer query parameter.
func queryInt(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, core.Invalid(name, "%s must be a whole number of at least 1", name)
	}
	return n, nil
}

// queryTime parses an optional RFC 3339 query parameter. A "+" offset that
// arrived unencoded (and so became a space) is restored.
func queryTime(r *http.Request, name string) (*time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	t, err := parseTime(name, strings.ReplaceAll(v, " ", "+"))
	if err != nil {
		return nil, err
	}
	return &t, nil
}
