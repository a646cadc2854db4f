package core

import (
	"strings"
	"testing"
	"unicode"
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

// TestParseNameMixedScripts: a label is one script, or Latin with the Han
// family, as UTS #39 Highly Restrictive has it; in Unicode and A-label form.
func TestParseNameMixedScripts(t *testing.T) {
	cases := []struct {
		in      string
		ok      bool
		scripts string // named in the refusal
	}{
		{"p\u0430ypal.x", false, "Cyrillic, Latin"},   // Cyrillic а among Latin letters
		{"xn--pypal-4ve.x", false, "Cyrillic, Latin"}, // the same as an A-label
		{"\u03b1lpha.x", false, "Greek, Latin"},       // Greek α
		{"xn--lpha-zld.x", false, "Greek, Latin"},
		{"пример.x", true, ""},
		{"пример-2024.x", true, ""}, // digits and the hyphen go with any script
		{"ѕсоре.x", true, ""},       // all Cyrillic, however Latin it looks
		{"αβγ.x", true, ""},
		{"東京abc.x", true, ""},                   // Latin + Han
		{"日本語かなカナabc.x", true, ""},              // Latin + Han + Hiragana + Katakana
		{"한국漢字abc.x", true, ""},                 // Latin + Han + Hangul
		{"ㄅㄆ漢abc.x", true, ""},                  // Latin + Han + Bopomofo
		{"한국漢字.x", true, ""},                    // Han + Hangul is one script (Kore)
		{"abcー.x", true, ""},                    // U+30FC is Common
		{"ひらがな한국.x", false, "Hangul, Hiragana"}, // Japanese and Korean never mix
		{"ㄅㄆかな.x", false, "Bopomofo, Hiragana"},
		{"東京пример.x", false, "Cyrillic, Han"},
		{"東京abcпример.x", false, "Cyrillic, Han, Latin"},
		{"пример\u03b1.x", false, "Cyrillic, Greek"},
		{"bücher.x", true, ""},
	}
	for _, c := range cases {
		_, err := ParseName(c.in)
		if c.ok != (err == nil) {
			t.Errorf("ParseName(%q) error = %v, want ok=%v", c.in, err, c.ok)
			continue
		}
		if err != nil {
			e := AsError(err)
			if e.Code != CodeValidation || e.Field != "domain" || !strings.Contains(e.Detail, "mixes the scripts "+c.scripts+":") {
				t.Errorf("ParseName(%q) = %+v, want a validation_error on domain naming %s", c.in, e, c.scripts)
			}
		}
	}
	// Host names and record owners are labels of other zones, under their
	// own registries' policies: IDNA2008 only.
	if got, err := ParseHostName("ns", "ns1.p\u0430ypal.example"); err != nil || got != "ns1.xn--pypal-4ve.example" {
		t.Errorf("ParseHostName of a mixed-script host = %q, %v", got, err)
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
		"xn--zz.x", "ab\u200dc.x", strings.Repeat("a", 70) + ".x", "\xff.x", "ALICE.X", "a.b.c", "٠١.x", "a\u0301.x",
		"p\u0430ypal.x", "xn--pypal-4ve.x", "東京abc.x", "пример.x", "\u03b1lpha.x"} {
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
		// No accepted label puts Latin letters beside Cyrillic or Greek ones.
		var latin, cyrillicOrGreek bool
		for _, r := range strings.SplitN(n.Unicode(), ".", 2)[0] {
			latin = latin || unicode.Is(unicode.Latin, r)
			cyrillicOrGreek = cyrillicOrGreek || unicode.In(r, unicode.Cyrillic, unicode.Greek)
		}
		if latin && cyrillicOrGreek {
			t.Fatalf("ParseName(%q) = %q mixes Latin with Cyrillic or Greek", s, n.Unicode())
		}
	})
}
