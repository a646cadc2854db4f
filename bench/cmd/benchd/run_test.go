package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/headlessdomains/registry/bench/internal/benchtest"
	"github.com/headlessdomains/registry/bench/internal/operatorapi"
)

// TestMain lets the test binary stand in for benchd when `benchd run`
// starts its own servers (os.Executable is the test binary here).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && (os.Args[1] == "ceiling" || os.Args[1] == "ceiling-sqlite" || os.Args[1] == "registry") {
		ctx, stop := signalContext()
		defer stop()
		if err := dispatch(ctx, os.Args[1:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "benchd:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRunEndToEnd runs the whole benchmark at a tiny scale against a real
// registryd, PostgreSQL and Redis, and checks that every scenario and both
// ceilings ran without an error and landed in the results. 1500
// registrations give each expiry day four or five, more than the renew
// scenario reaches (it renews from registration 0 on, and a renewed one has
// left its day).
func TestRunEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives registryd")
	}
	benchtest.Service(t, "REGISTRY_TEST_POSTGRES_URL")
	benchtest.Service(t, "REGISTRY_TEST_REDIS_URL")
	dir := t.TempDir()
	registryd := filepath.Join(dir, "registryd")
	build := exec.Command("go", "build", "-o", registryd, "../../../cmd/registryd")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build registryd: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "results", "latest.json")
	profiles := filepath.Join(dir, "profiles")
	var log bytes.Buffer
	err := runCommand(context.Background(), []string{
		"-registryd", registryd, "-db", "registry_bench_test", "-domains", "1500", "-audit", "600", "-baseline", "100",
		"-concurrency", "1,2", "-headline", "2", "-duration", "300ms", "-warmup", "50ms",
		"-profile", "-profile-duration", "1s", "-profile-dir", profiles, "-out", out, "-keep-db",
		"-sqlite-domains", "1500", "-sqlite-audit", "600",
	}, &log)
	pgURL := benchtest.Service(t, "REGISTRY_TEST_POSTGRES_URL")
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), pgURL)
		if err != nil {
			t.Errorf("drop registry_bench_test: %v", err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP DATABASE IF EXISTS registry_bench_test WITH (FORCE)"); err != nil {
			t.Errorf("drop registry_bench_test: %v", err)
		}
	})
	if err != nil {
		t.Fatalf("benchd run: %v\n%s", err, log.String())
	}
	var doc struct {
		Machine map[string]any `json:"machine"`
		Results []resultRow    `json:"results"`
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"nproc", "cpu_model", "memory_mib", "go_version", "postgres_version", "redis_version", "loadavg_at_start"} {
		if doc.Machine[k] == nil || doc.Machine[k] == "" {
			t.Errorf("machine.%s missing: %v", k, doc.Machine)
		}
	}
	// The server's settings, not those of the seeding session (synchronous_commit off).
	if settings, _ := doc.Machine["postgres_settings"].(map[string]any); settings["synchronous_commit"] == "off" || settings["shared_buffers"] == nil {
		t.Errorf("postgres_settings %v", settings)
	}
	seen := map[string]int{}
	for _, r := range doc.Results {
		seen[r.Name]++
		if r.Errors != 0 || r.OpsPerS <= 0 || r.P50Ms <= 0 || r.P99Ms < r.P50Ms || r.P999Ms < r.P99Ms {
			t.Errorf("result %+v", r)
		}
		if r.CeilingOpsPerS <= 0 || r.RatioToCeiling <= 0 {
			t.Errorf("%s at %d has no ceiling: %+v", r.Name, r.Concurrency, r)
		}
	}
	for _, name := range append([]string{"ceiling_read", "ceiling_write", multiCeiling}, scenarioOrder...) {
		// The SQLite phase runs every scenario but the 16 registrars' create.
		onSQLite := 2
		if name == multiCeiling || name == multiScenario {
			onSQLite = 0
		}
		if seen[name] != 2 || seen[sqlitePrefix+name] != onSQLite {
			t.Errorf("%s measured %d times and %d on SQLite, want once per client count (SQLite: %d)", name, seen[name], seen[sqlitePrefix+name], onSQLite/2)
		}
	}
	// Each poll filter is its own row at the headline client count.
	for _, v := range pollVariants {
		if seen["poll/"+v] != 1 {
			t.Errorf("poll/%s has %d rows in latest.json, want one (2 clients)", v, seen["poll/"+v])
		}
	}
	for _, r := range doc.Results {
		if r.Name == multiScenario && r.Concurrency != 2 && r.CeilingOpsPerS != find(ptrs(doc.Results), multiCeiling, r.Concurrency).OpsPerS {
			t.Errorf("%s at %d is not compared with %s: %+v", multiScenario, r.Concurrency, multiCeiling, r)
		}
	}
	if seen["check_at_100"] != 1 || seen["info_at_100"] != 1 || seen["check_at_1500"] != 1 || seen["info_at_1500"] != 1 {
		t.Errorf("scale comparison rows: %v", seen)
	}
	var detail struct {
		Results     []detailRow         `json:"results"`
		Maintenance []maintenanceResult `json:"maintenance_pass"`
	}
	raw, err = os.ReadFile(strings.TrimSuffix(out, ".json") + ".detail.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &detail); err != nil {
		t.Fatal(err)
	}
	// At the headline client count every scenario is compared with the
	// ceiling of its kind measured beside it (bench.bracket), a row of the
	// detail file only.
	beside := map[string]detailRow{}
	for _, d := range detail.Results {
		if rest, ok := strings.CutPrefix(d.Phase, "beside "); ok {
			beside[rest] = d
		}
	}
	for _, r := range doc.Results {
		if r.Concurrency != 2 || strings.Contains(r.Name, "_at_") || strings.Contains(r.Name, "/") ||
			strings.HasPrefix(r.Name, sqlitePrefix) || isCeilingRow(r.Name) {
			continue
		}
		c, ok := beside[r.Name]
		want := map[string]string{"create": "ceiling_write", "renew": "ceiling_write", multiScenario: multiCeiling}[r.Name]
		if want == "" {
			want = "ceiling_read"
		}
		if !ok || c.Name != want || c.Ops <= 0 || c.Errors != 0 || r.CeilingOpsPerS != c.OpsPerS || r.CeilingP99Ms != c.P99Ms {
			t.Errorf("%s at 2 clients: ceiling %.1f ops/s p99 %.3f, want the %s measured beside it: %+v", r.Name, r.CeilingOpsPerS, r.CeilingP99Ms, want, c)
		}
		delete(beside, r.Name)
	}
	if len(beside) != 0 {
		t.Errorf("bracketing ceilings of no scenario: %v", beside)
	}
	filterRows := map[string]int{}
	// The backends' states are sampled every 20 ms, and a point here lasts
	// some 300 ms: one client's creates may leave every backend idle at each
	// sample, so any create row with states shows the sampling works.
	createStates := 0
	for _, d := range detail.Results {
		if rest, ok := strings.CutPrefix(d.Name, "poll/"); ok {
			filterRows[rest]++
			if d.Ops <= 0 || d.P99Ms <= 0 || d.Errors != 0 {
				t.Errorf("poll filter row %+v", d)
			}
		}
		if d.Name == "create" && (d.ServerCPUPerOp <= 0 || d.TotalCPUPerOp < d.ServerCPUPerOp || d.ServerPeakRSS <= 0) {
			t.Errorf("create at %d: no server cost: %+v", d.Concurrency, d)
		}
		if d.Name == "create" && len(d.DBBackendStates) > 0 {
			createStates++
		}
		if d.Name == "poll" && len(d.Variants) != len(pollVariants) {
			t.Errorf("poll at %d: variants %v", d.Concurrency, d.Variants)
		}
	}
	if createStates == 0 {
		t.Error("no create row has the database backends' states")
	}
	for _, v := range pollVariants {
		if filterRows[v] != 2 {
			t.Errorf("poll filter %s has %d rows, want one per client count: %v", v, filterRows[v], filterRows)
		}
	}
	// One pass per kind and node count, each over a day's expiries: every
	// due registration changed once, by the nodes between them, none left.
	if len(detail.Maintenance) != 4 {
		t.Errorf("%d maintenance passes, want 4 (2 kinds × 1 and 2 nodes): %+v", len(detail.Maintenance), detail.Maintenance)
	}
	for _, m := range detail.Maintenance {
		var byNodes int64
		for _, n := range m.ChangesPerNode {
			byNodes += n
		}
		if m.Error != "" || m.Due < 1 || m.RemainingDue != 0 || m.WallS <= 0 || m.MsPerDomain <= 0 || len(m.ChangesPerNode) != m.Nodes ||
			byNodes != m.Due || m.FailedPasses != 0 {
			t.Errorf("maintenance pass %+v", m)
		}
		want := map[string]int64{kindAutoRenew: m.Due * renewPriceGems, kindExpire: 0}[m.Kind]
		if m.GemsDebited != want {
			t.Errorf("%s pass debited %d Gems, want %d", m.Kind, m.GemsDebited, want)
		}
	}
	checkMultiPartners(t, pgURL, 2)
	for _, name := range []string{"create", "check"} {
		txt, err := os.ReadFile(filepath.Join(profiles, name+".cpu.txt"))
		if err != nil || !strings.Contains(string(txt), "flat%") {
			t.Errorf("profile summary of %s: %v", name, err)
		}
	}
	if !strings.Contains(log.String(), "MISSED") && !strings.Contains(log.String(), "met ") {
		t.Errorf("no targets printed:\n%s", log.String())
	}
}

