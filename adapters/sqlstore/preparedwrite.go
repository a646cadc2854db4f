package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/headlessdomains/registry/ports"
)

// Prepared writes on PostgreSQL.
//
// A command's writes went as bun renders them: every value inlined into a
// text PostgreSQL had not seen, so it parsed, analysed and planned each
// statement again. A profile of PostgreSQL under creates of sixteen
// registrars put parsing, analysis and planning at a third of its CPU
// (bench/README.md, "Prepared writes"). The writes every create and renewal
// makes (the idempotency claim, the registration's insert, its locked read
// and update, the held audit rows, results and ledger entries with their
// balance move) are therefore fixed texts with $n placeholders, which pgx
// prepares once per connection and PostgreSQL plans once. A held group
// goes as VALUES lists of typed placeholders, each list's rows rounded up
// to a power of two (pgWrite): one text per shape of group (its kinds of
// rows and their rounded counts), a handful of texts per connection.
// Arrays (unnest) would have made one text
// for every size, but PostgreSQL estimates the unnest of a parameter at a
// hundred rows, so the generic plan of such a text never looks as cheap as
// a custom one and it was planned again at every execution (a profile
// showed planning at a fifth of PostgreSQL's CPU). Values go as pgx encodes
// them: time.Time for instants, nil for NULL.
//
// They are used only where the prepared reads are (conn.prepared): not
// behind a transaction pooler, whose connections cannot keep a prepared
// statement, and never on SQLite, whose driver prepares every statement.

// execPrepared runs text with args inside c's transaction as a statement
// pgx prepares once per connection (see queryPrepared).
func (c conn) execPrepared(ctx context.Context, text string, args ...any) (sql.Result, error) {
	switch tx := c.db.(type) {
	case bun.Tx:
		res, err := tx.Tx.ExecContext(ctx, text, cached(args)...)
		return res, mapErr(err)
	case *pgTx:
		n, err := tx.pipe(ctx, text, args, nil, false)
		return pgResult(n), err
	}
	return nil, fmt.Errorf("postgres: a prepared write outside a transaction (%T)", c.db)
}

// scanPrepared runs text with args as a statement pgx prepares once per
// connection and scans its first row with scan (a row of pgx or of
// database/sql); ErrNotFound when there is none. In a pgTx the first
// statement carries the BEGIN.
func (c conn) scanPrepared(ctx context.Context, text string, scan func(rowScanner) error, args ...any) error {
	if tx, ok := c.db.(*pgTx); ok {
		_, err := tx.pipe(ctx, text, args, scan, false)
		return err
	}
	return c.scanRows(ctx, text, scan, args...)
}

// scanRows is scanPrepared on database/sql's rows (queryPrepared).
func (c conn) scanRows(ctx context.Context, text string, scan func(rowScanner) error, args ...any) error {
	rows, err := c.queryPrepared(ctx, text, args...)
	if err != nil {
		return mapErr(err)
	}
	defer func() { _ = rows.Close() }()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return mapErr(err)
		}
		return ports.ErrNotFound
	}
	if err := scan(rows); err != nil {
		return mapErr(err)
	}
	return mapErr(rows.Close())
}

// pgTime is an instant as a prepared write sends it.
func pgTime(t timestamp) time.Time { return t.Time() }

// pgTimePtr is a nullable instant as a prepared write sends it.
func pgTimePtr(t *timestamp) any {
	if t == nil {
		return nil
	}
	return t.Time()
}

// args are r's values in domainColumns' order, as a prepared write sends
// them (a test holds the two lists together).
func (r *domainRow) args() []any {
	var contact any
	if r.RegistrantContactID != "" { // nullzero in the model: '' is NULL
		contact = r.RegistrantContactID
	}
	return []any{
		r.ID, r.Name, r.Label, r.Namespace, r.ChannelID, r.PartnerID, r.State, r.Statuses, r.Registrant,
		r.NameserversDesired, r.NameserversApplied, r.ApplyStatus, r.BackendKind, r.BackendReference,
		r.ProtectedLegacy, r.OTESandbox, r.Imported, r.CreatePaidGems, pgTime(r.CreatedAt), pgTime(r.UpdatedAt),
		pgTime(r.ExpiresAt), pgTimePtr(r.LastRenewedAt), pgTimePtr(r.DeletedAt), r.ClaimNoticeID,
		pgTimePtr(r.ClaimAcceptedAt), contact, r.Grace, pgTimePtr(r.StateEndsAt), pgTimePtr(r.DueAt), r.Transfer,
		r.TransferStatus, r.TransferGainingChannelID, r.TransferLosingChannelID, r.AuthCodeHash,
		pgTimePtr(r.AuthCodeSetAt), pgTimePtr(r.AuthCodeExpiresAt), pgTimePtr(r.TransferredAt),
	}
}

