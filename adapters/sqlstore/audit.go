package sqlstore

import (
	"context"
	"strconv"
	"strings"
	"time"

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
	return auditEvents(rows)
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
	rows, err := r.c.queryPrepared(ctx, text, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer func() { _ = rows.Close() }()
	out := make([]core.AuditEvent, 0, max(min(q.Limit, 64), 0))
	for rows.Next() {
		var row auditRow
		if err := rows.Scan(&row.ID, &row.ChannelID, &row.ChannelSlug, &row.APIKeyID, &row.Actor, &row.Command, &row.Domain,
			&row.IdempotencyKey, &row.Status, &row.HTTPStatus, &row.RequestSummary, &row.ResponseSummary, &row.CreatedAt); err != nil {
			return nil, mapErr(err)
		}
		e, err := row.core()
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
