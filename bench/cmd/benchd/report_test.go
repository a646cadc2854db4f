package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func row(name, kind string, c int, ops, p99 float64, rss float64) *resultRow {
	return &resultRow{Name: name, Concurrency: c, OpsPerS: ops, P50Ms: p99 / 2, P99Ms: p99, P999Ms: p99 * 2, ceilingKind: kind,
		detail: detailRow{Name: name, Concurrency: c, ServerPeakRSS: rss, P99Ms: p99}}
}

func sampleRows() []*resultRow {
	return []*resultRow{
		row("ceiling_read", ceilRead, 16, 5000, 4, 20),
		row("ceiling_write", ceilWrite, 16, 800, 30, 20),
		row(multiCeiling, ceilWriteMulti, 16, 1200, 40, 20),
		row("ceiling_read", ceilRead, 1, 1500, 1, 20),
		row("check", ceilRead, 16, 4200, 5.5, 60),
		row("check_at_1m", ceilRead, 16, 4100, 5.5, 60),
		row("info_at_1m", ceilRead, 16, 3800, 6, 60),
		row("check", ceilRead, 1, 700, 2, 60),
		row("check_at_10k", ceilRead, 16, 4300, 5, 60),
		row("info_at_10k", ceilRead, 16, 4000, 4, 60),
		row("info", ceilRead, 16, 3900, 6, 60),
		row("create", ceilWrite, 16, 500, 50, 170),
		row(multiScenario, ceilWriteMulti, 16, 1000, 60, 80),
		row("replay", ceilRead, 16, 3000, 7, 60),
		row("poll", ceilRead, 16, 2000, 9.5, 60),
		row("status", ceilRead, 16, 3100, 20, 60),
		row("renew", ceilWrite, 16, 1300, 25, 120),
	}
}

func TestAttachCeilingsAndTargets(t *testing.T) {
	rows := sampleRows()
	attachCeilings(rows)
	check := find(rows, "check", 16)
	if check.CeilingOpsPerS != 5000 || check.CeilingP99Ms != 4 || check.RatioToCeiling != 0.84 || check.detail.P99ToCeilingP99 != 1.375 {
		t.Fatalf("check at 16: %+v", check)
	}
	if c1 := find(rows, "check", 1); c1.CeilingOpsPerS != 1500 || c1.RatioToCeiling != 0.467 {
		t.Errorf("check at 1 takes the ceiling of 1 client: %+v", c1)
	}
	if cr := find(rows, "create", 16); cr.CeilingOpsPerS != 800 || cr.RatioToCeiling != 0.625 {
		t.Errorf("create takes the write ceiling: %+v", cr)
	}
	if cw := find(rows, "ceiling_write", 16); cw.RatioToCeiling != 1 {
		t.Errorf("a ceiling is its own ceiling: %+v", cw)
	}
	if cm := find(rows, multiScenario, 16); cm.CeilingOpsPerS != 1200 || cm.CeilingP99Ms != 40 || cm.RatioToCeiling != 0.833 || cm.detail.P99ToCeilingP99 != 1.5 {
		t.Errorf("create_multi takes the 16-partner write ceiling: %+v", cm)
	}
	if cwm := find(rows, multiCeiling, 16); cwm.RatioToCeiling != 1 {
		t.Errorf("the 16-partner write ceiling is its own ceiling: %+v", cwm)
	}

	targets := evaluateTargets(rows, 16, 1_000_000, 1_000_000, 10_000)
	checkTargets(t, targets)

	// A row with a ceiling measured beside it is compared with that one;
	// the bracketing ceiling is nobody else's and no target's row.
	rows = sampleRows()
	beside := row("ceiling_read", ceilRead, 16, 4000, 5, 20)
	beside.detailOnly = true
	info := find(rows, "info", 16)
	info.ownCeiling = beside
	rows = append(rows, beside)
	attachCeilings(rows)
	if info.CeilingOpsPerS != 4000 || info.CeilingP99Ms != 5 || info.RatioToCeiling != 0.975 || info.detail.P99ToCeilingP99 != 1.2 {
		t.Errorf("info beside its own ceiling: %+v", info)
	}
	if check := find(rows, "check", 16); check.CeilingOpsPerS != 5000 {
		t.Errorf("check took another row's bracketing ceiling: %+v", check)
	}
	if beside.RatioToCeiling != 1 || find(rows, "ceiling_read", 16) == beside {
		t.Errorf("bracketing ceiling %+v found as the round's", beside)
	}
	for _, tc := range evaluateTargets(rows, 16, 1_000_000, 1_000_000, 10_000) {
		if strings.HasPrefix(tc.Target, "info at 16") && (!tc.Met || !strings.Contains(tc.Actual, "of 4000 ops/s")) {
			t.Errorf("info at 0.975x of the ceiling beside it, p99 1.2x, is met: %+v", tc)
		}
	}
}

