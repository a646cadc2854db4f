package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/headlessdomains/registry/ports"
)

// A transaction the store opens and ends itself (PostgreSQL).
//
// database/sql's transaction costs a round trip of its own to begin and one
// to commit: a group of four creates (Store.DoEach) made seven, BEGIN, the
// four claims with their registrations, the held writes, COMMIT, and on a
// loaded machine each round trip is a wake-up of registryd and of
// PostgreSQL. pgTx holds one connection of the pool and sends BEGIN in the
// same round trip as the transaction's first prepared statement, and COMMIT
// in the same round trip as its last (the held writes), as one pgx batch
// each: the group makes five. Every other statement (bun's, and a prepared
// read scanned into a model) runs on the connection through database/sql
// as before, after a BEGIN of its own if none was sent yet.
//
// PostgreSQL runs the statements of a batch up to its Sync in order; the
// BEGIN at its head makes the rest of it, and what follows, one explicit
// transaction (checked: the connection reports itself in a transaction
// after it, or the batch fails). When a statement of a batch fails, the
// server skips the rest of it, COMMIT included, and the transaction is
// rolled back when pgTx ends. A batch that commits carries the held writes
// in a statement that fails itself when a count is not the one expected
// (pgWrite.assert), so that nothing short is ever committed. A connection
// that cannot be shown to be outside any transaction when pgTx ends is
// dropped from the pool, never handed to the next caller.
type pgTx struct {
	db *bun.DB
	sc *sql.Conn

	begun bool // BEGIN was sent (and answered)
	ended bool // COMMIT or ROLLBACK was sent
}

var _ bun.IDB = (*pgTx)(nil)

// beginPG opens a pgTx on a connection of db's pool; nothing is sent yet.
func beginPG(ctx context.Context, db *bun.DB) (*pgTx, error) {
	sc, err := db.DB.Conn(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	return &pgTx{db: db, sc: sc}, nil
}

// begin sends BEGIN on its own when no statement carried it yet.
func (t *pgTx) begin(ctx context.Context) error {
	if t.ended {
		return errors.New("postgres: a statement after the transaction ended")
	}
	if t.begun {
		return nil
	}
	if _, err := t.sc.ExecContext(ctx, "BEGIN"); err != nil {
		return mapErr(err)
	}
	t.begun = true
	return nil
}

// commit sends COMMIT on its own.
func (t *pgTx) commit(ctx context.Context) error {
	if err := t.begin(ctx); err != nil {
		return err
	}
	t.ended = true
	err := t.sc.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: a connection of the pool is a %T, not pgx's", dc)
		}
		// COMMIT of a transaction a failed statement aborted answers
		// ROLLBACK, not an error.
		tag, err := c.Conn().PgConn().Exec(ctx, "COMMIT").ReadAll()
		if err == nil && (len(tag) != 1 || tag[0].CommandTag.String() != "COMMIT") {
			err = errors.New("postgres: COMMIT answered ROLLBACK: the transaction was rolled back")
		}
		return err
	})
	return mapErr(err)
}

// end rolls back what was not committed and gives the connection back to
// the pool, or drops it when it may still be inside a transaction (its
// rollback failed, or a batch broke off).
func (t *pgTx) end(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	if t.begun && !t.ended {
		t.ended = true
		_, _ = t.sc.ExecContext(ctx, "ROLLBACK")
	}
	_ = t.sc.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok || c.Conn().IsClosed() || c.Conn().PgConn().TxStatus() != 'I' {
			return driver.ErrBadConn // database/sql closes it
		}
		return nil
	})
	_ = t.sc.Close()
}

// pipe runs text (a statement pgx prepares once per connection and keeps)
// with args, after BEGIN when the transaction has not begun and before
// COMMIT when commit, all in one round trip. scan (nil: none) reads its
// first row, ErrNotFound when it has none; n is its row count. The texts
// are the claims and the held writes' shapes (pgWrite), the same few that
// pgx's statement cache kept before; a connection is replaced after its
// lifetime (30 minutes, Open), which bounds them with it.
func (t *pgTx) pipe(ctx context.Context, text string, args []any, scan func(rowScanner) error, commit bool) (n int64, err error) {
	if t.ended {
		return 0, errors.New("postgres: a statement after the transaction ended")
	}
	err = t.sc.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: a connection of the pool is a %T, not pgx's", dc)
		}
		pc := c.Conn()
		sd, err := pc.Prepare(ctx, text, text)
		if err != nil {
			return err
		}
		var eqb pgx.ExtendedQueryBuilder
		if err := eqb.Build(pc.TypeMap(), sd, args); err != nil {
			return err
		}
		b := &pgconn.Batch{}
		begins := !t.begun
		if begins {
			b.ExecParams("BEGIN", nil, nil, nil, nil)
		}
		b.ExecStatement(sd, eqb.ParamValues, eqb.ParamFormats, eqb.ResultFormats)
		if commit {
			b.ExecParams("COMMIT", nil, nil, nil, nil)
		}
		mrr := pc.PgConn().ExecBatch(ctx, b)
		n, err = t.readBatch(pc, mrr, begins, commit, scan)
		if cerr := mrr.Close(); err == nil {
			err = cerr
		}
		if err == nil && !commit && pc.PgConn().TxStatus() != 'T' {
			err = fmt.Errorf("postgres: the connection is not in a transaction after BEGIN (status %q)", pc.PgConn().TxStatus())
		}
		return err
	})
	return n, mapErr(err)
}

