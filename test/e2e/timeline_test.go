package e2e

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/headlessdomains/registry/test/pgtest"
)

// The registration lifecycle through time (RFC 3915), run by the real
// registryd's maintenance loop on a namespace whose periods are seconds:
// auto-renew with its debit, expiry when the partner cannot pay, deletion
// after the auto-renew grace, redemption, restore (with the renewal when
// the expiry has passed), pending delete and purge, each change audited once
// in the sponsor's /poll as the registry's; refunds for deletes in add,
// renew and auto-renew grace. On SQLite with one node, and on PostgreSQL
// with two nodes sharing the database (each change still made once).

// shortPolicy is the namespace policy of the timeline, in seconds.
var shortPolicy = map[string]any{
	"add_grace_period_seconds": 2, "renew_grace_period_seconds": 4, "auto_renew_grace_period_seconds": 3,
	"redemption_period_seconds": 3, "pending_delete_period_seconds": 2, "auto_renew": true,
	"restore_price_gems": 5,
}

func TestLifecycleThroughTime(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		db := "REGISTRY_DATABASE_URL=sqlite:" + t.TempDir() + "/registry.db"
		s := start(t, db, "REGISTRY_MAINTENANCE_INTERVAL=150ms", "REGISTRY_APPLY_WORKER=1")
		timeline(t, s, s, true)
	})
	t.Run("postgres_two_nodes", func(t *testing.T) {
		db := "REGISTRY_DATABASE_URL=" + pgtest.NewDatabase(t, "test_e2e_timeline")
		a := start(t, db, "REGISTRY_MAINTENANCE_INTERVAL=150ms", "REGISTRY_APPLY_WORKER=1")
		b := start(t, db, "REGISTRY_MAINTENANCE_INTERVAL=150ms", "REGISTRY_APPLY_WORKER=1", "REGISTRY_MIGRATE_ON_START=0")
		timeline(t, a, b, false)
	})
}

// registrar is one admitted channel and its key.
type registrar struct {
	s         *server
	channelID string
	partnerID string
	token     string
	keys      int
}

func (r *registrar) key() string {
	r.keys++
	return fmt.Sprintf("k%d", r.keys)
}

// do sends a mutating registrar command with a fresh idempotency key.
func (r *registrar) do(method, path string, body any) response {
	return r.s.do(method, reg+path, r.token, body, "Idempotency-Key", r.key())
}

func (r *registrar) info(name string) map[string]any {
	return r.s.must(200, r.s.do("GET", reg+"/domains/"+name, r.token, nil))
}

func (r *registrar) balance() float64 {
	st := r.s.must(200, r.s.do("GET", reg+"/status", r.token, nil))
	return st["partner"].(map[string]any)["gems_balance"].(float64)
}

// events answers the channel's /poll events of one domain and command.
func (r *registrar) events(name, command string) []any {
	q := url.Values{"domain": {name}, "command": {command}, "limit": {"500"}}
	return r.s.must(200, r.s.do("GET", reg+"/poll?"+q.Encode(), r.token, nil))["events"].([]any)
}

// waitFor polls cond until it holds, for at most 30 s (an observable
// condition with a bound, never a fixed sleep).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitChange waits until the registry made change on name, then checks it
// made it exactly once, as actor registry.
func (r *registrar) waitChange(t *testing.T, name, change string) map[string]any {
	t.Helper()
	waitFor(t, change+" of "+name, func() bool { return len(r.events(name, change)) > 0 })
	evs := r.events(name, change)
	if len(evs) != 1 {
		t.Fatalf("%s of %s made %d times", change, name, len(evs))
	}
	ev := evs[0].(map[string]any)
	if actor := ev["actor"]; actor != "registry" {
		t.Fatalf("%s of %s by %v, want the registry", change, name, actor)
	}
	return ev
}

func statuses(info map[string]any) []string {
	var out []string
	for _, s := range info["statuses"].([]any) {
		out = append(out, s.(string))
	}
	return out
}

