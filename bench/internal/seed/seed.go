package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Plan is what the seeded rows belong to: one partner, channel, key and
// namespace that the benchmark admitted through the operator API.
type Plan struct {
	PartnerID   string
	ChannelID   string
	ChannelSlug string
	APIKeyID    string
	Namespace   string
	// Ref is the reference time: registrations were created a year before
	// it, expire over the year after it (ExpiryOf) and audit history ends
	// AuditGap before it.
	Ref time.Time
	// Domains is how many registrations exist (or will), for the domains
	// that audit events name.
	Domains int64
}

// ExpiryDays is how many days the seeded expiries spread over: a year, so
// that one day's expiries are 1/ExpiryDays of the registrations, as in a
// registry whose names were registered evenly through the year.
const ExpiryDays = 365

// ExpiryDay is the day, counted from the first whole day after the
// reference time, on which seeded registration i expires: i modulo
// ExpiryDays, so that each day's registrations spread over the whole name
// space (names are a permutation of the index).
func ExpiryDay(i int64) int64 { return i % ExpiryDays }

// DayStart is the start of expiry day d: the hour of ref plus d+1 days, so
// that no seeded registration comes due within 23 hours of ref.
func DayStart(ref time.Time, d int64) time.Time {
	return ref.UTC().Truncate(time.Hour).Add(time.Duration(d+1) * 24 * time.Hour)
}

// Expiry is seeded registration i's expiry: a whole second of its expiry
// day (ExpiryDay), placed in the day by the name permutation. The latest is
// a year and two days after ref, so that renewals stay far from the 10-year
// cap.
func Expiry(ref time.Time, i int64) time.Time {
	return DayStart(ref, ExpiryDay(i)).Add(time.Duration(mix(i)%86400) * time.Second)
}

// ExpiryOf is the expiry of the plan's registration i.
func (p Plan) ExpiryOf(i int64) time.Time { return Expiry(p.Ref, i) }

// domainColumns are the columns seeding fills. grace and due_at are what
// the registry stores for an active registration past its add grace period:
// no running grace period, and the next lifecycle deadline
// (core.Domain.NextDue), its expiry, so that the maintenance loop sees
// seeded rows exactly as rows the registry wrote.
var domainColumns = []string{
	"id", "name", "label", "namespace", "channel_id", "partner_id", "state", "statuses", "registrant",
	"nameservers_desired", "nameservers_applied", "apply_status", "backend_kind", "backend_reference",
	"protected_legacy", "ote_sandbox", "imported", "create_paid_gems", "created_at", "updated_at", "expires_at",
	"grace", "due_at",
}

// created is when seeded registrations were created: a year before Ref.
func (p Plan) created() time.Time {
	return p.Ref.Add(-365 * 24 * time.Hour).UTC().Truncate(time.Second)
}

// domainRow is registration i's values in domainColumns' order.
func (p Plan) domainRow(i int64, created time.Time) []any {
	const nsList = `["ns1.bench-dns.example","ns2.bench-dns.example"]`
	label := Label(i)
	ns, apply := "[]", "none"
	if i%2 == 0 {
		ns, apply = nsList, "applied"
	}
	registrant := fmt.Sprintf(`{"name":"Registrant %d","organization":"Bench Holdings","email":"holder%d@bench.example","phone":"+1.5555550%03d","country":"US","metadata":{"customer":"c%d"}}`,
		i, i, i%1000, i)
	expiry := p.ExpiryOf(i)
	return []any{
		DomainID(i), label + "." + p.Namespace, label, p.Namespace, p.ChannelID, p.PartnerID, "active", "[]", registrant,
		ns, ns, apply, "none", DomainID(i),
		false, false, false, int64(10), created, created, expiry,
		"[]", expiry,
	}
}

// Domains copies registrations [from, to) into the domains table.
func Domains(ctx context.Context, conn *pgx.Conn, p Plan, from, to int64) (int64, error) {
	if from < 0 || to > MaxRows || from > to {
		return 0, fmt.Errorf("seed: domains [%d, %d) out of range", from, to)
	}
	created := p.created()
	i := from
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i >= to {
			return nil, nil
		}
		row := p.domainRow(i, created)
		i++
		return row, nil
	})
	return conn.CopyFrom(ctx, pgx.Identifier{"domains"}, domainColumns, src)
}

var auditColumns = []string{
	"id", "channel_id", "channel_slug", "api_key_id", "actor", "command", "domain", "idempotency_key",
	"status", "http_status", "request_summary", "response_summary", "created_at",
}