func ptrs(rows []resultRow) []*resultRow {
	out := make([]*resultRow, len(rows))
	for i := range rows {
		out[i] = &rows[i]
	}
	return out
}

// checkMultiPartners checks the kept database of a run whose largest client
// count was clients: create_multi and ceiling_write_multi charged the 16
// registrars, client i registrar i mod 16 (so registrars clients.. had no
// client), and each balance is its start less 10 Gems a registration.
func checkMultiPartners(t *testing.T, pgURL string, clients int) {
	t.Helper()
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = "registry_bench_test"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT p.name, p.gems_balance,
			count(d.id) FILTER (WHERE d.id NOT LIKE 'dom_ceil%'), count(d.id) FILTER (WHERE d.id LIKE 'dom_ceil%')
		FROM partners p LEFT JOIN domains d ON d.partner_id = p.id
		WHERE p.name LIKE 'Bench Registrar __ Inc.' GROUP BY p.id ORDER BY p.name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	k := 0
	for rows.Next() {
		var name string
		var balance, registry, ceiling int64
		if err := rows.Scan(&name, &balance, &registry, &ceiling); err != nil {
			t.Fatal(err)
		}
		used := k < clients
		if name != fmt.Sprintf("Bench Registrar %02d Inc.", k) || (registry > 0) != used || (ceiling > 0) != used ||
			balance != operatorapi.GemsBalance-operatorapi.CreatePriceGems*(registry+ceiling) {
			t.Errorf("registrar %d: %s, balance %d, %d registrations by create_multi, %d by the ceiling", k, name, balance, registry, ceiling)
		}
		k++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if k != multiPartners {
		t.Errorf("%d registrars of %s, want %d", k, multiScenario, multiPartners)
	}
}
