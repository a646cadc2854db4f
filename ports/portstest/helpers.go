package portstest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// ids makes every id and unique name of the suites.
var ids = core.NewIDs()

func newID(prefix string) string { return ids.NewID(prefix) }

// unique returns prefix followed by a fresh ULID: a valid lowercase LDH label
// of len(prefix)+26 characters.
func unique(prefix string) string { return prefix + ids.NewID("") }

// base is the instant fixtures are stamped around: UTC, with microseconds.
var base = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)

// at is base moved by d.
func at(d time.Duration) time.Time { return base.Add(d) }

func ptr[T any](v T) *T { return &v }

// pastEpoch and pastAnchor define pastBase.
var (
	pastEpoch  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pastAnchor = time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC)
)

// pastBase is an instant decades ago that moves back by the real time elapsed,
// so that every call (in this run or any later one) answers an earlier
// instant than all calls before it. Rows stamped within a few microseconds of
// it are never due or expired for a query made by an earlier call, and rows
// of earlier calls are never due for a query made at a later call's base.
func pastBase() time.Time {
	return pastAnchor.Add(-time.Since(pastEpoch)).Truncate(time.Microsecond).UTC()
}

// errSentinel is returned by closures to check that errors come back unchanged.
var errSentinel = errors.New("portstest: sentinel from fn")

// do runs fn in one transaction and fails the test on error.
func do(t *testing.T, u ports.UnitOfWork, fn func(ctx context.Context, tx ports.Stores) error) {
	t.Helper()
	if err := u.Do(t.Context(), fn); err != nil {
		t.Fatalf("Do: %v", err)
	}
}

// view runs fn read-only and fails the test on error.
func view(t *testing.T, u ports.UnitOfWork, fn func(ctx context.Context, tx ports.Stores) error) {
	t.Helper()
	if err := u.View(t.Context(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// partnerExists reports whether p is stored, in a View of u.
func partnerExists(t *testing.T, u ports.UnitOfWork, p core.Partner) bool {
	t.Helper()
	var err error
	view(t, u, func(ctx context.Context, tx ports.Stores) error {
		_, err = tx.Partners().Get(ctx, p.ID)
		return nil
	})
	return err == nil
}

// wantErr fails the test unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: want error %v, got %v", what, target, err)
	}
}

// wantDoErr runs fn in its own transaction (a failed statement may abort a
// SQL transaction, so nothing else runs in it) and expects target.
func wantDoErr(t *testing.T, u ports.UnitOfWork, what string, target error, fn func(ctx context.Context, tx ports.Stores) error) {
	t.Helper()
	wantErr(t, what, u.Do(t.Context(), fn), target)
}

// read reads one value in a View and fails the test on error.
func read[T any](t *testing.T, u ports.UnitOfWork, fn getter[T]) T {
	t.Helper()
	var out T
	view(t, u, func(ctx context.Context, tx ports.Stores) error {
		var err error
		out, err = fn(ctx, tx)
		return err
	})
	return out
}

// readErr reads in a View and returns the error of the read.
func readErr[T any](t *testing.T, u ports.UnitOfWork, fn getter[T]) error {
	t.Helper()
	var readErr error
	view(t, u, func(ctx context.Context, tx ports.Stores) error {
		_, readErr = fn(ctx, tx)
		return nil
	})
	return readErr
}
