package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/headlessdomains/registry/ports"
)

func TestMapErr(t *testing.T) {
	pg := func(code string) error {
		return fmt.Errorf("exec: %w", &pgconn.PgError{Code: code, ConstraintName: "c"})
	}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	unknown := errors.New("something else")
	cases := []struct {
		name string
		err  error
		want error // nil: returned unchanged
	}{
		{"no rows", sql.ErrNoRows, ports.ErrNotFound},
		{"pg unique violation", pg("23505"), ports.ErrDuplicate},
		{"pg lock not available", pg("55P03"), ports.ErrBusy},
		{"pg serialization failure", pg("40001"), ports.ErrBusy},
		{"pg deadlock", pg("40P01"), ports.ErrBusy},
		{"pg check violation", pg("23514"), ErrConstraint},
		{"pg foreign key violation", pg("23503"), ErrConstraint},
		{"pg not null violation", pg("23502"), ErrConstraint},
		{"pg admin shutdown", pg("57P01"), ports.ErrUnavailable},
		{"pg cannot connect now", pg("57P03"), ports.ErrUnavailable},
		{"pg connection failure", pg("08006"), ports.ErrUnavailable},
		{"pg too many connections", pg("53300"), ports.ErrUnavailable},
		{"pg syntax error", pg("42601"), nil},
		{"connection refused", refused, ports.ErrUnavailable},
		{"connect error", &pgconn.ConnectError{}, ports.ErrUnavailable},
		{"bad connection", driver.ErrBadConn, ports.ErrUnavailable},
		{"connection done", sql.ErrConnDone, ports.ErrUnavailable},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), ports.ErrUnavailable},
		{"closed pool", errors.New("sql: database is closed"), ports.ErrUnavailable},
		{"unknown", unknown, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mapErr(c.err)
			if c.want == nil {
				if got != c.err { //nolint:errorlint // unchanged means the same value
					t.Fatalf("mapErr(%v) = %v, want it unchanged", c.err, got)
				}
				return
			}
			if !errors.Is(got, c.want) {
				t.Fatalf("mapErr(%v) = %v, want errors.Is %v", c.err, got, c.want)
			}
			if !errors.Is(got, c.err) && !errors.Is(c.err, sql.ErrNoRows) {
				t.Errorf("mapErr(%v) = %v lost the driver error", c.err, got)
			}
			for _, other := range []error{ports.ErrNotFound, ports.ErrDuplicate, ports.ErrBusy, ports.ErrUnavailable, ErrConstraint} {
				if other != c.want && errors.Is(got, other) { //nolint:errorlint // sentinel identity
					t.Errorf("mapErr(%v) also matches %v", c.err, other)
				}
			}
		})
	}
	if mapErr(nil) != nil {
		t.Errorf("mapErr(nil) is not nil")
	}
	once := mapErr(pg("23505"))
	if twice := mapErr(once); twice != once { //nolint:errorlint // mapping twice changes nothing
		t.Errorf("mapErr of a mapped error wrapped it again: %v", twice)
	}
}

func TestMapSQLiteError(t *testing.T) {
	cases := []struct {
		name string
		code int
		want error // nil: returned unchanged
	}{
		{"unique", sqlite3.SQLITE_CONSTRAINT_UNIQUE, ports.ErrDuplicate},
		{"primary key", sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, ports.ErrDuplicate},
		{"check", sqlite3.SQLITE_CONSTRAINT_CHECK, ErrConstraint},
		{"foreign key", sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, ErrConstraint},
		{"not null", sqlite3.SQLITE_CONSTRAINT_NOTNULL, ErrConstraint},
		{"datatype (STRICT)", sqlite3.SQLITE_CONSTRAINT | 12<<8, ErrConstraint},
		{"busy", sqlite3.SQLITE_BUSY, ports.ErrBusy},
		{"busy snapshot", sqlite3.SQLITE_BUSY | 2<<8, ports.ErrBusy},
		{"locked", sqlite3.SQLITE_LOCKED, ports.ErrBusy},
		{"cannot open", sqlite3.SQLITE_CANTOPEN, ports.ErrUnavailable},
		{"I/O error", sqlite3.SQLITE_IOERR | 3<<8, ports.ErrUnavailable},
		{"generic error", sqlite3.SQLITE_ERROR, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := fmt.Errorf("sqlite error (%d)", c.code)
			got := mapSQLiteError(c.code, err)
			switch {
			case c.want == nil && got != err: //nolint:errorlint // unchanged means the same value
				t.Fatalf("code %d: got %v, want the error unchanged", c.code, got)
			case c.want != nil && (!errors.Is(got, c.want) || !errors.Is(got, err)):
				t.Fatalf("code %d: got %v, want errors.Is %v keeping the driver error", c.code, got, c.want)
			}
		})
	}
}
