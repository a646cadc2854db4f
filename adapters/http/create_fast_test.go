package httpadapter

import (
	"reflect"
	"testing"
)

// createBodies are create bodies as clients send them, and near misses the
// one-pass decoder must decline (decodeJSON then answers them).
var createBodies = []string{
	`{"domain":"alice.defiwallet","years":2,"registrant":{"name":"Alice","organization":"Ex","email":"alice@example.com","phone":"+1.5555551234","country":"US","metadata":{"ref":"1"}},"nameservers":["ns1.example.net"],"claim_acknowledgement":{"notice_id":"n-1","accepted_at":"2026-03-01T00:00:00Z"}}`,
	` { "domain" : "b.defiwallet" , "sandbox" : true , "idempotency_key" : "k-1" , "registrant" : { "metadata" : { } } , "nameservers" : [ ] } ` + "\n",
	`{"domain":"b.defiwallet","sandbox":false,"years":0,"registrant":{}}`,
	`{"domain":"zoë.defiwallet","registrant":{"name":"Zoë Ünal"}}`,
	`{}`,
	// declined: each is refused by decodeJSON, or needs its full decoder
	`{"domain":"a\u0062.defiwallet"}`,
	`{"domain":"a\"b"}`,
	`{"Domain":"a.defiwallet"}`,
	`{"domain":"a.defiwallet","domain":"b.defiwallet"}`,
	`{"domain":"a.defiwallet","registrant":{"name":"A","name":"B"}}`,
	`{"registrant":{"metadata":{"k":"1","k":"2"}}}`,
	`{"domain":"a.defiwallet","color":"red"}`,
	`{"domain":null}`,
	`{"years":null}`,
	`{"years":1.5}`,
	`{"years":1e2}`,
	`{"years":01}`,
	`{"years":-1}`,
	`{"years":"2"}`,
	`{"years":9999999999}`,
	`{"sandbox":"true"}`,
	`{"sandbox":truex}`,
	`{"nameservers":"ns1.example.net"}`,
	`{"nameservers":["ns1",]}`,
	`{"registrant":{"metadata":{"k":1}}}`,
	`{"registrant":[]}`,
	`{"domain":"a.defiwallet"}{}`,
	`{"domain":"a.defiwallet"} x`,
	`{"domain":"a.defiwallet",}`,
	`{"domain":"a.defiwallet"`,
	`[]`,
	``,
	"{\"domain\":\"a\xffb\"}",
	"{\"domain\":\"a\tb\"}",
}

// TestCreateFastDecodesAsDecodeJSON: where the one-pass decoder accepts a
// body, decodeJSON accepts it too with the same request; the bodies it
// must decline, it declines, and leaves the request empty.
func TestCreateFastDecodesAsDecodeJSON(t *testing.T) {
	accepted := 0
	for i, body := range createBodies {
		var fast createRequest
		ok := fast.decodeFast([]byte(body))
		if i < 5 && !ok {
			t.Errorf("declined a body clients send: %s", body)
		}
		if i >= 5 && ok {
			t.Errorf("accepted a body it must leave to decodeJSON: %q", body)
		}
		if !ok {
			if !reflect.DeepEqual(fast, createRequest{}) {
				t.Errorf("a declined body left %+v", fast)
			}
			continue
		}
		accepted++
		assertSameAsDecodeJSON(t, []byte(body), fast)
	}
	if accepted != 5 {
		t.Errorf("accepted %d bodies, want 5", accepted)
	}
}

func assertSameAsDecodeJSON(t *testing.T, body []byte, fast createRequest) {
	t.Helper()
	var slow createRequest
	if err := decodeJSON(body, &slow); err != nil {
		t.Fatalf("the one-pass decoder accepted %q, decodeJSON refuses it: %v", body, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q decodes differently:\n one pass   %#v\n decodeJSON %#v", body, fast, slow)
	}
}

func FuzzCreateFast(f *testing.F) {
	for _, b := range createBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast createRequest
		if fast.decodeFast(body) {
			assertSameAsDecodeJSON(t, body, fast)
		}
	})
}

func BenchmarkDecodeCreate(b *testing.B) {
	body := []byte(createBodies[0])
	b.Run("one_pass", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var req createRequest
			if !req.decodeFast(body) {
				b.Fatal("declined")
			}
		}
	})
	b.Run("decodeJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var req createRequest
			if err := decodeJSON(body, &req); err != nil {
				b.Fatal(err)
			}
		}
	})
}
