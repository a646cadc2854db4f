package registry

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// Failed EPP logins are counted across connections, per channel (the clID
// of a channel that exists) and per source address (an IPv4 address or an
// IPv6 /64). After FreeFailures failures of either, each further failure is
// answered only after a delay that doubles from BaseDelay up to MaxDelay;
// at ClientLockout failures of a channel, or SourceLockout from one address,
// every login of that channel or from that address is refused for
// LockoutDuration, whatever the password, without hashing it. Each lock-out
// writes an audit row (actor "registry", command "epp_login_lockout").
// Failures older than Window are forgotten, and a successful login clears
// the channel's count (not the address's, so that one known password cannot
// wash an address's guesses away). The counts live in this process.

// Defaults of LoginGuardOptions.
const (
	DefaultLoginFreeFailures    = 3
	DefaultLoginBaseDelay       = 250 * time.Millisecond
	DefaultLoginMaxDelay        = 8 * time.Second
	DefaultLoginClientLockout   = 10
	DefaultLoginSourceLockout   = 30
	DefaultLoginFailureWindow   = 15 * time.Minute
	DefaultLoginLockoutDuration = 15 * time.Minute
	// DefaultMaxConcurrentHashes bounds the password hashes that run at
	// once (Argon2id at its default parameters holds 19 MiB each).
	DefaultMaxConcurrentHashes = 4
)

// maxGuardEntries bounds the counters kept; when full, expired ones are
// swept and new sources are not counted until room frees up.
const maxGuardEntries = 100_000

// LoginGuardOptions tune failed-login counting; zero values take the defaults.
type LoginGuardOptions struct {
	FreeFailures    int
	BaseDelay       time.Duration
	MaxDelay        time.Duration
	ClientLockout   int
	SourceLockout   int
	Window          time.Duration
	LockoutDuration time.Duration
}

func (o LoginGuardOptions) withDefaults() LoginGuardOptions {
	if o.FreeFailures <= 0 {
		o.FreeFailures = DefaultLoginFreeFailures
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = DefaultLoginBaseDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultLoginMaxDelay
	}
	if o.MaxDelay < o.BaseDelay {
		o.MaxDelay = o.BaseDelay
	}
	if o.ClientLockout <= 0 {
		o.ClientLockout = DefaultLoginClientLockout
	}
	if o.SourceLockout <= 0 {
		o.SourceLockout = DefaultLoginSourceLockout
	}
	if o.Window <= 0 {
		o.Window = DefaultLoginFailureWindow
	}
	if o.LockoutDuration <= 0 {
		o.LockoutDuration = DefaultLoginLockoutDuration
	}
	return o
}

// guardKey names one counter: a channel or a source address.
type guardKey struct {
	kind  string // "registrar_channel" or "source_address"
	value string
}

type guardRecord struct {
	failures    int
	last        time.Time
	lockedUntil time.Time
}

// loginGuard holds the counters of one Service, and the hash an unknown
// clID is verified against (made with the Service's hasher, so that it
// costs what a real verification costs).
type loginGuard struct {
	opts    LoginGuardOptions
	mu      sync.Mutex
	records map[guardKey]*guardRecord

	dummyOnce sync.Once
	dummyHash string
}

func newLoginGuard(o LoginGuardOptions) *loginGuard {
	return &loginGuard{opts: o.withDefaults(), records: map[guardKey]*guardRecord{}}
}

// lockedUntil answers the latest lock-out end among keys still locked at now.
func (g *loginGuard) lockedUntil(now time.Time, keys []guardKey) (time.Time, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var until time.Time
	for _, k := range keys {
		if r := g.records[k]; r != nil && now.Before(r.lockedUntil) && r.lockedUntil.After(until) {
			until = r.lockedUntil
		}
	}
	return until, !until.IsZero()
}

// lockout is one counter that reached its limit.
type lockout struct {
	key      guardKey
	failures int
	until    time.Time
}

// fail counts a failure against keys and answers how long to hold the
// answer back and which keys it locked out.
func (g *loginGuard) fail(now time.Time, keys []guardKey) (time.Duration, []lockout) {
	g.mu.Lock()
	defer g.mu.Unlock()
	worst := 0
	var locks []lockout
	for _, k := range keys {
		r := g.records[k]
		if r == nil {
			if len(g.records) >= maxGuardEntries {
				g.sweep(now)
			}
			if len(g.records) >= maxGuardEntries {
				continue
			}
			r = &guardRecord{}
			g.records[k] = r
		}
		if now.Sub(r.last) > g.opts.Window {
			r.failures = 0
		}
		r.failures++
		r.last = now
		limit := g.opts.SourceLockout
		if k.kind == guardChannel {
			limit = g.opts.ClientLockout
		}
		if r.failures >= limit {
			r.lockedUntil = now.Add(g.opts.LockoutDuration)
			locks = append(locks, lockout{key: k, failures: r.failures, until: r.lockedUntil})
			r.failures = 0
			continue
		}
		worst = max(worst, r.failures)
	}
	if len(locks) > 0 || worst <= g.opts.FreeFailures {
		return 0, locks
	}
	d := g.opts.BaseDelay
	for i := worst - g.opts.FreeFailures - 1; i > 0 && d < g.opts.MaxDelay; i-- {
		d *= 2
	}
	return min(d, g.opts.MaxDelay), nil
}

// succeed clears a channel's count after a successful login (which is
// never answered while a lock-out holds).
func (g *loginGuard) succeed(k guardKey) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.records, k)
}

