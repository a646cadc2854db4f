package core

import (
	"slices"
	"testing"
	"time"
)

const day = 24 * time.Hour

func TestGraceStatuses(t *testing.T) {
	d := newTestDomain()
	if got := d.EffectiveStatuses(t0.Add(time.Hour)); !equalStrings(got, []string{StatusAddPeriod}) {
		t.Errorf("in add grace: %v", got)
	}
	if got := d.EffectiveStatuses(t0.Add(6 * day)); !equalStrings(got, []string{StatusOK}) {
		t.Errorf("after add grace: %v", got)
	}
	imported := &Domain{Name: d.Name, State: StateActive, Imported: true, CreatedAt: t0, ExpiresAt: AddYears(t0, 1)}
	imported.Registered(t0, DefaultPolicy(), payer, 0)
	if imported.InAddGrace(t0.Add(time.Hour)) {
		t.Error("imported registrations have no add grace")
	}
	// A row stored before grace periods were recorded gets the default add grace.
	legacy := &Domain{Name: d.Name, State: StateActive, CreatedAt: t0, ExpiresAt: AddYears(t0, 1), CreatePaidGems: 7}
	if !legacy.InAddGrace(t0.Add(time.Hour)) || legacy.InAddGrace(t0.Add(6*day)) {
		t.Error("a legacy row's add grace is five days from its creation")
	}
}

func TestRenewRules(t *testing.T) {
	now := t0.Add(30 * day)
	p := DefaultPolicy()
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
		{"redemption", func(d *Domain) { d.State = StateRedemption }, 1, AddYears(t0, 1), CodeStatusProhibitsOperation},
		{"pending delete", func(d *Domain) { d.State = StatePendingDelete }, 1, AddYears(t0, 1), CodeStatusProhibitsOperation},
	}
	for _, c := range cases {
		d := newTestDomain()
		if c.mutate != nil {
			c.mutate(d)
		}
		before := *d
		_, err := d.Renew(Renewal{Years: c.years, CurrentExpiresAt: c.current, Payer: payer, Gems: 5}, now, p)
		if got := CodeOf(err); got != c.want {
			t.Errorf("%s: code %q, want %q", c.name, got, c.want)
		}
		if err != nil {
			if !d.ExpiresAt.Equal(before.ExpiresAt) || len(d.Grace) != len(before.Grace) {
				t.Errorf("%s: a refused renew changed the registration", c.name)
			}
			continue
		}
		if !d.ExpiresAt.Equal(AddYears(t0, 1+c.years)) || !slices.Contains(d.EffectiveStatuses(now), StatusRenewPeriod) {
			t.Errorf("%s: renew not applied: %s %v", c.name, d.ExpiresAt, d.EffectiveStatuses(now))
		}
	}
}

