package sqlstore

import (
	"database/sql"
	"reflect"
	"slices"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// The hot reads on pgx scan their columns by position: each list must be
// its model's columns in the model's order, so that a column added to a
// row type without its place in the scan fails here rather than in a
// registry answering stale fields.
func TestRawReadColumnsAreTheModels(t *testing.T) {
	sqldb, err := sql.Open("pgx", "postgres://nobody@127.0.0.1:1/none") // never connects
	if err != nil {
		t.Fatal(err)
	}
	db := bun.NewDB(sqldb, pgdialect.New())
	defer func() { _ = db.Close() }()
	for _, c := range []struct {
		model any
		cols  []string
	}{
		{domainRow{}, domainColumns},
		{idempotencyRow{}, idempotencyColumns},
		{partnerRow{}, partnerColumns},
	} {
		var want []string
		for _, f := range db.Table(reflect.TypeOf(c.model)).Fields {
			want = append(want, f.Name)
		}
		if !slices.Equal(c.cols, want) {
			t.Errorf("%T: the pgx scan reads %v, the model has %v", c.model, c.cols, want)
		}
	}
}
