package main

import (
	"fmt"
	"strings"
)

// pollFilterTimes is issue 16's goal for every poll filter: its p99 at most
// this many times the read ceiling's p99.
const pollFilterTimes = 3.0

// pollFilterRows are the rows of latest.json for each of poll's filters at
// the headline client count, named poll/<filter> as in the detail file:
// the filter's share of poll's throughput and its own percentiles, beside
// the read ceiling of the same client count. Their detail rows are already
// among poll's variant rows, so the detail file does not repeat them.
func pollFilterRows(rows []*resultRow, headline int) []*resultRow {
	p := find(rows, "poll", headline)
	if p == nil {
		return nil
	}
	var out []*resultRow
	for _, d := range variantRows(p.detail) {
		out = append(out, &resultRow{
			Name: d.Name, Concurrency: d.Concurrency, OpsPerS: d.OpsPerS, P50Ms: d.P50Ms, P99Ms: d.P99Ms, P999Ms: d.P999Ms,
			Errors: d.Errors, CeilingOpsPerS: d.CeilingOpsPerS, CeilingP99Ms: d.CeilingP99Ms, RatioToCeiling: d.RatioToCeiling,
			ceilingKind: p.ceilingKind, detail: d, variantOf: p.Name,
		})
	}
	return out
}

// pollFilterTarget is issue 16's goal for poll: every filter's p99 at most
// pollFilterTimes the read ceiling's p99 at the headline client count (the
// goal is set at 1M audit rows).
func pollFilterTarget(rows []*resultRow, headline int, audit int64) (targetCheck, bool) {
	t := fmt.Sprintf("every poll filter at %d clients, %d audit rows: p99 ≤ %.0fx the read ceiling's p99 (target: at 1M)", headline, audit, pollFilterTimes)
	var worst *resultRow
	met, n := true, 0
	for _, r := range rows {
		if !strings.HasPrefix(r.Name, "poll/") || r.Concurrency != headline {
			continue
		}
		n++
		if r.CeilingP99Ms == 0 || r.Errors > 0 || r.P99Ms > pollFilterTimes*r.CeilingP99Ms {
			met = false
		}
		if worst == nil || r.P99Ms > worst.P99Ms {
			worst = r
		}
	}
	if n == 0 {
		return targetCheck{}, false
	}
	actual := fmt.Sprintf("%d filters; slowest %s p99 %.2f ms = %.2fx %.2f ms", n, strings.TrimPrefix(worst.Name, "poll/"), worst.P99Ms,
		worst.P99Ms/worst.CeilingP99Ms, worst.CeilingP99Ms)
	return targetCheck{t, met, actual}, true
}
