package core

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sampleOutcomes are outcomes of domain commands as the registry stores them.
func sampleOutcomes() []Outcome {
	now := time.Date(2026, 12, 6, 12, 34, 56, 789012000, time.UTC)
	later := now.AddDate(1, 0, 0)
	plain := DomainView{
		ID: "dom_01m95mjxd701jvmy7jwrq2dx6m", Name: "abcdefgh.bench", UnicodeName: "abcdefgh.bench", Label: "abcdefgh",
		Namespace: "bench", State: StateActive, Statuses: []string{}, ChannelID: "chn_01m95mjxd701jvmy7jwrq2dx6m",
		CreatedAt: now, UpdatedAt: now, ExpiresAt: later,
		Registrant:         Registrant{Name: "Jane Doe", Email: "jane@example.com", Country: "US"},
		NameserversDesired: []string{}, NameserversApplied: []string{},
	}
	full := plain
	full.Name, full.UnicodeName, full.Label = "xn--bcher-kva.bench", "bücher.bench", "xn--bcher-kva"
	full.Statuses = []string{"clientTransferProhibited", "serverHold"}
	full.Registrant = Registrant{Name: "Zoë Ångström", Organization: "Bücher GmbH", Email: "z@example.de", Phone: "+49.301234567",
		Country: "DE", Metadata: map[string]string{"vat": "DE123", "tier": "gold"}}
	full.NameserversDesired, full.NameserversApplied = []string{"ns1.example.net", "ns2.example.net"}, []string{"ns1.example.net"}
	full.ApplyStatus, full.BackendKind, full.BackendReference = "pending", "rfc2136", "ref-1"
	full.ProtectedLegacy, full.OTESandbox, full.Imported, full.AuthCodeSet = true, true, true, true
	full.RegistrantContactID, full.ChannelSlug = "con_1", "acme"
	full.AuthCodeExpiresAt, full.TransferredAt = &later, &now
	nilSlices := plain
	nilSlices.Statuses, nilSlices.NameserversDesired, nilSlices.NameserversApplied = nil, nil, nil
	return []Outcome{
		{Command: CmdCreateDomain, Status: AuditSuccess, IdempotencyKey: "bench-create-1", AuditID: "aud_1", Domain: &plain, DebitedGems: 100},
		{Command: CmdRenewDomain, Status: AuditSandbox, Sandbox: true, Idempotent: true, IdempotencyKey: "k", AuditID: "aud_2",
			Domain: &full, DebitedGems: 1<<63 - 1, RefundedGems: -1 << 63, PendingID: "pnd_1"},
		{Command: CmdDeleteDomain, Status: AuditSuccess, IdempotencyKey: "k2", Freed: true, RefundedGems: 80, Domain: &nilSlices},
		{Command: CmdDeleteDomain, Status: AuditSuccess, IdempotencyKey: "k3"},
	}
}

func TestDecodeOutcomeReadsWhatMarshalWritesByHand(t *testing.T) {
	for i, o := range sampleOutcomes() {
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := decodeOutcomeFast(b)
		if !ok {
			t.Errorf("outcome %d went to encoding/json: %s", i, b)
			continue
		}
		if !reflect.DeepEqual(got, o) {
			t.Errorf("outcome %d:\n got %+v\nwant %+v", i, got, o)
		}
	}
}

func TestDecodeOutcomeLeavesOtherShapesToEncodingJSON(t *testing.T) {
	o := sampleOutcomes()[0]
	d := *o.Domain
	d.Registrant.Name = "Smith & Sons <ltd>" // json.Marshal escapes & < > as \u0026 ...
	o.Domain = &d
	escaped, _ := json.Marshal(o)
	contact, _ := json.Marshal(Outcome{Command: "create_contact", Contact: &ContactView{ID: "con_1"}})
	records, _ := json.Marshal(Outcome{Command: "set_records", Records: []Record{{Type: "TXT", Name: "@", Value: "v"}}})
	lower := []byte(strings.Replace(string(escaped), `"Command"`, `"command"`, 1))
	for _, b := range [][]byte{escaped, contact, records, lower, []byte(`null`), []byte(`{"DebitedGems": 1e2}`)} {
		if _, ok := decodeOutcomeFast(b); ok {
			t.Errorf("read by hand, want encoding/json: %s", b)
		}
		var want Outcome
		wantErr := json.Unmarshal(b, &want)
		got, err := DecodeOutcome(b)
		if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("DecodeOutcome(%s) = %+v, %v; encoding/json %+v, %v", b, got, err, want, wantErr)
		}
	}
}

// FuzzDecodeOutcome: whatever the bytes, DecodeOutcome answers what
// json.Unmarshal answers, and when it reads by hand encoding/json agrees.
func FuzzDecodeOutcome(f *testing.F) {
	for _, o := range sampleOutcomes() {
		b, _ := json.Marshal(o)
		f.Add(b)
	}
	f.Add([]byte(`{"Domain":{"Registrant":null,"Statuses":["a" , "b"]} , "Domain":{"ID":"x"}}`))
	f.Add([]byte(`{"Domain":{"Registrant":{"Metadata":{"a":"b","a":"c"}}},"RefundedGems":-0}`))
	f.Add([]byte(`{"Domain":{"CreatedAt":"2026-12-06T24:00:00Z"}}`))
	f.Add([]byte(" {\"Freed\":true,\"PendingID\":\"\xff\"}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var want Outcome
		wantErr := json.Unmarshal(b, &want)
		if fast, ok := decodeOutcomeFast(b); ok {
			if wantErr != nil {
				t.Fatalf("read by hand, but encoding/json refuses %q: %v", b, wantErr)
			}
			if !reflect.DeepEqual(fast, want) {
				t.Fatalf("%q:\n by hand %+v\nencoding/json %+v", b, fast, want)
			}
		}
		got, err := DecodeOutcome(b)
		if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeOutcome(%q) = %+v, %v; encoding/json %+v, %v", b, got, err, want, wantErr)
		}
	})
}

func BenchmarkDecodeOutcome(b *testing.B) {
	raw, _ := json.Marshal(sampleOutcomes()[0])
	b.Run("by hand", func(b *testing.B) {
		for b.Loop() {
			if _, err := DecodeOutcome(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			var o Outcome
			if err := json.Unmarshal(raw, &o); err != nil {
				b.Fatal(err)
			}
		}
	})
}
