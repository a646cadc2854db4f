package core_test

import (
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

// createParams mirrors what the registry fingerprints for a create.
type createParams struct {
	Years       int
	Registrant  core.Registrant
	Nameservers []string
	Claim       *core.ClaimAcknowledgement
}

var benchParams = createParams{
	Years: 2,
	Registrant: core.Registrant{Name: "Alice Example", Organization: "Example Wallets Ltd", Email: "alice@example.com",
		Phone: "+1.5555551234", Country: "US", Metadata: map[string]string{"customer": "c-1029", "plan": "pro"}},
	Nameservers: []string{"ns1.example-dns.net", "ns2.example-dns.net"},
	Claim:       &core.ClaimAcknowledgement{NoticeID: "abc123", AcceptedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
}

// Every mutating command fingerprints its request once, replays included.
func BenchmarkFingerprint(b *testing.B) {
	want := core.Fingerprint(core.CmdCreateDomain, "alice.defiwallet", false, benchParams)
	b.ReportAllocs()
	for b.Loop() {
		if got := core.Fingerprint(core.CmdCreateDomain, "alice.defiwallet", false, benchParams); got != want {
			b.Fatalf("fingerprint not deterministic: %s != %s", got, want)
		}
	}
}

func BenchmarkValidateIdempotencyKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := core.ValidateIdempotencyKey("bench-3k9x-create-1a2b3c"); err != nil {
			b.Fatal(err)
		}
	}
}

// A replay compares the stored record with the incoming request.
func BenchmarkIdempotencyRecordMatches(b *testing.B) {
	fp := core.Fingerprint(core.CmdCreateDomain, "alice.defiwallet", false, benchParams)
	rec := core.IdempotencyRecord{Key: "k1", Command: string(core.CmdCreateDomain), Domain: "alice.defiwallet", Fingerprint: fp}
	b.Run("match", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := rec.Matches(core.CmdCreateDomain, "Alice.DefiWallet", fp); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("conflict", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := rec.Matches(core.CmdRenewDomain, "alice.defiwallet", fp); core.CodeOf(err) != core.CodeIdempotencyConflict {
				b.Fatalf("want a conflict, got %v", err)
			}
		}
	})
}
