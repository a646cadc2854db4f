// Package eppclient is a small EPP client for tests and load generation:
// RFC 5734 framing over TLS, the frames written as the RFC examples write
// them, and the result of each answer parsed. It keeps one connection, so a
// load generator opens one Client per session (goroutine).
package eppclient

import (
	"bytes"
	"crypto/tls"
	"encoding/xml"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/headlessdomains/registry/adapters/epp"
)

// Client is one EPP session.
type Client struct {
	conn     *tls.Conn
	timeout  time.Duration
	Greeting []byte
}

// Dial connects over TLS and reads the greeting. timeout bounds every
// network operation (0: 30 seconds).
func Dial(addr string, conf *tls.Config, timeout time.Duration) (*Client, error) {
	return DialFrom(nil, addr, conf, timeout)
}

// DialFrom is Dial from the local address local (nil: any), for tests that
// connect from several loopback addresses.
func DialFrom(local net.Addr, addr string, conf *tls.Config, timeout time.Duration) (*Client, error) {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	d := &net.Dialer{Timeout: timeout, LocalAddr: local}
	conn, err := tls.DialWithDialer(d, "tcp", addr, conf)
	if err != nil {
		return nil, err
	}
	c := &Client{conn: conn, timeout: timeout}
	if c.Greeting, err = c.Receive(); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("eppclient: greeting: %w", err)
	}
	return c, nil
}

// Conn is the TLS connection, for tests that write raw bytes.
func (c *Client) Conn() *tls.Conn { return c.conn }

// Close closes the connection without logging out.
func (c *Client) Close() error { return c.conn.Close() }

// Send writes one data unit.
func (c *Client) Send(payload []byte) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return epp.WriteFrame(c.conn, payload)
}

// Receive reads one data unit.
func (c *Client) Receive() ([]byte, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(c.timeout))
	return epp.ReadFrame(c.conn, epp.MaxFrameBytes)
}

// Response is the parsed <response> of an answer.
type Response struct {
	Code         int
	Msg          string
	Reason       string // <extValue><reason>
	RegistryCode string // the catalog code in <extValue><value>
	ClTRID       string
	SvTRID       string
	MsgQCount    int
	MsgQID       string
	Raw          []byte
}

// OK reports a 1xxx result.
func (r *Response) OK() bool { return r.Code >= 1000 && r.Code < 2000 }

func (r *Response) String() string {
	return fmt.Sprintf("%d %s (%s: %s)", r.Code, r.Msg, r.RegistryCode, r.Reason)
}

type xResponse struct {
	Result struct {
		Code     int    `xml:"code,attr"`
		Msg      string `xml:"msg"`
		ExtValue []struct {
			Code   string `xml:"value>code"`
			Reason string `xml:"reason"`
		} `xml:"extValue"`
	} `xml:"response>result"`
	MsgQ *struct {
		Count int    `xml:"count,attr"`
		ID    string `xml:"id,attr"`
	} `xml:"response>msgQ"`
	ClTRID string `xml:"response>trID>clTRID"`
	SvTRID string `xml:"response>trID>svTRID"`
}

// Parse reads the result of an answer.
func Parse(raw []byte) (*Response, error) {
	var x xResponse
	if err := xml.Unmarshal(raw, &x); err != nil {
		return nil, fmt.Errorf("eppclient: answer is not EPP XML: %w", err)
	}
	r := &Response{Code: x.Result.Code, Msg: x.Result.Msg, ClTRID: x.ClTRID, SvTRID: x.SvTRID, Raw: raw}
	if len(x.Result.ExtValue) > 0 {
		r.RegistryCode, r.Reason = x.Result.ExtValue[0].Code, x.Result.ExtValue[0].Reason
	}
	if x.MsgQ != nil {
		r.MsgQCount, r.MsgQID = x.MsgQ.Count, x.MsgQ.ID
	}
	if r.Code == 0 {
		return r, fmt.Errorf("eppclient: answer has no result code")
	}
	return r, nil
}

// Exchange sends one frame and parses the answer.
func (c *Client) Exchange(payload []byte) (*Response, error) {
	if err := c.Send(payload); err != nil {
		return nil, err
	}
	raw, err := c.Receive()
	if err != nil {
		return nil, err
	}
	return Parse(raw)
}

