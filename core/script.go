package core

import (
	"slices"
	"sort"
	"unicode"
)

// Mixed-script refusal: a registrable label must be "Highly Restrictive" in
// the sense of Unicode Technical Standard #39, section 5.2 (Restriction-Level
// Detection): written in a single script, or covered by Latin + Han +
// Hiragana + Katakana, Latin + Han + Bopomofo or Latin + Han + Hangul.
// Characters of the Common and Inherited scripts (digits, the hyphen,
// combining marks shared by scripts) go with any script.
//
// Single script follows UTS #39 section 5.1: the resolved script set (the
// intersection of each character's augmented script set) is not empty, where
// Han augments to {Hani, Hanb, Jpan, Kore}, Hiragana and Katakana to Jpan,
// Hangul to Kore and Bopomofo to Hanb. So Han with kana is one script (Jpan),
// Han with Hangul is one script (Kore). The Latin combinations above are then
// the labels whose non-Latin characters resolve to Hanb, Jpan or Kore.
//
// The script of a character comes from the standard library's unicode.Scripts
// tables (the Script property), because neither the standard library nor
// golang.org/x/text carries Script_Extensions. Within what IDNA2008 permits
// the difference is small and errs on both sides: a character whose Script is
// Common or Inherited but whose Script_Extensions name a few scripts (U+30FC
// KATAKANA-HIRAGANA PROLONGED SOUND MARK, the Devanagari stress signs) goes
// with any script here; a character whose Script_Extensions add scripts to
// its Script (the Arabic-Indic digits, also used in Thaana; the Devanagari
// digits, also used in Dogra) counts only in its own script, so such a digit
// in a label of the other script is refused. Neither lets a Latin label take
// Cyrillic or Greek letters, which is what the rule is for.

// Augmented script flags of UTS #39 section 5.1.
const (
	augHanb = 1 << iota // Han with Bopomofo
	augJpan             // Han with Hiragana and Katakana
	augKore             // Han with Hangul
)

type scriptInfo struct {
	name  string
	table *unicode.RangeTable
	aug   uint8 // augHanb | augJpan | augKore the script belongs to
	any   bool  // Common or Inherited: goes with every script
}

// scripts lists every script of unicode.Scripts, the frequent ones first so
// that the linear search usually stops early.
var scripts = func() []scriptInfo {
	first := []string{"Common", "Inherited", "Latin", "Cyrillic", "Greek", "Han", "Hiragana", "Katakana", "Hangul",
		"Bopomofo", "Arabic", "Hebrew", "Devanagari", "Thai"}
	rank := map[string]int{}
	for i, n := range first {
		rank[n] = i
	}
	names := make([]string, 0, len(unicode.Scripts))
	for n := range unicode.Scripts {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		ri, iok := rank[names[i]]
		rj, jok := rank[names[j]]
		switch {
		case iok && jok:
			return ri < rj
		case iok != jok:
			return iok
		}
		return names[i] < names[j]
	})
	aug := map[string]uint8{"Han": augHanb | augJpan | augKore, "Hiragana": augJpan, "Katakana": augJpan,
		"Hangul": augKore, "Bopomofo": augHanb}
	out := make([]scriptInfo, len(names))
	for i, n := range names {
		out[i] = scriptInfo{name: n, table: unicode.Scripts[n], aug: aug[n], any: n == "Common" || n == "Inherited"}
	}
	return out
}()

// scriptOf is the index in scripts of r's script, or -1 for a code point no
// script claims (unassigned). hint is tried first.
func scriptOf(r rune, hint int) int {
	if hint >= 0 && unicode.Is(scripts[hint].table, r) {
		return hint
	}
	for i := range scripts {
		if i != hint && unicode.Is(scripts[i].table, r) {
			return i
		}
	}
	return -1
}

// resolved accumulates the resolved script set of a string, UTS #39
// section 5.1, over characters of one script each.
type resolved struct {
	script int   // the one script seen so far; -1 none yet, -2 more than one
	aug    uint8 // augmented scripts every character seen so far belongs to
}

func newResolved() resolved { return resolved{script: -1, aug: augHanb | augJpan | augKore} }

func (s *resolved) add(i int) {
	switch s.script {
	case -1:
		s.script = i
	case i:
	default:
		s.script = -2
	}
	s.aug &= scripts[i].aug
}

// empty reports whether no script covers every character added.
func (s resolved) empty() bool { return s.script == -2 && s.aug == 0 }

// mixedScripts reports whether u mixes scripts beyond UTS #39 Highly
// Restrictive, and if so the scripts it uses (Common and Inherited aside).
func mixedScripts(u string) (bool, []string) {
	all, nonLatin := newResolved(), newResolved()
	var seen []int
	hint := -1
	for _, r := range u {
		i := latinIndex
		if r >= 0x80 {
			i = scriptOf(r, hint)
			if i < 0 {
				return true, []string{"Unknown"}
			}
			hint = i
		} else if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			continue // ASCII digits, the hyphen and the rest are Common
		}
		if scripts[i].any {
			continue
		}
		all.add(i)
		if i != latinIndex {
			nonLatin.add(i)
		}
		if !slices.Contains(seen, i) {
			seen = append(seen, i)
		}
	}
	if !all.empty() || nonLatin.aug != 0 {
		return false, nil // one script, or Latin with Hanb, Jpan or Kore
	}
	names := make([]string, len(seen))
	for k, i := range seen {
		names[k] = scripts[i].name
	}
	sort.Strings(names)
	return true, names
}

var latinIndex = func() int {
	for i, s := range scripts {
		if s.name == "Latin" {
			return i
		}
	}
	panic("core: unicode.Scripts has no Latin")
}()
