package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
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
// goes as VALUES lists of typed placeholders, one text per shape of group
// (its kinds of rows, how many of each, how many partners it moves): a
// handful of texts per connection. Arrays (unnest) would have made one text
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
	tx, ok := c.db.(bun.Tx)
	if !ok {
		return nil, fmt.Errorf("postgres: a prepared write outside a transaction (%T)", c.db)
	}
	all := cached(args)
	res, err := tx.Tx.ExecContext(ctx, text, all...)
	return res, mapErr(err)
}

// scanPrepared runs text with args as a statement pgx prepares once per
// connection (queryPrepared) and scans its first row with scan;
// ErrNotFound when there is none.
func (c conn) scanPrepared(ctx context.Context, text string, scan func(rowScanner) error, args ...any) error {
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
// added, so that one shape of group is one text.
type pgWrite struct {
	ctes, counts, what []string
	want               []int64
	args               []any
	// balance is the count column of the first partner's move (its
	// balance after it, NULL when it did not fit), -1 when none.
	balance int
}

// arg adds v and answers its placeholder with cast (e.g. "::text[]").
func (p *pgWrite) arg(v any, cast string) string {
	p.args = append(p.args, v)
	return "$" + strconv.Itoa(len(p.args)) + cast
}

// add is a WITH clause name whose cte writes n rows.
func (p *pgWrite) add(name, cte string, n int, what string) {
	p.ctes = append(p.ctes, name+" AS ("+cte+" RETURNING 1)")
	p.counts = append(p.counts, "(SELECT count(*) FROM "+name+")")
	p.want = append(p.want, int64(n))
	p.what = append(p.what, what)
}

// values is a VALUES list of rows of the given casts, each row's values
// added by row(i): "(VALUES ($1::text, ...), (...)) AS v (cols)".
func (p *pgWrite) values(n int, casts []string, cols string, row func(i int) []any) string {
	var b strings.Builder
	b.WriteString("(VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, v := range row(i) {
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
		}), len(rows), "audit rows")
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

var entryCasts = []string{"::text", "::text", "::text", "::text", "::text", "::int8", "::int8", "::timestamptz",
	"::text", "::text"}

// move is the i-th partner's balance move by delta under its row lock,
// made only if the balance stays at least floor (minus the largest offset
// an entry on the way has, see writeBehind.flushPG), and the insert of its
// ledger entries selecting from it: each entry's balance is the balance
// after the move less its offset.
func (p *pgWrite) move(i int, id string, delta, floor int64, updatedAt timestamp, entries []*ledgerRow, offs []int64) {
	name := "moved_" + strconv.Itoa(i)
	p.ctes = append(p.ctes, name+" AS (UPDATE partners SET gems_balance = gems_balance + "+p.arg(delta, "::int8")+
		", updated_at = "+p.arg(pgTime(updatedAt), "::timestamptz")+" WHERE id = "+p.arg(id, "::text")+
		" AND gems_balance + "+p.arg(floor, "::int8")+" >= 0 RETURNING gems_balance)")
	if i == 0 {
		p.balance = len(p.counts)
		p.counts = append(p.counts, "(SELECT gems_balance FROM "+name+")")
		p.want = append(p.want, -1)
		p.what = append(p.what, "")
	}
	p.add("entries_"+strconv.Itoa(i), "INSERT INTO ledger_entries (id, partner_id, channel_id, audit_id, command, domain, "+
		"amount, balance, created_at, reason, actor) SELECT v.id, "+p.arg(id, "::text")+", v.channel_id, v.audit_id, "+
		"v.command, v.domain, v.amount, "+name+".gems_balance - v.off, v.created_at, v.reason, v.actor FROM "+name+", "+
		p.values(len(entries), entryCasts, "id, channel_id, audit_id, command, domain, amount, off, created_at, reason, actor",
			func(j int) []any {
				e := entries[j]
				return []any{e.ID, e.ChannelID, e.AuditID, e.Command, e.Domain, e.Amount, offs[j], pgTime(e.CreatedAt),
					e.Reason, e.Actor}
			}), len(entries), "partner "+id)
}