// sweep drops counters whose failures and lock-out have both expired.
func (g *loginGuard) sweep(now time.Time) {
	for k, r := range g.records {
		if now.Sub(r.last) > g.opts.Window && !now.Before(r.lockedUntil) {
			delete(g.records, k)
		}
	}
}

const (
	guardChannel = "registrar_channel"
	guardSource  = "source_address"
)

// sourceKey is the counter of a peer address: the IPv4 address, or the /64
// of an IPv6 address (one subscriber's usual allocation). An empty or
// unparsable source is not counted.
func sourceKey(source string) (guardKey, bool) {
	ip := net.ParseIP(source)
	if ip == nil {
		return guardKey{}, false
	}
	if v4 := ip.To4(); v4 != nil {
		return guardKey{kind: guardSource, value: v4.String()}, true
	}
	return guardKey{kind: guardSource, value: (&net.IPNet{IP: ip.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()}, true
}

// loginLockedOut is the answer to a login while a lock-out holds.
func loginLockedOut(until time.Time) error {
	return &core.Error{Code: core.CodeAuthenticationFailed, Cause: core.ErrLoginLockedOut,
		Detail: "too many failed logins; logins are refused until " + until.UTC().Format(time.RFC3339)}
}

// auditLockouts writes one audit row per lock-out: a channel's under the
// channel, a source address's under no channel (operators see both). The
// password is never recorded.
func (s *Service) auditLockouts(ctx context.Context, ch *core.Channel, locks []lockout, now time.Time) error {
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Stores) error {
		for _, l := range locks {
			ev := core.AuditEvent{ID: s.ids.NewID("aud"), APIKeyID: EPPSessionKeyID, Actor: "registry",
				Command: "epp_login_lockout", Status: core.AuditFailed, HTTPStatus: 401,
				RequestSummary: map[string]any{"scope": l.key.kind, l.key.kind: l.key.value},
				ResponseSummary: map[string]any{"failures": l.failures, "locked_until": l.until.UTC().Format(time.RFC3339),
					"code": string(core.CodeAuthenticationFailed)},
				CreatedAt: now}
			if ch != nil && l.key.kind == guardChannel {
				ev.ChannelID, ev.ChannelSlug = ch.ID, ch.Slug
			}
			if err := tx.Audit().Append(ctx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	return storeErr(err, core.CodeInternal, "audit")
}

// hashSlots bounds the password hashes running at once; a caller waits for
// a slot (or its context).
type hashSlots chan struct{}

func (h hashSlots) acquire(ctx context.Context) error {
	select {
	case h <- struct{}{}:
		return nil
	case <-ctx.Done():
		return core.Unavailable("password verification", ctx.Err())
	}
}

func (h hashSlots) release() { <-h }

// boundedHasher runs every hash of the wrapped hasher inside the slots.
type boundedHasher struct {
	inner ports.PasswordHasher
	slots hashSlots
}

var _ ports.PasswordHasher = boundedHasher{}

func (b boundedHasher) Hash(pw string) (string, error) {
	_ = b.slots.acquire(context.Background())
	defer b.slots.release()
	return b.inner.Hash(pw)
}

func (b boundedHasher) Verify(hash, pw string) (bool, error) {
	_ = b.slots.acquire(context.Background())
	defer b.slots.release()
	return b.inner.Verify(hash, pw)
}

// verifyBounded verifies pw inside a slot, waiting for one no longer than ctx.
func (s *Service) verifyBounded(ctx context.Context, hash, pw string) (bool, error) {
	if err := s.hashes.acquire(ctx); err != nil {
		return false, err
	}
	defer s.hashes.release()
	return s.rawPasswords.Verify(hash, pw)
}

// holdBack waits d (or until ctx ends) before a failed login is answered.
func holdBack(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// initLogin sets up the login guard and bounds the password hasher:
// every hash, EPP login or otherwise, runs inside MaxConcurrentHashes slots.
func (s *Service) initLogin() {
	s.login = newLoginGuard(s.opts.LoginGuard)
	if s.opts.MaxConcurrentHashes <= 0 {
		s.opts.MaxConcurrentHashes = DefaultMaxConcurrentHashes
	}
	s.hashes = make(hashSlots, s.opts.MaxConcurrentHashes)
	if s.opts.Passwords != nil {
		s.rawPasswords = s.opts.Passwords
		s.opts.Passwords = boundedHasher{inner: s.rawPasswords, slots: s.hashes}
	}
}

// dummyHash is verified against when the clID names no channel or one
// without a password, so that a login costs the same whether or not the
// slug exists (and waits for a hash slot alike).
func (s *Service) dummyHash() string {
	s.login.dummyOnce.Do(func() { s.login.dummyHash, _ = s.opts.Passwords.Hash("not the password") })
	return s.login.dummyHash
}

// loginFailed counts a failed login, audits the lock-outs it causes, holds
// the answer back by the delay earned so far, and answers fail (or the
// lock-out, when this failure caused one).
func (s *Service) loginFailed(ctx context.Context, ch *core.Channel, keys []guardKey, fail error) error {
	now := s.now()
	delay, locks := s.login.fail(now, keys)
	if len(locks) > 0 {
		if err := s.auditLockouts(ctx, ch, locks, now); err != nil {
			return err
		}
		until := locks[0].until
		return loginLockedOut(until)
	}
	holdBack(ctx, delay)
	return fail
}

// loginKeys are the counters a login attempt is checked and counted against.
func loginKeys(ch *core.Channel, source string) []guardKey {
	var keys []guardKey
	if ch != nil {
		keys = append(keys, guardKey{kind: guardChannel, value: ch.ID})
	}
	if k, ok := sourceKey(source); ok {
		keys = append(keys, k)
	}
	return keys
}
