package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/headlessdomains/registry/adapters/epp/eppclient"
)

const metricsOperatorToken = "metrics-test-operator-token-0123"

// scrape is one parsed /metrics answer.
type scrape struct {
	raw      []byte
	families map[string]*dto.MetricFamily
}

// value sums the samples of family name whose labels include want.
func (s scrape) value(name string, want map[string]string) float64 {
	f := s.families[name]
	if f == nil {
		return 0
	}
	var sum float64
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		case m.Untyped != nil:
			sum += m.GetUntyped().GetValue()
		}
	}
	return sum
}

// series lists the sample names a query may use: each family's name and,
// for histograms and summaries, its _bucket, _sum and _count.
func (s scrape) series() map[string]bool {
	out := map[string]bool{}
	for name, f := range s.families {
		out[name] = true
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM:
			out[name+"_bucket"], out[name+"_sum"], out[name+"_count"] = true, true, true
		case dto.MetricType_SUMMARY:
			out[name+"_sum"], out[name+"_count"] = true, true
		}
	}
	return out
}

func getScrape(t *testing.T, url string) scrape {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("scrape %s: %d %v", url, resp.StatusCode, err)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse the scrape: %v\n%s", err, raw)
	}
	return scrape{raw: raw, families: fams}
}

// promtool answers the promtool binary, skipping the test when it is
// missing (failing under REQUIRE_SERVICES=1).
func promtool(t *testing.T) string {
	t.Helper()
	for _, c := range []string{os.Getenv("REGISTRY_TEST_PROMTOOL"), "promtool"} {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("REQUIRE_SERVICES") == "1" {
		t.Fatal("REQUIRE_SERVICES=1 but promtool is missing (scripts/test-services.sh installs Debian's prometheus package)")
	}
	t.Skip("promtool is missing (run through scripts/test-services.sh)")
	return ""
}

// apiClient calls the HTTP API of a registryd under test.
type apiClient struct {
	t    *testing.T
	base string
}

type apiAnswer struct {
	status int
	body   map[string]any
	raw    []byte
}

func (c apiClient) do(method, path, token string, body any, headers ...string) apiAnswer {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := apiAnswer{status: resp.StatusCode, raw: raw}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

func (c apiClient) must(want int, a apiAnswer) map[string]any {
	c.t.Helper()
	if a.status != want {
		c.t.Fatalf("status %d, want %d: %s", a.status, want, a.raw)
	}
	return a.body
}

// TestMetricsAfterEveryCommand runs registryd (SQLite, the demo, EPP, the
// apply worker and REGISTRY_METRICS_ADDR) in process, runs every registrar
// command over REST and EPP (with a replay, refusals and a rate-limit
// refusal), and checks that the counters moved by what ran, that no label
// carries a domain name, that `promtool check metrics` accepts the scrape,
// and that the dashboard and alert rules in configs/ name only series the
// scrape holds (and load in promtool).
func TestMetricsAfterEveryCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"REGISTRY_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "registry.db"), "REGISTRY_DEMO": "1",
		"REGISTRY_CONFIG": "/dev/null", "REGISTRY_OPERATOR_TOKEN": metricsOperatorToken, "REGISTRY_LOG_LEVEL": "error",
		"REGISTRY_EPP_ADDR": "127.0.0.1:0", "REGISTRY_METRICS_ADDR": "127.0.0.1:0", "REGISTRY_APPLY_WORKER": "1",
	}
	out := &lineWriter{wrote: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, nil, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, out, ln)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Main: %v", err)
		}
	})
	key := out.waitFor(t, regexp.MustCompile(`API key +(hd_\S+)`))[1]
	chID := out.waitFor(t, regexp.MustCompile(`Channel +\S+ \((\S+)\)`))[1]
	login := out.waitFor(t, regexp.MustCompile(`EPP login +clID (\S+) +pw (\S+)`))
	gw := out.waitFor(t, regexp.MustCompile(`EPP gateway listening on (\S+) \(TLS; self-signed certificate SHA-256 Fingerprint=([0-9A-F:]{95})\)`))
	metricsURL := out.waitFor(t, regexp.MustCompile(`metrics on (http://\S+/metrics)`))[1]

	before := getScrape(t, metricsURL)
	api := apiClient{t: t, base: "http://" + ln.Addr().String()}
	const reg, admin = "/api/v1/registrar/v1", "/api/v1/admin"
	op := metricsOperatorToken
	api.must(200, api.do("POST", admin+"/registrar-channels/"+chID+"/production-approval", op, map[string]any{"force": true}))

	// Every registrar command over REST.
	d := "metricsdemo.defiwallet"
	registrant := map[string]any{"name": "Alice Example", "email": "alice@example.com", "phone": "+1.5555551234", "country": "US"}
	api.must(200, api.do("GET", reg+"/status", key, nil))
	api.must(200, api.do("POST", reg+"/sandbox/reset", key, nil))
	api.must(200, api.do("POST", reg+"/domains/check", key, map[string]any{"names": []string{d}}))
	create := map[string]any{"domain": d, "years": 1, "registrant": registrant}
	created := api.must(201, api.do("POST", reg+"/domains", key, create, "Idempotency-Key", "m-create"))
	if again := api.must(201, api.do("POST", reg+"/domains", key, create, "Idempotency-Key", "m-create")); again["idempotent"] != true {
		t.Fatalf("replay: %v", again)
	}
	if r := api.do("POST", reg+"/domains", key, map[string]any{"domain": "bad..name", "registrant": registrant}, "Idempotency-Key", "m-bad"); r.status != 400 {
		t.Fatalf("invalid create: %d %s", r.status, r.raw)
	}
	api.must(200, api.do("GET", reg+"/domains/"+d, key, nil))
	exp := created["domain"].(map[string]any)["expires_at"]
	api.must(200, api.do("POST", reg+"/domains/"+d+"/renew", key, map[string]any{"years": 1, "current_expires_at": exp, "idempotency_key": "m-renew"}))
	api.must(200, api.do("PATCH", reg+"/domains/"+d, key, map[string]any{"statuses": map[string]any{"add": []string{"clientTransferProhibited"}}, "idempotency_key": "m-update"}))
	api.must(200, api.do("PUT", reg+"/domains/"+d+"/nameservers", key, map[string]any{"nameservers": []string{"ns1.example.net", "ns2.example.net"}}, "Idempotency-Key", "m-ns"))
	api.must(200, api.do("PUT", reg+"/domains/"+d+"/records", key, map[string]any{"records": []map[string]any{
		{"type": "A", "name": "@", "ttl": 300, "value": "192.0.2.10"}}}, "Idempotency-Key", "m-rec"))
	api.must(200, api.do("GET", reg+"/domains/"+d+"/records", key, nil))
	api.must(200, api.do("GET", reg+"/poll", key, nil))
	api.must(200, api.do("GET", reg+"/backend/pending", key, nil))
	if r := api.do("GET", reg+"/domains/unknown-"+d, key, nil); r.status != 404 {
		t.Fatalf("info of an unknown name: %d %s", r.status, r.raw)
	}
	if r := api.do("GET", "/no/such/path/"+d, "", nil); r.status != 404 {
		t.Fatalf("unmatched path: %d", r.status)
	}

	// Every EPP command family, in one session.
	c, err := eppclient.Session(gw[1], eppclient.PinnedTLS(gw[2]), login[1], login[2], 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	eppDomain := "eppmetrics.defiwallet"
	for i, step := range []struct {
		want  int
		inner string
	}{
		{1000, eppclient.CheckDomainsXML(eppDomain)},
		{1000, eppclient.CreateContactXML("metrics-c1")},
		{1000, eppclient.CreateDomainXML(eppDomain, "metrics-c1", 1)},
		{1000, eppclient.InfoDomainXML(eppDomain)},
		{2303, eppclient.InfoDomainXML("missing-" + eppDomain)},
	} {
		if _, err := c.Expect(step.want, step.inner, fmt.Sprintf("metrics-%d", i)); err != nil {
			t.Fatalf("EPP step %d: %v", i, err)
		}
	}
	if r, err := c.Logout(); err != nil || r.Code != 1500 {
		t.Fatalf("logout: %v %v", r, err)
	}
	_ = c.Close()

	// The worker applies the nameserver change (memory DNS).
	waitScrape(t, metricsURL, func(s scrape) bool {
		return s.value("registry_backend_pending_items", map[string]string{"command": "update_nameservers", "status": "applied"}) >= 1
	})
	// Delete last, then a rate-limit refusal: the channel's limit drops to 1
	// and the second status of the minute is refused.
	api.must(200, api.do("DELETE", reg+"/domains/"+d, key, nil, "Idempotency-Key", "m-delete"))
	api.must(200, api.do("PATCH", admin+"/registrar-channels/"+chID, op, map[string]any{"rate_limit_per_minute": 1}))
	refused := false
	for range 3 {
		if r := api.do("GET", reg+"/status", key, nil); r.status == 429 {
			refused = true
			break
		}
	}
	if !refused {
		t.Fatal("no 429 with a limit of 1 a minute")
	}
	// The session close is counted after the answer to logout.
	after := waitScrape(t, metricsURL, func(s scrape) bool {
		return s.value("registry_epp_sessions_closed_total", map[string]string{"reason": "logout"}) >= 1
	})

	moved := func(name string, labels map[string]string, atLeast float64) {
		t.Helper()
		if got := after.value(name, labels) - before.value(name, labels); got < atLeast {
			t.Errorf("%s%v moved by %v, want at least %v", name, labels, got, atLeast)
		}
	}
	for _, cmd := range []string{"status", "sandbox_reset", "check_domain", "create_domain", "info_domain", "renew_domain",
		"update_domain", "update_nameservers", "update_records", "read_records", "delete_domain", "poll", "backend_pending"} {
		moved("registry_commands_total", map[string]string{"command": cmd, "transport": "rest", "outcome": "success", "code": "ok"}, 1)
	}
	moved("registry_commands_total", map[string]string{"command": "create_domain", "transport": "rest", "outcome": "refused", "code": "validation_error"}, 1)
	moved("registry_commands_total", map[string]string{"command": "info_domain", "transport": "rest", "outcome": "refused", "code": "domain_not_found"}, 1)
	moved("registry_commands_total", map[string]string{"command": "approve_production", "transport": "rest", "outcome": "success"}, 1)
	moved("registry_idempotent_replays_total", map[string]string{"command": "create_domain", "transport": "rest"}, 1)
	moved("registry_rate_limit_refusals_total", map[string]string{"command": "status", "transport": "rest"}, 1)
	for _, cmd := range []string{"login", "check_domain", "create_contact", "create_domain", "info_domain", "logout"} {
		moved("registry_commands_total", map[string]string{"command": cmd, "transport": "epp", "outcome": "success"}, 1)
	}
	moved("registry_commands_total", map[string]string{"command": "info_domain", "transport": "epp", "outcome": "refused", "code": "domain_not_found"}, 1)
	moved("registry_commands_total", map[string]string{"command": "update_nameservers", "transport": "registry", "outcome": "success"}, 1)
	moved("registry_epp_sessions_opened_total", map[string]string{"listener": "production"}, 1)
	moved("registry_epp_command_duration_seconds", map[string]string{"command": "create_domain"}, 1)
	moved("registry_maintenance_items_total", map[string]string{"action": "pending_applied"}, 1)
	moved("registry_http_requests_total", map[string]string{"route": reg + "/domains/{domain}", "method": "GET", "code": "200"}, 1)
	moved("registry_http_requests_total", map[string]string{"route": "unmatched", "method": "GET", "code": "404"}, 1)
	moved("registry_http_request_duration_seconds", map[string]string{"route": reg + "/domains", "method": "POST", "code": "201"}, 2)
	if v := after.value("registry_epp_sessions", map[string]string{"listener": "production"}); v != 0 {
		t.Errorf("registry_epp_sessions{listener=production} = %v after the session closed, want 0", v)
	}
	if after.value("registry_ready", nil) != 1 {
		t.Errorf("registry_ready is not 1")
	}
	for _, name := range []string{"go_sql_open_connections", "go_goroutines", "process_resident_memory_bytes",
		"registry_maintenance_last_run_timestamp_seconds"} {
		if after.families[name] == nil {
			t.Errorf("the scrape lacks %s", name)
		}
	}
	if after.value("registry_maintenance_runs_total", map[string]string{"action": "idempotency_purge"}) < 1 {
		t.Errorf("the start-up housekeeping is not counted")
	}
	// Bounded labels: no domain name, no raw path.
	for _, s := range []string{"metricsdemo", "eppmetrics", "/no/such/path"} {
		if bytes.Contains(after.raw, []byte(s)) {
			t.Errorf("the scrape names %q: labels must be templates and codes only", s)
		}
	}

	// promtool accepts the exposition; the rules and config load.
	pt := promtool(t)
	check := exec.Command(pt, "check", "metrics")
	check.Stdin = bytes.NewReader(after.raw)
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	for _, args := range [][]string{
		{"check", "rules", "../../configs/prometheus/registry-alerts.yml"},
		{"check", "config", "../../configs/prometheus/prometheus.yml"},
	} {
		if out, err := exec.Command(pt, args...).CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	checkConfigSeries(t, after.series())
}

// waitScrape scrapes until cond holds (bounded at 30 s) and answers that scrape.
func waitScrape(t *testing.T, url string, cond func(scrape) bool) scrape {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		s := getScrape(t, url)
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scrape never met the condition:\n%s", s.raw)
		}
		<-tick.C
	}
}

