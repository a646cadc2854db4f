package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/headlessdomains/registry/ports"
)

// writeBehind holds, inside a group transaction (Store.DoEach), the writes
// that no command of the group reads back: audit rows, idempotency results,
// ledger entries and the balance moves behind them, and (without
// savepoints) the updates of registrations that change no unique, key or
// checked column, such as a renewal's (heldUpdate), until something reads
// that registration. They are written when every command of the group has
// run, each kind in one statement for the whole group, just before the
// commit, and in a pgTx with it (one round trip). A command's other writes
// (its registration, its idempotency claim) are made at once, as outside a
// group.
//
// The balances: the first move of a partner in the group reads its row
// without a lock, and every later move of that partner in the group is
// checked against the balance the group has moved it to. At the end one
// UPDATE per partner (in partner id order) moves the balance by the group's
// total under the row lock, only if the result stays at zero or above, and
// answers the balance after it: the ledger entries' balances are computed
// back from that, so they chain in the order the row lock put the groups
// in. A group therefore holds the busiest row of the registry only from its
// last statements to its commit, and two groups of one partner (two nodes,
// or two lanes of one node) run side by side. When another transaction
// moved the balance meanwhile so that the group's moves no longer fit (the
// total or an entry on the way would go below zero), nothing is written
// and the group fails with ports.ErrGroupConflict: its commands run again
// one by one, each debit then checked under the lock.
type writeBehind struct {
	// lone: the transaction holds one command whose blind run did not fit
	// its balance (Store.doLone, PostgreSQL). Its held audit row and
	// idempotency result then travel in the same statement as its debit
	// (postNow), or else as one statement before the commit; balances move
	// at once, so that Post answers ErrInsufficient.
	lone bool
	// blind: the balances are not read before the group's end (Store.doAll):
	// a move is held without knowing whether it fits, and the group's end
	// moves each balance only if every entry on the way stays at zero or
	// above; when one does not, the group fails with ErrGroupConflict and
	// runs again with its balances read.
	blind bool
	// timeoutsSet: a claim of the transaction (IdempotencyStore.Reserve)
	// has set its timeouts; the later claims need not.
	timeoutsSet bool
	// holdUpdates: a registration's update may be held (see heldUpdate).
	// Only where no savepoint can roll back a statement that carries
	// another command's held update: a group without savepoints (doAll)
	// and a lone command (doLone), which fail whole.
	holdUpdates bool

	audits    []*auditRow
	completes []*idempotencyRow
	ledger    []*ledgerRow
	balances  map[string]*heldBalance
	updates   []heldUpdate
}

// heldUpdate is a registration's update held until the transaction's end
// (PostgreSQL, prepared), then written with the others that write the same
// columns as one UPDATE (pgWrite.updates). The row is locked by the command
// that changed it (its read was FOR NO KEY UPDATE), so no other transaction
// can change it first, and the update writes none of the columns the
// live-name index, the foreign keys or the check constraints look at
// (holdable), so it cannot be refused where it lands. Whatever in the transaction reads the
// row back first sends the held updates (conn.sendUpdates).
type heldUpdate struct {
	id, name string
	cols     []string
	vals     []any
}

// unholdable are the columns an update must not hold back: the live-name
// index's, the foreign keys', the check constraints', and those other
// statements of the transaction select by (LinkedDomains).
var unholdable = map[string]bool{"name": true, "label": true, "namespace": true, "state": true, "channel_id": true,
	"partner_id": true, "apply_status": true, "claim_notice_id": true, "claim_accepted_at": true,
	"create_paid_gems": true, "registrant_contact_id": true, "id": true}

// holdable: an update of cols may be held.
func holdable(cols []string) bool {
	for _, c := range cols {
		if unholdable[c] {
			return false
		}
	}
	return true
}

// heldBalance is a partner's balance as the group has moved it.
type heldBalance struct {
	read, now int64
	updatedAt timestamp
}

// mark is where the write-behind stood before a command ran, so that a
// command rolled back to its savepoint takes its writes with it.
type mark struct {
	audits, completes, ledger, updates int
	balances                           map[string]heldBalance
}

func newWriteBehind() *writeBehind { return &writeBehind{balances: map[string]*heldBalance{}} }

func (w *writeBehind) mark() mark {
	m := mark{audits: len(w.audits), completes: len(w.completes), ledger: len(w.ledger), updates: len(w.updates),
		balances: make(map[string]heldBalance, len(w.balances))}
	for id, b := range w.balances {
		m.balances[id] = *b
	}
	return m
}

// rollback forgets what was written after m, and the balance moves with it
// (a partner first moved after m is read again by its next move).
func (w *writeBehind) rollback(m mark) {
	w.audits, w.completes, w.ledger = w.audits[:m.audits], w.completes[:m.completes], w.ledger[:m.ledger]
	w.updates = w.updates[:m.updates]
	for id, b := range w.balances {
		if before, ok := m.balances[id]; ok {
			*b = before
		} else {
			delete(w.balances, id)
		}
	}
}

