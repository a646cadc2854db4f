package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// TestRawRowReadsAsScan: the raw reader of a registration's row answers
// what pgx's Scan answers, NULLs, jsonb, bools, int8 and instants before
// 2000 and far after it included; a row it cannot read (an infinite
// instant) it declines, and GetByName answers what Scan reads.
func TestRawRowReadsAsScan(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store)
	ctx := t.Context()
	if err := store.Do(ctx, func(ctx context.Context, tx ports.Stores) error {
		return tx.Namespaces().Insert(ctx, core.Namespace{Name: "wallet", DNSBackend: core.DNSBackendNone, CreatedAt: testNow})
	}); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name, sql string
		declined  bool
	}{
		{"plain.wallet", `INSERT INTO domains (id, name, label, namespace, channel_id, partner_id, state, statuses,
			registrant, nameservers_desired, nameservers_applied, apply_status, created_at, updated_at, expires_at)
			VALUES ('dom_plain', 'plain.wallet', 'plain', 'wallet', $1, 'par_1', 'active', '[]', '{}', '[]', '[]', 'none',
			'2026-05-06T07:08:09.123456Z', '2026-05-06T07:08:09.123456Z', '2027-05-06T07:08:09Z')`, false},
		{"full.wallet", `INSERT INTO domains (id, name, label, namespace, channel_id, partner_id, state, statuses,
			registrant, nameservers_desired, nameservers_applied, apply_status, backend_kind, backend_reference,
			protected_legacy, ote_sandbox, imported, create_paid_gems, created_at, updated_at, expires_at,
			last_renewed_at, deleted_at, claim_notice_id, claim_accepted_at, registrant_contact_id, grace,
			state_ends_at, due_at, transfer, transfer_status, transfer_gaining_channel_id, transfer_losing_channel_id,
			auth_code_hash, auth_code_set_at, auth_code_expires_at, transferred_at)
			VALUES ('dom_full', 'full.wallet', 'full', 'wallet', $1, 'par_1', 'redemption', '["clientHold","redemptionPeriod"]',
			'{"name":"Zoë \"Q\"","email":"z@example.com","metadata":{"a":"<1>"}}', '["ns1.example.net"]', '[]', 'pending',
			'rfc2136', 'zone/full', true, true, true, 9223372036854775807,
			'1999-12-31T23:59:59.999999Z', '1970-01-01T00:00:00Z', '2299-12-31T23:59:59.999999Z',
			'2026-01-01T00:00:00.000001Z', '2026-02-02T00:00:00Z', 'notice-1', '2026-03-03T03:03:03.3Z', 'con_1',
			'[]', '2400-01-01T00:00:00Z', '1900-06-15T12:00:00.5Z',
			NULL, 'pending', 'chn_gain', 'chn_lose', 'hash', '2026-04-04T00:00:00Z',
			'2026-04-09T00:00:00Z', '2026-04-05T00:00:00Z')`, false},
		{"forever.wallet", `INSERT INTO domains (id, name, label, namespace, channel_id, partner_id, state, statuses,
			registrant, nameservers_desired, nameservers_applied, apply_status, created_at, updated_at, expires_at, due_at)
			VALUES ('dom_forever', 'forever.wallet', 'forever', 'wallet', $1, 'par_1', 'active', '[]', '{}', '[]', '[]', 'none',
			'2026-05-06T07:08:09Z', '2026-05-06T07:08:09Z', '2027-05-06T07:08:09Z', 'infinity')`, true},
	}
	for _, r := range rows {
		if _, err := db.bun.DB.ExecContext(ctx, r.sql, chn); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
	}
	if !db.prepared {
		t.Fatal("the hot reads are not on pgx")
	}
	sqldb := db.bun.DB
	for _, r := range rows {
		var scanned domainRow
		if err := pgxRow(ctx, sqldb, liveNameRaw.pg, nil, scanned.scan, r.name); err != nil {
			t.Fatalf("%s: scan: %v", r.name, err)
		}
		var raw domainRow
		rawErr := readRaw(t, sqldb, liveNameRaw.pg, raw.scanRaw, r.name)
		switch {
		case r.declined && rawErr != errRawDecline:
			t.Errorf("%s: the raw reader answered %v, want errRawDecline", r.name, rawErr)
		case !r.declined && rawErr != nil:
			t.Errorf("%s: the raw reader declined: %v", r.name, rawErr)
		case !r.declined && !reflect.DeepEqual(raw, scanned):
			t.Errorf("%s: the raw reader read\n%#v\npgx's Scan\n%#v", r.name, raw, scanned)
		}
		var got core.Domain
		err := store.View(ctx, func(ctx context.Context, tx ports.Stores) error {
			var err error
			got, err = tx.Domains().GetByName(ctx, core.MustName(r.name))
			return err
		})
		if err != nil {
			t.Fatalf("%s: GetByName: %v", r.name, err)
		}
		want, err := scanned.core()
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: GetByName answered\n%#v\nwant\n%#v", r.name, got, want)
		}
	}
	err := store.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Domains().GetByName(ctx, core.MustName("nobody.wallet"))
		return err
	})
	if !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("GetByName of no registration: %v, want ErrNotFound", err)
	}
}

