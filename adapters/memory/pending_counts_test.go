package memory_test

import (
	"testing"

	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/ports"
	"github.com/headlessdomains/registry/ports/portstest"
)

func TestPendingCounterContract(t *testing.T) {
	portstest.PendingCounter(t, func(*testing.T) (ports.UnitOfWork, ports.PendingCounter) {
		st := memory.NewStore()
		return st, st
	})
}
