// Package epp is the EPP gateway: RFC 5730 over RFC 5734 (TLS, framed data
// units) in front of the same registry core as the REST API. It speaks RFC
// 5731 domains, RFC 5733 contacts, RFC 3915 grace statuses and RFC 8334
// claims notices, and renders every refusal from the one error catalog.
// Each command calls the use case of its REST twin through
// ports.RegistrarService; no registry rule is written here.
package epp

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// Options tune a gateway listener; zero values take the defaults.
type Options struct {
	// OTE makes every transform a sandbox command (the OT&E listener).
	OTE bool
	// ServerID is the greeting's <svID>.
	ServerID string
	// IdleTimeout closes a session that sends nothing for this long (10 minutes).
	IdleTimeout time.Duration
	// ReadTimeout bounds reading one data unit once its header arrived (30s).
	ReadTimeout time.Duration
	// WriteTimeout bounds writing one answer (30s).
	WriteTimeout time.Duration
	// HandshakeTimeout bounds the TLS handshake (15s).
	HandshakeTimeout time.Duration
	// MaxSessionLifetime closes a session this long after it opened (24h).
	MaxSessionLifetime time.Duration
	// MaxSessionsPerChannel caps the logged-in sessions of one channel on
	// this listener (32).
	MaxSessionsPerChannel int
	// MaxFrameBytes bounds a data unit (MaxFrameBytes, 1 MiB).
	MaxFrameBytes int
	// MaxFrameBytesBeforeLogin bounds a data unit until login
	// (MaxFrameBytesBeforeLogin, 64 KiB).
	MaxFrameBytesBeforeLogin int
	// MaxConnections caps the connections of this listener, logged in or
	// not (1024); one more is closed as soon as it is accepted.
	MaxConnections int
	// MaxUnauthenticatedPerIP caps the connections from one source (an
	// IPv4 address, an IPv6 /64) that have not logged in (16).
	MaxUnauthenticatedPerIP int
	// LoginTimeout closes a connection that has not logged in this long
	// after it was accepted (60s).
	LoginTimeout time.Duration
	// LoginFailures answered 2200 before the next failure answers 2501 and
	// closes the connection (3).
	LoginFailures int
	// CommandTimeout bounds one command's registry call (60s).
	CommandTimeout time.Duration
	// Clock is the source of svDate; time.Now by default.
	Clock func() time.Time
	// Observer counts commands (transport "epp"); nil counts nothing.
	Observer ports.Observer
	// Sessions is told of sessions and command latencies; nil tells nothing.
	Sessions SessionObserver
	// Tracer traces each command and the core command it runs; nil traces
	// nothing.
	Tracer trace.TracerProvider
}

// SessionObserver is told when a session opens (its TLS handshake done)
// and closes (with its close reason, from a fixed set), and how long each
// command took to answer.
type SessionObserver interface {
	EPPSessionOpened(ote bool)
	EPPSessionClosed(ote bool, reason string)
	EPPCommand(command string, d time.Duration)
}

type nopSessions struct{}

func (nopSessions) EPPSessionOpened(bool)            {}
func (nopSessions) EPPSessionClosed(bool, string)    {}
func (nopSessions) EPPCommand(string, time.Duration) {}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.IdleTimeout, 10*time.Minute)
	def(&o.ReadTimeout, 30*time.Second)
	def(&o.WriteTimeout, 30*time.Second)
	def(&o.HandshakeTimeout, 15*time.Second)
	def(&o.MaxSessionLifetime, 24*time.Hour)
	def(&o.CommandTimeout, 60*time.Second)
	def(&o.LoginTimeout, 60*time.Second)
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.MaxUnauthenticatedPerIP <= 0 {
		o.MaxUnauthenticatedPerIP = DefaultMaxUnauthenticatedPerIP
	}
	if o.ServerID == "" {
		o.ServerID = "HeadlessDomains Registry"
		if o.OTE {
			o.ServerID += " OT&E"
		}
	}
	if o.MaxSessionsPerChannel <= 0 {
		o.MaxSessionsPerChannel = 32
	}
	if o.MaxFrameBytes <= 0 || o.MaxFrameBytes > MaxFrameBytes {
		o.MaxFrameBytes = MaxFrameBytes
	}
	if o.MaxFrameBytesBeforeLogin <= 0 || o.MaxFrameBytesBeforeLogin > o.MaxFrameBytes {
		o.MaxFrameBytesBeforeLogin = min(MaxFrameBytesBeforeLogin, o.MaxFrameBytes)
	}
	if o.LoginFailures <= 0 {
		o.LoginFailures = 3
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Observer == nil {
		o.Observer = ports.NopObserver{}
	}
	if o.Sessions == nil {
		o.Sessions = nopSessions{}
	}
	if o.Tracer == nil {
		o.Tracer = noop.NewTracerProvider()
	}
	return o
}

// Server is one EPP listener over the registry.
type Server struct {
	reg  ports.RegistrarService
	tls  *tls.Config
	opts Options
	log  zerolog.Logger
	ids  *core.IDs

	tracer trace.Tracer

	mu       sync.Mutex
	channels map[string]int // logged-in sessions per channel id
	conns    map[net.Conn]struct{}
	unauth   map[string]int // connections not logged in, per source
	lns      []net.Listener
	closed   bool
	wg       sync.WaitGroup

	counters counters
	refusals refusalLog
}

// NewServer returns a gateway over reg. tlsConf must hold the server
// certificate; NewServer raises its minimum version to TLS 1.2.
func NewServer(reg ports.RegistrarService, tlsConf *tls.Config, log zerolog.Logger, opts Options) *Server {
	conf := tlsConf.Clone()
	if conf.MinVersion < tls.VersionTLS12 {
		conf.MinVersion = tls.VersionTLS12
	}
	opts = opts.withDefaults()
	return &Server{reg: reg, tls: conf, opts: opts, log: log, ids: core.NewIDs(), tracer: opts.Tracer.Tracer(TracerName),
		channels: map[string]int{}, conns: map[net.Conn]struct{}{}, unauth: map[string]int{}}
}

// TracerName is the instrumentation scope of the EPP gateway's spans.
const TracerName = "github.com/headlessdomains/registry/adapters/epp"

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("epp: server closed")

// Serve accepts connections on ln (plain TCP; the server adds TLS) until
// Shutdown. Each connection is one session in its own goroutine.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.lns = append(s.lns, ln)
	s.mu.Unlock()
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay) // back off a failing accept (EMFILE), as net/http does
				continue
			}
			return err
		}
		delay = 0
		src := sourceOf(c.RemoteAddr())
		switch s.track(c, src) {
		case admitClosed:
			_ = c.Close()
			return ErrServerClosed
		case admitRefused:
			_ = c.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			ss := &session{srv: s, source: src}
			defer s.untrack(c, ss)
			s.serveConn(c, ss)
		}()
	}
}

// Shutdown stops accepting, closes every session and waits for their
// goroutines (or ctx).
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for _, ln := range s.lns {
		_ = ln.Close()
	}
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// acquire takes a session slot of channelID; false when the cap is reached.
func (s *Server) acquire(channelID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.channels[channelID] >= s.opts.MaxSessionsPerChannel {
		return false
	}
	s.channels[channelID]++
	return true
}

func (s *Server) release(channelID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.channels[channelID] <= 1 {
		delete(s.channels, channelID)
		return
	}
	s.channels[channelID]--
}

// Sessions answers how many logged-in sessions channelID holds.
func (s *Server) Sessions(channelID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.channels[channelID]
}
