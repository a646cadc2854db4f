package sqlstore

import (
	"testing"

	"github.com/headlessdomains/registry/ports"
	"github.com/headlessdomains/registry/ports/portstest"
)

// TestUnitOfWorkContract runs the store contract that every ports.UnitOfWork
// implementation passes, on one database per dialect shared by its subtests
// (the suite keeps its rows apart with unique ids and names).
func TestUnitOfWorkContract(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		store := NewStore(open(t))
		portstest.UnitOfWork(t, func(*testing.T) ports.UnitOfWork { return store })
	})
}
