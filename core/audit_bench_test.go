package core_test

import (
	"testing"

	"github.com/headlessdomains/registry/core"
)

// Every audited command redacts its request and response summaries once.

func createSummary() map[string]any {
	return map[string]any{
		"domain": "alice.defiwallet", "years": 2, "nameservers": []string{"ns1.example-dns.net", "ns2.example-dns.net"},
		"registrant": map[string]any{"name": "Alice Example", "organization": "Example Wallets Ltd",
			"email": "alice@example.com", "phone": "+1.5555551234", "country": "US",
			"metadata": map[string]string{"contact": "bob@example.com", "customer": "c-1029"}},
		"claim_acknowledgement": false,
		"auth_code":             "s3cret",
		"note":                  "call +44 20 7946 0958",
	}
}

func BenchmarkSummarize(b *testing.B) {
	in := createSummary()
	b.ReportAllocs()
	for b.Loop() {
		out := core.Summarize(in)
		if _, ok := out["auth_code"]; ok {
			b.Fatal("auth_code survived redaction")
		}
		if reg := out["registrant"].(map[string]any); reg["email"] != nil || reg["phone"] != nil {
			b.Fatal("contact data survived redaction")
		}
	}
}

func BenchmarkRegistrantSummary(b *testing.B) {
	r := core.Registrant{Name: "Alice Example", Organization: "Example Wallets Ltd", Email: "alice@example.com",
		Phone: "+1.5555551234", Country: "US", Metadata: map[string]string{"customer": "c-1029", "plan": "pro"}}
	b.ReportAllocs()
	for b.Loop() {
		m := core.RegistrantSummary(r)
		if _, ok := m["email"]; ok {
			b.Fatal("email in registrant summary")
		}
	}
}
