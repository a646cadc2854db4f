package portal

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/headlessdomains/registry/adapters/http/openapi"
	"github.com/headlessdomains/registry/core"
)

// dom is a parsed page with lookups by id.
type dom struct {
	root *html.Node
	ids  map[string]*html.Node
}

func parse(t *testing.T, b []byte) dom {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the page does not parse: %v", err)
	}
	d := dom{root: root, ids: map[string]*html.Node{}}
	d.walk(func(n *html.Node) {
		if id := attr(n, "id"); id != "" {
			if _, dup := d.ids[id]; dup {
				t.Errorf("duplicate id %q", id)
			}
			d.ids[id] = n
		}
	})
	return d
}

func (d dom) walk(fn func(*html.Node)) { walk(d.root, fn) }

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, name string) string {
	if n.Type != html.ElementNode {
		return ""
	}
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

func elements(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	walk(n, func(c *html.Node) {
		if c.Type == html.ElementNode && c.Data == tag {
			out = append(out, c)
		}
	})
	return out
}

// tableRows maps the first cell's text of each body row to its cells' text.
func tableRows(t *testing.T, d dom, id string) map[string][]string {
	t.Helper()
	table, ok := d.ids[id]
	if !ok {
		t.Fatalf("no table #%s", id)
	}
	rows := map[string][]string{}
	for _, tr := range elements(table, "tr") {
		cells := elements(tr, "td")
		if len(cells) == 0 {
			continue
		}
		var texts []string
		for _, c := range cells {
			texts = append(texts, text(c))
		}
		rows[texts[0]] = texts
	}
	return rows
}

func TestErrorTableListsTheWholeCatalog(t *testing.T) {
	d := parse(t, Page())
	rows := tableRows(t, d, "error-catalog")
	catalog := core.Catalog()
	if len(rows) != len(catalog) {
		t.Errorf("%d error rows, want %d", len(rows), len(catalog))
	}
	for _, s := range catalog {
		row, ok := rows[string(s.Code)]
		if !ok {
			t.Errorf("error table lacks %s", s.Code)
			continue
		}
		retry := "no"
		if s.Retryable {
			retry = "yes"
		}
		want := []string{string(s.Code), strconv.Itoa(s.HTTPStatus), strconv.Itoa(s.EPPCode), s.EPPMessage, retry}
		for i, w := range want {
			if row[i] != w {
				t.Errorf("%s column %d = %q, want %q", s.Code, i, row[i], w)
			}
		}
		if !strings.Contains(row[5], s.Description) {
			t.Errorf("%s description %q lacks %q", s.Code, row[5], s.Description)
		}
		if _, ok := d.ids["error-"+string(s.Code)]; !ok {
			t.Errorf("no anchor #error-%s", s.Code)
		}
	}
}

func TestCommandListAndSequence(t *testing.T) {
	d := parse(t, Page())
	commands := tableRows(t, d, "command-list")
	for _, c := range core.Commands() {
		row, ok := commands[c.Method+" "+openapi.RegistrarBasePath+c.Path]
		if !ok {
			t.Errorf("command list lacks %s %s", c.Method, c.Path)
			continue
		}
		if !strings.HasPrefix(row[1], string(c.Command)) || row[3] != c.Summary {
			t.Errorf("command row %v", row)
		}
		for _, s := range c.Scopes {
			if !strings.Contains(row[2], s) {
				t.Errorf("%s row lacks scope %s", c.Command, s)
			}
		}
	}
	steps := tableRows(t, d, "ote-steps")
	for i, st := range core.OTESequence() {
		row, ok := steps[strconv.Itoa(i+1)]
		if !ok || row[1] != st.Name || row[2] != string(st.Command) {
			t.Errorf("OT&E step %d: %v, want %s", i+1, row, st.Name)
		}
	}
}

// TestSeedContent: the sections of the registrar docs are all there.
func TestSeedContent(t *testing.T) {
	page := text(parse(t, Page()).root)
	for _, want := range []string{
		"HeadlessDomains Partners", "Registrar developer docs", "HTTP Registrar API",
		"A protected registry command surface for registrar integrations before EPP.",
		"Machine-readable spec", "Endpoint base", "/api/v1/registrar/v1", "Bearer", "registrar_api",
		"Start every OT&E run with GET /status.", "Archive audit_provenance.registrar_channel_id from GET /status.",
		"Sandbox mode", "sandbox: true", "X-Registrar-Sandbox: 1", "POST /sandbox/reset creates predictable OT&E fixture domains",
		"Production approval", "registrar_channel_not_production_approved",
		"Idempotency", "409 duplicate_idempotency_key_conflict",
		"Rate limits", "The default limit is 120 requests per minute.", "Retry-After", "X-RateLimit-Reset",
		"Error codes", "x-registrar-error-catalog",
		"Audit polling", "GET /poll accepts idempotency_key, command, status, domain, since, and limit filters.",
		"GET /backend/pending lists successful registrar commands",
		"/admin/registrar-ote-runs/<run_id>/evidence-archive.md",
		"GET /api/v1/registrar/v1/poll?idempotency_key=ns-001&command=update_nameservers&status=success&domain=alice.defiwallet&limit=1",
		"Current commands", "Not yet OT&E",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// TestLinksResolveAndNothingExternal: every href is an anchor of the page
// or a published document; the page loads nothing.
func TestLinksResolveAndNothingExternal(t *testing.T) {
	d := parse(t, Page())
	published := map[string]bool{}
	for _, doc := range openapi.Documents() {
		published[doc.Path] = true
	}
	links := 0
	d.walk(func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.Data {
		case "script", "link", "img", "iframe", "object", "embed":
			t.Errorf("the page has a <%s> element", n.Data)
		}
		if src := attr(n, "src"); src != "" {
			t.Errorf("<%s src=%q>", n.Data, src)
		}
		href := attr(n, "href")
		if n.Data != "a" || href == "" {
			return
		}
		links++
		switch {
		case strings.HasPrefix(href, "#"):
			if _, ok := d.ids[href[1:]]; !ok {
				t.Errorf("anchor %s has no target", href)
			}
		case !published[href]:
			t.Errorf("link %q is neither an anchor nor a published document", href)
		}
	})
	for _, l := range Links() {
		found := false
		for _, a := range elements(d.root, "a") {
			if attr(a, "href") == l.Path {
				found = true
			}
		}
		if !found {
			t.Errorf("no link to %s (%s)", l.Title, l.Path)
		}
	}
	if links < 20 {
		t.Errorf("only %d links", links)
	}
}

func TestLinksAreTheRegistrarDocuments(t *testing.T) {
	got := map[string]string{}
	for _, l := range Links() {
		got[l.Slug] = l.Path
	}
	want := openapi.Links()
	if len(got) != len(want) {
		t.Fatalf("links %v, want %v", got, want)
	}
	for slug, path := range want {
		if got[slug] != path {
			t.Errorf("link %s = %q, want %q", slug, got[slug], path)
		}
	}
	if Links()[0].Path != openapi.RegistrarDocPath {
		t.Errorf("the OpenAPI JSON is not the first document: %v", Links()[0])
	}
}

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/html; charset=utf-8" || !bytes.Equal(body, Page()) {
		t.Fatalf("GET: %d %q, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(body))
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	res, err = http.Head(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("HEAD: %d", res.StatusCode)
	}
	res, err = http.Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
}

// TestPortalListsTheLifecyclePolicy: the lifecycle section names every
// policy field of the core with its default, and every change the registry
// makes by itself.
func TestPortalListsTheLifecyclePolicy(t *testing.T) {
	page := string(Page())
	for _, f := range core.PolicyPeriods() {
		if !strings.Contains(page, "<code>"+f.Field+"</code>") {
			t.Errorf("portal lacks policy field %s", f.Field)
		}
	}
	for _, c := range core.LifecycleChanges() {
		if !strings.Contains(page, "<code>"+string(c)+"</code>") {
			t.Errorf("portal lacks lifecycle change %s", c)
		}
	}
	if !strings.Contains(page, "2592000 (30 days)") {
		t.Error("portal lacks the default redemption period")
	}
}
