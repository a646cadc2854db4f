package core

import (
	"testing"
	"time"
)

func TestValidateAuthCode(t *testing.T) {
	for _, tc := range []struct {
		code string
		ok   bool
	}{
		{"Xk7#mP2q-Lr9$wT4vB", true},
		{"abcdefghijklmnoP1", true},        // lower, upper, digit
		{"abcdefghijklmno-1", true},        // lower, digit, symbol
		{"ABCDEFGHIJKLMNO-a", true},        // upper, symbol, lower
		{"Ab1-", false},                    // too short
		{"abcdefghijklmnopqr", false},      // one class
		{"abcdefghijklmnop12", false},      // two classes
		{"ABCDEFGHIJKLMNOP--", false},      // two classes
		{"abcdefghij KLMNO-1", false},      // a space
		{"abcdefghij\tKLMNO-1", false},     // a control character
		{"Ünïcödé-Çödé-2026x", true},       // letters beyond ASCII count by case
		{string(make([]byte, 256)), false}, // too long (and control characters)
	} {
		if err := ValidateAuthCode(tc.code); (err == nil) != tc.ok {
			t.Errorf("ValidateAuthCode(%q) = %v, want ok %v", tc.code, err, tc.ok)
		}
	}
}

// A pending transfer's deadline is the registration's next due instant
// when it comes first, and Advance approves it there.
func TestTransferDeadlineIsDue(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := DefaultPolicy()
	d := Domain{Name: MustName("alice.defiwallet"), ChannelID: "chn_a", PartnerID: "prt_a", State: StateActive,
		Statuses: []string{}, CreatedAt: now.AddDate(-1, 0, 0), ExpiresAt: now.AddDate(1, 0, 0), Grace: []GracePeriod{}}
	d.SetAuthCode("hash", now, p)
	verify := func(hash string) (bool, error) { return hash == "hash", nil }
	if err := d.RequestTransfer(TransferRequest{Payer: Payer{PartnerID: "prt_b", ChannelID: "chn_b"}, Years: 1, Gems: 80},
		now, p, verify, "dummy"); err != nil {
		t.Fatal(err)
	}
	deadline := now.Add(p.TransferPending)
	if due := d.NextDue(); due == nil || !due.Equal(deadline) {
		t.Fatalf("NextDue %v, want the transfer deadline %s", due, deadline)
	}
	if c := d.Due(deadline.Add(-time.Second)); c != ChangeNone {
		t.Fatalf("due before the deadline: %s", c)
	}
	change, _, err := d.Advance(deadline, p, nil)
	if err != nil || change != ChangeApproveTransfer {
		t.Fatalf("Advance: %s %v", change, err)
	}
	if d.ChannelID != "chn_b" || d.Transfer.Status != TransferServerApproved || d.AuthCodeSet(deadline) ||
		!d.ExpiresAt.Equal(now.AddDate(2, 0, 0)) || d.HasStatus(StatusPendingTransfer) {
		t.Fatalf("after the deadline: %+v", d)
	}
	if due := d.NextDue(); due == nil || !due.Equal(deadline.Add(p.TransferGrace)) {
		t.Fatalf("NextDue after approval %v, want the end of transfer grace", due)
	}
}
