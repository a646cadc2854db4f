package rdap_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/headlessdomains/registry/adapters/rdap"
)

// TestLookupPageHeadersAndEscaping: the page is HTML under a CSP that
// allows no script and no remote loads, answers HEAD like GET, refuses a
// bad name with 400, and escapes whatever was typed.
func TestLookupPageHeadersAndEscaping(t *testing.T) {
	w := published(t)
	csp := rdap.ContentSecurityPolicy
	for _, want := range []string{"default-src 'none'", "style-src 'sha256-", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q allows script or inline code", csp)
	}
	for path, status := range map[string]int{
		"/lookup": 200, "/lookup?name=alice.defiwallet": 200, "/lookup?name=nobody.defiwallet": 200,
		"/lookup?name=" + url.QueryEscape("<script>alert(1)</script>.defiwallet"): 400,
		"/lookup?name=" + url.QueryEscape(`x"><img src=x>.defiwallet`):            400,
	} {
		get, head := w.do("GET", path), w.do("HEAD", path)
		if get.status != status || head.status != status {
			t.Errorf("%s: GET %d HEAD %d, want %d", path, get.status, head.status, status)
		}
		if get.header.Get("Content-Type") != "text/html; charset=utf-8" || get.header.Get("Content-Security-Policy") != csp ||
			get.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", path, get.header)
		}
		if len(head.body) != 0 || head.header.Get("Content-Length") != strconv.Itoa(len(get.body)) {
			t.Errorf("%s: HEAD body %d bytes, Content-Length %s, GET %d bytes", path, len(head.body), head.header.Get("Content-Length"), len(get.body))
		}
		body := string(get.body)
		if strings.Contains(body, "<script") || strings.Contains(body, "<img") {
			t.Errorf("%s: markup from the query reached the page:\n%s", path, body)
		}
	}
	if a := w.do("POST", "/lookup"); a.status != 405 || a.header.Get("Allow") == "" {
		t.Errorf("POST /lookup: %d %v", a.status, a.header)
	}
}
