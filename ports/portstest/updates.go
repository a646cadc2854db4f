package portstest

import (
	"context"
	"testing"

	"github.com/headlessdomains/registry/ports"
)

// getter reads one row inside a transaction.
type getter[T any] func(ctx context.Context, tx ports.Stores) (T, error)

// updater runs a closure Update of one row inside a transaction.
type updater[T any] func(ctx context.Context, tx ports.Stores, fn func(*T) error) (T, error)

// checkUpdate runs a successful Update that applies change, checks that it
// returns the changed row, and that the change is committed.
func checkUpdate[T any](t *testing.T, u ports.UnitOfWork, what string, want T, get getter[T], update updater[T], change func(*T)) T {
	t.Helper()
	change(&want)
	var returned T
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		var err error
		returned, err = update(ctx, tx, func(v *T) error { change(v); return nil })
		return err
	})
	assertEqual(t, what+" returned by Update", want, returned)
	assertEqual(t, what+" after Update", want, read(t, u, get))
	return want
}

// checkUpdateAborts checks that an Update whose fn changes the row (deeply)
// and then fails returns fn's error unchanged and leaves the row as it was,
// both later in the same transaction and after that transaction commits.
func checkUpdateAborts[T any](t *testing.T, u ports.UnitOfWork, what string, want T, get getter[T], update updater[T], scramble func(*T)) {
	t.Helper()
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		_, err := update(ctx, tx, func(v *T) error { scramble(v); return errSentinel })
		if err != errSentinel { //nolint:errorlint // the port returns fn's error as is
			t.Errorf("%s: Update returned %v, want fn's error unchanged", what, err)
		}
		got, err := get(ctx, tx)
		if err != nil {
			return err
		}
		assertEqual(t, what+" in the same transaction after a failed Update", want, got)
		return nil
	})
	assertEqual(t, what+" after a failed Update", want, read(t, u, get))
}

// checkUpdateMissing checks that Update of an unknown row answers ErrNotFound
// without calling fn.
func checkUpdateMissing[T any](t *testing.T, u ports.UnitOfWork, what string, update updater[T]) {
	t.Helper()
	called := false
	wantDoErr(t, u, what+": Update of a missing row", ports.ErrNotFound, func(ctx context.Context, tx ports.Stores) error {
		_, err := update(ctx, tx, func(*T) error { called = true; return nil })
		return err
	})
	if called {
		t.Errorf("%s: Update of a missing row called fn", what)
	}
}

// checkGetMissing checks that a read of an unknown row answers ErrNotFound.
func checkGetMissing[T any](t *testing.T, u ports.UnitOfWork, what string, get getter[T]) {
	t.Helper()
	wantErr(t, what+": Get of a missing row", readErr(t, u, get), ports.ErrNotFound)
}
