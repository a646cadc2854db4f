package httpadapter

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

// writePoll answers the bytes writeJSON answers for pollResponseOf(page),
// whatever the summaries hold: decoded JSON, values encoding/json escapes
// or writes in exponent form, and Go values that only encoding/json knows.
func TestWritePollMatchesWriteJSON(t *testing.T) {
	var decoded map[string]any
	if err := json.Unmarshal([]byte(`{"domain":"a.wallet","years":2,"n":[1,-0.5,1e21,1e-7,123456789012,0.000001,null,true],
		"registrant":{"name":"<A & B> \"Ö\"\u2028\t","country":"DE","meta":{}},"z":[],"e":{"x":[{"y":null}]}}`), &decoded); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 6, 4, 5, 6, 789000, time.UTC)
	pages := []core.PollPage{
		{Events: []core.AuditEvent{}},
		{},
		{Events: []core.AuditEvent{
			{ID: "aud_1", ChannelID: "chn_1", ChannelSlug: "ex", Actor: "registrar", Command: "create_domain", Domain: "a.wallet",
				IdempotencyKey: "k-1", Status: "success", HTTPStatus: 201, RequestSummary: decoded,
				ResponseSummary: map[string]any{"expires_at": "2027-01-01T00:00:00Z", "gems": float64(-12)}, CreatedAt: at},
			{ID: "aud_2", Actor: "registry", Command: "auto_renew_domain", Status: "failed", HTTPStatus: 409, CreatedAt: at.Add(time.Second)},
			{ID: "aud_3", ChannelID: "chn_1", Actor: "registrar", Command: "x", Status: "sandbox", HTTPStatus: 200, CreatedAt: at,
				RequestSummary: map[string]any{"ints": []int{1, 2}, "strs": map[string]string{"b": "<", "a": "\x01"}, "nilmap": map[string]any(nil),
					"nilslice": []any(nil), "bad utf8": "\xff", "big": math.MaxFloat64, "tiny": math.SmallestNonzeroFloat64, "neg0": math.Copysign(0, -1)}},
		}, NextCursor: "aud_3"},
	}
	for i, p := range pages {
		want := httptest.NewRecorder()
		writeJSON(want, http.StatusOK, pollResponseOf(p))
		got := httptest.NewRecorder()
		writePoll(got, p)
		if got.Body.String() != want.Body.String() {
			t.Fatalf("page %d:\ngot  %s\nwant %s", i, got.Body, want.Body)
		}
		for _, h := range []string{"Content-Type", "Cache-Control"} {
			if got.Header().Get(h) != want.Header().Get(h) {
				t.Errorf("page %d: %s %q, want %q", i, h, got.Header().Get(h), want.Header().Get(h))
			}
		}
		if got.Code != want.Code || got.Header().Get("Content-Length") != strconv.Itoa(got.Body.Len()) {
			t.Errorf("page %d: status %d, Content-Length %q", i, got.Code, got.Header().Get("Content-Length"))
		}
	}

	// Summaries the store answered as JSON (in encoding/json's form) go out
	// as they are: the bytes of the maps they encode.
	maps := core.PollPage{Events: []core.AuditEvent{pages[2].Events[0], pages[2].Events[1]}, NextCursor: "aud_2"}
	encoded := core.PollPage{Events: make([]core.AuditEvent, len(maps.Events)), NextCursor: maps.NextCursor}
	for i, e := range maps.Events {
		req, err := encodeJSON(nonNilMap(e.RequestSummary))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := encodeJSON(nonNilMap(e.ResponseSummary))
		if err != nil {
			t.Fatal(err)
		}
		e.RequestSummary, e.ResponseSummary, e.RequestSummaryJSON, e.ResponseSummaryJSON = nil, nil, req, resp
		encoded.Events[i] = e
	}
	fromMaps, fromJSON, got2 := httptest.NewRecorder(), httptest.NewRecorder(), httptest.NewRecorder()
	writeJSON(fromMaps, http.StatusOK, pollResponseOf(maps))
	writeJSON(fromJSON, http.StatusOK, pollResponseOf(encoded))
	writePoll(got2, encoded)
	if got2.Body.String() != fromMaps.Body.String() || fromJSON.Body.String() != fromMaps.Body.String() {
		t.Fatalf("encoded summaries:\ngot       %s\nwriteJSON %s\nfrom maps %s", got2.Body, fromJSON.Body, fromMaps.Body)
	}

	// A value encoding/json refuses: no body, as writeJSON.
	bad := core.PollPage{Events: []core.AuditEvent{{ID: "aud_4", RequestSummary: map[string]any{"nan": math.NaN()}}}}
	want, got := httptest.NewRecorder(), httptest.NewRecorder()
	writeJSON(want, http.StatusOK, pollResponseOf(bad))
	writePoll(got, bad)
	if got.Body.String() != want.Body.String() || got.Code != want.Code {
		t.Errorf("unencodable value: %d %q, writeJSON %d %q", got.Code, got.Body, want.Code, want.Body)
	}
}

// Any JSON object decoded as the store decodes summaries encodes as
// encoding/json encodes it.
func FuzzAppendMapMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":[1.5e300,-2e-9,"x\u0000y"],"c":{"d":null,"e":false}}`, `{"é":"\ud800","<":">"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) != nil {
			return
		}
		want, err := encodeJSON(m)
		if err != nil {
			t.Skip()
		}
		ok := true
		if got := appendMap(nil, m, &ok); !ok || string(got) != string(want) {
			t.Fatalf("%q:\ngot  %s\nwant %s", s, got, want)
		}
	})
}

func BenchmarkPollAnswer(b *testing.B) {
	var req, resp map[string]any
	_ = json.Unmarshal([]byte(`{"domain": "s0000001234.benchns", "years": 1, "registrant": {"name": "Bench Registrant", "country": "DE", "organization": ""}, "nameservers": ["ns1.example.net", "ns2.example.net"], "claim_acknowledgement": false}`), &req)
	_ = json.Unmarshal([]byte(`{"domain": "s0000001234.benchns", "expires_at": "2027-12-06T04:05:06Z", "gems_debited": 8, "balance_after": 123456}`), &resp)
	page := core.PollPage{NextCursor: "aud_x"}
	for i := range 50 {
		page.Events = append(page.Events, core.AuditEvent{ID: "aud_" + strconv.Itoa(i), ChannelID: "chn_1", ChannelSlug: "bench", Actor: "registrar",
			Command: "create_domain", Domain: "s0000001234.benchns", IdempotencyKey: "k" + strconv.Itoa(i), Status: "success", HTTPStatus: 201,
			RequestSummary: req, ResponseSummary: resp, CreatedAt: time.Now()})
	}
	b.Run("writeJSON", func(b *testing.B) {
		for b.Loop() {
			writeJSON(httptest.NewRecorder(), http.StatusOK, pollResponseOf(page))
		}
	})
	b.Run("writePoll", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			writePoll(httptest.NewRecorder(), page)
		}
	})
	// The summaries as the PostgreSQL store answers them: JSON.
	encoded := core.PollPage{NextCursor: page.NextCursor, Events: make([]core.AuditEvent, len(page.Events))}
	for i, e := range page.Events {
		req, _ := encodeJSON(e.RequestSummary)
		resp, _ := encodeJSON(e.ResponseSummary)
		e.RequestSummary, e.ResponseSummary, e.RequestSummaryJSON, e.ResponseSummaryJSON = nil, nil, req, resp
		encoded.Events[i] = e
	}
	b.Run("writePoll encoded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			writePoll(httptest.NewRecorder(), encoded)
		}
	})
}
