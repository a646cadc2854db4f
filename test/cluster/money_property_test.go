package cluster

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand"
	"net/url"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"
)

var moneySeedFlag = flag.Int64("money-seed", 0,
	"seed of TestMoneyInvariantProperty (0: REGISTRY_TEST_MONEY_SEED, else the clock)")

// moneySeed is the seed of a property run: -money-seed, else
// REGISTRY_TEST_MONEY_SEED, else the clock. The test logs it; either way of
// passing it again generates the same operations, sent to the same nodes
// (their interleaving across goroutines and nodes is the machine's).
func moneySeed(t *testing.T) int64 {
	t.Helper()
	if *moneySeedFlag != 0 {
		return *moneySeedFlag
	}
	if s := os.Getenv("REGISTRY_TEST_MONEY_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("REGISTRY_TEST_MONEY_SEED=%q: %v", s, err)
		}
		return n
	}
	return time.Now().UnixNano()
}

// moneyNS is a namespace of the property run with its prices and whether a
// delete soon after the create falls inside its add grace period.
type moneyNS struct {
	name         string
	create       int64
	renew        int64
	addGrace     bool
	policyPeriod map[string]any
}

type moneyKind string

const (
	opCreate moneyKind = "create"
	opRenew  moneyKind = "renew"
	opDelete moneyKind = "delete"
	opAdjust moneyKind = "adjust"
)

// retryMode says whether a registrar command is sent a second time, with
// the same idempotency key, to the other node.
type retryMode int

const (
	retryNone       retryMode = iota
	retryConcurrent           // both attempts at once: the second may find the first still running
	retryAfter                // the second once the first has answered
)

// moneyAttempt is one attempt of an operation and its final answer.
type moneyAttempt struct {
	node string
	resp response
	err  error
	// inProgress: the first answer was 409 idempotency_key_in_progress (the
	// other attempt was still running), retried until final.
	inProgress bool
}

// moneyOp is one generated operation and, once run, its answers.
type moneyOp struct {
	kind  moneyKind
	reg   int // index into the registrars
	ns    moneyNS
	name  string
	years int
	key   string
	delta int64
	first int // index of the node of the first attempt
	retry retryMode

	attempts []moneyAttempt
}

func (at moneyAttempt) String() string {
	if at.err != nil {
		return fmt.Sprintf("%s: %v", at.node, at.err)
	}
	return fmt.Sprintf("%s: %d %s audit %v idempotent %v", at.node, at.resp.Status, at.resp.code(), at.resp.Body["audit_id"], at.resp.Body["idempotent"])
}

func (op *moneyOp) String() string {
	switch op.kind {
	case opAdjust:
		return fmt.Sprintf("adjust(registrar %d, %+d)", op.reg, op.delta)
	case opDelete:
		return fmt.Sprintf("delete(registrar %d, %s, key %s)", op.reg, op.name, op.key)
	}
	return fmt.Sprintf("%s(registrar %d, %s, %d years, key %s)", op.kind, op.reg, op.name, op.years, op.key)
}

// moneyName is a registration the generator may renew or delete.
type moneyName struct {
	reg  int
	ns   moneyNS
	name string
}

