// Package telemetry checks, in process and against the real store, that a
// registrar request is one trace from the HTTP span through the core
// command to the store transactions, continuing the caller's trace
// (W3C traceparent), and that its log lines carry the trace id.
package telemetry

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/epp"
	"github.com/headlessdomains/registry/adapters/epp/eppclient"
	httpadapter "github.com/headlessdomains/registry/adapters/http"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/adapters/password"
	"github.com/headlessdomains/registry/adapters/sqlstore"
	"github.com/headlessdomains/registry/adapters/tracing"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
	"github.com/headlessdomains/registry/test/registrydproc"
)

const operatorToken = "telemetry-operator-token-012345"

type harness struct {
	t    *testing.T
	srv  *httptest.Server
	rec  *tracetest.SpanRecorder
	logs *registrydproc.SyncBuffer
	svc  *registry.Service
	tp   *sdktrace.TracerProvider
}

// newHarness wires the HTTP adapter, the registry core and the SQL store
// (SQLite, migrated) with a span recorder as the tracer provider's only
// processor.
func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "registry.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := sqlstore.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	backends := dns.NewBackends(map[string]ports.DNSBackend{core.DNSBackendMemory: dns.NewMemoryBackend()})
	svc := registry.NewService(tracing.UnitOfWork(sqlstore.NewStore(db), tp), memory.NewRateCounter(), backends,
		ports.ClockFunc(time.Now), core.NewIDs(), registry.Options{Passwords: password.New()})
	logs := &registrydproc.SyncBuffer{}
	h := httpadapter.NewServer(svc, svc, zerolog.New(logs), httpadapter.Options{
		OperatorToken: operatorToken, Tracer: tp, Propagator: tracing.Propagator()})
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	return &harness{t: t, srv: srv, rec: rec, logs: logs, svc: svc, tp: tp}
}

func (h *harness) do(method, path, token string, body any, headers ...string) (int, map[string]any) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (h *harness) must(want int, method, path, token string, body any, headers ...string) map[string]any {
	h.t.Helper()
	status, out := h.do(method, path, token, body, headers...)
	if status != want {
		h.t.Fatalf("%s %s: %d, want %d: %v", method, path, status, want, out)
	}
	return out
}

// admit creates a partner, a namespace on the memory DNS driver, an
// approved, production-approved channel with its listing, and a key.
func (h *harness) admit() string {
	const admin = "/api/v1/admin"
	p := h.must(201, "POST", admin+"/partners", operatorToken, map[string]any{"name": "Trace Inc.", "gems_balance": 100, "dns_module_enabled": true})
	h.must(201, "POST", admin+"/namespaces", operatorToken, map[string]any{"name": "tracens", "dns_backend": "memory",
		"create_price_gems": 10, "renew_price_gems": 8, "reserved_labels": []string{}, "claim_labels": []string{}})
	ch := h.must(201, "POST", admin+"/registrar-channels", operatorToken, map[string]any{"partner_id": p["id"], "slug": "tracer"})
	id := ch["id"].(string)
	h.must(200, "POST", admin+"/registrar-channels/"+id+"/approve", operatorToken, nil)
	h.must(201, "POST", admin+"/registrar-channels/"+id+"/namespace-listings", operatorToken, map[string]any{"namespace": "tracens"})
	h.must(200, "POST", admin+"/registrar-channels/"+id+"/namespace-listings/tracens/approve", operatorToken, nil)
	h.must(200, "POST", admin+"/registrar-channels/"+id+"/production-approval", operatorToken, map[string]any{"force": true})
	k := h.must(201, "POST", admin+"/api-keys", operatorToken, map[string]any{"partner_id": p["id"], "registrar_channel_id": id, "profile": "registrar_api"})
	h.must(200, "PUT", admin+"/registrar-channels/"+id+"/epp-password", operatorToken, map[string]any{"password": eppPassword})
	return k["token"].(string)
}

const eppPassword = "tr4ceEPP"

