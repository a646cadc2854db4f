package registry_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// gateHasher is the cheap Argon2id hasher with every Verify held at a gate,
// counting how many run at once.
type gateHasher struct {
	inner           ports.PasswordHasher
	gate            chan struct{}
	running, peak   atomic.Int64
	verifies, hashs atomic.Int64
}

func (g *gateHasher) Hash(pw string) (string, error) {
	g.hashs.Add(1)
	return g.inner.Hash(pw)
}

func (g *gateHasher) Verify(hash, pw string) (bool, error) {
	g.verifies.Add(1)
	n := g.running.Add(1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			break
		}
	}
	<-g.gate
	defer g.running.Add(-1)
	return g.inner.Verify(hash, pw)
}

func newGuardHarness(t *testing.T, hasher ports.PasswordHasher, opts registry.Options) *harness {
	t.Helper()
	h := newHarness(t)
	opts.Passwords = hasher
	h.svc = registry.NewService(h.store, memory.NewRateCounter(), dns.NewDefaultBackends(), h.clock, core.NewIDs(), opts)
	return h
}

// Logins with unknown and known slugs alike verify a hash, never more than
// MaxConcurrentHashes at once.
func TestLoginHashesAreBounded(t *testing.T) {
	g := &gateHasher{inner: cheapHasher, gate: make(chan struct{})}
	h := newGuardHarness(t, g, registry.Options{MaxConcurrentHashes: 3,
		LoginGuard: registry.LoginGuardOptions{FreeFailures: 1000, SourceLockout: 1000, ClientLockout: 1000}})
	w := h.registrar(worldSpec{})
	if _, err := h.svc.SetEPPPassword(h.ctx, w.Channel.ID, "foo-BAR2"); err != nil {
		t.Fatal(err)
	}
	const logins = 12
	var wg sync.WaitGroup
	errs := make(chan error, logins)
	for i := range logins {
		clID := "no-such-registrar"
		if i%2 == 0 {
			clID = w.Channel.Slug
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.svc.EPPLogin(h.ctx, core.EPPLogin{ClID: clID, Password: "wrong-pw", Source: "192.0.2.1"})
			errs <- err
		}()
	}
	// Let the verifications through one at a time once three are waiting at the gate.
	deadline := time.After(30 * time.Second)
	for released := 0; released < logins; released++ {
		for g.running.Load() < min(3, int64(logins-released)) {
			select {
			case <-deadline:
				t.Fatalf("only %d verifications running after %d released", g.running.Load(), released)
			default:
				time.Sleep(time.Millisecond) // poll the counter; bounded by the deadline above
			}
		}
		g.gate <- struct{}{}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if core.CodeOf(err) != core.CodeAuthenticationFailed {
			t.Fatalf("login: %v", err)
		}
	}
	if p := g.peak.Load(); p != 3 {
		t.Fatalf("peak concurrent verifications %d, want 3", p)
	}
	if v := g.verifies.Load(); v != logins {
		t.Fatalf("%d verifications for %d logins: unknown slugs must verify a dummy hash too", v, logins)
	}
}

// Failures count per channel across calls (a connection each, as far as the
// core knows), are held back once past the free ones, and lock the channel
// out: then even the right password is refused, with ErrLoginLockedOut,
// until the lock-out ends. The lock-out is audited once.
func TestLoginLockoutPerChannel(t *testing.T) {
	h := newGuardHarness(t, cheapHasher, registry.Options{LoginGuard: registry.LoginGuardOptions{
		FreeFailures: 2, BaseDelay: 20 * time.Millisecond, MaxDelay: 40 * time.Millisecond, ClientLockout: 5,
		SourceLockout: 1000, LockoutDuration: time.Hour}})
	w := h.registrar(worldSpec{})
	if _, err := h.svc.SetEPPPassword(h.ctx, w.Channel.ID, "foo-BAR2"); err != nil {
		t.Fatal(err)
	}
	login := func(pw, source string) (time.Duration, error) {
		start := time.Now()
		_, err := h.svc.EPPLogin(h.ctx, core.EPPLogin{ClID: w.Channel.Slug, Password: pw, Source: source})
		return time.Since(start), err
	}
	// Failures 1 and 2 are free, 3 and 4 wait 20 and 40 ms (lower bounds only).
	wantWait := []time.Duration{0, 0, 20 * time.Millisecond, 40 * time.Millisecond}
	for i, want := range wantWait {
		took, err := login("wrong-pw", "198.51.100.7")
		if core.CodeOf(err) != core.CodeAuthenticationFailed || errors.Is(err, core.ErrLoginLockedOut) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
		if took < want {
			t.Fatalf("failure %d answered after %s, want at least %s", i+1, took, want)
		}
	}
	// The 5th, from another address, locks the channel.
	if _, err := login("wrong-pw", "203.0.113.9"); !errors.Is(err, core.ErrLoginLockedOut) ||
		core.CodeOf(err) != core.CodeAuthenticationFailed {
		t.Fatalf("5th failure: %v", err)
	}
	if _, err := login("foo-BAR2", "203.0.113.10"); !errors.Is(err, core.ErrLoginLockedOut) {
		t.Fatalf("the right password while locked out: %v", err)
	}
	var rows []core.AuditEvent
	for _, ev := range h.audit(w.Channel.ID) {
		if ev.Command == "epp_login_lockout" {
			rows = append(rows, ev)
		}
	}
	if len(rows) != 1 || rows[0].Actor != "registry" || rows[0].Status != core.AuditFailed ||
		rows[0].RequestSummary["scope"] != "registrar_channel" || rows[0].ChannelSlug != w.Channel.Slug {
		t.Fatalf("lock-out audit rows: %+v", rows)
	}
	for _, part := range []map[string]any{rows[0].RequestSummary, rows[0].ResponseSummary} {
		for k, v := range part {
			if s, _ := v.(string); s == "wrong-pw" || s == "foo-BAR2" || k == "password" {
				t.Fatalf("the audit row carries a password: %+v", rows[0])
			}
		}
	}
	// After the lock-out the right password works, and clears the count.
	h.advance(time.Hour + time.Second)
	if _, err := login("foo-BAR2", "203.0.113.10"); err != nil {
		t.Fatalf("after the lock-out: %v", err)
	}
	if took, err := login("wrong-pw", "203.0.113.10"); core.CodeOf(err) != core.CodeAuthenticationFailed || took > 10*time.Second {
		t.Fatalf("a first failure after a success: %v %s", err, took)
	}
}

