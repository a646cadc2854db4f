package httpadapter

import (
	"bytes"
	"encoding/json"
	"testing"
)

// fastWalkTargets are the types the fuzz target walks bodies beside:
// structs nested in structs, arrays of structs, maps.
var fastWalkTargets = []any{&createRequest{}, &updateRequest{}, &recordsRequest{}, &importDomainRequest{}, &map[string]any{}}

var fastWalkSeeds = []string{
	`{"domain":"a.defiwallet","registrant":{"name":"A","email":"a@example.com","metadata":{"k":"v"}},"years":2}`,
	`{"domain":"a.defiwallet","sandbox":false,"SANDBOX":true}`, `{"registrant":{"Email":"x"}}`,
	`{"records":[{"type":"A","name":"@","ttl":60,"value":"192.0.2.1"},{"TYPE":"A"}]}`,
	`{"a":1,"a":2}`, `{"sand\u0062ox":true}`, `{"ſandbox":true}`, `{"x":[1,-0.5e+3,true,false,null,"s\"\\\/\b\f\n\r\t\u00e9"]}`,
	`{"x":01}`, `{"x":1.}`, `{"x":-}`, `{"x":tru}`, `{"a" 1}`, `{"a":1,}`, `[1,2]`, `"s"`, `12`, ``, `  {}  `, `{}x`,
	`{"a":{"b":{"c":[[[]]]}}}`, `{"é":1}`, "{\"a\":\"\x01\"}", `{"statuses":{"add":["clientHold"],"add":[]}}`,
}

// FuzzFastMemberWalk: wherever the fast tokenizer decides, checkMemberNames
// answers what the walk over json.Decoder's tokens answers.
func FuzzFastMemberWalk(f *testing.F) {
	for _, s := range fastWalkSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, dst := range fastWalkTargets {
			fast, ok := walkMembers(&fastTokens{b: []byte(s)}, dst)
			if !ok {
				continue
			}
			dec := json.NewDecoder(bytes.NewReader([]byte(s)))
			dec.UseNumber()
			slow, slowOK := walkMembers(dec, dst)
			if !slowOK {
				t.Fatalf("%T %q: the fast walk decided (%v); json.Decoder finds the text malformed", dst, s, fast)
			}
			if (fast == nil) != (slow == nil) || (fast != nil && fast.Error() != slow.Error()) {
				t.Fatalf("%T %q: fast %v, json.Decoder %v", dst, s, fast, slow)
			}
		}
	})
}

// The bodies clients send take the fast path.
func TestFastMemberWalkDecidesPlainBodies(t *testing.T) {
	for _, s := range []string{fastWalkSeeds[0], `{"domain":"a.defiwallet","sandbox":false,"SANDBOX":true}`, `{"a":1,"a":2}`} {
		if _, ok := walkMembers(&fastTokens{b: []byte(s)}, &createRequest{}); !ok {
			t.Errorf("%s went to encoding/json", s)
		}
	}
	if _, ok := walkMembers(&fastTokens{b: []byte(`{"sand\u0062ox":true}`)}, &createRequest{}); ok {
		t.Error("an escaped member name was decided without encoding/json")
	}
}

func BenchmarkCheckMemberNames(b *testing.B) {
	body := []byte(fastWalkSeeds[0])
	b.ReportAllocs()
	for b.Loop() {
		if err := checkMemberNames(body, &createRequest{}); err != nil {
			b.Fatal(err)
		}
	}
}
