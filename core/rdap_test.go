package core

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestRDAPStatusMapping checks the RFC 8056 section 2 table, one row at a
// time, and that every status the registry knows maps through the table
// rather than the fallback.
func TestRDAPStatusMapping(t *testing.T) {
	rfc8056 := map[string]string{
		"addPeriod": "add period", "autoRenewPeriod": "auto renew period",
		"clientDeleteProhibited": "client delete prohibited", "clientHold": "client hold",
		"clientRenewProhibited": "client renew prohibited", "clientTransferProhibited": "client transfer prohibited",
		"clientUpdateProhibited": "client update prohibited", "inactive": "inactive", "linked": "associated",
		"ok": "active", "pendingCreate": "pending create", "pendingDelete": "pending delete",
		"pendingRenew": "pending renew", "pendingRestore": "pending restore", "pendingTransfer": "pending transfer",
		"pendingUpdate": "pending update", "redemptionPeriod": "redemption period", "renewPeriod": "renew period",
		"serverDeleteProhibited": "server delete prohibited", "serverRenewProhibited": "server renew prohibited",
		"serverTransferProhibited": "server transfer prohibited", "serverUpdateProhibited": "server update prohibited",
		"serverHold": "server hold", "transferPeriod": "transfer period",
	}
	for epp, want := range rfc8056 {
		if got := RDAPStatus(epp); got != want {
			t.Errorf("RDAPStatus(%s) = %q, want %q", epp, got, want)
		}
	}
	for _, s := range AllStatuses {
		if _, ok := rdapStatus[s]; !ok {
			t.Errorf("status %s has no RFC 8056 row", s)
		}
	}
	if got := RDAPStatus("someFutureStatus"); got != "some future status" {
		t.Errorf("fallback: %q", got)
	}
	got := RDAPStatuses([]string{"redemptionPeriod", "pendingDelete", "pendingDelete"})
	if want := []string{"pending delete", "redemption period"}; !reflect.DeepEqual(got, want) {
		t.Errorf("RDAPStatuses = %v, want %v", got, want)
	}
}

// TestRDAPDomainOfPublishesOnlyTheCountry builds the public view of a
// registration with every registrant field set and finds none of them but
// the country anywhere in it.
func TestRDAPDomainOfPublishesOnlyTheCountry(t *testing.T) {
	created := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	d := &Domain{ID: "dom_1", Name: MustName("alice.defiwallet"), ChannelID: "ch_1", State: StateActive,
		Registrant: Registrant{Name: "Alice Secret", Organization: "Secret Org", Email: "alice@secret.example",
			Phone: "+1.5555550199", Country: "de", Metadata: map[string]string{"k": "hidden-meta"}},
		NameserversApplied: []string{"ns2.example.net", "ns1.example.net"}, NameserversDesired: []string{"ns9.example.net"},
		CreatedAt: created, UpdatedAt: created, ExpiresAt: created.AddDate(2, 0, 0)}
	now := created.AddDate(1, 0, 0)
	v := RDAPDomainOf(d, Channel{Slug: "acme", Status: ChannelApproved}, Partner{Name: "Acme Inc"}, now)
	dump := strings.ToLower(fmt.Sprintf("%+v", v))
	for _, secret := range []string{"alice secret", "secret org", "alice@secret.example", "5555550199", "hidden-meta", "ns9"} {
		if strings.Contains(dump, secret) {
			t.Errorf("the public view carries %q: %s", secret, dump)
		}
	}
	if v.RegistrantCountry != "DE" || v.Handle != "dom_1-HD" || v.Registrar.Handle != "acme" || v.Registrar.Name != "Acme Inc" {
		t.Errorf("view: %+v", v)
	}
	if v.LastChangedAt != nil {
		t.Errorf("an unchanged registration has a last changed event: %v", v.LastChangedAt)
	}
	if !reflect.DeepEqual(v.Nameservers, []string{"ns1.example.net", "ns2.example.net"}) {
		t.Errorf("nameservers: %v", v.Nameservers)
	}
	if !reflect.DeepEqual(v.Statuses, []string{"active"}) {
		t.Errorf("statuses: %v", v.Statuses)
	}

	d.UpdatedAt = created.Add(time.Hour)
	deleted := now
	d.State, d.DeletedAt = StateRedemption, &deleted
	v = RDAPDomainOf(d, Channel{Slug: "acme", Status: ChannelApproved}, Partner{Name: "Acme Inc"}, now.Add(time.Hour))
	if v.LastChangedAt == nil || !v.LastChangedAt.Equal(d.UpdatedAt) {
		t.Errorf("last changed: %v", v.LastChangedAt)
	}
	if len(v.Nameservers) != 0 {
		t.Errorf("a withdrawn delegation is published: %v", v.Nameservers)
	}
	if !reflect.DeepEqual(v.Statuses, []string{"pending delete", "redemption period"}) {
		t.Errorf("statuses in redemption: %v", v.Statuses)
	}
}

func TestNormalizeLookupName(t *testing.T) {
	for in, want := range map[string]string{
		"Alice.DefiWallet": "alice.defiwallet", "alice.defiwallet.": "alice.defiwallet",
		"MÜNCHEN.defiwallet": "xn--mnchen-3ya.defiwallet", "XN--MNCHEN-3YA.defiwallet": "xn--mnchen-3ya.defiwallet",
		"www.Example.co.uk": "www.example.co.uk", "defiwallet": "defiwallet",
	} {
		got, err := NormalizeLookupName(in)
		if err != nil || got != want {
			t.Errorf("NormalizeLookupName(%q) = %q, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", ".", "a..b", "-bad.defiwallet", "bad_name.defiwallet", "xn--zz.defiwallet", strings.Repeat("a.", 130) + "x"} {
		if _, err := NormalizeLookupName(in); CodeOf(err) != CodeValidation {
			t.Errorf("NormalizeLookupName(%q) = %v, want validation_error", in, err)
		}
	}
	if got := UnicodeOf("xn--mnchen-3ya.defiwallet"); got != "münchen.defiwallet" {
		t.Errorf("UnicodeOf: %q", got)
	}
}

// TestRDAPDomainOfNamesTheTransfer: a transferred registration carries the
// time of its latest transfer (RDAP event "transfer"); one never transferred
// carries none.
func TestRDAPDomainOfNamesTheTransfer(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	d := &Domain{ID: "dom_1", Name: MustName("alice.defiwallet"), State: StateActive, CreatedAt: now.Add(-time.Hour),
		UpdatedAt: now.Add(-time.Hour), ExpiresAt: now.AddDate(1, 0, 0)}
	if v := RDAPDomainOf(d, Channel{Slug: "a"}, Partner{}, now); v.TransferredAt != nil {
		t.Fatalf("never transferred, yet %v", v.TransferredAt)
	}
	at := now.Add(-time.Minute)
	d.TransferredAt = &at
	if v := RDAPDomainOf(d, Channel{Slug: "b"}, Partner{}, now); v.TransferredAt == nil || !v.TransferredAt.Equal(at) {
		t.Fatalf("transferred at %s, view %v", at, v.TransferredAt)
	}
}
