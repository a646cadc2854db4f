package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// reserveLockTimeout bounds how long Reserve waits on PostgreSQL for
// another transaction that holds the same key (then ErrKeyBusy), well inside
// the contract's 30 seconds of in-progress state. SQLite waits
// for its write lock up to the DSN's busy_timeout (5 s) at BEGIN instead.
const reserveLockTimeout = 10 * time.Second

// reserveIdleTimeout ends (on PostgreSQL) a transaction holding a reserved
// key that sits idle this long: its node hangs, is frozen or is cut off by a
// network partition, so its connection stays open and PostgreSQL sees no
// crash. The contract bounds such in-progress state at 30 seconds; without
// this bound the key, and the rows the command locked, stayed held until TCP
// keepalive noticed the dead peer (hours). Commands never wait that long
// between two statements of their transaction.
const reserveIdleTimeout = 30 * time.Second

// IdempotencyStore keeps the results of mutating commands per channel and key.
type IdempotencyStore struct{ c conn }

var _ ports.IdempotencyStore = (*IdempotencyStore)(nil)

// Get returns the record of (channelID, key), or ErrNotFound.
func (r *IdempotencyStore) Get(ctx context.Context, channelID, key string) (core.IdempotencyRecord, error) {
	var row idempotencyRow
	var err error
	if done, rerr := r.c.readRow(ctx, idempotencyRaw, row.scanRaw, row.scan, channelID, key); done {
		err = rerr
	} else if r.c.prepared {
		err = r.c.getPrepared(ctx, idempotencySelect, &row, channelID, key)
	} else {
		err = r.c.selectOne(ctx, &row, false, "channel_id = ? AND idempotency_key = ?", channelID, key)
	}
	if err != nil {
		return core.IdempotencyRecord{}, err
	}
	return row.core(), nil
}

// setTimeouts is the statement that sets the transaction's lock_timeout and
// idle_in_transaction_session_timeout (see Reserve). set_config(..., true)
// is SET LOCAL: both end with the transaction.
func (c conn) setTimeouts() string {
	return fmt.Sprintf("SELECT set_config('lock_timeout', '%s', true), set_config('idle_in_transaction_session_timeout', '%dms', true)",
		c.lockTimeout(), reserveIdleTimeout.Milliseconds())
}

// lockTimeout is the transaction's lock_timeout (see Reserve) as a setting.
func (c conn) lockTimeout() string {
	return strconv.FormatInt(max(c.reserveWait.Milliseconds(), 1), 10) + "ms"
}

// claimInsert is Reserve's claim, prepared on PostgreSQL; claimWithTimeouts
// is the same claim that first sets the transaction's timeouts ($1, $2):
// the WITH clause is evaluated for the row the insert takes, so both are
// set before the insert can wait on a rival's key. The result is NULL until
// Complete.
const (
	claimColumns = "channel_id, idempotency_key, command, domain, fingerprint, sandbox, audit_id, created_at"
	claimInsert  = "INSERT INTO idempotency_records (" + claimColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) " +
		"ON CONFLICT (channel_id, idempotency_key) DO NOTHING"
	claimWithTimeouts = "WITH timeouts AS (SELECT set_config('lock_timeout', $1, true), " +
		"set_config('idle_in_transaction_session_timeout', $2, true)) " +
		"INSERT INTO idempotency_records (" + claimColumns + ") " +
		"SELECT $3::text, $4::text, $5::text, $6::text, $7::text, $8::boolean, $9::text, $10::timestamptz FROM timeouts " +
		"ON CONFLICT (channel_id, idempotency_key) DO NOTHING"
)

// claimLocking and claimLockingWithTimeouts are the claim and the locked read
// of the registration its command changes next (lockedByName), as one
// statement. The read's EXISTS on the claim is a one-time filter evaluated
// before any row is locked, so the claim runs (and waits for a rival's key)
// first, as in Reserve; the registration is locked only when the claim
// inserted its row, and a row answered means the claim is ours.
var (
	claimLocking = "WITH claim AS (" + claimInsert + " RETURNING 1) " +
		claimedLocked("$9")
	claimLockingWithTimeouts = strings.Replace(claimWithTimeouts, " INSERT INTO", ", claim AS (INSERT INTO", 1) +
		" RETURNING 1) " + claimedLocked("$11")
)