// seriesRef finds the series a PromQL expression names: the registry's own,
// the Go runtime's, the process', the pool's and Prometheus' up.
var seriesRef = regexp.MustCompile(`\b(?:registry|go|process)_[a-z0-9_]+\b`)

// checkConfigSeries checks that the dashboard parses as JSON and that it
// and the alert rules name only series that exist in have.
func checkConfigSeries(t *testing.T, have map[string]bool) {
	t.Helper()
	raw, err := os.ReadFile("../../configs/grafana/registry-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	exprs := map[string]string{}
	for _, p := range dash.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			exprs["dashboard panel "+p.Title] += tg.Expr + "\n"
		}
	}
	if len(exprs) < 10 {
		t.Errorf("the dashboard has %d panels with queries, want the operator's first ones (traffic, errors, latency, pending, maintenance, pool, ...)", len(exprs))
	}
	rules, err := os.ReadFile("../../configs/prometheus/registry-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(rules), "\n") {
		if l := strings.TrimSpace(line); !strings.HasPrefix(l, "description:") && !strings.HasPrefix(l, "summary:") && !strings.HasPrefix(l, "#") {
			exprs["alert rules"] += l + "\n"
		}
	}
	var missing []string
	named := 0
	for where, e := range exprs {
		for _, s := range seriesRef.FindAllString(e, -1) {
			named++
			if !have[s] {
				missing = append(missing, where+": "+s)
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s is not in the scrape", m)
	}
	if named == 0 {
		t.Error("the dashboard and rules name no series")
	}
}
