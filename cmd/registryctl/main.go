// Command registryctl is the registry's command-line tool: operators admit
// and certify registrars over the operator API (partners, Gems, namespaces,
// channels, listings, API keys, legacy imports, backend pending work, OT&E
// runs and their evidence archives), and registrars run their OT&E
// certification sequence with `registryctl ote exercise`.
//
// It speaks HTTP only, as any script would, so that everything it does can be
// done with curl and the published OpenAPI documents. Exit codes:
//
//	0  success
//	1  the API refused the call (the problem's code, title and detail go to stderr),
//	   or an OT&E step failed
//	2  usage error (unknown command, missing or malformed flag)
//	3  the server could not be reached
package main

import (
	"context"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := newApp(os.Stdout, os.Stderr, os.LookupEnv, &http.Client{Timeout: 60 * time.Second}).run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
