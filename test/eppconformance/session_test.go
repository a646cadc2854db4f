package eppconformance

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/epp"
	"github.com/headlessdomains/registry/adapters/epp/eppclient"
	"github.com/headlessdomains/registry/core"
)

// The greeting of RFC 5730 §2.4: sent on connect and in answer to <hello>.
type xGreeting struct {
	SvID    string    `xml:"greeting>svID"`
	SvDate  string    `xml:"greeting>svDate"`
	Version []string  `xml:"greeting>svcMenu>version"`
	Lang    []string  `xml:"greeting>svcMenu>lang"`
	ObjURI  []string  `xml:"greeting>svcMenu>objURI"`
	ExtURI  []string  `xml:"greeting>svcMenu>svcExtension>extURI"`
	DCP     *struct{} `xml:"greeting>dcp"`
}

func parseGreeting(t *testing.T, raw []byte) xGreeting {
	t.Helper()
	var g xGreeting
	if err := xml.Unmarshal(raw, &g); err != nil {
		t.Fatalf("greeting: %v\n%s", err, raw)
	}
	if g.SvID == "" || g.DCP == nil || strings.Join(g.Version, ",") != "1.0" || strings.Join(g.Lang, ",") != "en" ||
		strings.Join(g.ObjURI, " ") != epp.NSDomain+" "+epp.NSContact || strings.Join(g.ExtURI, " ") != epp.NSRGP+" "+epp.NSLaunch {
		t.Fatalf("greeting: %+v", g)
	}
	if _, err := time.Parse(time.RFC3339, g.SvDate); err != nil {
		t.Fatalf("svDate %q: %v", g.SvDate, err)
	}
	return g
}

func TestGreetingHelloLoginLogout(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.dial(e.addr)
	parseGreeting(t, c.Greeting)

	// <hello> (RFC 5730 §2.3) answers the greeting, before and after login.
	hello := []byte(`<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>`)
	if err := c.Send(hello); err != nil {
		t.Fatal(err)
	}
	raw, err := c.Receive()
	if err != nil {
		t.Fatal(err)
	}
	parseGreeting(t, raw)

	// Commands before login are a command use error.
	e.refused(c, core.CodeCommandUseError, eppclient.CheckDomainsXML("a."+e.ns), "ABC-12345")

	// Login of RFC 5730 §2.9.1.1.
	r := e.must(c, 1000, eppclient.LoginXML(e.slug, eppPassword, ""), "ABC-12345")
	if r.Msg != "Command completed successfully" {
		t.Fatalf("login: %s", r)
	}
	e.refused(c, core.CodeCommandUseError, eppclient.LoginXML(e.slug, eppPassword, ""), "ABC-12346")
	if err := c.Send(hello); err != nil {
		t.Fatal(err)
	}
	if raw, err = c.Receive(); err != nil {
		t.Fatal(err)
	}
	parseGreeting(t, raw)

	// Logout: 1500 and the server closes.
	r = e.must(c, 1500, "<logout/>", "ABC-12347")
	if r.Msg != "Command completed successfully; ending session" {
		t.Fatalf("logout: %s", r)
	}
	closed(t, c)
	logs := e.logs.String()
	if !strings.Contains(logs, `"channel":"`+e.slug+`"`) || !strings.Contains(logs, `"remote":"127.0.0.1:`) {
		t.Fatalf("session logs lack the channel or the remote address:\n%s", logs)
	}
	if strings.Contains(logs, eppPassword) {
		t.Fatal("a password reached the logs")
	}
}

