package main

import (
	"github.com/rs/zerolog"

	httpadapter "github.com/headlessdomains/registry/adapters/http"
	"github.com/headlessdomains/registry/adapters/rdap"
	"github.com/headlessdomains/registry/ports"
)

// provideRDAP builds the public lookup transport (RDAP and /lookup).
func provideRDAP(cfg Config, svc ports.PublicLookupService, log zerolog.Logger) *rdap.Server {
	return rdap.NewServer(svc, log, rdap.Options{RateLimitPerMinute: cfg.RDAPRateLimitPerMinute})
}

// provideHTTPServer builds the HTTP transport with RDAP and /lookup mounted
// on it, so they share its listener, request ids, access log and recovery
// (adapters never import each other; this is where they meet).
func provideHTTPServer(reg ports.RegistrarService, op ports.OperatorService, log zerolog.Logger,
	opts httpadapter.Options, rd *rdap.Server) *httpadapter.Server {
	opts.Mounts = append(opts.Mounts,
		httpadapter.Mount{Path: rdap.BasePath, Handler: rd.RDAPHandler()},
		httpadapter.Mount{Path: rdap.LookupPath, Handler: rd.LookupHandler()})
	return httpadapter.NewServer(reg, op, log, opts)
}