// TestMoneyInvariantProperty runs rounds of random creates (1 to 3 years),
// renews, deletes (inside add grace, refunding every debit since the create,
// and outside it, refunding the renewals inside renew grace) and operator
// Gems adjustments (credits and debits) of three registrars, concurrently on
// two nodes of one database, a random part of the registrar commands sent a
// second time with the same idempotency key to the other node, while the
// first may still run or after it answered. One registrar's balance is
// small, so that its commands and debits are refused with insufficient_gems
// until credits come in. After every round, with the nodes running, it
// checks the money from the database and both APIs (see checkMoney).
func TestMoneyInvariantProperty(t *testing.T) {
	seed := moneySeed(t)
	t.Logf("seed %d (rerun with -args -money-seed=%d or REGISTRY_TEST_MONEY_SEED=%d)", seed, seed, seed)
	rng := rand.New(rand.NewSource(seed))

	a, b, dbURL := startPair(t)
	db := openSQL(t, dbURL)
	nodes := []*node{a, b}

	// Add grace (the default 5 days) with renew grace: a delete refunds the
	// create and every renewal. No add grace, renew grace 5 days: a delete
	// sends the name to redemption and refunds the renewals only.
	nss := []moneyNS{
		{name: "moneygrace", create: 10, renew: 7, addGrace: true,
			policyPeriod: map[string]any{"add_grace_period_seconds": 432000, "renew_grace_period_seconds": 432000}},
		{name: "moneyredeem", create: 12, renew: 5, addGrace: false,
			policyPeriod: map[string]any{"add_grace_period_seconds": 0, "renew_grace_period_seconds": 432000}},
	}
	// Add grace without renew grace: a delete in add grace still refunds the
	// renewals since the create (every debit since the create), while a
	// renewal after add grace is never refunded.
	nss = append(nss, moneyNS{name: "moneynorenewgrace", create: 9, renew: 4, addGrace: true,
		policyPeriod: map[string]any{"add_grace_period_seconds": 432000, "renew_grace_period_seconds": 0}})
	for _, ns := range nss {
		body := map[string]any{"name": ns.name, "dns_backend": "none", "create_price_gems": ns.create,
			"renew_price_gems": ns.renew, "reserved_labels": []string{}, "claim_labels": []string{}}
		for k, v := range ns.policyPeriod {
			body[k] = v
		}
		a.must(201, a.do("POST", admin+"/namespaces", operatorToken, body))
	}
	regs := []registrar{
		admit(a, admission{slug: "moneyrich", namespace: nss[0].name, balance: 1_000_000, rateLimit: 100000}),
		admit(b, admission{slug: "moneymid", namespace: nss[0].name, balance: 400, rateLimit: 100000}),
		admit(a, admission{slug: "moneypoor", namespace: nss[0].name, balance: 30, rateLimit: 100000}),
	}
	const poor = 2
	for _, r := range regs {
		for _, ns := range nss[1:] {
			a.must(201, a.do("POST", admin+"/registrar-channels/"+r.ChannelID+"/namespace-listings", operatorToken, map[string]any{"namespace": ns.name}))
			a.must(200, a.do("POST", admin+"/registrar-channels/"+r.ChannelID+"/namespace-listings/"+ns.name+"/approve", operatorToken, nil))
		}
	}

	const rounds, tasksPerRound, workers = 6, 50, 8
	var live []moneyName
	var all []*moneyOp
	seq := 0
	newOp := func(kind moneyKind, reg int) *moneyOp {
		seq++
		op := &moneyOp{kind: kind, reg: reg, first: rng.Intn(2)}
		if kind != opAdjust {
			op.key = fmt.Sprintf("money-%d-%d", seed&0xffffff, seq)
			switch p := rng.Intn(100); {
			case p < 20:
				op.retry = retryConcurrent
			case p < 35:
				op.retry = retryAfter
			}
		}
		return op
	}
	newCreate := func(round int) *moneyOp {
		op := newOp(opCreate, rng.Intn(len(regs)))
		op.ns = nss[rng.Intn(len(nss))]
		op.name = fmt.Sprintf("r%dn%d.%s", round, seq, op.ns.name)
		op.years = 1 + rng.Intn(3)
		return op
	}
	var counts map[string]int
	for round := 1; round <= rounds; round++ {
		// Each task runs its operations in order on one goroutine; tasks
		// run concurrently.
		var tasks [][]*moneyOp
		var born []moneyName
		for range tasksPerRound {
			p := rng.Intn(100)
			if len(live) == 0 && p >= 30 && p < 67 {
				p = 0 // nothing to renew or delete yet
			}
			switch {
			case p < 30:
				// Later rounds renew and delete it, whether or not the
				// create succeeded (a name never registered is refused),
				// so that a seed always generates the same operations.
				c := newCreate(round)
				tasks = append(tasks, []*moneyOp{c})
				born = append(born, moneyName{reg: c.reg, ns: c.ns, name: c.name})
			case p < 55:
				n := live[rng.Intn(len(live))]
				op := newOp(opRenew, n.reg)
				op.ns, op.name, op.years = n.ns, n.name, 1+rng.Intn(3)
				tasks = append(tasks, []*moneyOp{op})
			case p < 67:
				i := rng.Intn(len(live))
				n := live[i]
				live = append(live[:i], live[i+1:]...)
				op := newOp(opDelete, n.reg)
				op.ns, op.name = n.ns, n.name
				tasks = append(tasks, []*moneyOp{op})
			case p < 77:
				// Create, maybe renew, delete at once: inside add grace in
				// the grace namespace.
				c := newCreate(round)
				chain := []*moneyOp{c}
				if rng.Intn(2) == 0 {
					r := newOp(opRenew, c.reg)
					r.ns, r.name, r.years = c.ns, c.name, 1+rng.Intn(3)
					chain = append(chain, r)
				}
				d := newOp(opDelete, c.reg)
				d.ns, d.name = c.ns, c.name
				tasks = append(tasks, append(chain, d))
			default:
				reg := rng.Intn(len(regs))
				if rng.Intn(2) == 0 {
					reg = poor
				}
				op := newOp(opAdjust, reg)
				op.delta = int64(1 + rng.Intn(60))
				if rng.Intn(5) < 2 {
					op.delta = -op.delta
				}
				tasks = append(tasks, []*moneyOp{op})
			}
		}

		live = append(live, born...)
		runMoneyTasks(t, nodes, regs, tasks, workers)
		var ops []*moneyOp
		for _, task := range tasks {
			ops = append(ops, task...)
		}
		all = append(all, ops...)
		counts = checkMoney(t, db, nodes, regs, all)
		t.Logf("round %d: %d operations; totals so far %v", round, len(ops), counts)
		if t.Failed() {
			t.Fatalf("round %d broke the money invariant (seed %d)", round, seed)
		}
	}
	// The generator must have reached every case it claims to test.
	for _, k := range []string{"create", "renew", "delete refunding add grace", "delete to redemption refunding renewals",
		"credit", "debit", "insufficient_gems", "replay"} {
		if counts[k] == 0 {
			t.Errorf("no %q in the whole run (seed %d): the generator no longer reaches it", k, seed)
		}
	}
}