func checkTargets(t *testing.T, targets []targetCheck) {
	t.Helper()
	if len(targets) != 12 {
		t.Errorf("%d targets evaluated, want 12: %+v", len(targets), targets)
	}
	for _, tc := range targets {
		switch {
		case strings.HasPrefix(tc.Target, "check at 16"):
			if !tc.Met {
				t.Errorf("check at 84%% and 1.375x p99 is met: %+v", tc)
			}
		case strings.HasPrefix(tc.Target, "info at 16"):
			if tc.Met {
				t.Errorf("info at 0.78x is missed: %+v", tc)
			}
		case strings.HasPrefix(tc.Target, "replay at 16"):
			if tc.Met {
				t.Errorf("replay at 0.60x is missed: %+v", tc)
			}
		case strings.HasPrefix(tc.Target, "status at 16"):
			if !tc.Met || strings.Contains(tc.Target, "p99") {
				t.Errorf("status at 0.62x, with no p99 bound, is met: %+v", tc)
			}
		case strings.HasPrefix(tc.Target, "create at 16"):
			if tc.Met || !strings.Contains(tc.Target, "1.50x the write ceiling") {
				t.Errorf("create at 0.625x of the write ceiling is missed: %+v", tc)
			}
		case strings.HasPrefix(tc.Target, "renew at 16"):
			if !tc.Met || !strings.Contains(tc.Target, "p99 below") {
				t.Errorf("renew at 1.625x with p99 25 < 30 ms is met: %+v", tc)
			}
		case strings.HasPrefix(tc.Target, multiScenario+" at 16"):
			if !tc.Met || !strings.Contains(tc.Target, "16-partner write ceiling") || !strings.Contains(tc.Actual, "83% of 1200 ops/s") {
				t.Errorf("create_multi at 83%% of its own ceiling is met: %+v", tc)
			}
		case strings.HasPrefix(tc.Target, "replay faster"):
			if !tc.Met {
				t.Errorf("replay 3000 > create 500: %+v", tc)
			}
		case strings.HasPrefix(tc.Target, "poll p99"):
			if !tc.Met {
				t.Errorf("poll p99 9.5 ms = 2.4x 4 ms is met: %+v", tc)
			}
		case strings.HasPrefix(tc.Target, "check p99"):
			if !tc.Met {
				t.Errorf("check 5.5 vs 5 ms (+10%%) is met: %+v", tc)
			}
		case strings.HasPrefix(tc.Target, "info p99"):
			if tc.Met {
				t.Errorf("info 6 vs 4 ms (+50%%) is missed: %+v", tc)
			}
		case strings.HasPrefix(tc.Target, "registryd peak RSS"):
			if tc.Met || !strings.Contains(tc.Actual, "170.0 MiB (create at 16 clients)") {
				t.Errorf("170 MiB is over 150: %+v", tc)
			}
		default:
			t.Errorf("unexpected target %+v", tc)
		}
	}
}

