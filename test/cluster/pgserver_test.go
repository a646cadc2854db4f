package cluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pgServer is a throwaway PostgreSQL server that a test starts, stops and
// restarts itself (initdb and pg_ctl in a temporary folder on a free port).
type pgServer struct {
	t    *testing.T
	bin  string // folder of initdb, pg_ctl, postgres
	dir  string // everything of this server
	data string
	port int
	cred *syscall.Credential // the non-root owner when running as root
	URL  string
	opts string
}

// pgBinDir finds the folder of initdb and pg_ctl: PATH first, then the
// newest /usr/lib/postgresql/*/bin.
func pgBinDir() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
				return d, nil
			}
		}
	}
	return "", fmt.Errorf("initdb and pg_ctl are neither in PATH nor in /usr/lib/postgresql/*/bin")
}

func pgVersion(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// startPostgres initialises and starts a PostgreSQL server of the test's
// own. Running as root (PostgreSQL refuses to), the server runs as the
// system user "postgres", as scripts/test-services.sh does. The server is
// stopped when the test ends, whatever happened, and its folder removed.
func startPostgres(t *testing.T) *pgServer {
	t.Helper()
	skip := func(format string, args ...any) {
		t.Helper()
		if required() {
			t.Fatalf("REQUIRE_SERVICES=1 but "+format, args...)
		}
		t.Skipf(format, args...)
	}
	bin, err := pgBinDir()
	if err != nil {
		skip("cannot start a PostgreSQL server: %v", err)
	}
	s := &pgServer{t: t, bin: bin, port: freePort(t)}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			skip("running as root and there is no system user postgres to run a PostgreSQL server as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if s.dir, err = os.MkdirTemp("", "cluster-pg-"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(s.dir) })
	s.data = filepath.Join(s.dir, "data")
	sock := filepath.Join(s.dir, "socket")
	for _, d := range []string{s.data, sock} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if s.cred != nil {
		for _, d := range []string{s.dir, s.data, sock} {
			if err := os.Chown(d, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if out, err := s.run(60*time.Second, "initdb", "-D", s.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	s.opts = fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off -c max_connections=60", s.port, sock)
	t.Cleanup(s.cleanup)
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	s.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
	return s
}

// run runs one of the server's programs as its owner.
func (s *pgServer) run(timeout time.Duration, prog string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, prog), args...)
	cmd.Dir = s.dir // a folder the owner may enter
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// start starts the server and waits until it accepts connections.
func (s *pgServer) start() error {
	out, err := s.run(90*time.Second, "pg_ctl", "-D", s.data, "-l", filepath.Join(s.dir, "server.log"),
		"-w", "-t", "60", "-o", s.opts, "start")
	if err != nil {
		return fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, s.serverLog())
	}
	return nil
}

// stop stops the server in mode (fast: sessions are ended, a clean stop)
// and waits until it is gone.
func (s *pgServer) stop(mode string) error {
	out, err := s.run(90*time.Second, "pg_ctl", "-D", s.data, "-m", mode, "-w", "-t", "60", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop -m %s: %v\n%s", mode, err, out)
	}
	return nil
}

// pid is the postmaster's process id while it runs (0 otherwise).
func (s *pgServer) pid() int {
	b, err := os.ReadFile(filepath.Join(s.data, "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	return pid
}

// cleanup stops the server if it still runs: pg_ctl first, then SIGKILL to
// the postmaster's PID.
func (s *pgServer) cleanup() {
	pid := s.pid()
	if pid == 0 {
		return
	}
	if err := s.stop("immediate"); err != nil {
		// Only the postmaster of this data folder, never a reused PID.
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if !bytes.Contains(cmdline, []byte(s.data)) {
			s.t.Logf("stopping the test's PostgreSQL: %v (pid %d is no longer its postmaster)", err, pid)
			return
		}
		s.t.Logf("stopping the test's PostgreSQL: %v; killing pid %d", err, pid)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

func (s *pgServer) serverLog() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
