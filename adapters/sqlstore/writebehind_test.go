package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// TestGroupMovesTheBalanceAtItsEndOnPostgres: a group transaction moves
// its partner's balance at its end, under the row lock, without having
// read it. Another transaction that debits the partner meanwhile is not
// blocked by the group; the group's entries then chain after that debit
// when they still fit. When they no longer do, nothing of that run is
// kept and the group runs again with the balance read (without locking
// it), each move checked against it: what fits is kept, what does not is
// refused; and when the balance moved again meanwhile so that even that
// no longer fits, the whole group fails with ErrGroupConflict and keeps
// nothing.
func TestGroupMovesTheBalanceAtItsEndOnPostgres(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store) // partner par_1
	setBalance := func(n int64) {
		t.Helper()
		if _, err := db.bun.NewDelete().Model((*ledgerRow)(nil)).Where("partner_id = ?", "par_1").Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			_, err := tx.Partners().Update(ctx, "par_1", func(p *core.Partner) error { p.GemsBalance = n; return nil })
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	seq := 0
	entry := func(amount int64) core.LedgerEntry {
		seq++
		return core.LedgerEntry{ID: fmt.Sprintf("led_wb_%d", seq), PartnerID: "par_1", ChannelID: chn, Command: "create_domain",
			Amount: amount, Reason: "create", Actor: "registrar", CreatedAt: testNow.Add(time.Duration(seq) * time.Second)}
	}
	post := func(amount int64) func(ctx context.Context, tx ports.Stores) error {
		e := entry(amount)
		return func(ctx context.Context, tx ports.Stores) error { _, err := tx.Ledger().Post(ctx, e); return err }
	}
	// outside debits the partner in a transaction of its own while the
	// group is running (it must not wait for the group): amounts[k] when
	// the group runs it for the k-th time, nothing after the last.
	outside := func(amounts ...int64) func(ctx context.Context, tx ports.Stores) error {
		calls := 0
		return func(ctx context.Context, _ ports.Stores) error {
			if calls++; calls > len(amounts) {
				return nil
			}
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			return store.Do(ctx, post(amounts[calls-1]))
		}
	}
	// balances answers each entry's amount → balance after it.
	balances := func() string {
		t.Helper()
		out := map[int64]int64{}
		if err := store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			es, err := tx.Ledger().ListByPartner(ctx, "par_1")
			for _, e := range es {
				out[e.Amount] = e.Balance
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(out)
	}
	balance := func() int64 {
		t.Helper()
		var p partnerRow
		if err := db.bun.NewSelect().Model(&p).Where("id = ?", "par_1").Scan(t.Context()); err != nil {
			t.Fatal(err)
		}
		return p.GemsBalance
	}
	for _, c := range []struct {
		name    string
		group   []func(ctx context.Context, tx ports.Stores) error
		errs    string
		ledger  string
		balance int64
	}{{
		// 100 → the group takes 30 and 20; meanwhile 40 is taken
		// outside; at its end the group's entries chain after it.
		"fits", []func(ctx context.Context, tx ports.Stores) error{post(-30), outside(-40), post(-20)},
		"[ok ok ok]", "map[-40:60 -30:30 -20:10]", 10,
	}, {
		// 100 → the group takes 50 and 40; meanwhile 30 is taken
		// outside; 90 no longer fits in 70. Run again with 70 read: 50
		// fits, 40 no longer does.
		"runs again with the balance read", []func(ctx context.Context, tx ports.Stores) error{post(-50), outside(-30), post(-40)},
		"[ok ok insufficient]", "map[-50:20 -30:70]", 20,
	}, {
		// As above, and 25 more is taken outside while the group runs
		// again: 50 no longer fits in 45 either; nothing of the group.
		"conflicts", []func(ctx context.Context, tx ports.Stores) error{post(-50), outside(-30, -25), post(-40)},
		"[conflict conflict conflict]", "map[-30:70 -25:45]", 45,
	}, {
		// A credit after a debit: the group's total fits, but the balance
		// dips on the way lower than where it ends. 100 → the group takes
		// 80 and gives back 50; 10 taken outside leaves room for the dip.
		"dips and fits", []func(ctx context.Context, tx ports.Stores) error{post(-80), outside(-10), post(50)},
		"[ok ok ok]", "map[-80:10 -10:90 50:60]", 60,
	}, {
		// 40 taken outside would take the first entry below zero: run
		// again with 60 read, 80 is refused and 50 given back.
		"dips below zero", []func(ctx context.Context, tx ports.Stores) error{post(-80), outside(-40), post(50)},
		"[insufficient ok ok]", "map[-40:60 50:110]", 110,
	}} {
		store = NewStore(db) // no refusal of an earlier case carries over (Store.refusing)
		setBalance(100)
		errs := store.DoEach(t.Context(), c.group)
		if got := groupOutcome(errs); got != c.errs {
			t.Errorf("%s: the group answered %s, want %s", c.name, got, c.errs)
		}
		if got := balances(); got != c.ledger {
			t.Errorf("%s: ledger (amount:balance) %s, want %s", c.name, got, c.ledger)
		}
		if got := balance(); got != c.balance {
			t.Errorf("%s: balance %d, want %d", c.name, got, c.balance)
		}
	}
}

// TestLoneCommandSendsItsHeldWritesWithItsDebitOnPostgres: a group of one
// command holds its audit row and idempotency result and sends them with
// its debit and its commit (doOne); a group of two sends them with its
// balance move. Text that looks like a placeholder (a "?" in a key or a
// summary) is written as it is; a debit the balance does not cover runs
// again with the balance read and is refused, leaving nothing of the
// command.
func TestLoneCommandSendsItsHeldWritesWithItsDebitOnPostgres(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store) // partner par_1 holds 100 Gems
	command := func(key string, amount int64) func(ctx context.Context, tx ports.Stores) error {
		return func(ctx context.Context, tx ports.Stores) error {
			rec := testRecord(chn, key)
			rec.AuditID = "aud_" + key
			if existing, err := tx.Idempotency().Reserve(ctx, rec); err != nil || existing != nil {
				return fmt.Errorf("reserve: %v %v", existing, err)
			}
			if err := tx.Audit().Append(ctx, core.AuditEvent{ID: rec.AuditID, ChannelID: chn, ChannelSlug: "acme", Actor: "registrar",
				Command: "create_domain", Domain: "a.wallet", IdempotencyKey: key, Status: core.AuditSuccess, HTTPStatus: 201,
				RequestSummary: map[string]any{"note": "why? $1 ?"}, ResponseSummary: map[string]any{}, CreatedAt: testNow}); err != nil {
				return err
			}
			rec.Result = []byte(`{"q":"?"}`)
			if err := tx.Idempotency().Complete(ctx, rec); err != nil {
				return err
			}
			if amount == 0 {
				return nil
			}
			_, err := tx.Ledger().Post(ctx, core.LedgerEntry{ID: "led_" + key, PartnerID: "par_1", ChannelID: chn,
				AuditID: rec.AuditID, Command: "create_domain", Amount: amount, Reason: "create", Actor: "registrar", CreatedAt: testNow})
			return err
		}
	}
	stored := func(key string) (audit, result, ledger int) {
		t.Helper()
		return countWhere(t, db, "SELECT count(*) FROM audit_events WHERE idempotency_key = ? AND request_summary->>'note' = 'why? $1 ?'", key),
			countWhere(t, db, "SELECT count(*) FROM idempotency_records WHERE idempotency_key = ? AND result = ?::bytea", key, []byte(`{"q":"?"}`)),
			countWhere(t, db, "SELECT count(*) FROM ledger_entries WHERE id = ?", "led_"+key)
	}

	for _, c := range []struct {
		key    string
		amount int64
		want   [3]int
		refuse bool
	}{
		{"debit?1", -30, [3]int{1, 1, 1}, false},
		{"free?2", 0, [3]int{1, 1, 0}, false},
		{"too-much?3", -500, [3]int{0, 0, 0}, true},
	} {
		errs := store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{command(c.key, c.amount)})
		if got := errors.Is(errs[0], ports.ErrInsufficient); got != c.refuse || (!c.refuse && errs[0] != nil) {
			t.Fatalf("%s: %v", c.key, errs[0])
		}
		if a, r, l := stored(c.key); [3]int{a, r, l} != c.want {
			t.Errorf("%s: audit, result, ledger rows %d %d %d, want %v", c.key, a, r, l, c.want)
		}
	}
	// A group writes the same rows, held to its end, as one statement.
	errs := store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{command("group?4", -10), command("group?5", 0)})
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("group: %v", errs)
	}
	for key, want := range map[string][3]int{"group?4": {1, 1, 1}, "group?5": {1, 1, 0}} {
		if a, r, l := stored(key); [3]int{a, r, l} != want {
			t.Errorf("%s: audit, result, ledger rows %d %d %d, want %v", key, a, r, l, want)
		}
	}
	var p partnerRow
	if err := db.bun.NewSelect().Model(&p).Where("id = ?", "par_1").Scan(t.Context()); err != nil {
		t.Fatal(err)
	}
	if p.GemsBalance != 60 {
		t.Errorf("balance %d, want 60", p.GemsBalance)
	}
}

