package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
)

// resultRow is one line of bench/results/latest.json, in exactly the shape
// the issue fixes.
type resultRow struct {
	Name           string  `json:"name"`
	Concurrency    int     `json:"concurrency"`
	OpsPerS        float64 `json:"ops_per_s"`
	P50Ms          float64 `json:"p50_ms"`
	P99Ms          float64 `json:"p99_ms"`
	P999Ms         float64 `json:"p999_ms"`
	Errors         int64   `json:"errors"`
	CeilingOpsPerS float64 `json:"ceiling_ops_per_s"`
	CeilingP99Ms   float64 `json:"ceiling_p99_ms"`
	RatioToCeiling float64 `json:"ratio_to_ceiling"`
	ceilingKind    string
	detail         detailRow
	variantOf      string     // a variant's row (poll/<filter>): its detail row is among its scenario's
	ownCeiling     *resultRow // its ceiling measured beside it (bench.bracket); nil: the round's
	detailOnly     bool       // in the detail file only (a bracketing ceiling)
}

// detailRow is what the detail file adds to a result: the server's cost
// and the breakdowns behind the percentiles.
type detailRow struct {
	Name            string                   `json:"name"`
	Concurrency     int                      `json:"concurrency"`
	Phase           string                   `json:"phase"`
	Ceiling         string                   `json:"ceiling"`
	Domains         int64                    `json:"domains"`
	AuditRows       int64                    `json:"audit_rows"`
	Ops             int64                    `json:"ops"`
	ElapsedS        float64                  `json:"elapsed_s"`
	OpsPerS         float64                  `json:"ops_per_s"`
	MeanMs          float64                  `json:"mean_ms"`
	P50Ms           float64                  `json:"p50_ms"`
	P99Ms           float64                  `json:"p99_ms"`
	P999Ms          float64                  `json:"p999_ms"`
	MaxMs           float64                  `json:"max_ms"`
	Errors          int64                    `json:"errors"`
	ErrorKinds      []string                 `json:"error_kinds,omitempty"`
	ServerCPUS      float64                  `json:"server_cpu_s"`
	ServerCPUPerOp  float64                  `json:"server_cpu_ms_per_op"`
	DBCPUPerOp      float64                  `json:"db_cpu_ms_per_op"`
	RedisCPUPerOp   float64                  `json:"redis_cpu_ms_per_op"`
	LoaderCPUPerOp  float64                  `json:"loader_cpu_ms_per_op"`
	TotalCPUPerOp   float64                  `json:"total_cpu_ms_per_op"`
	CPUBoundOpsPerS float64                  `json:"cpu_bound_ops_per_s"`
	ServerPeakRSS   float64                  `json:"server_peak_rss_mib"`
	ServerRSS       float64                  `json:"server_rss_mib"`
	LoadAvgAtStart  string                   `json:"loadavg_at_start"`
	DBBackendStates map[string]float64       `json:"db_backend_states_pct,omitempty"`
	Variants        map[string]variantDetail `json:"variants,omitempty"`
	CeilingOpsPerS  float64                  `json:"ceiling_ops_per_s"`
	CeilingP99Ms    float64                  `json:"ceiling_p99_ms"`
	RatioToCeiling  float64                  `json:"ratio_to_ceiling"`
	P99ToCeilingP99 float64                  `json:"p99_to_ceiling_p99"`
}

type variantDetail struct {
	Ops    int     `json:"ops"`
	P50Ms  float64 `json:"p50_ms"`
	P99Ms  float64 `json:"p99_ms"`
	P999Ms float64 `json:"p999_ms"`
	MaxMs  float64 `json:"max_ms"`
}

