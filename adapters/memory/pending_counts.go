package memory

import (
	"context"
	"sort"

	"github.com/headlessdomains/registry/ports"
)

var _ ports.PendingCounter = (*Store)(nil)

// PendingCounts answers how many pending items exist per command and status
// in the committed state, sorted by command then status.
func (s *Store) PendingCounts(ctx context.Context) ([]ports.PendingCount, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	snapshot := s.state
	s.mu.RUnlock()
	type key struct{ command, status string }
	n := map[key]int{}
	for _, p := range snapshot.pending.rows {
		n[key{p.Command, p.Status}]++
	}
	out := make([]ports.PendingCount, 0, len(n))
	for k, c := range n {
		out = append(out, ports.PendingCount{Command: k.command, Status: k.status, Count: c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Command != out[j].Command {
			return out[i].Command < out[j].Command
		}
		return out[i].Status < out[j].Status
	})
	return out, nil
}