// placeholders is "$from, $from+1, ..." for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

// registerInsert is Register's statement: the row (domainColumns, $1..$37),
// and whether queued backend work of an earlier registration of its name
// exists ($38: the queued status).
var registerInsert = "INSERT INTO domains (" + strings.Join(domainColumns, ", ") + ") VALUES (" +
	placeholders(1, len(domainColumns)) + ") ON CONFLICT DO NOTHING RETURNING EXISTS (SELECT 1 FROM pending_items " +
	"WHERE domain = $2 AND status = $" + strconv.Itoa(len(domainColumns)+1) + " AND domain_id IS DISTINCT FROM $1)"

// lockedByName and lockedByID read a registration under the row lock an
// UPDATE takes (see conn.selectOne).
var (
	lockedByName = newRawSelect("domains", domainColumns, "name = $1 AND state <> 'cancelled' FOR NO KEY UPDATE")
	lockedByID   = newRawSelect("domains", domainColumns, "id = $1 FOR NO KEY UPDATE")
)

// domainColumnIndex is each of domainColumns' position.
var domainColumnIndex = func() map[string]int {
	m := make(map[string]int, len(domainColumns))
	for i, c := range domainColumns {
		m[c] = i
	}
	return m
}()

// domainUpdates caches the text of an update of a set of columns: a
// command writes the same few columns every time (a renewal its expiry,
// statuses, grace periods and deadlines).
var domainUpdates sync.Map // "col,col,..." → string

// domainUpdate is the statement that writes cols of the row with id $1,
// and its arguments from row.
func domainUpdate(row *domainRow, cols []string) (string, []any, error) {
	key := strings.Join(cols, ",")
	vals, err := domainValues(row, cols)
	if err != nil {
		return "", nil, err
	}
	args := append([]any{row.ID}, vals...)
	if text, ok := domainUpdates.Load(key); ok {
		return text.(string), args, nil
	}
	var b strings.Builder
	b.WriteString("UPDATE domains SET ")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = $" + strconv.Itoa(i+2))
	}
	b.WriteString(" WHERE id = $1")
	text, _ := domainUpdates.LoadOrStore(key, b.String())
	return text.(string), args, nil
}

// pgWrite is one statement that writes what a transaction held
// (writeBehind): each kind of row in a WITH clause of its own that answers
// how many rows it wrote, the arguments numbered in the order they are
// added. Every VALUES list is sent as rowsFor(n) rows, the rows past n all
// NULL and matching nothing, so that the statements of all groups come in a
// few shapes: one text per shape, whatever the group's size within it and
// whichever partners it moves, and the handful of texts pgx caches per
// connection (and PostgreSQL plans once) stays a handful.
type pgWrite struct {
	ctes, counts, what []string
	want               []int64
	args               []any
	// balance is the count column of the balance after the move of the
	// only partner moved (NULL when it did not fit), -1 when none or
	// several; moved is the count column of the partners' moves, -1 when
	// none.
	balance, moved int
}

func newPGWrite() pgWrite { return pgWrite{balance: -1, moved: -1} }

// rowsFor is how many rows a VALUES list of n rows is sent as: n rounded up
// to a power of two.
func rowsFor(n int) int {
	if n <= 1 {
		return n
	}
	return 1 << bits.Len(uint(n-1))
}

// arg adds v and answers its placeholder with cast (e.g. "::text[]").
func (p *pgWrite) arg(v any, cast string) string {
	p.args = append(p.args, v)
	return "$" + strconv.Itoa(len(p.args)) + cast
}

// add is a WITH clause name whose cte writes n rows.
func (p *pgWrite) add(name, cte string, n int, what string) {
	p.ctes = append(p.ctes, name+" AS ("+cte+" RETURNING 1)")
	p.count("(SELECT count(*) FROM "+name+")", int64(n), what)
}

// count adds a column to the statement's answer, want its expected value
// (-1: any).
func (p *pgWrite) count(expr string, want int64, what string) {
	p.counts = append(p.counts, expr)
	p.want = append(p.want, want)
	p.what = append(p.what, what)
}

// values is a VALUES list of rowsFor(n) rows of the given casts, the
// values of the first n added by row(i) and the others NULL:
// "(VALUES ($1::text, ...), (...)) AS v (cols)".
func (p *pgWrite) values(n int, casts []string, cols string, row func(i int) []any) string {
	var b strings.Builder
	b.WriteString("(VALUES ")
	for i := range rowsFor(n) {
		if i > 0 {
			b.WriteString(", ")
		}
		var vals []any
		if i < n {
			vals = row(i)
		} else {
			vals = make([]any, len(casts))
		}
		b.WriteByte('(')
		for j, v := range vals {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.arg(v, casts[j]))
		}
		b.WriteByte(')')
	}
	b.WriteString(") AS v (" + cols + ")")
	return b.String()
}

