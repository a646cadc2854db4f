package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// TestPreparedDomainArgsFollowTheColumns: the prepared insert and update
// send domainRow.args() against domainColumns by position; every column
// gets its own field's value.
func TestPreparedDomainArgsFollowTheColumns(t *testing.T) {
	sqldb, err := sql.Open("pgx", "postgres://nobody@127.0.0.1:1/none") // never connects
	if err != nil {
		t.Fatal(err)
	}
	db := bun.NewDB(sqldb, pgdialect.New())
	defer func() { _ = db.Close() }()

	// Every field a value of its own: strings their column's name, times
	// a minute apart, numbers and flags set.
	row := &domainRow{}
	rv := reflect.ValueOf(row).Elem()
	table := db.Table(rv.Type())
	for i, f := range table.Fields {
		at := ts(testNow.Add(time.Duration(i) * time.Minute))
		v := f.Value(rv)
		switch p := v.Addr().Interface().(type) {
		case *string:
			*p = f.Name
		case **string:
			s := f.Name
			*p = &s
		case *timestamp:
			*p = at
		case **timestamp:
			*p = &at
		case *bool:
			*p = true
		case *int64:
			*p = int64(i)
		default:
			t.Fatalf("column %s: no test value for %T", f.Name, p)
		}
	}
	args := row.args()
	if len(args) != len(domainColumns) {
		t.Fatalf("args: %d values for %d columns", len(args), len(domainColumns))
	}
	for i, col := range domainColumns {
		want := plain(table.FieldMap[col].Value(rv).Interface())
		if got := plain(args[i]); got != want {
			t.Errorf("column %s ($%d): sends %v, its field holds %v", col, i+1, got, want)
		}
	}

	// An update sends the id and then the named columns' values.
	text, upd, err := domainUpdate(row, []string{"expires_at", "statuses"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "UPDATE domains SET expires_at = $2, statuses = $3 WHERE id = $1"; text != want {
		t.Errorf("update text %q, want %q", text, want)
	}
	if fmt.Sprint(plain(upd[0]), plain(upd[1]), plain(upd[2])) != fmt.Sprint("id", plain(row.ExpiresAt), "statuses") {
		t.Errorf("update args %v", upd)
	}
	if _, _, err := domainUpdate(row, []string{"no_such_column"}); err == nil {
		t.Error("an update of an unknown column: no error")
	}
}

// plain is a value as a comparable string, instants in UTC.
func plain(v any) string {
	switch x := v.(type) {
	case timestamp:
		return x.Time().Format(time.RFC3339Nano)
	case *timestamp:
		return x.Time().Format(time.RFC3339Nano)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case *string:
		return *x
	default:
		return fmt.Sprint(v)
	}
}

// TestUpdateWritesNothingWhenNothingChangedOnPostgres: PostgreSQL answers
// a jsonb column (the registrant) in its own spacing; an update whose
// function changes nothing still writes no row version, and one that
// changes the expiry writes it.
func TestUpdateWritesNothingWhenNothingChangedOnPostgres(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store)
	d := core.Domain{ID: "dom_reg", Name: core.MustName("bob.wallet"), ChannelID: chn, PartnerID: "par_1",
		State: core.StateActive, ApplyStatus: core.ApplyNone, CreatedAt: testNow, UpdatedAt: testNow, ExpiresAt: testNow,
		Registrant: core.Registrant{Name: "Bob", Organization: "Bob's", Email: "bob@example.com", Country: "US",
			Metadata: map[string]string{"b": "2", "a": "1"}},
		Statuses: []string{"addPeriod"}}
	registerInWallet(t, store, d)
	version := func() string {
		var xmin string
		if err := db.bun.NewRaw("SELECT xmin::text FROM domains WHERE id = ?", d.ID).Scan(t.Context(), &xmin); err != nil {
			t.Fatal(err)
		}
		return xmin
	}
	update := func(fn func(*core.Domain) error) core.Domain {
		var got core.Domain
		err := store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			var err error
			got, err = tx.Domains().UpdateByName(ctx, d.Name, fn)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	before := version()
	got := update(func(*core.Domain) error { return nil })
	if after := version(); after != before {
		t.Errorf("an update that changed nothing wrote a new row version (xmin %s → %s)", before, after)
	}
	if !reflect.DeepEqual(got.Registrant, d.Registrant) {
		t.Errorf("registrant %+v, want %+v", got.Registrant, d.Registrant)
	}
	later := testNow.AddDate(1, 0, 0)
	update(func(d *core.Domain) error { d.ExpiresAt = later; return nil })
	if after := version(); after == before {
		t.Error("an update of the expiry wrote no row version")
	}
	var read core.Domain
	err := store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		var err error
		read, err = tx.Domains().GetByName(ctx, d.Name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !read.ExpiresAt.Equal(later) || !reflect.DeepEqual(read.Registrant, d.Registrant) || fmt.Sprint(read.Statuses) != "[addPeriod]" {
		t.Errorf("read back %v %+v %v", read.ExpiresAt, read.Registrant, read.Statuses)
	}
}

// TestReserveLockingLocksWithTheClaimOnPostgres: on PostgreSQL the claim of
// ReserveLocking also reads and locks the registration (another transaction's
// FOR UPDATE NOWAIT is refused while it runs), keeps the row for the
// command's UpdateByName and hands it over once; a claim that finds the key
// already completed locks nothing.
func TestReserveLockingLocksWithTheClaimOnPostgres(t *testing.T) {
	db := openPostgres(t)
	store := NewStore(db)
	chn := seedChannel(t, store)
	d := core.Domain{ID: "dom_lock", Name: core.MustName("carol.wallet"), ChannelID: chn, PartnerID: "par_1",
		State: core.StateActive, ApplyStatus: core.ApplyNone, CreatedAt: testNow, UpdatedAt: testNow, ExpiresAt: testNow,
		Registrant: core.Registrant{Name: "Carol", Email: "carol@example.com", Country: "US"}, Statuses: []string{}}
	registerInWallet(t, store, d)
	// lockedElsewhere tries the row's lock from another connection at once.
	lockedElsewhere := func() bool {
		t.Helper()
		_, err := db.bun.ExecContext(t.Context(), "SELECT 1 FROM domains WHERE id = ? FOR UPDATE NOWAIT", d.ID)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "55P03" {
			return true
		}
		if err != nil {
			t.Fatal(err)
		}
		return false
	}
	rec := core.IdempotencyRecord{ChannelID: chn, Key: "renew-1", Command: string(core.CmdRenewDomain), Domain: d.Name.String(),
		Fingerprint: "f", AuditID: "aud_lock", CreatedAt: testNow}
	err := store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		prior, err := tx.Idempotency().ReserveLocking(ctx, rec, d.Name)
		if err != nil || prior != nil {
			t.Fatalf("ReserveLocking of a new key: %v, %v", prior, err)
		}
		pre := tx.(*stores).c.pre
		if pre.name != d.Name.String() || pre.row.ID != d.ID {
			t.Errorf("the claim kept %q (%q), want the registration read with it", pre.name, pre.row.ID)
		}
		if !lockedElsewhere() {
			t.Error("the registration is not locked after ReserveLocking")
		}
		if _, err := tx.Domains().UpdateByName(ctx, d.Name, func(d *core.Domain) error { d.ExpiresAt = testNow.AddDate(1, 0, 0); return nil }); err != nil {
			return err
		}
		if pre.name != "" {
			t.Errorf("the kept row is still kept after UpdateByName took it")
		}
		rec.Result = []byte(`{}`)
		return tx.Idempotency().Complete(ctx, rec)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		prior, err := tx.Idempotency().ReserveLocking(ctx, rec, d.Name)
		if err != nil || prior == nil {
			t.Fatalf("ReserveLocking of a completed key: %v, %v; want its record", prior, err)
		}
		if lockedElsewhere() {
			t.Error("ReserveLocking of a completed key locked the registration")
		}
		if pre := tx.(*stores).c.pre; pre.name != "" {
			t.Errorf("a claim that was not ours kept %q", pre.name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
