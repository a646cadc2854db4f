package sqlstore

import (
	"context"
	"errors"
	"testing"

	"github.com/headlessdomains/registry/ports"
)

// pgTxProbe opens a PostgreSQL database with a table of ids, and answers
// how many rows of it another connection sees committed.
func pgTxProbe(t *testing.T) (*DB, func() int) {
	t.Helper()
	db := openPostgres(t)
	if _, err := db.bun.ExecContext(t.Context(), "CREATE TABLE pgtx_probe (id int PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	return db, func() int {
		t.Helper()
		var n int
		if err := db.bun.QueryRowContext(t.Context(), "SELECT count(*) FROM pgtx_probe").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
}

// openInTransaction is how many sessions of the test's database are left
// inside a transaction.
func openInTransaction(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	err := db.bun.QueryRowContext(t.Context(), "SELECT count(*) FROM pg_stat_activity "+
		"WHERE datname = current_database() AND state LIKE 'idle in transaction%'").Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

const probeInsert = "INSERT INTO pgtx_probe (id) VALUES ($1)"

// begunWith opens a pgTx whose first statement (carrying its BEGIN)
// inserts id into the probe table.
func begunWith(t *testing.T, db *DB, id int) *pgTx {
	t.Helper()
	tx, err := beginPG(t.Context(), db.bun)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.pipe(t.Context(), probeInsert, []any{id}, nil, false); err != nil {
		tx.end(t.Context())
		t.Fatal(err)
	}
	return tx
}

func TestPgTxBeginsWithItsFirstStatementAndCommitsWithItsLastOnPostgres(t *testing.T) {
	db, committed := pgTxProbe(t)
	ctx := t.Context()

	tx, err := beginPG(ctx, db.bun)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := tx.pipe(ctx, probeInsert, []any{1}, nil, false); err != nil || n != 1 {
		t.Fatalf("first insert: %d rows, %v", n, err)
	}
	if !tx.begun {
		t.Fatal("the first statement did not carry the BEGIN")
	}
	// Were the first statement sent without its BEGIN, it would have
	// committed on its own.
	if got := committed(); got != 0 {
		t.Fatalf("another connection sees %d rows before the commit, want 0", got)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO pgtx_probe (id) VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.pipe(ctx, probeInsert, []any{3}, nil, true); err != nil {
		t.Fatalf("last insert with the commit: %v", err)
	}
	tx.end(ctx)
	if got := committed(); got != 3 {
		t.Fatalf("after the commit another connection sees %d rows, want 3", got)
	}

	// Ended without a commit: rolled back, and the connection goes back
	// to the pool outside any transaction.
	tx, err = beginPG(ctx, db.bun)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.pipe(ctx, probeInsert, []any{4}, nil, false); err != nil {
		t.Fatal(err)
	}
	tx.end(ctx)
	if got := committed(); got != 3 {
		t.Fatalf("after a transaction ended without its commit: %d rows, want 3", got)
	}
	if n := openInTransaction(t, db); n != 0 {
		t.Fatalf("%d sessions left inside a transaction", n)
	}
}

func TestPgTxSkipsItsCommitAfterAFailedStatementOnPostgres(t *testing.T) {
	db, committed := pgTxProbe(t)
	ctx := t.Context()
	cases := []struct {
		name string
		last string
		args []any
		want error
	}{
		{"a duplicate", probeInsert, []any{1}, ports.ErrDuplicate},
		{"a move that did not fit", "SELECT 1 WHERE registry_check_writes(false, true)", nil, ports.ErrGroupConflict},
		{"a short count", "SELECT 1 WHERE registry_check_writes(true, $1::int8 = 2)", []any{int64(1)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tx := begunWith(t, db, 1)
			defer tx.end(ctx)
			_, err := tx.pipe(ctx, c.last, c.args, func(r rowScanner) error { var n int; return r.Scan(&n) }, true)
			switch {
			case err == nil:
				t.Fatal("the failing statement answered no error")
			case c.want != nil && !errors.Is(err, c.want):
				t.Fatalf("error %v, want %v", err, c.want)
			}
			tx.end(ctx)
			if got := committed(); got != 0 {
				t.Fatalf("%d rows committed after the statement before COMMIT failed, want 0", got)
			}
			if n := openInTransaction(t, db); n != 0 {
				t.Fatalf("%d sessions left inside a transaction", n)
			}
		})
	}
}

func TestPgTxCommitOfAnAbortedTransactionFailsOnPostgres(t *testing.T) {
	db, committed := pgTxProbe(t)
	ctx := t.Context()
	tx := begunWith(t, db, 1)
	defer tx.end(ctx)
	// A failed statement whose error was not acted on aborts the
	// transaction: PostgreSQL answers its COMMIT with ROLLBACK.
	if _, err := tx.ExecContext(ctx, "INSERT INTO pgtx_probe (id) VALUES (1)"); err == nil {
		t.Fatal("a duplicate insert answered no error")
	}
	if err := tx.commit(ctx); err == nil {
		t.Fatal("the commit of an aborted transaction answered no error")
	}
	if got := committed(); got != 0 {
		t.Fatalf("%d rows committed, want 0", got)
	}
}

func TestPgTxSavepointKeepsTheTransactionOnPostgres(t *testing.T) {
	db, committed := pgTxProbe(t)
	ctx := context.Background()
	tx := begunWith(t, db, 1)
	defer tx.end(ctx)
	err := tx.savepoint(ctx, func() error {
		_, err := tx.ExecContext(ctx, "INSERT INTO pgtx_probe (id) VALUES (1)")
		return mapErr(err)
	})
	if !errors.Is(err, ports.ErrDuplicate) {
		t.Fatalf("savepoint answered %v, want the duplicate", err)
	}
	if _, err := tx.pipe(ctx, probeInsert, []any{2}, nil, true); err != nil {
		t.Fatalf("the transaction after its savepoint rolled back: %v", err)
	}
	if got := committed(); got != 2 {
		t.Fatalf("%d rows committed, want 2", got)
	}
}
