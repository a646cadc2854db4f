package core

import (
	"errors"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

// Name is a registrable domain name: one label under one namespace, both held
// as lowercase A-labels. The zero Name is invalid.
type Name struct {
	label     string
	namespace string
}

// idnaProfile validates labels for registration under IDNA2008 (RFC 5891):
// no mapping beyond what the caller did, bidi and joiner rules enforced,
// STD3 (LDH) rules on the resulting A-label.
var idnaProfile = idna.New(
	idna.ValidateForRegistration(),
	idna.StrictDomainName(true),
	idna.BidiRule(),
	idna.CheckHyphens(true),
	idna.CheckJoiners(true),
)

// ParseLabel validates one label the registry issues or lists (a label under
// a namespace, a namespace, a reserved or claim label), in Unicode or A-label
// form, and returns its lowercase A-label: IDNA2008 (RFC 5891), and one
// script as Unicode Technical Standard #39 defines Highly Restrictive (see
// mixedScripts), so that a label cannot pass off Cyrillic or Greek letters as
// Latin ones.
func ParseLabel(s string) (string, error) {
	a, u, err := idnaLabel(s)
	if err != nil {
		return "", err
	}
	if u != "" {
		if mixed, names := mixedScripts(u); mixed {
			return "", Invalid("name", "label %q mixes the scripts %s: a label must be written in one script, "+
				"or in Latin with Han, Hiragana, Katakana, Bopomofo or Hangul (Unicode TS #39, Highly Restrictive)",
				truncate(s), strings.Join(names, ", "))
		}
	}
	return a, nil
}

// idnaLabel validates one DNS label (Unicode or A-label form) under IDNA2008
// and returns its lowercase A-label and, for an IDN, its U-label. Host names
// and record owners take only this: their labels live in zones whose
// registration policy is someone else's (RFC 5891 section 4.3, Registry
// Restrictions).
func idnaLabel(s string) (a, u string, err error) {
	if s == "" {
		return "", "", Invalid("name", "a label must not be empty")
	}
	if len(s) > 255 {
		return "", "", Invalid("name", "label is too long")
	}
	in := asciiLower(s)
	if strings.ContainsAny(in, ". \t\r\n") {
		return "", "", Invalid("name", "label %q must not contain dots or white space", truncate(s))
	}
	if plainLDH(in) {
		// Letters, digits and inner hyphens, not an A-label: IDNA2008 maps,
		// checks and encodes nothing in it, and the profile answers the label
		// itself (TestPlainLabelsAreTheirOwnALabel holds the two equal).
		return in, "", nil
	}
	a, err = idnaProfile.ToASCII(in)
	if err != nil {
		return "", "", Invalid("name", "label %q is not a valid IDNA2008 label", truncate(s))
	}
	if err := checkLDH(a); err != nil {
		return "", "", err
	}
	if strings.HasPrefix(a, "xn--") {
		// An A-label must decode to a valid U-label that encodes back to itself.
		u, err = idnaProfile.ToUnicode(a)
		if err != nil {
			return "", "", Invalid("name", "label %q is not a valid A-label", truncate(s))
		}
		back, err := idnaProfile.ToASCII(u)
		if err != nil || back != a {
			return "", "", Invalid("name", "label %q is not a valid A-label", truncate(s))
		}
		if !idna2008CodePoints(u) {
			return "", "", Invalid("name", "label %q has code points that IDNA2008 does not permit (symbols, punctuation, emoji)", truncate(s))
		}
	}
	return a, u, nil
}

// idna2008CodePoints refuses what UTS #46 (and so x/net/idna, even for
// registration) lets through but IDNA2008 does not (RFC 5892): code points
// outside the LetterDigits categories (symbols, punctuation, emoji, format
// characters), old Hangul jamo, and the CONTEXTO code points outside their
// contexts (RFC 5892 appendix A), with the RFC's PVALID and DISALLOWED
// exceptions. u is a U-label that x/net/idna already accepted, so it is
// lowercase, NFC and free of mapped code points.
func idna2008CodePoints(u string) bool {
	rs := []rune(u)
	japanese, arabicIndic, extendedArabicIndic := false, false, false
	for _, r := range rs {
		if r != 0x30FB && unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
			japanese = true
		}
	}
	for i, r := range rs {
		switch {
		case r < 0x80: // ASCII: letters, digits and hyphens, checked by checkLDH
		case r == 0x200C, r == 0x200D: // CONTEXTJ, checked by idna.CheckJoiners
		case r == 0x00DF, r == 0x03C2, r == 0x06FD, r == 0x06FE, r == 0x0F0B, r == 0x3007: // PVALID exceptions
		case r == 0x0640, r == 0x07FA, r == 0x302E, r == 0x302F, r >= 0x3031 && r <= 0x3035, r == 0x303B: // DISALLOWED exceptions
			return false
		case r >= 0x1100 && r <= 0x11FF, r >= 0xA960 && r <= 0xA97F, r >= 0xD7B0 && r <= 0xD7FF: // old Hangul jamo
			return false
		case r == 0x00B7: // MIDDLE DOT: only in l·l
			if i == 0 || i == len(rs)-1 || rs[i-1] != 'l' || rs[i+1] != 'l' {
				return false
			}
		case r == 0x0375: // GREEK LOWER NUMERAL SIGN: before a Greek letter
			if i == len(rs)-1 || !unicode.Is(unicode.Greek, rs[i+1]) {
				return false
			}
		case r == 0x05F3, r == 0x05F4: // HEBREW GERESH, GERSHAYIM: after a Hebrew letter
			if i == 0 || !unicode.Is(unicode.Hebrew, rs[i-1]) {
				return false
			}
		case r == 0x30FB: // KATAKANA MIDDLE DOT: in a Hiragana, Katakana or Han label
			if !japanese {
				return false
			}
		case r >= 0x0660 && r <= 0x0669:
			arabicIndic = true
		case r >= 0x06F0 && r <= 0x06F9:
			extendedArabicIndic = true
		case unicode.In(r, unicode.Ll, unicode.Lo, unicode.Lm, unicode.Mn, unicode.Mc, unicode.Nd):
		default:
			return false
		}
	}
	return !(arabicIndic && extendedArabicIndic) // the two Arabic-Indic digit sets never mix
}

