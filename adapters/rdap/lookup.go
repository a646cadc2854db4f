package rdap

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/headlessdomains/registry/core"
)

// The /lookup page: a form that asks for a name and the registry's answer
// rendered on the server from the same lookup RDAP answers, so the page runs
// no script and needs no client. Everything is escaped by html/template.

//go:embed lookup.html.tmpl
var pageSource string

var pageTemplate = template.Must(template.New("lookup").Parse(pageSource))

// stylesheet is the page's only style; the Content-Security-Policy allows
// exactly this text by its hash.
const stylesheet = `body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
main{max-width:44rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin:0 0 .5rem}h2{font-size:1.2rem;margin:.2rem 0 .6rem}
form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:1rem 0}
label{width:100%;font-weight:600}
input{flex:1;min-width:12rem;font:inherit;padding:.45rem .6rem;border:1px solid #9aa4b2;border-radius:4px}
button{font:inherit;padding:.45rem 1rem;border:0;border-radius:4px;background:#1f5fbf;color:#fff;cursor:pointer}
.result{background:#fff;border:1px solid #d5dae1;border-left:6px solid #9aa4b2;border-radius:4px;padding:.8rem 1rem;margin:1rem 0}
.registered{border-left-color:#1f5fbf}.available{border-left-color:#1e8e3e}.error,.not_served{border-left-color:#c5221f}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}dt{font-weight:600}dd{margin:0}
ul{margin:0;padding-left:1.1rem}.handle,.note{color:#57606a}.note{font-size:.9rem}
code{background:#eef1f4;padding:0 .2rem;border-radius:3px}`

// ContentSecurityPolicy lets the page load nothing, run nothing and submit
// its form only to this server; its one inline stylesheet is allowed by hash.
var ContentSecurityPolicy = "default-src 'none'; style-src 'sha256-" + styleHash() + "'; img-src 'none'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func styleHash() string {
	sum := sha256.Sum256([]byte(stylesheet))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// page is everything the template renders.
type page struct {
	CSS      template.CSS
	Action   string
	Query    string // what the visitor typed
	Asked    bool
	Error    string
	Result   core.LookupResult
	Name     string // A-label form
	Unicode  string // U-label form
	RDAPPath string
	Domain   *pageDomain
}

type pageDomain struct {
	Statuses        []string
	Registered      string
	Expires         string
	LastChanged     string
	RegistrarName   string
	RegistrarHandle string
	Nameservers     []string
	Country         string
}

const dateLayout = "2006-01-02 15:04:05 UTC"

func (s *Server) serveLookup(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	default:
		w.Header().Set("Allow", "GET, HEAD")
		s.renderPage(w, r, http.StatusMethodNotAllowed, page{Error: "This page answers GET only."})
		return
	}
	q := r.URL.Query().Get("name")
	if q == "" {
		s.renderPage(w, r, http.StatusOK, page{})
		return
	}
	if len(q) > 300 {
		s.renderPage(w, r, http.StatusBadRequest, page{Query: q[:300], Error: "That is too long to be a domain name."})
		return
	}
	if !s.allow(w, r) {
		return
	}
	res, err := s.svc.LookupDomain(r.Context(), q)
	if err != nil {
		status, msg := http.StatusInternalServerError, "The registry could not answer; try again shortly."
		var ce *core.Error
		if errors.As(err, &ce) && ce.Code == core.CodeValidation {
			status, msg = http.StatusBadRequest, "That is not a valid domain name: "+ce.Detail
		} else {
			s.logger(r).Error().Err(err).Msg("lookup page: lookup failed")
		}
		s.renderPage(w, r, status, page{Query: q, Error: msg})
		return
	}
	p := page{Query: q, Asked: true, Result: res.Result, Name: res.Query, Unicode: core.UnicodeOf(res.Query),
		RDAPPath: BasePath + "domain/" + url.PathEscape(res.Query)}
	if d := res.Domain; d != nil {
		pd := &pageDomain{Statuses: d.Statuses, Registered: d.CreatedAt.UTC().Format(dateLayout),
			Expires: d.ExpiresAt.UTC().Format(dateLayout), RegistrarName: d.Registrar.Name,
			RegistrarHandle: d.Registrar.Handle, Country: d.RegistrantCountry}
		if d.LastChangedAt != nil {
			pd.LastChanged = d.LastChangedAt.UTC().Format(dateLayout)
		}
		for _, ns := range d.Nameservers {
			pd.Nameservers = append(pd.Nameservers, core.UnicodeOf(ns))
		}
		p.Domain = pd
	}
	s.renderPage(w, r, http.StatusOK, p)
}

func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, p page) {
	p.CSS, p.Action = template.CSS(stylesheet), LookupPath
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		s.logger(r).Error().Err(err).Msg("lookup page: render")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}