// flush writes everything held, on tx. On PostgreSQL that is one
// statement whatever the group's size (flushPG); prepared: pgx prepares it
// (preparedwrite.go). It is the transaction's last write: in a pgTx it
// carries the COMMIT.
func (w *writeBehind) flush(ctx context.Context, tx bun.IDB, pg, prepared bool) error {
	if pg {
		_, commits := tx.(*pgTx)
		_, err := w.flushPG(ctx, tx, prepared, commits)
		return err
	}
	if len(w.audits) > 0 {
		if err := insertAll(ctx, tx, &w.audits, len(w.audits), "audit rows"); err != nil {
			return err
		}
	}
	if err := w.flushCompletes(ctx, tx); err != nil {
		return err
	}
	for _, id := range w.partners() {
		b := w.balances[id]
		delta := b.now - b.read
		var after int64
		err := tx.NewRaw("UPDATE partners SET gems_balance = gems_balance + ?, updated_at = ? WHERE id = ? AND gems_balance + ? >= 0 RETURNING gems_balance",
			delta, b.updatedAt, id, delta).Scan(ctx, &after)
		if err = mapErr(err); errors.Is(err, ports.ErrNotFound) {
			return fmt.Errorf("%w: partner %s no longer covers the group's %d Gems", ports.ErrGroupConflict, id, delta)
		}
		if err != nil {
			return fmt.Errorf("write partner balance: %w", err)
		}
		if shift := after - b.now; shift != 0 {
			for _, row := range w.ledger {
				if row.PartnerID != id {
					continue
				}
				if row.Balance += shift; row.Balance < 0 {
					return fmt.Errorf("%w: partner %s's balance would pass below zero within the group", ports.ErrGroupConflict, id)
				}
			}
		}
	}
	if len(w.ledger) > 0 {
		if err := insertAll(ctx, tx, &w.ledger, len(w.ledger), "ledger entries"); err != nil {
			return err
		}
	}
	return nil
}