func claimedLocked(nameParam string) string {
	return newRawSelect("domains", domainColumns,
		"name = "+nameParam+" AND state <> 'cancelled' AND EXISTS (SELECT 1 FROM claim) FOR NO KEY UPDATE").pg
}

// claimLocking runs text (claimLocking or its variant with timeouts): ours
// when it answered the registration, which is then kept for the command's
// UpdateByName(name).
func (r *IdempotencyStore) claimLocking(ctx context.Context, text string, args []any, name string) (bool, error) {
	var row domainRow
	err := r.c.scanPrepared(ctx, text, row.scan, args...)
	switch {
	case err == nil:
		r.c.pre.keep(name, row)
		return true, nil
	case errors.Is(err, ports.ErrNotFound):
		return false, nil
	case errors.Is(err, ports.ErrBusy) && !lockedRelation(err, "domains"):
		// The claim's wait for a rival's key, as in Reserve.
		return false, fmt.Errorf("%w: %w", ports.ErrKeyBusy, err)
	}
	return false, err
}

// claimRegister and claimRegisterWithTimeouts are a registration's claim
// and its insert as one statement (ReserveRegistering, then Register): the
// insert's EXISTS on the claim makes the claim run (and wait for a rival's
// key) first, and the registration is inserted only when the claim inserted
// its row. The answer: whether the claim was made, whether the registration
// was inserted, and whether queued backend work of an earlier registration
// of the name exists (see registerInsert).
var (
	claimRegister = "WITH claim AS (" + claimInsert + " RETURNING 1), " +
		claimedInsert(9)
	claimRegisterWithTimeouts = strings.Replace(claimWithTimeouts, " INSERT INTO", ", claim AS (INSERT INTO", 1) +
		" RETURNING 1), " + claimedInsert(11)
)

// claimedInsert is the registration's insert after a claim, its row's
// parameters from $first on, then the queued status.
func claimedInsert(first int) string {
	n := len(domainColumns)
	return "ins AS (INSERT INTO domains (" + strings.Join(domainColumns, ", ") + ") SELECT " +
		placeholders(first, n) + " WHERE EXISTS (SELECT 1 FROM claim) ON CONFLICT DO NOTHING RETURNING 1) " +
		"SELECT (SELECT count(*) FROM claim), (SELECT count(*) FROM ins), EXISTS (SELECT 1 FROM pending_items " +
		"WHERE domain = $" + strconv.Itoa(first+1) + " AND status = $" + strconv.Itoa(first+n) +
		" AND domain_id IS DISTINCT FROM $" + strconv.Itoa(first) + ")"
}

// heldClaim is a claim ReserveRegistering holds for the command's Register.
type heldClaim struct {
	rec  core.IdempotencyRecord
	text string // claimRegister or claimRegisterWithTimeouts
	args []any  // the claim's arguments (and the timeouts')
}

// idempotencySelect is the record of a key, prepared on PostgreSQL.
var idempotencySelect = &preparedSelect{model: (*idempotencyRow)(nil), where: "channel_id = $1 AND idempotency_key = $2"}

// Reserve claims (rec.ChannelID, rec.Key) for this transaction with an
// empty result; nil, nil when the claim is ours, else the committed record.
//
// On PostgreSQL the INSERT ... ON CONFLICT DO NOTHING waits on the primary
// key while another transaction holds an uncommitted row for the key: when
// that one commits, nothing is inserted and the SELECT (a new snapshot under
// READ COMMITTED) sees its record; when it rolls back, our insert goes
// through. lock_timeout bounds the wait (55P03, answered as ErrKeyBusy); set
// with SET LOCAL, it also bounds the row locks the rest of the command takes
// and ends with its transaction. idle_in_transaction_session_timeout, set
// the same way, frees the key of a node that stops talking mid-command
// (reserveIdleTimeout). On
// SQLite every transaction already holds the write lock, so there is never
// an uncommitted rival.
func (r *IdempotencyStore) Reserve(ctx context.Context, rec core.IdempotencyRecord) (*core.IdempotencyRecord, error) {
	return r.reserve(ctx, rec, "")
}

