package concurrency

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	httpadapter "github.com/headlessdomains/registry/adapters/http"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

const (
	xferCode   = "Race#Transfer-2026-ok"
	xferRounds = 6
)

// xferEnv is an env with its registrar (the
// sponsor of every name) and two more in the same namespace, with no
// transfer lock and a 60-second pending period.
type xferEnv struct {
	*env
	sponsor, b, c party
}

func newXferEnv(t *testing.T, http bool) *xferEnv {
	t.Helper()
	e := newEnv(t)
	if _, err := e.svc.UpdateNamespace(e.ctx, core.UpdateNamespace{Name: e.ns, Policy: core.PolicyChange{
		Seconds: map[string]int64{"transfer_lock_period_seconds": 0, "transfer_pending_period_seconds": 60}}}); err != nil {
		t.Fatal(err)
	}
	x := &xferEnv{env: e, sponsor: party{e.partner, e.channel, e.token}}
	x.b, x.c = x.party("gainer-b"), x.party("gainer-c")
	if http {
		e.serve()
	}
	return x
}

// transferable creates label for the sponsor and sets its auth code.
func (x *xferEnv) transferable(label string) string {
	x.t.Helper()
	name := x.create(label)
	code := xferCode
	if _, err := x.svc.UpdateDomain(x.ctx, x.actor(core.CmdUpdateDomain), core.UpdateDomain{
		Mutation: core.Mutation{IdempotencyKey: x.unique("ac")}, Domain: name, AuthCode: &code}); err != nil {
		x.t.Fatal(err)
	}
	return name
}

// xferDriver runs transfer commands as one party, through the core or HTTP.
type xferDriver interface {
	request(p party, name string) core.Code
	approve(p party, name string) core.Code
}

type xferCore struct{ x *xferEnv }

func (d xferCore) as(p party, cmd core.Command) core.Actor {
	a, _, err := d.x.svc.Authorize(d.x.ctx, p.token, cmd)
	if err != nil {
		d.x.t.Errorf("authorize: %v", err)
	}
	return a
}

func (d xferCore) request(p party, name string) core.Code {
	_, err := d.x.nodes[d.x.next()].RequestTransfer(d.x.ctx, d.as(p, core.CmdRequestTransfer), core.RequestTransferCmd{
		Mutation: core.Mutation{IdempotencyKey: d.x.unique("rq")}, Domain: name, AuthCode: xferCode, Years: 1})
	return core.CodeOf(err)
}

func (d xferCore) approve(p party, name string) core.Code {
	_, err := d.x.nodes[d.x.next()].ApproveTransfer(d.x.ctx, d.as(p, core.CmdApproveTransfer), core.TransferAction{
		Mutation: core.Mutation{IdempotencyKey: d.x.unique("ap")}, Domain: name})
	return core.CodeOf(err)
}

type xferHTTP struct{ x *xferEnv }

