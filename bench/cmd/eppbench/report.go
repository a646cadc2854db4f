package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/headlessdomains/registry/bench/internal/load"
)

// measurement is one row of the results.
type measurement struct {
	Name        string  `json:"name"`
	Concurrency int     `json:"concurrency"`
	Ops         int64   `json:"ops"`
	OpsPerSec   float64 `json:"ops_per_s"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	P999Ms      float64 `json:"p999_ms"`
	Errors      int64   `json:"errors"`
	// RatioToREST is ops_per_s over the REST twin's (1 for a REST row; null
	// when the twin did no successful operation).
	RatioToREST *float64 `json:"ratio_to_rest"`
	// LatencyRatioToREST is p50, p99 and p99.9 over the twin's.
	LatencyRatioToREST map[string]*float64 `json:"latency_ratio_to_rest,omitempty"`
	ErrorKinds         []string            `json:"error_kinds,omitempty"`
}

// report is the results file.
type report struct {
	Date     string         `json:"date"`
	Machine  map[string]any `json:"machine"`
	Duration string         `json:"duration"`
	Warmup   string         `json:"warmup"`
	Results  []measurement  `json:"results"`
}

// fromResult turns a load result into a row: successful operations per
// second, nearest-rank percentiles of every measured operation.
func fromResult(name string, r load.Result) measurement {
	return measurement{
		Name: name, Concurrency: r.Concurrency, Ops: r.Ops,
		OpsPerSec: round(r.OpsPerSec(), 1),
		P50Ms:     load.Millis(r.Latency.P50), P99Ms: load.Millis(r.Latency.P99), P999Ms: load.Millis(r.Latency.P999),
		Errors: r.Errors, ErrorKinds: load.TopErrors(r.ErrorKinds, 5),
	}
}

// twin is the REST measurement an EPP one compares with; "" for a REST one.
func twin(name string) string {
	if rest, ok := strings.CutPrefix(name, "epp_"); ok {
		return "rest_" + rest
	}
	return ""
}

// withRatios fills each row's ratios to its REST twin.
func withRatios(rows []measurement) []measurement {
	byName := map[string]measurement{}
	for _, m := range rows {
		byName[m.Name] = m
	}
	out := make([]measurement, len(rows))
	for i, m := range rows {
		t := twin(m.Name)
		if t == "" {
			one := 1.0
			m.RatioToREST = &one
			out[i] = m
			continue
		}
		if rest, ok := byName[t]; ok {
			m.RatioToREST = ratio(m.OpsPerSec, rest.OpsPerSec)
			m.LatencyRatioToREST = map[string]*float64{
				"p50": ratio(m.P50Ms, rest.P50Ms), "p99": ratio(m.P99Ms, rest.P99Ms), "p999": ratio(m.P999Ms, rest.P999Ms),
			}
		}
		out[i] = m
	}
	return out
}

// ratio is a/b to three decimals, nil when b is not positive.
func ratio(a, b float64) *float64 {
	if b <= 0 {
		return nil
	}
	r := round(a/b, 3)
	return &r
}

func round(x float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(x*p) / p
}

func fmtRatio(r *float64) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f×", *r)
}

// printTable prints the rows, each EPP row with its ratios to REST.
func printTable(w io.Writer, rows []measurement) {
	fmt.Fprintf(w, "\n%-12s %5s %10s %9s %9s %9s %7s %10s %10s %10s\n",
		"scenario", "conc", "ops/s", "p50 ms", "p99 ms", "p99.9 ms", "errors", "ops ratio", "p50 ratio", "p99 ratio")
	for _, m := range rows {
		p50, p99 := "", ""
		ops := ""
		if m.LatencyRatioToREST != nil {
			ops, p50, p99 = fmtRatio(m.RatioToREST), fmtRatio(m.LatencyRatioToREST["p50"]), fmtRatio(m.LatencyRatioToREST["p99"])
		}
		fmt.Fprintf(w, "%-12s %5d %10.1f %9.2f %9.2f %9.2f %7d %10s %10s %10s\n",
			m.Name, m.Concurrency, m.OpsPerSec, m.P50Ms, m.P99Ms, m.P999Ms, m.Errors, ops, p50, p99)
	}
	fmt.Fprintln(w)
}

func writeReport(path string, r report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// machineInfo describes where the numbers came from.
func machineInfo() map[string]any {
	m := map[string]any{
		"nproc":      runtime.NumCPU(),
		"go_version": runtime.Version(),
		"goos":       runtime.GOOS + "/" + runtime.GOARCH,
		"kernel":     readTrim("/proc/sys/kernel/osrelease"),
		"loadavg":    readTrim("/proc/loadavg"),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu_model"] = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		for _, line := range strings.Split(string(b), "\n") {
			if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
				m["memory_mib"] = kb / 1024
				break
			}
		}
	}
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		m["git_commit"] = strings.TrimSpace(string(out))
	}
	return m
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
