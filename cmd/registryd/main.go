// Command registryd is the HeadlessDomains registry server: the registrar
// REST API and the operator API over one registry core.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	httpadapter "github.com/headlessdomains/registry/adapters/http"
	"github.com/headlessdomains/registry/core/registry"
)

// App is everything the injector builds.
type App struct {
	Store   Store
	Rate    RateLimiter
	Service *registry.Service
	HTTP    *httpadapter.Server
	EPP     *EPPGateway
	// Telemetry holds the metrics served on REGISTRY_METRICS_ADDR and the
	// tracer provider.
	Telemetry *Telemetry
}

const usage = `registryd — the HeadlessDomains registry server

Usage:
  registryd [serve]     run the HTTP API (default)
  registryd migrate     apply database migrations and exit
  registryd worker      run only the backend apply worker (no HTTP)
  registryd help        show this help

Settings (environment variables; also read from configs/registry.env or the
file named by REGISTRY_CONFIG; the environment wins):
`

func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	for _, s := range settings {
		def := s.def
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(w, "  %-27s %s\n  %-27s default: %s\n", s.key, s.help, "", def)
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := Main(ctx, os.Args[1:], os.LookupEnv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "registryd:", err)
		os.Exit(1)
	}
}

// Main runs registryd with args and settings from lookup. A nil listener
// listens on REGISTRY_HTTP_ADDR. It returns when ctx ends (after a graceful
// stop) or on a start-up error.
func Main(ctx context.Context, args []string, lookup func(string) (string, bool), out io.Writer, ln net.Listener) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "help", "-h", "--help", "-help":
		printUsage(out)
		return nil
	case "serve", "migrate", "worker":
	default:
		printUsage(out)
		return fmt.Errorf("unknown command %q", cmd)
	}
	if len(args) > 1 {
		return fmt.Errorf("%s takes no arguments (settings come from the environment; see registryd help)", cmd)
	}
	cfg, err := LoadConfig(lookup)
	if err != nil {
		return err
	}
	log, logw, err := provideLogger(cfg)
	if err != nil {
		return err
	}
	defer func() { _ = logw.Close() }()
	rs := applyRuntimeSettings(cfg, lookup)
	log.Info().Int64("gc_percent", rs.GCPercent).Str("gc_percent_from", rs.GCPercentFrom).
		Str("memory_limit", memoryLimitText(rs.MemoryLimit)).Str("memory_limit_from", rs.MemoryLimitFrom).
		Str("log_flush_interval", cfg.LogFlushInterval.String()).Msg("runtime settings")
	if cmd == "migrate" {
		cfg.MigrateOnStart = true
		_, cleanup, err := provideStore(ctx, cfg, log)
		if err != nil {
			return err
		}
		cleanup()
		fmt.Fprintln(out, "migrations applied to", redactURL(string(cfg.DatabaseURL)))
		return nil
	}
	if cmd == "worker" {
		app, cleanup, err := initApp(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer cleanup()
		if cfg.MetricsAddr != "" {
			_, stopMetrics, err := startMetrics(cfg.MetricsAddr, app.Telemetry.Metrics, log)
			if err != nil {
				return fmt.Errorf("REGISTRY_METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
			}
			defer stopMetrics()
		}
		fmt.Fprintln(out, "registryd worker: applying backend pending work and running the maintenance loop until stopped")
		stopMaintenance := startMaintenance(ctx, app.Service, cfg.MaintenanceInterval, log)
		defer stopMaintenance()
		return runWorker(ctx, app.Service, log)
	}
	return serve(ctx, cfg, log, out, ln)
}

func serve(ctx context.Context, cfg Config, log zerolog.Logger, out io.Writer, ln net.Listener) error {
	if cfg.Demo && cfg.OperatorToken == "" {
		tok, err := demoOperatorToken()
		if err != nil {
			return err
		}
		cfg.OperatorToken, cfg.demoOperatorToken = tok, true
	}
	// Every listener is bound before anything is seeded or printed: a start
	// that fails names the address at fault and prints no demo key.
	lns, err := bindListeners(cfg, ln)
	if err != nil {
		return err
	}
	ln = lns.http
	app, cleanup, err := initApp(ctx, cfg, log)
	if err != nil {
		lns.close()
		return err
	}
	defer cleanup()
	if app.Store.Kind == "memory" {
		log.Warn().Msg("REGISTRY_DATABASE_URL=memory: data lives in memory only and is lost when the process stops")
		fmt.Fprintln(out, "WARNING: data lives in memory only (REGISTRY_DATABASE_URL=memory:); it is lost when registryd stops.")
	}
	base := "http://" + ln.Addr().String()
	if cfg.Demo {
		if err := seedDemo(ctx, app, cfg, base, out); err != nil {
			lns.close()
			return fmt.Errorf("demo seed: %w", err)
		}
	}
	if cfg.OperatorToken == "" && !cfg.Demo {
		log.Warn().Msg("REGISTRY_OPERATOR_TOKEN is empty: the operator API is closed")
	}
	srv := &http.Server{
		Handler:           app.HTTP.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          nil,
	}
	bg, stopBG := context.WithCancel(context.Background())
	defer stopBG()
	stopMaintenance := startMaintenance(bg, app.Service, cfg.MaintenanceInterval, log)
	defer stopMaintenance()
	if lns.pprof != nil {
		defer servePprof(lns.pprof, log)()
	}
	if cfg.MetricsAddr != "" {
		bound, stopMetrics, err := startMetrics(cfg.MetricsAddr, app.Telemetry.Metrics, log)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("REGISTRY_METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
		defer stopMetrics()
		fmt.Fprintf(out, "metrics on http://%s/metrics\n", bound)
	}
	if cfg.ApplyWorker {
		stopWorker := startWorker(bg, app.Service, log)
		defer stopWorker()
	}

	errc := make(chan error, 3)
	if cfg.EPP.Enabled() {
		stopEPP := app.EPP.serve(lns, log, out, errc)
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
			defer cancel()
			stopEPP(sctx)
		}()
	}
	go func() { errc <- srv.Serve(ln) }()
	log.Info().Str("addr", ln.Addr().String()).Str("database", app.Store.Kind).Bool("redis", cfg.RedisURL != "").Msg("registryd listening")
	fmt.Fprintf(out, "registryd listening on %s (database: %s)\n", base, app.Store.Kind)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info().Dur("timeout", cfg.ShutdownTimeout).Msg("stopping: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful stop: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info().Msg("stopped")
	return nil
}

// redactURL hides a password in a database URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// listeners are the sockets of one registryd; nil when not configured.
type listeners struct {
	http, epp, eppOTE, pprof net.Listener
}

func (l *listeners) close() {
	for _, ln := range []net.Listener{l.http, l.epp, l.eppOTE, l.pprof} {
		if ln != nil {
			_ = ln.Close()
		}
	}
}

// bindListeners listens on every configured address (the HTTP API on httpLn
// when it is given). The first address that cannot be bound closes the others
// and answers an error naming its setting and address.
func bindListeners(cfg Config, httpLn net.Listener) (*listeners, error) {
	l := &listeners{http: httpLn}
	for _, b := range []struct {
		key, addr string
		ln        *net.Listener
	}{
		{"REGISTRY_HTTP_ADDR", cfg.HTTPAddr, &l.http},
		{"REGISTRY_EPP_ADDR", cfg.EPP.Addr, &l.epp},
		{"REGISTRY_EPP_OTE_ADDR", cfg.EPP.OTEAddr, &l.eppOTE},
		{"REGISTRY_PPROF_ADDR", cfg.PprofAddr, &l.pprof},
	} {
		if *b.ln != nil || b.addr == "" {
			continue
		}
		ln, err := net.Listen("tcp", b.addr)
		if err != nil {
			l.close()
			return nil, fmt.Errorf("%s: cannot listen on %s (is another process using it?): %w", b.key, b.addr, err)
		}
		*b.ln = ln
	}
	return l, nil
}
