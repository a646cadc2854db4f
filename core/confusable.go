package core

import (
	"slices"
	"strings"
	"unicode"

	"github.com/mtibben/confusables"
	"golang.org/x/net/idna"
)

// Look-alike matching of reserved and claim labels by the confusable
// skeleton of Unicode Technical Standard #39, section 4 (Confusable
// Detection): two labels are confusable when their skeletons are equal, where
// skeleton(X) removes the default-ignorable code points, converts X to NFD,
// maps each character by the confusables data and converts to NFD again.
//
// The data and the NFD-map-NFD steps come from github.com/mtibben/confusables
// (confusables.txt of Unicode 13.0.0 over golang.org/x/text/unicode/norm):
// a pure table, no I/O. It predates the removal of default-ignorable code
// points that UTS #39 added in version 15.1, so labelSkeleton does that step
// itself; of those code points an IDNA2008 label can hold only ZERO WIDTH
// NON-JOINER and ZERO WIDTH JOINER (RFC 5892 CONTEXTJ).
//
// Skeletons are for comparison only, never for display or storage: the
// skeleton of a Latin label may hold characters of other scripts, and plain
// ASCII look-alikes match too ("rn" is confusable with "m", "1" with "l").

// labelSkeleton is the skeleton of an A-label, compared in its Unicode form.
func labelSkeleton(a string) string {
	if b, ok := asciiSkeleton(make([]byte, 0, 2*len(a)), a); ok {
		return string(b)
	}
	u := a
	if strings.HasPrefix(a, "xn--") {
		if d, err := idna.Punycode.ToUnicode(a); err == nil {
			u = d
		}
	}
	u = strings.Map(func(r rune) rune {
		if isDefaultIgnorable(r) {
			return -1
		}
		return r
	}, u)
	return confusables.Skeleton(u)
}

// isDefaultIgnorable approximates Default_Ignorable_Code_Point from the
// properties the standard library has (Other_Default_Ignorable_Code_Point,
// the format characters, the variation selectors); the derived property's
// exceptions to those are all DISALLOWED in IDNA2008 and never reach here.
func isDefaultIgnorable(r rune) bool {
	return unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Cf, unicode.Variation_Selector)
}

// ldhSkeleton is the skeleton of each letter, digit and the hyphen, from the
// confusables data ("m" is "rn", "0" is "O", "1" is "l"); ldhPlain marks
// the ASCII ones whose skeleton is ASCII too, which is all of them today.
var ldhSkeleton, ldhPlain = func() (sk [128]string, plain [128]bool) {
	for c := byte(0); c < 128; c++ {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			continue
		}
		s := confusables.Skeleton(string(rune(c)))
		plain[c] = true
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				plain[c] = false
			}
		}
		sk[c] = s
	}
	return sk, plain
}()

// asciiSkeleton appends the skeleton of an LDH label that is not an A-label
// of an IDN to dst, without the Unicode machinery: NFD leaves ASCII as it
// is, and the mapped letters map to ASCII. It reports false for any other
// label.
func asciiSkeleton(dst []byte, a string) ([]byte, bool) {
	if strings.HasPrefix(a, "xn--") {
		return dst, false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if c >= 0x80 || !ldhPlain[c] {
			return dst, false
		}
		dst = append(dst, ldhSkeleton[c]...)
	}
	return dst, true
}

// skeletonSet holds the skeletons of a list of labels.
type skeletonSet map[string]struct{}

func newSkeletonSet(labels []string) skeletonSet {
	s := make(skeletonSet, len(labels))
	for _, l := range labels {
		s[labelSkeleton(l)] = struct{}{}
	}
	return s
}

// has reports whether label has the skeleton of a label of the set. An LDH
// label costs no allocation.
func (s skeletonSet) has(label string) bool {
	var buf [2 * 63]byte // "m" doubles at most; a label has at most 63 bytes
	if len(label) <= 63 {
		if b, ok := asciiSkeleton(buf[:0], label); ok {
			_, hit := s[string(b)]
			return hit
		}
	}
	_, hit := s[labelSkeleton(label)]
	return hit
}

// labelIndex holds the skeletons of a namespace's reserved and claim labels.
type labelIndex struct {
	reserved, claim skeletonSet
}

// listedOrLookalike reports whether label is in list or confusable with a
// label of it, by the precomputed set when there is one.
func listedOrLookalike(list []string, set skeletonSet, label string) bool {
	if len(list) == 0 {
		return false
	}
	if set != nil {
		return set.has(label)
	}
	if slices.Contains(list, label) {
		return true
	}
	sk := labelSkeleton(label)
	for _, l := range list {
		if labelSkeleton(l) == sk {
			return true
		}
	}
	return false
}
