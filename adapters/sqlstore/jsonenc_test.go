package sqlstore

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

// FuzzEncodeSummaryMatchesEncodingJSON: a summary decoded from any JSON
// object (strings with escapes and every kind of byte, numbers of every
// size, nesting) is written as json.Marshal writes it.
func FuzzEncodeSummaryMatchesEncodingJSON(f *testing.F) {
	for _, s := range summarySeeds {
		f.Add(s)
	}
	for _, s := range []string{`{"n":1e-7,"m":1e21,"o":123456789012345678901,"p":-0,"q":0.000001,"r":1.5}`,
		`{"a":"\u2028\u2029\ufffd","b":"\u007f","c":"<&>"}`, `{"":null,"z":[[],{}],"y":[null,true,false]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) != nil {
			return
		}
		want, wantErr := json.Marshal(m)
		got, err := encodeSummary(m)
		if (err != nil) != (wantErr != nil) || got != string(want) {
			t.Fatalf("%q:\ngot  %s (%v)\nwant %s (%v)", s, got, err, want, wantErr)
		}
	})
}

// TestEncodeSummaryOfGoValuesMatchesEncodingJSON: the values core builds
// summaries of (named numbers and strings, lists of strings, maps of
// strings, times, nil lists and maps, bytes to escape) are written as
// json.Marshal writes them, and what it refuses is refused.
func TestEncodeSummaryOfGoValuesMatchesEncodingJSON(t *testing.T) {
	type status string
	type flag bool
	type small uint8
	for _, m := range []map[string]any{
		nil, {},
		{"debited_gems": core.Gems(10), "years": 2, "n64": int64(-3), "i8": int8(-8), "u": uint(7), "s": small(3)},
		{"status": status("ok"), "flag": flag(true), "b": false, "nil": nil},
		{"nameservers": []string{"ns1.example.net", "ns<2>"}, "none": []string(nil), "empty": []string{}},
		{"registrant": map[string]string{"name": "A & B", "z": "\x00\t\n\"\\"}, "nomap": map[string]string(nil)},
		{"nested": map[string]any{"list": []any{1, "two", 3.5, []any(nil), map[string]any(nil)}}},
		{"when": time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC), "dur": time.Second},
		{"floats": []any{0.0, 1e-6, 1e20, 1e21, 1e-7, math.Copysign(0, -1), float32(1.5)}},
		{"bad utf-8": "a\xffb", "emoji": "😀", "sep": "\u2028", "del": "\x7f"},
		{"nan": math.NaN()},
		{"bytes": []byte("x"), "ptr": new(int), "struct": struct{ A int }{1}},
	} {
		want, wantErr := json.Marshal(m)
		got, err := encodeSummary(m)
		if (err != nil) != (wantErr != nil) || got != string(want) {
			t.Errorf("%#v:\ngot  %s (%v)\nwant %s (%v)", m, got, err, want, wantErr)
		}
	}
}

// TestEncodeRegistrationColumnsMatchEncodingJSON: a registrant and lists of
// names are written as json.Marshal writes them.
func TestEncodeRegistrationColumnsMatchEncodingJSON(t *testing.T) {
	for _, r := range []registrantJSON{{},
		{Name: "Alice", Organization: "Acme <Ltd>", Email: "a@example.com", Phone: "+1.5555551234", Country: "US"},
		{Name: "Zoë \"Z\"", Metadata: map[string]string{"b": "2", "a": "1&", "\u2028": "x"}},
		{Metadata: map[string]string{}},
	} {
		want, _ := json.Marshal(r)
		if got := encodeRegistrant(r); got != string(want) {
			t.Errorf("%+v:\ngot  %s\nwant %s", r, got, want)
		}
	}
	for _, s := range [][]string{nil, {}, {"ns1.example.net"}, {"a\"b", "<c>", "ü"}} {
		want, _ := json.Marshal(s)
		if got := encodeStrings(s); got != string(want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

// BenchmarkEncodeSummary: a create's request summary, by hand and by
// encoding/json.
func BenchmarkEncodeSummary(b *testing.B) {
	m := map[string]any{"domain": "s0000001234.benchns", "years": 1, "claim_acknowledgement": false,
		"registrant":  map[string]any{"name": "Bench Registrant", "country": "DE", "organization": ""},
		"nameservers": []any{"ns1.example.net", "ns2.example.net"}}
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeSummary(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := toJSON(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
