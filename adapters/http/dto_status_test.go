package httpadapter

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
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

// appendStatus writes the bytes that encoding the whole statusResponse would
// give (writeJSON's encoding, with the two contracts spliced in last), for a
// key without a channel and for approved keys with and without approval,
// missing scopes, a rate decision and text that JSON must escape.
func TestAppendStatusMatchesTheEncodedResponse(t *testing.T) {
	approvedAt := time.Date(2026, 3, 4, 5, 6, 7, 800, time.UTC)
	ns := core.Namespace{Name: "wallet", DNSBackend: "knot", CreatePriceGems: 10, RenewPriceGems: 8}
	approved := core.Actor{
		APIKey:  core.APIKey{ID: "key_1", TokenPrefix: "rk_live_ab", Profile: "registrar_api"},
		Partner: core.Partner{ID: "ptn_1", Name: "Ex <ample> & \"Söhne\"\u2028", GemsBalance: 1234, DNSModuleEnabled: true},
		Channel: &core.Channel{ID: "chn_1", Slug: "ex-ample", Status: core.ChannelApproved, ProductionApproved: true,
			ProductionApprovedAt: &approvedAt, RateLimitPerMinute: 600},
		Scopes: []string{"domains:read", "domains:write"},
		Listings: []core.Listing{{Namespace: "wallet", Status: core.ListingApproved},
			{Namespace: "other", Status: "pending"}},
	}
	sandboxOnly := approved
	ch := *approved.Channel
	ch.ProductionApproved, ch.ProductionApprovedAt = false, nil
	sandboxOnly.Channel = &ch
	sandboxOnly.Scopes = []string{"status:read"}
	unbound := core.Actor{APIKey: core.APIKey{ID: "key_2", TokenPrefix: "rk_x"}, Partner: core.Partner{ID: "ptn_2", Name: "p"}}
	rate := &core.RateDecision{Allowed: true, Limit: 600, Remaining: 17, Reset: approvedAt.Add(time.Minute), Window: time.Minute}

	s := NewServer(nil, nil, zerolog.Nop(), Options{})
	ote := core.OTESequence()
	contract, epp := json.RawMessage(`{"a":[1,2],"b":"<&>"}`), json.RawMessage(`{"status":"implemented"}`)
	for _, c := range []struct {
		name string
		rep  core.StatusReport
	}{
		{"approved", core.StatusReport{Actor: approved, RateLimitPerMinute: 600, Rate: rate, Namespaces: []core.Namespace{ns},
			Commands: registry.CapabilityMatrix(approved, []core.Namespace{ns}), OTESequence: ote, GeneratedAt: approvedAt}},
		{"sandbox only, scopes missing", core.StatusReport{Actor: sandboxOnly, RateLimitPerMinute: 600, Rate: rate,
			Commands: registry.CapabilityMatrix(sandboxOnly, nil), OTESequence: ote, GeneratedAt: approvedAt}},
		{"no channel", core.StatusReport{Actor: unbound, Commands: registry.CapabilityMatrix(unbound, nil), OTESequence: ote}},
	} {
		for range 2 { // the second answer comes from the kept encodings
			got, err := s.appendStatus(nil, c.rep, contract, epp)
			if err != nil {
				t.Fatal(err)
			}
			head, err := encodeJSON(statusResponseOf(c.rep, docLinks()))
			if err != nil {
				t.Fatal(err)
			}
			want := string(head[:len(head)-1]) + `,"registry_service_contract":` + string(contract) +
				`,"epp_gateway_contract":` + string(epp) + "}\n"
			if string(got) != want {
				t.Fatalf("%s:\ngot  %s\nwant %s", c.name, got, want)
			}
		}
	}
}

// The answer carries its length and writeJSON's headers.
func TestWriteStatusReportHeaders(t *testing.T) {
	s := NewServer(nil, nil, zerolog.Nop(), Options{})
	rec := httptest.NewRecorder()
	rep := core.StatusReport{Commands: registry.CapabilityMatrix(core.Actor{}, nil), OTESequence: core.OTESequence()}
	if err := s.writeStatusReport(rec, rep, json.RawMessage(`{}`), json.RawMessage(`{}`)); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Cache-Control") != "no-store" ||
		rec.Header().Get("Content-Length") != strconv.Itoa(rec.Body.Len()) {
		t.Fatalf("answer %d %v", rec.Code, rec.Header())
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("not one JSON object: %v", err)
	}
}
