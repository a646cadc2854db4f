package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/headlessdomains/registry/ports"
)

// ErrConstraint marks a write refused by a CHECK, NOT NULL or foreign-key
// constraint. The core validates before writing, so this is a bug (or a race
// the core did not expect), never a client error: the core answers
// internal_error. It exists so that such a write is an error and not a
// corrupt row.
var ErrConstraint = errors.New("constraint violated")

// mapErr turns a driver error into one that matches the ports sentinels
// under errors.Is, keeping the driver error in the chain for logs:
//
//   - no rows → ports.ErrNotFound
//   - unique violation → ports.ErrDuplicate
//   - lock not available, serialization failure, deadlock, SQLITE_BUSY → ports.ErrBusy
//   - connection refused/closed/reset, server shutting down, SQLSTATE class 08,
//     context deadline → ports.ErrUnavailable
//   - CHECK / NOT NULL / foreign key → ErrConstraint
//   - RG409 (registry_check_writes: a group's move did not fit) → ports.ErrGroupConflict
//
// Anything else is returned unchanged (the core answers internal_error).
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ports.ErrNotFound) || errors.Is(err, ports.ErrDuplicate) ||
		errors.Is(err, ports.ErrBusy) || errors.Is(err, ports.ErrUnavailable) || errors.Is(err, ErrConstraint) {
		return err // already mapped
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", ports.ErrNotFound, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return mapPgError(pgErr, err)
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		return mapSQLiteError(liteErr.Code(), err)
	}
	if isConnectionError(err) {
		return fmt.Errorf("%w: %w", ports.ErrUnavailable, err)
	}
	return err
}

// mapPgError maps by SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html).
func mapPgError(pgErr *pgconn.PgError, err error) error {
	switch code := pgErr.Code; {
	case code == "23505": // unique_violation
		return fmt.Errorf("%w: %w", ports.ErrDuplicate, err)
	case code == "55P03", // lock_not_available (lock_timeout, NOWAIT)
		code == "40001", // serialization_failure
		code == "40P01": // deadlock_detected
		return fmt.Errorf("%w: %w", ports.ErrBusy, err)
	case code == "23514", // check_violation
		code == "23502", // not_null_violation
		code == "23503", // foreign_key_violation
		code == "23P01": // exclusion_violation
		return fmt.Errorf("%w (%s): %w", ErrConstraint, pgErr.ConstraintName, err)
	case strings.HasPrefix(code, "08"), // connection_exception class
		code == "57P01", // admin_shutdown
		code == "57P02", // crash_shutdown
		code == "57P03", // cannot_connect_now
		code == "53300", // too_many_connections
		code == "57014": // query_canceled (statement_timeout or a cancelled context)
		return fmt.Errorf("%w: %w", ports.ErrUnavailable, err)
	case code == "RG409": // registry_check_writes: a move that did not fit
		return fmt.Errorf("%w: %w", ports.ErrGroupConflict, err)
	}
	return err
}

// mapSQLiteError maps by (extended) result code (https://sqlite.org/rescode.html).
func mapSQLiteError(code int, err error) error {
	switch code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("%w: %w", ports.ErrDuplicate, err)
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("%w: %w", ErrConstraint, err)
	}
	switch code & 0xff { // primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("%w: %w", ports.ErrBusy, err)
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_NOTADB,
		sqlite3.SQLITE_READONLY, sqlite3.SQLITE_INTERRUPT:
		return fmt.Errorf("%w: %w", ports.ErrUnavailable, err)
	case sqlite3.SQLITE_CONSTRAINT:
		return fmt.Errorf("%w: %w", ErrConstraint, err)
	}
	return err
}

// isConnectionError reports errors that mean the database did not answer.
func isConnectionError(err error) bool {
	var (
		netErr     net.Error
		connectErr *pgconn.ConnectError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, driver.ErrBadConn),
		errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.As(err, &connectErr),
		errors.As(err, &netErr),
		pgconn.Timeout(err):
		return true
	}
	// database/sql reports a closed pool with an unexported error value.
	return strings.Contains(err.Error(), "sql: database is closed")
}

// lockedRelation reports whether err is PostgreSQL's refusal to wait
// longer for a row of table (the CONTEXT of a lock timeout names it: "while
// locking tuple (0,1) in relation \"domains\"").
func lockedRelation(err error, table string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && strings.Contains(pgErr.Where, `relation "`+table+`"`)
}
