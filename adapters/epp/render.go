package epp

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"time"

	"github.com/headlessdomains/registry/core"
)

// xw writes XML with every text and attribute value escaped. Element and
// attribute names are constants of this package, never client input.
type xw struct{ b bytes.Buffer }

func (w *xw) raw(s string) { w.b.WriteString(s) }

func (w *xw) text(s string) { _ = xml.EscapeText(&w.b, []byte(s)) }

// open writes <tag a1="v1" ...>; attrs are name, value pairs.
func (w *xw) open(tag string, attrs ...string) {
	w.b.WriteByte('<')
	w.b.WriteString(tag)
	for i := 0; i+1 < len(attrs); i += 2 {
		w.b.WriteByte(' ')
		w.b.WriteString(attrs[i])
		w.b.WriteString(`="`)
		w.text(attrs[i+1])
		w.b.WriteByte('"')
	}
	w.b.WriteByte('>')
}

func (w *xw) close(tag string) {
	w.b.WriteString("</")
	w.b.WriteString(tag)
	w.b.WriteByte('>')
}

// elem writes <tag attrs>text</tag>.
func (w *xw) elem(tag, text string, attrs ...string) {
	w.open(tag, attrs...)
	w.text(text)
	w.close(tag)
}

// empty writes <tag attrs/>.
func (w *xw) empty(tag string, attrs ...string) {
	w.open(tag, attrs...)
	w.b.Truncate(w.b.Len() - 1)
	w.b.WriteString("/>")
}

func (w *xw) bytes() []byte { return w.b.Bytes() }

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>`

// eppTime renders an instant as RFC 5730 dateTime (UTC).
func eppTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// greeting renders the server greeting (RFC 5730 §2.4).
func greeting(serverID string, now time.Time) []byte {
	w := &xw{}
	w.raw(xmlHeader)
	w.open("epp", "xmlns", NSEPP)
	w.open("greeting")
	w.elem("svID", serverID)
	w.elem("svDate", eppTime(now))
	w.open("svcMenu")
	w.elem("version", "1.0")
	w.elem("lang", "en")
	w.elem("objURI", NSDomain)
	w.elem("objURI", NSContact)
	w.open("svcExtension")
	w.elem("extURI", NSRGP)
	w.elem("extURI", NSLaunch)
	w.close("svcExtension")
	w.close("svcMenu")
	w.raw(`<dcp><access><all/></access><statement><purpose><admin/><prov/></purpose>` +
		`<recipient><ours/><public/></recipient><retention><stated/></retention></statement></dcp>`)
	w.close("greeting")
	w.close("epp")
	return w.bytes()
}

// response is what one command answers.
type response struct {
	code    int
	msg     string // defaults to the standard RFC 5730 text of code
	errCode core.Code
	detail  string
	msgQ    *core.QueueState
	resData func(w *xw)
	ext     func(w *xw)
	clTRID  string
	svTRID  string
	// replay is set when the answer is a recorded idempotent result.
	replay bool
}

// success answers code with its standard text.
func success(code int) *response { return &response{code: code} }

// failure answers the catalog row of err: its EPP code and standard text,
// with the catalog code and the detail in <extValue>.
func failure(err error) *response {
	e := core.AsError(err)
	spec := core.SpecOf(e.Code)
	detail := e.Detail
	if e.Code == core.CodeInternal {
		detail = "an unexpected error occurred; nothing was recorded as success"
	}
	return &response{code: spec.EPPCode, errCode: spec.Code, detail: detail}
}

func (r *response) render() []byte {
	w := &xw{}
	w.raw(xmlHeader)
	w.open("epp", "xmlns", NSEPP)
	w.open("response")
	w.open("result", "code", strconv.Itoa(r.code))
	msg := r.msg
	if msg == "" {
		msg = core.EPPMessage(r.code)
	}
	w.elem("msg", msg)
	if r.errCode != "" {
		w.open("extValue")
		w.open("value")
		w.elem("registry:code", string(r.errCode), "xmlns:registry", NSRegistry)
		w.close("value")
		w.elem("reason", r.detail)
		w.close("extValue")
	}
	w.close("result")
	if q := r.msgQ; q != nil && (q.Message != nil || q.Acked != "") {
		id := q.Acked // an acknowledgement names the message it dequeued
		if id == "" {
			id = q.Message.ID
		}
		w.open("msgQ", "count", strconv.Itoa(q.Count), "id", id)
		if q.Message != nil && q.Acked == "" {
			w.elem("qDate", eppTime(q.Message.CreatedAt))
			w.elem("msg", q.Message.Text)
		}
		w.close("msgQ")
	}
	if r.resData != nil {
		w.open("resData")
		r.resData(w)
		w.close("resData")
	}
	if r.ext != nil {
		w.open("extension")
		r.ext(w)
		w.close("extension")
	}
	w.open("trID")
	if r.clTRID != "" {
		w.elem("clTRID", r.clTRID)
	}
	w.elem("svTRID", r.svTRID)
	w.close("trID")
	w.close("response")
	w.close("epp")
	return w.bytes()
}
