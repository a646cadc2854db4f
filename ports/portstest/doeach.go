package portstest

import (
	"context"
	"errors"
	"testing"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// testDoEach: every fn of a DoEach is all or nothing on its own. A refused
// fn leaves nothing, even after a statement of it failed in the database
// (a duplicate key aborts a PostgreSQL transaction unless rolled back to a
// savepoint), and the fns after it still run, see what the earlier ones
// wrote and commit.
func testDoEach(t *testing.T, u ports.UnitOfWork) {
	first, refused, dup, third := newPartner(), newPartner(), newPartner(), newPartner()
	errRefused := errors.New("refused by the rule")
	var sawFirst bool
	errs := u.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
		func(ctx context.Context, tx ports.Stores) error { return tx.Partners().Insert(ctx, first) },
		func(ctx context.Context, tx ports.Stores) error {
			if err := tx.Partners().Insert(ctx, refused); err != nil {
				return err
			}
			return errRefused
		},
		func(ctx context.Context, tx ports.Stores) error {
			if err := tx.Partners().Insert(ctx, dup); err != nil {
				return err
			}
			again := first
			return tx.Partners().Insert(ctx, again) // the first fn's id: a duplicate
		},
		func(ctx context.Context, tx ports.Stores) error {
			if _, err := tx.Partners().Get(ctx, first.ID); err == nil {
				sawFirst = true
			}
			return tx.Partners().Insert(ctx, third)
		},
	})
	if len(errs) != 4 {
		t.Fatalf("DoEach of 4 fns answered %d errors", len(errs))
	}
	if errs[0] != nil || errs[3] != nil {
		t.Errorf("DoEach: the fns that succeeded answered %v and %v", errs[0], errs[3])
	}
	if !errors.Is(errs[1], errRefused) {
		t.Errorf("DoEach: the refused fn answered %v, want its own error", errs[1])
	}
	if !errors.Is(errs[2], ports.ErrDuplicate) {
		t.Errorf("DoEach: the fn with a duplicate insert answered %v, want ErrDuplicate", errs[2])
	}
	if !sawFirst {
		t.Error("DoEach: a later fn did not see what an earlier one wrote")
	}
	exists := func(p core.Partner) bool {
		var err error
		view(t, u, func(ctx context.Context, tx ports.Stores) error {
			_, err = tx.Partners().Get(ctx, p.ID)
			return nil
		})
		return err == nil
	}
	for _, c := range []struct {
		what string
		p    core.Partner
		want bool
	}{{"the first fn's partner", first, true}, {"the refused fn's partner", refused, false},
		{"the partner inserted before the duplicate", dup, false}, {"the last fn's partner", third, true}} {
		if got := exists(c.p); got != c.want {
			t.Errorf("after DoEach: %s exists = %v, want %v", c.what, got, c.want)
		}
	}

	// One fn is an ordinary transaction; none is nothing.
	lone := newPartner()
	if errs := u.DoEach(t.Context(), []func(ctx context.Context, tx ports.Stores) error{
		func(ctx context.Context, tx ports.Stores) error { return tx.Partners().Insert(ctx, lone) },
	}); len(errs) != 1 || errs[0] != nil {
		t.Errorf("DoEach of one fn: %v", errs)
	}
	if !exists(lone) {
		t.Error("DoEach of one fn did not commit")
	}
	if errs := u.DoEach(t.Context(), nil); len(errs) != 0 {
		t.Errorf("DoEach of no fn: %v", errs)
	}
}
