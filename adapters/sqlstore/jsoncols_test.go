package sqlstore

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

// jsonColumnSeeds are texts this package writes and texts it never writes
// (escapes, nulls, other cases, numbers), for the fuzz targets below.
var jsonColumnSeeds = []string{
	`[]`, `["ns1.example.net", "ns2.example.net"]`, `["clientHold"]`, ` [ "a" , "b" ] `, `["a\"b"]`, `["é"]`,
	`[null]`, `null`, `["a",]`, `["a"] x`, `{"name": "N", "email": "e@example.com", "phone": "+1.5", "country": "US",
	"metadata": {"customer": "c0"}, "organization": "O"}`, `{"Name": "n"}`, `{"name": null}`, `{"metadata": {}}`,
	`{"metadata": {"a": "1"}, "metadata": {"b": "2"}}`, `{"name": "a", "name": "b"}`, `{"extra": 1}`,
	`[{"status": "addPeriod", "ends_at": "2026-12-11T06:00:00.123456Z", "partner_id": "ptr_1", "channel_id": "chn_1", "gems": 500}]`,
	`[{"status": "renewPeriod", "ends_at": "2026-12-11T06:00:00Z", "partner_id": "p", "channel_id": "c", "gems": -0, "years": 2}]`,
	`[{"gems": 1.5}]`, `[{"gems": 1e3}]`, `[{"gems": 01}]`, `[{"ends_at": "2026-12-11T06:00:00+02:00"}]`,
	`[{"years": 99999999999999999999}]`, `[{"ends_at": "2026-13-11T06:00:00Z"}]`,
}

// sameAsEncodingJSON fails when a fast path answered a text differently
// from encoding/json (or answered one that encoding/json refuses).
func sameAsEncodingJSON[T any](t *testing.T, s string, fast func(string) (T, bool)) {
	got, ok := fast(s)
	if !ok {
		return // encoding/json decides
	}
	var want T
	if err := json.Unmarshal([]byte(s), &want); err != nil {
		t.Fatalf("the fast path read %q as %#v; encoding/json refuses it: %v", s, got, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the fast path read %q as %#v; encoding/json as %#v", s, got, want)
	}
}

func FuzzJSONColumns(f *testing.F) {
	for _, s := range jsonColumnSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sameAsEncodingJSON(t, s, fastStrings)
		sameAsEncodingJSON(t, s, fastRegistrant)
		sameAsEncodingJSON(t, s, fastGrace)
	})
}

// What the store writes takes the fast path: a test that the fallback is
// not all that ever runs.
func TestJSONColumnsWrittenTakeTheFastPath(t *testing.T) {
	reg, err := json.Marshal(registrantJSON{Name: "Ada", Email: "ada@example.com", Country: "GB", Metadata: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	grace, err := json.Marshal(graceToJSON([]core.GracePeriod{{Status: "addPeriod", EndsAt: time.Date(2026, 12, 11, 6, 0, 0, 123456000, time.UTC),
		PartnerID: "ptr_1", ChannelID: "chn_1", Gems: 500, Years: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := fastRegistrant(string(reg)); !ok || v.Name != "Ada" || v.Metadata["k"] != "v" {
		t.Errorf("registrant %s: %+v, %v", reg, v, ok)
	}
	if v, ok := fastGrace(string(grace)); !ok || len(v) != 1 || v[0].Gems != 500 || v[0].Years != 1 {
		t.Errorf("grace %s: %+v, %v", grace, v, ok)
	}
	if v, ok := fastStrings(`["ns1.example.net", "ns2.example.net"]`); !ok || len(v) != 2 {
		t.Errorf("nameservers: %v, %v", v, ok)
	}
	// PostgreSQL's jsonb text puts a space after each separator.
	if _, ok := fastRegistrant(`{"name": "N", "metadata": {"customer": "c0"}}`); !ok {
		t.Error("jsonb's spacing left the fast path")
	}
}

// BenchmarkDomainRowCore turns a registration row as PostgreSQL answers it
// (jsonb's spacing) into a core.Domain.
func BenchmarkDomainRowCore(b *testing.B) {
	grace := `[{"gems": 500, "status": "addPeriod", "ends_at": "2026-12-11T06:00:00.123456Z", "channel_id": "chn_1", "partner_id": "ptr_1"}]`
	row := domainRow{ID: "dom_1", Name: "s0.benchns", Label: "s0", Namespace: "benchns", ChannelID: "chn_1", PartnerID: "ptr_1",
		State: "active", Statuses: `[]`, Registrant: `{"name": "Registrant 0", "email": "holder0@bench.example", "phone": "+1.5555550000", "country": "US", "metadata": {"customer": "c0"}, "organization": "Bench Holdings"}`,
		NameserversDesired: `["ns1.bench-dns.example", "ns2.bench-dns.example"]`, NameserversApplied: `["ns1.bench-dns.example", "ns2.bench-dns.example"]`,
		Grace: &grace, CreatedAt: ts(time.Now()), UpdatedAt: ts(time.Now()), ExpiresAt: ts(time.Now())}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := row.core(); err != nil {
			b.Fatal(err)
		}
	}
}