// ReserveLocking is Reserve followed by the locked read of name's live
// registration that the command's UpdateByName makes next: on PostgreSQL
// with prepared statements both go as one statement (claimLocking), whose
// row this transaction's UpdateByName(name) takes instead of reading it
// again. Elsewhere it is Reserve.
func (r *IdempotencyStore) ReserveLocking(ctx context.Context, rec core.IdempotencyRecord, name core.Name) (*core.IdempotencyRecord, error) {
	return r.reserve(ctx, rec, name.String())
}

// ReserveRegistering is Reserve for a command whose next write is its
// registration (ports.IdempotencyStore.ReserveRegistering): on PostgreSQL
// with prepared statements, inside a transaction, the claim is held and
// made by that Register in the same statement (claimRegister). Elsewhere it
// is Reserve.
func (r *IdempotencyStore) ReserveRegistering(ctx context.Context, rec core.IdempotencyRecord) (*core.IdempotencyRecord, error) {
	if !r.c.pg || !r.c.prepared || r.c.pre == nil {
		return r.reserve(ctx, rec, "")
	}
	if err := r.c.writable(); err != nil {
		return nil, err
	}
	r.c.pre.drop()
	row := idempotencyToRow(rec)
	args := []any{row.ChannelID, row.IdempotencyKey, row.Command, row.Domain, row.Fingerprint, row.Sandbox,
		row.AuditID, pgTime(row.CreatedAt)}
	text := claimRegister
	if r.c.needsTimeouts() {
		text = claimRegisterWithTimeouts
		args = append([]any{r.c.lockTimeout(), reserveIdleTimeout.String()}, args...)
	}
	r.c.pre.claim = &heldClaim{rec: rec, text: text, args: args}
	return nil, nil
}

// needsTimeouts: the transaction's timeouts (setTimeouts) are not set yet.
func (c conn) needsTimeouts() bool {
	return c.pg && !c.timeoutsSet && (c.wb == nil || !c.wb.timeoutsSet)
}

// timeoutsSent records that the transaction's timeouts were set, for the
// rest of a transaction that has no savepoint to undo them (doAll, doLone;
// a failed statement fails it whole).
func (c conn) timeoutsSent() {
	if c.wb != nil {
		c.wb.timeoutsSet = true
	}
}

// registerClaiming makes the held claim and inserts row as one statement
// (claimRegister); see ports.IdempotencyStore.ReserveRegistering.
func (r *DomainRepository) registerClaiming(ctx context.Context, held *heldClaim, row *domainRow) (bool, error) {
	args := append(append(held.args, row.args()...), string(core.PendingQueued))
	var claimed, inserted int64
	var earlier bool
	err := r.c.scanPrepared(ctx, held.text, func(s rowScanner) error { return s.Scan(&claimed, &inserted, &earlier) }, args...)
	if err != nil {
		if errors.Is(err, ports.ErrBusy) && lockedRelation(err, "idempotency_records") {
			return false, fmt.Errorf("%w: %w", ports.ErrKeyBusy, err)
		}
		return false, err
	}
	if held.text == claimRegisterWithTimeouts {
		r.c.timeoutsSent()
	}
	switch {
	case claimed == 1 && inserted == 1:
		return earlier, nil
	case claimed == 1:
		return false, fmt.Errorf("%w: registration of %s", ports.ErrDuplicate, row.Name)
	}
	// The key was taken: its record, as Reserve answers it.
	existing, err := (&IdempotencyStore{c: r.c}).reserve(ctx, held.rec, "")
	if err != nil {
		return false, err
	}
	if existing != nil {
		return false, &ports.KeyUsedError{Record: *existing}
	}
	// Its holder rolled back or its record was deleted meanwhile, and the
	// claim is ours now: the registration alone.
	return r.register(ctx, row)
}

