package sqlstore

import (
	"context"
	"database/sql"

	"github.com/headlessdomains/registry/ports"
)

var _ ports.PendingCounter = (*Store)(nil)

// PendingCounts answers how many pending items exist per command and status
// with one grouped count (for a metrics scrape), sorted by command then
// status.
func (s *Store) PendingCounts(ctx context.Context) ([]ports.PendingCount, error) {
	var rows []struct {
		Command string `bun:"command"`
		Status  string `bun:"status"`
		Count   int    `bun:"count"`
	}
	err := s.db.bun.NewSelect().Table("pending_items").
		ColumnExpr("command, status, count(*) AS count").
		GroupExpr("command, status").OrderExpr("command, status").
		Scan(ctx, &rows)
	if err != nil && err != sql.ErrNoRows {
		return nil, mapErr(err)
	}
	out := make([]ports.PendingCount, 0, len(rows))
	for _, r := range rows {
		out = append(out, ports.PendingCount{Command: r.Command, Status: r.Status, Count: r.Count})
	}
	return out, nil
}

// SQL is the database/sql handle under the store's database, for pool
// statistics (sql.DBStats).
func (db *DB) SQL() *sql.DB { return db.bun.DB }
