package memory

import (
	"github.com/google/wire"

	"github.com/headlessdomains/registry/ports"
)

// ProviderSet provides the in-process store and rate counter behind their ports.
var ProviderSet = wire.NewSet(
	NewStore,
	wire.Bind(new(ports.UnitOfWork), new(*Store)),
	NewRateCounter,
	wire.Bind(new(ports.RateCounter), new(*RateCounter)),
)
