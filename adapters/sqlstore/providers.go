package sqlstore

import (
	"context"

	"github.com/google/wire"

	"github.com/headlessdomains/registry/ports"
)

// Config is what Provide needs: the REGISTRY_DATABASE_URL setting and the
// pool options.
type Config struct {
	URL     string
	Options Options
}

// Provide opens the database and migrates it (startup runs the migrations
// before serving); the cleanup closes the pool.
func Provide(ctx context.Context, cfg Config) (*DB, func(), error) {
	db, err := Open(ctx, cfg.URL, cfg.Options)
	if err != nil {
		return nil, nil, err
	}
	if err := Migrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	return db, func() { _ = db.Close() }, nil
}

// ProviderSet provides the migrated *DB and the *Store bound to
// ports.UnitOfWork. *DB is also a ports.Pinger for /readyz; the binary
// binds that where it gathers its readiness checks.
var ProviderSet = wire.NewSet(
	Provide,
	NewStore,
	wire.Bind(new(ports.UnitOfWork), new(*Store)),
)
