// Package cluster runs the real registryd binary as several processes on
// shared PostgreSQL and Redis servers and checks what a fleet of stateless
// nodes must guarantee: concurrent duplicates settled by the database across
// nodes, rate limits shared through Redis, nothing half-written after a
// kill -9, recovery from a PostgreSQL restart without losing an answered
// success, the money invariant under random concurrent commands and
// operator adjustments, a graceful stop on SIGTERM, and failing open when
// Redis is gone.
//
// The tests that need a service skip when its REGISTRY_TEST_*_URL is unset
// and fail instead when REQUIRE_SERVICES=1 (run them through
// scripts/test-services.sh).
package cluster

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/headlessdomains/registry/test/registrydproc"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to inspect the database directly
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "registryd-cluster-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "registryd")
	build := exec.Command("go", "build", "-o", binary, "../../cmd/registryd")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build registryd:", err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

const (
	operatorToken = "cluster-operator-token-0123456789"
	reg           = "/api/v1/registrar/v1"
	admin         = "/api/v1/admin"
)

// --- services -----------------------------------------------------------------

// required reports REQUIRE_SERVICES=1: a test that cannot reach its service
// fails instead of skipping.
func required() bool { return os.Getenv("REQUIRE_SERVICES") == "1" }

// serviceURL returns the environment variable env, skipping the test when
// it is unset (failing under REQUIRE_SERVICES=1).
func serviceURL(t *testing.T, env string) string {
	t.Helper()
	u := os.Getenv(env)
	if u == "" {
		if required() {
			t.Fatalf("REQUIRE_SERVICES=1 but %s is unset (run through scripts/test-services.sh)", env)
		}
		t.Skipf("%s is unset", env)
	}
	return u
}

// randomHex returns n random bytes in hex.
func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// freshDatabase creates a database of its own on the PostgreSQL server of
// REGISTRY_TEST_POSTGRES_URL, drops it when the test ends (after the nodes,
// whose cleanups run first), and returns its URL.
func freshDatabase(t *testing.T) string {
	t.Helper()
	server := serviceURL(t, "REGISTRY_TEST_POSTGRES_URL")
	return createDatabase(t, server)
}

// createDatabase creates a database on the server of serverURL and returns
// its URL; it is dropped when the test ends.
func createDatabase(t *testing.T, serverURL string) string {
	t.Helper()
	server := openSQL(t, serverURL)
	name := "cluster_" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_"))
	if len(name) > 40 {
		name = name[:40]
	}
	name += "_" + randomHex(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := server.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(name)); err != nil {
		if required() {
			t.Fatalf("REQUIRE_SERVICES=1 but CREATE DATABASE failed on REGISTRY_TEST_POSTGRES_URL: %v", err)
		}
		t.Skipf("PostgreSQL at REGISTRY_TEST_POSTGRES_URL: CREATE DATABASE: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := server.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// openSQL opens a small pool on dsn, closed when the test ends.
func openSQL(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { _ = db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		if required() {
			t.Fatalf("REQUIRE_SERVICES=1 but PostgreSQL does not answer: %v", err)
		}
		t.Skipf("PostgreSQL does not answer: %v", err)
	}
	return db
}

// freePort returns a loopback port that nothing listened on a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port
}

// --- registryd processes ----------------------------------------------------

// node is one running registryd process.
type node struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	base string
	out  *registrydproc.SyncBuffer
	done chan struct{}
	err  error // cmd.Wait's answer, valid once done is closed
	http *http.Client

	listening chan string
}

// startNode runs registryd with env on a free port and waits until it
// listens. The node is stopped with SIGTERM when the test ends (unless the
// test stopped or killed it).
func startNode(t *testing.T, name string, env ...string) *node {
	t.Helper()
	n := launchNode(t, name, env...)
	if err := n.waitListening(90 * time.Second); err != nil {
		t.Fatal(err)
	}
	return n
}

// launchNode starts the process without waiting for it to listen.
func launchNode(t *testing.T, name string, env ...string) *node {
	t.Helper()
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), "REGISTRY_HTTP_ADDR=127.0.0.1:0", "REGISTRY_OPERATOR_TOKEN="+operatorToken,
		"REGISTRY_CONFIG=/dev/null", "REGISTRY_LOG_LEVEL=warn", "REGISTRY_DEMO=0")
	cmd.Env = append(cmd.Env, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	n := &node{t: t, name: name, cmd: cmd, out: &registrydproc.SyncBuffer{}, done: make(chan struct{}), http: newClient()}
	cmd.Stderr = n.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n.listening = make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(n.out, line)
			if rest, ok := strings.CutPrefix(line, "registryd listening on "); ok {
				n.listening <- strings.Fields(rest)[0]
			}
		}
	}()
	go func() {
		n.err = cmd.Wait()
		close(n.done)
	}()
	t.Cleanup(n.stopQuietly)
	return n
}