func timeline(t *testing.T, s1, s2 *server, dnsChecks bool) {
	const ns = "timeline"
	body := map[string]any{"name": ns, "dns_backend": "memory", "create_price_gems": 10, "renew_price_gems": 8}
	for k, v := range shortPolicy {
		body[k] = v
	}
	created := s1.must(201, s1.do("POST", admin+"/namespaces", operatorToken, body))
	if created["redemption_period_seconds"] != float64(3) || created["restore_price_gems"] != float64(5) {
		t.Fatalf("namespace policy not answered: %v", created)
	}
	newRegistrar := func(s *server, slug string, gems int) *registrar {
		p := s.must(201, s.do("POST", admin+"/partners", operatorToken, map[string]any{"name": slug, "gems_balance": gems, "dns_module_enabled": true}))
		ch := s.must(201, s.do("POST", admin+"/registrar-channels", operatorToken, map[string]any{"partner_id": p["id"], "slug": slug, "rate_limit_per_minute": 100000}))
		id := ch["id"].(string)
		s.must(200, s.do("POST", admin+"/registrar-channels/"+id+"/approve", operatorToken, nil))
		s.must(201, s.do("POST", admin+"/registrar-channels/"+id+"/namespace-listings", operatorToken, map[string]any{"namespace": ns}))
		s.must(200, s.do("POST", admin+"/registrar-channels/"+id+"/namespace-listings/"+ns+"/approve", operatorToken, nil))
		s.must(200, s.do("POST", admin+"/registrar-channels/"+id+"/production-approval", operatorToken, map[string]any{"force": true}))
		k := s.must(201, s.do("POST", admin+"/api-keys", operatorToken, map[string]any{"partner_id": p["id"], "registrar_channel_id": id, "profile": "registrar_api"}))
		return &registrar{s: s, channelID: id, partnerID: p["id"].(string), token: k["token"].(string)}
	}
	rich := newRegistrar(s1, "rich", 1000)
	poor := newRegistrar(s2, "poor", 0)
	importSoon := func(r *registrar, label string) string {
		name := label + "." + ns
		r.s.must(201, r.s.do("POST", admin+"/domains/import", operatorToken, map[string]any{"domain": name,
			"registrar_channel_id": r.channelID, "expires_at": time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano),
			"registrant": registrant()}))
		return name
	}

	// Refund in add grace: a delete frees the name at once and refunds the create.
	before := rich.balance()
	rich.s.must(201, rich.do("POST", "/domains", map[string]any{"domain": "quick." + ns, "registrant": registrant()}))
	del := rich.s.must(200, rich.do("DELETE", "/domains/quick."+ns, nil))
	if del["freed"] != true || rich.balance() != before {
		t.Fatalf("add grace delete: %v, balance %v want %v", del, rich.balance(), before)
	}

	// Auto-renew: the partner pays, the expiry moves a year, autoRenewPeriod shows.
	auto := importSoon(rich, "auto")
	before = rich.balance()
	exp := rich.info(auto)["expires_at"].(string)
	rich.waitChange(t, auto, "auto_renew_domain")
	info := rich.info(auto)
	if info["expires_at"] == exp || !slices.Contains(statuses(info), "autoRenewPeriod") || rich.balance() != before-8 {
		t.Fatalf("after auto-renew: %v balance %v (was %v)", info, rich.balance(), before)
	}
	// Refund in auto-renew grace: a delete gives the year back and enters redemption.
	del = rich.s.must(200, rich.do("DELETE", "/domains/"+auto, nil))
	if del["freed"] != false || del["refunded_gems"] != float64(8) || rich.balance() != before {
		t.Fatalf("auto-renew grace delete: %v balance %v", del, rich.balance())
	}
	if info = rich.info(auto); info["state"] != "redemption" || info["expires_at"] != exp {
		t.Fatalf("after the delete: %v", info)
	}

	// Refund in renew grace: past add grace, a renewal, then a delete.
	renewed := "renewed." + ns
	rich.s.must(201, rich.do("POST", "/domains", map[string]any{"domain": renewed, "registrant": registrant()}))
	rich.waitChange(t, renewed, "end_grace_period")
	info = rich.info(renewed)
	rich.s.must(200, rich.do("POST", "/domains/"+renewed+"/renew", map[string]any{"years": 1, "current_expires_at": info["expires_at"]}))
	before = rich.balance()
	del = rich.s.must(200, rich.do("DELETE", "/domains/"+renewed, nil))
	if del["refunded_gems"] != float64(8) || rich.balance() != before+8 {
		t.Fatalf("renew grace delete: %v balance %v (was %v)", del, rich.balance(), before)
	}

	// Expiry when the partner cannot pay, then deletion after the auto-renew grace.
	broke := importSoon(poor, "broke")
	oldExp := poor.info(broke)["expires_at"].(string)
	poor.waitChange(t, broke, "expire_domain")
	if info = poor.info(broke); info["state"] != "expired" || slices.Contains(statuses(info), "autoRenewPeriod") {
		t.Fatalf("expired: %v", info)
	}
	poor.waitChange(t, broke, "delete_expired_domain")
	if info = poor.info(broke); info["state"] != "redemption" {
		t.Fatalf("after the auto-renew grace: %v", info)
	}
	// Restore with the renewal: the restore price plus one year from the old expiry.
	r := poor.do("POST", "/domains/"+broke+"/restore", nil)
	if r.Status != 402 || r.Body["code"] != "insufficient_gems" {
		t.Fatalf("restore without Gems: %d %s", r.Status, r.Raw)
	}
	poor.s.must(200, poor.s.do("PATCH", admin+"/partners/"+poor.partnerID, operatorToken, map[string]any{"gems_balance": 100}))
	restored := poor.s.must(200, poor.do("POST", "/domains/"+broke+"/restore", map[string]any{"report": map[string]any{
		"reason": "registrant asked", "statements": []string{"The information is accurate."}}}))
	old, _ := time.Parse(time.RFC3339Nano, oldExp)
	if d := restored["domain"].(map[string]any); d["state"] != "active" || d["expires_at"] != old.AddDate(1, 0, 0).UTC().Format(time.RFC3339Nano) && d["expires_at"] != old.AddDate(1, 0, 0).UTC().Format(time.RFC3339) {
		t.Fatalf("restored: %v (old expiry %s)", d, oldExp)
	}
	if poor.balance() != 100-5-8 {
		t.Fatalf("restore debited to %v, want 87", poor.balance())
	}

	// A registration deleted into redemption runs out: pending delete, purge,
	// the name is free and starts with nothing at the DNS backend.
	gone := "gone." + ns
	rich.s.must(201, rich.do("POST", "/domains", map[string]any{"domain": gone, "registrant": registrant()}))
	if dnsChecks {
		rich.s.must(200, rich.do("PUT", "/domains/"+gone+"/records", map[string]any{"records": []any{
			map[string]any{"type": "A", "name": "@", "ttl": 300, "value": "192.0.2.1"}}}))
	}
	rich.waitChange(t, gone, "end_grace_period")
	rich.s.must(200, rich.do("DELETE", "/domains/"+gone, nil))
	rich.waitChange(t, gone, "redemption_ended")
	if info = rich.info(gone); info["state"] != "pending_delete" || slices.Contains(statuses(info), "redemptionPeriod") {
		t.Fatalf("pending delete: %v", info)
	}
	if r := rich.do("POST", "/domains/"+gone+"/restore", nil); r.Status != 409 || r.Body["code"] != "status_prohibits_operation" {
		t.Fatalf("restore after redemption: %d %s", r.Status, r.Raw)
	}
	rich.waitChange(t, gone, "purge_domain")
	if r := rich.s.do("GET", reg+"/domains/"+gone, rich.token, nil); r.Status != 404 {
		t.Fatalf("info after the purge: %d", r.Status)
	}
	check := rich.s.must(200, rich.s.do("POST", reg+"/domains/check", rich.token, map[string]any{"names": []string{gone}}))
	if res := check["results"].([]any)[0].(map[string]any); res["available"] != true {
		t.Fatalf("the purged name is not available: %v", res)
	}
	if dnsChecks {
		rich.s.must(201, rich.do("POST", "/domains", map[string]any{"domain": gone, "registrant": registrant()}))
		recs := rich.s.must(200, rich.s.do("GET", reg+"/domains/"+gone+"/records", rich.token, nil))
		if got := recs["records"].([]any); len(got) != 0 {
			t.Fatalf("a name registered again after its purge has records at the backend: %v", got)
		}
	}
	// Every change above was made once, however many nodes ran the loop.
	for name, changes := range map[string][]string{
		broke: {"expire_domain", "delete_expired_domain"},
		gone:  {"redemption_ended", "purge_domain"},
		auto:  {"auto_renew_domain"},
	} {
		owner := rich
		if name == broke {
			owner = poor
		}
		for _, c := range changes {
			if n := len(owner.events(name, c)); n != 1 {
				t.Fatalf("%s of %s audited %d times", c, name, n)
			}
		}
	}
}