// countWhere runs a count query written with bun's ? placeholders.
func countWhere(t *testing.T, db *DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.bun.NewRaw(q, args...).Scan(t.Context(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestGroupRunsAgainOnlyWhatARefusalRolledBack: a group whose commands all
// succeed runs each once, in one transaction without savepoints. When one
// is refused, that run keeps nothing and the commands up to the refused
// one ran in it; every command runs again in savepoints (the refused one
// too, so that its answer is the committed run's), the ones after it for
// the first time, and the others commit. Both databases.
func TestGroupRunsAgainOnlyWhatARefusalRolledBack(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		store := NewStore(open(t))
		errRefused := errors.New("refused")
		var runs [3]int
		insert := func(i int, id string, fail error) func(ctx context.Context, tx ports.Stores) error {
			return func(ctx context.Context, tx ports.Stores) error {
				runs[i]++
				if err := tx.Partners().Insert(ctx, testPartner(id)); err != nil {
					return err
				}
				return fail
			}
		}
		exists := func(id string) bool {
			t.Helper()
			err := store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
				_, err := tx.Partners().Get(ctx, id)
				return err
			})
			if err != nil && !errors.Is(err, ports.ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil
		}

		errs := store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
			insert(0, "par_g1", nil), insert(1, "par_g2", nil), insert(2, "par_g3", nil),
		})
		if errs[0] != nil || errs[1] != nil || errs[2] != nil || runs != [3]int{1, 1, 1} {
			t.Fatalf("group without a refusal: errors %v, runs %v; want none and one run each", errs, runs)
		}

		runs = [3]int{}
		errs = store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
			insert(0, "par_r1", nil), insert(1, "par_r2", errRefused), insert(2, "par_r3", nil),
		})
		if errs[0] != nil || !errors.Is(errs[1], errRefused) || errs[2] != nil {
			t.Fatalf("group with a refusal: errors %v; want nil, the refusal, nil", errs)
		}
		if runs != [3]int{2, 2, 1} {
			t.Errorf("group with a refusal: runs %v; want the command before it and the refused one twice, the one after it once", runs)
		}
		for id, want := range map[string]bool{"par_r1": true, "par_r2": false, "par_r3": true} {
			if got := exists(id); got != want {
				t.Errorf("after the group with a refusal: %s exists = %v, want %v", id, got, want)
			}
		}

		// After a refusal the next groups run in savepoints from the start
		// (each command once, refused or not) until one refuses nothing.
		k := 0
		for _, c := range []struct {
			refuse bool
			want   [3]int
		}{{true, [3]int{1, 1, 1}}, {false, [3]int{1, 1, 1}}, {true, [3]int{2, 2, 1}}} {
			k++
			runs = [3]int{}
			var fail error
			if c.refuse {
				fail = errRefused
			}
			id := fmt.Sprintf("par_s%d_", k)
			errs = store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
				insert(0, id+"1", nil), insert(1, id+"2", fail), insert(2, id+"3", nil),
			})
			if errs[0] != nil || errs[2] != nil || errors.Is(errs[1], errRefused) != c.refuse || runs != c.want {
				t.Errorf("refusal %v after the group before: errors %v, runs %v; want runs %v", c.refuse, errs, runs, c.want)
			}
		}
	})
}

