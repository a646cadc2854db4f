package sqlstore

import (
	"testing"

	"github.com/headlessdomains/registry/ports"
	"github.com/headlessdomains/registry/ports/portstest"
)

func TestPendingCounterContract(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		portstest.PendingCounter(t, func(t *testing.T) (ports.UnitOfWork, ports.PendingCounter) {
			st := NewStore(open(t))
			return st, st
		})
	})
}