func (r *IdempotencyStore) reserve(ctx context.Context, rec core.IdempotencyRecord, lockName string) (*core.IdempotencyRecord, error) {
	if err := r.c.writable(); err != nil {
		return nil, err
	}
	// A row read with an earlier claim is never handed to a later command.
	r.c.pre.drop()
	// On PostgreSQL the transaction's timeouts are set in the same round
	// trip as the claim, before it (the simple protocol runs both statements
	// in order and answers the last one's row count).
	prefix := ""
	if r.c.needsTimeouts() {
		prefix = r.c.setTimeouts() + "; "
		r.c.timeoutsSent()
	}
	row := idempotencyToRow(rec)
	row.Result = nil
	// A rival row can vanish between our insert and our read (DeleteBefore);
	// then the insert is tried again, a bounded number of times.
	for attempt := 0; attempt < 3; attempt++ {
		var res sql.Result
		var err error
		switch {
		case r.c.prepared:
			// Prepared (preparedwrite.go); the timeouts are set by the
			// same statement, before its insert can wait.
			args := []any{row.ChannelID, row.IdempotencyKey, row.Command, row.Domain, row.Fingerprint, row.Sandbox,
				row.AuditID, pgTime(row.CreatedAt)}
			text, locking := claimInsert, claimLocking
			if prefix != "" {
				text, locking = claimWithTimeouts, claimLockingWithTimeouts
				args = append([]any{r.c.lockTimeout(), reserveIdleTimeout.String()}, args...)
			}
			if lockName != "" && r.c.pre != nil {
				if err := r.c.sendUpdates(ctx, lockName, "", false); err != nil {
					return nil, err
				}
				ours, err := r.claimLocking(ctx, locking, append(args, lockName), lockName)
				if err != nil || ours {
					return nil, err
				}
				res = nil // not ours, or no live registration: as a claim that inserted nothing
			} else {
				res, err = r.c.execPrepared(ctx, text, args...)
			}
		default:
			insert := r.c.db.NewInsert().Model(row).On("CONFLICT (channel_id, idempotency_key) DO NOTHING")
			if prefix != "" {
				res, err = r.c.db.ExecContext(ctx, prefix+insert.String())
			} else {
				res, err = insert.Exec(ctx)
			}
		}
		if err != nil {
			if err = mapErr(err); errors.Is(err, ports.ErrBusy) {
				// The only lock this statement waits for is a rival's key.
				return nil, fmt.Errorf("%w: %w", ports.ErrKeyBusy, err)
			}
			return nil, err
		}
		if res != nil {
			n, err := res.RowsAffected()
			if err != nil {
				return nil, mapErr(err)
			}
			if n == 1 {
				return nil, nil
			}
		}
		existing, err := r.Get(ctx, rec.ChannelID, rec.Key)
		if errors.Is(err, ports.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if res == nil && existing.AuditID == rec.AuditID && len(existing.Result) == 0 {
			// claimLocking found no live registration, but the claim is
			// ours (the audit id is this command's own): UpdateByName
			// will say the name is not registered.
			return nil, nil
		}
		return &existing, nil
	}
	return nil, fmt.Errorf("%w: %w: idempotency key %q keeps changing hands", ports.ErrKeyBusy, ports.ErrBusy, rec.Key)
}

// Complete stores the result and audit id of a reserved record.
func (r *IdempotencyStore) Complete(ctx context.Context, rec core.IdempotencyRecord) error {
	if err := r.c.writable(); err != nil {
		return err
	}
	row := idempotencyToRow(rec)
	if r.c.wb != nil {
		// Written with the group's other results; a record this transaction
		// did not reserve fails the group there.
		r.c.wb.completes = append(r.c.wb.completes, row)
		return nil
	}
	res, err := r.c.db.NewUpdate().Model(row).Column("result", "audit_id").WherePK().Exec(ctx)
	return touched(res, err, ports.ErrNotFound)
}

// DeleteBefore removes records created before t and returns how many.
func (r *IdempotencyStore) DeleteBefore(ctx context.Context, t time.Time) (int, error) {
	if err := r.c.writable(); err != nil {
		return 0, err
	}
	res, err := r.c.db.NewDelete().Model((*idempotencyRow)(nil)).Where("created_at < ?", ts(t)).Exec(ctx)
	if err != nil {
		return 0, mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, mapErr(err)
	}
	return int(n), nil
}