func TestRenewOfAnExpiredRegistration(t *testing.T) {
	p := DefaultPolicy()
	d := newTestDomain()
	exp := d.ExpiresAt
	now := exp.Add(time.Hour)
	if ch, eff, _ := d.Advance(now, p, nil); ch != ChangeExpire || !eff.Withdraw || d.State != StateExpired {
		t.Fatalf("expiry: %s %+v %s", ch, eff, d.State)
	}
	if slices.Contains(d.EffectiveStatuses(now), StatusAutoRenewPeriod) {
		t.Error("an expired registration shows no autoRenewPeriod")
	}
	eff, err := d.Renew(Renewal{Years: 1, CurrentExpiresAt: exp, Payer: payer, Gems: 5}, now, p)
	if err != nil || !eff.Restore || d.State != StateActive || !d.ExpiresAt.Equal(AddYears(exp, 1)) {
		t.Fatalf("renew of expired: %v %+v %s %s", err, eff, d.State, d.ExpiresAt)
	}
	// Years count from the old expiry; a result in the past is refused.
	d = newTestDomain()
	exp = d.ExpiresAt
	late := AddYears(exp, 2)
	d.Advance(exp, p, nil)
	if _, err := d.Renew(Renewal{Years: 1, CurrentExpiresAt: exp, Payer: payer}, late, p); CodeOf(err) != CodeValidation {
		t.Errorf("a renewal ending in the past: %v", err)
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
		if got := CodeOf(d.Update(DomainUpdate{Statuses: c.change}, now)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	d := newTestDomain()
	_ = d.Update(DomainUpdate{Statuses: StatusChange{Add: []string{StatusClientHold, StatusClientDeleteProhibited}}}, now)
	_ = d.Update(DomainUpdate{Statuses: StatusChange{Remove: []string{StatusClientHold}}}, now)
	if !equalStrings(d.Statuses, []string{StatusClientDeleteProhibited}) {
		t.Errorf("statuses after change: %v", d.Statuses)
	}
	d.State = StateRedemption
	if CodeOf(d.Update(DomainUpdate{Statuses: StatusChange{Add: []string{StatusClientHold}}}, now)) != CodeStatusProhibitsOperation {
		t.Error("an update in redemption must be refused")
	}
}

func TestNameserverRulesAndApply(t *testing.T) {
	now := t0.Add(time.Hour)
	d := newTestDomain()
	d.Statuses = []string{StatusClientUpdateProhibited}
	if CodeOf(d.ChangeNameservers([]string{"ns1.example.com"}, now)) != CodeStatusProhibitsOperation || len(d.NameserversDesired) != 0 {
		t.Error("clientUpdateProhibited must refuse nameserver changes and change nothing")
	}
	d.Statuses = nil
	if err := d.ChangeNameservers([]string{"ns1.example.com"}, now); err != nil || d.ApplyStatus != ApplyPending {
		t.Errorf("apply status %s %v", d.ApplyStatus, err)
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
	p := DefaultPolicy()
	d := newTestDomain()
	eff, err := d.Delete(t0.Add(time.Hour), p)
	if err != nil || !eff.Freed || eff.RefundedGems() != 10 || d.State != StateCancelled {
		t.Errorf("delete in add grace: %v %+v %s", err, eff, d.State)
	}
	d = newTestDomain()
	now := t0.Add(6 * day)
	eff, err = d.Delete(now, p)
	if err != nil || eff.Freed || eff.RefundedGems() != 0 || !eff.Withdraw || d.State != StateRedemption {
		t.Errorf("delete after add grace: %v %+v %s", err, eff, d.State)
	}
	if d.StateEndsAt == nil || !d.StateEndsAt.Equal(now.Add(p.Redemption)) {
		t.Errorf("redemption ends at %v", d.StateEndsAt)
	}
	if got := d.EffectiveStatuses(now); !equalStrings(got, []string{StatusPendingDelete, StatusRedemptionPeriod}) {
		t.Errorf("redemption statuses: %v", got)
	}
	if _, err := d.Delete(now, p); CodeOf(err) != CodeStatusProhibitsOperation {
		t.Error("a registration in redemption cannot be deleted again")
	}
	d = newTestDomain()
	d.ProtectedLegacy = true
	if _, err := d.Delete(t0, p); CodeOf(err) != CodeProtectedLegacyNotDeletable {
		t.Error("protected legacy must refuse delete")
	}
	d = newTestDomain()
	d.Statuses = []string{StatusClientDeleteProhibited}
	if _, err := d.Delete(t0, p); CodeOf(err) != CodeStatusProhibitsOperation || d.State != StateActive {
		t.Error("clientDeleteProhibited must refuse delete and change nothing")
	}
}

func TestDeleteRefundsEveryRunningGrace(t *testing.T) {
	p := DefaultPolicy()
	// In add grace: the create and a renewal since are refunded, the name freed.
	d := newTestDomain()
	if _, err := d.Renew(Renewal{Years: 2, CurrentExpiresAt: d.ExpiresAt, Payer: payer, Gems: 40}, t0.Add(day), p); err != nil {
		t.Fatal(err)
	}
	eff, _ := d.Delete(t0.Add(2*day), p)
	if !eff.Freed || eff.RefundedGems() != 50 || len(eff.Refunds) != 2 {
		t.Errorf("add grace delete refunds %+v", eff)
	}
	// After add grace, in renew grace: the renewal is refunded and its years come off.
	d = newTestDomain()
	exp := d.ExpiresAt
	at := t0.Add(10 * day)
	if _, err := d.Renew(Renewal{Years: 2, CurrentExpiresAt: exp, Payer: payer, Gems: 40}, at, p); err != nil {
		t.Fatal(err)
	}
	eff, _ = d.Delete(at.Add(day), p)
	if eff.Freed || eff.RefundedGems() != 40 || eff.Refunds[0].RefundReason() != "refund_renew" || !d.ExpiresAt.Equal(exp) {
		t.Errorf("renew grace delete: %+v expiry %s", eff, d.ExpiresAt)
	}
	// In auto-renew grace: the auto-renewal is refunded and its year comes off.
	d = newTestDomain()
	exp = d.ExpiresAt
	ch, _, _ := d.Advance(exp, p, &Renewal{Years: 1, Payer: payer, Gems: 5})
	if ch != ChangeAutoRenew || !slices.Contains(d.EffectiveStatuses(exp.Add(day)), StatusAutoRenewPeriod) {
		t.Fatalf("auto-renew: %s %v", ch, d.EffectiveStatuses(exp.Add(day)))
	}
	eff, _ = d.Delete(exp.Add(day), p)
	if eff.RefundedGems() != 5 || eff.Refunds[0].RefundReason() != "refund_auto_renew" || !d.ExpiresAt.Equal(exp) {
		t.Errorf("auto-renew grace delete: %+v expiry %s", eff, d.ExpiresAt)
	}
}

// TestAddGraceRefundsRenewalsWithoutRenewGrace: a policy without renew
// grace still refunds, on a delete in add grace, the renewals made since the
// create; after add grace such a renewal is never refunded and no
// renewPeriod status is shown.
func TestAddGraceRefundsRenewalsWithoutRenewGrace(t *testing.T) {
	p := DefaultPolicy()
	p.RenewGrace = 0
	d := newTestDomain()
	if _, err := d.Renew(Renewal{Years: 1, CurrentExpiresAt: d.ExpiresAt, Payer: payer, Gems: 40}, t0.Add(day), p); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(d.EffectiveStatuses(t0.Add(day)), StatusRenewPeriod) {
		t.Errorf("renewPeriod shown without renew grace: %v", d.EffectiveStatuses(t0.Add(day)))
	}
	eff, _ := d.Delete(t0.Add(2*day), p)
	if !eff.Freed || eff.RefundedGems() != 50 || len(eff.Refunds) != 2 {
		t.Errorf("add grace delete without renew grace refunds %+v, want the create and the renewal", eff)
	}

	d = newTestDomain()
	at := t0.Add(10 * day) // after add grace
	if _, err := d.Renew(Renewal{Years: 1, CurrentExpiresAt: d.ExpiresAt, Payer: payer, Gems: 40}, at, p); err != nil {
		t.Fatal(err)
	}
	if eff, _ := d.Delete(at.Add(time.Hour), p); eff.RefundedGems() != 0 {
		t.Errorf("a renewal after add grace without renew grace was refunded: %+v", eff)
	}
}

// TestLifecycleThroughTime walks one registration through every change the
// registry makes, one at a time, with short periods.
func TestLifecycleThroughTime(t *testing.T) {
	p := Policy{AddGrace: time.Minute, RenewGrace: time.Minute, AutoRenewGrace: 2 * time.Minute,
		Redemption: 3 * time.Minute, PendingDelete: 4 * time.Minute, AutoRenew: true}
	d := &Domain{Name: MustName("alice.defiwallet"), State: StateActive, CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	d.Registered(t0, p, payer, 10)
	step := func(now time.Time, renewal *Renewal, want LifecycleChange, state State) {
		t.Helper()
		if got := d.Due(now.Add(-time.Microsecond)); got == want && want != ChangeNone {
			t.Errorf("%s due too early", want)
		}
		ch, _, err := d.Advance(now, p, renewal)
		if err != nil || ch != want || d.State != state {
			t.Fatalf("at %s: %s %v %s, want %s %s", now.Sub(t0), ch, err, d.State, want, state)
		}
		if again, _, _ := d.Advance(now, p, renewal); again != ChangeNone && again != ChangeEndGrace {
			t.Fatalf("%s made twice", want)
		}
	}
	if due := d.NextDue(); due == nil || !due.Equal(t0.Add(time.Minute)) {
		t.Fatalf("first due at the add grace end, got %v", due)
	}
	step(t0.Add(time.Minute), nil, ChangeEndGrace, StateActive)
	if len(d.Grace) != 0 || !d.NextDue().Equal(d.ExpiresAt) {
		t.Fatalf("after add grace: %+v next %v", d.Grace, d.NextDue())
	}
	exp := d.ExpiresAt
	step(exp, &Renewal{Years: 1, Payer: payer, Gems: 5}, ChangeAutoRenew, StateActive)
	if !d.ExpiresAt.Equal(AddYears(exp, 1)) {
		t.Fatalf("auto-renew expiry %s", d.ExpiresAt)
	}
	step(exp.Add(2*time.Minute), nil, ChangeEndGrace, StateActive)
	exp = d.ExpiresAt
	step(exp, nil, ChangeExpire, StateExpired)
	step(exp.Add(2*time.Minute), nil, ChangeDeleteExpired, StateRedemption)
	redemption := exp.Add(2 * time.Minute)
	step(redemption.Add(3*time.Minute), nil, ChangeEndRedemption, StatePendingDelete)
	if got := d.EffectiveStatuses(redemption.Add(3 * time.Minute)); !equalStrings(got, []string{StatusPendingDelete}) {
		t.Errorf("pending delete statuses: %v", got)
	}
	if _, _, err := d.Restore(redemption.Add(3 * time.Minute)); CodeOf(err) != CodeStatusProhibitsOperation {
		t.Error("no restore after redemption")
	}
	step(redemption.Add(7*time.Minute), nil, ChangePurge, StateCancelled)
	if d.NextDue() != nil {
		t.Error("a purged registration is never due again")
	}
}

func TestRestore(t *testing.T) {
	p := DefaultPolicy()
	d := newTestDomain()
	now := t0.Add(10 * day)
	if _, _, err := d.Restore(now); CodeOf(err) != CodeStatusProhibitsOperation {
		t.Error("an active registration cannot be restored")
	}
	if _, err := d.Delete(now, p); err != nil {
		t.Fatal(err)
	}
	eff, renewed, err := d.Restore(now.Add(day))
	if err != nil || renewed || !eff.Restore || d.State != StateActive || d.StateEndsAt != nil {
		t.Fatalf("restore: %v %v %+v %s", err, renewed, eff, d.State)
	}
	// Restoring after the expiry passed renews one year from the old expiry.
	d = newTestDomain()
	exp := d.ExpiresAt
	d.Advance(exp, p, nil)
	d.Advance(exp.Add(p.AutoRenewGrace), p, nil)
	if d.State != StateRedemption {
		t.Fatalf("state %s", d.State)
	}
	_, renewed, err = d.Restore(exp.Add(p.AutoRenewGrace + day))
	if err != nil || !renewed || !d.ExpiresAt.Equal(AddYears(exp, 1)) {
		t.Fatalf("restore after expiry: %v %v %s", err, renewed, d.ExpiresAt)
	}
}

func TestOTEFixturesNeverMove(t *testing.T) {
	d := newTestDomain()
	d.OTESandbox = true
	if d.NextDue() != nil || d.Due(AddYears(t0, 5)) != ChangeNone {
		t.Error("OT&E fixtures are never due")
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatal(err)
	}
	p := DefaultPolicy()
	p.Redemption = -time.Second
	if CodeOf(p.Validate()) != CodeValidation {
		t.Error("a negative period must be refused")
	}
	neg := Gems(-1)
	p = DefaultPolicy()
	p.RestorePriceGems = &neg
	if CodeOf(p.Validate()) != CodeValidation {
		t.Error("a negative restore price must be refused")
	}
	ns := Namespace{RenewPriceGems: 7, Policy: DefaultPolicy()}
	if ns.RestorePrice() != 7 || ns.TransferPrice() != 7 {
		t.Error("restore and transfer prices follow the renew price until set")
	}
	three := Gems(3)
	ns.Policy.RestorePriceGems = &three
	if ns.RestorePrice() != 3 {
		t.Error("an explicit restore price wins")
	}
}

func TestLockedDomainReadIsACopy(t *testing.T) {
	d := newTestDomain()
	d.Statuses = []string{StatusClientHold}
	l := LockForRules(d)
	r := l.Read()
	r.ExpiresAt = r.ExpiresAt.AddDate(5, 0, 0)
	r.Statuses[0] = StatusClientRenewProhibited
	r.Grace[0].Gems = 999
	if !d.ExpiresAt.Equal(AddYears(t0, 1)) || d.Statuses[0] != StatusClientHold || d.Grace[0].Gems != 10 {
		t.Fatalf("changing a read changed the locked registration: %+v", d)
	}
	if _, err := l.Renew(Renewal{Years: 1, CurrentExpiresAt: d.ExpiresAt, Payer: payer, Gems: 5}, t0.Add(time.Hour), DefaultPolicy()); err != nil ||
		!d.ExpiresAt.Equal(AddYears(t0, 2)) {
		t.Fatalf("a rule method applies to the locked registration: %v %s", err, d.ExpiresAt)
	}
}
