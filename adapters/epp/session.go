package epp

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// session is one connection: the RFC 5730 state machine. Before login only
// hello, login and logout are accepted; after it every command runs as the
// channel. Its log lines carry the remote address and, once known, the
// channel; never a frame, a password or contact data.
type session struct {
	srv      *Server
	source   string // the key of the per-source limit (sourceOf)
	conn     net.Conn
	log      zerolog.Logger
	base     zerolog.Logger // log without the command's trace ids
	started  time.Time
	actor    core.Actor
	loggedIn bool
	failures int
	commands int
}

// closeReason says why a session ended, for its last log line.
type closeReason string

func (s *Server) serveConn(raw net.Conn, ss *session) {
	ss.started = time.Now()
	ss.log = s.log.With().Str("remote", raw.RemoteAddr().String()).Bool("ote", s.opts.OTE).Logger()
	ss.base = ss.log
	tc := tls.Server(raw, s.tls)
	ss.conn = tc
	defer func() { _ = tc.Close() }()

	_ = tc.SetDeadline(time.Now().Add(s.opts.HandshakeTimeout))
	hctx, cancel := context.WithTimeout(context.Background(), s.opts.HandshakeTimeout)
	err := tc.HandshakeContext(hctx)
	cancel()
	if err != nil {
		ss.log.Info().Str("reason", "tls handshake failed").Msg("epp session refused")
		return
	}
	_ = tc.SetDeadline(time.Time{})
	st := tc.ConnectionState()
	ev := ss.log.Info().Str("tls", tls.VersionName(st.Version))
	if len(st.PeerCertificates) > 0 {
		ev = ev.Str("client_cert", st.PeerCertificates[0].Subject.CommonName)
	}
	ev.Msg("epp session opened")
	s.opts.Sessions.EPPSessionOpened(s.opts.OTE)

	reason := ss.run()
	if ss.loggedIn {
		s.release(ss.actor.ChannelID())
	}
	s.opts.Sessions.EPPSessionClosed(s.opts.OTE, string(reason))
	ss.log.Info().Str("reason", string(reason)).Int("commands", ss.commands).
		Dur("duration", time.Since(ss.started)).Msg("epp session closed")
}

// run sends the greeting and serves frames until the session ends.
func (ss *session) run() closeReason {
	if err := ss.write(greeting(ss.srv.opts.ServerID, ss.srv.opts.Clock())); err != nil {
		return "write failed"
	}
	deadline := ss.started.Add(ss.srv.opts.MaxSessionLifetime)
	for {
		frame, reason := ss.read(deadline)
		if reason != "" {
			return reason
		}
		req, derr := decode(frame)
		if derr != nil && (req == nil || core.CodeOf(derr) != core.CodeValidation) {
			ss.commands++
			resp := failure(derr)
			ss.observe(commandLabel(req), resp, time.Now())
			if req != nil {
				resp.clTRID = req.clTRID
			}
			if err := ss.answer(resp); err != nil {
				return "write failed"
			}
			continue
		}
		if req.hello {
			if err := ss.write(greeting(ss.srv.opts.ServerID, ss.srv.opts.Clock())); err != nil {
				return "write failed"
			}
			continue
		}
		ss.commands++
		var resp *response
		var end closeReason
		if derr != nil {
			resp = failure(derr)
			ss.observe(commandLabel(req), resp, time.Now())
		} else {
			resp, end = ss.dispatch(req)
		}
		resp.clTRID = req.clTRID
		if err := ss.answer(resp); err != nil {
			return "write failed"
		}
		if end != "" {
			return end
		}
	}
}