func (d xferHTTP) send(p party, path string, body any) core.Code {
	var buf bytes.Buffer
	if body != nil {
		_ = json.NewEncoder(&buf).Encode(body)
	}
	req, _ := http.NewRequest("POST", d.x.srvs[d.x.next()].URL+httpadapter.RegistrarBase+path, &buf)
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Idempotency-Key", d.x.unique("h"))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.x.t.Errorf("POST %s: %v", path, err)
		return core.CodeInternal
	}
	defer resp.Body.Close()
	if resp.StatusCode < 300 {
		return ""
	}
	var problem struct {
		Code core.Code `json:"code"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&problem); err != nil || problem.Code == "" {
		d.x.t.Errorf("POST %s: status %d without a problem code", path, resp.StatusCode)
		return core.CodeInternal
	}
	return problem.Code
}

func (d xferHTTP) request(p party, name string) core.Code {
	return d.send(p, "/domains/"+name+"/transfer", map[string]any{"auth_code": xferCode})
}

func (d xferHTTP) approve(p party, name string) core.Code {
	return d.send(p, "/domains/"+name+"/transfer/approve", nil)
}

func xferDrivers(t *testing.T, fn func(t *testing.T, x *xferEnv, d xferDriver)) {
	t.Run("core", func(t *testing.T) {
		x := newXferEnv(t, false)
		fn(t, x, xferCore{x})
	})
	t.Run("http", func(t *testing.T) {
		x := newXferEnv(t, true)
		fn(t, x, xferHTTP{x})
	})
}

// state reads a registration's sponsor and latest transfer straight from the store.
func (x *xferEnv) state(name string) core.Domain {
	x.t.Helper()
	n := core.MustName(name)
	var d core.Domain
	if err := x.store.View(x.ctx, func(ctx context.Context, tx ports.Stores) error {
		var err error
		d, err = tx.Domains().GetByName(ctx, n)
		return err
	}); err != nil {
		x.t.Fatal(err)
	}
	return d
}

// money checks every party's balance against its ledger and answers the
// net amount each moved for name.
func (x *xferEnv) money(name string) map[string]core.Gems {
	x.t.Helper()
	out := map[string]core.Gems{}
	for _, p := range []party{x.sponsor, x.b, x.c} {
		var all []core.LedgerEntry
		if err := x.store.View(x.ctx, func(ctx context.Context, tx ports.Stores) error {
			var err error
			all, err = tx.Ledger().ListByPartner(ctx, p.partner.ID)
			return err
		}); err != nil {
			x.t.Fatal(err)
		}
		var sum core.Gems
		for _, l := range all {
			sum += l.Amount
			if l.Domain == name {
				out[p.partner.ID] += l.Amount
			}
		}
		got, err := x.svc.GetPartner(x.ctx, p.partner.ID)
		if err != nil {
			x.t.Fatal(err)
		}
		if got.GemsBalance != sum {
			x.t.Fatalf("%s: balance %d, ledger sum %d", p.channel.Slug, got.GemsBalance, sum)
		}
	}
	return out
}

// TestTransferRequestRacingApprove: a gaining request and the sponsor's
// approval at once take one serial order: the request first (then the
// approval moves the name) or the approval first (nothing pending; the
// request then stays pending).
func TestTransferRequestRacingApprove(t *testing.T) {
	xferDrivers(t, func(t *testing.T, x *xferEnv, d xferDriver) {
		orders := map[string]int{}
		for i := 0; i < xferRounds; i++ {
			name := x.transferable(fmt.Sprintf("ra%d", i))
			var req, app core.Code
			together(func() { req = d.request(x.b, name) }, func() { app = d.approve(x.sponsor, name) })
			st := x.state(name)
			moved := x.money(name)
			switch {
			case req == "" && app == "":
				orders["request, approve"]++
				if st.ChannelID != x.b.channel.ID || st.Transfer.Status != core.TransferClientApproved {
					t.Fatalf("approved, yet %s sponsors it with transfer %+v", st.ChannelID, st.Transfer)
				}
			case req == "" && app == core.CodeTransferNotPending:
				orders["approve, request"]++
				if st.ChannelID != x.sponsor.channel.ID || !st.Transfer.Pending() {
					t.Fatalf("requested after the approval, yet %s sponsors it with transfer %+v", st.ChannelID, st.Transfer)
				}
			default:
				t.Fatalf("request %q, approve %q: no serial order answers that", req, app)
			}
			if moved[x.b.partner.ID] != -renewPrice {
				t.Fatalf("the gaining partner moved %d for %s, want one debit of %d", moved[x.b.partner.ID], name, renewPrice)
			}
		}
		t.Logf("orders over %d rounds: %v", xferRounds, orders)
	})
}

// TestTwoTransferRequestsRacing: two gaining channels request at once:
// exactly one is pending and debited; the other answers
// transfer_already_pending and is not charged.
func TestTwoTransferRequestsRacing(t *testing.T) {
	xferDrivers(t, func(t *testing.T, x *xferEnv, d xferDriver) {
		for i := 0; i < xferRounds; i++ {
			name := x.transferable(fmt.Sprintf("rr%d", i))
			var cb, cc core.Code
			together(func() { cb = d.request(x.b, name) }, func() { cc = d.request(x.c, name) })
			winner, loser := x.b, x.c
			switch {
			case cb == "" && cc == core.CodeTransferAlreadyPending:
			case cc == "" && cb == core.CodeTransferAlreadyPending:
				winner, loser = x.c, x.b
			default:
				t.Fatalf("requests answered %q and %q; want one success and one transfer_already_pending", cb, cc)
			}
			st := x.state(name)
			if !st.Transfer.Pending() || st.Transfer.GainingChannelID != winner.channel.ID {
				t.Fatalf("pending transfer %+v, want one for %s", st.Transfer, winner.channel.Slug)
			}
			moved := x.money(name)
			if moved[winner.partner.ID] != -renewPrice || moved[loser.partner.ID] != 0 {
				t.Fatalf("moved %v; want %d from the winner only", moved, renewPrice)
			}
			// Clear it for the next round's money check.
			if code := d.approve(x.sponsor, name); code != "" {
				t.Fatalf("approve: %s", code)
			}
		}
	})
}

// TestTransferApproveRacingTheDeadline: the sponsor's approval and the
// maintenance loop, both after the deadline: exactly one approves
// (clientApproved, or serverApproved and the late approval finds the name
// sponsored by the gaining channel), with one transfer_domain work item.
func TestTransferApproveRacingTheDeadline(t *testing.T) {
	xferDrivers(t, func(t *testing.T, x *xferEnv, d xferDriver) {
		var names []string
		for i := 0; i < xferRounds; i++ {
			name := x.transferable(fmt.Sprintf("rd%d", i))
			if code := d.request(x.b, name); code != "" {
				t.Fatalf("request: %s", code)
			}
			names = append(names, name)
		}
		x.clock.advance(61 * time.Second)
		codes := make([]core.Code, len(names))
		fns := []func(){func() {
			if _, err := x.svc.RunMaintenance(x.ctx, 1000); err != nil {
				t.Errorf("maintenance: %v", err)
			}
		}}
		for i, n := range names {
			fns = append(fns, func() { codes[i] = d.approve(x.sponsor, n) })
		}
		together(fns...)
		// Whatever the loop skipped while an approval held the row, a later pass finds.
		if _, err := x.svc.RunMaintenance(x.ctx, 1000); err != nil {
			t.Fatal(err)
		}
		tally := map[string]int{}
		for i, n := range names {
			st := x.state(n)
			switch {
			case codes[i] == "" && st.Transfer.Status == core.TransferClientApproved:
			case codes[i] == core.CodeDomainNotSponsored && st.Transfer.Status == core.TransferServerApproved:
				// the loop first: the approval finds the name already with the gaining channel
			default:
				t.Fatalf("%s: approve answered %q, transfer ended %+v", n, codes[i], st.Transfer)
			}
			tally[st.Transfer.Status]++
			if st.ChannelID != x.b.channel.ID {
				t.Fatalf("%s: sponsor %s", n, st.ChannelID)
			}
			if moved := x.money(n); moved[x.b.partner.ID] != -renewPrice {
				t.Fatalf("%s: the gaining partner moved %d", n, moved[x.b.partner.ID])
			}
			var work int
			if err := x.store.View(x.ctx, func(ctx context.Context, tx ports.Stores) error {
				items, err := tx.Pending().List(ctx, core.PendingFilter{Domain: n, Command: string(core.CmdTransferDomain), Limit: 10})
				work = len(items)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if work != 1 {
				t.Fatalf("%s: %d transfer_domain items, want 1", n, work)
			}
		}
		t.Logf("outcomes over %d names: %v", len(names), tally)
	})
}