// Command wraps inner (the XML inside <command>, before <clTRID>) in an EPP
// instance with clTRID when it is not empty, and exchanges it.
func (c *Client) Command(inner, clTRID string) (*Response, error) {
	return c.Exchange(CommandXML(inner, clTRID))
}

// CommandXML is the EPP instance of a command.
func CommandXML(inner, clTRID string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>` +
		`<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command>`)
	b.WriteString(inner)
	if clTRID != "" {
		b.WriteString("<clTRID>" + Escape(clTRID) + "</clTRID>")
	}
	b.WriteString(`</command></epp>`)
	return b.Bytes()
}

// Escape escapes text for XML.
func Escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// Login logs in with clID and pw (and newPW when not empty).
func (c *Client) Login(clID, pw, newPW, clTRID string) (*Response, error) {
	return c.Command(LoginXML(clID, pw, newPW), clTRID)
}

// LoginXML is the <login> of RFC 5730 §2.9.1.1 for the domain and contact services.
func LoginXML(clID, pw, newPW string) string {
	s := "<login><clID>" + Escape(clID) + "</clID><pw>" + Escape(pw) + "</pw>"
	if newPW != "" {
		s += "<newPW>" + Escape(newPW) + "</newPW>"
	}
	return s + `<options><version>1.0</version><lang>en</lang></options><svcs>` +
		`<objURI>urn:ietf:params:xml:ns:domain-1.0</objURI><objURI>urn:ietf:params:xml:ns:contact-1.0</objURI>` +
		`<svcExtension><extURI>urn:ietf:params:xml:ns:rgp-1.0</extURI><extURI>urn:ietf:params:xml:ns:launch-1.0</extURI></svcExtension>` +
		`</svcs></login>`
}

// Logout ends the session (1500) and closes the connection.
func (c *Client) Logout() (*Response, error) {
	r, err := c.Command("<logout/>", "")
	_ = c.conn.Close()
	return r, err
}

// CheckDomainsXML is a <domain:check> of names.
func CheckDomainsXML(names ...string) string {
	s := `<check><domain:check xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">`
	for _, n := range names {
		s += "<domain:name>" + Escape(n) + "</domain:name>"
	}
	return s + "</domain:check></check>"
}

// InfoDomainXML is a <domain:info> of name.
func InfoDomainXML(name string) string {
	return `<info><domain:info xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name hosts="all">` +
		Escape(name) + `</domain:name></domain:info></info>`
}

// CreateDomainXML is a <domain:create> of name for years naming the
// registrant contact, with optional nameservers.
func CreateDomainXML(name, registrant string, years int, nameservers ...string) string {
	s := `<create><domain:create xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>` + Escape(name) +
		`</domain:name><domain:period unit="y">` + fmt.Sprint(years) + `</domain:period>`
	if len(nameservers) > 0 {
		s += "<domain:ns>"
		for _, n := range nameservers {
			s += "<domain:hostObj>" + Escape(n) + "</domain:hostObj>"
		}
		s += "</domain:ns>"
	}
	return s + "<domain:registrant>" + Escape(registrant) + "</domain:registrant>" +
		"<domain:authInfo><domain:pw>2fooBAR</domain:pw></domain:authInfo></domain:create></create>"
}

// CreateContactXML is the <contact:create> of RFC 5733 §3.2.1 with id.
func CreateContactXML(id string) string {
	return `<create><contact:create xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"><contact:id>` + Escape(id) +
		`</contact:id><contact:postalInfo type="int"><contact:name>John Doe</contact:name><contact:org>Example Inc.</contact:org>` +
		`<contact:addr><contact:street>123 Example Dr.</contact:street><contact:street>Suite 100</contact:street>` +
		`<contact:city>Dulles</contact:city><contact:sp>VA</contact:sp><contact:pc>20166-6503</contact:pc><contact:cc>US</contact:cc>` +
		`</contact:addr></contact:postalInfo><contact:voice x="1234">+1.7035555555</contact:voice>` +
		`<contact:fax>+1.7035555556</contact:fax><contact:email>jdoe@example.com</contact:email>` +
		`<contact:authInfo><contact:pw>2fooBAR</contact:pw></contact:authInfo>` +
		`<contact:disclose flag="0"><contact:voice/><contact:email/></contact:disclose></contact:create></create>`
}
