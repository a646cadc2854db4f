// Package load is the benchmark's load generator: a pool of keep-alive HTTP
// clients that runs one operation in a closed loop per client, for a fixed
// duration or a fixed number of operations, and summarizes every latency.
package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Op performs one operation as worker w. It returns a variant tag (a
// sub-kind of the operation, "" for none) for per-variant latencies, and
// an error when the answer was not the expected one.
type Op func(ctx context.Context, w *Worker) (variant string, err error)

// Config is one measurement.
type Config struct {
	// Concurrency is the number of clients, each running Op in a closed loop.
	Concurrency int
	// Duration is how long the measured phase lasts (when Ops is 0).
	Duration time.Duration
	// Ops, when positive, measures exactly this many operations instead.
	Ops int64
	// Warmup runs Op unmeasured for this long first (on fresh connections).
	Warmup time.Duration
	// OnMeasure, when set, runs once as the measured phase begins (to read
	// the server's CPU counters and reset its peak RSS).
	OnMeasure func()
	// Timeout bounds one operation.
	Timeout time.Duration
}

// Result is one measurement.
type Result struct {
	Concurrency int
	// Ops counts measured operations, errors included.
	Ops    int64
	Errors int64
	// Elapsed is the measured phase, from its start to the end of its last operation.
	Elapsed time.Duration
	// Latency summarizes every measured operation, errors included.
	Latency Summary
	// Variants summarizes the operations of each variant tag.
	Variants map[string]Summary
	// ErrorKinds counts errors by message (the first 120 bytes).
	ErrorKinds map[string]int64
	// Samples are every measured operation's latency, sorted (Merge
	// summarizes several runs from them).
	Samples []time.Duration
}

// OpsPerSec is the rate of successful operations.
func (r Result) OpsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops-r.Errors) / r.Elapsed.Seconds()
}

// Worker is one client of the pool.
type Worker struct {
	ID     int
	Client *http.Client
	Rand   *rand.Rand
	// Seq counts this worker's operations (warm-up included), from 0.
	Seq int64

	buf bytes.Buffer
}

// StatusError is an answer with an unexpected status.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string {
	b := e.Body
	if len(b) > 100 {
		b = b[:100]
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, b)
}

// Do sends one request and reads the whole answer into a buffer that stays
// valid until the worker's next Do. body may be nil; a non-nil body is sent
// as application/json. header holds extra key/value pairs.
func (w *Worker) Do(ctx context.Context, method, url string, body []byte, header ...string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := w.Client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	w.buf.Reset()
	if _, err := w.buf.ReadFrom(res.Body); err != nil {
		return res.StatusCode, nil, err
	}
	return res.StatusCode, w.buf.Bytes(), nil
}

// Expect is Do that fails with a *StatusError unless the status is want.
func (w *Worker) Expect(ctx context.Context, want int, method, url string, body []byte, header ...string) ([]byte, error) {
	status, b, err := w.Do(ctx, method, url, body, header...)
	if err != nil {
		return nil, err
	}
	if status != want {
		return nil, &StatusError{Status: status, Body: string(b)}
	}
	return b, nil
}

// NewClient returns an HTTP client whose transport keeps up to conns
// keep-alive connections to one host.
func NewClient(conns int, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		// A response's connection returns to the idle pool just after its
		// body is read; without this cap a worker that is quicker than that
		// hand-back dials an extra connection.
		MaxConnsPerHost:    conns,
		IdleConnTimeout:    90 * time.Second,
		DisableCompression: true,
		ForceAttemptHTTP2:  false,
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}

type sample struct {
	d       time.Duration
	variant string
}

