package memory_test

import (
	"testing"

	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/ports"
	"github.com/headlessdomains/registry/ports/portstest"
)

func TestStoreContract(t *testing.T) {
	portstest.UnitOfWork(t, func(*testing.T) ports.UnitOfWork { return memory.NewStore() })
}

func TestStoreContractShared(t *testing.T) {
	shared := memory.NewStore() // as a shared database would be
	portstest.UnitOfWork(t, func(*testing.T) ports.UnitOfWork { return shared })
}

func TestRateCounterContract(t *testing.T) {
	portstest.RateCounter(t, func(*testing.T) ports.RateCounter { return memory.NewRateCounter() })
}