// read waits for the next data unit: up to the idle timeout for its header
// (never past the session's lifetime, nor, before login, past the login
// timeout), then up to the read timeout for its body. Before login a data
// unit is bounded by MaxFrameBytesBeforeLogin.
func (ss *session) read(lifetimeEnd time.Time) ([]byte, closeReason) {
	o := ss.srv.opts
	idle := time.Now().Add(o.IdleTimeout)
	if lifetimeEnd.Before(idle) {
		idle = lifetimeEnd
	}
	limit := o.MaxFrameBytes
	loginBy := ss.started.Add(o.LoginTimeout)
	if !ss.loggedIn {
		limit = o.MaxFrameBytesBeforeLogin
		if loginBy.Before(idle) {
			idle = loginBy
		}
	}
	_ = ss.conn.SetReadDeadline(idle)
	r := &deadlineReader{conn: ss.conn, body: o.ReadTimeout}
	if !ss.loggedIn && loginBy.Before(time.Now().Add(o.ReadTimeout)) {
		r.body = max(time.Until(loginBy), 0)
	}
	frame, err := ReadFrame(r, limit)
	switch {
	case err == nil:
		return frame, ""
	case errors.Is(err, ErrFrameTooLarge):
		ss.srv.counters.framesTooLarge.Add(1)
		ss.log.Warn().Bool("logged_in", ss.loggedIn).Int("limit", limit).Msg("epp frame over the size limit; closing")
		return nil, "frame too large"
	case errors.Is(err, ErrFrameTooSmall):
		return nil, "malformed frame header"
	case errors.Is(err, os.ErrDeadlineExceeded):
		if !ss.loggedIn && !time.Now().Before(loginBy) {
			ss.srv.counters.loginTimeouts.Add(1)
			return nil, "login timeout"
		}
		if !r.header {
			if !time.Now().Before(lifetimeEnd) {
				return nil, "session lifetime reached"
			}
			return nil, "idle timeout"
		}
		return nil, "read timeout"
	case errors.Is(err, io.EOF):
		return nil, "client closed"
	default:
		return nil, "read failed"
	}
}

// deadlineReader moves the read deadline to the body timeout once the
// 4-byte header has arrived.
type deadlineReader struct {
	conn   net.Conn
	body   time.Duration
	n      int
	header bool
}

func (r *deadlineReader) Read(p []byte) (int, error) {
	n, err := r.conn.Read(p)
	r.n += n
	if !r.header && r.n > 0 {
		r.header = true
		_ = r.conn.SetReadDeadline(time.Now().Add(r.body))
	}
	return n, err
}

func (ss *session) write(payload []byte) error {
	_ = ss.conn.SetWriteDeadline(time.Now().Add(ss.srv.opts.WriteTimeout))
	return WriteFrame(ss.conn, payload)
}

// answer writes resp, with a server transaction id when the command left
// no audit id.
func (ss *session) answer(resp *response) error {
	if resp.svTRID == "" {
		resp.svTRID = ss.srv.ids.NewID("sv")
	}
	return ss.write(resp.render())
}

// dispatch runs one command in a server span "EPP <command>", with the
// trace id on the session's log lines meanwhile, counts it and says
// whether the session ends after it.
func (ss *session) dispatch(r *request) (*response, closeReason) {
	start := time.Now()
	name := commandLabel(r)
	ctx, cancel := context.WithTimeout(context.Background(), ss.srv.opts.CommandTimeout)
	defer cancel()
	ctx, span := ss.srv.tracer.Start(ctx, "EPP "+r.name, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("registry.command", name), attribute.Bool("registry.epp.ote", ss.srv.opts.OTE)))
	defer span.End()
	if sc := span.SpanContext(); sc.HasTraceID() {
		ss.log = ss.base.With().Str("trace_id", sc.TraceID().String()).Str("span_id", sc.SpanID().String()).Logger()
		defer func() { ss.log = ss.base }()
	}
	resp, end := ss.dispatch1(ctx, r)
	outcome := ss.observe(name, resp, start)
	span.SetAttributes(attribute.Int("registry.epp.result_code", resp.code), attribute.String("registry.outcome", outcome))
	if outcome == ports.OutcomeFailed {
		span.SetStatus(codes.Error, string(resp.errCode))
	}
	return resp, end
}

