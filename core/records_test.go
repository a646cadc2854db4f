package core

import (
	"strings"
	"testing"
)

func prio(n int) *int { return &n }

func TestNormalizeRecords(t *testing.T) {
	n := MustName("alice.defiwallet")
	good := []Record{
		{Type: "a", Name: "@", TTL: 300, Value: "192.0.2.1"},
		{Type: "AAAA", Name: "www.alice.defiwallet.", TTL: 300, Value: "2001:db8::1"},
		{Type: "MX", Name: "@", TTL: 300, Value: "Mail.Example.com.", Priority: prio(10)},
		{Type: "TXT", Name: "@", Value: "v=spf1 -all"},
		{Type: "CNAME", Name: "blog", TTL: 60, Value: "host.example.net"},
		{Type: "SRV", Name: "_sip._tcp", TTL: 300, Value: "5 5060 sip.example.com", Priority: prio(1)},
		{Type: "CAA", Name: "@", TTL: 300, Value: `0 issue "letsencrypt.org"`},
	}
	out, err := NormalizeRecords(n, good)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(good) {
		t.Fatalf("got %d records", len(out))
	}
	for _, r := range out {
		if r.Type == "TXT" && r.TTL != DefaultTTL {
			t.Errorf("default TTL not applied: %d", r.TTL)
		}
		if r.Type == "AAAA" && r.Name != "www" {
			t.Errorf("owner not made relative: %q", r.Name)
		}
		if r.Type == "MX" && r.Value != "mail.example.com" {
			t.Errorf("MX target not normalized: %q", r.Value)
		}
	}
	bad := map[string][]Record{
		"type":              {{Type: "NS", Name: "@", Value: "ns.example.com"}},
		"A not v4":          {{Type: "A", Name: "@", Value: "2001:db8::1"}},
		"AAAA not v6":       {{Type: "AAAA", Name: "@", Value: "192.0.2.1"}},
		"ttl low":           {{Type: "A", Name: "@", TTL: 59, Value: "192.0.2.1"}},
		"ttl high":          {{Type: "A", Name: "@", TTL: 86401, Value: "192.0.2.1"}},
		"outside":           {{Type: "A", Name: "bob.defiwallet.", Value: "192.0.2.1"}},
		"cname not alone":   {{Type: "CNAME", Name: "x", Value: "a.example"}, {Type: "A", Name: "x", Value: "192.0.2.1"}},
		"cname apex":        {{Type: "CNAME", Name: "@", Value: "a.example"}},
		"mx no priority":    {{Type: "MX", Name: "@", Value: "mail.example.com"}},
		"priority on A":     {{Type: "A", Name: "@", Value: "192.0.2.1", Priority: prio(1)}},
		"txt too long":      {{Type: "TXT", Name: "@", Value: strings.Repeat("x", 4097)}},
		"srv shape":         {{Type: "SRV", Name: "_sip._tcp", Value: "sip.example.com", Priority: prio(1)}},
		"caa tag":           {{Type: "CAA", Name: "@", Value: `0 bogus "x"`}},
		"duplicate":         {{Type: "A", Name: "@", Value: "192.0.2.1"}, {Type: "A", Name: "@", Value: "192.0.2.1"}},
		"rrset ttl":         {{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.1"}, {Type: "A", Name: "@", TTL: 600, Value: "192.0.2.2"}},
		"bad owner":         {{Type: "A", Name: "-x", Value: "192.0.2.1"}},
		"too many":          make([]Record, 101),
		"cname bad target":  {{Type: "CNAME", Name: "x", Value: "not a host"}},
		"txt control chars": {{Type: "TXT", Name: "@", Value: "a\x00b"}},
	}
	for name, recs := range bad {
		if _, err := NormalizeRecords(n, recs); CodeOf(err) != CodeValidation {
			t.Errorf("%s: got %v, want validation_error", name, err)
		}
	}
}
