package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof" // /debug/pprof on http.DefaultServeMux, served on -pprof only
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/adapters/dns"
	httpadapter "github.com/headlessdomains/registry/adapters/http"
	redisadapter "github.com/headlessdomains/registry/adapters/redis"
	"github.com/headlessdomains/registry/adapters/sqlstore"
	"github.com/headlessdomains/registry/bench/internal/ceiling"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// listenLine is what the servers of benchd print once they accept connections.
const listenLine = "benchd listening on "

// pprofLine is what `benchd registry` prints for its profiling listener.
const pprofLine = "benchd pprof on "

// ceilingFlags are the flags both ceiling commands take: Redis and the
// registrar whose rows the write ceiling writes.
func ceilingFlags(fs *flag.FlagSet, cfg *ceiling.Config) {
	fs.StringVar(&cfg.RedisURL, "redis", "", "Redis URL")
	fs.StringVar(&cfg.PartnerID, "partner", "", "partner whose balance the write ceiling debits")
	fs.StringVar(&cfg.ChannelID, "channel", "", "channel the written rows belong to")
	fs.StringVar(&cfg.ChannelSlug, "slug", "", "slug of -channel")
	fs.StringVar(&cfg.APIKeyID, "key", "", "API key id written in audit rows")
	fs.StringVar(&cfg.Namespace, "namespace", "", "namespace of written domains")
}

// ceilingCommand serves the ceiling handlers until ctx ends.
func ceilingCommand(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("ceiling", flag.ContinueOnError)
	var cfg ceiling.Config
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	fs.StringVar(&cfg.PostgresURL, "pg", "", "PostgreSQL URL of the migrated registry database")
	ceilingFlags(fs, &cfg)
	fs.IntVar(&cfg.MaxConns, "max-conns", 0, "pgx pool size (0: registryd's default, 2*GOMAXPROCS+8)")
	multi := fs.String("multi", "", "registrars POST /write/{k} charges, partner:channel:slug:key comma-separated (ceiling_write_multi)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if cfg.Multi, err = ceiling.ParseRegistrars(*multi); err != nil {
		return err
	}
	if cfg.PostgresURL == "" || cfg.RedisURL == "" || cfg.PartnerID == "" || cfg.ChannelID == "" || cfg.Namespace == "" {
		return errors.New("ceiling: -pg, -redis, -partner, -channel and -namespace are required")
	}
	srv, err := ceiling.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	return serveUntilDone(ctx, *addr, srv.Handler(), out, listenLine)
}

// registryCommand builds registryd's graph (the same providers as
// cmd/registryd's wire injector: postgres store, Redis rate counter, default
// DNS backends, registry service, HTTP adapter) and serves its handler, with
// /debug/pprof on a second listener so that a CPU profile holds the server
// alone.
func registryCommand(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("registry", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address of the registry API")
	pprofAddr := fs.String("pprof", "127.0.0.1:0", "listen address of /debug/pprof")
	dbURL := fs.String("db", "", "REGISTRY_DATABASE_URL (already migrated)")
	redisURL := fs.String("redis", "", "REGISTRY_REDIS_URL")
	opToken := fs.String("operator-token", "", "REGISTRY_OPERATOR_TOKEN")
	logLevel := fs.String("log-level", "info", "REGISTRY_LOG_LEVEL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbURL == "" || *redisURL == "" {
		return errors.New("registry: -db and -redis are required")
	}
	lvl, err := zerolog.ParseLevel(*logLevel)
	if err != nil {
		return fmt.Errorf("registry: -log-level: %w", err)
	}
	zerolog.TimeFieldFormat = time.RFC3339Nano
	log := zerolog.New(os.Stderr).Level(lvl).With().Timestamp().Str("service", "registryd").Logger()

	db, err := sqlstore.Open(ctx, *dbURL, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	rc, err := redisadapter.New(*redisURL, redisadapter.WithLogger(log))
	if err != nil {
		return err
	}
	defer rc.Close()
	svc := registry.NewService(sqlstore.NewStore(db), rc, dns.NewDefaultBackends(), ports.ClockFunc(time.Now), core.NewIDs(), registry.Options{})
	h := httpadapter.NewServer(svc, svc, log, httpadapter.Options{OperatorToken: *opToken}).Handler()

	pln, err := net.Listen("tcp", *pprofAddr)
	if err != nil {
		return err
	}
	psrv := &http.Server{Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = psrv.Serve(pln) }()
	defer psrv.Close()
	fmt.Fprintf(out, "%shttp://%s\n", pprofLine, pln.Addr())
	return serveUntilDone(ctx, *addr, h, out, listenLine)
}

// serveUntilDone serves h on addr, prints line and the base URL, and stops
// gracefully when ctx ends.
func serveUntilDone(ctx context.Context, addr string, h http.Handler, out io.Writer, line string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(out, "%shttp://%s\n", line, ln.Addr())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
