package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// server is a child process that serves HTTP: registryd, the ceilings, or
// the in-process registry.
type server struct {
	name  string
	cmd   *exec.Cmd
	base  string
	lines map[string]string // prefix → rest of the first stdout line with it
	done  chan error
	log   *os.File
}

// Pid is the process id, for /proc.
func (s *server) Pid() int { return s.cmd.Process.Pid }

// startServer runs path with args and env (added to this process's
// environment), sends its stderr and stdout to logPath, and waits until it
// has printed a line starting with each of the prefixes (the first is the
// listen line: its URL becomes base).
func startServer(ctx context.Context, name, path string, args, env []string, logPath string, prefixes ...string) (*server, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		_ = logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &server{name: name, cmd: cmd, lines: map[string]string{}, done: make(chan error, 1), log: logf}
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		pending := len(prefixes)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			for _, p := range prefixes {
				if rest, ok := strings.CutPrefix(line, p); ok {
					if _, seen := s.lines[p]; !seen {
						s.lines[p] = firstField(rest)
						pending--
						if pending == 0 {
							close(found)
						}
					}
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case <-found:
		s.base = s.lines[prefixes[0]]
		return s, nil
	case err := <-s.done:
		_ = logf.Close()
		return nil, fmt.Errorf("%s exited before listening (%v); see %s", name, err, logPath)
	case <-time.After(120 * time.Second):
		s.kill()
		return nil, fmt.Errorf("%s did not listen within 120s; see %s", name, logPath)
	case <-ctx.Done():
		s.kill()
		return nil, ctx.Err()
	}
}

// stop sends SIGTERM and waits (up to 30 s, then SIGKILL) for the exit.
func (s *server) stop() error {
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
			return fmt.Errorf("%s: %w", s.name, err)
		}
		return nil
	case <-time.After(30 * time.Second):
		s.kill()
		return fmt.Errorf("%s ignored SIGTERM for 30s", s.name)
	}
}

func (s *server) kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}
