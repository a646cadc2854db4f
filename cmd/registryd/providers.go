package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/google/wire"
	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/dns/rfc2136"
	httpadapter "github.com/headlessdomains/registry/adapters/http"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/adapters/password"
	redisadapter "github.com/headlessdomains/registry/adapters/redis"
	"github.com/headlessdomains/registry/adapters/sqlstore"
	"github.com/headlessdomains/registry/adapters/tracing"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// coreSet binds the registry service to the driving ports. It lives here,
// not in core: the core knows nothing of wire.
var coreSet = wire.NewSet(
	provideService,
	wire.Bind(new(ports.RegistrarService), new(*registry.Service)),
	wire.Bind(new(ports.OperatorService), new(*registry.Service)),
	wire.Bind(new(ports.PublicLookupService), new(*registry.Service)),
	provideClock,
	provideIDs,
)

// Store is the opened unit of work with what /readyz pings.
type Store struct {
	UoW  ports.UnitOfWork
	Ping func(ctx context.Context) error
	Kind string
	// SQL is the database pool (nil in memory), for its metrics.
	SQL *sql.DB
	// Pending counts backend pending items, for the metrics.
	Pending ports.PendingCounter
}

// provideStore opens REGISTRY_DATABASE_URL: memory:, sqlite:PATH or postgres://.
func provideStore(ctx context.Context, cfg Config, log zerolog.Logger) (Store, func(), error) {
	url := string(cfg.DatabaseURL)
	if url == "memory:" || url == "memory" {
		st := memory.NewStore()
		return Store{UoW: st, Ping: st.Ping, Kind: "memory", Pending: st}, func() {}, nil
	}
	db, err := sqlstore.Open(ctx, url, sqlstore.Options{MaxOpenConns: cfg.DBMaxOpenConns})
	if err != nil {
		return Store{}, nil, fmt.Errorf("REGISTRY_DATABASE_URL: %w", err)
	}
	if cfg.MigrateOnStart {
		if err := sqlstore.Migrate(ctx, db); err != nil {
			_ = db.Close()
			return Store{}, nil, fmt.Errorf("migrate: %w", err)
		}
	}
	kind := "postgresql"
	if strings.HasPrefix(url, "sqlite:") {
		kind = "sqlite"
	}
	log.Info().Str("database", kind).Bool("migrated", cfg.MigrateOnStart).Msg("database open")
	st := sqlstore.NewStore(db)
	return Store{UoW: st, Ping: db.Ping, Kind: kind, SQL: db.SQL(), Pending: st}, func() { _ = db.Close() }, nil
}

// provideUnitOfWork is the store, each transaction a span when tracing is on.
func provideUnitOfWork(s Store, t *Telemetry) ports.UnitOfWork {
	if t.Tracing {
		return tracing.UnitOfWork(s.UoW, t.Tracer)
	}
	return s.UoW
}

// RateLimiter is the rate counter with its readiness check (nil in process).
type RateLimiter struct {
	Counter ports.RateCounter
	Ping    func(ctx context.Context) error
	// FailingOpen reports whether the counter counts in process because
	// Redis failed (nil without Redis).
	FailingOpen func() bool
}

// provideRateCounter picks Redis when REGISTRY_REDIS_URL is set, else the
// in-process counter (one node only).
func provideRateCounter(cfg Config, log zerolog.Logger) (RateLimiter, func(), error) {
	if cfg.RedisURL == "" {
		return RateLimiter{Counter: memory.NewRateCounter()}, func() {}, nil
	}
	redisadapter.RouteClientLogs(log)
	rc, err := redisadapter.New(string(cfg.RedisURL), redisadapter.WithLogger(log))
	if err != nil {
		return RateLimiter{}, nil, fmt.Errorf("REGISTRY_REDIS_URL: %w", err)
	}
	if redisadapter.IsClusterURL(string(cfg.RedisURL)) {
		log.Info().Msg("REGISTRY_REDIS_URL names a Redis Cluster (addr parameters): rate-limit counters are spread over its nodes")
	}
	return RateLimiter{Counter: rc, Ping: rc.Ping, FailingOpen: rc.FailingOpen}, func() { _ = rc.Close() }, nil
}

func provideCounter(r RateLimiter) ports.RateCounter { return r.Counter }

// provideDNSBackends gives each namespace its driver: "memory" in process,
// "rfc2136" from the REGISTRY_DNS_* settings; "none" has no DNS.
func provideDNSBackends(cfg Config, log zerolog.Logger) (ports.DNSBackends, error) {
	rfc, err := rfc2136.FromEnv(cfg.lookup)
	if err != nil {
		return nil, fmt.Errorf("REGISTRY_DNS_*: %w", err)
	}
	if !rfc.Configured() {
		log.Info().Msg("no REGISTRY_DNS_RFC2136_SERVER: rfc2136 namespaces answer backend_unavailable until one is set")
	}
	return dns.NewBackends(map[string]ports.DNSBackend{
		core.DNSBackendMemory:  dns.NewMemoryBackend(),
		core.DNSBackendRFC2136: rfc,
	}), nil
}

func provideClock() ports.Clock { return ports.ClockFunc(time.Now) }

func provideIDs() ports.IDGenerator { return core.NewIDs() }

func provideService(cfg Config, uow ports.UnitOfWork, rc ports.RateCounter, b ports.DNSBackends, clock ports.Clock, ids ports.IDGenerator, t *Telemetry) *registry.Service {
	opts := registry.Options{Passwords: password.New(), Observer: t.Metrics, GroupCommitMax: cfg.GroupCommitMax, RateLeaseMax: cfg.RateLeaseMax}
	lim := cfg.EPP.Limits
	opts.MaxConcurrentHashes = lim.MaxConcurrentHashes
	opts.LoginGuard = registry.LoginGuardOptions{ClientLockout: lim.LockoutFailures,
		SourceLockout: lim.LockoutSourceFailures, LockoutDuration: lim.LockoutDuration}
	if cfg.EPP.Enabled() {
		opts.EPPGateway = registry.EPPGatewayAvailable
	}
	return registry.NewService(uow, rc, b, clock, ids, opts)
}

// provideHTTPOptions gives the HTTP adapter the operator token, the
// readiness check (the database) with what is degraded (Redis), the metrics
// and the tracer.
func provideHTTPOptions(cfg Config, h *Health, t *Telemetry) httpadapter.Options {
	return httpadapter.Options{
		OperatorToken: cfg.OperatorToken,
		Ready:         h.Ready,
		Degraded:      h.Degraded,
		Observer:      t.Metrics,
		Requests:      t.Metrics,
		Tracer:        t.Tracer,
		Propagator:    tracing.Propagator(),
	}
}

// provideLogger builds the process logger: JSON lines on stderr, gathered
// for REGISTRY_LOG_FLUSH_INTERVAL (logwriter.go). The caller closes the
// writer when it returns, which writes the lines still kept.
func provideLogger(cfg Config) (zerolog.Logger, *logWriter, error) {
	lvl, err := zerolog.ParseLevel(cfg.LogLevel)
	if err != nil || cfg.LogLevel == "" {
		return zerolog.Logger{}, nil, fmt.Errorf("REGISTRY_LOG_LEVEL: want debug, info, warn or error, got %q", cfg.LogLevel)
	}
	zerolog.TimeFieldFormat = time.RFC3339Nano
	w := newLogWriter(os.Stderr, logBufferSize, cfg.LogFlushInterval)
	return zerolog.New(w).Level(lvl).With().Timestamp().Str("service", "registryd").Logger(), w, nil
}
