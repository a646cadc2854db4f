// Package metrics exposes the registry's Prometheus metrics: HTTP traffic by
// route template, commands by name, transport, outcome and catalog code, EPP
// sessions, rate-limit refusals, idempotent replays, backend pending work,
// maintenance actions, readiness, the database pool and the Go runtime. It
// keeps a registry of its own (never the process-wide default), so that
// what /metrics shows is exactly what is registered here.
//
// Every label takes its value from a bounded set: route templates (never
// raw paths), command names, catalog codes, transports, outcomes, listener
// kinds and session close reasons. Nothing a client sends becomes a label
// value unless it is one of a known set (HTTP methods outside the standard
// ones are counted as "OTHER").
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// Namespace prefixes every registry series.
const Namespace = "registry"

// Buckets are the latency histogram bounds: 1 ms to 10 s, about three per
// decade, which separates a cached read (under 5 ms), a write transaction
// (tens of ms), a DNS update (hundreds of ms) and a stalled backend (seconds).
var Buckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Sources are what the scrape-time collectors read. Every field is
// optional.
type Sources struct {
	// DB is the database pool, exposed as go_sql_* (sql.DBStats).
	DB *sql.DB
	// DBName is the db_name label of the pool series ("registry" when empty).
	DBName string
	// Pending counts backend pending items per command and status.
	Pending ports.PendingCounter
	// Ready is the readiness check (the database); registry_ready is 1
	// while it answers nil.
	Ready func(ctx context.Context) error
	// Degraded names the components that are degraded while the node still
	// serves (e.g. "redis" while rate limits fail open), with a reason.
	Degraded func(ctx context.Context) map[string]string
	// DegradedComponents lists every component Degraded may name, so that
	// registry_degraded has a series (0) for each from the first scrape.
	DegradedComponents []string
	// ScrapeTimeout bounds the scrape-time reads (2s when zero).
	ScrapeTimeout time.Duration
}

// Metrics holds the series. It implements ports.Observer and the HTTP and
// EPP adapters' observer interfaces.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	commands     *prometheus.CounterVec
	rateLimited  *prometheus.CounterVec
	replays      *prometheus.CounterVec
	eppOpen      *prometheus.GaugeVec
	eppOpened    *prometheus.CounterVec
	eppClosed    *prometheus.CounterVec
	eppDuration  *prometheus.HistogramVec
	maintenance  *prometheus.CounterVec
	maintRuns    *prometheus.CounterVec
	maintLast    *prometheus.GaugeVec
	scrapeErrors *prometheus.CounterVec
	groupSize    prometheus.Histogram
}

var _ ports.Observer = (*Metrics)(nil)

