package core

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newTestDomain() *Domain {
	return &Domain{ID: "dom_1", Name: MustName("alice.defiwallet"), ChannelID: "ch_1", State: StateActive,
		CreatedAt: t0, UpdatedAt: t0, ExpiresAt: AddYears(t0, 1), CreatePaidGems: 10}
}

func TestValidateYears(t *testing.T) {
	for years, want := range map[int]Code{0: CodeValidation, -1: CodeValidation, 1: "", 10: "", 11: CodeRegistrationPeriodExceeded} {
		if got := CodeOf(ValidateYears(years)); got != want {
			t.Errorf("ValidateYears(%d) = %q, want %q", years, got, want)
		}
	}
}

func TestEffectiveStateAndGraceStatuses(t *testing.T) {
	d := newTestDomain()
	if got := d.EffectiveStatuses(t0.Add(time.Hour)); !equalStrings(got, []string{StatusAddPeriod}) {
		t.Errorf("in add grace: %v", got)
	}
	if got := d.EffectiveStatuses(t0.Add(6 * 24 * time.Hour)); !equalStrings(got, []string{StatusOK}) {
		t.Errorf("after add grace: %v", got)
	}
	if d.EffectiveState(d.ExpiresAt) != StateExpired {
		t.Error("a registration at its expiry instant is expired")
	}
	if got := d.EffectiveStatuses(d.ExpiresAt.Add(time.Hour)); !equalStrings(got, []string{StatusAutoRenewPeriod}) {
		t.Errorf("expired: %v", got)
	}
	d.Imported = true
	if d.InAddGrace(t0.Add(time.Hour)) {
		t.Error("imported registrations have no add grace")
	}
}

func TestRenewRules(t *testing.T) {
	now := t0.Add(30 * 24 * time.Hour)
	cases := []struct {
		name    string
		mutate  func(d *Domain)
		years   int
		current time.Time
		want    Code
	}{
		{"ok", nil, 1, AddYears(t0, 1), ""},
		{"mismatch", nil, 1, AddYears(t0, 2), CodeCurrentExpiryMismatch},
		{"zero years", nil, 0, AddYears(t0, 1), CodeValidation},
		{"eleven years", nil, 11, AddYears(t0, 1), CodeRegistrationPeriodExceeded},
		{"beyond ten years", nil, 10, AddYears(t0, 1), CodeRegistrationPeriodExceeded},
		{"client renew prohibited", func(d *Domain) { d.Statuses = []string{StatusClientRenewProhibited} }, 1, AddYears(t0, 1), CodeStatusProhibitsOperation},
		{"server renew prohibited", func(d *Domain) { d.Statuses = []string{StatusServerRenewProhibited} }, 1, AddYears(t0, 1), CodeStatusProhibitsOperation},
		{"pending delete", func(d *Domain) { d.State = StatePendingDelete }, 1, AddYears(t0, 1), CodeStatusProhibitsOperation},
	}
	for _, c := range cases {
		d := newTestDomain()
		if c.mutate != nil {
			c.mutate(d)
		}
		next, err := d.CanRenew(c.years, c.current, now)
		if got := CodeOf(err); got != c.want {
			t.Errorf("%s: code %q, want %q", c.name, got, c.want)
		}
		if err == nil {
			if !next.Equal(AddYears(t0, 1+c.years)) {
				t.Errorf("%s: next expiry %v", c.name, next)
			}
			d.Renew(next, now)
			if !d.ExpiresAt.Equal(next) || !contains(d.EffectiveStatuses(now), StatusRenewPeriod) {
				t.Errorf("%s: renew not applied: %+v", c.name, d.EffectiveStatuses(now))
			}
		}
	}
}