func (n *node) waitListening(timeout time.Duration) error {
	select {
	case n.base = <-n.listening:
		return nil
	case <-n.done:
		return fmt.Errorf("%s exited before listening: %v\n%s", n.name, n.err, n.out.String())
	case <-time.After(timeout):
		_ = n.cmd.Process.Kill()
		<-n.done
		return fmt.Errorf("%s did not listen within %v\n%s", n.name, timeout, n.out.String())
	}
}

func (n *node) exited() bool {
	select {
	case <-n.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and requires a clean exit (status 0) within 30 s.
func (n *node) stop() {
	n.t.Helper()
	if n.exited() {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
		if n.err != nil {
			n.t.Errorf("%s did not stop cleanly: %v\n%s", n.name, n.err, n.out.String())
		}
	case <-time.After(30 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
		n.t.Errorf("%s ignored SIGTERM for 30s", n.name)
	}
	n.http.CloseIdleConnections()
}

func (n *node) stopQuietly() {
	if n.exited() {
		return
	}
	n.stop()
}

// kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (n *node) kill() {
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.done
	n.http.CloseIdleConnections()
}

func newClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 128
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// --- HTTP ---------------------------------------------------------------------

// response is a decoded answer.
type response struct {
	Status  int
	Header  http.Header
	Body    map[string]any
	Raw     []byte
	Elapsed time.Duration
}

func (r response) code() string {
	s, _ := r.Body["code"].(string)
	return s
}

func (r response) retryable() bool {
	b, _ := r.Body["retryable"].(bool)
	return b
}

func (r response) String() string {
	return fmt.Sprintf("%d %s", r.Status, bytes.TrimSpace(r.Raw))
}

// send makes one request; safe from any goroutine. headers are name, value
// pairs. A transport error (no answer) is returned as err.
func (n *node) send(ctx context.Context, method, path, token string, body any, headers ...string) (response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, n.base+path, rd)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	res, err := n.http.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	r := response{Status: res.StatusCode, Header: res.Header, Raw: raw, Elapsed: time.Since(start)}
	if strings.Contains(res.Header.Get("Content-Type"), "json") && len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.Body); err != nil {
			return r, fmt.Errorf("%s %s: undecodable JSON answer: %w", method, path, err)
		}
	}
	return r, nil
}

// do is send for the test goroutine: a transport error fails the test.
func (n *node) do(method, path, token string, body any, headers ...string) response {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := n.send(ctx, method, path, token, body, headers...)
	if err != nil {
		n.t.Fatalf("%s: %s %s: %v", n.name, method, path, err)
	}
	return r
}

func (n *node) must(want int, r response) map[string]any {
	n.t.Helper()
	if r.Status != want {
		n.t.Fatalf("%s: status %d, want %d: %s", n.name, r.Status, want, r.Raw)
	}
	return r.Body
}

// --- admission through the operator API ---------------------------------------

// registrar is an admitted partner with an approved, production-approved
// channel on one namespace and a registrar_api key.
type registrar struct {
	PartnerID string
	ChannelID string
	Slug      string
	Namespace string
	Token     string
	Opening   int64
}

// admission is what admit creates.
type admission struct {
	slug       string
	namespace  string
	balance    int64
	rateLimit  int
	createCost int64
	renewCost  int64
}