// succeeded reports whether some attempt answered a success.
func (op *moneyOp) succeeded() bool {
	for _, at := range op.attempts {
		if at.err == nil && at.resp.Status >= 200 && at.resp.Status < 300 {
			return true
		}
	}
	return false
}

// runMoneyTasks runs the tasks on workers goroutines and waits for all.
func runMoneyTasks(t *testing.T, nodes []*node, regs []registrar, tasks [][]*moneyOp, workers int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	work := make(chan []*moneyOp)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for task := range work {
				for _, op := range task {
					runMoneyOp(ctx, nodes, regs[op.reg], op)
				}
			}
		}()
	}
	for _, task := range tasks {
		work <- task
	}
	close(work)
	wg.Wait()
}

// runMoneyOp sends op (and its retry) and records the answers.
func runMoneyOp(ctx context.Context, nodes []*node, r registrar, op *moneyOp) {
	if op.kind == opAdjust {
		n := nodes[op.first]
		resp, err := n.send(ctx, "POST", admin+"/partners/"+r.PartnerID+"/gems-adjustments", operatorToken,
			map[string]any{"delta": op.delta, "reason": "property test adjustment"})
		op.attempts = []moneyAttempt{{node: n.name, resp: resp, err: err}}
		return
	}
	method, path := "POST", reg+"/domains"
	var body any
	switch op.kind {
	case opCreate:
		body = map[string]any{"domain": op.name, "years": op.years, "registrant": registrant()}
	case opRenew:
		// The current expiry, as the registrar would read it; a stale one
		// (a concurrent renew) is refused with current_expiry_mismatch.
		expires := time.Now().UTC().Format(time.RFC3339)
		info, err := nodes[op.first].send(ctx, "GET", reg+"/domains/"+url.PathEscape(op.name), r.Token, nil)
		if err == nil && info.Status == 200 {
			if s, ok := info.Body["expires_at"].(string); ok {
				expires = s
			}
		}
		path = reg + "/domains/" + url.PathEscape(op.name) + "/renew"
		body = map[string]any{"years": op.years, "current_expires_at": expires}
	case opDelete:
		method, path = "DELETE", reg+"/domains/"+url.PathEscape(op.name)
	}
	send := func(n *node) moneyAttempt {
		resp, err := n.send(ctx, method, path, r.Token, body, "Idempotency-Key", op.key)
		busy := err == nil && resp.code() == "idempotency_key_in_progress"
		if err != nil || isRetryable(resp) {
			resp, err = retryUntilAnswered(ctx, n, method, path, r.Token, body, "Idempotency-Key", op.key)
		}
		return moneyAttempt{node: n.name, resp: resp, err: err, inProgress: busy}
	}
	first, other := nodes[op.first], nodes[1-op.first]
	switch op.retry {
	case retryNone:
		op.attempts = []moneyAttempt{send(first)}
	case retryAfter:
		at := send(first)
		op.attempts = []moneyAttempt{at, send(other)}
	case retryConcurrent:
		op.attempts = make([]moneyAttempt, 2)
		var wg sync.WaitGroup
		for i, n := range []*node{first, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				op.attempts[i] = send(n)
			}()
		}
		wg.Wait()
	}
}

