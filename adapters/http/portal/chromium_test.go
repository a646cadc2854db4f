package portal

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/headlessdomains/registry/adapters/http/openapi"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/test/chromium"
)

// TestPortalInChromium renders the portal, served beside the documents it
// links to, in headless Chromium: every link answers 200 and the error table
// lists every catalog code.
func TestPortalInChromium(t *testing.T) {
	bin := chromium.Find(t)
	mux := http.NewServeMux()
	mux.Handle(Path, Handler())
	for _, d := range openapi.Documents() {
		body, ct := d.Body, d.ContentType
		mux.HandleFunc(d.Path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			_, _ = w.Write(body)
		})
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()

	pageURL := srv.URL + Path
	d := parse(t, chromium.DumpDOM(t, bin, pageURL))
	checkRenderedPortal(t, d, pageURL)
}

func checkRenderedPortal(t *testing.T, d dom, pageURL string) {
	t.Helper()
	if title := elements(d.root, "title"); len(title) != 1 || text(title[0]) != "Registrar developer docs · HeadlessDomains Partners" {
		t.Errorf("rendered title: %v", title)
	}
	rows := tableRows(t, d, "error-catalog")
	for _, s := range core.Catalog() {
		if _, ok := rows[string(s.Code)]; !ok {
			t.Errorf("the rendered error table lacks %s", s.Code)
		}
	}
	base, err := url.Parse(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, a := range elements(d.root, "a") {
		href := attr(a, "href")
		if href == "" {
			t.Errorf("a link without href: %q", text(a))
			continue
		}
		ref, err := url.Parse(href)
		if err != nil {
			t.Errorf("href %q: %v", href, err)
			continue
		}
		target := base.ResolveReference(ref)
		if target.Fragment != "" {
			if _, ok := d.ids[target.Fragment]; !ok {
				t.Errorf("link %q points at no element", href)
			}
			target.Fragment = ""
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
	if len(checked) < len(Links())+1 {
		t.Errorf("only %d distinct link targets checked", len(checked))
	}
}
