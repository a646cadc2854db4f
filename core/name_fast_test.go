package core

import (
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/net/idna"
)

// A label of letters, digits and inner hyphens skips the IDNA2008 profile:
// for every such label the profile answers the label itself, and for every
// label plainLDH declines the profile's path runs as before.
func TestPlainLabelsAreTheirOwnALabel(t *testing.T) {
	const alphabet = "abcz019-"
	rng := rand.New(rand.NewPCG(1, 2))
	labels := []string{"a", "0", "ab", "a-b", "ab--c", "xn--zo-mia", "xn--", "-a", "a-", "--", "ab-", strings.Repeat("a", 63), strings.Repeat("a", 64)}
	for range 20000 {
		b := make([]byte, 1+rng.IntN(66))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		labels = append(labels, string(b))
	}
	plain := 0
	for _, l := range labels {
		if !plainLDH(l) {
			continue
		}
		plain++
		a, err := idnaProfile.ToASCII(l)
		if err != nil || a != l || checkLDH(a) != nil {
			t.Fatalf("%q: the profile answers %q, %v; checkLDH %v", l, a, err, checkLDH(a))
		}
		if got, u, err := idnaLabel(l); got != l || u != "" || err != nil {
			t.Fatalf("idnaLabel(%q) = %q, %q, %v", l, got, u, err)
		}
	}
	if plain < 1000 {
		t.Fatalf("only %d plain labels among %d", plain, len(labels))
	}
	for _, l := range []string{"xn--zo-mia", "ab--c", "-a", "a-", strings.Repeat("a", 64), "a_b"} {
		if plainLDH(l) {
			t.Errorf("plainLDH(%q) = true", l)
		}
	}
}

// Name.Unicode answers what idna.ToUnicode answers, with or without A-labels.
func TestUnicodeOfNamesWithoutALabels(t *testing.T) {
	for _, s := range []string{"alice.defiwallet", "a-b.c0", "xn--zo-mia.defiwallet", "alice.xn--80ak6aa92e", "abxn--c.defiwallet"} {
		n, err := ParseName(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		want, err := idna.ToUnicode(n.String())
		if err != nil {
			want = n.String()
		}
		if got := n.Unicode(); got != want {
			t.Errorf("%s: Unicode() = %q, want %q", s, got, want)
		}
	}
}