// moneyEntry is one ledger entry as stored.
type moneyEntry struct {
	id, partner, audit, command, domain, reason string
	amount, balance                             int64
}

// checkMoney checks, after a round with the nodes running, every operation
// run so far against the database and the APIs:
//
//   - every partner's gems_balance is its opening balance plus its ledger
//     amounts, both nodes' APIs answer that balance, and no entry records a
//     balance below zero;
//   - a partner's entries form one chain from 0, each entry's balance the
//     previous entry's plus its amount (an order the balance row's lock may
//     have imposed; the test fails when no order does);
//   - each idempotency key has at most one effect: its success answers name
//     one audit id, exactly one of them ran the command (idempotent false),
//     the others replayed it (idempotent true), and the database holds one
//     success audit row and one completed idempotency record for it, none
//     when every attempt was refused;
//   - a success create or renew has exactly one ledger entry, its debit of
//     price × years; a success delete has refund entries summing to its
//     answer's refunded_gems and to every debit since the create (add grace)
//     or to the renewals (renew grace, the name in redemption); a success
//     adjustment has its entry, with the balance it answered;
//   - every ledger entry of the registrars is one of these: nothing else
//     moved their Gems;
//   - checkInvariants holds.
//
// It answers how often each case was reached so far.
func checkMoney(t *testing.T, db *sql.DB, nodes []*node, regs []registrar, ops []*moneyOp) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	counts := map[string]int{}

	byPartner := map[string][]moneyEntry{}
	byAudit := map[string][]moneyEntry{}
	byID := map[string]moneyEntry{}
	rows := query(t, ctx, db, `SELECT id, partner_id, audit_id, command, domain, reason, amount, balance FROM ledger_entries`)
	for rows.Next() {
		var e moneyEntry
		scan(t, rows, &e.id, &e.partner, &e.audit, &e.command, &e.domain, &e.reason, &e.amount, &e.balance)
		byPartner[e.partner] = append(byPartner[e.partner], e)
		if e.audit != "" {
			byAudit[e.audit] = append(byAudit[e.audit], e)
		}
		byID[e.id] = e
		if e.balance < 0 {
			t.Errorf("ledger entry %s (%s %s) records balance %d, below zero", e.id, e.command, e.domain, e.balance)
		}
	}
	done(t, rows)
	explained := map[string]bool{}

	// Balances: database, ledger, both APIs; the chain.
	for _, r := range regs {
		var bal int64
		if err := db.QueryRowContext(ctx, `SELECT gems_balance FROM partners WHERE id = $1`, r.PartnerID).Scan(&bal); err != nil {
			t.Fatalf("partner %s: %v", r.PartnerID, err)
		}
		var sum, opening int64
		openings := 0
		for _, e := range byPartner[r.PartnerID] {
			sum += e.amount
			if e.command == "opening_balance" {
				opening += e.amount
				openings++
				explained[e.id] = true
			}
		}
		if openings != 1 || opening != r.Opening {
			t.Errorf("%s: %d opening_balance entries of %d Gems, want one of %d", r.Slug, openings, opening, r.Opening)
		}
		if bal != sum {
			t.Errorf("%s: gems_balance %d, but opening %d plus the other ledger amounts is %d", r.Slug, bal, r.Opening, sum)
		}
		if got := balance(nodes[0], r.PartnerID); got != bal {
			t.Errorf("%s: the operator API of %s answers gems_balance %d, the database holds %d", r.Slug, nodes[0].name, got, bal)
		}
		st := nodes[1].must(200, nodes[1].do("GET", reg+"/status", r.Token, nil))
		partner, _ := st["partner"].(map[string]any)
		if got, ok := partner["gems_balance"].(float64); !ok || int64(got) != bal {
			t.Errorf("%s: the status of %s answers partner %v, the database holds gems_balance %d", r.Slug, nodes[1].name, partner, bal)
		}
		if err := ledgerChain(byPartner[r.PartnerID], bal); err != nil {
			t.Errorf("%s: %v", r.Slug, err)
		}
	}

	// The audit rows and idempotency records of the keys.
	type auditRow struct{ id, command, domain, status string }
	audits := map[string]auditRow{}
	successByKey := map[string][]string{}
	rows = query(t, ctx, db, `SELECT id, channel_id, command, domain, idempotency_key, status FROM audit_events WHERE actor = 'registrar'`)
	for rows.Next() {
		var a auditRow
		var ch, key string
		scan(t, rows, &a.id, &ch, &a.command, &a.domain, &key, &a.status)
		audits[a.id] = a
		if a.status == "success" {
			successByKey[ch+"/"+key] = append(successByKey[ch+"/"+key], a.id)
		}
	}
	done(t, rows)
	records := map[string]string{}
	rows = query(t, ctx, db, `SELECT channel_id, idempotency_key, audit_id FROM idempotency_records WHERE result IS NOT NULL`)
	for rows.Next() {
		var ch, key, audit string
		scan(t, rows, &ch, &key, &audit)
		records[ch+"/"+key] = audit
	}
	done(t, rows)
	states := map[string]string{}
	rows = query(t, ctx, db, `SELECT name, state FROM domains`)
	for rows.Next() {
		var name, state string
		scan(t, rows, &name, &state)
		states[name] = state
	}
	done(t, rows)

	// debits: every create and renew debit of a name, for its delete's refund.
	debits := map[string]map[string]int64{}
	for _, es := range byAudit {
		for _, e := range es {
			if e.amount < 0 && (e.command == "create_domain" || e.command == "renew_domain") {
				if debits[e.domain] == nil {
					debits[e.domain] = map[string]int64{}
				}
				debits[e.domain][e.command] -= e.amount
			}
		}
	}

	for _, op := range ops {
		r := regs[op.reg]
		var wins []response
		fresh := 0
		for _, at := range op.attempts {
			if at.inProgress {
				counts["retried while in progress"]++
			}
			switch {
			case at.err != nil:
				t.Errorf("%s on %s: no final answer: %v", op, at.node, at.err)
			case at.resp.Status >= 200 && at.resp.Status < 300:
				wins = append(wins, at.resp)
				if op.kind != opAdjust && at.resp.Body["idempotent"] != true {
					fresh++
				}
				if at.resp.Body["idempotent"] == true {
					counts["replay"]++
				}
			case at.resp.Status == 402 && at.resp.code() == "insufficient_gems":
				counts["insufficient_gems"]++
			case op.kind == opAdjust:
				t.Errorf("%s on %s: %s, want 201 or 402 insufficient_gems", op, at.node, at.resp)
			case at.resp.Status >= 500 || at.resp.Status == 409 && at.resp.code() == "idempotency_key_conflict":
				t.Errorf("%s on %s: %s", op, at.node, at.resp)
			}
		}
		if op.kind == opAdjust {
			if len(wins) == 0 {
				continue
			}
			id, _ := wins[0].Body["id"].(string)
			e, ok := byID[id]
			answered, _ := wins[0].Body["gems_balance"].(float64)
			switch {
			case !ok:
				t.Errorf("%s answered 201 with ledger entry %q, which is not in the database", op, id)
			case e.partner != r.PartnerID || e.amount != op.delta || e.command != "operator_adjust" || e.balance != int64(answered):
				t.Errorf("%s: ledger entry %+v, want operator_adjust of %+d on %s with balance %d as answered", op, e, op.delta, r.PartnerID, int64(answered))
			}
			explained[id] = true
			if op.delta > 0 {
				counts["credit"]++
			} else {
				counts["debit"]++
			}
			continue
		}

		key := r.ChannelID + "/" + op.key
		stored := successByKey[key]
		if len(wins) == 0 {
			if len(stored) != 0 {
				t.Errorf("%s: every attempt was refused (%v), but the database holds success audit rows %v", op, op.attempts, stored)
			}
			continue
		}
		auditID, _ := wins[0].Body["audit_id"].(string)
		for _, w := range wins[1:] {
			if w.Body["audit_id"] != auditID {
				t.Errorf("%s: success answers name audit %q and %v, want one", op, auditID, w.Body["audit_id"])
			}
		}
		if fresh != 1 {
			t.Errorf("%s: %d of %d success answers ran the command (idempotent false), want exactly 1: %v", op, fresh, len(wins), op.attempts)
		}
		if len(stored) != 1 || stored[0] != auditID {
			t.Errorf("%s: answered success with audit %q; the database holds success audit rows %v for its key", op, auditID, stored)
			continue
		}
		if a := audits[auditID]; a.command != string(op.kind)+"_domain" || a.domain != op.name {
			t.Errorf("%s: audit %s is %s of %s", op, auditID, a.command, a.domain)
		}
		if rec := records[key]; rec != auditID {
			t.Errorf("%s: the completed idempotency record of its key points at audit %q, want %s", op, rec, auditID)
		}
		entries := byAudit[auditID]
		for _, e := range entries {
			explained[e.id] = true
			if e.partner != r.PartnerID || e.domain != op.name || e.command != ledgerCommand(op) {
				t.Errorf("%s: ledger entry %+v of its audit %s is not its own", op, e, auditID)
			}
		}
		switch op.kind {
		case opCreate, opRenew:
			price := op.ns.create
			if op.kind == opRenew {
				price = op.ns.renew
			}
			want := price * int64(op.years)
			if len(entries) != 1 || entries[0].amount != -want {
				t.Errorf("%s: ledger entries %+v for audit %s, want exactly one debit of %d", op, entries, auditID, want)
			}
			if got, _ := wins[0].Body["debited_gems"].(float64); int64(got) != want {
				t.Errorf("%s: answered debited_gems %v, want %d", op, wins[0].Body["debited_gems"], want)
			}
			if op.kind == opCreate && states[op.name] == "" {
				t.Errorf("%s: answered success, but no registration of %s is stored", op, op.name)
			}
			counts[string(op.kind)]++
		case opDelete:
			var refunded int64
			for _, e := range entries {
				refunded += e.amount
				if e.amount <= 0 {
					t.Errorf("%s: refund entry %+v is not a credit", op, e)
				}
			}
			want := debits[op.name]["renew_domain"]
			wantState, wantFreed := "redemption", false
			if op.ns.addGrace {
				want += debits[op.name]["create_domain"]
				wantState, wantFreed = "cancelled", true
			}
			if refunded != want {
				t.Errorf("%s: refund entries %+v sum to %d, want %d (debits since the create: %v)", op, entries, refunded, want, debits[op.name])
			}
			if got, _ := wins[0].Body["refunded_gems"].(float64); int64(got) != refunded {
				t.Errorf("%s: answered refunded_gems %v, the ledger refunds %d", op, wins[0].Body["refunded_gems"], refunded)
			}
			if wins[0].Body["freed"] != wantFreed || states[op.name] != wantState {
				t.Errorf("%s: answered freed %v and the registration is %q, want %v and %q", op, wins[0].Body["freed"], states[op.name], wantFreed, wantState)
			}
			if op.ns.addGrace {
				counts["delete refunding add grace"]++
			} else if refunded > 0 {
				counts["delete to redemption refunding renewals"]++
			}
		}
	}

	for _, r := range regs {
		for _, e := range byPartner[r.PartnerID] {
			if !explained[e.id] {
				t.Errorf("%s: ledger entry %+v belongs to no operation the test ran", r.Slug, e)
			}
		}
	}
	checkInvariants(t, db, regs)
	return counts
}

