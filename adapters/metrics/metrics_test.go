package metrics

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/headlessdomains/registry/ports"
)

type pendingCounts struct {
	counts []ports.PendingCount
	err    error
}

func (p *pendingCounts) PendingCounts(context.Context) ([]ports.PendingCount, error) {
	return p.counts, p.err
}

func TestObserverCountsCommandsRefusalsAndReplays(t *testing.T) {
	m := New(Sources{})
	m.CommandDone("create_domain", ports.TransportREST, ports.OutcomeSuccess, "ok", false)
	m.CommandDone("create_domain", ports.TransportREST, ports.OutcomeSuccess, "ok", true)
	m.CommandDone("check_domain", ports.TransportEPP, ports.OutcomeRefused, "registrar_rate_limit_exceeded", false)
	m.MaintenanceAction("idempotency_purge", 0)
	m.MaintenanceAction("idempotency_purge", 7)

	for _, c := range []struct {
		got  float64
		want float64
		what string
	}{
		{testutil.ToFloat64(m.commands.WithLabelValues("create_domain", "rest", "success", "ok")), 2, "create_domain successes"},
		{testutil.ToFloat64(m.replays.WithLabelValues("create_domain", "rest")), 1, "replays"},
		{testutil.ToFloat64(m.rateLimited.WithLabelValues("check_domain", "epp")), 1, "rate-limit refusals"},
		{testutil.ToFloat64(m.rateLimited.WithLabelValues("create_domain", "rest")), 0, "rate-limit refusals of a success"},
		{testutil.ToFloat64(m.maintenance.WithLabelValues("idempotency_purge")), 7, "purged items"},
		{testutil.ToFloat64(m.maintRuns.WithLabelValues("idempotency_purge")), 2, "purge runs"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if last := testutil.ToFloat64(m.maintLast.WithLabelValues("idempotency_purge")); time.Since(time.Unix(int64(last), 0)) > time.Minute {
		t.Errorf("last run timestamp %v is not now", last)
	}
}

func TestHTTPLabelsStayBounded(t *testing.T) {
	m := New(Sources{})
	m.ObserveHTTP("/healthz", "BREW", 418, time.Millisecond)
	m.ObserveHTTP("/healthz", "GET", 999, time.Millisecond)
	if got := testutil.ToFloat64(m.httpRequests.WithLabelValues("/healthz", "OTHER", "418")); got != 1 {
		t.Errorf("an unknown method counted as OTHER %v times, want 1", got)
	}
	if got := testutil.ToFloat64(m.httpRequests.WithLabelValues("/healthz", "GET", "other")); got != 1 {
		t.Errorf("an out-of-range status counted as other %v times, want 1", got)
	}
}

func TestEPPSessionsOpenAndClose(t *testing.T) {
	m := New(Sources{})
	m.EPPSessionOpened(false)
	m.EPPSessionOpened(true)
	m.EPPSessionClosed(false, "logout")
	if got := testutil.ToFloat64(m.eppOpen.WithLabelValues(ListenerProduction)); got != 0 {
		t.Errorf("production sessions open = %v, want 0", got)
	}
	if got := testutil.ToFloat64(m.eppOpen.WithLabelValues(ListenerOTE)); got != 1 {
		t.Errorf("OT&E sessions open = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.eppClosed.WithLabelValues(ListenerProduction, "logout")); got != 1 {
		t.Errorf("closed by logout = %v, want 1", got)
	}
}

func TestScrapeTimeCollectors(t *testing.T) {
	pc := &pendingCounts{counts: []ports.PendingCount{{Command: "update_nameservers", Status: "pending", Count: 3}}}
	ready := error(nil)
	var degraded map[string]string
	m := New(Sources{Pending: pc,
		Ready:              func(context.Context) error { return ready },
		Degraded:           func(context.Context) map[string]string { return degraded },
		DegradedComponents: []string{"redis"}})
	scrape := func() string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Body.String()
	}
	body := scrape()
	for _, want := range []string{
		`registry_backend_pending_items{command="update_nameservers",status="pending"} 3`,
		`registry_ready 1`, `registry_degraded{component="redis"} 0`, "go_goroutines ", "process_start_time_seconds ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the scrape lacks %q", want)
		}
	}
	pc.err, ready, degraded = errors.New("database down"), errors.New("database down"), map[string]string{"redis": "down"}
	body = scrape()
	for _, want := range []string{`registry_ready 0`, `registry_degraded{component="redis"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("the scrape with the database down lacks %q", want)
		}
	}
	// The registry gathers collectors concurrently, so a scrape's own failure
	// may be counted after the error counter was read: the next scrape shows
	// it (and perhaps its own).
	body = scrape()
	if !strings.Contains(body, `registry_scrape_errors_total{source="pending"} 1`) &&
		!strings.Contains(body, `registry_scrape_errors_total{source="pending"} 2`) {
		t.Errorf("two scrapes with the database down counted no pending scrape error:\n%s", body)
	}
	if strings.Contains(body, "registry_backend_pending_items{") {
		t.Error("pending counts reported although reading them failed")
	}
}
