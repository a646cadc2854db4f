package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	"github.com/headlessdomains/registry/ports"
)

// Hot reads straight on pgx.
//
// Outside a transaction, the prepared hot reads (prepared.go) need not go
// through database/sql's rows at all: each value crossed the driver as a
// driver.Value, was converted again into the destination, and a goroutine
// watched the context of every query. A profile of info under load put that
// path, with bun's reflective scan of the row, at twice the CPU of the same
// select in pgx. pgxRow borrows a connection of the same pool
// (sql.Conn.Raw) and runs the statement on pgx itself, scanning straight
// into the row's fields; the pool, its limits and its connections stay
// database/sql's. Inside a transaction the reads take database/sql's path
// (the transaction's connection is not reachable through Raw).
//
// SQLite's Views read the same way through database/sql (its driver
// prepares every statement anyway): the fixed texts with ? placeholders,
// scanned by position, instead of a query bun builds and scans by
// reflection on every call.

// rawSelect is a SELECT of cols from table on both dialects: where is
// written with $n placeholders for PostgreSQL, and SQLite's text has ? in
// their place (each $n used once, in order).
type rawSelect struct{ pg, lite string }

func newRawSelect(table string, cols []string, where string) rawSelect {
	text := "SELECT " + strings.Join(cols, ", ") + " FROM " + table + " WHERE " + where
	return rawSelect{pg: text, lite: dollarParams.ReplaceAllString(text, "?")}
}

var dollarParams = regexp.MustCompile(`\$[0-9]+`)

// rowScanner is a row of pgx or of database/sql.
type rowScanner interface {
	Scan(dest ...any) error
}

// readRow runs q outside a transaction when the store can (PostgreSQL with
// prepared reads on pgx, SQLite on database/sql) and scans its first row
// with scan, or on pgx with raw when raw is not nil and reads every column
// (pgxRow): done is false when c is inside a transaction or PostgreSQL
// reads go through bun (the caller's own path then runs).
func (c conn) readRow(ctx context.Context, q rawSelect, raw func(*rawRow) error, scan func(rowScanner) error, args ...any) (done bool, err error) {
	db, ok := c.db.(*bun.DB)
	switch {
	case !ok:
		return false, nil
	case c.prepared:
		return true, pgxRow(ctx, db.DB, q.pg, raw, scan, args...)
	case !c.pg:
		err := scan(db.DB.QueryRowContext(ctx, q.lite, args...))
		return true, mapErr(err)
	}
	return false, nil
}

// pgxReady reports whether c can run a hot read on pgx: PostgreSQL, the
// prepared reads on (prepared.go), and no transaction (readRow for one row).
func (c conn) pgxReady() (*sql.DB, bool) {
	if !c.prepared {
		return nil, false
	}
	db, ok := c.db.(*bun.DB)
	if !ok {
		return nil, false
	}
	return db.DB, true
}

// onPgx runs fn on a pgx connection borrowed from db's pool.
func onPgx(ctx context.Context, db *sql.DB, fn func(pc *pgx.Conn) error) error {
	sc, err := db.Conn(ctx)
	if err != nil {
		return mapErr(err)
	}
	defer func() { _ = sc.Close() }()
	return sc.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: a connection of the pool is a %T, not pgx's", dc)
		}
		return fn(c.Conn())
	})
}