// partners are the ids of the partners whose balances the group moved, in
// id order: one lock order for every group.
func (w *writeBehind) partners() []string {
	ids := make([]string, 0, len(w.balances))
	for id := range w.balances {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// flushPG writes everything held as one statement (PostgreSQL), each kind
// in a WITH clause of its own that answers how many rows it wrote: the
// audit rows, the idempotency results, the held updates, and the balance
// moves of its partners with their ledger entries (pgWrite.moves). The
// statement sees the rows the transaction's earlier statements wrote (the
// claims its results complete). When a move does not fit, the group fails
// with ErrGroupConflict, rolling back whatever else the statement wrote.
// It forgets what it wrote, and answers the partner's balance after its
// move when it moved exactly one (a lone command's debit,
// LedgerRepository.Post).
func (w *writeBehind) flushPG(ctx context.Context, tx bun.IDB, prepared, commit bool) (balance sql.NullInt64, err error) {
	p := newPGWrite()
	if len(w.audits) > 0 {
		p.audits(w.audits)
	}
	if len(w.completes) > 0 {
		p.results(w.completes)
	}
	for i, set := range updateSets(w.updates) {
		p.updates(i, set)
	}
	var moves []partnerMove
	var entries []entryMove
	for _, id := range w.partners() {
		b := w.balances[id]
		first := len(entries)
		var maxOff int64
		for _, row := range w.ledger {
			if row.PartnerID != id {
				continue
			}
			// What the group moved after the entry: its balance is the
			// balance after the move less that.
			off := b.now - row.Balance
			maxOff = max(maxOff, off)
			entries = append(entries, entryMove{row, off})
		}
		if len(entries) == first {
			// Read by a move that was refused (ErrInsufficient) and then
			// not rolled back: nothing moved.
			continue
		}
		delta := b.now - b.read
		moves = append(moves, partnerMove{id: id, delta: delta, floor: delta - maxOff, at: b.updatedAt})
	}
	if len(moves) > 0 {
		p.moves(moves, entries)
	}
	w.audits, w.completes, w.ledger, w.updates = nil, nil, nil, nil
	clear(w.balances)
	if len(p.ctes) == 0 {
		if commit {
			return balance, tx.(*pgTx).commit(ctx)
		}
		return balance, nil
	}
	got, err := p.run(ctx, tx, prepared, commit)
	if err != nil {
		return balance, err
	}
	if p.balance >= 0 {
		balance = got[p.balance]
	}
	return balance, p.check(got)
}

// sendUpdates writes the held updates now, as one statement: something in
// the transaction is about to read a registration they change.
func (w *writeBehind) sendUpdates(ctx context.Context, tx bun.IDB, prepared bool) error {
	p := newPGWrite()
	for i, set := range updateSets(w.updates) {
		p.updates(i, set)
	}
	w.updates = nil
	got, err := p.run(ctx, tx, prepared, false)
	if err != nil {
		return err
	}
	return p.check(got)
}

// run sends the statement of p and answers its counts. commit (tx is a
// pgTx): the statement goes with the transaction's COMMIT, and fails
// itself, before the COMMIT, when a count is not the one expected
// (pgWrite.assert).
func (p *pgWrite) run(ctx context.Context, tx bun.IDB, prepared, commit bool) ([]sql.NullInt64, error) {
	var text string
	if commit {
		text = p.assert()
	} else {
		text = "WITH " + strings.Join(p.ctes, ", ") + " SELECT " + strings.Join(p.counts, ", ")
	}
	got := make([]sql.NullInt64, len(p.counts))
	dest := make([]any, len(got))
	for i := range got {
		dest[i] = &got[i]
	}
	if t, ok := tx.(*pgTx); ok {
		_, err := t.pipe(ctx, text, p.args, func(r rowScanner) error { return r.Scan(dest...) }, commit)
		if err != nil {
			return nil, fmt.Errorf("write the held rows: %w", err)
		}
		return got, nil
	}
	if commit {
		return nil, fmt.Errorf("write the held rows: a commit outside a pgTx (%T)", tx)
	}
	raw, ok := tx.(bun.Tx)
	if !ok {
		return nil, fmt.Errorf("write the held rows: outside a transaction (%T)", tx)
	}
	args := p.args
	if prepared {
		args = cached(args)
	}
	rows, err := raw.Tx.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, fmt.Errorf("write the held rows: %w", mapErr(err))
	}
	defer func() { _ = rows.Close() }()
	if !rows.Next() {
		return nil, fmt.Errorf("write the held rows: no answer: %w", mapErr(rows.Err()))
	}
	if err := rows.Scan(dest...); err != nil {
		return nil, fmt.Errorf("write the held rows: %w", mapErr(err))
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("write the held rows: %w", mapErr(err))
	}
	return got, nil
}

// check compares the counts p's statement answered with what it wrote:
// a partner's move that did not fit is ErrGroupConflict.
func (p *pgWrite) check(got []sql.NullInt64) error {
	for i := range got {
		switch {
		case p.want[i] < 0 || got[i].Int64 == p.want[i]:
		case i == p.moved:
			return fmt.Errorf("%w: %d of %d partners' balances no longer cover their moves", ports.ErrGroupConflict,
				p.want[i]-got[i].Int64, p.want[i])
		default:
			return fmt.Errorf("write %s: %d rows written, want %d", p.what[i], got[i].Int64, p.want[i])
		}
	}
	return nil
}

// postNow moves row.Amount into row's partner's balance and appends row
// with the balance after it, at once, as one statement with whatever else
// the transaction held (PostgreSQL, outside a group: Do, or a lone
// command). moved is false when the balance does not cover the move.
func (w *writeBehind) postNow(ctx context.Context, c conn, row *ledgerRow) (balance int64, moved bool, err error) {
	if !c.tx {
		return 0, false, errReadOnly
	}
	w.balances[row.PartnerID] = &heldBalance{now: row.Amount, updatedAt: row.CreatedAt}
	row.Balance = row.Amount
	w.ledger = append(w.ledger, row)
	after, err := w.flushPG(ctx, c.db, c.prepared, false)
	switch {
	case after.Valid:
		return after.Int64, true, err
	case err == nil, errors.Is(err, ports.ErrGroupConflict):
		return 0, false, nil
	default:
		return 0, false, err
	}
}

// flushCompletes stores the idempotency results on SQLite (no round trips
// to save): one UPDATE per record.
func (w *writeBehind) flushCompletes(ctx context.Context, tx bun.IDB) error {
	for _, row := range w.completes {
		res, err := tx.NewUpdate().Model(row).Column("result", "audit_id").WherePK().Exec(ctx)
		if err := affected(res, err, 1, "idempotency result"); err != nil {
			return err
		}
	}
	return nil
}

// insertAll inserts a slice of rows as one statement.
func insertAll(ctx context.Context, tx bun.IDB, rows any, n int, what string) error {
	res, err := tx.NewInsert().Model(rows).Exec(ctx)
	return affected(res, err, int64(n), what)
}

// affected checks that a write touched exactly want rows.
type rowsResult interface{ RowsAffected() (int64, error) }

func affected(res rowsResult, err error, want int64, what string) error {
	if err != nil {
		return fmt.Errorf("write %s: %w", what, mapErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("write %s: %w", what, mapErr(err))
	}
	if n != want {
		return fmt.Errorf("write %s: %d rows written, want %d", what, n, want)
	}
	return nil
}
