package redis

import (
	"github.com/google/wire"
	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/ports"
)

// Config is what Provide needs: the REGISTRY_REDIS_URL setting, an optional
// key prefix and the logger for fail-open warnings.
type Config struct {
	URL       string
	KeyPrefix string
	Logger    zerolog.Logger
}

// Provide opens a RateCounter for wire; the cleanup closes it. It also
// routes go-redis' own log lines to cfg.Logger at debug level
// (RouteClientLogs).
func Provide(cfg Config) (*RateCounter, func(), error) {
	RouteClientLogs(cfg.Logger)
	rc, err := New(cfg.URL, WithKeyPrefix(cfg.KeyPrefix), WithLogger(cfg.Logger))
	if err != nil {
		return nil, nil, err
	}
	return rc, func() { _ = rc.Close() }, nil
}

// ProviderSet provides a *RateCounter from a Config, bound to
// ports.RateCounter.
var ProviderSet = wire.NewSet(
	Provide,
	wire.Bind(new(ports.RateCounter), new(*RateCounter)),
)
