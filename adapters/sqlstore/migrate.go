package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"

	"github.com/headlessdomains/registry/adapters/sqlstore/migrations"
)

// migrationLockKey is the PostgreSQL advisory lock key that serialises
// migrators on one database ("registry" in ASCII).
const migrationLockKey int64 = 0x7265676973747279

// Migrate brings the schema of db up to date from the migrations embedded in
// the binary: Init → Lock → Migrate → Unlock. Running it again is a no-op.
//
// On PostgreSQL every migrator first takes a transaction-scoped advisory
// lock, so replicas starting together wait for one another instead of
// failing on bun's lock row, and a migrator that dies mid-way releases the
// lock with its connection. Under that lock a lock row that a crashed
// migrator left behind is known to be stale and is cleared.
//
// On SQLite bun's lock row is skipped: the database file has one owner
// process, and a row left by a crash would block every later start.
func Migrate(ctx context.Context, db *DB) error {
	var (
		ms  *migrate.Migrations
		err error
	)
	if db.kind == dialect.PG {
		ms, err = migrations.Postgres()
	} else {
		ms, err = migrations.SQLite()
	}
	if err != nil {
		return err
	}
	m := migrate.NewMigrator(db.bun, ms, migrate.WithMarkAppliedOnSuccess(true))

	if db.kind != dialect.PG {
		if err := m.Init(ctx); err != nil {
			return fmt.Errorf("migrate: init: %w", mapErr(err))
		}
		return runMigrations(ctx, m)
	}

	// Hold the advisory lock in a transaction on a connection of its own for
	// the whole run; committing (or the connection dying) releases it.
	lockTx, err := db.bun.BeginTx(ctx, &sql.TxOptions{})
	if err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	defer func() { _ = lockTx.Rollback() }()
	if _, err := lockTx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", migrationLockKey); err != nil {
		return fmt.Errorf("migrate: advisory lock: %w", mapErr(err))
	}

	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("migrate: init: %w", mapErr(err))
	}
	if err := m.Lock(ctx); err != nil {
		// We hold the advisory lock, so no other migrator runs: the row is
		// stale. Clear it and take it again.
		if err := m.Unlock(ctx); err != nil {
			return fmt.Errorf("migrate: clear a stale lock: %w", mapErr(err))
		}
		if err := m.Lock(ctx); err != nil {
			return fmt.Errorf("migrate: lock: %w", mapErr(err))
		}
	}
	runErr := runMigrations(ctx, m)
	// Unlock even when ctx is done: the lock row must not outlive this run.
	unlockErr := m.Unlock(context.WithoutCancel(ctx))
	if runErr != nil {
		return runErr
	}
	if unlockErr != nil {
		return fmt.Errorf("migrate: unlock: %w", mapErr(unlockErr))
	}
	if err := lockTx.Commit(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("migrate: release the advisory lock: %w", mapErr(err))
	}
	return nil
}

func runMigrations(ctx context.Context, m *migrate.Migrator) error {
	if _, err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	return nil
}