// observe tells the observers of one answered command and answers its outcome.
func (ss *session) observe(name string, resp *response, start time.Time) string {
	outcome, code := ports.OutcomeSuccess, "ok"
	if resp.errCode != "" {
		outcome, code = ports.OutcomeRefused, string(resp.errCode)
		if core.SpecOf(resp.errCode).HTTPStatus >= 500 {
			outcome = ports.OutcomeFailed
		}
	}
	ss.srv.opts.Observer.CommandDone(name, ports.TransportEPP, outcome, code, resp.replay)
	ss.srv.opts.Sessions.EPPCommand(name, time.Since(start))
	return outcome
}

// commandLabel names a request for metrics and traces: the core command it
// runs (create_domain, check_contact, ...), else the EPP command element
// (login, logout, transfer, ...), else "unknown".
func commandLabel(r *request) string {
	if r == nil || r.name == "" {
		return "unknown"
	}
	if c, _, err := registryCommand(r); err == nil && c != "" {
		return string(c)
	}
	return r.name
}

func (ss *session) dispatch1(ctx context.Context, r *request) (*response, closeReason) {
	switch r.name {
	case cmdLogin:
		return ss.login(ctx, r)
	case cmdLogout:
		return success(1500), "logout"
	}
	if !ss.loggedIn {
		return failure(core.Errorf(core.CodeCommandUseError, "log in first")), ""
	}
	command, obj, err := registryCommand(r)
	if err == nil {
		err = checkExtensions(r, obj)
	}
	if err != nil {
		return failure(err), ""
	}
	return ss.runCore(ctx, r, obj, command)
}

// runCore authorizes and runs a registry command in a span named after the
// core command.
func (ss *session) runCore(ctx context.Context, r *request, obj eppObject, command core.Command) (*response, closeReason) {
	ctx, span := ss.srv.tracer.Start(ctx, "registry."+string(command), trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attribute.String("registry.command", string(command)), attribute.String("registry.transport", ports.TransportEPP)))
	defer span.End()
	resp, end := ss.authorizeAndRun(ctx, r, obj, command)
	if resp.errCode != "" {
		span.SetAttributes(attribute.String("registry.code", string(resp.errCode)))
	}
	return resp, end
}

func (ss *session) authorizeAndRun(ctx context.Context, r *request, obj eppObject, command core.Command) (*response, closeReason) {
	a, _, err := ss.srv.reg.AuthorizeSession(ctx, ss.actor, command)
	switch core.CodeOf(err) {
	case "":
		ss.actor = a
	case core.CodeRateLimitExceeded:
		ss.log.Warn().Str("command", string(command)).Msg("epp rate limit exceeded; closing")
		return failure(err), "rate limit exceeded"
	case core.CodeChannelRequired:
		return failure(err), "channel no longer approved"
	default:
		return failure(err), ""
	}
	resp, err := ss.run1(ctx, r, obj, a)
	if err != nil {
		if core.CodeOf(err) == core.CodeInternal {
			ss.log.Error().Err(err).Str("command", string(command)).Msg("epp command failed")
		}
		return failure(err), ""
	}
	return resp, ""
}

func (ss *session) run1(ctx context.Context, r *request, obj eppObject, a core.Actor) (*response, error) {
	domain := obj == objDomain
	switch r.name {
	case cmdPoll:
		return ss.poll(ctx, a, r)
	case cmdCheck:
		if domain {
			return ss.domainCheck(ctx, a, r)
		}
		return ss.contactCheck(ctx, a, r)
	case cmdInfo:
		if domain {
			return ss.domainInfo(ctx, a, r)
		}
		return ss.contactInfo(ctx, a, r)
	case cmdCreate:
		if domain {
			return ss.domainCreate(ctx, a, r)
		}
		return ss.contactCreate(ctx, a, r)
	case cmdRenew:
		return ss.domainRenew(ctx, a, r)
	case cmdUpdate:
		if domain && isRestore(r) {
			return ss.domainRestore(ctx, a, r)
		}
		if domain {
			return ss.domainUpdate(ctx, a, r)
		}
		return ss.contactUpdate(ctx, a, r)
	case cmdDelete:
		if domain {
			return ss.domainDelete(ctx, a, r)
		}
		return ss.contactDelete(ctx, a, r)
	case cmdTransfer:
		return ss.domainTransfer(ctx, a, r)
	}
	return nil, core.Errorf(core.CodeUnknownCommand, "unknown command %s", r.name)
}