// New registers every series, the Go runtime and process collectors and the
// collectors over src on a registry of its own.
func New(src Sources) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{reg: reg}
	f := func(c prometheus.Collector) { reg.MustRegister(c) }

	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "http", Name: "requests_total",
		Help: "HTTP requests answered, by route template, method and status code.",
	}, []string{"route", "method", "code"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route template, method and status code.",
		Buckets: Buckets,
	}, []string{"route", "method", "code"})
	m.commands = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "commands_total",
		Help: "Registry commands, by command, transport (rest, epp, registry), outcome (success, refused, failed) and catalog code (ok on success).",
	}, []string{"command", "transport", "outcome", "code"})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "rate_limit_refusals_total",
		Help: "Commands refused with registrar_rate_limit_exceeded, by command and transport.",
	}, []string{"command", "transport"})
	m.replays = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "idempotent_replays_total",
		Help: "Mutating commands answered from a recorded idempotent result, by command and transport.",
	}, []string{"command", "transport"})
	m.eppOpen = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "epp", Name: "sessions",
		Help: "EPP sessions open now (TLS handshake done), by listener (production, ote).",
	}, []string{"listener"})
	m.eppOpened = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "epp", Name: "sessions_opened_total",
		Help: "EPP sessions opened (TLS handshake done), by listener.",
	}, []string{"listener"})
	m.eppClosed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "epp", Name: "sessions_closed_total",
		Help: "EPP sessions closed, by listener and reason (logout, idle timeout, rate limit exceeded, ...).",
	}, []string{"listener", "reason"})
	m.eppDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "epp", Name: "command_duration_seconds",
		Help:    "Time to answer an EPP command, by command.",
		Buckets: Buckets,
	}, []string{"command"})
	m.maintenance = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "maintenance", Name: "items_total",
		Help: "Items settled by registry-made actions (idempotency purge, completed deletes, applied or failed pending work), by action.",
	}, []string{"action"})
	m.maintRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "maintenance", Name: "runs_total",
		Help: "Runs of registry-made actions, by action, whether or not they found anything due.",
	}, []string{"action"})
	m.maintLast = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "maintenance", Name: "last_run_timestamp_seconds",
		Help: "Unix time of the last run of each registry-made action (time() minus this is its lag).",
	}, []string{"action"})
	m.scrapeErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "scrape_errors_total",
		Help: "Scrape-time reads that failed, by source (pending, ready); their series are left out of that scrape.",
	}, []string{"source"})
	m.groupSize = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "store", Name: "group_commit_commands",
		Help:    "Commands that shared one write transaction (group commit); 1 is a command alone.",
		Buckets: []float64{1, 2, 4, 8, 16, 32},
	})
	for _, c := range []prometheus.Collector{m.httpRequests, m.httpDuration, m.commands, m.rateLimited, m.replays,
		m.eppOpen, m.eppOpened, m.eppClosed, m.eppDuration, m.maintenance, m.maintRuns, m.maintLast, m.scrapeErrors,
		m.groupSize} {
		f(c)
	}
	for _, l := range []string{ListenerProduction, ListenerOTE} {
		m.eppOpen.WithLabelValues(l)
	}
	for _, s := range []string{"pending", "ready"} {
		m.scrapeErrors.WithLabelValues(s)
	}

	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if src.DB != nil {
		name := src.DBName
		if name == "" {
			name = "registry"
		}
		f(collectors.NewDBStatsCollector(src.DB, name))
	}
	if src.ScrapeTimeout <= 0 {
		src.ScrapeTimeout = 2 * time.Second
	}
	if src.Pending != nil {
		f(&pendingCollector{src: src.Pending, timeout: src.ScrapeTimeout, errs: m.scrapeErrors.WithLabelValues("pending"),
			desc: prometheus.NewDesc(prometheus.BuildFQName(Namespace, "backend", "pending_items"),
				"Backend pending items (nameserver changes, cancellations, ... waiting for or done by the apply worker), by command and status (pending, applied, failed).",
				[]string{"command", "status"}, nil)})
	}
	if src.Ready != nil || src.Degraded != nil {
		f(&readyCollector{src: src, errs: m.scrapeErrors.WithLabelValues("ready"),
			ready: prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", "ready"),
				"1 while the node is ready (its database answers), 0 otherwise; what /readyz answers.", nil, nil),
			degraded: prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", "degraded"),
				"1 while a component is degraded yet the node serves (redis: rate limits fail open to in-process counters).",
				[]string{"component"}, nil)})
	}
	return m
}

// Registry is the registry the series live in (for tests and extra collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text (or OpenMetrics)
// format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, ErrorHandling: promhttp.ContinueOnError})
}

// Listener names of the EPP series.
const (
	ListenerProduction = "production"
	ListenerOTE        = "ote"
)

// CommandDone implements ports.Observer.
func (m *Metrics) CommandDone(command, transport, outcome, code string, replay bool) {
	m.commands.WithLabelValues(command, transport, outcome, code).Inc()
	if code == string(core.CodeRateLimitExceeded) {
		m.rateLimited.WithLabelValues(command, transport).Inc()
	}
	if replay {
		m.replays.WithLabelValues(command, transport).Inc()
	}
}