// Failures from one address lock that address out for every clID, known or
// not; other addresses are unaffected.
func TestLoginLockoutPerSource(t *testing.T) {
	h := newGuardHarness(t, cheapHasher, registry.Options{LoginGuard: registry.LoginGuardOptions{
		FreeFailures: 10, ClientLockout: 1000, SourceLockout: 3, LockoutDuration: time.Hour}})
	w := h.registrar(worldSpec{})
	if _, err := h.svc.SetEPPPassword(h.ctx, w.Channel.ID, "foo-BAR2"); err != nil {
		t.Fatal(err)
	}
	// An IPv6 source is counted by its /64.
	for i, src := range []string{"2001:db8::1", "2001:db8::2", "2001:db8::3"} {
		_, err := h.svc.EPPLogin(h.ctx, core.EPPLogin{ClID: "guess-" + src[len(src)-1:], Password: "wrong-pw", Source: src})
		if locked := errors.Is(err, core.ErrLoginLockedOut); locked != (i == 2) || core.CodeOf(err) != core.CodeAuthenticationFailed {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	if _, err := h.svc.EPPLogin(h.ctx, core.EPPLogin{ClID: w.Channel.Slug, Password: "foo-BAR2", Source: "2001:db8::ffff"}); !errors.Is(err, core.ErrLoginLockedOut) {
		t.Fatalf("the locked /64 logged in: %v", err)
	}
	if _, err := h.svc.EPPLogin(h.ctx, core.EPPLogin{ClID: w.Channel.Slug, Password: "foo-BAR2", Source: "2001:db8:1::1"}); err != nil {
		t.Fatalf("another /64: %v", err)
	}
	var found bool
	for _, ev := range h.audit("") {
		if ev.Command == "epp_login_lockout" && ev.RequestSummary["source_address"] == "2001:db8::/64" && ev.ChannelID == "" {
			found = true
		}
	}
	if !found {
		t.Fatal("no audit row for the source lock-out")
	}
}

// Where client certificates are required, the certificate must be the one
// bound to the channel; without a requirement it does not matter.
func TestLoginClientCertificateBinding(t *testing.T) {
	h := newGuardHarness(t, cheapHasher, registry.Options{})
	w := h.registrar(worldSpec{})
	if _, err := h.svc.SetEPPPassword(h.ctx, w.Channel.ID, "foo-BAR2"); err != nil {
		t.Fatal(err)
	}
	mine := "AB:" + repeatPair("CD", 31)
	other := repeatPair("ef", 32)
	try := func(required bool, cert string) error {
		_, err := h.svc.EPPLogin(context.Background(), core.EPPLogin{ClID: w.Channel.Slug, Password: "foo-BAR2",
			ClientCertRequired: required, ClientCertSHA256: cert})
		return err
	}
	if err := try(true, mine); core.CodeOf(err) != core.CodeAuthenticationFailed {
		t.Fatalf("no certificate bound yet: %v", err)
	}
	bad := "not-a-fingerprint"
	if _, err := h.svc.PatchChannel(h.ctx, w.Channel.ID, core.PatchChannel{EPPClientCertSHA256: &bad}); core.CodeOf(err) != core.CodeValidation {
		t.Fatalf("a malformed fingerprint: %v", err)
	}
	ch, err := h.svc.PatchChannel(h.ctx, w.Channel.ID, core.PatchChannel{EPPClientCertSHA256: &mine})
	if err != nil || ch.EPPClientCertSHA256 != "ab"+strings.Repeat("cd", 31) {
		t.Fatalf("bind: %+v %v", ch, err)
	}
	if err := try(true, mine); err != nil {
		t.Fatalf("the bound certificate: %v", err)
	}
	if err := try(true, other); core.CodeOf(err) != core.CodeAuthenticationFailed {
		t.Fatalf("another certificate: %v", err)
	}
	if err := try(true, ""); core.CodeOf(err) != core.CodeAuthenticationFailed {
		t.Fatalf("no certificate: %v", err)
	}
	if err := try(false, ""); err != nil {
		t.Fatalf("a listener without client certificates: %v", err)
	}
}

// repeatPair is n copies of pair, colon-separated.
func repeatPair(pair string, n int) string {
	out := pair
	for i := 1; i < n; i++ {
		out += ":" + pair
	}
	return out
}
