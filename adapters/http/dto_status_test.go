package httpadapter

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// The JSON of a /status document is reused only while the service answers
// the very same map; another map, even one built the same way, is encoded
// afresh, and what is answered is always the document's own JSON.
func TestDocEncoderReusesOnlyTheSameMap(t *testing.T) {
	var e docEncoder
	encode := func(doc map[string]any) string {
		t.Helper()
		raw, err := e.encode(doc)
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	first := map[string]any{"version": 1, "link": `<a href="/x">&</a>`, "list": []string{"a", "b"}}
	want := `{"link":"<a href=\"/x\">&</a>","list":["a","b"],"version":1}`
	if got := encode(first); got != want {
		t.Fatalf("first encoding %s, want %s", got, want)
	}
	if last := e.last.Load(); last == nil || !sameMap(last.doc, first) {
		t.Fatalf("the encoding of the first map is not kept")
	}
	if got := encode(first); got != want {
		t.Errorf("the same map again: %s, want %s", got, want)
	}

	second := map[string]any{"version": 2}
	if got := encode(second); got != `{"version":2}` {
		t.Errorf("another map: %s, want its own JSON", got)
	}
	if last := e.last.Load(); !sameMap(last.doc, second) {
		t.Errorf("the kept encoding is not the last map's")
	}
	if got := encode(nil); got != `{}` {
		t.Errorf("nil: %s, want {}", got)
	}
}

// writeStatus answers one JSON object: every member of the response and the
// two contracts, as if the whole had been encoded at once.
func TestWriteStatusSplicesTheContracts(t *testing.T) {
	g := "2026-01-01T00:00:00Z"
	resp := statusResponse{Docs: map[string]string{"openapi": "/openapi.json"}, GeneratedAt: &g}
	rec := httptest.NewRecorder()
	if err := writeStatus(rec, resp, json.RawMessage(`{"a":[1,2]}`), json.RawMessage(`{"status":"implemented"}`)); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("answer %d %v", rec.Code, rec.Header())
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, rec.Body.String())
	}
	head, err := encodeJSON(resp)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal(head, &want); err != nil {
		t.Fatal(err)
	}
	want["registry_service_contract"] = map[string]any{"a": []any{1.0, 2.0}}
	want["epp_gateway_contract"] = map[string]any{"status": "implemented"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}
