package seed_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/headlessdomains/registry/adapters/sqlstore"
	"github.com/headlessdomains/registry/bench/internal/benchtest"
	"github.com/headlessdomains/registry/bench/internal/seed"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func TestNamesAreDistinctValidAndNeverFree(t *testing.T) {
	const n = 300_000
	seen := make(map[string]int64, 2*n)
	for i := int64(0); i < n; i++ {
		l := seed.Label(i)
		if prev, dup := seen[l]; dup {
			t.Fatalf("Label(%d) = Label(%d) = %s", i, prev, l)
		}
		seen[l] = i
		if !strings.HasPrefix(l, "s") || len(l) != 11 {
			t.Fatalf("Label(%d) = %q", i, l)
		}
	}
	for i := int64(0); i < n; i += 7 {
		if _, taken := seen[seed.FreeLabel(i)]; taken {
			t.Fatalf("FreeLabel(%d) = %s is a seeded label", i, seed.FreeLabel(i))
		}
	}
	for _, i := range []int64{0, 1, 99, n - 1, seed.MaxRows - 1} {
		for _, s := range []string{seed.Name(i, "benchns"), seed.FreeLabel(i) + ".benchns"} {
			name, err := core.ParseName(s)
			if err != nil || name.String() != s {
				t.Errorf("core.ParseName(%q) = %q, %v", s, name.String(), err)
			}
		}
	}
}

func TestAuditHistorySortsByIDAndTime(t *testing.T) {
	ref := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, total := range []int64{1000, 10_000_000} {
		prevID, prevAt := "", time.Time{}
		for _, j := range []int64{0, 1, 2, total / 2, total/2 + 1, total - 2, total - 1} {
			id, at := seed.AuditID(ref, j, total), seed.AuditTime(ref, j, total)
			if id <= prevID || !at.After(prevAt) {
				t.Fatalf("total %d: event %d (%s at %s) does not follow %s at %s", total, j, id, at, prevID, prevAt)
			}
			prevID, prevAt = id, at
		}
		if first := seed.AuditTime(ref, 0, total); !first.Equal(ref.Add(-seed.AuditSpan)) {
			t.Errorf("history starts at %s, want %s", first, ref.Add(-seed.AuditSpan))
		}
		if last := seed.AuditTime(ref, total-1, total); last.After(ref.Add(-seed.AuditGap)) {
			t.Errorf("history ends at %s, after %s", last, ref.Add(-seed.AuditGap))
		}
	}
}

// A year of expiries: each day holds 1/365 of the registrations, every
// expiry is a whole second inside its day, and none is due within 23 hours
// of the reference time.
func TestExpiriesSpreadOverAYear(t *testing.T) {
	ref := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	const n = 1_000_000
	perDay := make([]int, seed.ExpiryDays)
	for i := int64(0); i < n; i++ {
		day := seed.ExpiryDay(i)
		perDay[day]++
		e := seed.Expiry(ref, i)
		if e.Before(seed.DayStart(ref, day)) || !e.Before(seed.DayStart(ref, day+1)) || !e.Equal(e.Truncate(time.Second)) {
			t.Fatalf("registration %d expires at %s, outside its day %d or not a whole second", i, e, day)
		}
	}
	if first := seed.DayStart(ref, 0); first.Before(ref.Add(23 * time.Hour)) {
		t.Errorf("the first expiry day starts at %s, within 23 hours of %s", first, ref)
	}
	for d, c := range perDay {
		if c != n/seed.ExpiryDays && c != n/seed.ExpiryDays+1 {
			t.Fatalf("day %d holds %d expiries, want %d or %d", d, c, n/seed.ExpiryDays, n/seed.ExpiryDays+1)
		}
	}
	// Within a day the expiries spread over its hours.
	hours := map[int]bool{}
	for i := int64(0); i < 365*200; i += seed.ExpiryDays {
		hours[seed.Expiry(ref, i).Hour()] = true
	}
	if len(hours) != 24 {
		t.Errorf("day 0's expiries fall in %d hours of the day, want 24", len(hours))
	}
}