// admit creates (through the operator API of n) a partner, the namespace
// when it does not exist yet, an approved and production-approved channel
// with an approved listing, and a registrar_api key.
func admit(n *node, a admission) registrar {
	n.t.Helper()
	p := n.must(201, n.do("POST", admin+"/partners", operatorToken, map[string]any{
		"name": a.slug + " Inc.", "gems_balance": a.balance, "dns_module_enabled": false}))
	r := registrar{PartnerID: p["id"].(string), Slug: a.slug, Namespace: a.namespace, Opening: a.balance}
	if res := n.do("POST", admin+"/namespaces", operatorToken, map[string]any{"name": a.namespace, "dns_backend": "none",
		"create_price_gems": a.createCost, "renew_price_gems": a.renewCost, "reserved_labels": []string{}, "claim_labels": []string{}}); res.Status != 201 && res.Status != 409 {
		n.t.Fatalf("namespace %s: %s", a.namespace, res)
	}
	ch := n.must(201, n.do("POST", admin+"/registrar-channels", operatorToken, map[string]any{
		"partner_id": r.PartnerID, "slug": a.slug, "rate_limit_per_minute": a.rateLimit}))
	r.ChannelID = ch["id"].(string)
	n.must(200, n.do("POST", admin+"/registrar-channels/"+r.ChannelID+"/approve", operatorToken, nil))
	n.must(201, n.do("POST", admin+"/registrar-channels/"+r.ChannelID+"/namespace-listings", operatorToken, map[string]any{"namespace": a.namespace}))
	n.must(200, n.do("POST", admin+"/registrar-channels/"+r.ChannelID+"/namespace-listings/"+a.namespace+"/approve", operatorToken, nil))
	n.must(200, n.do("POST", admin+"/registrar-channels/"+r.ChannelID+"/production-approval", operatorToken, map[string]any{"force": true}))
	k := n.must(201, n.do("POST", admin+"/api-keys", operatorToken, map[string]any{
		"partner_id": r.PartnerID, "registrar_channel_id": r.ChannelID, "profile": "registrar_api"}))
	r.Token = k["token"].(string)
	return r
}

// balance reads a partner's Gems balance through the operator API.
func balance(n *node, partnerID string) int64 {
	n.t.Helper()
	p := n.must(200, n.do("GET", admin+"/partners/"+partnerID, operatorToken, nil))
	v, ok := p["gems_balance"].(float64)
	if !ok {
		n.t.Fatalf("partner %s: no gems_balance in %v", partnerID, p)
	}
	return int64(v)
}

func registrant() map[string]any {
	return map[string]any{"name": "Cluster Test", "email": "cluster@example.com"}
}

// createBody is the create_domain request for name.
func createBody(name string) map[string]any {
	return map[string]any{"domain": name, "years": 1, "registrant": registrant()}
}

// isRetryable reports an answer the contract tells a registrar to retry:
// 409 idempotency_key_in_progress or resource_busy, 503 backend_unavailable
// or 500 internal_error, each with retryable true.
func isRetryable(r response) bool {
	switch {
	case r.Status == 409 && r.code() == "idempotency_key_in_progress",
		r.Status == 409 && r.code() == "resource_busy",
		r.Status == 503 && r.code() == "backend_unavailable",
		r.Status == 500 && r.code() == "internal_error":
		return r.retryable()
	}
	return false
}

// retryUntilAnswered repeats a request (same key, same body) while it gets a
// retryable answer or no answer, up to a deadline, and returns the first
// final answer.
func retryUntilAnswered(ctx context.Context, n *node, method, path, token string, body any, headers ...string) (response, error) {
	var last error
	for attempt := 0; ; attempt++ {
		r, err := n.send(ctx, method, path, token, body, headers...)
		if err == nil && !isRetryable(r) {
			return r, nil
		}
		if err != nil {
			last = err
		} else {
			last = errors.New(r.String())
		}
		backoff := time.Duration(min(attempt+1, 10)) * 20 * time.Millisecond
		select {
		case <-ctx.Done():
			return response{}, fmt.Errorf("still no final answer after %d attempts: %w", attempt+1, last)
		case <-time.After(backoff):
		}
	}
}

// waitLockWaiters waits until want sessions of the database wait for a lock
// (requests held inside their transactions by a lock the test took). Lock
// waits end after the registry's 10 s lock_timeout, so it gives up after 8 s.
func waitLockWaiters(t *testing.T, db *sql.DB, want int) {
	t.Helper()
	waiting := 0
	for deadline := time.Now().Add(8 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		waiting = countRows(t, db, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
		if waiting == want {
			return
		}
	}
	t.Fatalf("%d sessions wait for a lock, want %d", waiting, want)
}
