package seed

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/headlessdomains/registry/bench/internal/sqlitedb"
)

// SQLite seeding writes the same rows as Domains and Audit into a SQLite
// file that registryd migrated: one transaction per call, one prepared
// insert per row (SQLite has no COPY), values in the registry's SQLite
// encoding — instants as sqlitedb.TimeLayout text, booleans as 0 and 1.

// SQLiteDomains inserts registrations [from, to) into the domains table in
// one transaction.
func SQLiteDomains(ctx context.Context, db *sql.DB, p Plan, from, to int64) (int64, error) {
	if from < 0 || to > MaxRows || from > to {
		return 0, fmt.Errorf("seed: domains [%d, %d) out of range", from, to)
	}
	created := p.created()
	return sqliteInsert(ctx, db, "domains", domainColumns, from, to, func(i int64) ([]any, error) {
		return p.domainRow(i, created), nil
	})
}

// SQLiteAudit inserts audit events [from, to) of total into audit_events in
// one transaction, all of the plan's channel.
func SQLiteAudit(ctx context.Context, db *sql.DB, p Plan, from, to, total int64) (int64, error) {
	if from < 0 || to > total || from > to || total > MaxRows {
		return 0, fmt.Errorf("seed: audit [%d, %d) of %d out of range", from, to, total)
	}
	if p.Domains <= 0 {
		return 0, fmt.Errorf("seed: audit events need registrations to name")
	}
	return sqliteInsert(ctx, db, "audit_events", auditColumns, from, to, func(j int64) ([]any, error) {
		return p.auditRow(j, total)
	})
}

// sqliteInsert inserts the rows [from, to) that row builds, in one
// transaction with one prepared statement.
func sqliteInsert(ctx context.Context, db *sql.DB, table string, columns []string, from, to int64, row func(int64) ([]any, error)) (n int64, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ")
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO "+table+" ("+strings.Join(columns, ", ")+") VALUES ("+marks+")")
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	for i := from; i < to; i++ {
		vals, err := row(i)
		if err != nil {
			return n, err
		}
		for k, v := range vals {
			vals[k] = sqliteValue(v)
		}
		if _, err := stmt.ExecContext(ctx, vals...); err != nil {
			return n, fmt.Errorf("%s row %d: %w", table, i, err)
		}
		n++
	}
	if err := stmt.Close(); err != nil {
		return n, err
	}
	return n, tx.Commit()
}

// sqliteValue is v as the registry stores it in SQLite.
func sqliteValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Truncate(time.Microsecond).Format(sqlitedb.TimeLayout)
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case int32:
		return int64(x)
	}
	return v
}
