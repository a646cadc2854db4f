package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// AuditLog is the append-only command audit. Queries walk (channel_id, id)
// or (channel_id, idempotency_key, id) / (channel_id, domain, id), so a poll
// page stays an index range scan however many events the table holds.
type AuditLog struct{ c conn }

var _ ports.AuditLog = (*AuditLog)(nil)

// Append adds e; ErrDuplicate when its id exists.
func (r *AuditLog) Append(ctx context.Context, e core.AuditEvent) error {
	row, err := auditToRow(e)
	if err != nil {
		return err
	}
	if r.c.wb != nil && r.c.tx {
		r.c.wb.audits = append(r.c.wb.audits, row)
		return nil
	}
	return r.c.insert(ctx, row)
}

// Query returns the events matching q by id ascending; empty fields do not
// filter and a Limit of zero or less does not limit.
func (r *AuditLog) Query(ctx context.Context, q ports.AuditQuery) ([]core.AuditEvent, error) {
	if r.c.prepared {
		return r.queryPrepared(ctx, q)
	}
	var rows []auditRow
	if err := auditQuery(r.c.db, &rows, q).Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	if !q.EncodedSummaries {
		return auditEvents(rows)
	}
	var p encodedPage
	out := make([]core.AuditEvent, 0, len(rows))
	for i := range rows {
		e, err := p.event(&rows[i], []byte(rows[i].RequestSummary), []byte(rows[i].ResponseSummary))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// encodedPage turns the rows of a page into events whose summaries are
// JSON (core.AuditEvent.RequestSummaryJSON), all written into one buffer.
type encodedPage struct {
	enc summaryEncoder
	buf []byte
}

// event is row's event with the summary texts req and resp (row's own
// are left unread) re-encoded.
func (p *encodedPage) event(row *auditRow, req, resp []byte) (core.AuditEvent, error) {
	e := core.AuditEvent{
		ID: row.ID, ChannelID: row.ChannelID, ChannelSlug: row.ChannelSlug, APIKeyID: row.APIKeyID, Actor: row.Actor,
		Command: row.Command, Domain: row.Domain, IdempotencyKey: row.IdempotencyKey, Status: row.Status,
		HTTPStatus: row.HTTPStatus, CreatedAt: row.CreatedAt.Time(),
	}
	var err error
	if e.RequestSummaryJSON, err = p.summary(req); err != nil {
		return core.AuditEvent{}, err
	}
	if e.ResponseSummaryJSON, err = p.summary(resp); err != nil {
		return core.AuditEvent{}, err
	}
	return e, nil
}

func (p *encodedPage) summary(text []byte) ([]byte, error) {
	if cap(p.buf)-len(p.buf) < len(text)+16 {
		// A new block, twice the last; the summaries already written keep
		// the old one.
		p.buf = make([]byte, 0, max(8192, 2*cap(p.buf), 2*len(text)))
	}
	start := len(p.buf)
	var err error
	if p.buf, err = p.enc.encode(p.buf, text); err != nil {
		return nil, err
	}
	return p.buf[start:len(p.buf):len(p.buf)], nil
}

// auditQuery selects the events matching q into rows.
func auditQuery(db bun.IDB, rows *[]auditRow, q ports.AuditQuery) *bun.SelectQuery {
	sel := db.NewSelect().Model(rows)
	if q.ChannelID != "" {
		sel = sel.Where("channel_id = ?", q.ChannelID)
	}
	if q.Actor != "" {
		sel = sel.Where("actor = ?", q.Actor)
	}
	if q.ExcludeActor != "" {
		sel = sel.Where("actor <> ?", q.ExcludeActor)
	}
	if q.IdempotencyKey != "" {
		sel = sel.Where("idempotency_key = ?", q.IdempotencyKey)
	}
	if q.Command != "" {
		sel = sel.Where("command = ?", q.Command)
	}
	if q.Status != "" {
		sel = sel.Where("status = ?", q.Status)
	}
	if q.Domain != "" {
		sel = sel.Where("domain = ?", q.Domain)
	}
	if q.Since != nil {
		sel = sel.Where("created_at >= ?", ts(*q.Since))
	}
	if q.AfterID != "" {
		sel = sel.Where("id > ?", q.AfterID)
	}
	sel = sel.Order("id")
	if q.Limit > 0 {
		sel = sel.Limit(int64(q.Limit))
	}
	return sel
}

// auditColumns are auditRow's columns in the order queryPrepared scans them.
const auditColumns = "id, channel_id, channel_slug, api_key_id, actor, command, domain, idempotency_key, status, " +
	"http_status, request_summary, response_summary, created_at"

// auditSelect is the text and arguments of q on PostgreSQL: auditQuery's
// conditions in its order, with $n placeholders, so that each combination of
// filters is one prepared statement (prepared.go). The limit is part of the
// text: a generic plan for an unknown LIMIT guesses a tenth of the rows and
// may leave the index that yields them in id order.
func auditSelect(q ports.AuditQuery) (string, []any) {
	var (
		b    strings.Builder
		args []any
	)
	b.WriteString("SELECT " + auditColumns + " FROM audit_events")
	cond := func(expr string, arg any) {
		if len(args) == 0 {
			b.WriteString(" WHERE ")
		} else {
			b.WriteString(" AND ")
		}
		args = append(args, arg)
		b.WriteString(expr)
		b.WriteString(strconv.Itoa(len(args)))
	}
	if q.ChannelID != "" {
		cond("channel_id = $", q.ChannelID)
	}
	if q.Actor != "" {
		cond("actor = $", q.Actor)
	}
	if q.ExcludeActor != "" {
		cond("actor <> $", q.ExcludeActor)
	}
	if q.IdempotencyKey != "" {
		cond("idempotency_key = $", q.IdempotencyKey)
	}
	if q.Command != "" {
		cond("command = $", q.Command)
	}
	if q.Status != "" {
		cond("status = $", q.Status)
	}
	if q.Domain != "" {
		cond("domain = $", q.Domain)
	}
	if q.Since != nil {
		cond("created_at >= $", time.Time(ts(*q.Since)))
	}
	if q.AfterID != "" {
		cond("id > $", q.AfterID)
	}
	b.WriteString(" ORDER BY id")
	if q.Limit > 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(q.Limit))
	}
	return b.String(), args
}

