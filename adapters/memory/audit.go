package memory

import (
	"context"
	"slices"
	"strings"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// AuditLog is the append-only command audit.
type AuditLog struct{ tx *tx }

var _ ports.AuditLog = (*AuditLog)(nil)

func (r *AuditLog) Append(_ context.Context, e core.AuditEvent) error {
	st, err := r.tx.writing()
	if err != nil {
		return err
	}
	if st.audit.has(e.ID) {
		return duplicate("audit event", e.ID)
	}
	if e.RequestSummary, err = toJSON("audit request summary", e.RequestSummary); err != nil {
		return err
	}
	if e.ResponseSummary, err = toJSON("audit response summary", e.ResponseSummary); err != nil {
		return err
	}
	// Encoded summaries are answers of the SQL stores, never written:
	// the maps are the event (core.AuditEvent).
	e.RequestSummaryJSON, e.ResponseSummaryJSON = nil, nil
	st.audit.put(e.ID, e) // toJSON made fresh maps
	return nil
}

// Query answers the events matching q, by id.
func (r *AuditLog) Query(_ context.Context, q ports.AuditQuery) ([]core.AuditEvent, error) {
	st, err := r.tx.reading()
	if err != nil {
		return nil, err
	}
	out := []core.AuditEvent{}
	for _, e := range st.audit.rows {
		if matchesAudit(e, q) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b core.AuditEvent) int { return strings.Compare(a.ID, b.ID) })
	out = limit(out, q.Limit)
	for i := range out {
		out[i] = cloneAuditEvent(out[i])
	}
	return out, nil
}

func matchesAudit(e core.AuditEvent, q ports.AuditQuery) bool {
	return (q.ChannelID == "" || e.ChannelID == q.ChannelID) &&
		(q.Actor == "" || e.Actor == q.Actor) &&
		(q.ExcludeActor == "" || e.Actor != q.ExcludeActor) &&
		(q.IdempotencyKey == "" || e.IdempotencyKey == q.IdempotencyKey) &&
		(q.Command == "" || e.Command == q.Command) &&
		(q.Status == "" || e.Status == q.Status) &&
		(q.Domain == "" || e.Domain == q.Domain) &&
		(q.Since == nil || !e.CreatedAt.Before(*q.Since)) &&
		(q.AfterID == "" || e.ID > q.AfterID)
}

// GetMany answers the events with these ids that exist, in the order given.
func (r *AuditLog) GetMany(_ context.Context, ids []string) ([]core.AuditEvent, error) {
	st, err := r.tx.reading()
	if err != nil {
		return nil, err
	}
	out := []core.AuditEvent{}
	for _, id := range ids {
		if e, ok := st.audit.get(id); ok {
			out = append(out, cloneAuditEvent(e))
		}
	}
	return out, nil
}
