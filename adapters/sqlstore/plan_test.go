package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// TestHotQueriesUseTheirIndexes checks the plans of the queries that must
// stay fast at ten million audit rows: each is an index lookup or an index
// range scan, never a scan of the table. PostgreSQL is asked with sequential
// scans disabled, so the plan shows which index serves the query even on
// the empty tables of a test.
func TestHotQueriesUseTheirIndexes(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		db := open(t)
		var (
			domains []domainRow
			keys    []apiKeyRow
			audit   []auditRow
			items   []pendingRow
			idem    []idempotencyRow
		)
		b := db.Bun()
		cases := []struct {
			name             string
			query            string
			pgIndex, liteIdx string // the index the plan must name; a|b: either
		}{
			{"check/info: live name", b.NewSelect().Model(&domains).Where(liveName, "alice.wallet").String(),
				"domains_live_name_key", "domains_live_name_key"},
			{"check: live names", b.NewSelect().Model(&domains).
				Where("name IN (?) AND state <> 'cancelled'", bun.List([]string{"a.wallet", "b.wallet"})).String(),
				"domains_live_name_key", "domains_live_name_key"},
			{"check: taken names", takenNamesQuery(b, []string{"a.wallet", "b.wallet"}).String(),
				"domains_live_name_key", "domains_live_name_key"},
			{"authenticate: token hash", b.NewSelect().Model(&keys).Where("token_hash = ?", "h").String(),
				"api_keys_token_hash_key", "sqlite_autoindex_api_keys"},
			{"poll page", auditQuery(b, &audit, ports.AuditQuery{ChannelID: "chn_1", AfterID: "aud_1", Limit: 50}).String(),
				"audit_events_channel_idx", "audit_events_channel_idx"},
			{"poll by idempotency key", auditQuery(b, &audit, ports.AuditQuery{ChannelID: "chn_1", IdempotencyKey: "k", Limit: 50}).String(),
				"audit_events_channel_key_idx", "audit_events_channel_key_idx"},
			{"poll by domain", auditQuery(b, &audit, ports.AuditQuery{ChannelID: "chn_1", Domain: "a.wallet", Limit: 50}).String(),
				"audit_events_channel_domain_idx", "audit_events_channel_domain_idx"},
			{"poll by command", auditQuery(b, &audit, ports.AuditQuery{ChannelID: "chn_1", ExcludeActor: "operator", Command: "restore_domain", Limit: 51}).String(),
				"audit_events_channel_command_idx", "audit_events_channel_command_idx"},
			{"poll by status", auditQuery(b, &audit, ports.AuditQuery{ChannelID: "chn_1", ExcludeActor: "operator", Status: "failed", Limit: 51}).String(),
				"audit_events_channel_status_idx", "audit_events_channel_status_idx"},
			{"poll by command and status", auditQuery(b, &audit, ports.AuditQuery{ChannelID: "chn_1", ExcludeActor: "operator", Command: "renew_domain", Status: "failed", Limit: 51}).String(),
				"audit_events_channel_command_status_idx", "audit_events_channel_command_status_idx"},
			{"poll by command after a cursor", auditQuery(b, &audit, ports.AuditQuery{ChannelID: "chn_1", ExcludeActor: "operator", Command: "restore_domain", AfterID: "aud_1", Limit: 51}).String(),
				"audit_events_channel_command_idx", "audit_events_channel_command_idx"},
			{"idempotency lookup", b.NewSelect().Model(&idem).Where("channel_id = ? AND idempotency_key = ?", "chn_1", "k").String(),
				"idempotency_records_pkey", "PRIMARY KEY"},
			{"idempotency expiry", b.NewDelete().Model((*idempotencyRow)(nil)).Where("created_at < ?", ts(testNow)).String(),
				"idempotency_records_created_at_idx", "idempotency_records_created_at_idx"},
			{"pending claim", claimQuery(b, &items, testNow, 10, db.Dialect() == dialect.PG).String(),
				// Which of the two serves the claim depends on statistics: both
				// reach only pending rows.
				"pending_items_due_idx|pending_items_status_idx", "pending_items_due_idx|pending_items_status_idx"},
			{"pending by channel", pendingListQuery(b, &items, core.PendingFilter{ChannelID: "chn_1", Limit: 50}).String(),
				"pending_items_channel_idx|pending_items_status_idx", "pending_items_channel_idx"},
		}
		for _, c := range cases {
			plan := explain(t, db, c.query)
			want := c.liteIdx
			if db.Dialect() == dialect.PG {
				want = c.pgIndex
			}
			used := false
			for _, idx := range strings.Split(want, "|") {
				used = used || strings.Contains(plan, idx)
			}
			if !used || fullScan(plan) {
				t.Errorf("%s: the plan does not use %s:\n%s\n%s", c.name, want, c.query, plan)
			}
		}
	})
}