// queryPrepared is Query on PostgreSQL: a prepared statement whose rows are
// scanned column by column.
func (r *AuditLog) queryPrepared(ctx context.Context, q ports.AuditQuery) ([]core.AuditEvent, error) {
	text, args := auditSelect(q)
	if db, ok := r.c.db.(*bun.DB); ok && q.EncodedSummaries {
		return queryPage(ctx, db, text, args, q.Limit)
	}
	rows, err := r.c.queryPrepared(ctx, text, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer func() { _ = rows.Close() }()
	out := make([]core.AuditEvent, 0, max(min(q.Limit, 64), 0))
	var (
		page      encodedPage
		req, resp sql.RawBytes
	)
	for rows.Next() {
		var (
			row auditRow
			e   core.AuditEvent
		)
		if !q.EncodedSummaries {
			if err := rows.Scan(&row.ID, &row.ChannelID, &row.ChannelSlug, &row.APIKeyID, &row.Actor, &row.Command, &row.Domain,
				&row.IdempotencyKey, &row.Status, &row.HTTPStatus, &row.RequestSummary, &row.ResponseSummary, &row.CreatedAt); err != nil {
				return nil, mapErr(err)
			}
			e, err = row.core()
		} else {
			// The summaries as the driver holds them (no string copy),
			// re-encoded before the next row replaces them.
			if err := rows.Scan(&row.ID, &row.ChannelID, &row.ChannelSlug, &row.APIKeyID, &row.Actor, &row.Command, &row.Domain,
				&row.IdempotencyKey, &row.Status, &row.HTTPStatus, &req, &resp, &row.CreatedAt); err != nil {
				return nil, mapErr(err)
			}
			e, err = page.event(&row, req, resp)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	return out, nil
}

// GetMany returns the events with these ids that exist, in the order given.
func (r *AuditLog) GetMany(ctx context.Context, ids []string) ([]core.AuditEvent, error) {
	if len(ids) == 0 {
		return []core.AuditEvent{}, nil
	}
	var rows []auditRow
	if err := r.c.db.NewSelect().Model(&rows).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	found, err := auditEvents(rows)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]core.AuditEvent, len(found))
	for _, e := range found {
		byID[e.ID] = e
	}
	out := make([]core.AuditEvent, 0, len(ids))
	for _, id := range ids {
		if e, ok := byID[id]; ok {
			out = append(out, e)
		}
	}
	return out, nil
}

func auditEvents(rows []auditRow) ([]core.AuditEvent, error) {
	out := make([]core.AuditEvent, 0, len(rows))
	for i := range rows {
		e, err := rows[i].core()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// queryPage is a poll page on PostgreSQL outside a transaction: the
// prepared statement runs on pgx itself, whose rows are read in place
// (pgx.Rows.RawValues) instead of through database/sql, which copies
// every value into a driver.Value and again into its destination (a
// quarter of a page's CPU in registryd, two allocations a column). A row
// costs one string (its text columns, which the event's strings share)
// and its two summaries, re-encoded into the page's buffer.
func queryPage(ctx context.Context, db *bun.DB, text string, args []any, limit int) ([]core.AuditEvent, error) {
	sc, err := db.DB.Conn(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	defer func() { _ = sc.Close() }()
	var out []core.AuditEvent
	err = sc.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: driver connection %T is not pgx's", dc)
		}
		all := cached(args)
		rows, err := pc.Conn().Query(ctx, text, all...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out, err = readPage(rows, limit)
		return err
	})
	if err != nil {
		return nil, mapErr(err)
	}
	return out, nil
}

// readPage reads the rows of auditSelect's text (auditColumns, in order).
func readPage(rows pgx.Rows, limit int) ([]core.AuditEvent, error) {
	fields := rows.FieldDescriptions()
	if len(fields) != 13 {
		return nil, fmt.Errorf("postgres: audit page of %d columns", len(fields))
	}
	const httpStatus, request, response, createdAt = 9, 10, 11, 12
	m := rows.Conn().TypeMap()
	var (
		status  int32
		created time.Time
	)
	statusPlan := m.PlanScan(fields[httpStatus].DataTypeOID, fields[httpStatus].Format, &status)
	createdPlan := m.PlanScan(fields[createdAt].DataTypeOID, fields[createdAt].Format, &created)
	var (
		page encodedPage
		text []byte // the row's text columns, one after the other
		ends [9]int
	)
	out := make([]core.AuditEvent, 0, max(min(limit, 64), 0))
	for rows.Next() {
		vals := rows.RawValues()
		text = text[:0]
		for i := range ends {
			text = append(text, vals[i]...)
			ends[i] = len(text)
		}
		all := string(text)
		var cols [len(ends)]string
		start := 0
		for i, end := range ends {
			cols[i] = all[start:end]
			start = end
		}
		if err := statusPlan.Scan(vals[httpStatus], &status); err != nil {
			return nil, err
		}
		if err := createdPlan.Scan(vals[createdAt], &created); err != nil {
			return nil, err
		}
		row := auditRow{
			ID: cols[0], ChannelID: cols[1], ChannelSlug: cols[2], APIKeyID: cols[3], Actor: cols[4], Command: cols[5],
			Domain: cols[6], IdempotencyKey: cols[7], Status: cols[8], HTTPStatus: int(status), CreatedAt: timestamp(created.UTC()),
		}
		e, err := page.event(&row, jsonText(vals[request], fields[request].Format), jsonText(vals[response], fields[response].Format))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// jsonText is the JSON text of a summary column: json's value is its text
// in either format, jsonb's (before migration
// 20261206210000_audit_summaries_json) a version byte (1) and the text in
// the binary format.
func jsonText(v []byte, format int16) []byte {
	if format == pgx.BinaryFormatCode && len(v) > 0 && v[0] == 1 {
		return v[1:]
	}
	return v
}
