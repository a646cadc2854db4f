package epp

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Connection limits. A listener holds at most MaxConnections connections;
// of those, at most MaxUnauthenticatedPerIP from one source may be waiting
// to log in. A connection over either limit is closed as soon as it is
// accepted, before the TLS handshake, so that refusing it costs no more
// than accepting it. Logged-in sessions leave the per-source count (their
// channel's MaxSessionsPerChannel bounds them instead).

// Defaults of Options.MaxConnections and Options.MaxUnauthenticatedPerIP.
const (
	DefaultMaxConnections          = 1024
	DefaultMaxUnauthenticatedPerIP = 16
)

type admission int

const (
	admitted admission = iota
	admitRefused
	admitClosed
)

// Counters are a listener's refusals and oversize frames since it started,
// for metrics.
type Counters struct {
	// RefusedMaxConnections counts connections closed on accept because the
	// listener held MaxConnections.
	RefusedMaxConnections uint64
	// RefusedUnauthenticatedPerIP counts connections closed on accept
	// because their source held MaxUnauthenticatedPerIP connections that
	// had not logged in.
	RefusedUnauthenticatedPerIP uint64
	// FramesTooLarge counts sessions closed for a data unit over the limit
	// (MaxFrameBytesBeforeLogin before login, MaxFrameBytes after).
	FramesTooLarge uint64
	// LoginTimeouts counts connections closed for not logging in within
	// LoginTimeout.
	LoginTimeouts uint64
	// LoginLockouts counts logins refused because the channel or the source
	// address was locked out after repeated failures.
	LoginLockouts uint64
}

type counters struct {
	refusedMax, refusedPerIP, framesTooLarge, loginTimeouts, loginLockouts atomic.Uint64
}

// Counters answers the listener's counters.
func (s *Server) Counters() Counters {
	c := &s.counters
	return Counters{RefusedMaxConnections: c.refusedMax.Load(), RefusedUnauthenticatedPerIP: c.refusedPerIP.Load(),
		FramesTooLarge: c.framesTooLarge.Load(), LoginTimeouts: c.loginTimeouts.Load(), LoginLockouts: c.loginLockouts.Load()}
}

// Connections answers the connections the listener holds and how many of
// them have not logged in.
func (s *Server) Connections() (total, unauthenticated int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.unauth {
		unauthenticated += n
	}
	return len(s.conns), unauthenticated
}

// track admits c from src, or refuses it over a limit.
func (s *Server) track(c net.Conn, src string) admission {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return admitClosed
	}
	var reason string
	switch {
	case len(s.conns) >= s.opts.MaxConnections:
		s.counters.refusedMax.Add(1)
		reason = "connection limit of the listener reached"
	case s.unauth[src] >= s.opts.MaxUnauthenticatedPerIP:
		s.counters.refusedPerIP.Add(1)
		reason = "limit of connections not logged in from one source reached"
	default:
		s.conns[c] = struct{}{}
		s.unauth[src]++
		s.mu.Unlock()
		return admitted
	}
	s.mu.Unlock()
	s.refusals.note(s, reason, src)
	return admitRefused
}

// untrack forgets c when its session ends.
func (s *Server) untrack(c net.Conn, ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if !ss.loggedIn {
		s.leaveUnauth(ss.source)
	}
}

// authenticated moves a session out of its source's count of connections
// that have not logged in.
func (s *Server) authenticated(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.leaveUnauth(ss.source)
}

func (s *Server) leaveUnauth(src string) {
	if s.unauth[src] <= 1 {
		delete(s.unauth, src)
		return
	}
	s.unauth[src]--
}

// sourceOf is the key a peer is counted under: its IPv4 address, or the /64
// of its IPv6 address (one subscriber's usual allocation).
func sourceOf(a net.Addr) string {
	var ip net.IP
	switch v := a.(type) {
	case *net.TCPAddr:
		ip = v.IP
	default:
		host, _, err := net.SplitHostPort(a.String())
		if err != nil {
			return a.String()
		}
		ip = net.ParseIP(host)
	}
	if ip == nil {
		return a.String()
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return (&net.IPNet{IP: ip.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()
}

// peerIP is the peer's IP address without the port, for the core's
// failed-login counters.
func peerIP(a net.Addr) string {
	if v, ok := a.(*net.TCPAddr); ok {
		return v.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return ""
	}
	return host
}

// refusalLog writes refusals at most once a second per reason, with the
// number refused since the last line, so that a flood cannot turn into a
// flood of log lines.
type refusalLog struct {
	mu      sync.Mutex
	last    map[string]time.Time
	pending map[string]int
}

func (r *refusalLog) note(s *Server, reason, src string) {
	r.mu.Lock()
	if r.last == nil {
		r.last, r.pending = map[string]time.Time{}, map[string]int{}
	}
	r.pending[reason]++
	now := time.Now()
	if now.Sub(r.last[reason]) < time.Second {
		r.mu.Unlock()
		return
	}
	n := r.pending[reason]
	r.last[reason], r.pending[reason] = now, 0
	r.mu.Unlock()
	s.log.Warn().Str("reason", reason).Str("source", src).Int("refused", n).
		Int("max_connections", s.opts.MaxConnections).Int("max_unauthenticated_per_ip", s.opts.MaxUnauthenticatedPerIP).
		Msg("epp connection refused")
}
