package ctl

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/test/chromium"
)

// portalPath is where registryd serves the registrar developer portal.
const portalPath = "/docs/registrar"

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

// TestPortalInHeadlessChromium: registryd serves the registrar developer
// portal without authentication; rendered in headless Chromium, every link
// on it answers 200 and its error table lists every catalog code.
func TestPortalInHeadlessChromium(t *testing.T) {
	bin := chromium.Find(t)
	s := start(t)
	pageURL := s.URL + portalPath

	res, err := http.Get(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET %s: %d %q (is the portal route registered in adapters/http?)", portalPath, res.StatusCode,
			res.Header.Get("Content-Type"))
	}

	root, err := html.Parse(bytes.NewReader(chromium.DumpDOM(t, bin, pageURL)))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	var links []string
	errorCodes := map[string]bool{}
	walk(root, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if id := attr(n, "id"); id != "" {
			ids[id] = true
		}
		if n.Data == "a" {
			links = append(links, attr(n, "href"))
		}
		if n.Data == "table" && attr(n, "id") == "error-catalog" {
			walk(n, func(c *html.Node) {
				if c.Type == html.ElementNode && c.Data == "tr" {
					for td := c.FirstChild; td != nil; td = td.NextSibling {
						if td.Type == html.ElementNode && td.Data == "td" {
							errorCodes[text(td)] = true
							break
						}
					}
				}
			})
		}
	})
	for _, spec := range core.Catalog() {
		if !errorCodes[string(spec.Code)] {
			t.Errorf("the rendered error table lacks %s", spec.Code)
		}
	}
	if len(errorCodes) != len(core.Catalog()) {
		t.Errorf("the error table has %d codes, the catalog %d", len(errorCodes), len(core.Catalog()))
	}

	base, _ := url.Parse(pageURL)
	checked := map[string]bool{}
	sawOpenAPI := false
	for _, href := range links {
		ref, err := url.Parse(href)
		if href == "" || err != nil {
			t.Errorf("bad link %q", href)
			continue
		}
		target := base.ResolveReference(ref)
		if target.Host != base.Host {
			t.Errorf("link %q leaves the registry", href)
			continue
		}
		if target.Fragment != "" && !ids[target.Fragment] {
			t.Errorf("link %q points at no element", href)
		}
		target.Fragment = ""
		if target.Path == "/api/v1/registrar/v1/openapi.json" {
			sawOpenAPI = true
		}
		if checked[target.String()] {
			continue
		}
		checked[target.String()] = true
		res, err := http.Get(target.String())
		if err != nil {
			t.Errorf("GET %s: %v", target, err)
			continue
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("link %q answers %d", href, res.StatusCode)
		}
	}
	if !sawOpenAPI {
		t.Errorf("the portal does not link the OpenAPI JSON")
	}
	if len(checked) < 7 {
		t.Errorf("only %d distinct documents linked: %v", len(checked), checked)
	}
}
