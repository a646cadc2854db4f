package rfc2136

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// The transport is tested against a real Knot DNS in test/dns; these tests
// cover configuration, conversion and error wording.

const testSecret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ=="

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestFromEnvDefaultsAndPerNamespaceOverrides(t *testing.T) {
	d, err := FromEnv(env(map[string]string{
		"REGISTRY_DNS_RFC2136_SERVER":          "127.0.0.1:5353",
		"REGISTRY_DNS_RFC2136_TSIG_NAME":       "Registry-Key",
		"REGISTRY_DNS_RFC2136_TSIG_SECRET":     testSecret,
		"REGISTRY_DNS_RFC2136_TIMEOUT":         "2",
		"REGISTRY_DNS_OTHER_NS_SERVER":         "[::1]:53",
		"REGISTRY_DNS_OTHER_NS_TSIG_NAME":      "other.",
		"REGISTRY_DNS_OTHER_NS_TSIG_ALGORITHM": "HMAC-SHA512.",
		"REGISTRY_DNS_OTHER_NS_TIMEOUT":        "1500ms",
	}))
	if err != nil {
		t.Fatalf("FromEnv: %v", err)
	}
	if !d.Configured() {
		t.Fatal("Configured() = false with a default server")
	}
	for name, want := range map[string]target{
		"alice.defiwallet": {server: "127.0.0.1:5353", zone: "defiwallet.", keyName: "registry-key.",
			algorithm: dns.HmacSHA256, secret: testSecret, timeout: 2 * time.Second},
		"carol.other-ns": {server: "[::1]:53", zone: "other-ns.", keyName: "other.",
			algorithm: dns.HmacSHA512, secret: testSecret, timeout: 1500 * time.Millisecond},
	} {
		got, apex, err := d.target(core.MustName(name))
		if err != nil {
			t.Fatalf("target(%s): %v", name, err)
		}
		if got != want || apex != name+"." {
			t.Fatalf("target(%s) = %+v, %s; want %+v", name, got, apex, want)
		}
	}
}

func TestFromEnvWithoutDefaults(t *testing.T) {
	d, err := FromEnv(env(map[string]string{
		"REGISTRY_DNS_ONLY_SERVER":      "192.0.2.1:53",
		"REGISTRY_DNS_ONLY_TSIG_NAME":   "k",
		"REGISTRY_DNS_ONLY_TSIG_SECRET": testSecret,
	}))
	if err != nil {
		t.Fatalf("FromEnv without defaults: %v", err)
	}
	if d.Configured() {
		t.Fatal("Configured() = true without a default server")
	}
	if _, _, err := d.target(core.MustName("a.only")); err != nil {
		t.Fatalf("a namespace with its own settings: %v", err)
	}
	_, _, err = d.target(core.MustName("a.defiwallet"))
	if !errors.Is(err, ports.ErrUnavailable) || !strings.Contains(err.Error(), "REGISTRY_DNS_RFC2136_SERVER") ||
		!strings.Contains(err.Error(), "REGISTRY_DNS_DEFIWALLET_SERVER") {
		t.Fatalf("a namespace without settings: %v; want unavailable, naming the variables to set", err)
	}
}

func TestFromEnvRefusesBadDefaults(t *testing.T) {
	base := map[string]string{
		"REGISTRY_DNS_RFC2136_SERVER":      "127.0.0.1:53",
		"REGISTRY_DNS_RFC2136_TSIG_NAME":   "k.",
		"REGISTRY_DNS_RFC2136_TSIG_SECRET": testSecret,
	}
	for key, bad := range map[string]string{
		"REGISTRY_DNS_RFC2136_SERVER":         "127.0.0.1",
		"REGISTRY_DNS_RFC2136_TSIG_ALGORITHM": "hmac-md5",
		"REGISTRY_DNS_RFC2136_TSIG_SECRET":    "not base64!" + testSecret,
		"REGISTRY_DNS_RFC2136_TIMEOUT":        "soon",
		"REGISTRY_DNS_RFC2136_TSIG_NAME":      "",
	} {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		m[key] = bad
		_, err := FromEnv(env(m))
		if err == nil {
			t.Fatalf("%s=%q: FromEnv accepted it", key, bad)
		}
		if strings.Contains(err.Error(), testSecret) {
			t.Fatalf("%s: the error shows the secret: %v", key, err)
		}
	}
	if _, err := FromEnv(env(base)); err != nil {
		t.Fatalf("good defaults: %v", err)
	}
}