func TestUpdateRules(t *testing.T) {
	now := t0.Add(time.Hour)
	cases := []struct {
		name     string
		statuses []string
		change   StatusChange
		want     Code
	}{
		{"add client hold", nil, StatusChange{Add: []string{StatusClientHold}}, ""},
		{"server status refused", nil, StatusChange{Add: []string{StatusServerHold}}, CodeStatusNotClientSettable},
		{"grace status refused", nil, StatusChange{Remove: []string{StatusAddPeriod}}, CodeStatusNotClientSettable},
		{"unknown status", nil, StatusChange{Add: []string{"bogus"}}, CodeValidation},
		{"update prohibited", []string{StatusClientUpdateProhibited}, StatusChange{Add: []string{StatusClientHold}}, CodeStatusProhibitsOperation},
		{"removing the prohibition", []string{StatusClientUpdateProhibited}, StatusChange{Remove: []string{StatusClientUpdateProhibited}}, ""},
		{"server update prohibited", []string{StatusServerUpdateProhibited}, StatusChange{Add: []string{StatusClientHold}}, CodeStatusProhibitsOperation},
	}
	for _, c := range cases {
		d := newTestDomain()
		d.Statuses = c.statuses
		if got := CodeOf(d.CanUpdate(c.change, now)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	d := newTestDomain()
	d.ApplyStatusChange(StatusChange{Add: []string{StatusClientHold, StatusClientDeleteProhibited}}, now)
	d.ApplyStatusChange(StatusChange{Remove: []string{StatusClientHold}}, now)
	if !equalStrings(d.Statuses, []string{StatusClientDeleteProhibited}) {
		t.Errorf("statuses after change: %v", d.Statuses)
	}
}

func TestNameserverRulesAndApply(t *testing.T) {
	now := t0.Add(time.Hour)
	d := newTestDomain()
	d.Statuses = []string{StatusClientUpdateProhibited}
	if CodeOf(d.CanChangeNameservers(now)) != CodeStatusProhibitsOperation {
		t.Error("clientUpdateProhibited must refuse nameserver changes")
	}
	d.Statuses = nil
	d.SetDesiredNameservers([]string{"ns1.example.com"}, now)
	if d.ApplyStatus != ApplyPending {
		t.Errorf("apply status %s", d.ApplyStatus)
	}
	d.MarkApplied([]string{"ns1.example.com"}, now)
	if d.ApplyStatus != ApplyApplied {
		t.Errorf("apply status %s", d.ApplyStatus)
	}
	if _, err := NormalizeNameservers(make([]string, 14)); CodeOf(err) != CodeValidation {
		t.Error("14 nameservers must be refused")
	}
	got, err := NormalizeNameservers([]string{"NS2.example.com", "ns1.example.com.", "ns2.example.com"})
	if err != nil || !equalStrings(got, []string{"ns1.example.com", "ns2.example.com"}) {
		t.Errorf("normalize: %v %v", got, err)
	}
}

func TestDeleteRules(t *testing.T) {
	d := newTestDomain()
	eff := d.Delete(t0.Add(time.Hour))
	if !eff.Freed || eff.RefundedGems != 10 || d.State != StateCancelled {
		t.Errorf("delete in add grace: %+v %s", eff, d.State)
	}
	d = newTestDomain()
	eff = d.Delete(t0.Add(6 * 24 * time.Hour))
	if eff.Freed || eff.RefundedGems != 0 || d.State != StatePendingDelete {
		t.Errorf("delete after add grace: %+v %s", eff, d.State)
	}
	if got := d.EffectiveStatuses(t0.Add(7 * 24 * time.Hour)); !contains(got, StatusPendingDelete) || !contains(got, StatusRedemptionPeriod) {
		t.Errorf("pending delete statuses: %v", got)
	}
	if CodeOf(d.CanDelete(t0.Add(7*24*time.Hour))) != CodeStatusProhibitsOperation {
		t.Error("a pending-delete registration cannot be deleted again")
	}
	d = newTestDomain()
	d.ProtectedLegacy = true
	if CodeOf(d.CanDelete(t0)) != CodeProtectedLegacyNotDeletable {
		t.Error("protected legacy must refuse delete")
	}
	d = newTestDomain()
	d.Statuses = []string{StatusClientDeleteProhibited}
	if CodeOf(d.CanDelete(t0)) != CodeStatusProhibitsOperation {
		t.Error("clientDeleteProhibited must refuse delete")
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

func TestPurgeAfterRedemptionAndPendingDelete(t *testing.T) {
	d := newTestDomain()
	deleted := t0.Add(10 * 24 * time.Hour)
	d.Delete(deleted)
	if d.PurgeDue(deleted.Add(RedemptionPeriod)) {
		t.Fatal("purge due during pending delete")
	}
	if got := d.EffectiveStatuses(deleted.Add(RedemptionPeriod + time.Hour)); contains(got, StatusRedemptionPeriod) || !contains(got, StatusPendingDelete) {
		t.Fatalf("after redemption: %v", got)
	}
	at := deleted.Add(RedemptionPeriod + PendingDeletePeriod)
	if !d.PurgeDue(at) {
		t.Fatal("purge not due after 35 days")
	}
	d.Purge(at)
	if d.State != StateCancelled || d.PurgeDue(at) {
		t.Fatalf("purged: %s", d.State)
	}
}
