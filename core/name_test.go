package core

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseName(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"alice.defiwallet", "alice.defiwallet", true},
		{"Alice.DefiWallet", "alice.defiwallet", true},
		{"bücher.defiwallet", "xn--bcher-kva.defiwallet", true},
		{"xn--bcher-kva.defiwallet", "xn--bcher-kva.defiwallet", true},
		{"a1-b2.x", "a1-b2.x", true},
		{strings.Repeat("a", 63) + ".x", strings.Repeat("a", 63) + ".x", true},
		{strings.Repeat("a", 64) + ".x", "", false},
		{"-alice.defiwallet", "", false},
		{"alice-.defiwallet", "", false},
		{"al--ice.defiwallet", "", false},
		{"a_b.defiwallet", "", false},
		{"alice", "", false},
		{"a.b.defiwallet", "", false},
		{".defiwallet", "", false},
		{"alice.", "", false},
		{"alice.defiwallet.", "", false},
		{"xn--zz.defiwallet", "", false},
		{"al ice.defiwallet", "", false},
		{"", "", false},
		{"\u0000.x", "", false},
		{"ab\u200dc.x", "", false}, // ZWJ outside the joiner context
	}
	for _, c := range cases {
		n, err := ParseName(c.in)
		if c.ok != (err == nil) {
			t.Errorf("ParseName(%q) error = %v, want ok=%v", c.in, err, c.ok)
			continue
		}
		if err != nil {
			if CodeOf(err) != CodeValidation {
				t.Errorf("ParseName(%q) code = %s", c.in, CodeOf(err))
			}
			continue
		}
		if n.String() != c.want {
			t.Errorf("ParseName(%q) = %q, want %q", c.in, n.String(), c.want)
		}
	}
}

func TestNameParts(t *testing.T) {
	n := MustName("bücher.defiwallet")
	if n.Label() != "xn--bcher-kva" || n.Namespace() != "defiwallet" || n.Unicode() != "bücher.defiwallet" {
		t.Errorf("parts: %q %q %q", n.Label(), n.Namespace(), n.Unicode())
	}
}

func TestParseHostName(t *testing.T) {
	for in, want := range map[string]string{"NS1.Example.COM.": "ns1.example.com", "a.b": "a.b"} {
		got, err := ParseHostName("ns", in)
		if err != nil || got != want {
			t.Errorf("ParseHostName(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "localhost", "a..b", "-a.b", "a b.c", strings.Repeat("a.", 130) + "com"} {
		if _, err := ParseHostName("ns", in); err == nil {
			t.Errorf("ParseHostName(%q) accepted", in)
		}
	}
}

// FuzzParseName: parsing never panics, a success is stable (parsing its own
// output gives the same name) and always an LDH A-label form.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{"alice.defiwallet", "bücher.defiwallet", "xn--bcher-kva.x", "-a.x", "a..b", "",
		"xn--zz.x", "ab\u200dc.x", strings.Repeat("a", 70) + ".x", "\xff.x", "ALICE.X", "a.b.c", "٠١.x", "a\u0301.x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseName(s)
		if err != nil {
			if CodeOf(err) != CodeValidation {
				t.Fatalf("ParseName(%q): non-validation error %v", s, err)
			}
			return
		}
		out := n.String()
		for i := 0; i < len(out); i++ {
			c := out[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
				t.Fatalf("ParseName(%q) = %q: not LDH", s, out)
			}
		}
		again, err := ParseName(out)
		if err != nil || again != n {
			t.Fatalf("ParseName(%q) = %q, which does not parse back to itself: %v", s, out, err)
		}
		if !utf8.ValidString(n.Unicode()) {
			t.Fatalf("Unicode form of %q is not UTF-8", out)
		}
	})
}
