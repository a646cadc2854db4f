package epp

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/core"
)

// session is one connection: the RFC 5730 state machine. Before login only
// hello, login and logout are accepted; after it every command runs as the
// channel. Its log lines carry the remote address and, once known, the
// channel; never a frame, a password or contact data.
type session struct {
	srv      *Server
	conn     net.Conn
	log      zerolog.Logger
	started  time.Time
	actor    core.Actor
	loggedIn bool
	failures int
	commands int
}

// closeReason says why a session ended, for its last log line.
type closeReason string

func (s *Server) serveConn(raw net.Conn) {
	ss := &session{srv: s, started: time.Now(),
		log: s.log.With().Str("remote", raw.RemoteAddr().String()).Bool("ote", s.opts.OTE).Logger()}
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

	reason := ss.run()
	if ss.loggedIn {
		s.release(ss.actor.ChannelID())
	}
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
// (never past the session's lifetime), then up to the read timeout for its body.
func (ss *session) read(lifetimeEnd time.Time) ([]byte, closeReason) {
	o := ss.srv.opts
	idle := time.Now().Add(o.IdleTimeout)
	if lifetimeEnd.Before(idle) {
		idle = lifetimeEnd
	}
	_ = ss.conn.SetReadDeadline(idle)
	r := &deadlineReader{conn: ss.conn, body: o.ReadTimeout}
	frame, err := ReadFrame(r, o.MaxFrameBytes)
	switch {
	case err == nil:
		return frame, ""
	case errors.Is(err, ErrFrameTooLarge):
		ss.log.Warn().Msg("epp frame over the size limit; closing")
		return nil, "frame too large"
	case errors.Is(err, ErrFrameTooSmall):
		return nil, "malformed frame header"
	case errors.Is(err, os.ErrDeadlineExceeded):
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

// dispatch runs one command and says whether the session ends after it.
func (ss *session) dispatch(r *request) (*response, closeReason) {
	ctx, cancel := context.WithTimeout(context.Background(), ss.srv.opts.CommandTimeout)
	defer cancel()
	switch r.name {
	case cmdLogin:
		return ss.login(ctx, r)
	case cmdLogout:
		return success(1500), "logout"
	case cmdTransfer:
		if !ss.loggedIn {
			return failure(core.Errorf(core.CodeCommandUseError, "log in first")), ""
		}
		return failure(core.Errorf(core.CodeUnimplementedCommand, "transfer is not offered by this registry")), ""
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
	a, err := ss.srv.reg.EPPLogin(ctx, strings.TrimSpace(x.ClID), x.PW, newPW)
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
	ss.actor, ss.loggedIn = a, true
	ss.log = ss.log.With().Str("channel", a.Channel.Slug).Str("channel_id", a.ChannelID()).Logger()
	ss.log.Info().Bool("password_changed", newPW != "").Msg("epp login")
	return success(1000), ""
}