// Run measures op under cfg. Every worker shares one keep-alive transport
// sized to the concurrency. It returns early with what it has when ctx ends.
func Run(ctx context.Context, cfg Config, op Op) Result {
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	client := NewClient(cfg.Concurrency, cfg.Timeout)
	defer client.CloseIdleConnections()

	var (
		measuring atomic.Bool
		remaining atomic.Int64
		stop      atomic.Bool
	)
	remaining.Store(cfg.Ops)
	fixed := cfg.Ops > 0

	perWorker := make([][]sample, cfg.Concurrency)
	errKinds := make([]map[string]int64, cfg.Concurrency)
	lastEnd := make([]time.Time, cfg.Concurrency)
	var measureStart time.Time
	startOnce := sync.Once{}
	begin := func() {
		startOnce.Do(func() {
			measureStart = time.Now()
			if cfg.OnMeasure != nil {
				cfg.OnMeasure()
			}
			measuring.Store(true)
		})
	}

	if cfg.Warmup <= 0 {
		begin()
	}
	var wg sync.WaitGroup
	seed := uint64(time.Now().UnixNano())
	for i := 0; i < cfg.Concurrency; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			w := &Worker{ID: i, Client: client, Rand: rand.New(rand.NewPCG(seed, uint64(i)+1))}
			errKinds[i] = map[string]int64{}
			for !stop.Load() && ctx.Err() == nil {
				measured := measuring.Load()
				if measured && fixed && remaining.Add(-1) < 0 {
					return
				}
				octx, cancel := context.WithTimeout(ctx, cfg.Timeout)
				t0 := time.Now()
				variant, err := op(octx, w)
				t1 := time.Now()
				cancel()
				w.Seq++
				if !measured {
					continue
				}
				if err != nil {
					if ctx.Err() != nil && errors.Is(err, context.Canceled) {
						return
					}
					msg := err.Error()
					if len(msg) > 120 {
						msg = msg[:120]
					}
					errKinds[i][msg]++
					variant = "error"
				}
				perWorker[i] = append(perWorker[i], sample{t1.Sub(t0), variant})
				lastEnd[i] = t1
			}
		}(i)
	}

	if cfg.Warmup > 0 {
		select {
		case <-time.After(cfg.Warmup):
		case <-ctx.Done():
		}
		begin()
	}
	if !fixed {
		select {
		case <-time.After(cfg.Duration):
		case <-ctx.Done():
		}
		stop.Store(true)
	}
	wg.Wait()

	res := Result{Concurrency: cfg.Concurrency, Variants: map[string]Summary{}, ErrorKinds: map[string]int64{}}
	var all []time.Duration
	byVariant := map[string][]time.Duration{}
	end := measureStart
	for i, ss := range perWorker {
		for _, s := range ss {
			all = append(all, s.d)
			if s.variant != "" {
				byVariant[s.variant] = append(byVariant[s.variant], s.d)
			}
		}
		if lastEnd[i].After(end) {
			end = lastEnd[i]
		}
		for k, n := range errKinds[i] {
			res.ErrorKinds[k] += n
			res.Errors += n
		}
	}
	res.Ops = int64(len(all))
	res.Elapsed = end.Sub(measureStart)
	res.Latency = Summarize(all)
	res.Samples = all
	for v, ds := range byVariant {
		res.Variants[v] = Summarize(ds)
	}
	return res
}

// Merge is the runs rs taken as one measurement: their operations, errors
// and measured time added up, their latencies summarized together. The
// runs' variants are not merged (a run's own Variants stay with it).
func Merge(rs ...Result) Result {
	out := Result{Variants: map[string]Summary{}, ErrorKinds: map[string]int64{}}
	var all []time.Duration
	for _, r := range rs {
		out.Concurrency = max(out.Concurrency, r.Concurrency)
		out.Ops += r.Ops
		out.Errors += r.Errors
		out.Elapsed += r.Elapsed
		for k, n := range r.ErrorKinds {
			out.ErrorKinds[k] += n
		}
		all = append(all, r.Samples...)
	}
	out.Latency = Summarize(all)
	out.Samples = all
	return out
}

// TopErrors lists error kinds, most frequent first, as "count× message".
func TopErrors(kinds map[string]int64, n int) []string {
	type kv struct {
		k string
		v int64
	}
	var list []kv
	for k, v := range kinds {
		list = append(list, kv{k, v})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].v > list[j].v || list[i].v == list[j].v && list[i].k < list[j].k })
	var out []string
	for i, e := range list {
		if i == n {
			break
		}
		out = append(out, fmt.Sprintf("%d× %s", e.v, e.k))
	}
	return out
}
