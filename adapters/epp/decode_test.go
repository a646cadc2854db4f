package epp

import (
	"strings"
	"testing"

	"github.com/headlessdomains/registry/core"
)

const eppOpen = `<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">`

func TestDecodeCommands(t *testing.T) {
	cases := map[string]struct {
		doc, name, clTRID string
		hello             bool
	}{
		"hello":  {doc: eppOpen + `<hello/></epp>`, hello: true},
		"logout": {doc: eppOpen + `<command><logout/><clTRID>ABC-12345</clTRID></command></epp>`, name: cmdLogout, clTRID: "ABC-12345"},
		"login without clTRID": {doc: eppOpen + `<command><login><clID>ClientX</clID><pw>foo-BAR2</pw>` +
			`<options><version>1.0</version><lang>en</lang></options><svcs><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI></svcs></login></command></epp>`,
			name: cmdLogin},
		"domain check with a BOM and comments": {doc: "\ufeff" + `<?xml version="1.0"?><!-- c --><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><check>` +
			`<domain:check xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>example.com</domain:name></domain:check>` +
			`</check><clTRID>  ABC-1  </clTRID></command></epp><!-- trailing -->`, name: cmdCheck, clTRID: "ABC-1"},
		"CDATA": {doc: eppOpen + `<command><info><domain:info xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name><![CDATA[a.b]]></domain:name>` +
			`</domain:info></info></command></epp>`, name: cmdInfo},
		"transfer": {doc: eppOpen + `<command><transfer op="request"/></command></epp>`, name: cmdTransfer},
	}
	for name, c := range cases {
		r, err := decode([]byte(c.doc))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if r.hello != c.hello || r.name != c.name || r.clTRID != c.clTRID {
			t.Errorf("%s: %+v", name, r)
		}
	}
	r, _ := decode([]byte(cases["CDATA"].doc))
	if got := r.cmd.Info.Domain.Names; len(got) != 1 || got[0] != "a.b" {
		t.Errorf("CDATA name %v", got)
	}
}

func TestDecodeRefusals(t *testing.T) {
	cases := map[string]struct {
		doc  string
		want core.Code
	}{
		"empty":              {"", core.CodeMalformedRequest},
		"not xml":            {"hello", core.CodeMalformedRequest},
		"doctype":            {`<!DOCTYPE epp><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>`, core.CodeMalformedRequest},
		"lower-case doctype": {`<!doctype epp><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>`, core.CodeMalformedRequest},
		"entity declaration": {eppOpen + `<!ENTITY x "y"><hello/></epp>`, core.CodeMalformedRequest},
		"external entity": {`<?xml version="1.0"?><!DOCTYPE epp [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + eppOpen[len(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>`):] +
			`<command><logout/><clTRID>&xxe;</clTRID></command></epp>`, core.CodeMalformedRequest},
		"undeclared entity":    {eppOpen + `<command><logout/><clTRID>&xxe;</clTRID></command></epp>`, core.CodeMalformedRequest},
		"processing instr":     {eppOpen + `<?php x?><hello/></epp>`, core.CodeMalformedRequest},
		"late xml declaration": {` <?xml version="1.0"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>`, core.CodeMalformedRequest},
		"latin-1 encoding":     {`<?xml version="1.0" encoding="ISO-8859-1"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>`, core.CodeMalformedRequest},
		"wrong root namespace": {`<epp xmlns="urn:ietf:params:xml:ns:epp-0.4"><hello/></epp>`, core.CodeMalformedRequest},
		"hello and command":    {eppOpen + `<hello/><command><logout/></command></epp>`, core.CodeMalformedRequest},
		"two commands":         {eppOpen + `<command><logout/><poll op="req"/></command></epp>`, core.CodeMalformedRequest},
		"unknown command":      {eppOpen + `<command><frobnicate/></command></epp>`, core.CodeUnknownCommand},
		"empty command":        {eppOpen + `<command/></epp>`, core.CodeUnknownCommand},
		"text after the root":  {eppOpen + `<hello/></epp>junk`, core.CodeMalformedRequest},
		"element after root":   {eppOpen + `<hello/></epp><epp/>`, core.CodeMalformedRequest},
		"unclosed":             {eppOpen + `<command><logout/>`, core.CodeMalformedRequest},
		"clTRID too long":      {eppOpen + `<command><logout/><clTRID>` + strings.Repeat("x", 65) + `</clTRID></command></epp>`, core.CodeValidation},
		"foreign element":      {eppOpen + `<command><x:logout xmlns:x="urn:x"/></command></epp>`, core.CodeMalformedRequest},
		"unknown root element": {eppOpen + `<bye/></epp>`, core.CodeMalformedRequest},
		"deep nesting":         {eppOpen + `<command>` + strings.Repeat("<a>", 20000) + strings.Repeat("</a>", 20000) + `</command></epp>`, core.CodeUnknownCommand},
	}
	for name, c := range cases {
		_, err := decode([]byte(c.doc))
		if got := core.CodeOf(err); got != c.want {
			t.Errorf("%s: %v (%s), want %s", name, err, got, c.want)
		}
	}
}
