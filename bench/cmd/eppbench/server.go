package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// registryd is the running server process.
type registryd struct {
	cmd         *exec.Cmd
	base        string // http://127.0.0.1:PORT
	eppAddr     string // 127.0.0.1:PORT
	fingerprint string // SHA-256 of the gateway's self-signed certificate
	done        chan error
	log         *os.File
}

var (
	httpLine = regexp.MustCompile(`^registryd listening on (\S+)`)
	eppLine  = regexp.MustCompile(`^EPP gateway listening on (\S+) \(TLS; [^)]*SHA-256 Fingerprint=([0-9A-F:]+)\)`)
)

// registrydEnv runs registryd on free loopback ports (REST and EPP) with the
// database (migrated at start), Redis and the operator token, no config
// file, no demo data and no apply worker.
func registrydEnv(dbURL, redisURL, opToken string) []string {
	return []string{
		"REGISTRY_HTTP_ADDR=127.0.0.1:0", "REGISTRY_EPP_ADDR=127.0.0.1:0",
		"REGISTRY_DATABASE_URL=" + dbURL, "REGISTRY_REDIS_URL=" + redisURL,
		"REGISTRY_OPERATOR_TOKEN=" + opToken, "REGISTRY_CONFIG=/dev/null", "REGISTRY_MIGRATE_ON_START=1",
		"REGISTRY_LOG_LEVEL=warn", "REGISTRY_DEMO=0", "REGISTRY_APPLY_WORKER=0",
	}
}

// startRegistryd runs bin with env, logs its output to logPath and waits
// until it has printed both its REST and its EPP listen lines.
func startRegistryd(ctx context.Context, bin string, env []string, logPath string) (*registryd, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		_ = logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, fmt.Errorf("start registryd: %w", err)
	}
	s := &registryd{cmd: cmd, done: make(chan error, 1), log: logf}
	ready := make(chan [3]string, 1)
	go func() {
		var base, addr, fp string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			if m := httpLine.FindStringSubmatch(line); m != nil && base == "" {
				base = m[1]
			}
			if m := eppLine.FindStringSubmatch(line); m != nil && addr == "" {
				addr, fp = m[1], m[2]
			}
			if base != "" && addr != "" && ready != nil {
				ready <- [3]string{base, addr, fp}
				ready = nil
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case r := <-ready:
		s.base, s.eppAddr, s.fingerprint = r[0], r[1], r[2]
		if !strings.HasPrefix(s.base, "http") {
			s.base = "http://" + s.base
		}
		return s, nil
	case err := <-s.done:
		_ = logf.Close()
		return nil, fmt.Errorf("registryd exited before listening (%v); see its log below", err)
	case <-time.After(120 * time.Second):
		s.kill()
		return nil, fmt.Errorf("registryd did not print its REST and EPP listen lines within 120s")
	case <-ctx.Done():
		s.kill()
		return nil, ctx.Err()
	}
}

func (s *registryd) pid() int { return s.cmd.Process.Pid }

// stop sends SIGTERM to the process it started and waits (30 s, then SIGKILL).
func (s *registryd) stop() error {
	if s == nil {
		return nil
	}
	defer s.log.Close()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return nil // already gone
	}
	select {
	case err := <-s.done:
		if err != nil {
			return fmt.Errorf("registryd: %w", err)
		}
		return nil
	case <-time.After(30 * time.Second):
		s.kill()
		return fmt.Errorf("registryd ignored SIGTERM for 30s")
	}
}

func (s *registryd) kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
	_ = s.log.Close()
}

// createDatabase creates dbName on the server of pgURL and returns its URL
// and a function that drops it.
func createDatabase(ctx context.Context, pgURL, dbName string) (string, func() error, error) {
	u, err := url.Parse(pgURL)
	if err != nil {
		return "", nil, fmt.Errorf("-db: %w", err)
	}
	admin, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", u.Redacted(), err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	ident := pgx.Identifier{dbName}.Sanitize()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return "", nil, err
	}
	u.Path = "/" + dbName
	drop := func() error {
		c, err := pgx.Connect(context.Background(), pgURL)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		_, err = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
		return err
	}
	return u.String(), drop, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomBase36 is n lowercase letters and digits, for names and database names.
func randomBase36(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	if b[0] >= '0' && b[0] <= '9' {
		b[0] = 'a' + b[0] - '0'
	}
	return string(b)
}
