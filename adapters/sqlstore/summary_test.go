package sqlstore

import (
	"encoding/json"
	"reflect"
	"testing"
)

// decodeSummary answers what fromJSON answers for every text: the same map,
// or an error where fromJSON fails.
func FuzzDecodeSummaryMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, ` { } `, `null`, `[]`, `1`, `"x"`, `{"a":1}`, `{"a": 1, "b": [true, false, null, "x", -0.5e-3, {}]}`,
		`{"domain": "alice.wallet", "years": 2, "registrant": {"name": "A", "country": "DE"}, "nameservers": ["ns1.example"]}`,
		`{"a":"é"}`, `{"a":"\u00e9\n\"\\"}`, `{"a":1,"a":2}`, `{"a":01}`, `{"a":-}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`,
		`{"a":1e999}`, `{"a":9007199254740993}`, `{"a":tru}`, `{"a":1,}`, `{"a":[1,]}`, `{"a" 1}`, `{"a":1} x`, `{"a":1}}`,
		`{"a":"\x01"}`, "{\"a\":\"\xff\"}", `{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`, `{"a":"x`, `{"a`, `{`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, gotErr := decodeSummary(s)
		var want map[string]any
		wantErr := json.Unmarshal([]byte(s), &want)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, encoding/json %v", s, gotErr, wantErr)
		}
		if gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %#v, encoding/json %#v", s, got, want)
		}
	})
}

func BenchmarkDecodeSummary(b *testing.B) {
	const s = `{"domain": "s0000001234.benchns", "years": 1, "registrant": {"name": "Bench Registrant", "country": "DE", "organization": ""}, "nameservers": ["ns1.example.net", "ns2.example.net"], "claim_acknowledgement": false}`
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeSummary(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			var m map[string]any
			if err := fromJSON(s, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