func TestConfigNeverPrintsTheSecret(t *testing.T) {
	c := Config{Server: "127.0.0.1:53", TSIGName: "k.", TSIGSecret: testSecret}
	for _, s := range []string{c.String(), fmt.Sprintf("%v %+v %#v %s", c, c, c, c)} {
		if strings.Contains(s, testSecret) || !strings.Contains(s, "tsig_secret=set") {
			t.Fatalf("printed config %q", s)
		}
	}
}

func TestNamesOutsideTheZoneAreRefused(t *testing.T) {
	d, err := New(Config{Server: "127.0.0.1:53", Zone: "defiwallet.", TSIGName: "k", TSIGSecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.target(core.MustName("alice.defiwallet")); err != nil {
		t.Fatalf("inside: %v", err)
	}
	if _, _, err := d.target(core.MustName("alice.other")); err == nil || !strings.Contains(err.Error(), "not inside zone defiwallet.") {
		t.Fatalf("outside: %v", err)
	}
}

func TestEnvScope(t *testing.T) {
	for in, want := range map[string]string{"defiwallet": "DEFIWALLET", "my-ns": "MY_NS", "xn--bcher-kva": "XN__BCHER_KVA"} {
		if got := EnvScope(in); got != want {
			t.Errorf("EnvScope(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRecordsSurviveTheWireFormat(t *testing.T) {
	name := core.MustName("alice.defiwallet")
	apex := "alice.defiwallet."
	p := func(n int) *int { return &n }
	long := strings.Repeat(`a "quoted" \ back\slash, é and \065 `, 16)
	in, err := core.NormalizeRecords(name, []core.Record{
		{Type: "A", Name: "@", TTL: 60, Value: "192.0.2.1"},
		{Type: "AAAA", Name: "@", TTL: 60, Value: "2001:DB8::1"},
		{Type: "CNAME", Name: "www", TTL: 300, Value: "Target.Example.NET."},
		{Type: "MX", Name: "@", TTL: 300, Value: "mail.example.net", Priority: p(10)},
		{Type: "TXT", Name: "@", TTL: 300, Value: long},
		{Type: "TXT", Name: "_dmarc", TTL: 300, Value: "v=DMARC1; p=none"},
		{Type: "CAA", Name: "@", TTL: 300, Value: `0 issue "letsencrypt.org"`},
		{Type: "CAA", Name: "@", TTL: 300, Value: `128 iodef mailto:security@example.net`},
		{Type: "SRV", Name: "_sip._tcp", TTL: 300, Value: "5 5060 sip.example.net", Priority: p(0)},
		{Type: "SRV", Name: "_none._tcp", TTL: 300, Value: "0 0 .", Priority: p(0)},
		{Type: "A", Name: "*.dyn", TTL: 60, Value: "192.0.2.9"},
	})
	if err != nil {
		t.Fatal(err)
	}
	rrs, err := toRRs(apex, in)
	if err != nil {
		t.Fatalf("toRRs: %v", err)
	}
	// Through the wire and back, as a zone transfer brings them.
	m := new(dns.Msg)
	m.SetQuestion("defiwallet.", dns.TypeAXFR)
	m.Answer = rrs
	wire, err := m.Pack()
	if err != nil {
		t.Fatalf("pack: %v", err)
	}
	back := new(dns.Msg)
	if err := back.Unpack(wire); err != nil {
		t.Fatalf("unpack: %v", err)
	}
	var out []core.Record
	for _, rr := range back.Answer {
		r, ok := fromRR(apex, rr)
		if !ok {
			t.Fatalf("fromRR refused %v", rr)
		}
		out = append(out, r)
	}
	sortRecords(out)
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("round trip\n got %+v\nwant %+v", out, in)
	}
	for _, rr := range back.Answer {
		if txt, ok := rr.(*dns.TXT); ok && strings.HasPrefix(txt.Hdr.Name, "alice") {
			for _, s := range txt.Txt {
				if len(unescape(s)) > 255 {
					t.Fatalf("a TXT string of %d bytes", len(unescape(s)))
				}
			}
		}
	}
}

func TestFromRRKeepsToTheRegistration(t *testing.T) {
	apex := "alice.defiwallet."
	for _, s := range []string{
		"alice.defiwallet. 3600 IN NS ns1.example.net.", // the delegation
		"xalice.defiwallet. 300 IN A 192.0.2.1",         // a neighbour
		"defiwallet. 300 IN A 192.0.2.1",                // the zone apex
		"alice.defiwallet. 300 IN DS 1 13 2 ABCD",       // unmanaged type
		"bob.defiwallet. 300 IN TXT \"x\"",
	} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		if r, ok := fromRR(apex, rr); ok {
			t.Fatalf("fromRR(%s) = %+v; not a record of %s", s, r, apex)
		}
	}
	rr, _ := dns.NewRR("Deep.Sub.ALICE.defiwallet. 300 IN A 192.0.2.1")
	if r, ok := fromRR(apex, rr); !ok || r.Name != "deep.sub" {
		t.Fatalf("fromRR(deep.sub) = %+v, %v", r, ok)
	}
}

func TestManagedRRsetsSpareTheDelegation(t *testing.T) {
	var rrs []dns.RR
	for _, s := range []string{
		"alice.defiwallet. 3600 IN NS ns1.example.net.",
		"alice.defiwallet. 300 IN A 192.0.2.1",
		"alice.defiwallet. 300 IN A 192.0.2.2",
		"www.alice.defiwallet. 300 IN CNAME x.example.net.",
		"xalice.defiwallet. 300 IN A 192.0.2.3",
	} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		rrs = append(rrs, rr)
	}
	var got []string
	for _, rr := range managedRRsets("alice.defiwallet.", rrs) {
		got = append(got, rr.Header().Name+" "+dns.TypeToString[rr.Header().Rrtype])
	}
	if want := []string{"alice.defiwallet. A", "www.alice.defiwallet. CNAME"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("managedRRsets = %v, want %v", got, want)
	}
}

func TestRRsetsNeedOneTTL(t *testing.T) {
	_, err := toRRs("alice.defiwallet.", []core.Record{
		{Type: "A", Name: "@", TTL: 60, Value: "192.0.2.1"},
		{Type: "A", Name: "@", TTL: 120, Value: "192.0.2.2"},
	})
	if core.CodeOf(err) != core.CodeValidation || !strings.Contains(err.Error(), "one TTL") {
		t.Fatalf("got %v, want a validation_error about the TTL", err)
	}
}

func TestRcodeErrorsNameTheCause(t *testing.T) {
	for _, c := range []struct {
		err  RcodeError
		want []string
	}{
		{RcodeError{Op: "dns update", Zone: "defiwallet.", Rcode: dns.RcodeNotAuth, TSIGError: dns.RcodeBadSig},
			[]string{"dns update of zone defiwallet. refused", "NOTAUTH", "BADSIG", "secret"}},
		{RcodeError{Op: "dns update", Zone: "defiwallet.", Rcode: dns.RcodeNotAuth, TSIGError: dns.RcodeBadKey},
			[]string{"NOTAUTH", "BADKEY", "key name"}},
		{RcodeError{Op: "dns update", Zone: "defiwallet.", Rcode: dns.RcodeNotAuth, TSIGError: dns.RcodeBadTime},
			[]string{"BADTIME", "clock"}},
		{RcodeError{Op: "dns zone transfer", Zone: "defiwallet.", Rcode: dns.RcodeRefused},
			[]string{"dns zone transfer of zone defiwallet. refused: REFUSED"}},
		{RcodeError{Op: "dns update", Zone: "x.", Rcode: dns.RcodeNotZone}, []string{"failed: NOTZONE", "outside the zone"}},
	} {
		msg := c.err.Error()
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%q lacks %q", msg, w)
			}
		}
	}
}

func TestUnescapeUndoesPresentationEscapes(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:         "plain",
		`a\"b`:          `a"b`,
		`back\\slash`:   `back\slash`,
		`\195\169t\233`: "\xc3\xa9t\xe9",
		`end\`:          `end\`,
		`\999`:          `999`,
	} {
		if got := unescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}
