//go:build wireinject

package main

import (
	"context"

	"github.com/google/wire"
	"github.com/rs/zerolog"
)

// initApp is the one injector of registryd; `make generate` writes wire_gen.go.
func initApp(ctx context.Context, cfg Config, log zerolog.Logger) (*App, func(), error) {
	wire.Build(
		provideStore,
		provideUnitOfWork,
		provideRateCounter,
		provideCounter,
		provideHealth,
		provideTelemetry,
		provideDNSBackends,
		coreSet,
		provideHTTPOptions,
		provideRDAP,
		provideHTTPServer,
		provideEPP,
		wire.Struct(new(App), "*"),
	)
	return nil, nil, nil
}
