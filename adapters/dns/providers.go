package dns

import (
	"github.com/google/wire"

	"github.com/headlessdomains/registry/ports"
)

// ProviderSet provides the DNS backends with the shared memory driver.
var ProviderSet = wire.NewSet(
	NewDefaultBackends,
	wire.Bind(new(ports.DNSBackends), new(*Backends)),
)