// TestOneTraceFromHTTPThroughTheCoreToTheStore sends a create with a
// caller's traceparent: every span the request makes carries the caller's
// trace id; the HTTP server span is the child of the caller's span and is
// named after the route template; the core command's span is its child; the
// store transactions are children of the core command's span; and the
// request's log lines carry the trace id beside request_id.
func TestOneTraceFromHTTPThroughTheCoreToTheStore(t *testing.T) {
	h := newHarness(t)
	key := h.admit()

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	first := len(h.rec.Ended())
	h.must(201, "POST", "/api/v1/registrar/v1/domains", key,
		map[string]any{"domain": "traced.tracens", "years": 1, "registrant": map[string]any{"name": "Alice", "email": "alice@example.com"}},
		"Idempotency-Key", "trace-1", "traceparent", "00-"+traceID+"-"+parentID+"-01")
	spans := h.rec.Ended()[first:]
	if len(spans) == 0 {
		t.Fatal("the request recorded no span")
	}
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	var server, command sdktrace.ReadOnlySpan
	var stores []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if got := s.SpanContext().TraceID().String(); got != traceID {
			t.Errorf("span %q has trace id %s, want the caller's %s", s.Name(), got, traceID)
		}
		byID[s.SpanContext().SpanID()] = s
		switch {
		case s.SpanKind() == trace.SpanKindServer:
			server = s
		case s.Name() == "registry.create_domain":
			command = s
		case strings.HasPrefix(s.Name(), "store."):
			stores = append(stores, s)
		}
	}
	if server == nil || command == nil || len(stores) == 0 {
		t.Fatalf("want a server span, registry.create_domain and store spans; got %v", names(spans))
	}
	if server.Name() != "POST /api/v1/registrar/v1/domains" {
		t.Errorf("server span named %q, want the method and route template", server.Name())
	}
	if p := server.Parent(); p.SpanID().String() != parentID || !p.IsRemote() {
		t.Errorf("server span's parent %v, want the caller's remote span %s", p, parentID)
	}
	if command.Parent().SpanID() != server.SpanContext().SpanID() {
		t.Errorf("registry.create_domain's parent is not the server span")
	}
	sawDo := false
	for _, s := range stores {
		// A command's write transaction is a group commit (store.do_each).
		sawDo = sawDo || s.Name() == "store.do_each"
		// Each store span descends from the command span.
		p, ok := byID[s.Parent().SpanID()]
		for ok && p.SpanContext().SpanID() != command.SpanContext().SpanID() {
			p, ok = byID[p.Parent().SpanID()]
		}
		if !ok {
			t.Errorf("store span %q does not descend from registry.create_domain", s.Name())
		}
	}
	if !sawDo {
		t.Errorf("no store.do_each span for the create's transaction: %v", names(spans))
	}

	found := false
	for _, line := range strings.Split(h.logs.String(), "\n") {
		if !strings.Contains(line, `"http request"`) || !strings.Contains(line, `"route":"/api/v1/registrar/v1/domains"`) {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		found = true
		if m["trace_id"] != traceID || m["request_id"] == nil {
			t.Errorf("access log line %s: want trace_id %s beside request_id", line, traceID)
		}
	}
	if !found {
		t.Errorf("no access log line for the create:\n%s", h.logs.String())
	}
}

// TestRequestWithoutTraceparentStartsItsOwnTrace: without a caller's trace
// the server span is a root and the request's spans share its new trace id.
func TestRequestWithoutTraceparentStartsItsOwnTrace(t *testing.T) {
	h := newHarness(t)
	key := h.admit()
	first := len(h.rec.Ended())
	h.must(200, "POST", "/api/v1/registrar/v1/domains/check", key, map[string]any{"names": []string{"free.tracens"}})
	spans := h.rec.Ended()[first:]
	var server sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.SpanKind() == trace.SpanKindServer {
			server = s
		}
	}
	if server == nil || server.Parent().IsValid() {
		t.Fatalf("want a root server span, got %v", names(spans))
	}
	for _, s := range spans {
		if s.SpanContext().TraceID() != server.SpanContext().TraceID() {
			t.Errorf("span %q is in another trace", s.Name())
		}
	}
	if !strings.Contains(h.logs.String(), `"trace_id":"`+server.SpanContext().TraceID().String()+`"`) {
		t.Errorf("the request's log lines lack its trace id")
	}
}

// TestEPPCommandSpans: each EPP command is a server span "EPP <command>"
// with the core command's span as its child and the store transactions
// below that, all in one trace per command.
func TestEPPCommandSpans(t *testing.T) {
	h := newHarness(t)
	h.admit()
	conf, _, _, err := epp.TLSConfig(epp.TLSSettings{Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	gw := epp.NewServer(h.svc, conf, zerolog.New(h.logs), epp.Options{Tracer: h.tp})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = gw.Serve(ln) }()
	t.Cleanup(func() { _ = gw.Shutdown(context.Background()) })
	c, err := eppclient.Session(ln.Addr().String(), &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}, "tracer", eppPassword, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	first := len(h.rec.Ended())
	if _, err := c.Expect(1000, eppclient.CheckDomainsXML("free.tracens"), "trace-check"); err != nil {
		t.Fatal(err)
	}
	spans := h.rec.Ended()[first:]
	var server, command sdktrace.ReadOnlySpan
	for _, s := range spans {
		switch s.Name() {
		case "EPP check":
			server = s
		case "registry.check_domain":
			command = s
		}
	}
	if server == nil || command == nil {
		t.Fatalf("want EPP check and registry.check_domain spans, got %v", names(spans))
	}
	if command.Parent().SpanID() != server.SpanContext().SpanID() {
		t.Errorf("registry.check_domain's parent is not the EPP span")
	}
	stores := 0
	for _, s := range spans {
		if s.SpanContext().TraceID() != server.SpanContext().TraceID() {
			t.Errorf("span %q is in another trace", s.Name())
		}
		if strings.HasPrefix(s.Name(), "store.") {
			stores++
		}
	}
	if stores == 0 {
		t.Errorf("no store span under the EPP command: %v", names(spans))
	}
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	out := make([]string, 0, len(spans))
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}
