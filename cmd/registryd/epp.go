package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/adapters/epp"
	"github.com/headlessdomains/registry/ports"
)

// EPPGateway is the EPP gateway of this process: a production listener
// (REGISTRY_EPP_ADDR) and an OT&E listener (REGISTRY_EPP_OTE_ADDR), either
// nil when its address is empty, sharing one TLS configuration.
type EPPGateway struct {
	Prod        *epp.Server
	OTE         *epp.Server
	Fingerprint string // SHA-256 of the server certificate
	SelfSigned  bool
}

// provideEPP builds the listeners that are configured. Without an address
// it returns an empty gateway and makes no certificate.
func provideEPP(cfg Config, reg ports.RegistrarService, log zerolog.Logger, t *Telemetry) (*EPPGateway, error) {
	g := &EPPGateway{}
	if !cfg.EPP.Enabled() {
		return g, nil
	}
	var hosts []string
	for _, addr := range []string{cfg.EPP.Addr, cfg.EPP.OTEAddr} {
		if host, _, err := net.SplitHostPort(addr); err == nil && host != "" {
			hosts = append(hosts, host)
		}
	}
	hosts = append(hosts, "localhost", "127.0.0.1", "::1")
	conf, fp, generated, err := epp.TLSConfig(epp.TLSSettings{CertFile: cfg.EPP.Cert, KeyFile: cfg.EPP.Key,
		ClientCAFile: cfg.EPP.ClientCA, Hosts: hosts})
	if err != nil {
		return nil, err
	}
	g.Fingerprint, g.SelfSigned = fp, generated
	elog := log.With().Str("component", "epp").Logger()
	lim := cfg.EPP.Limits
	opts := epp.Options{MaxConnections: lim.MaxConnections, MaxUnauthenticatedPerIP: lim.MaxUnauthenticatedPerIP,
		LoginTimeout: lim.LoginTimeout}
	if cfg.EPP.Addr != "" {
		opts.Observer, opts.Sessions, opts.Tracer = t.Metrics, t.Metrics, t.Tracer
		g.Prod = epp.NewServer(reg, conf, elog, opts)
	}
	if cfg.EPP.OTEAddr != "" {
		opts.Observer, opts.Sessions, opts.Tracer = t.Metrics, t.Metrics, t.Tracer
		opts.OTE = true
		g.OTE = epp.NewServer(reg, conf, elog, opts)
	}
	return g, nil
}

// serve serves the bound EPP listeners in the background and prints where,
// with the certificate fingerprint and an openssl line. It answers a stop
// function that closes every session.
func (g *EPPGateway) serve(lns *listeners, log zerolog.Logger, out io.Writer, errc chan<- error) func(ctx context.Context) {
	var servers []*epp.Server
	stop := func(ctx context.Context) {
		for _, s := range servers {
			_ = s.Shutdown(ctx)
		}
	}
	for _, l := range []struct {
		srv  *epp.Server
		ln   net.Listener
		what string
	}{{g.Prod, lns.epp, "EPP gateway"}, {g.OTE, lns.eppOTE, "EPP OT&E gateway"}} {
		if l.srv == nil || l.ln == nil {
			continue
		}
		ln := l.ln
		servers = append(servers, l.srv)
		go func(srv *epp.Server) {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, epp.ErrServerClosed) {
				errc <- fmt.Errorf("%s: %w", l.what, err)
			}
		}(l.srv)
		cert := "certificate"
		if g.SelfSigned {
			cert = "self-signed certificate"
		}
		log.Info().Str("addr", ln.Addr().String()).Bool("ote", l.srv == g.OTE).Str("sha256", g.Fingerprint).Msg("epp gateway listening")
		fmt.Fprintf(out, "%s listening on %s (TLS; %s SHA-256 Fingerprint=%s)\n", l.what, ln.Addr(), cert, g.Fingerprint)
		fmt.Fprintf(out, "  try it: openssl s_client -connect %s -quiet\n", ln.Addr())
	}
	return stop
}