// latest.json carries exactly the fields the issue names, no more.
func TestResultsFileShape(t *testing.T) {
	rows := sampleRows()
	beside := row("ceiling_read", ceilRead, 16, 4000, 5, 20)
	beside.detailOnly = true
	beside.detail.Phase = "beside info"
	find(rows, "info", 16).ownCeiling = beside
	rows = append(rows, beside)
	attachCeilings(rows)
	path := filepath.Join(t.TempDir(), "results", "latest.json")
	machine := map[string]any{"nproc": 2, "loadavg_at_start": "0.10 0.20 0.30"}
	targets := evaluateTargets(rows, 16, 1000, 1000, 0)
	if err := writeResults(path, machine, rows, targets, map[string]any{"profiles": map[string]string{"create": "x.txt"}}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if keys := sortedKeys(doc); !slices.Equal(keys, []string{"machine", "results"}) {
		t.Fatalf("top level %v", keys)
	}
	var results []map[string]json.RawMessage
	if err := json.Unmarshal(doc["results"], &results); err != nil {
		t.Fatal(err)
	}
	want := []string{"ceiling_ops_per_s", "ceiling_p99_ms", "concurrency", "errors", "name", "ops_per_s", "p50_ms", "p999_ms", "p99_ms", "ratio_to_ceiling"}
	if len(results) != len(rows)-1 {
		t.Fatalf("%d results, want %d (all but the bracketing ceiling)", len(results), len(rows)-1)
	}
	for _, r := range results {
		if keys := sortedKeys(r); !slices.Equal(keys, want) {
			t.Fatalf("result keys %v, want %v", keys, want)
		}
	}
	detail, err := os.ReadFile(filepath.Join(filepath.Dir(path), "latest.detail.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"targets"`, `"server_peak_rss_mib"`, `"profiles"`, `"loadavg_at_start"`, `"phase": "beside info"`} {
		if !bytes.Contains(detail, []byte(s)) {
			t.Errorf("detail file lacks %s", s)
		}
	}
	var table bytes.Buffer
	printTable(&table, rows, targets)
	if !strings.Contains(table.String(), "ceiling_read") || !strings.Contains(table.String(), "MISSED") {
		t.Errorf("table:\n%s", table.String())
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestRunFlags(t *testing.T) {
	t.Setenv("REGISTRY_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
	t.Setenv("REGISTRY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
	var out bytes.Buffer
	c, err := parseRunFlags([]string{"-quick", "-audit", "5000", "-concurrency", "2,8"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if c.domains != 10_000 || c.audit != 5000 || c.baseline != 0 || c.duration != 1500*time.Millisecond || c.profile || c.mode != "quick" {
		t.Errorf("quick defaults, explicit -audit kept: %+v", c)
	}
	if !slices.Equal(c.sweep, []int{2, 8, 16}) {
		t.Errorf("the headline concurrency joins the sweep: %v", c.sweep)
	}
	c, err = parseRunFlags(nil, &out)
	if err != nil {
		t.Fatal(err)
	}
	if c.domains != 100_000 || c.audit != 1_000_000 || c.baseline != 10_000 || !c.profile ||
		!slices.Equal(c.scenarios, append(slices.Clone(scenarioOrder), maintenanceScenario)) || !slices.Equal(c.maintenanceNodes, []int{1, 2}) {
		t.Errorf("full defaults: %+v", c)
	}
	for _, bad := range [][]string{{"-scenarios", "check,nope"}, {"-concurrency", "0"}, {"-db", "Robert'); DROP"}, {"-domains", "0"}, {"-maintenance-nodes", "1,0"}} {
		if _, err := parseRunFlags(bad, &out); err == nil {
			t.Errorf("parseRunFlags(%q) accepted", bad)
		}
	}
}

// create_multi is measured against its own ceiling only: without
// ceiling_write_multi (or without create_multi) its target is not measured,
// and the one-partner write ceiling never stands in.
func TestMultiTargetNeedsItsOwnCeiling(t *testing.T) {
	rows := []*resultRow{
		row("ceiling_write", ceilWrite, 16, 800, 30, 20),
		row(multiScenario, ceilWriteMulti, 16, 1000, 60, 80),
	}
	attachCeilings(rows)
	if cm := find(rows, multiScenario, 16); cm.CeilingOpsPerS != 0 {
		t.Errorf("create_multi took another ceiling: %+v", cm)
	}
	if tc := multiTarget(rows, 16); tc.Met || tc.Actual != "not measured" {
		t.Errorf("target without its ceiling: %+v", tc)
	}
	rows = append(rows, row(multiCeiling, ceilWriteMulti, 16, 1300, 40, 20))
	attachCeilings(rows)
	if tc := multiTarget(rows, 16); tc.Met || !strings.Contains(tc.Actual, "77% of 1300 ops/s") {
		t.Errorf("77%% is under 80%%: %+v", tc)
	}
}

// Each poll filter of the headline client count is its own row of
// latest.json, against the read ceiling, and appears once in the detail file.
func TestPollFilterRows(t *testing.T) {
	poll := row("poll", ceilRead, 16, 900, 20, 60)
	poll.detail.ElapsedS = 2
	poll.detail.Variants = map[string]variantDetail{}
	for i, v := range pollVariants {
		poll.detail.Variants[v] = variantDetail{Ops: 200, P50Ms: 5, P99Ms: 10 + float64(i), P999Ms: 30, MaxMs: 40}
	}
	poll1 := row("poll", ceilRead, 1, 300, 4, 60)
	poll1.detail.ElapsedS = 2
	poll1.detail.Variants = map[string]variantDetail{"first_page": {Ops: 600, P50Ms: 1, P99Ms: 4}}
	rows := []*resultRow{row("ceiling_read", ceilRead, 16, 5000, 4, 20), row("ceiling_read", ceilRead, 1, 1500, 1, 20), poll, poll1}
	attachCeilings(rows)
	filters := pollFilterRows(rows, 16)
	if len(filters) != len(pollVariants) {
		t.Fatalf("%d filter rows, want %d: %+v", len(filters), len(pollVariants), filters)
	}
	seen := map[string]bool{}
	for _, f := range filters {
		seen[f.Name] = true
		if f.Concurrency != 16 || f.OpsPerS != 100 || f.P50Ms != 5 || f.P99Ms < 10 || f.P999Ms != 30 || f.Errors != 0 ||
			f.CeilingOpsPerS != 5000 || f.CeilingP99Ms != 4 || f.RatioToCeiling != 0.02 {
			t.Errorf("filter row %+v", f)
		}
	}
	if !seen["poll/command_rare"] {
		t.Errorf("the rare command filter (restore_domain) has no row: %v", seen)
	}
	rows = append(rows, filters...)

	tc, ok := pollFilterTarget(rows, 16, 1_000_000)
	last := pollVariants[len(pollVariants)-1]
	if !ok || tc.Met || !strings.Contains(tc.Actual, "slowest "+last+" p99 18.00 ms = 4.50x 4.00 ms") {
		t.Errorf("p99 10 to 18 ms against a 4 ms ceiling (3x: 12 ms) is missed: %+v %v", tc, ok)
	}
	if _, ok := pollFilterTarget(rows, 1, 1_000_000); ok {
		t.Errorf("a filter target at 1 client, where no filter rows were made")
	}

	path := filepath.Join(t.TempDir(), "latest.json")
	if err := writeResults(path, map[string]any{}, rows, nil, nil); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Results []map[string]any `json:"results"`
	}
	raw, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(raw, &doc) != nil {
		t.Fatal(err)
	}
	inMain := map[string]int{}
	for _, r := range doc.Results {
		inMain[r["name"].(string)]++
		if len(r) != 10 {
			t.Errorf("result row with %d fields: %v", len(r), r)
		}
	}
	var detail struct {
		Results []detailRow `json:"results"`
	}
	raw, err = os.ReadFile(filepath.Join(filepath.Dir(path), "latest.detail.json"))
	if err != nil || json.Unmarshal(raw, &detail) != nil {
		t.Fatal(err)
	}
	inDetail := map[string]int{}
	for _, d := range detail.Results {
		inDetail[fmt.Sprintf("%s@%d", d.Name, d.Concurrency)]++
	}
	for _, v := range pollVariants {
		if inMain["poll/"+v] != 1 || inDetail["poll/"+v+"@16"] != 1 {
			t.Errorf("poll/%s: %d rows in latest.json, %d in the detail file at 16 clients; want 1 and 1", v, inMain["poll/"+v], inDetail["poll/"+v+"@16"])
		}
	}
	if inMain["poll/first_page"] != 1 || inDetail["poll/first_page@1"] != 1 {
		t.Errorf("the filter rows of 1 client stay in the detail file only: %v %v", inMain, inDetail)
	}
}
