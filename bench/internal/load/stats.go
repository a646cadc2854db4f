package load

import (
	"math"
	"slices"
	"time"
)

// Summary describes a set of latency samples. Percentiles use the
// nearest-rank method over every sample (no bucketing), so p99.9 of 10,000
// samples is the 9,990th smallest.
type Summary struct {
	Count int
	Mean  time.Duration
	P50   time.Duration
	P99   time.Duration
	P999  time.Duration
	Max   time.Duration
}

// Summarize sorts samples in place and summarizes them. An empty slice gives
// the zero Summary.
func Summarize(samples []time.Duration) Summary {
	n := len(samples)
	if n == 0 {
		return Summary{}
	}
	slices.Sort(samples)
	var total time.Duration
	for _, s := range samples {
		total += s
	}
	return Summary{
		Count: n,
		Mean:  total / time.Duration(n),
		P50:   Percentile(samples, 0.50),
		P99:   Percentile(samples, 0.99),
		P999:  Percentile(samples, 0.999),
		Max:   samples[n-1],
	}
}

// Percentile returns the nearest-rank p-quantile (0 < p ≤ 1) of sorted
// samples: the smallest sample such that at least p of all samples are at
// most it.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p * float64(n)))
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	return sorted[rank-1]
}

// Millis converts d to fractional milliseconds rounded to microseconds.
func Millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}
