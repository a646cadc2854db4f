// Package registrydproc runs the real registryd binary for black-box tests:
// build it once, start it on a free port, wait for the line that says where
// it listens, and stop it gracefully. test/e2e and test/ctl share it.
package registrydproc

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build compiles the packages (relative to the caller's directory) into dir,
// one binary each named after its last path element, and returns their paths.
func Build(dir string, pkgs ...string) ([]string, error) {
	out := make([]string, 0, len(pkgs))
	for _, pkg := range pkgs {
		bin := filepath.Join(dir, filepath.Base(pkg))
		build := exec.Command("go", "build", "-o", bin, pkg)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return nil, fmt.Errorf("build %s: %w", pkg, err)
		}
		out = append(out, bin)
	}
	return out, nil
}

// Server is one running registryd.
type Server struct {
	t    testing.TB
	cmd  *exec.Cmd
	URL  string // http://127.0.0.1:PORT
	Out  *SyncBuffer
	done chan error
	once sync.Once
}

// SyncBuffer collects a process's output for failure messages.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Start runs binary with the environment plus env (REGISTRY_HTTP_ADDR should
// be 127.0.0.1:0), waits until it prints "registryd listening on URL", and
// stops it with SIGTERM when the test ends.
func Start(t testing.TB, binary string, env ...string) *Server {
	t.Helper()
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, cmd: cmd, Out: &SyncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = s.Out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(s.Out, line)
			if rest, ok := strings.CutPrefix(line, "registryd listening on "); ok {
				listening <- strings.Fields(rest)[0]
			}
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case s.URL = <-listening:
	case err := <-s.done:
		t.Fatalf("registryd exited before listening: %v\n%s", err, s.Out.String())
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("registryd did not listen within 60s\n%s", s.Out.String())
	}
	t.Cleanup(s.Stop)
	return s
}

// PID is the process id, for tests that read /proc/PID.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop sends SIGTERM and waits for a graceful exit; it is safe to call twice.
func (s *Server) Stop() { s.once.Do(s.stop) }

func (s *Server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Errorf("registryd did not stop cleanly: %v\n%s", err, s.Out.String())
		}
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		s.t.Errorf("registryd ignored SIGTERM for 30s")
	}
}
