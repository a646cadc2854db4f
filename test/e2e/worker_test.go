package e2e

import (
	"testing"
	"time"
)

// TestApplyWorkerDelegates: with REGISTRY_APPLY_WORKER=1 a nameserver update
// leaves the pending list and shows as applied without an operator.
func TestApplyWorkerDelegates(t *testing.T) {
	s := start(t, "REGISTRY_DATABASE_URL=memory:", "REGISTRY_APPLY_WORKER=1")
	_, _, key := admit(s, "worker", "defiwallet", true)
	s.must(201, s.do("POST", reg+"/domains", key, map[string]any{"domain": "ns.defiwallet", "registrant": registrant()}, "Idempotency-Key", "c"))
	s.must(200, s.do("PUT", reg+"/domains/ns.defiwallet/nameservers", key, map[string]any{"nameservers": []string{"ns1.example.net"}}, "Idempotency-Key", "n"))
	deadline := time.Now().Add(20 * time.Second)
	for {
		info := s.must(200, s.do("GET", reg+"/domains/ns.defiwallet", key, nil))
		ns := info["nameservers"].(map[string]any)
		if ns["apply_status"] == "applied" {
			if applied := ns["applied"].([]any); len(applied) != 1 || applied[0] != "ns1.example.net" {
				t.Fatalf("applied %v", applied)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker did not apply the delegation: %v", ns)
		}
		time.Sleep(100 * time.Millisecond) // polling an observable state with a deadline
	}
	pend := s.must(200, s.do("GET", reg+"/backend/pending", key, nil))
	if items := pend["items"].([]any); len(items) != 0 {
		t.Fatalf("pending after apply: %v", items)
	}
}