// TestRawIdempotencyRowReadsAsScan: an idempotency record read raw is the
// record pgx's Scan reads, with a result, an empty one and none (a command
// still running).
func TestRawIdempotencyRowReadsAsScan(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store)
	ctx := t.Context()
	for _, r := range []struct{ key, result string }{
		{"with-result", `'\x7b22636f6d6d616e64223a22637265617465227d'`},
		{"empty-result", `''`},
		{"running", `NULL`},
	} {
		q := `INSERT INTO idempotency_records (channel_id, idempotency_key, command, domain, fingerprint, sandbox, audit_id,
			result, created_at) VALUES ($1, '` + r.key + `', 'create_domain', 'a.wallet', 'fp', true, 'aud_1', ` + r.result +
			`, '1999-12-31T23:59:59.999999Z')`
		if _, err := db.bun.DB.ExecContext(ctx, q, chn); err != nil {
			t.Fatalf("%s: %v", r.key, err)
		}
		var scanned, raw idempotencyRow
		if err := pgxRow(ctx, db.bun.DB, idempotencyRaw.pg, nil, scanned.scan, chn, r.key); err != nil {
			t.Fatalf("%s: scan: %v", r.key, err)
		}
		if err := readRaw(t, db.bun.DB, idempotencyRaw.pg, raw.scanRaw, chn, r.key); err != nil {
			t.Fatalf("%s: the raw reader declined: %v", r.key, err)
		}
		if !reflect.DeepEqual(raw, scanned) {
			t.Errorf("%s: the raw reader read\n%#v\npgx's Scan\n%#v", r.key, raw, scanned)
		}
		var got core.IdempotencyRecord
		err := store.View(ctx, func(ctx context.Context, tx ports.Stores) error {
			var err error
			got, err = tx.Idempotency().Get(ctx, chn, r.key)
			return err
		})
		if err != nil || !reflect.DeepEqual(got, scanned.core()) {
			t.Errorf("%s: Get answered %#v, %v; want %#v", r.key, got, err, scanned.core())
		}
	}
}

// readRaw runs text with args as the hot reads run it and answers what
// scanRaw makes of its one row.
func readRaw(t *testing.T, db *sql.DB, text string, scanRaw func(*rawRow) error, args ...any) error {
	t.Helper()
	var rawErr error
	err := onPgx(t.Context(), db, func(pc *pgx.Conn) error {
		rs, err := pc.Query(t.Context(), text, cached(args)...)
		if err != nil {
			return err
		}
		defer rs.Close()
		if !rs.Next() {
			return fmt.Errorf("no row for %v", args)
		}
		rawErr = scanRaw(&rawRow{fds: rs.FieldDescriptions(), vals: rs.RawValues()})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rawErr
}
