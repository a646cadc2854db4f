package main

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// startDemo runs registryd with the demo on the SQLite file db until the
// returned stop is called, and answers its base URL and printed API key.
func startDemo(t *testing.T, db string) (base, key string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"REGISTRY_DATABASE_URL": "sqlite:" + db, "REGISTRY_DEMO": "1", "REGISTRY_CONFIG": "/dev/null",
		"REGISTRY_LOG_LEVEL": "error", "REGISTRY_SHUTDOWN_TIMEOUT": "5s"}
	out := &lineWriter{wrote: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, nil, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, out, ln)
	}()
	m := out.waitFor(t, regexp.MustCompile(`API key +(hd_live_\S+)`))
	out.waitFor(t, regexp.MustCompile(`registryd listening on `))
	return "http://" + ln.Addr().String(), m[1], func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Main: %v", err)
		}
	}
}

func statusCode(t *testing.T, base, key string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/api/v1/registrar/v1/status", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	return res.StatusCode
}

// Each demo start prints a fresh key and revokes the ones printed before:
// after a restart on the same database the first key answers 401.
func TestDemoRestartRevokesTheEarlierKey(t *testing.T) {
	db := filepath.Join(t.TempDir(), "registry.db")
	base, first, stop := startDemo(t, db)
	if got := statusCode(t, base, first); got != http.StatusOK {
		t.Fatalf("first key on the first start: %d", got)
	}
	stop()

	base, second, stop := startDemo(t, db)
	defer stop()
	if second == first {
		t.Fatal("the restart printed the same key")
	}
	if got := statusCode(t, base, second); got != http.StatusOK {
		t.Fatalf("second key: %d, want 200", got)
	}
	if got := statusCode(t, base, first); got != http.StatusUnauthorized {
		t.Fatalf("first key after the restart: %d, want 401", got)
	}
}
