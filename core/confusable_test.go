package core

import (
	"strings"
	"testing"

	"github.com/mtibben/confusables"
	"golang.org/x/net/idna"
)

// aLabel is the A-label of a valid label, for tests.
func aLabel(t *testing.T, s string) string {
	t.Helper()
	a, err := ParseLabel(s)
	if err != nil {
		t.Fatalf("ParseLabel(%q): %v", s, err)
	}
	return a
}

// TestNamespaceLookalikes: a label confusable with a reserved label is
// reserved, with a claim label claim-required; others are unaffected. The
// same answers with and without the precomputed index.
func TestNamespaceLookalikes(t *testing.T) {
	base := Namespace{Name: "defiwallet",
		ReservedLabels: []string{"admin", aLabel(t, "bücher"), "paypal", "scope"},
		ClaimLabels:    []string{"bitcoin", "coca"}}
	cases := []struct {
		label           string
		reserved, claim bool
	}{
		{"scope", true, false},
		{aLabel(t, "ѕсоре"), true, false},  // all Cyrillic: ѕ с о р е
		{"paypa1", true, false},            // "1" looks like "l"
		{"adrnin", true, false},            // "rn" looks like "m"
		{aLabel(t, "bücher"), true, false}, // listed IDN
		{"coca", false, true},
		{aLabel(t, "соса"), false, true}, // all Cyrillic: с о с а
		{"bitcoin", false, true},
		{"ote-claim-acme", false, true}, // the OT&E claim fixture, by prefix
		{"alice", false, false},
		{"cola", false, false},
		{"scopes", false, false},
		{aLabel(t, "пример"), false, false},
		{aLabel(t, "東京abc"), false, false},
		{"xn--bcher-kva0", false, false},
	}
	for name, ns := range map[string]Namespace{"index": base.Indexed(), "no index": base} {
		for _, c := range cases {
			if got := ns.IsReserved(c.label); got != c.reserved {
				t.Errorf("%s: IsReserved(%q) = %v, want %v", name, c.label, got, c.reserved)
			}
			if got := ns.IsClaim(c.label); got != c.claim {
				t.Errorf("%s: IsClaim(%q) = %v, want %v", name, c.label, got, c.claim)
			}
		}
	}
	empty := Namespace{Name: "empty"}
	for _, ns := range []Namespace{empty, empty.Indexed()} {
		if ns.IsReserved("scope") || ns.IsClaim("coca") {
			t.Error("a namespace without lists reserves or claims labels")
		}
	}
}

// TestLabelSkeletonIsTheLibrarySkeleton: the ASCII fast path and the IDN
// path give the library's skeleton of the label's Unicode form.
func TestLabelSkeletonIsTheLibrarySkeleton(t *testing.T) {
	labels := []string{"alice", "paypal", "paypa1", "admin", "m0m-1", "0123456789", "abcdefghijklmnopqrstuvwxyz",
		"a-b", strings.Repeat("m", 63), aLabel(t, "ѕсоре"), aLabel(t, "bücher"), aLabel(t, "東京abc"), aLabel(t, "αβγ")}
	for _, a := range labels {
		u, err := idna.Punycode.ToUnicode(a)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := labelSkeleton(a), confusables.Skeleton(u); got != want {
			t.Errorf("labelSkeleton(%q) = %q, want %q", a, got, want)
		}
		if !newSkeletonSet([]string{a}).has(a) {
			t.Errorf("a set of %q does not have it", a)
		}
	}
}

// TestLabelSkeletonDropsJoiners: ZWNJ, which IDNA2008 allows in Arabic-script
// joining contexts, is default-ignorable and not part of the skeleton
// (UTS #39 section 4).
func TestLabelSkeletonDropsJoiners(t *testing.T) {
	with, without := aLabel(t, "نامه\u200cای"), aLabel(t, "نامهای")
	if with == without {
		t.Fatal("the ZWNJ did not reach the A-label")
	}
	if labelSkeleton(with) != labelSkeleton(without) {
		t.Errorf("skeletons differ: %q and %q", labelSkeleton(with), labelSkeleton(without))
	}
	if !(Namespace{ReservedLabels: []string{without}}).Indexed().IsReserved(with) {
		t.Error("the label with a ZWNJ is not a look-alike of the one without")
	}
}

// FuzzLabelSkeleton: for every label ParseLabel accepts, the skeleton (with
// its allocation-free LDH path) is the library's skeleton of the U-label
// less its default ignorables, and a set of the label has the label.
func FuzzLabelSkeleton(f *testing.F) {
	for _, s := range []string{"alice", "paypa1", "admin", "m0m-1", "ѕсоре", "bücher", "東京abc", "نامه\u200cای", "xn--e1argc3h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseLabel(s)
		if err != nil {
			return
		}
		u, err := idna.Punycode.ToUnicode(a)
		if err != nil {
			t.Fatalf("A-label %q of %q does not decode: %v", a, s, err)
		}
		u = strings.Map(func(r rune) rune {
			if r == '\u200c' || r == '\u200d' {
				return -1
			}
			return r
		}, u)
		if got, want := labelSkeleton(a), confusables.Skeleton(u); got != want {
			t.Fatalf("labelSkeleton(%q) = %q, want %q", a, got, want)
		}
		if !newSkeletonSet([]string{a}).has(a) {
			t.Fatalf("a set of %q does not have it", a)
		}
	})
}
