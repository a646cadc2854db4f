package cluster

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// call is one registrar request the load sent and what became of it.
type call struct {
	Worker int
	Token  string
	Method string
	Path   string
	Body   map[string]any
	Key    string
	Kind   string // "create" or "renew"
	Domain string

	Start, End time.Time
	// Phase is the test's phase counter when the request was sent and when
	// its answer (or its failure) arrived.
	StartPhase, EndPhase int32

	Resp     response
	Err      error // no answer: the connection failed or the node died
	Answered bool
}

func (c *call) String() string {
	if c.Err != nil {
		return fmt.Sprintf("%s %s (key %s): no answer: %v", c.Method, c.Path, c.Key, c.Err)
	}
	return fmt.Sprintf("%s %s (key %s): %s", c.Method, c.Path, c.Key, c.Resp)
}

// succeeded reports a 201 create or 200 renew.
func (c *call) succeeded() bool {
	return c.Answered && (c.Kind == "create" && c.Resp.Status == 201 || c.Kind == "renew" && c.Resp.Status == 200)
}

// journal collects calls from many goroutines.
type journal struct {
	mu        sync.Mutex
	calls     []*call
	successes atomic.Int64
	answered  atomic.Int64
	phase     atomic.Int32
	notify    chan struct{} // receives (without blocking) after each answer
}

func newJournal() *journal { return &journal{notify: make(chan struct{}, 1)} }

// run sends c on n, records it, and returns it.
func (j *journal) run(ctx context.Context, n *node, c *call) *call {
	c.StartPhase = j.phase.Load()
	c.Start = time.Now()
	c.Resp, c.Err = n.send(ctx, c.Method, c.Path, c.Token, c.Body, "Idempotency-Key", c.Key)
	c.End = time.Now()
	c.EndPhase = j.phase.Load()
	c.Answered = c.Err == nil
	j.mu.Lock()
	j.calls = append(j.calls, c)
	j.mu.Unlock()
	if c.Answered {
		j.answered.Add(1)
	}
	if c.succeeded() {
		j.successes.Add(1)
	}
	select {
	case j.notify <- struct{}{}:
	default:
	}
	return c
}

// waitFor blocks until cond holds (checked after each recorded answer) or
// the timeout passes; it reports whether cond held.
func (j *journal) waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-j.notify:
		case <-deadline.C:
			return cond()
		}
	}
	return true
}

func (j *journal) snapshot() []*call {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]*call(nil), j.calls...)
}
