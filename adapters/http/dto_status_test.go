package httpadapter

import (
	"encoding/json"
	"testing"
)

// The JSON of a /status document is reused only while the service answers
// the very same map; another map, even one built the same way, is encoded
// afresh, and what is answered is always the document's own JSON.
func TestDocEncoderReusesOnlyTheSameMap(t *testing.T) {
	var e docEncoder
	asJSON := func(v any) string {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	first := map[string]any{"version": 1, "link": "<a href=\"/x\">&</a>", "list": []string{"a", "b"}}
	got := e.encode(first)
	if asJSON(got) != asJSON(first) {
		t.Fatalf("first encoding %s, want %s", asJSON(got), asJSON(first))
	}
	if _, ok := got.(json.RawMessage); !ok {
		t.Fatalf("encode answered %T, want the encoded document", got)
	}
	again := e.encode(first)
	if string(again.(json.RawMessage)) != string(got.(json.RawMessage)) {
		t.Errorf("the same map again: %s, want %s", again, got)
	}
	if last := e.last.Load(); last == nil || !sameMap(last.doc, first) {
		t.Fatalf("the encoding of the first map is not kept")
	}

	second := map[string]any{"version": 2}
	if s := asJSON(e.encode(second)); s != `{"version":2}` {
		t.Errorf("another map: %s, want its own JSON", s)
	}
	if last := e.last.Load(); !sameMap(last.doc, second) {
		t.Errorf("the kept encoding is not the last map's")
	}
	if s := asJSON(e.encode(nil)); s != `{}` {
		t.Errorf("nil: %s, want {}", s)
	}
}