// targetCheck is one of the targets, evaluated.
type targetCheck struct {
	Target string `json:"target"`
	Met    bool   `json:"met"`
	Actual string `json:"actual"`
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// attachCeilings fills each row's ceiling fields from its own ceiling
// (bench.bracket) or else the ceiling row of its kind at the same
// concurrency (ceiling rows are their own ceiling).
func attachCeilings(rows []*resultRow) {
	ceil := map[string]*resultRow{}
	for _, r := range rows {
		if isCeilingRow(r.Name) && !r.detailOnly {
			ceil[fmt.Sprintf("%s/%d", r.ceilingKind, r.Concurrency)] = r
		}
	}
	for _, r := range rows {
		c, ok := ceil[fmt.Sprintf("%s/%d", r.ceilingKind, r.Concurrency)]
		if r.ownCeiling != nil {
			c, ok = r.ownCeiling, true
		} else if r.detailOnly {
			c, ok = r, true
		}
		if !ok {
			continue
		}
		r.CeilingOpsPerS, r.CeilingP99Ms = c.OpsPerS, c.P99Ms
		if c.OpsPerS > 0 {
			r.RatioToCeiling = round(r.OpsPerS/c.OpsPerS, 3)
		}
		r.detail.CeilingOpsPerS, r.detail.CeilingP99Ms, r.detail.RatioToCeiling = r.CeilingOpsPerS, r.CeilingP99Ms, r.RatioToCeiling
		if c.P99Ms > 0 {
			r.detail.P99ToCeilingP99 = round(r.P99Ms/c.P99Ms, 3)
		}
	}
}

// find returns the row of name at concurrency c (a bracketing ceiling is
// never one: it is the ceiling of one row only).
func find(rows []*resultRow, name string, c int) *resultRow {
	for _, r := range rows {
		if r.Name == name && r.Concurrency == c && !r.detailOnly {
			return r
		}
	}
	return nil
}

// evaluateTargets checks the targets at the headline concurrency.
// evaluateTargets checks the targets at the headline concurrency.
// The scale target compares the rows name_at_<baseline> and name_at_<domains>.
func evaluateTargets(rows []*resultRow, headline int, domains, audit, baseline int64) []targetCheck {
	var out []targetCheck
	ratio := func(name string, minRatio, maxP99 float64) {
		r := find(rows, name, headline)
		kind := "read"
		if name == "create" || name == "renew" {
			kind = "write"
		}
		t := fmt.Sprintf("%s at %d clients: ≥ %.2fx the %s ceiling's throughput, p99 ≤ %.1fx its p99", name, headline, minRatio, kind, maxP99)
		switch {
		case maxP99 < 1:
			t = fmt.Sprintf("%s at %d clients: ≥ %.2fx the %s ceiling's throughput, p99 below its p99", name, headline, minRatio, kind)
		case maxP99 > 100:
			t = fmt.Sprintf("%s at %d clients: ≥ %.2fx the %s ceiling's throughput", name, headline, minRatio, kind)
		}
		if r == nil || r.CeilingOpsPerS == 0 {
			out = append(out, targetCheck{t, false, "not measured"})
			return
		}
		p99x := r.P99Ms / r.CeilingP99Ms
		ok := r.RatioToCeiling >= minRatio && r.Errors == 0 && (p99x <= maxP99 || maxP99 < 1 && p99x < 1)
		out = append(out, targetCheck{t, ok,
			fmt.Sprintf("%.2fx of %.0f ops/s (%.0f ops/s); p99 %.2f ms = %.2fx %.2f ms; %d errors", r.RatioToCeiling, r.CeilingOpsPerS, r.OpsPerS, r.P99Ms, p99x, r.CeilingP99Ms, r.Errors)})
	}
	// The goals of issue 16: reads at the machine's ceiling, one busy
	// registrar's writes above the naive write ceiling (0 = p99 below it).
	for _, name := range []string{"check", "info", "replay"} {
		ratio(name, 0.8, 1.5)
	}
	ratio("status", 0.6, 1e9)
	ratio("create", 1.5, 0)
	ratio("renew", 1.5, 0)
	out = append(out, multiTarget(rows, headline))
	if rp, cr := find(rows, "replay", headline), find(rows, "create", headline); rp != nil && cr != nil {
		out = append(out, targetCheck{fmt.Sprintf("replay faster than create at %d clients", headline),
			rp.OpsPerS > cr.OpsPerS && rp.P99Ms < cr.P99Ms,
			fmt.Sprintf("replay %.0f ops/s p99 %.2f ms; create %.0f ops/s p99 %.2f ms", rp.OpsPerS, rp.P99Ms, cr.OpsPerS, cr.P99Ms)})
	}
	if p := find(rows, "poll", headline); p != nil && p.CeilingP99Ms > 0 {
		out = append(out, targetCheck{fmt.Sprintf("poll p99 ≤ 3x the read ceiling's p99 at %d clients, %d audit rows (target: at 1M)", headline, audit),
			p.P99Ms <= 3*p.CeilingP99Ms && p.Errors == 0, fmt.Sprintf("p99 %.2f ms = %.2fx %.2f ms", p.P99Ms, p.P99Ms/p.CeilingP99Ms, p.CeilingP99Ms)})
	}
	if t, ok := pollFilterTarget(rows, headline, audit); ok {
		out = append(out, t)
	}
	if baseline > 0 {
		for _, name := range []string{"check", "info"} {
			big, small := find(rows, baselineName(name, domains), headline), find(rows, baselineName(name, baseline), headline)
			if big == nil || small == nil || small.P99Ms == 0 {
				continue
			}
			out = append(out, targetCheck{fmt.Sprintf("%s p99 at %d domains within 20%% of its p99 at %d", name, domains, baseline),
				big.P99Ms <= small.P99Ms*1.2,
				fmt.Sprintf("%.2f ms vs %.2f ms (%+.0f%%)", big.P99Ms, small.P99Ms, (big.P99Ms/small.P99Ms-1)*100)})
		}
	}
	var peak float64
	var at string
	for _, r := range rows {
		if !strings.HasPrefix(r.Name, "ceiling_") && !strings.HasPrefix(r.Name, sqlitePrefix) && r.detail.ServerPeakRSS > peak {
			peak, at = r.detail.ServerPeakRSS, fmt.Sprintf("%s at %d clients", r.Name, r.Concurrency)
		}
	}
	out = append(out, targetCheck{fmt.Sprintf("registryd peak RSS < 150 MiB at %d domains (target: at 1M)", domains), peak > 0 && peak < 150,
		fmt.Sprintf("%.1f MiB (%s)", peak, at)})
	return out
}

// writeResults writes latest.json (the shape) and the detail file.
func writeResults(path string, machine map[string]any, rows []*resultRow, targets []targetCheck, extra map[string]any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if rows == nil {
		rows = []*resultRow{} // a run of maintenance_pass alone: still an array
	}
	if targets == nil {
		targets = []targetCheck{}
	}
	main := struct {
		Machine map[string]any `json:"machine"`
		Results []*resultRow   `json:"results"`
	}{machine, shownRows(rows)}
	if err := writeJSONFile(path, main); err != nil {
		return err
	}
	details := make([]detailRow, 0, len(rows))
	for _, r := range rows {
		if r.variantOf != "" {
			continue
		}
		details = append(details, r.detail)
		details = append(details, variantRows(r.detail)...)
	}
	detail := map[string]any{"machine": machine, "targets": targets, "results": details}
	for k, v := range extra {
		detail[k] = v
	}
	return writeJSONFile(strings.TrimSuffix(path, ".json")+".detail.json", detail)
}

// variantRows are the rows of d's variants (poll's filters), each named
// scenario/variant, beside the row of the whole scenario: their latencies
// and their share of its throughput, compared with the same ceiling.
func variantRows(d detailRow) []detailRow {
	names := make([]string, 0, len(d.Variants))
	for v := range d.Variants {
		names = append(names, v)
	}
	sort.Strings(names)
	out := make([]detailRow, 0, len(names))
	for _, v := range names {
		s := d.Variants[v]
		row := detailRow{
			Name: d.Name + "/" + v, Concurrency: d.Concurrency, Phase: d.Phase, Ceiling: d.Ceiling, Domains: d.Domains,
			AuditRows: d.AuditRows, Ops: int64(s.Ops), ElapsedS: d.ElapsedS, P50Ms: s.P50Ms, P99Ms: s.P99Ms,
			P999Ms: s.P999Ms, MaxMs: s.MaxMs, LoadAvgAtStart: d.LoadAvgAtStart,
			CeilingOpsPerS: d.CeilingOpsPerS, CeilingP99Ms: d.CeilingP99Ms,
		}
		if v == "error" {
			row.Errors = int64(s.Ops)
		}
		if d.ElapsedS > 0 {
			row.OpsPerS = round(float64(s.Ops)/d.ElapsedS, 1)
		}
		if d.CeilingOpsPerS > 0 {
			row.RatioToCeiling = round(row.OpsPerS/d.CeilingOpsPerS, 3)
		}
		if d.CeilingP99Ms > 0 {
			row.P99ToCeilingP99 = round(s.P99Ms/d.CeilingP99Ms, 3)
		}
		out = append(out, row)
	}
	return out
}

func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// shownRows are the rows of latest.json and of the table: all but the
// bracketing ceilings (detail file only).
func shownRows(rows []*resultRow) []*resultRow {
	shown := make([]*resultRow, 0, len(rows))
	for _, r := range rows {
		if !r.detailOnly {
			shown = append(shown, r)
		}
	}
	return shown
}

// printTable writes the results as an aligned table and the targets.
func printTable(w io.Writer, rows []*resultRow, targets []targetCheck) {
	sorted := shownRows(rows)
	order := map[string]int{}
	for i, n := range append([]string{"ceiling_read", "ceiling_write", multiCeiling}, scenarioOrder...) {
		order[n] = i
	}
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.Concurrency != b.Concurrency {
			return a.Concurrency < b.Concurrency
		}
		oa, okA := order[a.Name]
		ob, okB := order[b.Name]
		if !okA {
			oa = 100
		}
		if !okB {
			ob = 100
		}
		return oa < ob
	})
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tclients\tops/s\tp50 ms\tp99 ms\tp99.9 ms\terrors\tceiling ops/s\tceiling p99\tratio\tp99/ceil\tCPU ms/op srv\tdb\tredis\tloader\tpeak RSS MiB\t")
	for _, r := range sorted {
		d := r.detail
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.3f\t%.3f\t%.3f\t%.3f\t%.1f\t\n", r.Name, r.Concurrency, r.OpsPerS,
			r.P50Ms, r.P99Ms, r.P999Ms, r.Errors, r.CeilingOpsPerS, r.CeilingP99Ms, r.RatioToCeiling, d.P99ToCeilingP99,
			d.ServerCPUPerOp, d.DBCPUPerOp, d.RedisCPUPerOp, d.LoaderCPUPerOp, d.ServerPeakRSS)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	for _, t := range targets {
		mark := "MISSED"
		if t.Met {
			mark = "met   "
		}
		fmt.Fprintf(w, "%s  %s: %s\n", mark, t.Target, t.Actual)
	}
}