// pgxRow runs text (a statement pgx prepares once per connection and
// caches) with args and reads its first row: with raw, from the row's wire
// values (rawrow.go), unless raw declines a column; otherwise, and then,
// with scan through pgx. ErrNotFound when there is no row.
func pgxRow(ctx context.Context, db *sql.DB, text string, raw func(*rawRow) error, scan func(rowScanner) error, args ...any) error {
	err := onPgx(ctx, db, func(pc *pgx.Conn) error {
		rows, err := pc.Query(ctx, text, cached(args)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return pgx.ErrNoRows
		}
		err = errRawDecline
		if raw != nil {
			err = raw(&rawRow{fds: rows.FieldDescriptions(), vals: rows.RawValues()})
		}
		if errors.Is(err, errRawDecline) {
			err = scan(rows)
		}
		if err != nil {
			return err
		}
		rows.Close()
		return rows.Err()
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %w", ports.ErrNotFound, err)
	}
	return mapErr(err)
}

// nullTime is a nullable timestamptz scanned by pgx.
type nullTime struct {
	t     time.Time
	valid bool
}

// Scan reads SQLite's text (and a time.Time, which database/sql may hand).
func (n *nullTime) Scan(src any) error {
	var t timestamp
	switch v := src.(type) {
	case nil:
		*n = nullTime{}
		return nil
	case time.Time:
		*n = nullTime{t: v, valid: true}
		return nil
	case string:
		if err := t.parse(v); err != nil {
			return err
		}
	case []byte:
		if err := t.parse(string(v)); err != nil {
			return err
		}
	default:
		return fmt.Errorf("timestamp: cannot scan %T", src)
	}
	*n = nullTime{t: time.Time(t), valid: true}
	return nil
}

// ScanTimestamptz is how pgx hands a timestamptz to a destination of its
// own (pgtype.TimestamptzScanner), NULL included.
func (n *nullTime) ScanTimestamptz(v pgtype.Timestamptz) error {
	*n = nullTime{t: v.Time, valid: v.Valid}
	return nil
}

// ptr is the instant as the row's nullable timestamp.
func (n nullTime) ptr() *timestamp {
	if !n.valid {
		return nil
	}
	v := timestamp(n.t.UTC())
	return &v
}

// at is the instant of a NOT NULL column.
func (n nullTime) at() timestamp { return timestamp(n.t.UTC()) }

// domainColumns are domainRow's columns in the order scanDomain reads them
// (a test holds them to the model's).
var domainColumns = []string{
	"id", "name", "label", "namespace", "channel_id", "partner_id", "state", "statuses", "registrant",
	"nameservers_desired", "nameservers_applied", "apply_status", "backend_kind", "backend_reference",
	"protected_legacy", "ote_sandbox", "imported", "create_paid_gems", "created_at", "updated_at", "expires_at",
	"last_renewed_at", "deleted_at", "claim_notice_id", "claim_accepted_at", "registrant_contact_id", "grace",
	"state_ends_at", "due_at", "transfer", "transfer_status", "transfer_gaining_channel_id",
	"transfer_losing_channel_id", "auth_code_hash", "auth_code_set_at", "auth_code_expires_at", "transferred_at",
}

// liveNameRaw is liveNameSelect on pgx.
var liveNameRaw = newRawSelect("domains", domainColumns, "name = $1 AND state <> 'cancelled'")

// scan reads a row of domainColumns into r.
func (r *domainRow) scan(row rowScanner) error {
	var created, updated, expires, lastRenewed, deleted, claimAt, stateEnds, due, acSet, acExp, transferred nullTime
	var contact *string
	err := row.Scan(&r.ID, &r.Name, &r.Label, &r.Namespace, &r.ChannelID, &r.PartnerID, &r.State, &r.Statuses,
		&r.Registrant, &r.NameserversDesired, &r.NameserversApplied, &r.ApplyStatus, &r.BackendKind,
		&r.BackendReference, &r.ProtectedLegacy, &r.OTESandbox, &r.Imported, &r.CreatePaidGems,
		&created, &updated, &expires, &lastRenewed, &deleted, &r.ClaimNoticeID, &claimAt, &contact,
		&r.Grace, &stateEnds, &due, &r.Transfer, &r.TransferStatus, &r.TransferGainingChannelID,
		&r.TransferLosingChannelID, &r.AuthCodeHash, &acSet, &acExp, &transferred)
	if err != nil {
		return err
	}
	r.CreatedAt, r.UpdatedAt, r.ExpiresAt = created.at(), updated.at(), expires.at()
	r.LastRenewedAt, r.DeletedAt, r.ClaimAcceptedAt = lastRenewed.ptr(), deleted.ptr(), claimAt.ptr()
	r.StateEndsAt, r.DueAt = stateEnds.ptr(), due.ptr()
	r.AuthCodeSetAt, r.AuthCodeExpiresAt, r.TransferredAt = acSet.ptr(), acExp.ptr(), transferred.ptr()
	if contact != nil {
		r.RegistrantContactID = *contact
	}
	return nil
}

// idempotencyColumns are idempotencyRow's columns in scan's order.
var idempotencyColumns = []string{
	"channel_id", "idempotency_key", "command", "domain", "fingerprint", "sandbox", "audit_id", "result", "created_at",
}

// idempotencyRaw is idempotencySelect on pgx.
var idempotencyRaw = newRawSelect("idempotency_records", idempotencyColumns, "channel_id = $1 AND idempotency_key = $2")

func (r *idempotencyRow) scan(row rowScanner) error {
	var created nullTime
	err := row.Scan(&r.ChannelID, &r.IdempotencyKey, &r.Command, &r.Domain, &r.Fingerprint, &r.Sandbox,
		&r.AuditID, &r.Result, &created)
	r.CreatedAt = created.at()
	return err
}

// partnerColumns are partnerRow's columns in scan's order.
var partnerColumns = []string{"id", "name", "gems_balance", "dns_module_enabled", "created_at", "updated_at"}

// partnerRaw is partnerSelect on pgx.
var partnerRaw = newRawSelect("partners", partnerColumns, "id = $1")

func (r *partnerRow) scan(row rowScanner) error {
	var created, updated nullTime
	err := row.Scan(&r.ID, &r.Name, &r.GemsBalance, &r.DNSModuleEnabled, &created, &updated)
	r.CreatedAt, r.UpdatedAt = created.at(), updated.at()
	return err
}