// MaintenanceAction implements ports.Observer.
func (m *Metrics) MaintenanceAction(action string, n int) {
	m.maintRuns.WithLabelValues(action).Inc()
	m.maintLast.WithLabelValues(action).SetToCurrentTime()
	c := m.maintenance.WithLabelValues(action)
	if n > 0 {
		c.Add(float64(n))
	}
}

// GroupCommitted implements ports.Observer.
func (m *Metrics) GroupCommitted(commands int) { m.groupSize.Observe(float64(commands)) }

// ObserveHTTP counts one answered HTTP request. route is the matched route
// template, or "unmatched" for a 404/405 that matched none.
func (m *Metrics) ObserveHTTP(route, method string, status int, d time.Duration) {
	code := statusCode(status)
	method = normalizeMethod(method)
	m.httpRequests.WithLabelValues(route, method, code).Inc()
	m.httpDuration.WithLabelValues(route, method, code).Observe(d.Seconds())
}

// EPPSessionOpened counts a session whose TLS handshake completed.
func (m *Metrics) EPPSessionOpened(ote bool) {
	l := listener(ote)
	m.eppOpen.WithLabelValues(l).Inc()
	m.eppOpened.WithLabelValues(l).Inc()
}

// EPPSessionClosed counts the end of a session opened before.
func (m *Metrics) EPPSessionClosed(ote bool, reason string) {
	l := listener(ote)
	m.eppOpen.WithLabelValues(l).Dec()
	m.eppClosed.WithLabelValues(l, reason).Inc()
}

// EPPCommand observes the time an EPP command took to answer.
func (m *Metrics) EPPCommand(command string, d time.Duration) {
	m.eppDuration.WithLabelValues(command).Observe(d.Seconds())
}

func listener(ote bool) string {
	if ote {
		return ListenerOTE
	}
	return ListenerProduction
}

var methods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true,
	http.MethodDelete: true, http.MethodOptions: true, http.MethodConnect: true, http.MethodTrace: true,
}

// normalizeMethod keeps the label set bounded: any other method is OTHER.
func normalizeMethod(m string) string {
	if methods[m] {
		return m
	}
	return "OTHER"
}

func statusCode(s int) string {
	if s < 100 || s > 599 {
		return "other"
	}
	return strconv.Itoa(s)
}

// pendingCollector reads the pending counts at scrape time.
type pendingCollector struct {
	src     ports.PendingCounter
	timeout time.Duration
	desc    *prometheus.Desc
	errs    prometheus.Counter
}

func (c *pendingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *pendingCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	counts, err := c.src.PendingCounts(ctx)
	if err != nil {
		c.errs.Inc()
		return
	}
	for _, pc := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(pc.Count), pc.Command, pc.Status)
	}
}

// readyCollector runs the readiness check at scrape time.
type readyCollector struct {
	src             Sources
	ready, degraded *prometheus.Desc
	errs            prometheus.Counter
}

func (c *readyCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.ready
	ch <- c.degraded
}

func (c *readyCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.src.ScrapeTimeout)
	defer cancel()
	if c.src.Ready != nil {
		v := 1.0
		if err := c.src.Ready(ctx); err != nil {
			v = 0
			c.errs.Inc()
		}
		ch <- prometheus.MustNewConstMetric(c.ready, prometheus.GaugeValue, v)
	}
	if c.src.Degraded != nil {
		got := c.src.Degraded(ctx)
		seen := map[string]bool{}
		for _, comp := range c.src.DegradedComponents {
			seen[comp] = true
			v := 0.0
			if _, bad := got[comp]; bad {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(c.degraded, prometheus.GaugeValue, v, comp)
		}
		for comp := range got {
			if !seen[comp] {
				ch <- prometheus.MustNewConstMetric(c.degraded, prometheus.GaugeValue, 1, comp)
			}
		}
	}
}