// fullScan reports a plan that reads a whole table: a PostgreSQL Seq Scan,
// or an SQLite SCAN without an index.
func fullScan(plan string) bool {
	for _, line := range strings.Split(plan, "\n") {
		line = strings.TrimSpace(line)
		if strings.Contains(line, "Seq Scan") || strings.HasPrefix(line, "SCAN ") && !strings.Contains(line, " INDEX ") {
			return true
		}
	}
	return false
}

func explain(t *testing.T, db *DB, query string) string {
	t.Helper()
	var lines []string
	err := db.Bun().RunInTx(t.Context(), nil, func(ctx context.Context, tx bun.Tx) error {
		q := "EXPLAIN QUERY PLAN " + query
		if db.Dialect() == dialect.PG {
			if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
				return err
			}
			q = "EXPLAIN " + query
		}
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			lines = append(lines, toText(vals[len(vals)-1])) // the plan text is the last column
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	return strings.Join(lines, "\n")
}

func toText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		return x.String()
	default:
		return ""
	}
}

// TestPreparedReadsKeepGenericPlans checks the texts that PostgreSQL runs as
// prepared statements (prepared.go): their generic plan, the one PostgreSQL
// keeps after five executions when it costs no more than planning each call,
// is the index lookup or the index range of TestHotQueriesUseTheirIndexes. A generic plan that costs more (a bitmap scan) would
// make PostgreSQL plan the statement again on every call.
func TestPreparedReadsKeepGenericPlans(t *testing.T) {
	db := openPostgres(t)
	b := db.Bun()
	cases := []struct {
		name, text, index string
		args              int
	}{
		{"info: live name", liveNameSelect.sql(b), "domains_live_name_key", 1},
		{"check: one taken name", takenNameSelect, "domains_live_name_key", 1},
		{"partner", partnerSelect.sql(b), "partners_pkey", 1},
		{"idempotency record", idempotencySelect.sql(b), "idempotency_records_pkey", 2},
	}
	for _, p := range []struct {
		name  string
		q     ports.AuditQuery
		index string
	}{
		{"poll page", ports.AuditQuery{ChannelID: "chn_1", ExcludeActor: "operator", AfterID: "aud_1", Limit: 51}, "audit_events_channel_idx"},
		{"poll by idempotency key", ports.AuditQuery{ChannelID: "chn_1", ExcludeActor: "operator", IdempotencyKey: "k", Limit: 51}, "audit_events_channel_key_idx"},
		{"poll by domain", ports.AuditQuery{ChannelID: "chn_1", ExcludeActor: "operator", Domain: "a.wallet", Limit: 51}, "audit_events_channel_domain_idx"},
		{"poll by command", ports.AuditQuery{ChannelID: "chn_1", ExcludeActor: "operator", Command: "restore_domain", Limit: 51}, "audit_events_channel_command_idx"},
		{"poll by status", ports.AuditQuery{ChannelID: "chn_1", ExcludeActor: "operator", Status: "failed", Limit: 51}, "audit_events_channel_status_idx"},
		{"poll by command and status", ports.AuditQuery{ChannelID: "chn_1", ExcludeActor: "operator", Command: "renew_domain", Status: "failed", Limit: 51}, "audit_events_channel_command_status_idx"},
		{"poll by command after a cursor", ports.AuditQuery{ChannelID: "chn_1", ExcludeActor: "operator", Command: "restore_domain", AfterID: "aud_1", Limit: 51}, "audit_events_channel_command_idx"},
		{"poll since", ports.AuditQuery{ChannelID: "chn_1", ExcludeActor: "operator", Since: &testNow, AfterID: "aud_1", Limit: 51}, "audit_events_channel_idx"},
	} {
		text, args := auditSelect(p.q)
		cases = append(cases, struct {
			name, text, index string
			args              int
		}{p.name, text, p.index, len(args)})
	}
	for i, c := range cases {
		var lines []string
		err := b.RunInTx(t.Context(), nil, func(ctx context.Context, tx bun.Tx) error {
			for _, set := range []string{"SET LOCAL plan_cache_mode = force_generic_plan", "SET LOCAL enable_seqscan = off"} {
				if _, err := tx.ExecContext(ctx, set); err != nil {
					return err
				}
			}
			stmt := fmt.Sprintf("plan_%d", i)
			if _, err := tx.ExecContext(ctx, "PREPARE "+stmt+" AS "+c.text); err != nil {
				return err
			}
			nulls := strings.TrimSuffix(strings.Repeat("NULL,", c.args), ",")
			rows, err := tx.QueryContext(ctx, "EXPLAIN EXECUTE "+stmt+"("+nulls+")")
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					return err
				}
				lines = append(lines, line)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, "DEALLOCATE "+stmt)
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		plan := strings.Join(lines, "\n")
		if !strings.Contains(plan, c.index) || strings.Contains(plan, "Bitmap") || fullScan(plan) {
			t.Errorf("%s: the generic plan is not an index lookup on %s:\n%s\n%s", c.name, c.index, c.text, plan)
		}
	}
}
