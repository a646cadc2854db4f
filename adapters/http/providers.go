package httpadapter

import "github.com/google/wire"

// ProviderSet builds the HTTP transport; cmd/registryd provides the ports,
// the logger and Options.
var ProviderSet = wire.NewSet(NewServer)
