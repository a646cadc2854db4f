// Command eppbench measures the EPP gateway against the REST API in one run:
// it starts registryd on a fresh PostgreSQL database and Redis, with the EPP
// gateway on a free loopback port, admits a registrar through the operator
// API, then drives domain check and create at the same concurrency over REST
// and over EPP, and reports each EPP figure's ratio to its REST twin.
//
//	scripts/test-services.sh go run ./bench/cmd/eppbench -duration 10s
//
// The results go to bench/results/epp-latest.json (-out).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "eppbench:", err)
		os.Exit(1)
	}
}

type config struct {
	duration time.Duration
	warmup   time.Duration
	sessions int
	pgURL    string
	redisURL string
	registry string
	out      string
	keep     bool
}

func parseFlags(args []string, errOut io.Writer) (config, error) {
	fs := flag.NewFlagSet("eppbench", flag.ContinueOnError)
	fs.SetOutput(errOut)
	var c config
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "measured phase of each scenario")
	fs.DurationVar(&c.warmup, "warmup", time.Second, "unmeasured warm-up before each scenario")
	fs.IntVar(&c.sessions, "sessions", 16, "concurrent clients (EPP sessions, REST keep-alive connections)")
	fs.StringVar(&c.pgURL, "db", os.Getenv("REGISTRY_TEST_POSTGRES_URL"),
		"PostgreSQL server URL; a fresh database is created on its server and dropped at the end (default $REGISTRY_TEST_POSTGRES_URL)")
	fs.StringVar(&c.redisURL, "redis", os.Getenv("REGISTRY_TEST_REDIS_URL"), "Redis URL (default $REGISTRY_TEST_REDIS_URL)")
	fs.StringVar(&c.registry, "registryd", "", "registryd binary to run (default: build ./cmd/registryd)")
	fs.StringVar(&c.out, "out", filepath.Join("bench", "results", "epp-latest.json"), "results file")
	fs.BoolVar(&c.keep, "keep-db", false, "keep the database at the end")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case c.pgURL == "":
		return c, errors.New("-db (or REGISTRY_TEST_POSTGRES_URL) is required; run under scripts/test-services.sh")
	case c.redisURL == "":
		return c, errors.New("-redis (or REGISTRY_TEST_REDIS_URL) is required; run under scripts/test-services.sh")
	case c.sessions < 1 || c.sessions > maxSessions:
		return c, fmt.Errorf("-sessions must be 1 to %d (the gateway admits %d sessions per channel)", maxSessions, maxSessions)
	case c.duration <= 0:
		return c, errors.New("-duration must be positive")
	}
	return c, nil
}

// maxSessions is what an EPP listener admits per channel.
const maxSessions = 32

func run(ctx context.Context, args []string, out io.Writer) (err error) {
	cfg, err := parseFlags(args, os.Stderr)
	if err != nil {
		return err
	}
	machine := machineInfo() // the load other processes put on the machine, before ours
	tmp, err := os.MkdirTemp("", "eppbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	bin := cfg.registry
	if bin == "" {
		bin = filepath.Join(tmp, "registryd")
		fmt.Fprintln(out, "eppbench: building registryd")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/registryd")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build registryd: %w", err)
		}
	}

	runID := randomBase36(6)
	dbURL, drop, err := createDatabase(ctx, cfg.pgURL, "eppbench_"+runID)
	if err != nil {
		return err
	}
	if !cfg.keep {
		defer func() {
			if derr := drop(); derr != nil && err == nil {
				err = fmt.Errorf("drop database: %w", derr)
			}
		}()
	}

	opToken := "eppbench-operator-" + randomHex(16)
	logPath := filepath.Join(tmp, "registryd.log")
	srv, err := startRegistryd(ctx, bin, registrydEnv(dbURL, cfg.redisURL, opToken), logPath)
	if err != nil {
		return err
	}
	defer func() {
		if serr := srv.stop(); serr != nil && err == nil {
			err = serr
		}
		if err != nil {
			if b, rerr := os.ReadFile(logPath); rerr == nil {
				fmt.Fprintf(os.Stderr, "--- registryd log (last 4 KiB) ---\n%s\n", tail(b, 4096))
			}
		}
	}()
	fmt.Fprintf(out, "eppbench: registryd pid %d on %s, EPP gateway on %s\n", srv.pid(), srv.base, srv.eppAddr)

	ad, err := admit(ctx, srv.base, opToken, cfg.sessions)
	if err != nil {
		return fmt.Errorf("admit: %w", err)
	}
	b := &bench{cfg: cfg, srv: srv, ad: ad, runID: runID, out: out}
	results, err := b.measureAll(ctx)
	if err != nil {
		return err
	}
	machine["loadavg_after"] = readTrim("/proc/loadavg")
	rep := report{
		Date:     time.Now().UTC().Format(time.RFC3339),
		Machine:  machine,
		Duration: cfg.duration.String(),
		Warmup:   cfg.warmup.String(),
		Results:  withRatios(results),
	}
	printTable(out, rep.Results)
	if err := writeReport(cfg.out, rep); err != nil {
		return err
	}
	fmt.Fprintf(out, "eppbench: results written to %s\n", cfg.out)
	return nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
