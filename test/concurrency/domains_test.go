package concurrency

import (
	"slices"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

const racers = 16

// TestConcurrentRenewsOneWinner: 16 renews of one registration with their
// own idempotency keys and the same current expiry: exactly one renews (one
// debit), the other 15 answer current_expiry_mismatch.
func TestConcurrentRenewsOneWinner(t *testing.T) {
	drivers(t, func(t *testing.T, e *env, d driver) {
		name := e.create("renewed")
		v, _ := e.info(name)
		codes := make([]core.Code, racers)
		fns := make([]func(), racers)
		for i := range fns {
			fns[i] = func() { codes[i] = d.renew(name, 1, v.ExpiresAt) }
		}
		together(fns...)
		wins, mismatches := 0, 0
		for _, c := range codes {
			switch c {
			case "":
				wins++
			case core.CodeCurrentExpiryMismatch:
				mismatches++
			default:
				t.Errorf("unexpected answer %s", c)
			}
		}
		if wins != 1 || mismatches != racers-1 {
			t.Fatalf("%d renewed, %d current_expiry_mismatch; want 1 and %d", wins, mismatches, racers-1)
		}
		after, _ := e.info(name)
		if !after.ExpiresAt.Equal(core.AddYears(v.ExpiresAt, 1)) {
			t.Fatalf("expiry %s, want one year after %s", after.ExpiresAt, v.ExpiresAt)
		}
		_, entries := e.ledger(name)
		renews := 0
		for _, l := range entries {
			if l.Reason == "renew" {
				renews++
			}
		}
		if renews != 1 {
			t.Fatalf("%d renew debits, want 1", renews)
		}
		e.checkMoney()
	})
}

// TestConcurrentDeletesInAddGrace: 16 deletes inside add grace: exactly one
// deletes (the name is freed and the create refunded once); the others find
// nothing registered, and the name stays free.
func TestConcurrentDeletesInAddGrace(t *testing.T) {
	drivers(t, func(t *testing.T, e *env, d driver) {
		name := e.create("freed")
		codes := make([]core.Code, racers)
		fns := make([]func(), racers)
		for i := range fns {
			fns[i] = func() { codes[i] = d.delete(name) }
		}
		together(fns...)
		wins := 0
		for _, c := range codes {
			switch c {
			case "":
				wins++
			case core.CodeDomainNotFound:
			default:
				t.Errorf("unexpected answer %s", c)
			}
		}
		if wins != 1 {
			t.Fatalf("%d deletes succeeded, want 1 (%v)", wins, codes)
		}
		if _, ok := e.info(name); ok {
			t.Fatal("the freed name is registered again")
		}
		res, err := e.svc.CheckDomains(e.ctx, e.actor(core.CmdCheckDomain), core.CheckDomains{Names: []string{name}})
		if err != nil || len(res) != 1 || !res[0].Available {
			t.Fatalf("check after the deletes: %+v %v", res, err)
		}
		_, entries := e.ledger(name)
		refunds := 0
		for _, l := range entries {
			if l.Reason == "refund_create" {
				refunds++
			}
		}
		if refunds != 1 {
			t.Fatalf("%d refunds, want 1", refunds)
		}
		e.checkMoney()
	})
}

// outcome is what one serial order of a pair leaves: each command's answer
// and the registration's state.
type outcome struct {
	first, second core.Code
	state         core.State
	check         func(v core.DomainView) bool
}

// TestConcurrentPairsHaveASerialOrder races a command against a delete on
// registrations past their add grace: every run must end as one of the two
// serial orders would have left it.
func TestConcurrentPairsHaveASerialOrder(t *testing.T) {
	const runs = 6
	pairs := []struct {
		name string
		run  func(d driver, name string, expires time.Time) core.Code
		// orders answers the outcomes of "command first" and "delete first".
		orders func(expires time.Time) []outcome
	}{
		{"renew_and_delete", func(d driver, name string, expires time.Time) core.Code { return d.renew(name, 1, expires) },
			func(expires time.Time) []outcome {
				// Renew first: the delete refunds it (renew grace) and takes its year off.
				sameExpiry := func(v core.DomainView) bool { return v.ExpiresAt.Equal(expires) }
				return []outcome{
					{"", "", core.StateRedemption, sameExpiry},
					{core.CodeStatusProhibitsOperation, "", core.StateRedemption, sameExpiry},
				}
			}},
		{"update_and_delete", func(d driver, name string, _ time.Time) core.Code {
			return d.addStatus(name, core.StatusClientDeleteProhibited)
		}, func(time.Time) []outcome {
			prohibited := func(v core.DomainView) bool { return slices.Contains(v.Statuses, core.StatusClientDeleteProhibited) }
			return []outcome{
				{"", core.CodeStatusProhibitsOperation, core.StateActive, prohibited},
				{core.CodeStatusProhibitsOperation, "", core.StateRedemption, func(v core.DomainView) bool { return !prohibited(v) }},
			}
		}},
		{"nameservers_and_delete", func(d driver, name string, _ time.Time) core.Code {
			return d.nameservers(name, "ns1.example.net")
		}, func(time.Time) []outcome {
			return []outcome{
				{"", "", core.StateRedemption, func(v core.DomainView) bool { return slices.Equal(v.NameserversDesired, []string{"ns1.example.net"}) }},
				{core.CodeStatusProhibitsOperation, "", core.StateRedemption, func(v core.DomainView) bool { return len(v.NameserversDesired) == 0 }},
			}
		}},
	}
	drivers(t, func(t *testing.T, e *env, d driver) {
		names := map[string][]string{}
		for _, p := range pairs {
			for i := 0; i < runs; i++ {
				names[p.name] = append(names[p.name], e.create(e.unique("p")))
			}
		}
		e.clock.advance(6 * 24 * time.Hour) // past add grace: a delete enters redemption
		seen := map[string]map[int]int{}
		for _, p := range pairs {
			seen[p.name] = map[int]int{}
			for _, name := range names[p.name] {
				before, _ := e.info(name)
				var cmd, del core.Code
				together(func() { cmd = p.run(d, name, before.ExpiresAt) }, func() { del = d.delete(name) })
				after, ok := e.info(name)
				if !ok {
					t.Fatalf("%s: %s vanished", p.name, name)
				}
				matched := -1
				for i, o := range p.orders(before.ExpiresAt) {
					if cmd == o.first && del == o.second && after.State == o.state && o.check(after) {
						matched = i
					}
				}
				if matched < 0 {
					t.Fatalf("%s on %s: command %q, delete %q, state %s %+v: no serial order explains it",
						p.name, name, cmd, del, after.State, after)
				}
				seen[p.name][matched]++
			}
		}
		t.Logf("serial orders seen (0: command first, 1: delete first): %v", seen)
		e.checkMoney()
	})
}
