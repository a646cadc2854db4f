package core

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

var payer = Payer{PartnerID: "prt_1", ChannelID: "ch_1"}

func newTestDomain() *Domain {
	d := &Domain{ID: "dom_1", Name: MustName("alice.defiwallet"), ChannelID: "ch_1", PartnerID: "prt_1", State: StateActive,
		CreatedAt: t0, UpdatedAt: t0, ExpiresAt: AddYears(t0, 1), CreatePaidGems: 10}
	d.Registered(t0, DefaultPolicy(), payer, 10)
	return d
}

func TestValidateYears(t *testing.T) {
	for years, want := range map[int]Code{0: CodeValidation, -1: CodeValidation, 1: "", 10: "", 11: CodeRegistrationPeriodExceeded} {
		if got := CodeOf(ValidateYears(years)); got != want {
			t.Errorf("ValidateYears(%d) = %q, want %q", years, got, want)
		}
	}
}

func TestValidateRegistrant(t *testing.T) {
	ok := Registrant{Name: "Alice", Email: "alice@example.com", Phone: "+1.5555551234", Country: "US"}
	if err := ValidateRegistrant(ok, true); err != nil {
		t.Fatal(err)
	}
	bad := map[string]Registrant{
		"no name":      {Email: "a@b.c"},
		"no email":     {Name: "A"},
		"bad email":    {Name: "A", Email: "nope"},
		"bad phone":    {Name: "A", Email: "a@b.c", Phone: "555-1234"},
		"bad country":  {Name: "A", Email: "a@b.c", Country: "USA"},
		"long name":    {Name: string(make([]byte, 300)), Email: "a@b.c"},
		"metadata key": {Name: "A", Email: "a@b.c", Metadata: map[string]string{"": "x"}},
	}
	for name, r := range bad {
		if CodeOf(ValidateRegistrant(r, true)) != CodeValidation {
			t.Errorf("%s accepted", name)
		}
	}
	for _, p := range []string{"+1.5555551234", "+15555551234", "+44.2071234567x12"} {
		if !validPhone(p) {
			t.Errorf("phone %q refused", p)
		}
	}
}

func TestExpiryMatches(t *testing.T) {
	actual := time.Date(2027, 3, 4, 5, 6, 7, 123456000, time.UTC)
	for _, c := range []struct {
		given time.Time
		want  bool
	}{
		{actual, true},
		{actual.Truncate(time.Second), true},
		{time.Date(2027, 3, 4, 0, 0, 0, 0, time.UTC), true},
		{actual.In(time.FixedZone("x", 3600)), true},
		{time.Date(2027, 3, 5, 0, 0, 0, 0, time.UTC), false},
		{actual.Add(time.Second), false},
		{time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), false},
	} {
		if got := ExpiryMatches(c.given, actual); got != c.want {
			t.Errorf("ExpiryMatches(%v) = %v, want %v", c.given, got, c.want)
		}
	}
}
