package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/headlessdomains/registry/ports"
)

// writeBehind holds, inside a group transaction (Store.DoEach), the writes
// that no command of the group reads back: audit rows, idempotency results,
// ledger entries and the balance moves behind them. They are written when
// every command of the group has run, each kind as one statement for the
// whole group, just before the commit. A command's own writes that answer it
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
	// lone: the transaction holds one command (PostgreSQL). Its held audit
	// row and idempotency result then travel in the same round trip as its
	// debit, the transaction's last statement (LedgerRepository.Post), or
	// else as one round trip before the commit; balances move at once.
	lone bool
	tx   bun.Tx
	// blind: the balances are not read before the group's end (Store.doAll):
	// a move is held without knowing whether it fits, and the group's end
	// moves each balance only if every entry on the way stays at zero or
	// above; when one does not, the group fails with ErrGroupConflict and
	// runs again with its balances read.
	blind bool
	// timeoutsSet: a claim of the transaction (IdempotencyStore.Reserve)
	// has set its timeouts; the later claims need not.
	timeoutsSet bool

	audits    []*auditRow
	completes []*idempotencyRow
	ledger    []*ledgerRow
	balances  map[string]*heldBalance
}

// heldBalance is a partner's balance as the group has moved it.
type heldBalance struct {
	read, now int64
	updatedAt timestamp
}

// mark is where the write-behind stood before a command ran, so that a
// command rolled back to its savepoint takes its writes with it.
type mark struct {
	audits, completes, ledger int
	balances                  map[string]heldBalance
}

func newWriteBehind() *writeBehind { return &writeBehind{balances: map[string]*heldBalance{}} }

