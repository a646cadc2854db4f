// Package chromium renders pages in Debian's headless Chromium for tests:
// the portal's own test and the black-box test of registryd share it.
package chromium

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Find returns a headless-capable Chromium (REGISTRY_TEST_CHROMIUM, as
// scripts/test-services.sh exports it, or Debian's /usr/bin/chromium). It
// skips the test without one, unless REQUIRE_SERVICES=1 (then it fails).
func Find(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("REGISTRY_TEST_CHROMIUM"), "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("REQUIRE_SERVICES") == "1" {
		t.Fatal("chromium is missing (REQUIRE_SERVICES=1): install Debian's chromium package or run scripts/test-services.sh as root")
	}
	t.Skip("chromium is missing: install Debian's chromium package (scripts/test-services.sh does as root)")
	return ""
}

// DumpDOM loads target in headless Chromium and returns the DOM after load.
// Chromium runs in its own process group, killed whole if it hangs.
func DumpDOM(t testing.TB, bin, target string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(), "--dump-dom", target)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium --dump-dom %s: %v\n%s", target, err, stderr.String())
	}
	if stdout.Len() == 0 {
		t.Fatalf("chromium printed no DOM\n%s", stderr.String())
	}
	return stdout.Bytes()
}
