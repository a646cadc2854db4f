package core

import (
	"sort"
	"strings"
	"testing"
	"time"
)

func TestSummarizeRedacts(t *testing.T) {
	in := map[string]any{
		"domain": "alice.defiwallet",
		"registrant": map[string]any{"name": "Alice", "email": "alice@example.com", "phone": "+1.5555551234",
			"note": "reach me at bob@example.org"},
		"token":       "hd_live_secret",
		"auth_code":   "xyz",
		"nameservers": []string{"ns1.example.com"},
		"contacts":    []any{"+1.5555551234"},
	}
	out := Summarize(in)
	flat := strings.ToLower(stringify(out))
	for _, leak := range []string{"alice@example.com", "5555551234", "hd_live_secret", "xyz", "bob@example.org"} {
		if strings.Contains(flat, leak) {
			t.Errorf("summary leaks %q: %s", leak, flat)
		}
	}
	if !strings.Contains(flat, "alice.defiwallet") || !strings.Contains(flat, "ns1.example.com") {
		t.Errorf("summary lost safe data: %s", flat)
	}
	if s := RegistrantSummary(Registrant{Name: "A", Email: "a@b.c", Phone: "+1.555"}); s["email"] != nil || s["phone"] != nil {
		t.Errorf("registrant summary leaks contact data: %v", s)
	}
}

func stringify(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			b.WriteString(k + "=" + stringify(x[k]) + ";")
		}
		return b.String()
	case []any:
		var b strings.Builder
		for _, e := range x {
			b.WriteString(stringify(e) + ",")
		}
		return b.String()
	case string:
		return x
	default:
		return ""
	}
}

func TestFingerprint(t *testing.T) {
	type p struct {
		Years int
		NS    []string
	}
	a := Fingerprint(CmdCreateDomain, "alice.defiwallet", false, p{1, []string{"a"}})
	if a != Fingerprint(CmdCreateDomain, "ALICE.defiwallet", false, p{1, []string{"a"}}) {
		t.Error("fingerprint must not depend on domain case")
	}
	for name, other := range map[string]string{
		"command": Fingerprint(CmdRenewDomain, "alice.defiwallet", false, p{1, []string{"a"}}),
		"domain":  Fingerprint(CmdCreateDomain, "bob.defiwallet", false, p{1, []string{"a"}}),
		"mode":    Fingerprint(CmdCreateDomain, "alice.defiwallet", true, p{1, []string{"a"}}),
		"body":    Fingerprint(CmdCreateDomain, "alice.defiwallet", false, p{2, []string{"a"}}),
	} {
		if other == a {
			t.Errorf("fingerprint ignores the %s", name)
		}
	}
	rec := IdempotencyRecord{Key: "k", Command: string(CmdCreateDomain), Domain: "alice.defiwallet", Fingerprint: a}
	if rec.Matches(CmdCreateDomain, "alice.defiwallet", a) != nil {
		t.Error("same request must match")
	}
	if CodeOf(rec.Matches(CmdCreateDomain, "bob.defiwallet", a)) != CodeIdempotencyConflict {
		t.Error("other domain must conflict")
	}
}

func TestValidateIdempotencyKey(t *testing.T) {
	if CodeOf(ValidateIdempotencyKey("")) != CodeIdempotencyKeyRequired {
		t.Error("empty key must be required")
	}
	if CodeOf(ValidateIdempotencyKey("has space")) != CodeValidation {
		t.Error("spaces are refused")
	}
	if CodeOf(ValidateIdempotencyKey(strings.Repeat("k", 256))) != CodeValidation {
		t.Error("256 characters are refused")
	}
	if ValidateIdempotencyKey("ns-001") != nil {
		t.Error("ns-001 is a fine key")
	}
}

func TestIDsAreUniqueAndOrdered(t *testing.T) {
	g := NewIDs()
	prev := ""
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		id := g.NewID("aud")
		if !strings.HasPrefix(id, "aud_") || len(id) != 30 {
			t.Fatalf("bad id %q", id)
		}
		if seen[id] || id <= prev {
			t.Fatalf("id %q not unique and increasing after %q", id, prev)
		}
		seen[id] = true
		prev = id
	}
}

func TestIDFloorBoundsLaterIDs(t *testing.T) {
	g := NewIDs()
	before := time.Now().Add(-time.Millisecond)
	id := g.NewID("aud")
	if !(id > IDFloor("aud", before)) {
		t.Fatalf("%s is not above the floor of an earlier instant %s", id, IDFloor("aud", before))
	}
	if !(IDFloor("aud", time.Now().Add(time.Hour)) > id) {
		t.Fatal("the floor of a later instant must be above an id made now")
	}
}
