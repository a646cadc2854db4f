package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// collector is a fake OTLP/HTTP trace receiver: it keeps the span names
// per trace id of every export.
type collector struct {
	mu     sync.Mutex
	traces map[string][]string
	got    chan struct{}
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/traces" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(raw, &req); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	c.mu.Lock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				id := hex.EncodeToString(sp.GetTraceId())
				c.traces[id] = append(c.traces[id], sp.GetName())
			}
		}
	}
	c.mu.Unlock()
	select {
	case c.got <- struct{}{}:
	default:
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	resp, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	_, _ = w.Write(resp)
}

func (c *collector) spans(traceID string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.traces[traceID]...)
}

// TestTracesExportOverOTLPHTTP runs registryd with OTEL_EXPORTER_OTLP_ENDPOINT
// naming a fake collector: a request carrying a traceparent arrives there as
// one trace under the caller's trace id, with the HTTP, core command and
// store spans.
func TestTracesExportOverOTLPHTTP(t *testing.T) {
	col := &collector{traces: map[string][]string{}, got: make(chan struct{}, 1)}
	srv := httptest.NewServer(col)
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
	t.Setenv("OTEL_SERVICE_NAME", "registryd-test")

	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"REGISTRY_DATABASE_URL": "memory:", "REGISTRY_DEMO": "1", "REGISTRY_CONFIG": "/dev/null", "REGISTRY_LOG_LEVEL": "error"}
	out := &lineWriter{wrote: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, nil, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, out, ln)
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Main: %v", err)
			}
		}
	}
	t.Cleanup(stop)
	key := out.waitFor(t, regexp.MustCompile(`API key +(hd_\S+)`))[1]
	out.waitFor(t, regexp.MustCompile(`registryd listening on`))

	const traceID = "0af7651916cd43dd8448eb211c80319c"
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/v1/registrar/v1/domains/check", bytes.NewReader([]byte(`{"names":["otlp.defiwallet"]}`)))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+traceID+"-b7ad6b7169203331-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("check: %d", resp.StatusCode)
	}

	want := map[string]bool{"POST /api/v1/registrar/v1/domains/check": false, "registry.check_domain": false, "store.view": false}
	deadline := time.After(20 * time.Second)
	for {
		for _, n := range col.spans(traceID) {
			if _, ok := want[n]; ok {
				want[n] = true
			}
		}
		all := true
		for _, seen := range want {
			all = all && seen
		}
		if all {
			break
		}
		select {
		case <-col.got:
		case <-deadline:
			t.Fatalf("the collector saw %v for trace %s, want %v", col.spans(traceID), traceID, want)
		}
	}
	stop()
}
