// Package sqlitedb opens a registry SQLite file for the benchmark's own
// work on it (seeding, the SQLite ceilings) exactly as registryd opens it
// (adapters/sqlstore): the same driver (modernc through bun's sqliteshim,
// no cgo), foreign keys on, a 5 s busy timeout, WAL, every transaction
// BEGIN IMMEDIATE, the synchronous setting left at the driver's default, and
// the same pool size. A test compares the settings with sqlstore.Open's, so
// that a change there shows here.
package sqlitedb

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun/driver/sqliteshim"
)

// PoolSize is registryd's SQLite pool size.
const PoolSize = 4

// TimeLayout is how the registry stores instants in SQLite: UTC, six
// fractional digits, fixed width (text order is time order).
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// DSN is the driver's data source name for the database file at path, with
// registryd's parameters.
func DSN(path string) string {
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + escaped + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_txlock=immediate&_pragma=journal_mode(WAL)"
}

// Open opens the file at path with a pool of conns connections (0:
// PoolSize) and checks that it answers.
func Open(path string, conns int) (*sql.DB, error) {
	if path == "" || path == ":memory:" {
		return nil, errors.New("sqlitedb: needs the path of a database file")
	}
	if conns <= 0 {
		conns = PoolSize
	}
	db, err := sql.Open(sqliteshim.ShimName, DSN(path))
	if err != nil {
		return nil, fmt.Errorf("sqlitedb: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	if err := db.Ping(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlitedb: open %s: %w", path, err)
	}
	return db, nil
}
