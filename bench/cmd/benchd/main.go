// Command benchd is the registry's load benchmark. `benchd run` starts
// registryd on PostgreSQL and Redis, seeds it, drives it with a pool of
// keep-alive HTTP clients over loopback, measures the read and write
// ceilings of the same machine beside it, then does the same on registryd's
// embedded SQLite default, and writes bench/results. The other subcommands
// are the servers it starts: `benchd ceiling` and `benchd ceiling-sqlite`
// (the bare handlers of package ceiling) and `benchd registry` (registryd's handler
// built in process, with net/http/pprof on a second listener, for CPU
// profiles).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `benchd — load benchmark of the registry

Usage:
  benchd run [flags]        seed, drive registryd and the ceilings, write results (benchd run -h)
  benchd ceiling [flags]    serve the read and write ceilings (GET /read/{id}, POST /write, POST /write/{k})
  benchd ceiling-sqlite [flags]  the same on a registry SQLite file
  benchd registry [flags]   serve registryd's handler in process with /debug/pprof on -pprof
  benchd help

Run it through scripts/test-services.sh (make bench, make bench-quick), which
exports REGISTRY_TEST_POSTGRES_URL and REGISTRY_TEST_REDIS_URL.
`

// signalContext ends on SIGINT or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
}

func main() {
	ctx, stop := signalContext()
	defer stop()
	if err := dispatch(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchd:", err)
		os.Exit(1)
	}
}

func dispatch(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(out, usage)
		return fmt.Errorf("missing subcommand")
	}
	switch args[0] {
	case "run":
		return runCommand(ctx, args[1:], out)
	case "ceiling":
		return ceilingCommand(ctx, args[1:], out)
	case "ceiling-sqlite":
		return ceilingSQLiteCommand(ctx, args[1:], out)
	case "registry":
		return registryCommand(ctx, args[1:], out)
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
		return nil
	}
	fmt.Fprint(out, usage)
	return fmt.Errorf("unknown subcommand %q", args[0])
}
