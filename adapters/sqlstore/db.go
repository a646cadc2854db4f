package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/headlessdomains/registry/ports"
)

// Options tune Open. The zero value is the default for each database.
type Options struct {
	// MaxOpenConns bounds the PostgreSQL pool; 0 means 2*GOMAXPROCS+8 and
	// the least is 2.
	// SQLite always keeps a small pool (see sqliteMaxOpenConns).
	MaxOpenConns int
}

// sqliteMaxOpenConns is the SQLite pool size. Writers serialise on the
// database file anyway (every transaction begins IMMEDIATE), so a large pool
// only adds connections spinning in the busy handler; a few connections keep
// reads (View) concurrent with the one writer that WAL allows.
const sqliteMaxOpenConns = 4

// DB is an open registry database: PostgreSQL or SQLite behind bun.
type DB struct {
	bun    *bun.DB
	kind   dialect.Name
	target string // what Close and errors may name: never a password
	// prepared: the hot reads may run as cached prepared statements (see
	// prepared.go): PostgreSQL with pgx's default statement cache, unless
	// the URL chose default_query_exec_mode itself.
	prepared bool
}

var _ ports.Pinger = (*DB)(nil)

// Open connects to url, which is postgres://…, postgresql://… or
// sqlite:PATH (PATH's parent directory is created). It checks that the
// database answers before returning; a database that does not answer is an
// error wrapping ports.ErrUnavailable. Open does not migrate (see Migrate).
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	var (
		sqldb *sql.DB
		db    *DB
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			return nil, fmt.Errorf("postgres: open: %w", err)
		}
		// bun renders every argument into the SQL text, so no two queries
		// share a text and pgx's default mode (prepare, then execute,
		// caching 512 statements per connection) pays a second round trip
		// and a server-side prepare for each. The simple protocol sends each
		// query once. A URL that names default_query_exec_mode keeps its own.
		if !strings.Contains(url, "default_query_exec_mode=") {
			cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
		}
		sqldb = stdlib.OpenDB(*cfg)
		n := opts.MaxOpenConns
		if n <= 0 {
			n = 2*runtime.GOMAXPROCS(0) + 8
		}
		if n < 2 {
			n = 2 // Migrate holds one connection for its advisory lock
		}
		sqldb.SetMaxOpenConns(n)
		sqldb.SetMaxIdleConns(n)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		sqldb.SetConnMaxLifetime(30 * time.Minute)
		db = &DB{bun: bun.NewDB(sqldb, pgdialect.New()), kind: dialect.PG, target: "postgresql",
			prepared: !strings.Contains(url, "default_query_exec_mode=") && cfg.StatementCacheCapacity > 0}
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		dsn, memory, err := sqliteDSN(path)
		if err != nil {
			return nil, err
		}
		if !memory {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return nil, fmt.Errorf("sqlite: create the directory of %s: %w", path, err)
			}
		}
		sqldb, err = sql.Open(sqliteshim.ShimName, dsn)
		if err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		if memory {
			// Every connection to :memory: is a database of its own: keep one.
			sqldb.SetMaxOpenConns(1)
			sqldb.SetMaxIdleConns(1)
			sqldb.SetConnMaxLifetime(0)
			sqldb.SetConnMaxIdleTime(0)
		} else {
			sqldb.SetMaxOpenConns(sqliteMaxOpenConns)
			sqldb.SetMaxIdleConns(sqliteMaxOpenConns)
		}
		db = &DB{bun: bun.NewDB(sqldb, sqlitedialect.New()), kind: dialect.SQLite, target: "sqlite " + path}
	default:
		return nil, errors.New("REGISTRY_DATABASE_URL: unsupported scheme; use postgres://, postgresql:// or sqlite:PATH")
	}
	if err := db.Ping(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// sqliteDSN builds the modernc DSN for path: foreign keys on, a 5 s busy
// timeout, WAL, and BEGIN IMMEDIATE for every transaction so that concurrent
// read-then-write transactions queue for the write lock instead of failing
// with "database is locked" when they upgrade.
func sqliteDSN(path string) (dsn string, memory bool, err error) {
	if path == "" {
		return "", false, errors.New("REGISTRY_DATABASE_URL: sqlite: needs a path, e.g. sqlite:data/registry.db")
	}
	const params = "_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_txlock=immediate"
	if path == ":memory:" {
		return "file::memory:?" + params, true, nil
	}
	// The DSN is an SQLite URI: percent-encode the characters URIs reserve.
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + escaped + "?" + params + "&_pragma=journal_mode(WAL)", false, nil
}

// Bun is the underlying bun handle (for tools and tests).
func (db *DB) Bun() *bun.DB { return db.bun }

// Dialect names the database behind db: dialect.PG or dialect.SQLite.
func (db *DB) Dialect() dialect.Name { return db.kind }

// Ping checks that the database answers; used by /readyz.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.bun.PingContext(ctx); err != nil {
		return fmt.Errorf("%s: ping: %w", db.target, mapErr(err))
	}
	return nil
}

// Close closes the pool.
func (db *DB) Close() error { return db.bun.Close() }