var auditCasts = []string{"::text", "::text", "::text", "::text", "::text", "::text", "::text", "::text", "::text",
	"::int4", "::json", "::json", "::timestamptz"}

const auditCols = "id, channel_id, channel_slug, api_key_id, actor, command, domain, idempotency_key, status, " +
	"http_status, request_summary, response_summary, created_at"

func (p *pgWrite) audits(rows []*auditRow) {
	p.add("audits", "INSERT INTO audit_events ("+auditCols+") SELECT * FROM "+
		p.values(len(rows), auditCasts, auditCols, func(i int) []any {
			r := rows[i]
			return []any{r.ID, r.ChannelID, r.ChannelSlug, r.APIKeyID, r.Actor, r.Command, r.Domain, r.IdempotencyKey,
				r.Status, int32(r.HTTPStatus), r.RequestSummary, r.ResponseSummary, pgTime(r.CreatedAt)}
		})+" WHERE v.id IS NOT NULL", len(rows), "audit rows")
}

var resultCasts = []string{"::text", "::text", "::bytea", "::text"}

func (p *pgWrite) results(rows []*idempotencyRow) {
	p.add("results", "UPDATE idempotency_records AS r SET result = v.result, audit_id = v.audit_id FROM "+
		p.values(len(rows), resultCasts, "channel_id, idempotency_key, result, audit_id", func(i int) []any {
			r := rows[i]
			return []any{r.ChannelID, r.IdempotencyKey, r.Result, r.AuditID}
		})+" WHERE r.channel_id = v.channel_id AND r.idempotency_key = v.idempotency_key", len(rows), "idempotency results")
}

// domainValues are the values of cols in row, as a prepared write sends them.
func domainValues(row *domainRow, cols []string) ([]any, error) {
	all := row.args()
	vals := make([]any, 0, len(cols))
	for _, c := range cols {
		i, ok := domainColumnIndex[c]
		if !ok {
			return nil, fmt.Errorf("postgres: no column %q in a registration", c)
		}
		vals = append(vals, all[i])
	}
	return vals, nil
}

// domainTypes is the SQL type of every column of domains (checked against
// the migrated schema by TestDomainTypesMatchTheSchemaOnPostgres), for the
// casts of a VALUES list of registration columns.
var domainTypes = map[string]string{
	"id": "text", "name": "text", "label": "text", "namespace": "text", "channel_id": "text",
	"partner_id": "text", "state": "text", "statuses": "jsonb", "registrant": "jsonb",
	"nameservers_desired": "jsonb", "nameservers_applied": "jsonb", "apply_status": "text",
	"backend_kind": "text", "backend_reference": "text", "protected_legacy": "boolean",
	"ote_sandbox": "boolean", "imported": "boolean", "create_paid_gems": "bigint",
	"created_at": "timestamp with time zone", "updated_at": "timestamp with time zone",
	"expires_at": "timestamp with time zone", "last_renewed_at": "timestamp with time zone",
	"deleted_at": "timestamp with time zone", "claim_notice_id": "text",
	"claim_accepted_at": "timestamp with time zone", "registrant_contact_id": "text", "grace": "jsonb",
	"state_ends_at": "timestamp with time zone", "due_at": "timestamp with time zone", "transfer": "jsonb",
	"transfer_status": "text", "transfer_gaining_channel_id": "text", "transfer_losing_channel_id": "text",
	"auth_code_hash": "text", "auth_code_set_at": "timestamp with time zone",
	"auth_code_expires_at": "timestamp with time zone", "transferred_at": "timestamp with time zone",
}

// updates is the i-th set of held updates that write the same columns
// (heldUpdate): one UPDATE from a VALUES list, so that the statement grows
// by a row of placeholders per registration, not by a statement.
func (p *pgWrite) updates(i int, us []heldUpdate) {
	cols := us[0].cols
	casts := make([]string, 0, len(cols)+1)
	casts = append(casts, "::text")
	var set strings.Builder
	for j, c := range cols {
		casts = append(casts, "::"+domainTypes[c])
		if j > 0 {
			set.WriteString(", ")
		}
		set.WriteString(c + " = v." + c)
	}
	p.add("updated_"+strconv.Itoa(i), "UPDATE domains AS d SET "+set.String()+" FROM "+
		p.values(len(us), casts, "id, "+strings.Join(cols, ", "), func(j int) []any {
			return append([]any{us[j].id}, us[j].vals...)
		})+" WHERE d.id = v.id", len(us), "registrations")
}