// TestGroupKeepsItsRunPastACommandThatWroteNothing: a command that answers
// an error matching ports.ErrNothingWritten (a retry whose claim found the
// key's record) does not roll its group's run back: every command runs
// once, the others' writes commit, and the next group is not sent into
// savepoints. A command alone answers it the same way. Both databases.
func TestGroupKeepsItsRunPastACommandThatWroteNothing(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		store := NewStore(open(t))
		replayed := fmt.Errorf("a replay: %w", ports.ErrNothingWritten)
		var runs [3]int
		insert := func(i int, id string) func(ctx context.Context, tx ports.Stores) error {
			return func(ctx context.Context, tx ports.Stores) error {
				runs[i]++
				return tx.Partners().Insert(ctx, testPartner(id))
			}
		}
		nothing := func(i int) func(ctx context.Context, tx ports.Stores) error {
			return func(ctx context.Context, tx ports.Stores) error {
				runs[i]++
				return replayed
			}
		}
		errs := store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
			insert(0, "par_n1"), nothing(1), insert(2, "par_n3"),
		})
		if errs[0] != nil || !errors.Is(errs[1], ports.ErrNothingWritten) || errs[2] != nil || runs != [3]int{1, 1, 1} {
			t.Fatalf("errors %v, runs %v; want nil, the replay, nil and one run each", errs, runs)
		}
		for _, id := range []string{"par_n1", "par_n3"} {
			if err := store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
				_, err := tx.Partners().Get(ctx, id)
				return err
			}); err != nil {
				t.Errorf("%s: %v", id, err)
			}
		}
		// Not sent into savepoints: a refusal in the next group still
		// rolls its first run back (the refused command runs twice).
		errRefused := errors.New("refused")
		runs = [3]int{}
		errs = store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
			insert(0, "par_n4"), func(ctx context.Context, tx ports.Stores) error { runs[1]++; return errRefused }, insert(2, "par_n6"),
		})
		if errs[0] != nil || !errors.Is(errs[1], errRefused) || errs[2] != nil || runs != [3]int{2, 2, 1} {
			t.Errorf("the group after: errors %v, runs %v; want its first run rolled back (runs 2, 2, 1)", errs, runs)
		}
		runs = [3]int{}
		if errs := store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{nothing(0)}); !errors.Is(errs[0], ports.ErrNothingWritten) || runs[0] != 1 {
			t.Errorf("a command alone: %v after %d runs", errs, runs[0])
		}
	})
}