// login authenticates the session (RFC 5730 §2.9.1.1). Failures 1 to
// LoginFailures answer 2200; the next answers 2501 and closes. A channel
// holding its maximum of sessions answers 2502 and closes.
func (ss *session) login(ctx context.Context, r *request) (*response, closeReason) {
	if ss.loggedIn {
		return failure(core.Errorf(core.CodeCommandUseError, "this session is already logged in")), ""
	}
	x := r.cmd.Login
	if v := strings.TrimSpace(x.Version); v != "1.0" {
		return failure(core.Errorf(core.CodeUnimplementedProtocolVersion, "EPP version %q is not offered; use 1.0", truncate(v))), ""
	}
	for _, uri := range x.ObjURI {
		if u := strings.TrimSpace(uri); u != NSDomain && u != NSContact {
			return failure(core.Errorf(core.CodeUnimplementedObjectService, "the object service %s is not offered", truncate(u))), ""
		}
	}
	var newPW string
	if x.NewPW != nil {
		newPW = *x.NewPW
	}
	a, err := ss.srv.reg.EPPLogin(ctx, ss.loginAttempt(strings.TrimSpace(x.ClID), x.PW, newPW))
	if errors.Is(err, core.ErrLoginLockedOut) {
		ss.srv.counters.loginLockouts.Add(1)
		ss.log.Warn().Str("code", string(core.CodeOf(err))).Msg("epp login refused: locked out after repeated failures; closing")
		resp := failure(err)
		resp.code, resp.msg = 2501, ""
		return resp, "login locked out"
	}
	if err != nil {
		switch core.CodeOf(err) {
		case core.CodeAuthenticationFailed, core.CodeChannelRequired:
			ss.failures++
			ss.log.Info().Int("failures", ss.failures).Str("code", string(core.CodeOf(err))).Msg("epp login refused")
			if ss.failures > ss.srv.opts.LoginFailures {
				resp := failure(err)
				resp.code, resp.msg = 2501, ""
				return resp, "too many login failures"
			}
		}
		return failure(err), ""
	}
	if !ss.srv.acquire(a.ChannelID()) {
		ss.log.Warn().Str("channel", a.Channel.Slug).Msg("epp session limit of the channel reached; closing")
		return failure(core.Errorf(core.CodeSessionLimitExceeded, "registrar channel %s already holds %d sessions on this listener",
			a.Channel.Slug, ss.srv.opts.MaxSessionsPerChannel)), "session limit"
	}
	ss.srv.authenticated(ss)
	ss.actor, ss.loggedIn = a, true
	ss.base = ss.base.With().Str("channel", a.Channel.Slug).Str("channel_id", a.ChannelID()).Logger()
	ss.log = ss.log.With().Str("channel", a.Channel.Slug).Str("channel_id", a.ChannelID()).Logger()
	ss.log.Info().Bool("password_changed", newPW != "").Msg("epp login")
	return success(1000), ""
}

// loginAttempt is the login as the core sees it: the peer's address for the
// failed-login counters and, where the listener requires client
// certificates, the SHA-256 of the one presented.
func (ss *session) loginAttempt(clID, pw, newPW string) core.EPPLogin {
	l := core.EPPLogin{ClID: clID, Password: pw, NewPassword: newPW, Source: peerIP(ss.conn.RemoteAddr()),
		ClientCertRequired: ss.srv.tls.ClientAuth == tls.RequireAndVerifyClientCert}
	if tc, ok := ss.conn.(*tls.Conn); ok {
		if certs := tc.ConnectionState().PeerCertificates; len(certs) > 0 {
			sum := sha256.Sum256(certs[0].Raw)
			l.ClientCertSHA256 = hex.EncodeToString(sum[:])
		}
	}
	return l
}