// updateSets splits held updates into sets of the same columns, in the
// order each set first appears.
func updateSets(us []heldUpdate) [][]heldUpdate {
	var sets [][]heldUpdate
	index := map[string]int{}
	for _, u := range us {
		key := strings.Join(u.cols, ",")
		i, ok := index[key]
		if !ok {
			i = len(sets)
			index[key] = i
			sets = append(sets, nil)
		}
		sets[i] = append(sets[i], u)
	}
	return sets
}

// partnerMove is a partner's balance move by delta, made only if the
// balance stays at least -floor (see writeBehind.flushPG).
type partnerMove struct {
	id           string
	delta, floor int64
	at           timestamp
}

// entryMove is a ledger entry of a move: its balance is the partner's
// balance after the move less off.
type entryMove struct {
	row *ledgerRow
	off int64
}

var (
	moveCasts  = []string{"::text", "::int8", "::int8", "::timestamptz"}
	entryCasts = []string{"::text", "::text", "::text", "::text", "::text", "::text", "::int8", "::int8",
		"::timestamptz", "::text", "::text"}
)

// assert is p's statement for a batch that also commits (pgTx.pipe): it
// answers the same counts, and fails, so that the COMMIT after it is
// skipped, when one is not the one expected: registry_check_writes raises
// SQLSTATE RG409 when a partner's move did not fit (ErrGroupConflict) and
// RG500 for any other count (see the migration check_writes). The wanted
// counts go as arguments, so a shape of group keeps one text.
func (p *pgWrite) assert() string {
	cols := make([]string, len(p.counts))
	moves, rows := []string{"true"}, []string{"true"}
	for i, c := range p.counts {
		n := "n" + strconv.Itoa(i)
		cols[i] = c + " AS " + n
		if p.want[i] < 0 {
			continue
		}
		cond := "c." + n + " = " + p.arg(p.want[i], "::int8")
		if i == p.moved {
			moves = append(moves, cond)
		} else {
			rows = append(rows, cond)
		}
	}
	return "WITH " + strings.Join(p.ctes, ", ") + " SELECT c.* FROM (SELECT " + strings.Join(cols, ", ") +
		") AS c WHERE registry_check_writes(" + strings.Join(moves, " AND ") + ", " + strings.Join(rows, " AND ") + ")"
}

// moves is the partners' balance moves, in the order given (partner id
// order), each under its row lock, and the insert of their ledger entries
// selecting from them. A move that does not fit leaves its partner out,
// and its entries with it: the count of moves then falls short
// (ErrGroupConflict). Several partners are first locked in id order (the
// locked clause) whatever plan PostgreSQL picks for the update, so that two
// groups never take two partners' locks in opposite orders.
func (p *pgWrite) moves(ms []partnerMove, entries []entryMove) {
	var lock string
	if len(ms) > 1 {
		ids := make([]string, rowsFor(len(ms)))
		for i := range ids {
			var id any
			if i < len(ms) {
				id = ms[i].id
			}
			ids[i] = p.arg(id, "::text")
		}
		p.ctes = append(p.ctes, "locked AS (SELECT id FROM partners WHERE id IN ("+strings.Join(ids, ", ")+
			") ORDER BY id FOR NO KEY UPDATE)")
		lock = " AND v.id IN (SELECT id FROM locked)"
	}
	p.ctes = append(p.ctes, "moved AS (UPDATE partners AS p SET gems_balance = p.gems_balance + v.delta, "+
		"updated_at = v.updated_at FROM "+p.values(len(ms), moveCasts, "id, delta, floor, updated_at", func(i int) []any {
		m := ms[i]
		return []any{m.id, m.delta, m.floor, pgTime(m.at)}
	})+" WHERE p.id = v.id AND p.gems_balance + v.floor >= 0"+lock+" RETURNING p.id, p.gems_balance)")
	p.moved = len(p.counts)
	p.count("(SELECT count(*) FROM moved)", int64(len(ms)), "partners' balances")
	if len(ms) == 1 {
		p.balance = len(p.counts)
		p.count("(SELECT gems_balance FROM moved)", -1, "")
	}
	p.add("entries", "INSERT INTO ledger_entries (id, partner_id, channel_id, audit_id, command, domain, "+
		"amount, balance, created_at, reason, actor) SELECT v.id, v.partner_id, v.channel_id, v.audit_id, "+
		"v.command, v.domain, v.amount, m.gems_balance - v.off, v.created_at, v.reason, v.actor FROM moved AS m JOIN "+
		p.values(len(entries), entryCasts, "id, partner_id, channel_id, audit_id, command, domain, amount, off, "+
			"created_at, reason, actor", func(j int) []any {
			e := entries[j].row
			return []any{e.ID, e.PartnerID, e.ChannelID, e.AuditID, e.Command, e.Domain, e.Amount, entries[j].off,
				pgTime(e.CreatedAt), e.Reason, e.Actor}
		})+" ON v.partner_id = m.id", len(entries), "ledger entries")
}