// TestGroupMovesSeveralPartnersInOneStatementOnPostgres: a group of
// several partners' commands, in no order of partner, moves each balance
// once at its end and chains each partner's entries on its own balance
// (the statement's lists padded past the group's size match nothing).
// When one partner's balance is spent meanwhile, the group runs again with
// the balances read and only that partner's command is refused; when
// another is spent in that run too, nothing of any partner is kept.
func TestGroupMovesSeveralPartnersInOneStatementOnPostgres(t *testing.T) {
	db := openPostgres(t)
	partners := []string{"par_1", "par_2", "par_3"}
	if err := NewStore(db).Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		for i, id := range partners {
			if err := tx.Partners().Insert(ctx, testPartner(id)); err != nil {
				return err
			}
			if err := tx.Channels().Insert(ctx, testChannel(fmt.Sprintf("chn_%d", i+1), id, fmt.Sprintf("reg%d", i+1))); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	seq := 0
	post := func(partner string, amount int64) func(ctx context.Context, tx ports.Stores) error {
		seq++
		e := core.LedgerEntry{ID: fmt.Sprintf("led_mp_%03d", seq), PartnerID: partner, ChannelID: "chn_" + partner[len("par_"):],
			Command: "create_domain", Amount: amount, Reason: "create", Actor: "registrar",
			CreatedAt: testNow.Add(time.Duration(seq) * time.Second)}
		return func(ctx context.Context, tx ports.Stores) error { _, err := tx.Ledger().Post(ctx, e); return err }
	}
	// outside debits partner in a transaction of its own, amounts[k] when
	// the group runs it for the k-th time (0: nothing).
	outside := func(partner string, amounts ...int64) func(ctx context.Context, tx ports.Stores) error {
		calls := 0
		return func(ctx context.Context, _ ports.Stores) error {
			if calls++; calls > len(amounts) || amounts[calls-1] == 0 {
				return nil
			}
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			return NewStore(db).Do(ctx, post(partner, amounts[calls-1]))
		}
	}
	// state is every partner's balance and its entries (amount:balance).
	state := func() string {
		t.Helper()
		var out []string
		if err := NewStore(db).View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			for _, id := range partners {
				p, err := tx.Partners().Get(ctx, id)
				if err != nil {
					return err
				}
				es, err := tx.Ledger().ListByPartner(ctx, id)
				if err != nil {
					return err
				}
				chain := make([]string, 0, len(es))
				for _, e := range es {
					chain = append(chain, fmt.Sprintf("%d:%d", e.Amount, e.Balance))
				}
				slices.Sort(chain)
				out = append(out, fmt.Sprintf("%s=%d%v", id, p.GemsBalance, chain))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, " ")
	}
	reset := func() {
		t.Helper()
		if _, err := db.bun.NewDelete().Model((*ledgerRow)(nil)).Where("TRUE").Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.bun.NewUpdate().Model((*partnerRow)(nil)).Set("gems_balance = 100").Where("TRUE").Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name        string
		group       func() []func(ctx context.Context, tx ports.Stores) error
		errs, state string
	}{{
		"each partner chains on its own balance", func() []func(ctx context.Context, tx ports.Stores) error {
			return []func(ctx context.Context, tx ports.Stores) error{post("par_3", -10), post("par_1", -20),
				post("par_2", -5), post("par_1", -30), post("par_3", -15)}
		},
		"[ok ok ok ok ok]", "par_1=50[-20:80 -30:50] par_2=95[-5:95] par_3=75[-10:90 -15:75]",
	}, {
		// 97 of par_2's 100 taken outside: par_2's 5 no longer fits.
		"one partner spent meanwhile", func() []func(ctx context.Context, tx ports.Stores) error {
			return []func(ctx context.Context, tx ports.Stores) error{post("par_3", -10), post("par_1", -20),
				outside("par_2", -97), post("par_2", -5), post("par_1", -30)}
		},
		"[ok ok ok insufficient ok]", "par_1=50[-20:80 -30:50] par_2=3[-97:3] par_3=90[-10:90]",
	}, {
		// As above, and 80 of par_3's taken outside in the second run,
		// after the group read par_3's balance: 10 no longer fits in 20.
		"another spent in the second run", func() []func(ctx context.Context, tx ports.Stores) error {
			return []func(ctx context.Context, tx ports.Stores) error{post("par_3", -25), post("par_1", -20),
				outside("par_2", -97), post("par_2", -5), outside("par_3", 0, -80), post("par_1", -30)}
		},
		"[conflict conflict conflict conflict conflict conflict]", "par_1=100[] par_2=3[-97:3] par_3=20[-80:20]",
	}} {
		reset()
		errs := NewStore(db).DoEach(t.Context(), c.group())
		if got := groupOutcome(errs); got != c.errs {
			t.Errorf("%s: the group answered %s, want %s", c.name, got, c.errs)
		}
		if got := state(); got != c.state {
			t.Errorf("%s: %s, want %s", c.name, got, c.state)
		}
	}
}

// groupOutcome sums up the errors of a group: ok, conflict, insufficient.
func groupOutcome(errs []error) string {
	var out []string
	for _, err := range errs {
		switch {
		case err == nil:
			out = append(out, "ok")
		case errors.Is(err, ports.ErrGroupConflict):
			out = append(out, "conflict")
		case errors.Is(err, ports.ErrInsufficient):
			out = append(out, "insufficient")
		default:
			out = append(out, err.Error())
		}
	}
	return fmt.Sprint(out)
}

// TestLoneCommandRunsAgainOnlyWhenItsMoveDidNotFitOnPostgres: a group of
// one runs blind (doOne); its refusal is answered from that one run, and
// only a move its balance did not cover runs it again, with the balance
// read, to be refused there.
func TestLoneCommandRunsAgainOnlyWhenItsMoveDidNotFitOnPostgres(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store) // partner par_1 holds 100 Gems
	refusal := errors.New("refused by the command")
	for _, c := range []struct {
		name   string
		amount int64
		refuse error
		runs   int
		want   error
	}{
		{"fits", -40, nil, 1, nil},
		{"refused by the command", -10, refusal, 1, refusal},
		{"does not fit", -70, nil, 2, ports.ErrInsufficient},
	} {
		runs := 0
		errs := store.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
			func(ctx context.Context, tx ports.Stores) error {
				runs++
				if _, err := tx.Ledger().Post(ctx, core.LedgerEntry{ID: "led_" + strconv.Itoa(runs) + c.name, PartnerID: "par_1",
					ChannelID: chn, AuditID: "aud_1", Command: "create_domain", Amount: c.amount, Reason: "create",
					Actor: "registrar", CreatedAt: testNow}); err != nil {
					return err
				}
				return c.refuse
			},
		})
		if !errors.Is(errs[0], c.want) || (c.want == nil && errs[0] != nil) {
			t.Errorf("%s: %v, want %v", c.name, errs[0], c.want)
		}
		if runs != c.runs {
			t.Errorf("%s: ran %d times, want %d", c.name, runs, c.runs)
		}
	}
	if got := countWhere(t, db, "SELECT gems_balance FROM partners WHERE id = ?", "par_1"); got != 60 {
		t.Errorf("balance %d, want 60", got)
	}
}
