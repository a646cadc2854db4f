package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/headlessdomains/registry/ports"
)

// conflictingStore answers ErrGroupConflict to every group of more than one
// command and runs a group of one; it records the size of every group and
// how many commands ran through Do.
type conflictingStore struct {
	ports.UnitOfWork
	groups []int
	dos    int
}

func (s *conflictingStore) DoEach(ctx context.Context, fns []func(ctx context.Context, tx ports.Stores) error) []error {
	s.groups = append(s.groups, len(fns))
	errs := make([]error, len(fns))
	for i, fn := range fns {
		if len(fns) > 1 {
			errs[i] = fmt.Errorf("group transaction: %w", ports.ErrGroupConflict)
			continue
		}
		errs[i] = fn(ctx, nil)
	}
	return errs
}

func (s *conflictingStore) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Stores) error) error {
	s.dos++
	return fn(ctx, nil)
}

// TestGroupConflictRunsEachCommandAgainAsAGroupOfOne: a group the store
// answers with ErrGroupConflict kept nothing; each of its commands runs
// again as a group of one (DoEach), whose store moves its balances at its
// end in partner id order, never through Do, whose moves go in the order
// the command makes them. Each command answers what its own run answered.
func TestGroupConflictRunsEachCommandAgainAsAGroupOfOne(t *testing.T) {
	store := &conflictingStore{}
	c := newCommitter(store, ports.NopObserver{}, 0, 1)
	refused := errors.New("refused")
	var ran []string
	call := func(name string, err error) *commitCall {
		return &commitCall{ctx: context.Background(), done: make(chan struct{}),
			fn: func(context.Context, ports.Stores) error { ran = append(ran, name); return err }}
	}
	batch := []*commitCall{call("a", nil), call("b", refused), call("c", nil)}
	c.run(batch)
	if want := []int{3, 1, 1, 1}; !slices.Equal(store.groups, want) {
		t.Errorf("groups %v, want %v", store.groups, want)
	}
	if store.dos != 0 {
		t.Errorf("%d commands ran again through Do, want none", store.dos)
	}
	if want := []string{"a", "b", "c"}; !slices.Equal(ran, want) {
		t.Errorf("ran %v, want %v", ran, want)
	}
	for i, want := range []error{nil, refused, nil} {
		<-batch[i].done
		if !errors.Is(batch[i].err, want) || (want == nil && batch[i].err != nil) {
			t.Errorf("command %d answered %v, want %v", i, batch[i].err, want)
		}
	}
}
