package cluster

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// ledgerState is what checkInvariants found, for the callers' own checks.
type ledgerState struct {
	Domains       int
	CreateSuccess int
	RenewSuccess  int
	LedgerEntries int
}

// checkInvariants reads the registry database directly and reports every
// state that a committed command may never leave behind (on any number of
// nodes, after any crash), each as a test error:
//
//   - an idempotency record reserved without a result;
//   - a registration without exactly one success create_domain audit row, or
//     such a row without its registration;
//   - a success create_domain or renew_domain audit row without exactly one
//     ledger entry carrying its audit id, command, domain and price × years;
//   - a ledger entry pointing at an audit row that is not a success;
//   - a success registrar audit row without the idempotency record that
//     points back at it, or a record pointing at no success row;
//   - a partner whose gems_balance is not the sum of its ledger entries (the
//     opening balance is itself the entry "opening_balance", checked against
//     the registrars' Opening);
//   - a registration (not cancelled by a delete in add grace) whose expiry is
//     not its creation plus the years of its create and successful renews,
//     less the years of renewals a delete refunded.
func checkInvariants(t *testing.T, db *sql.DB, registrars []registrar) ledgerState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var st ledgerState

	rows := query(t, ctx, db, `SELECT channel_id, idempotency_key, command FROM idempotency_records WHERE result IS NULL`)
	for rows.Next() {
		var ch, key, cmd string
		scan(t, rows, &ch, &key, &cmd)
		t.Errorf("idempotency record left reserved without a result: channel %s key %q (%s)", ch, key, cmd)
	}
	done(t, rows)

	rows = query(t, ctx, db, `
		SELECT d.name, d.state,
		       (SELECT count(*) FROM audit_events a
		         WHERE a.command = 'create_domain' AND a.status = 'success'
		           AND a.domain = d.name AND a.channel_id = d.channel_id)
		  FROM domains d`)
	for rows.Next() {
		var name, state string
		var audits int
		scan(t, rows, &name, &state, &audits)
		st.Domains++
		if audits != 1 {
			t.Errorf("registration %s (%s) has %d success create_domain audit rows, want 1", name, state, audits)
		}
	}
	done(t, rows)

	rows = query(t, ctx, db, `
		SELECT a.id, a.domain FROM audit_events a
		 WHERE a.command = 'create_domain' AND a.status = 'success'
		   AND NOT EXISTS (SELECT 1 FROM domains d WHERE d.name = a.domain AND d.channel_id = a.channel_id)`)
	for rows.Next() {
		var id, name string
		scan(t, rows, &id, &name)
		t.Errorf("success create_domain audit %s names %s, which has no registration", id, name)
	}
	done(t, rows)

	rows = query(t, ctx, db, `
		WITH s AS (
		  SELECT a.id, a.command, a.domain,
		         (CASE a.command WHEN 'create_domain' THEN n.create_price_gems ELSE n.renew_price_gems END)
		           * COALESCE((a.request_summary->>'years')::bigint, 1) AS price
		    FROM audit_events a
		    JOIN domains d ON d.name = a.domain AND d.channel_id = a.channel_id
		    JOIN namespaces n ON n.name = d.namespace
		   WHERE a.status = 'success' AND a.command IN ('create_domain', 'renew_domain'))
		SELECT s.id, s.command, s.domain, s.price,
		       (SELECT count(*) FROM ledger_entries l WHERE l.audit_id = s.id),
		       (SELECT count(*) FROM ledger_entries l
		         WHERE l.audit_id = s.id AND l.command = s.command AND l.domain = s.domain AND l.amount = -s.price)
		  FROM s`)
	for rows.Next() {
		var id, cmd, name string
		var price int64
		var entries, matching int
		scan(t, rows, &id, &cmd, &name, &price, &entries, &matching)
		switch cmd {
		case "create_domain":
			st.CreateSuccess++
		case "renew_domain":
			st.RenewSuccess++
		}
		if entries != 1 || matching != 1 {
			t.Errorf("success %s audit %s of %s has %d ledger entries (%d of -%d Gems for it), want exactly 1",
				cmd, id, name, entries, matching, price)
		}
	}
	done(t, rows)

	rows = query(t, ctx, db, `
		SELECT l.id, l.audit_id, l.command FROM ledger_entries l
		 WHERE l.audit_id <> ''
		   AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.id = l.audit_id AND a.status = 'success')`)
	for rows.Next() {
		var id, audit, cmd string
		scan(t, rows, &id, &audit, &cmd)
		t.Errorf("ledger entry %s (%s) points at audit %s, which is not a committed success", id, cmd, audit)
	}
	done(t, rows)

	rows = query(t, ctx, db, `
		SELECT a.id, a.command, a.idempotency_key FROM audit_events a
		 WHERE a.actor = 'registrar' AND a.status = 'success'
		   AND NOT EXISTS (SELECT 1 FROM idempotency_records r
		                    WHERE r.channel_id = a.channel_id AND r.idempotency_key = a.idempotency_key
		                      AND r.audit_id = a.id AND r.result IS NOT NULL)`)
	for rows.Next() {
		var id, cmd, key string
		scan(t, rows, &id, &cmd, &key)
		t.Errorf("success %s audit %s (key %q) has no completed idempotency record pointing at it", cmd, id, key)
	}
	done(t, rows)

	rows = query(t, ctx, db, `
		SELECT r.channel_id, r.idempotency_key, r.audit_id FROM idempotency_records r
		 WHERE r.result IS NOT NULL AND r.sandbox = false
		   AND NOT EXISTS (SELECT 1 FROM audit_events a
		                    WHERE a.id = r.audit_id AND a.status = 'success'
		                      AND a.channel_id = r.channel_id AND a.idempotency_key = r.idempotency_key)`)
	for rows.Next() {
		var ch, key, audit string
		scan(t, rows, &ch, &key, &audit)
		t.Errorf("idempotency record %s/%q points at audit %s, which is not its success row", ch, key, audit)
	}
	done(t, rows)

	rows = query(t, ctx, db, `
		SELECT p.id, p.gems_balance, COALESCE(sum(l.amount), 0), count(l.id),
		       COALESCE(sum(l.amount) FILTER (WHERE l.command = 'opening_balance'), 0)
		  FROM partners p LEFT JOIN ledger_entries l ON l.partner_id = p.id
		 GROUP BY p.id, p.gems_balance`)
	opening := map[string]int64{}
	for _, r := range registrars {
		opening[r.PartnerID] = r.Opening
	}
	for rows.Next() {
		var id string
		var bal, sum, open int64
		var n int
		scan(t, rows, &id, &bal, &sum, &n, &open)
		st.LedgerEntries += n
		if bal != sum {
			t.Errorf("partner %s: gems_balance %d, but its %d ledger entries sum to %d", id, bal, n, sum)
		}
		if want, ok := opening[id]; ok && open != want {
			t.Errorf("partner %s: opening_balance entries sum to %d, want %d", id, open, want)
		}
	}
	done(t, rows)

	// A registration's years: its create's and each successful renew's
	// (the years of the request summaries), less those of the renewals a
	// delete refunded (a delete in renew grace takes them off the expiry; the
	// refund is renew_price × years). A delete in add grace cancels the
	// registration, whose expiry then means nothing.
	rows = query(t, ctx, db, `
		SELECT d.name, d.state, d.created_at, d.expires_at, n.renew_price_gems,
		       COALESCE((SELECT sum(COALESCE((a.request_summary->>'years')::int, 1)) FROM audit_events a
		         WHERE a.command = 'create_domain' AND a.status = 'success'
		           AND a.domain = d.name AND a.channel_id = d.channel_id), 0),
		       COALESCE((SELECT sum(COALESCE((a.request_summary->>'years')::int, 1)) FROM audit_events a
		         WHERE a.command = 'renew_domain' AND a.status = 'success'
		           AND a.domain = d.name AND a.channel_id = d.channel_id), 0),
		       COALESCE((SELECT sum(l.amount) FROM ledger_entries l
		         WHERE l.command = 'delete_domain' AND l.reason = 'refund_renew' AND l.domain = d.name), 0)
		  FROM domains d JOIN namespaces n ON n.name = d.namespace
		 WHERE d.imported = false AND d.ote_sandbox = false AND d.state <> 'cancelled'`)
	for rows.Next() {
		var name, state string
		var created, expires time.Time
		var renewPrice, refunded int64
		var years, renewed int
		scan(t, rows, &name, &state, &created, &expires, &renewPrice, &years, &renewed, &refunded)
		refundedYears := 0
		if refunded != 0 {
			if renewPrice <= 0 || refunded%renewPrice != 0 {
				t.Errorf("registration %s: renewals refunded %d Gems, not a whole number of years at %d Gems", name, refunded, renewPrice)
				continue
			}
			refundedYears = int(refunded / renewPrice)
		}
		if want := created.UTC().AddDate(years+renewed-refundedYears, 0, 0); !expires.Equal(want) {
			t.Errorf("registration %s (%s): expires %s, want %s (created %s + %d years created + %d years renewed - %d years refunded)",
				name, state, expires.UTC().Format(time.RFC3339Nano), want.Format(time.RFC3339Nano), created.UTC().Format(time.RFC3339Nano),
				years, renewed, refundedYears)
		}
	}
	done(t, rows)
	return st
}

func query(t *testing.T, ctx context.Context, db *sql.DB, q string, args ...any) *sql.Rows {
	t.Helper()
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	return rows
}

func scan(t *testing.T, rows *sql.Rows, dest ...any) {
	t.Helper()
	if err := rows.Scan(dest...); err != nil {
		t.Fatalf("scan: %v", err)
	}
}

func done(t *testing.T, rows *sql.Rows) {
	t.Helper()
	if err := rows.Err(); err != nil {
		t.Fatalf("rows: %v", err)
	}
	_ = rows.Close()
}

// countRows runs a count query.
func countRows(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var n int
	if err := db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
