package epp

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"io"
	"testing"

	"github.com/headlessdomains/registry/core"
)

// FuzzReadFrame feeds arbitrary byte streams to the frame reader: it never
// panics, never returns more than the limit, and refuses an oversize header
// without reading its body.
func FuzzReadFrame(f *testing.F) {
	hdr := func(n uint32, body string) []byte {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], n)
		return append(b[:], body...)
	}
	for _, seed := range [][]byte{
		nil, {0}, {0, 0, 0}, hdr(0, ""), hdr(3, ""), hdr(4, ""), hdr(5, "x"), hdr(10, "<epp/>"),
		hdr(11, "<epp/>"), hdr(9, "<epp/>"), hdr(0xFFFFFFFF, "<epp/>"), hdr(MaxFrameBytes+1, ""),
		hdr(MaxFrameBytes, "<epp"), frame("<epp/>"), append(frame("<a/>"), frame("<b/>")...),
	} {
		f.Add(seed, 4096)
	}
	f.Fuzz(func(t *testing.T, data []byte, limit int) {
		if limit < headerBytes || limit > MaxFrameBytes {
			limit = MaxFrameBytes
		}
		r := bytes.NewReader(data)
		for {
			before := r.Len()
			payload, err := ReadFrame(r, limit)
			if err != nil {
				if errors.Is(err, ErrFrameTooLarge) && before-r.Len() != headerBytes {
					t.Fatalf("an oversize frame read %d bytes past its header", before-r.Len()-headerBytes)
				}
				if !errors.Is(err, ErrFrameTooLarge) && !errors.Is(err, ErrFrameTooSmall) &&
					!errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if len(payload)+headerBytes > limit {
				t.Fatalf("a %d-byte payload passed a %d-byte limit", len(payload), limit)
			}
		}
	})
}

// FuzzDecode feeds arbitrary frames to the XML command decoder: it never
// panics, answers a request or an error with a catalog code, and refuses
// every instance with a markup declaration.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		eppOpen + `<hello/></epp>`,
		eppOpen + `<command><logout/><clTRID>ABC-12345</clTRID></command></epp>`,
		eppOpen + `<command><login><clID>ClientX</clID><pw>foo-BAR2</pw><newPW>bar-FOO2</newPW><options><version>1.0</version>` +
			`<lang>en</lang></options><svcs><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI></svcs></login></command></epp>`,
		eppOpen + `<command><check><domain:check xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>example.com</domain:name>` +
			`</domain:check></check><extension><launch:check xmlns:launch="urn:ietf:params:xml:ns:launch-1.0" type="claims">` +
			`<launch:phase>claims</launch:phase></launch:check></extension></command></epp>`,
		eppOpen + `<command><create><domain:create xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>example.com</domain:name>` +
			`<domain:period unit="y">2</domain:period><domain:ns><domain:hostObj>ns1.example.net</domain:hostObj></domain:ns>` +
			`<domain:registrant>jd1234</domain:registrant><domain:authInfo><domain:pw>2fooBAR</domain:pw></domain:authInfo>` +
			`</domain:create></create></command></epp>`,
		eppOpen + `<command><update><contact:update xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"><contact:id>sh8013</contact:id>` +
			`<contact:chg><contact:postalInfo type="int"><contact:org/></contact:postalInfo></contact:chg></contact:update></update></command></epp>`,
		eppOpen + `<command><poll op="ack" msgID="12345"/></command></epp>`,
		`<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><epp>&lol2;</epp>`,
		`<?xml version="1.0"?><!DOCTYPE epp SYSTEM "http://example.com/epp.dtd"><epp/>`,
		eppOpen + `<command><logout/><clTRID>&#x41;&amp;&#65;</clTRID></command></epp>`,
		"\x00\x00\x00\x10<epp",
		`<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command>` + "\xff\xfe" + `</command></epp>`,
		`<a:epp xmlns:a="urn:ietf:params:xml:ns:epp-1.0"><a:hello/></a:epp>`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := decode(data)
		if err != nil {
			code := core.CodeOf(err)
			if _, ok := core.Lookup(code); !ok || code == core.CodeInternal {
				t.Fatalf("error %v has no catalog row", err)
			}
			if e := core.SpecOf(code).EPPCode; e < 2000 || e > 2599 {
				t.Fatalf("error %v maps to EPP %d", err, e)
			}
			return
		}
		if r == nil || (!r.hello && (r.cmd == nil || r.name == "")) {
			t.Fatalf("decode answered %+v without an error", r)
		}
		if bytes.Contains(bytes.ToUpper(data), []byte("<!DOCTYPE")) || bytes.Contains(bytes.ToUpper(data), []byte("<!ENTITY")) {
			t.Fatalf("an instance with a declaration was accepted: %q", data)
		}
		// Client text echoed in an answer (clTRID, details) never breaks it.
		resp := failure(core.Errorf(core.CodeValidation, "%s", string(data)))
		resp.clTRID, resp.svTRID = r.clTRID, "sv-1"
		var back struct {
			Result struct {
				Code int `xml:"code,attr"`
			} `xml:"response>result"`
			ClTRID string `xml:"response>trID>clTRID"`
		}
		if err := xml.Unmarshal(resp.render(), &back); err != nil || back.Result.Code != 2005 || back.ClTRID != r.clTRID {
			t.Fatalf("the answer does not round-trip: %v %+v", err, back)
		}
	})
}
