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

// wantEnded checks, after a pgTx ended, that want probe rows are
// committed and that no session of the test's database is left inside a
// transaction.
func wantEnded(t *testing.T, db *DB, committed func() int, want int) {
	t.Helper()
	if got := committed(); got != want {
		t.Fatalf("%d rows committed, want %d", got, want)
	}
	var n int
	err := db.bun.QueryRowContext(t.Context(), "SELECT count(*) FROM pg_stat_activity "+
		"WHERE datname = current_database() AND state LIKE 'idle in transaction%'").Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d sessions left inside a transaction", n)
	}
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
	tx = begunWith(t, db, 4)
	tx.end(ctx)
	wantEnded(t, db, committed, 3)
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
			wantEnded(t, db, committed, 0)
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