// plainLDH reports whether a is a label checkLDH accepts that is not an
// A-label.
func plainLDH(a string) bool {
	if len(a) < 1 || len(a) > 63 || a[0] == '-' || a[len(a)-1] == '-' || len(a) >= 4 && a[2] == '-' && a[3] == '-' {
		return false
	}
	for i := 0; i < len(a); i++ {
		if c := a[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func checkLDH(a string) error {
	if len(a) < 1 || len(a) > 63 {
		return Invalid("name", "a label must have 1 to 63 characters")
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return Invalid("name", "label %q must contain only letters, digits and hyphens", a)
		}
	}
	if a[0] == '-' || a[len(a)-1] == '-' {
		return Invalid("name", "label %q must not start or end with a hyphen", a)
	}
	if len(a) >= 4 && a[2] == '-' && a[3] == '-' && !strings.HasPrefix(a, "xn--") {
		return Invalid("name", "label %q must not have hyphens in the third and fourth positions", a)
	}
	return nil
}

// ParseName validates "label.namespace" (Unicode or A-label form) and returns
// the Name in A-label form. It does not check that the namespace exists.
func ParseName(s string) (Name, error) {
	dot := strings.IndexByte(s, '.')
	if dot < 0 {
		return Name{}, Invalid("domain", "%q is not a fully qualified name of the form label.namespace", truncate(s))
	}
	if strings.Count(s, ".") != 1 {
		return Name{}, Invalid("domain", "%q must have exactly one label under its namespace", truncate(s))
	}
	label, err := ParseLabel(s[:dot])
	if err != nil {
		return Name{}, inField(err, "domain")
	}
	ns, err := ParseLabel(s[dot+1:])
	if err != nil {
		return Name{}, inField(err, "domain")
	}
	return Name{label: label, namespace: ns}, nil
}

// inField answers a validation error naming field instead: a label that
// fails inside a fully qualified name is the fault of the name's member.
func inField(err error, field string) error {
	var e *Error
	if errors.As(err, &e) && e.Code == CodeValidation {
		c := *e
		c.Field = field
		return &c
	}
	return err
}

// NewName builds a Name from a label and a namespace, validating both.
func NewName(label, namespace string) (Name, error) {
	l, err := ParseLabel(label)
	if err != nil {
		return Name{}, err
	}
	ns, err := ParseLabel(namespace)
	if err != nil {
		return Name{}, err
	}
	return Name{label: l, namespace: ns}, nil
}

// MustName is NewName for tests and fixtures; it panics on an invalid name.
func MustName(s string) Name {
	n, err := ParseName(s)
	if err != nil {
		panic(err)
	}
	return n
}

// Label is the A-label under the namespace.
func (n Name) Label() string { return n.label }

// Namespace is the top-level name, e.g. "defiwallet".
func (n Name) Namespace() string { return n.namespace }

// String is the fully qualified A-label form, e.g. "alice.defiwallet".
func (n Name) String() string {
	if n.label == "" {
		return ""
	}
	return n.label + "." + n.namespace
}

// IsZero reports whether n is the zero Name.
func (n Name) IsZero() bool { return n.label == "" }

// Unicode is the U-label form for display.
func (n Name) Unicode() string {
	if !strings.Contains(n.label, "xn--") && !strings.Contains(n.namespace, "xn--") {
		return n.String() // no A-label: its own U-label form
	}
	u, err := idna.ToUnicode(n.String())
	if err != nil {
		return n.String()
	}
	return u
}

// ParseHostName validates a host name such as a nameserver or a CNAME target:
// at least two LDH (or IDN) labels, total length at most 253, optional final dot.
func ParseHostName(field, s string) (string, error) {
	h := strings.TrimSuffix(asciiLower(s), ".")
	if h == "" || len(h) > 253 {
		return "", Invalid(field, "%q is not a valid host name", truncate(s))
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return "", Invalid(field, "%q is not a fully qualified host name", truncate(s))
	}
	for i, l := range labels {
		a, _, err := idnaLabel(l)
		if err != nil {
			return "", Invalid(field, "%q is not a valid host name", truncate(s))
		}
		labels[i] = a
	}
	return strings.Join(labels, "."), nil
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
