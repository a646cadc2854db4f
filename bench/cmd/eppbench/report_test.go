package main

import (
	"testing"
	"time"

	"github.com/headlessdomains/registry/bench/internal/load"
)

func TestFromResultPercentilesAndRate(t *testing.T) {
	// 1000 samples of 1..1000 ms, in reverse order (Summarize sorts them).
	samples := make([]time.Duration, 1000)
	for i := range samples {
		samples[len(samples)-1-i] = time.Duration(i+1) * time.Millisecond
	}
	r := load.Result{Concurrency: 16, Ops: 1000, Errors: 10, Elapsed: 2 * time.Second, Latency: load.Summarize(samples)}
	m := fromResult("epp_check", r)
	if m.P50Ms != 500 || m.P99Ms != 990 || m.P999Ms != 999 {
		t.Fatalf("p50/p99/p99.9 = %v/%v/%v ms, want 500/990/999", m.P50Ms, m.P99Ms, m.P999Ms)
	}
	if m.OpsPerSec != 495 { // (1000-10) successes over 2 s
		t.Fatalf("ops_per_s = %v, want 495", m.OpsPerSec)
	}
	if m.Errors != 10 || m.Concurrency != 16 {
		t.Fatalf("errors %d concurrency %d", m.Errors, m.Concurrency)
	}
}

func TestWithRatios(t *testing.T) {
	rows := withRatios([]measurement{
		{Name: restCheck, OpsPerSec: 2000, P50Ms: 4, P99Ms: 20, P999Ms: 40},
		{Name: eppCheck, OpsPerSec: 1000, P50Ms: 6, P99Ms: 30, P999Ms: 100},
		{Name: restCreate, OpsPerSec: 0},
		{Name: eppCreate, OpsPerSec: 150, P50Ms: 50},
	})
	if r := rows[0].RatioToREST; r == nil || *r != 1 || rows[0].LatencyRatioToREST != nil {
		t.Fatalf("REST row: ratio %v, latency ratios %v", r, rows[0].LatencyRatioToREST)
	}
	ep := rows[1]
	if ep.RatioToREST == nil || *ep.RatioToREST != 0.5 {
		t.Fatalf("epp_check ops ratio %v, want 0.5", ep.RatioToREST)
	}
	for k, want := range map[string]float64{"p50": 1.5, "p99": 1.5, "p999": 2.5} {
		if got := ep.LatencyRatioToREST[k]; got == nil || *got != want {
			t.Errorf("epp_check %s ratio %v, want %v", k, got, want)
		}
	}
	if rows[3].RatioToREST != nil || rows[3].LatencyRatioToREST["p50"] != nil {
		t.Fatalf("a twin without successes must give no ratio, got %v", rows[3].RatioToREST)
	}
}

func TestTwin(t *testing.T) {
	if twin(eppCreate) != restCreate || twin(eppCheck) != restCheck || twin(restCheck) != "" {
		t.Fatal("twin names")
	}
}
