package redis

import (
	"testing"

	"github.com/headlessdomains/registry/ports"
	"github.com/headlessdomains/registry/ports/portstest"
)

// TestRateCounterContract runs the shared ports.RateCounter suite against
// Redis, each subtest under its own key prefix.
func TestRateCounterContract(t *testing.T) {
	portstest.RateCounter(t, func(t *testing.T) ports.RateCounter {
		rc, _, _ := newCounter(t)
		return rc
	})
}

// TestRateCounterContractFailingOpen runs the same suite with Redis
// unreachable: the in-process fallback must keep the port's contract too.
func TestRateCounterContractFailingOpen(t *testing.T) {
	portstest.RateCounter(t, func(t *testing.T) ports.RateCounter {
		rc, err := New("redis://" + closedAddr(t) + "/0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = rc.Close() })
		return rc
	})
}
