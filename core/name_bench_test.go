package core_test

import (
	"testing"

	"github.com/headlessdomains/registry/core"
)

// The name checks run on every check, info and create: once per name of a
// check batch, twice for an IDN A-label (decode and re-encode), and for an
// IDN the UTS #39 mixed-script rule, one script look-up per character.

func BenchmarkParseName(b *testing.B) {
	cases := []struct {
		name, in, want string // want "" expects a validation_error
	}{
		{"ascii", "alice-wallet.defiwallet", "alice-wallet.defiwallet"},
		{"ascii_upper", "Alice-Wallet.DefiWallet", "alice-wallet.defiwallet"},
		{"unicode_idn", "münchen-straße.defiwallet", "xn--mnchen-strae-v9a90b.defiwallet"},
		{"a_label_idn", "xn--mnchen-strae-v9a90b.defiwallet", "xn--mnchen-strae-v9a90b.defiwallet"},
		{"cyrillic_idn", "пример-кошелек.defiwallet", "xn----itbbalocgexfmd9i.defiwallet"},
		{"latin_han_idn", "東京wallet.defiwallet", "xn--wallet-om8i140o.defiwallet"},
		{"mixed_script", "p\u0430ypal-wallet.defiwallet", ""},
		{"invalid", "-bad-.defiwallet", ""},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n, err := core.ParseName(c.in)
				if c.want == "" && core.CodeOf(err) != core.CodeValidation || c.want != "" && (err != nil || n.String() != c.want) {
					b.Fatalf("ParseName(%q) = %q, %v; want %q", c.in, n.String(), err, c.want)
				}
			}
		})
	}
}

func BenchmarkParseLabel(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := core.ParseLabel("s00a3f9c2e1"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseHostName(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := core.ParseHostName("nameservers", "NS1.Example-DNS.net."); err != nil {
			b.Fatal(err)
		}
	}
}