func TestLoginFailuresThenDrop(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.dial(e.addr)
	for i := 1; i <= 3; i++ {
		e.refused(c, core.CodeAuthenticationFailed, eppclient.LoginXML(e.slug, "wrong-pw"+string(rune('0'+i)), ""), "bad-login")
	}
	r := e.must(c, 2501, eppclient.LoginXML(e.slug, "wrong-pw4", ""), "bad-login")
	if r.Msg != "Authentication error; server closing connection" {
		t.Fatalf("4th failure: %s", r)
	}
	closed(t, c)
	if strings.Contains(e.logs.String(), "wrong-pw") {
		t.Fatal("a tried password reached the logs")
	}

	// An unknown clID fails alike; the right password still works on a new connection.
	c = e.dial(e.addr)
	e.refused(c, core.CodeAuthenticationFailed, eppclient.LoginXML("no-such-registrar", eppPassword, ""), "x-1")
	e.must(c, 1000, eppclient.LoginXML(e.slug, eppPassword, ""), "x-2")

	// Version and object services are checked (RFC 5730 §2.9.1.1).
	c = e.dial(e.addr)
	e.refused(c, core.CodeUnimplementedProtocolVersion,
		strings.Replace(eppclient.LoginXML(e.slug, eppPassword, ""), "<version>1.0</version>", "<version>2.0</version>", 1), "v-1")
	e.refused(c, core.CodeUnimplementedObjectService,
		strings.Replace(eppclient.LoginXML(e.slug, eppPassword, ""), "</svcs>", "<objURI>"+epp.NSHost+"</objURI></svcs>", 1), "v-2")
}

func TestLoginNewPassword(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.dial(e.addr)
	e.refused(c, core.CodeValidation, eppclient.LoginXML(e.slug, eppPassword, "short"), "np-0")
	e.must(c, 1000, eppclient.LoginXML(e.slug, eppPassword, "bar-FOO2"), "np-1")
	e.must(c, 1500, "<logout/>", "np-2")
	c = e.dial(e.addr)
	e.refused(c, core.CodeAuthenticationFailed, eppclient.LoginXML(e.slug, eppPassword, ""), "np-3")
	e.must(c, 1000, eppclient.LoginXML(e.slug, "bar-FOO2", ""), "np-4")
	if strings.Contains(e.logs.String(), "bar-FOO2") {
		t.Fatal("the new password reached the logs")
	}
}

func TestSuspendedChannelCannotLogInAndSessionsEnd(t *testing.T) {
	e := newEnv(t, envSpec{})
	live := e.session(e.addr)
	st := core.ChannelSuspended
	if _, err := e.svc.PatchChannel(t.Context(), e.channel.ID, core.PatchChannel{Status: &st}); err != nil {
		t.Fatal(err)
	}
	e.refused(live, core.CodeChannelRequired, eppclient.CheckDomainsXML("a."+e.ns), "s-1")
	closed(t, live)
	c := e.dial(e.addr)
	e.refused(c, core.CodeChannelRequired, eppclient.LoginXML(e.slug, eppPassword, ""), "s-2")
}

func TestSessionCapPerChannel(t *testing.T) {
	e := newEnv(t, envSpec{Options: epp.Options{MaxSessionsPerChannel: 2}})
	e.session(e.addr)
	e.session(e.addr)
	c := e.dial(e.addr)
	e.refused(c, core.CodeSessionLimitExceeded, eppclient.LoginXML(e.slug, eppPassword, ""), "cap-1")
	closed(t, c)
	if n := e.prod.Sessions(e.channel.ID); n != 2 {
		t.Fatalf("%d sessions counted, want 2", n)
	}
}

func TestTLSVersionsAndClientCertificates(t *testing.T) {
	e := newEnv(t, envSpec{})
	old := e.client.Clone()
	old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	if c, err := eppclient.Dial(e.addr, old, 5*time.Second); err == nil {
		c.Close()
		t.Fatal("a TLS 1.1 client connected")
	}
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		conf := e.client.Clone()
		conf.MinVersion, conf.MaxVersion = v, v
		c, err := eppclient.Dial(e.addr, conf, 5*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", tls.VersionName(v), err)
		}
		c.Close()
	}
}

func TestClientCertificateRequiredWhenCAConfigured(t *testing.T) {
	caFile, good, foreign := testCA(t)
	e := newEnv(t, envSpec{ClientCA: caFile, ClientCert: &good})
	c := e.session(e.addr) // the CA's client certificate is accepted
	e.must(c, 1500, "<logout/>", "cc-1")

	for name, certs := range map[string][]tls.Certificate{"none": nil, "foreign CA": {foreign}} {
		conf := e.client.Clone()
		conf.Certificates = certs
		c, err := eppclient.Dial(e.addr, conf, 5*time.Second)
		if err == nil {
			// TLS 1.3 reports the refusal at the first read.
			_, err = c.Login(e.slug, eppPassword, "", "cc-2")
			c.Close()
		}
		if err == nil {
			t.Fatalf("%s: a client without a certificate of the CA got a session", name)
		}
	}
}