// ledgerCommand is the ledger command of op's entries.
func ledgerCommand(op *moneyOp) string { return string(op.kind) + "_domain" }

// ledgerChain checks that a partner's entries can be ordered into one chain
// from 0 to final, each entry's balance the previous balance plus its
// amount. The entries are the edges (balance − amount) → balance of a
// directed multigraph on balances; such an order is an Eulerian trail from 0
// to final, built here with Hierholzer's algorithm and then verified.
func ledgerChain(entries []moneyEntry, final int64) error {
	if len(entries) == 0 {
		return fmt.Errorf("no ledger entries")
	}
	out := map[int64][]int{}
	deg := map[int64]int{}
	for i, e := range entries {
		from := e.balance - e.amount
		out[from] = append(out[from], i)
		deg[from]++
		deg[e.balance]--
	}
	for v, d := range deg {
		want := 0
		if v == 0 {
			want++
		}
		if v == final {
			want--
		}
		if d != want {
			return fmt.Errorf("the %d ledger entries form no single chain from 0 to the balance %d: %d more entries leave balance %d than reach it, want %d",
				len(entries), final, d, v, want)
		}
	}
	for v := range out { // a fixed order, so that a failure reads the same each time
		sort.Ints(out[v])
	}
	var trail []int
	stack := []int64{0}
	via := []int{-1}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		if es := out[v]; len(es) > 0 {
			e := es[len(es)-1]
			out[v] = es[:len(es)-1]
			stack = append(stack, entries[e].balance)
			via = append(via, e)
			continue
		}
		stack = stack[:len(stack)-1]
		if e := via[len(via)-1]; e >= 0 {
			trail = append(trail, e)
		}
		via = via[:len(via)-1]
	}
	if len(trail) != len(entries) {
		return fmt.Errorf("the %d ledger entries form no single chain from 0: only %d of them follow each other", len(entries), len(trail))
	}
	cur := int64(0)
	for i := len(trail) - 1; i >= 0; i-- {
		e := entries[trail[i]]
		if e.balance != cur+e.amount {
			return fmt.Errorf("ledger chain broken at entry %s: balance %d after %d%+d", e.id, e.balance, cur, e.amount)
		}
		cur = e.balance
	}
	if cur != final {
		return fmt.Errorf("the ledger chain ends at %d, the balance is %d", cur, final)
	}
	return nil
}
