package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Exit codes scripts can trust.
const (
	exitOK          = 0
	exitRefused     = 1 // the API answered with an error, or an OT&E step failed
	exitUsage       = 2
	exitUnreachable = 3
)

// maxResponseBytes bounds what registryctl reads of one answer.
const maxResponseBytes = 64 << 20

// usageError is a command line that cannot be run.
type usageError struct {
	msg  string
	path []string // the command whose help explains the fix
}

func (e *usageError) Error() string { return e.msg }

func usagef(path []string, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), path: path}
}

// apiError is an answer with an error status, decoded from RFC 9457 problem
// details when the server sent them.
type apiError struct {
	Status    int
	Code      string
	Title     string
	Detail    string
	RequestID string
	Fields    []fieldError
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *apiError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d %s", e.Status, e.Code)
	if e.Title != "" {
		fmt.Fprintf(&b, " (%s)", e.Title)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	return b.String()
}

// unreachableError is a request that got no HTTP answer at all.
type unreachableError struct {
	URL string
	Err error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("could not reach the registry at %s: %v", e.URL, e.Err)
}

func (e *unreachableError) Unwrap() error { return e.Err }

// stepFailure reports that an OT&E exercise ran but some steps failed; the
// steps themselves were already printed.
type stepFailure struct{ failed, total int }

func (e *stepFailure) Error() string {
	return fmt.Sprintf("%d of %d OT&E steps failed", e.failed, e.total)
}

// exitCode maps an error to the documented exit code.
func exitCode(err error) int {
	var (
		ue *usageError
		ur *unreachableError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &ur):
		return exitUnreachable
	default:
		return exitRefused
	}
}

// response is one HTTP answer, read whole.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// object decodes a JSON object answer, keeping numbers exact.
func (r response) object() (map[string]any, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("the server answered HTTP %d with a body that is not a JSON object: %w", r.Status, err)
	}
	return m, nil
}

// problem decodes an error answer: problem details when present, otherwise
// the status line and the start of the body.
func (r response) problem() *apiError {
	e := &apiError{Status: r.Status}
	var p struct {
		Code      string       `json:"code"`
		Title     string       `json:"title"`
		Detail    string       `json:"detail"`
		RequestID string       `json:"request_id"`
		Errors    []fieldError `json:"errors"`
	}
	if json.Unmarshal(r.Body, &p) == nil && p.Code != "" {
		e.Code, e.Title, e.Detail, e.RequestID, e.Fields = p.Code, p.Title, p.Detail, p.RequestID, p.Errors
		return e
	}
	e.Code = fmt.Sprintf("http_%d", r.Status)
	e.Title = http.StatusText(r.Status)
	e.Detail = snippet(r.Body, 200)
	return e
}

// snippet is the start of b as one line of valid UTF-8.
func snippet(b []byte, n int) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > n {
		s = s[:n]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// client speaks HTTP to one registry.
type client struct {
	base string // scheme://host[:port][/prefix], no trailing slash
	http *http.Client
}

func newClient(rawURL string, hc *http.Client) (*client, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %q is not an http:// or https:// URL", rawURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("--url %q must not carry a query or fragment", rawURL)
	}
	return &client{base: strings.TrimRight(u.String(), "/"), http: hc}, nil
}

// request describes one call.
type request struct {
	Method  string
	Path    string // absolute path on the server, already escaped
	Query   url.Values
	Token   string
	Body    any    // encoded as JSON when non-nil
	RawBody []byte // sent as is (JSON) when non-nil; wins over Body
	Header  map[string]string
}

// send performs req and returns the answer whatever its status; only a
// transport failure is an error (*unreachableError).
func (c *client) send(ctx context.Context, req request) (response, error) {
	target := c.base + req.Path
	if len(req.Query) > 0 {
		target += "?" + req.Query.Encode()
	}
	var body io.Reader
	payload := req.RawBody
	if payload == nil && req.Body != nil {
		b, err := json.Marshal(req.Body)
		if err != nil {
			return response{}, fmt.Errorf("encode request body: %w", err)
		}
		payload = b
	}
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, target, body)
	if err != nil {
		return response{}, fmt.Errorf("build request %s %s: %w", req.Method, req.Path, err)
	}
	hr.Header.Set("Accept", "application/json, application/problem+json, text/markdown;q=0.9, */*;q=0.1")
	hr.Header.Set("User-Agent", "registryctl")
	if payload != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if req.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+req.Token)
	}
	for k, v := range req.Header {
		hr.Header.Set(k, v)
	}
	res, err := c.http.Do(hr)
	if err != nil {
		return response{}, &unreachableError{URL: c.base, Err: stripURL(err)}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes))
	if err != nil {
		return response{}, &unreachableError{URL: c.base, Err: fmt.Errorf("reading the answer to %s %s: %w", req.Method, req.Path, err)}
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: raw}, nil
}

// stripURL drops the request URL from a *url.Error (the caller names the
// server once; query strings could carry idempotency keys).
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// call performs req and turns any status outside 2xx into an *apiError.
func (c *client) call(ctx context.Context, req request) (response, error) {
	res, err := c.send(ctx, req)
	if err != nil {
		return res, err
	}
	if res.Status < 200 || res.Status > 299 {
		return res, res.problem()
	}
	return res, nil
}

// pathEscape escapes one path segment (ids, namespaces, domain names).
func pathEscape(s string) string { return url.PathEscape(s) }
