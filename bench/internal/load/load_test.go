package load

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func ms(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestPercentileIsNearestRank(t *testing.T) {
	// 1..1000 ms shuffled: p50 is the 500th, p99 the 990th, p99.9 the 999th.
	var s []time.Duration
	for i := 1000; i >= 1; i-- {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	sum := Summarize(s)
	want := Summary{Count: 1000, Mean: 500500 * time.Microsecond, P50: 500 * time.Millisecond, P99: 990 * time.Millisecond,
		P999: 999 * time.Millisecond, Max: 1000 * time.Millisecond}
	if sum != want {
		t.Fatalf("Summarize = %+v, want %+v", sum, want)
	}
	cases := []struct {
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{ms(7), 0.5, 7 * time.Millisecond},
		{ms(1, 2), 0.5, time.Millisecond},
		{ms(1, 2), 0.99, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 0.75, 3 * time.Millisecond},
		{nil, 0.5, 0},
	}
	for _, c := range cases {
		if got := Percentile(c.samples, c.p); got != c.want {
			t.Errorf("Percentile(%v, %v) = %v, want %v", c.samples, c.p, got, c.want)
		}
	}
	if (Summarize(nil) != Summary{}) {
		t.Error("Summarize(nil) is not zero")
	}
	if got := Millis(1234567 * time.Nanosecond); got != 1.235 {
		t.Errorf("Millis = %v", got)
	}
}

func TestParseProc(t *testing.T) {
	// A command name with spaces and parentheses must not shift the fields.
	stat := []byte("4242 (reg (istry) d) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 12 0 100 1000000 2000 18446744073709551615")
	status := []byte("Name:\tregistryd\nVmPeak:\t  900000 kB\nVmHWM:\t   65536 kB\nVmRSS:\t   32768 kB\nThreads:\t12\n")
	ps, err := parseProc(stat, status, 100)
	if err != nil {
		t.Fatal(err)
	}
	if ps.CPUSeconds != 3.25 || ps.PeakRSS != 64<<20 || ps.RSS != 32<<20 {
		t.Fatalf("parseProc = %+v", ps)
	}
	if _, err := parseProc([]byte("1 (x) S 1"), status, 100); err == nil {
		t.Error("short stat parsed")
	}
	if _, err := parseProc(stat, []byte("Name:\tx\n"), 100); err == nil {
		t.Error("status without VmHWM parsed")
	}
}

func TestReadProcOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	ps, err := ReadProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if ps.PeakRSS < ps.RSS || ps.RSS <= 0 || ps.CPUSeconds < 0 {
		t.Fatalf("ReadProc = %+v", ps)
	}
	if err := ResetPeakRSS(os.Getpid()); err != nil {
		t.Logf("ResetPeakRSS: %v (needs Linux ≥ 4.0 and write access)", err)
	}
}

func TestRunFixedOpsCountsEveryOperationAndError(t *testing.T) {
	var hits atomic.Int64
	conns := map[string]bool{}
	var mu sync.Mutex
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conns[r.RemoteAddr] = true
		mu.Unlock()
		if hits.Add(1)%10 == 0 {
			http.Error(w, "nope", http.StatusConflict)
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	srv.Start()
	defer srv.Close()

	measured := false
	res := Run(context.Background(), Config{Concurrency: 4, Ops: 200, OnMeasure: func() { measured = true }},
		func(ctx context.Context, w *Worker) (string, error) {
			b, err := w.Expect(ctx, 200, "GET", srv.URL+"/x", nil, "Authorization", "Bearer t")
			if err == nil && string(b) != `{"ok":true}` {
				return "", errors.New("wrong body")
			}
			return map[bool]string{true: "even", false: "odd"}[w.Seq%2 == 0], err
		})
	if !measured {
		t.Error("OnMeasure did not run")
	}
	if res.Ops != 200 || hits.Load() != 200 {
		t.Fatalf("measured %d operations, server saw %d, want 200", res.Ops, hits.Load())
	}
	if res.Errors != 20 || len(res.ErrorKinds) != 1 {
		t.Fatalf("errors %d %v, want 20 of one kind", res.Errors, res.ErrorKinds)
	}
	for k := range res.ErrorKinds {
		if !strings.HasPrefix(k, "HTTP 409: nope") {
			t.Errorf("error kind %q", k)
		}
	}
	if res.Variants["error"].Count != 20 || res.Variants["even"].Count+res.Variants["odd"].Count != 180 {
		t.Errorf("variants %+v", res.Variants)
	}
	if got := res.OpsPerSec(); got <= 0 || res.Elapsed <= 0 {
		t.Errorf("OpsPerSec %v over %v", got, res.Elapsed)
	}
	if len(conns) > 4 {
		t.Errorf("%d connections for 4 keep-alive clients", len(conns))
	}
	if top := TopErrors(res.ErrorKinds, 3); len(top) != 1 || !strings.HasPrefix(top[0], "20× HTTP 409") {
		t.Errorf("TopErrors = %q", top)
	}
}

func TestRunForADurationAfterWarmup(t *testing.T) {
	var calls atomic.Int64
	start := time.Now()
	var measureAt time.Time
	res := Run(context.Background(), Config{Concurrency: 2, Duration: 150 * time.Millisecond, Warmup: 50 * time.Millisecond,
		OnMeasure: func() { measureAt = time.Now() }},
		func(ctx context.Context, w *Worker) (string, error) {
			calls.Add(1)
			select {
			case <-time.After(time.Millisecond):
			case <-ctx.Done():
			}
			return "", nil
		})
	if d := measureAt.Sub(start); d < 50*time.Millisecond {
		t.Errorf("measurement began %v after the start, before the warm-up ended", d)
	}
	if res.Ops == 0 || res.Ops >= calls.Load() {
		t.Errorf("%d measured of %d calls: the warm-up must run unmeasured", res.Ops, calls.Load())
	}
	if res.Elapsed < 150*time.Millisecond || res.Elapsed > time.Second {
		t.Errorf("elapsed %v for a 150ms measurement", res.Elapsed)
	}
	if res.Latency.P50 < time.Millisecond {
		t.Errorf("p50 %v below the 1ms each operation takes", res.Latency.P50)
	}
}

func TestMergeSummarizesRunsAsOne(t *testing.T) {
	ms := func(ds ...int) []time.Duration {
		out := make([]time.Duration, len(ds))
		for i, d := range ds {
			out[i] = time.Duration(d) * time.Millisecond
		}
		return out
	}
	a := Result{Concurrency: 16, Ops: 3, Errors: 1, Elapsed: time.Second, ErrorKinds: map[string]int64{"HTTP 500": 1},
		Samples: ms(1, 2, 9), Variants: map[string]Summary{"x": {Count: 3}}}
	b := Result{Concurrency: 16, Ops: 2, Elapsed: 3 * time.Second, ErrorKinds: map[string]int64{}, Samples: ms(3, 4)}
	m := Merge(a, b)
	if m.Concurrency != 16 || m.Ops != 5 || m.Errors != 1 || m.Elapsed != 4*time.Second {
		t.Fatalf("merged %+v", m)
	}
	if got := m.OpsPerSec(); got != 1 {
		t.Errorf("OpsPerSec %v, want 4 successes over 4s", got)
	}
	if m.Latency.Count != 5 || m.Latency.P50 != 3*time.Millisecond || m.Latency.Max != 9*time.Millisecond {
		t.Errorf("latency %+v: want the five samples summarized together", m.Latency)
	}
	if m.ErrorKinds["HTTP 500"] != 1 || len(m.Variants) != 0 {
		t.Errorf("error kinds %v, variants %v", m.ErrorKinds, m.Variants)
	}
	if a.Samples[0] != time.Millisecond || len(a.Samples) != 3 {
		t.Errorf("Merge changed its input: %v", a.Samples)
	}
}
