package sqlstore

import (
	"bytes"
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

// summarySeeds are texts of every shape: PostgreSQL's jsonb print (keys by
// length, spaces), encoding/json's (sorted, compact, HTML escaped), and
// texts each fast path must leave to encoding/json.
var summarySeeds = []string{
	`{}`, ` { } `, `null`, `[]`, `1`, `"x"`, `{"a":1}`, `{"a": 1, "b": [true, false, null, "x", -0.5e-3, {}]}`,
	`{"domain": "alice.wallet", "years": 2, "registrant": {"name": "A", "country": "DE"}, "nameservers": ["ns1.example"]}`,
	`{"years": 1, "domain": "w5y6jjlzz.benchns", "registrant": {"name": "Bench Registrant"}, "nameservers": [], "claim_acknowledgement": false}`,
	`{"state": "active", "domain": "w.benchns", "status": "success", "statuses": [], "expires_at": "2027-12-06T07:08:40Z", "http_status": 201, "debited_gems": 10}`,
	`{"b":1,"a":2,"c":{"z":[{"y":1,"x":2}],"a":0}}`, `{"a":"\u003cb\u003e \u0026"}`, `{"a":"<b> &"}`, `{"b":1,"a":2,"b":3}`,
	`{"a":"é"}`, `{"é":1,"z":2,"e":3}`, "{\"a\":\"\u2028\"}", `{"a":"\u00e9\n\"\\"}`, `{"a":1,"a":2}`, `{"a":01}`, `{"a":-}`,
	`{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":-0}`, `{"a":1.0}`, `{"a":1E+2}`, `{"a":123456789012345}`, `{"a":1234567890123456789}`,
	`{"a":1e999}`, `{"a":9007199254740993}`, `{"a":1e-7}`, `{"a":1e21}`, `{"a":tru}`, `{"a":1,}`, `{"a":[1,]}`, `{"a" 1}`,
	`{"a":1} x`, `{"a":1}}`, `{"a":"\x01"}`, "{\"a\":\"\xff\"}", "{\"a\":\"\x7f\"}",
	`{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`, `{"a":"x`, `{"a`, `{`,
	`{"a":"\"\\\b\f\n\r\t\u0001\u001f\u2028\u2029"}`, `{"a":"\u0008\u0009\u000a\u000c\u000d\u001F\u007f\u00e9\/"}`,
	`{"a":"x\u003cy\u003ez\u0026","b":["\u003c\u003c"]}`, `{"a":"\u003C"}`, `{"a":"\ud83d\ude00"}`, `{"a":"\u003`, `{"a":"\`,
	`{"a":"\u00"}`, `{"a":"\u0020"}`, `{"a":"\x"}`, `{"\u003c":1}`,
	`{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}`,
}

// summaryEncoder writes what encoding/json writes (HTML escaping off) for
// the map encoding/json decodes from the text, {} for null, and fails where
// decoding fails.
func FuzzSummaryEncoderMatchesEncodingJSON(f *testing.F) {
	for _, s := range summarySeeds {
		f.Add(s)
	}
	var e summaryEncoder
	f.Fuzz(func(t *testing.T, s string) {
		got, gotErr := e.encode([]byte("prefix"), []byte(s))
		var m map[string]any
		wantErr := json.Unmarshal([]byte(s), &m)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, encoding/json %v", s, gotErr, wantErr)
		}
		if gotErr != nil {
			return
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if m == nil {
			m = map[string]any{}
		}
		if err := enc.Encode(m); err != nil {
			t.Fatal(err)
		}
		if w := "prefix" + string(bytes.TrimRight(want.Bytes(), "\n")); string(got) != w {
			t.Fatalf("%q:\ngot  %s\nwant %s", s, got, w)
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
	b.Run("encoder", func(b *testing.B) {
		b.ReportAllocs()
		var (
			e    summaryEncoder
			dst  []byte
			text = []byte(s)
		)
		for b.Loop() {
			var err error
			if dst, err = e.encode(dst[:0], text); err != nil {
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