func TestDoctypeAndEntitiesAreRefused(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	for name, doc := range map[string]string{
		"doctype": `<?xml version="1.0"?><!DOCTYPE epp [<!ELEMENT epp ANY>]><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>`,
		"external entity": `<?xml version="1.0"?><!DOCTYPE epp [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` +
			`<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><check><domain:check xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">` +
			`<domain:name>&xxe;</domain:name></domain:check></check></command></epp>`,
		"billion laughs": `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` +
			`<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><logout/><clTRID>&lol2;</clTRID></command></epp>`,
		"undeclared entity": `<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><check><domain:check xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">` +
			`<domain:name>&xxe;</domain:name></domain:check></check></command></epp>`,
		"processing instruction": `<?xml-stylesheet href="x"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>`,
		"not xml":                `this is not XML`,
		"wrong namespace":        `<epp xmlns="urn:example"><hello/></epp>`,
	} {
		r, err := c.Exchange([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Code != 2001 || r.RegistryCode != string(core.CodeMalformedRequest) || strings.Contains(string(r.Raw), "root:") {
			t.Fatalf("%s: %s\n%s", name, r, r.Raw)
		}
	}
	// The session goes on.
	e.must(c, 1000, eppclient.CheckDomainsXML("a."+e.ns), "after-bad-xml")
}

func TestOversizeFrameClosesTheSession(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], epp.MaxFrameBytes+1)
	if _, err := c.Conn().Write(hdr[:]); err != nil {
		t.Fatal(err)
	}
	closed(t, c)

	// A header announcing 4 GiB closes the session too, and so does a length below 4.
	for _, n := range []uint32{0xFFFFFFFF, 3} {
		c = e.session(e.addr)
		binary.BigEndian.PutUint32(hdr[:], n)
		if _, err := c.Conn().Write(hdr[:]); err != nil {
			t.Fatal(err)
		}
		closed(t, c)
	}
	// A frame of exactly the limit is read (and refused as XML, not closed).
	c = e.session(e.addr)
	body := bytes.Repeat([]byte(" "), epp.MaxFrameBytes-4)
	r, err := c.Exchange(body)
	if err != nil || r.Code != 2001 {
		t.Fatalf("a frame of the maximum size: %v %v", r, err)
	}
}

func TestIdleSessionsClose(t *testing.T) {
	e := newEnv(t, envSpec{Options: epp.Options{IdleTimeout: 300 * time.Millisecond}})
	c := e.session(e.addr)
	closed(t, c) // nothing sent: the server closes after the idle timeout
	if !strings.Contains(e.logs.String(), `"reason":"idle timeout"`) {
		t.Fatalf("no idle timeout logged:\n%s", e.logs.String())
	}
}

func TestReadTimeoutOnAPartialFrame(t *testing.T) {
	e := newEnv(t, envSpec{Options: epp.Options{ReadTimeout: 300 * time.Millisecond}})
	c := e.session(e.addr)
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], 100)
	if _, err := c.Conn().Write(hdr[:]); err != nil { // header, then nothing
		t.Fatal(err)
	}
	closed(t, c)
	if !strings.Contains(e.logs.String(), `"reason":"read timeout"`) {
		t.Fatalf("no read timeout logged:\n%s", e.logs.String())
	}
}

func TestUnknownAndUnimplementedCommands(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	e.refused(c, core.CodeUnknownCommand, "<frobnicate/>", "u-1")
	e.refused(c, core.CodeUnimplementedCommand,
		`<transfer op="request"><contact:transfer xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"><contact:id>c1</contact:id></contact:transfer></transfer>`, "u-2")
	e.refused(c, core.CodeUnimplementedObjectService,
		`<check><host:check xmlns:host="urn:ietf:params:xml:ns:host-1.0"><host:name>ns1.example.com</host:name></host:check></check>`, "u-3")
	e.refused(c, core.CodeUnimplementedExtension, eppclient.CheckDomainsXML("a."+e.ns)+
		`<extension><fee:check xmlns:fee="urn:ietf:params:xml:ns:epp:fee-1.0"/></extension>`, "u-4")
	e.refused(c, core.CodeValidation, eppclient.CheckDomainsXML("a."+e.ns), "x") // clTRID below 3 characters
}
