// Package sqlstore is the registry's durable store on bun: one package for
// PostgreSQL (pgdialect over the pgx/v5 stdlib driver) and SQLite
// (sqlitedialect over sqliteshim, pure-Go modernc, no cgo), chosen by the
// database URL.
//
// # Transactions
//
// Store implements ports.UnitOfWork: Do runs the command in one transaction
// that every repository shares (effect, audit row, ledger entry, idempotency
// record, pending work), returns commit errors, and rolls back on error or
// panic. Update methods lock the row with SELECT ... FOR NO KEY UPDATE on
// PostgreSQL; SQLite has no row locks and needs none, because the DSN's
// _txlock=immediate makes every transaction take the database's one write
// lock at BEGIN, so read-then-write transactions queue instead of failing
// with "database is locked" when they upgrade.
//
// # Constraints
//
// The schema (package migrations, embedded SQL per database) refuses bad
// states by itself: primary and foreign keys, unique slugs, namespace names,
// token hashes and idempotency keys, one non-cancelled registration per name
// (a partial unique index), non-negative balances and enum CHECKs. Driver
// errors never reach the core: unique violations become ports.ErrDuplicate,
// missing rows ports.ErrNotFound, lock timeouts ports.ErrBusy, and lost
// connections wrap ports.ErrUnavailable.
//
// # Representation
//
// Lists and maps are JSON (jsonb on PostgreSQL, but for audit summaries:
// json, the text as written, which a poll page prints; checked TEXT on
// SQLite); a nil list reads back nil and an empty one empty. Instants are timestamptz
// on PostgreSQL and fixed-width UTC text on SQLite; both keep microseconds
// and read back in UTC.
package sqlstore