// readBatch reads pipe's results in order: BEGIN's, the statement's
// (scanned), COMMIT's.
func (t *pgTx) readBatch(pc *pgx.Conn, mrr *pgconn.MultiResultReader, begins, commit bool, scan func(rowScanner) error) (int64, error) {
	if begins {
		if !mrr.NextResult() {
			return 0, noAnswer(mrr, "BEGIN")
		}
		if _, err := mrr.ResultReader().Close(); err != nil {
			return 0, err
		}
		t.begun = true
	}
	if !mrr.NextResult() {
		return 0, noAnswer(mrr, "the statement")
	}
	rows := pgx.RowsFromResultReader(pc.TypeMap(), mrr.ResultReader())
	var scanErr error
	if scan != nil {
		if rows.Next() {
			scanErr = scan(rows)
		} else if rows.Err() == nil {
			scanErr = ports.ErrNotFound
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := rows.CommandTag().RowsAffected()
	if commit {
		if !mrr.NextResult() {
			return 0, noAnswer(mrr, "COMMIT")
		}
		tag, err := mrr.ResultReader().Close()
		if err != nil {
			return 0, err
		}
		// Ended either way; a statement that failed before it left the
		// transaction open (aborted) for end's ROLLBACK.
		t.ended = true
		if tag.String() != "COMMIT" {
			return 0, fmt.Errorf("postgres: COMMIT answered %q: the transaction was rolled back", tag.String())
		}
	}
	return n, scanErr
}

// noAnswer is the error of a batch that ended before the answer to what:
// the error of a statement before it, or of the connection.
func noAnswer(mrr *pgconn.MultiResultReader, what string) error {
	if err := mrr.Close(); err != nil {
		return err
	}
	return fmt.Errorf("postgres: no answer to %s", what)
}

// pgResult is a prepared write's row count as database/sql answers it.
type pgResult int64

func (r pgResult) LastInsertId() (int64, error) {
	return 0, errors.New("postgres: no LastInsertId")
}

func (r pgResult) RowsAffected() (int64, error) { return int64(r), nil }

// savepoint runs fn in a savepoint of t: fn's error rolls back to it and
// is answered, and the transaction goes on.
func (t *pgTx) savepoint(ctx context.Context, fn func() error) error {
	if _, err := t.ExecContext(ctx, "SAVEPOINT unique_update"); err != nil {
		return mapErr(err)
	}
	if err := fn(); err != nil {
		if _, rerr := t.sc.ExecContext(ctx, "ROLLBACK TO SAVEPOINT unique_update"); rerr != nil {
			return errors.Join(err, mapErr(rerr))
		}
		return err
	}
	_, err := t.sc.ExecContext(ctx, "RELEASE SAVEPOINT unique_update")
	return mapErr(err)
}

// The statements bun builds run on the connection after BEGIN.

func (t *pgTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.begin(ctx); err != nil {
		return nil, err
	}
	return t.sc.ExecContext(ctx, query, args...)
}

func (t *pgTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.begin(ctx); err != nil {
		return nil, err
	}
	return t.sc.QueryContext(ctx, query, args...)
}

func (t *pgTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := t.begin(ctx); err != nil {
		// database/sql's Row carries its error only from a query; a
		// context already done answers the begin's failure as its own.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		return t.sc.QueryRowContext(cctx, query, args...)
	}
	return t.sc.QueryRowContext(ctx, query, args...)
}

func (t *pgTx) Dialect() schema.Dialect { return t.db.Dialect() }

func (t *pgTx) NewValues(model any) *bun.ValuesQuery { return bun.NewValuesQuery(t.db, model).Conn(t) }
func (t *pgTx) NewSelect() *bun.SelectQuery          { return bun.NewSelectQuery(t.db).Conn(t) }
func (t *pgTx) NewInsert() *bun.InsertQuery          { return bun.NewInsertQuery(t.db).Conn(t) }
func (t *pgTx) NewUpdate() *bun.UpdateQuery          { return bun.NewUpdateQuery(t.db).Conn(t) }
func (t *pgTx) NewDelete() *bun.DeleteQuery          { return bun.NewDeleteQuery(t.db).Conn(t) }
func (t *pgTx) NewMerge() *bun.MergeQuery            { return bun.NewMergeQuery(t.db).Conn(t) }
func (t *pgTx) NewRaw(query string, args ...any) *bun.RawQuery {
	return bun.NewRawQuery(t.db, query, args...).Conn(t)
}
func (t *pgTx) NewCreateTable() *bun.CreateTableQuery { return bun.NewCreateTableQuery(t.db).Conn(t) }
func (t *pgTx) NewDropTable() *bun.DropTableQuery     { return bun.NewDropTableQuery(t.db).Conn(t) }
func (t *pgTx) NewCreateIndex() *bun.CreateIndexQuery { return bun.NewCreateIndexQuery(t.db).Conn(t) }
func (t *pgTx) NewDropIndex() *bun.DropIndexQuery     { return bun.NewDropIndexQuery(t.db).Conn(t) }
func (t *pgTx) NewTruncateTable() *bun.TruncateTableQuery {
	return bun.NewTruncateTableQuery(t.db).Conn(t)
}
func (t *pgTx) NewAddColumn() *bun.AddColumnQuery   { return bun.NewAddColumnQuery(t.db).Conn(t) }
func (t *pgTx) NewDropColumn() *bun.DropColumnQuery { return bun.NewDropColumnQuery(t.db).Conn(t) }

// BeginTx and RunInTx: a pgTx has no nested transactions (savepoint is
// its one nesting).
func (t *pgTx) BeginTx(context.Context, *sql.TxOptions) (bun.Tx, error) {
	return bun.Tx{}, errors.New("postgres: no transaction inside a transaction")
}

func (t *pgTx) RunInTx(context.Context, *sql.TxOptions, func(context.Context, bun.Tx) error) error {
	return errors.New("postgres: no transaction inside a transaction")
}
