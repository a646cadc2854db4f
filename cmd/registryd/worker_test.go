package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// syncBuffer is a log sink the loop goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWorkerLoopAppliesQueuedWork seeds a registration with queued
// nameserver work and lets the loop apply it through the memory driver.
func TestWorkerLoopAppliesQueuedWork(t *testing.T) {
	st := memory.NewStore()
	mem := dns.NewMemoryBackend()
	svc := registry.NewService(st, memory.NewRateCounter(), dns.NewBackends(map[string]ports.DNSBackend{core.DNSBackendMemory: mem}),
		ports.ClockFunc(time.Now), core.NewIDs(), registry.Options{})
	now := time.Now().UTC().Truncate(time.Microsecond)
	name := core.MustName("alice.loopns")
	ns := []string{"ns1.example.net", "ns2.example.net"}
	err := st.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		if err := tx.Namespaces().Insert(ctx, core.Namespace{Name: "loopns", DNSBackend: core.DNSBackendMemory, CreatedAt: now}); err != nil {
			return err
		}
		d := core.Domain{ID: "dom_1", Name: name, ChannelID: "chn_1", PartnerID: "ptr_1", State: core.StateActive,
			Statuses: []string{}, NameserversDesired: ns, NameserversApplied: []string{}, ApplyStatus: core.ApplyPending,
			BackendKind: core.DNSBackendMemory, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.AddDate(1, 0, 0)}
		if err := tx.Domains().Insert(ctx, d); err != nil {
			return err
		}
		return tx.Pending().Insert(ctx, core.PendingItem{ID: "pnd_1", ChannelID: "chn_1", Command: string(core.CmdUpdateNameservers),
			Domain: name.String(), DomainID: d.ID, Payload: map[string]any{"nameservers": ns}, Status: core.PendingQueued,
			NextTryAt: now, CreatedAt: now, UpdatedAt: now})
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}

	var logs syncBuffer
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		workerLoop(ctx, svc, zerolog.New(&logs), 5*time.Millisecond)
	}()

	deadline := time.Now().Add(10 * time.Second)
	for !slices.Equal(mem.Delegation(name), ns) || !strings.Contains(logs.String(), `"result":"applied"`) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("the loop did not apply the work within 10s; delegation %v, logs:\n%s", mem.Delegation(name), logs.String())
		}
		time.Sleep(5 * time.Millisecond) // polling for an outcome, not synchronising
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the loop did not stop when its context ended")
	}

	var p core.PendingItem
	_ = st.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		p, err = tx.Pending().Get(ctx, "pnd_1")
		return err
	})
	if err != nil || p.Status != core.PendingApplied {
		t.Fatalf("item after the loop: %+v, %v", p, err)
	}
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(l, `"pending_id":"pnd_1"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	for k, want := range map[string]any{"domain": "alice.loopns", "command": "update_nameservers", "result": "applied", "backend": "memory"} {
		if line[k] != want {
			t.Fatalf("log line %v: %s = %v, want %v", line, k, line[k], want)
		}
	}
}

func TestStartWorkerStopsOnCall(t *testing.T) {
	svc := registry.NewService(memory.NewStore(), memory.NewRateCounter(), dns.NewDefaultBackends(),
		ports.ClockFunc(time.Now), core.NewIDs(), registry.Options{})
	stop := startWorker(t.Context(), svc, zerolog.Nop())
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("stop did not return")
	}
}

func TestJitterStaysSmall(t *testing.T) {
	for range 1000 {
		if j := jitter(time.Second); j < 0 || j >= workerJitter {
			t.Fatalf("jitter(1s) = %s", j)
		}
		if j := jitter(40 * time.Millisecond); j < 0 || j >= 10*time.Millisecond {
			t.Fatalf("jitter(40ms) = %s", j)
		}
	}
	if jitter(0) != 0 {
		t.Fatal("jitter(0) != 0")
	}
}