// Audit copies audit events [from, to) of total into audit_events, all of
// the plan's channel: the history a busy registrar has.
func Audit(ctx context.Context, conn *pgx.Conn, p Plan, from, to, total int64) (int64, error) {
	if from < 0 || to > total || from > to || total > MaxRows {
		return 0, fmt.Errorf("seed: audit [%d, %d) of %d out of range", from, to, total)
	}
	if p.Domains <= 0 {
		return 0, fmt.Errorf("seed: audit events need registrations to name")
	}
	j := from
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if j >= to {
			return nil, nil
		}
		row, err := p.auditRow(j, total)
		if err != nil {
			return nil, err
		}
		j++
		return row, nil
	})
	return conn.CopyFrom(ctx, pgx.Identifier{"audit_events"}, auditColumns, src)
}

// auditRow is audit event j of total's values in auditColumns' order.
func (p Plan) auditRow(j, total int64) ([]any, error) {
	command, status, code := auditKind(j)
	domain := Name(j%p.Domains, p.Namespace)
	req, resp, err := summaries(command, status, code, domain, p.ExpiryOf(j%p.Domains))
	if err != nil {
		return nil, err
	}
	return []any{
		AuditID(p.Ref, j, total), p.ChannelID, p.ChannelSlug, p.APIKeyID, "registrar", command, domain, AuditKey(j),
		status, int32(code), req, resp, AuditTime(p.Ref, j, total),
	}, nil
}

// summaries are request and response summaries of the shape the core writes.
func summaries(command, status string, code int, domain string, expiry time.Time) (string, string, error) {
	req := map[string]any{"domain": domain}
	resp := map[string]any{"status": status, "http_status": code}
	switch command {
	case "create_domain":
		req["years"] = 1
		req["registrant"] = map[string]any{"name": "Registrant", "organization": "Bench Holdings", "country": "US"}
		req["nameservers"] = []string{}
		req["claim_acknowledgement"] = false
	case "renew_domain":
		req["years"] = 1
		req["current_expires_at"] = expiry.Format(time.RFC3339Nano)
	case "update_nameservers":
		req["nameservers"] = []string{"ns1.bench-dns.example", "ns2.bench-dns.example"}
	case "update_domain":
		req["statuses_add"] = []string{"clientTransferProhibited"}
		req["statuses_remove"] = []string{}
	}
	if status == "sandbox" {
		req["sandbox"] = true
	}
	if status == "failed" {
		resp = map[string]any{"error": "domain_not_available", "http_status": code}
	} else {
		resp["domain"] = domain
		resp["state"] = "active"
		resp["expires_at"] = expiry.Format(time.RFC3339)
		resp["statuses"] = []string{}
		if command == "create_domain" || command == "renew_domain" {
			resp["debited_gems"] = 10
		}
	}
	a, err := json.Marshal(req)
	if err != nil {
		return "", "", err
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return "", "", err
	}
	return string(a), string(b), nil
}

// secondaryIndex is a non-constraint index: dropped before a bulk load and
// rebuilt after, which is several times faster than maintaining it.
type secondaryIndex struct{ name, def string }

// WithoutSecondaryIndexes drops the indexes of table that back no
// constraint (primary keys and unique constraints stay), runs load, and
// recreates them from their exact definitions (pg_indexes.indexdef), also
// when load fails.
func WithoutSecondaryIndexes(ctx context.Context, conn *pgx.Conn, table string, load func() error) (err error) {
	rows, err := conn.Query(ctx, `
		SELECT i.indexname, i.indexdef
		FROM pg_indexes i
		WHERE i.schemaname = current_schema() AND i.tablename = $1
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.conrelid = $1::regclass)
		ORDER BY i.indexname`, table)
	if err != nil {
		return err
	}
	idx, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (secondaryIndex, error) {
		var s secondaryIndex
		return s, r.Scan(&s.name, &s.def)
	})
	if err != nil {
		return err
	}
	for _, ix := range idx {
		if _, err := conn.Exec(ctx, "DROP INDEX "+pgx.Identifier{ix.name}.Sanitize()); err != nil {
			return fmt.Errorf("drop %s: %w", ix.name, err)
		}
	}
	defer func() {
		for _, ix := range idx {
			if _, cerr := conn.Exec(context.WithoutCancel(ctx), ix.def); cerr != nil && err == nil {
				err = fmt.Errorf("recreate %s: %w", ix.name, cerr)
			}
		}
	}()
	return load()
}
