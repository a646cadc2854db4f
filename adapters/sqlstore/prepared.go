package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// Prepared reads on PostgreSQL.
//
// bun renders every argument into the SQL text, so each of its queries is a
// text PostgreSQL has not seen: it parses and plans it again (and the pool
// speaks the simple protocol for that reason, see Open). The reads that
// nearly every request makes (the live name of a check or info, a partner,
// an idempotency record) are sent instead as a fixed text with $n
// placeholders in pgx's cache-statement mode: pgx prepares each text once
// per connection, then only binds and executes it, and PostgreSQL keeps its
// plan. bun still writes the column list (from the row's model, once) and
// scans the row, so a row type keeps one definition. SQLite goes through
// bun as before: it prepares every statement anyway.

// preparedSelect is the text of a SELECT of a model's columns with a where
// clause written with $n placeholders; it is built on first use.
type preparedSelect struct {
	model any    // a nil pointer to the row type
	where string // with $1, $2, ... (never bun's ?)

	once sync.Once
	text string
}

func (p *preparedSelect) sql(db bun.IDB) string {
	p.once.Do(func() { p.text = db.NewSelect().Model(p.model).Where(p.where).String() })
	return p.text
}

// cached puts pgx.QueryExecModeCacheStatement before args: pgx (also
// through the database/sql driver) then prepares the statement once per
// connection and keeps it.
func cached(args []any) []any {
	all := make([]any, 0, len(args)+1)
	all = append(all, pgx.QueryExecModeCacheStatement)
	return append(all, args...)
}

// queryPrepared runs text with args on PostgreSQL as a statement that pgx
// prepares once per connection and caches (pgx.QueryExecModeCacheStatement,
// honoured through the database/sql driver as a leading argument).
func (c conn) queryPrepared(ctx context.Context, text string, args ...any) (*sql.Rows, error) {
	all := cached(args)
	switch db := c.db.(type) {
	case *bun.DB:
		return db.DB.QueryContext(ctx, text, all...)
	case bun.Tx:
		return db.Tx.QueryContext(ctx, text, all...)
	case bun.Conn:
		return db.Conn.QueryContext(ctx, text, all...)
	case *pgTx:
		return db.QueryContext(ctx, text, all...)
	default:
		return nil, fmt.Errorf("postgres: no database/sql handle behind %T", c.db)
	}
}

// getPrepared scans the first row of p with args into model (a pointer to
// p's row type); ErrNotFound when there is none.
func (c conn) getPrepared(ctx context.Context, p *preparedSelect, model any, args ...any) error {
	return c.scanRows(ctx, p.sql(c.db), func(r rowScanner) error {
		return c.bunDB().ScanRow(ctx, r.(*sql.Rows), model)
	}, args...)
}

// bunDB is the bun handle that scans rows into models.
func (c conn) bunDB() *bun.DB {
	if db, ok := c.db.(*bun.DB); ok {
		return db
	}
	return c.db.NewSelect().DB()
}
