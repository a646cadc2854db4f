package httpadapter

import (
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strconv"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

func jsonViews() []core.DomainView {
	at := time.Date(2026, 12, 7, 1, 2, 3, 456789000, time.UTC)
	exp := at.Add(72 * time.Hour)
	return []core.DomainView{
		{},
		{ID: "dom_1", Name: "alice.defiwallet", UnicodeName: "alice.defiwallet", Label: "alice", Namespace: "defiwallet",
			State: core.StateActive, Statuses: []string{"addPeriod", "clientHold"}, ChannelID: "chn_1",
			CreatedAt: at, UpdatedAt: at, ExpiresAt: at.AddDate(1, 0, 0),
			Registrant:  core.Registrant{Name: "Alice", Email: "alice@example.com", Phone: "+1.5555550000", Country: "US"},
			BackendKind: "memory", ApplyStatus: "none", AuthCodeSet: true, AuthCodeExpiresAt: &exp},
		{ID: "dom_2", Name: "xn--zo-mia.defiwallet", UnicodeName: "zoë.defiwallet", Label: "xn--zo-mia", Namespace: "defiwallet",
			State: core.StateRedemption, Statuses: []string{}, ChannelID: "chn_2", CreatedAt: at, UpdatedAt: at.Add(time.Second),
			ExpiresAt: at,
			Registrant: core.Registrant{Name: "<Zoë & \"Ünal\">\u2028\t\x01", Organization: "a\\b", Email: "z@example.com",
				Country: "DE", Metadata: map[string]string{"b": "2", "a": "<1>", "é": "\xff", "": "empty", "A": "upper"}},
			NameserversDesired: []string{"ns1.example.net", "ns2.example.net"}, NameserversApplied: []string{"ns1.example.net"},
			ApplyStatus: "pending", BackendKind: "rfc2136", BackendReference: "zone/x", ProtectedLegacy: true, OTESandbox: true},
	}
}

// writeDomain and writeMutation answer the bytes and headers writeJSON
// answers for the same DTO, whatever its strings hold.
func TestDomainAnswersMatchWriteJSON(t *testing.T) {
	compare := func(name string, want, got *httptest.ResponseRecorder) {
		t.Helper()
		if got.Body.String() != want.Body.String() {
			t.Fatalf("%s:\ngot  %s\nwant %s", name, got.Body, want.Body)
		}
		for _, h := range []string{"Content-Type", "Cache-Control", "Content-Length"} {
			if got.Header().Get(h) != want.Header().Get(h) {
				t.Errorf("%s: %s %q, want %q", name, h, got.Header().Get(h), want.Header().Get(h))
			}
		}
		if got.Code != want.Code {
			t.Errorf("%s: status %d, want %d", name, got.Code, want.Code)
		}
	}
	for i, v := range jsonViews() {
		d := domainOf(v)
		want, got := httptest.NewRecorder(), httptest.NewRecorder()
		writeJSON(want, http.StatusOK, d)
		writeDomain(got, http.StatusOK, &d)
		compare("domain "+strconv.Itoa(i), want, got)
		d.Registrant.Metadata, d.Statuses = nil, nil // nil where domainOf never leaves one
		want, got = httptest.NewRecorder(), httptest.NewRecorder()
		writeJSON(want, http.StatusOK, d)
		writeDomain(got, http.StatusOK, &d)
		compare("domain with nils "+strconv.Itoa(i), want, got)
	}

	views := jsonViews()
	outcomes := []core.Outcome{
		{Command: core.CmdCreateDomain, Status: "success", IdempotencyKey: "k-1", AuditID: "aud_1", Domain: &views[1], DebitedGems: 20},
		{Command: core.CmdCreateDomain, Status: "sandbox", Sandbox: true, Idempotent: true, IdempotencyKey: "k\"2", AuditID: "aud_2",
			Domain: &views[2], DebitedGems: 20, PendingID: "pnd_1"},
		{Command: core.CmdRenewDomain, Status: "success", IdempotencyKey: "k-3", AuditID: "aud_3", Domain: &views[0]},
		{Command: core.CmdDeleteDomain, Status: "success", IdempotencyKey: "k-4", AuditID: "aud_4", Freed: true, RefundedGems: 10},
		{Command: core.CmdDeleteDomain, Status: "success", IdempotencyKey: "k-5", AuditID: "aud_5"},
		{Command: core.CmdUpdateRecords, Status: "success", IdempotencyKey: "k-6", AuditID: "aud_6", Domain: &views[1]},
		{Command: core.CmdRequestTransfer, Status: "success", IdempotencyKey: "k-7", AuditID: "aud_7", DebitedGems: 5,
			Transfer: &core.TransferView{Domain: "alice.defiwallet", Status: "pending", RequestedAt: time.Unix(0, 0).UTC()}},
		{Command: core.CmdRejectTransfer, Status: "success", IdempotencyKey: "k-8", AuditID: "aud_8", RefundedGems: 5,
			Transfer: &core.TransferView{Domain: "alice.defiwallet", Status: "clientRejected"}},
	}
	for i, o := range outcomes {
		m := mutationResponseOf(o)
		want, got := httptest.NewRecorder(), httptest.NewRecorder()
		writeJSON(want, o.SuccessHTTPStatus(), m)
		writeMutation(got, o.SuccessHTTPStatus(), &m)
		if m.Records != nil || m.Transfer != nil {
			if got.Body.String() != want.Body.String() || got.Code != want.Code {
				t.Fatalf("outcome %d through writeJSON:\ngot  %s\nwant %s", i, got.Body, want.Body)
			}
			continue
		}
		compare("outcome "+strconv.Itoa(i), want, got)
	}
}

func BenchmarkDomainAnswer(b *testing.B) {
	d := domainOf(jsonViews()[1])
	b.Run("appendDomain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			writeDomain(httptest.NewRecorder(), http.StatusOK, &d)
		}
	})
	b.Run("writeJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			writeJSON(httptest.NewRecorder(), http.StatusOK, d)
		}
	})
}

// The header names set without Header.Set are in the form Header.Set would
// store them in.
func TestCanonicalHeaderNames(t *testing.T) {
	for spelled, canonical := range map[string]string{
		"X-RateLimit-Limit": hdrRateLimitLimit, "X-RateLimit-Remaining": hdrRateLimitRemaining,
		"X-RateLimit-Reset": hdrRateLimitReset, "RateLimit-Policy": hdrRateLimitPolicy, "RateLimit": hdrRateLimit,
		HeaderRequestID: hdrRequestID, "Content-Type": hdrContentType, "Cache-Control": hdrCacheControl,
	} {
		if got := textproto.CanonicalMIMEHeaderKey(spelled); got != canonical {
			t.Errorf("%s is stored as %q, not %q", spelled, got, canonical)
		}
	}
}