// The seeded rows must read back through the registry's own store exactly
// as rows it wrote would.
func TestSeededRowsReadBackThroughTheStore(t *testing.T) {
	f := benchtest.Database(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ref := time.Now().UTC()
	const domains, audit = 2000, 3000
	plan := seed.Plan{PartnerID: f.PartnerID, ChannelID: f.ChannelID, ChannelSlug: f.ChannelSlug, APIKeyID: f.APIKeyID,
		Namespace: f.Namespace, Ref: ref, Domains: domains}
	if n, err := seed.Domains(ctx, conn, plan, 0, 500); err != nil || n != 500 {
		t.Fatalf("Domains [0, 500) = %d, %v", n, err)
	}
	indexes := func() int {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_indexes WHERE tablename IN ('domains', 'audit_events')").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := indexes()
	err = seed.WithoutSecondaryIndexes(ctx, conn, "domains", func() error {
		if got := indexes(); got >= before {
			t.Errorf("%d indexes during the load, %d before", got, before)
		}
		_, err := seed.Domains(ctx, conn, plan, 500, domains)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := indexes(); got != before {
		t.Fatalf("%d indexes after the load, want %d", got, before)
	}
	if n, err := seed.Audit(ctx, conn, plan, 0, audit, audit); err != nil || n != audit {
		t.Fatalf("Audit = %d, %v", n, err)
	}
	if _, err := seed.Domains(ctx, conn, plan, 10, 11); err == nil {
		t.Fatal("seeding registration 10 twice succeeded")
	}

	db, err := sqlstore.Open(ctx, f.URL, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkSeeded(t, sqlstore.NewStore(db), f, plan, domains, audit, func(id string) (time.Time, error) {
		var due time.Time
		err := conn.QueryRow(ctx, "SELECT due_at FROM domains WHERE id = $1", id).Scan(&due)
		return due, err
	})
}

// checkSeeded reads the seeded rows back through the registry's own store:
// registrations, their maintenance deadline (dueAt reads the stored
// due_at), name lookups and poll queries of the audit history.
func checkSeeded(t *testing.T, store *sqlstore.Store, f benchtest.Fixture, plan seed.Plan, domains, audit int64, dueAt func(id string) (time.Time, error)) {
	t.Helper()
	ctx := context.Background()
	ref := plan.Ref
	err := store.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		d, err := tx.Domains().GetByName(ctx, core.MustName(seed.Name(1234, f.Namespace)))
		if err != nil {
			return err
		}
		if d.ID != seed.DomainID(1234) || d.ChannelID != f.ChannelID || d.PartnerID != f.PartnerID || d.State != core.StateActive ||
			!d.ExpiresAt.Equal(plan.ExpiryOf(1234)) || d.Registrant.Email == "" || len(d.NameserversApplied) != 2 {
			t.Errorf("seeded registration 1234 reads back as %+v", d)
		}
		// The maintenance loop's deadline is the one the registry would store.
		for _, i := range []int64{0, 1, 364, 365, 1234, domains - 1} {
			d, err := tx.Domains().GetByName(ctx, core.MustName(seed.Name(i, f.Namespace)))
			if err != nil {
				return err
			}
			due, err := dueAt(d.ID)
			if err != nil {
				return err
			}
			if next := d.NextDue(); next == nil || !next.Equal(due) || !due.Equal(plan.ExpiryOf(i)) || len(d.Grace) != 0 {
				t.Errorf("seeded registration %d: due_at %s, NextDue %v, expiry %s, grace %v", i, due, next, plan.ExpiryOf(i), d.Grace)
			}
		}
		taken, err := tx.Domains().GetByNames(ctx, []core.Name{
			core.MustName(seed.Name(0, f.Namespace)), core.MustName(seed.Name(domains-1, f.Namespace)),
			core.MustName(seed.FreeLabel(5) + "." + f.Namespace),
		})
		if err != nil {
			return err
		}
		if len(taken) != 2 {
			t.Errorf("GetByNames found %d of the 2 seeded names", len(taken))
		}
		events, err := tx.Audit().Query(ctx, ports.AuditQuery{ChannelID: f.ChannelID, Actor: "registrar", Command: "renew_domain", Status: "success", Limit: 20})
		if err != nil {
			return err
		}
		if len(events) != 20 {
			t.Errorf("%d renew_domain success events, want 20", len(events))
		}
		for _, e := range events {
			if e.Command != "renew_domain" || e.Status != "success" || e.RequestSummary["current_expires_at"] == nil {
				t.Errorf("event %+v", e)
			}
		}
		since := seed.AuditTime(ref, audit-10, audit)
		recent, err := tx.Audit().Query(ctx, ports.AuditQuery{ChannelID: f.ChannelID, Since: &since})
		if err != nil {
			return err
		}
		if len(recent) != 10 {
			t.Fatalf("%d events since event %d, want 10", len(recent), audit-10)
		}
		if recent[0].ID != seed.AuditID(ref, audit-10, audit) || recent[0].IdempotencyKey != seed.AuditKey(audit-10) {
			t.Errorf("first event since event %d: %+v", audit-10, recent[0])
		}
		for _, e := range recent {
			if e.Status != "failed" && e.ResponseSummary["domain"] != e.Domain {
				t.Errorf("event %s names %s but answered %v", e.ID, e.Domain, e.ResponseSummary["domain"])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