func (w *writeBehind) mark() mark {
	m := mark{audits: len(w.audits), completes: len(w.completes), ledger: len(w.ledger),
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
	for id, b := range w.balances {
		if before, ok := m.balances[id]; ok {
			*b = before
		} else {
			delete(w.balances, id)
		}
	}
}

// flush writes everything held, on tx. On PostgreSQL that is one
// statement whatever the group's size (flushPG).
func (w *writeBehind) flush(ctx context.Context, tx bun.Tx, pg bool) error {
	if pg {
		return w.flushPG(ctx, tx)
	}
	if len(w.audits) > 0 {
		if err := insertAll(ctx, tx, &w.audits, len(w.audits), "audit rows"); err != nil {
			return err
		}
	}
	if err := w.flushCompletes(ctx, tx, pg); err != nil {
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
// audit rows, the idempotency results, and per partner (one, nearly
// always) its balance move with its ledger entries (moveCTE). The
// statement sees the rows the group's earlier statements wrote (the
// claims its results complete). When a move does not fit, its entries are
// not written and the group fails with ErrGroupConflict, rolling back
// whatever else the statement wrote.
func (w *writeBehind) flushPG(ctx context.Context, tx bun.Tx) error {
	var ctes, counts, what []string
	var want []int64
	add := func(name, cte string, n int, about string) {
		ctes = append(ctes, name+" AS ("+cte+" RETURNING 1)")
		counts = append(counts, "(SELECT count(*) FROM "+name+")")
		want = append(want, int64(n))
		what = append(what, about)
	}
	if len(w.audits) > 0 {
		add("audits", tx.NewInsert().Model(&w.audits).String(), len(w.audits), "audit rows")
	}
	if len(w.completes) > 0 {
		add("results", w.completesQuery(tx).String(), len(w.completes), "idempotency results")
	}
	moves := 0
	for _, id := range w.partners() {
		moved, insert, entries := w.moveCTE(tx, id, moves)
		if entries == 0 {
			// Read by a move that was refused (ErrInsufficient) and then
			// not rolled back: nothing moved.
			continue
		}
		ctes = append(ctes, moved)
		add(fmt.Sprintf("entries_%d", moves), insert, entries, "partner "+id)
		moves++
	}
	if len(ctes) == 0 {
		return nil
	}
	// Formatted already: the text is not a template ("?" in a summary is
	// text).
	rows, err := tx.QueryContext(ctx, "WITH "+strings.Join(ctes, ", ")+" SELECT "+strings.Join(counts, ", "))
	if err != nil {
		return fmt.Errorf("write the group's held rows: %w", mapErr(err))
	}
	defer func() { _ = rows.Close() }()
	got := make([]int64, len(counts))
	dest := make([]any, len(got))
	for i := range got {
		dest[i] = &got[i]
	}
	if !rows.Next() {
		return fmt.Errorf("write the group's held rows: no answer: %w", mapErr(rows.Err()))
	}
	if err := rows.Scan(dest...); err != nil {
		return fmt.Errorf("write the group's held rows: %w", mapErr(err))
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("write the group's held rows: %w", mapErr(err))
	}
	for i := range got {
		switch {
		case got[i] == want[i]:
		case strings.HasPrefix(what[i], "partner "):
			return fmt.Errorf("%w: %s no longer covers the group's moves", ports.ErrGroupConflict, what[i])
		default:
			return fmt.Errorf("write %s: %d rows written, want %d", what[i], got[i], want[i])
		}
	}
	return nil
}

// moveCTE is, for the i-th partner of a group (PostgreSQL), the WITH
// clause that moves partner id's balance by the group's total under its
// row lock (moved_i) and the insert of the group's ledger entries of the
// partner that selects from it, and how many entries that is (0: none to
// write). Each entry's balance is the balance after the move less what the
// group moved after the entry (off), so the entries chain after whatever
// other transactions moved the balance meanwhile; the move is made only if
// neither that balance nor any entry's on the way goes below zero (the
// largest off); else moved_i is empty and no entry is written.
func (w *writeBehind) moveCTE(tx bun.Tx, id string, i int) (moved, insert string, entries int) {
	b := w.balances[id]
	delta := b.now - b.read
	var maxOff int64
	var values strings.Builder
	var args []any
	for _, row := range w.ledger {
		if row.PartnerID != id {
			continue
		}
		off := b.now - row.Balance
		maxOff = max(maxOff, off)
		if entries > 0 {
			values.WriteString(", ")
		}
		values.WriteString("(?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::bigint, ?::bigint, ?::timestamptz, ?::text, ?::text)")
		args = append(args, row.ID, row.PartnerID, row.ChannelID, row.AuditID, row.Command, row.Domain, row.Amount, off,
			row.CreatedAt, row.Reason, row.Actor)
		entries++
	}
	if entries == 0 {
		return "", "", 0
	}
	name := fmt.Sprintf("moved_%d", i)
	moved = tx.NewRaw(name+` AS (
	UPDATE partners SET gems_balance = gems_balance + ?, updated_at = ?
	WHERE id = ? AND gems_balance + ? >= 0
	RETURNING gems_balance)`, delta, b.updatedAt, id, delta-maxOff).String()
	insert = tx.NewRaw(`INSERT INTO ledger_entries (id, partner_id, channel_id, audit_id, command, domain, amount, balance, created_at, reason, actor)
	SELECT v.id, v.partner_id, v.channel_id, v.audit_id, v.command, v.domain, v.amount, `+name+`.gems_balance - v.off, v.created_at, v.reason, v.actor
	FROM `+name+`, (VALUES `+values.String()+`) AS v (id, partner_id, channel_id, audit_id, command, domain, amount, off, created_at, reason, actor)`,
		args...).String()
	return moved, insert, entries
}

// flushCompletes stores the idempotency results: on PostgreSQL one UPDATE
// joined to a VALUES list, on SQLite (no round trips to save) one UPDATE
// per record.
func (w *writeBehind) flushCompletes(ctx context.Context, tx bun.Tx, pg bool) error {
	if len(w.completes) == 0 {
		return nil
	}
	if !pg {
		for _, row := range w.completes {
			res, err := tx.NewUpdate().Model(row).Column("result", "audit_id").WherePK().Exec(ctx)
			if err := affected(res, err, 1, "idempotency result"); err != nil {
				return err
			}
		}
		return nil
	}
	res, err := w.completesQuery(tx).Exec(ctx)
	return affected(res, err, int64(len(w.completes)), "idempotency results")
}

// completesQuery is the one UPDATE that stores every held idempotency
// result (PostgreSQL).
func (w *writeBehind) completesQuery(tx bun.Tx) *bun.RawQuery {
	var q strings.Builder
	args := make([]any, 0, 4*len(w.completes))
	q.WriteString("UPDATE idempotency_records AS r SET result = v.result, audit_id = v.audit_id FROM (VALUES ")
	for i, row := range w.completes {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?::bytea, ?)")
		args = append(args, row.ChannelID, row.IdempotencyKey, row.Result, row.AuditID)
	}
	q.WriteString(") AS v (channel_id, idempotency_key, result, audit_id) " +
		"WHERE r.channel_id = v.channel_id AND r.idempotency_key = v.idempotency_key")
	return tx.NewRaw(q.String(), args...)
}

// heldStatements is the SQL text of the held audit rows and idempotency
// results of a lone command (PostgreSQL), statements separated by "; ",
// and forgets them: they travel with the next statement the command sends.
func (w *writeBehind) heldStatements(tx bun.Tx) string {
	var parts []string
	if len(w.audits) > 0 {
		parts = append(parts, tx.NewInsert().Model(&w.audits).String())
	}
	if len(w.completes) > 0 {
		parts = append(parts, w.completesQuery(tx).String())
	}
	w.audits, w.completes = nil, nil
	return strings.Join(parts, "; ")
}

// insertAll inserts a slice of rows as one statement.
func insertAll(ctx context.Context, tx bun.Tx, rows any, n int, what string) error {
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
