package registry

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// EPP sessions. Login takes the channel slug (clID) and the channel's EPP
// password; the session then acts for the channel with every registrar
// scope. Each command of the session goes through AuthorizeSession, which
// re-reads the channel (a suspension takes effect at the next command) and
// counts the command in the per-channel rate-limit counters REST uses.

// EPP password bounds (RFC 5730 pwType).
const (
	MinEPPPasswordLength = 6
	MaxEPPPasswordLength = 16
)

// EPPSessionKeyID stands in for the API key id of an EPP session in audit
// rows and rate-limit counter keys.
const EPPSessionKeyID = "epp"

// ValidateEPPPassword checks an EPP password: 6 to 16 characters (RFC 5730
// pwType, an XML token: no control characters, no leading, trailing or
// doubled spaces).
func ValidateEPPPassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	bad := core.Invalid(field, "the EPP password has %d to %d characters without control characters, leading, trailing or doubled spaces",
		MinEPPPasswordLength, MaxEPPPasswordLength)
	if !utf8.ValidString(pw) || n < MinEPPPasswordLength || n > MaxEPPPasswordLength {
		return bad
	}
	if strings.TrimSpace(pw) != pw || strings.Contains(pw, "  ") {
		return bad
	}
	for _, r := range pw {
		if r < 0x20 || r == 0x7f {
			return bad
		}
	}
	return nil
}

// SetEPPPassword sets a channel's EPP password (operator API), stored hashed.
func (s *Service) SetEPPPassword(ctx context.Context, channelID, password string) (core.Channel, error) {
	if err := ValidateEPPPassword("password", password); err != nil {
		return core.Channel{}, err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return core.Channel{}, err
	}
	return s.updateChannel(ctx, "set_epp_password", channelID, map[string]any{"registrar_channel_id": channelID},
		func(c *core.Channel, _ time.Time) { c.EPPPasswordHash = hash })
}

func (s *Service) hashPassword(pw string) (string, error) {
	if s.opts.Passwords == nil {
		return "", core.Internal(errors.New("registry: no password hasher configured"))
	}
	h, err := s.opts.Passwords.Hash(pw)
	if err != nil {
		return "", core.Internal(err)
	}
	return h, nil
}

// EPPLogin authenticates l.ClID (the channel slug) with l.Password and,
// when l.NewPassword is set, changes the password. A wrong slug or
// password, a channel without an EPP password, or (where client
// certificates are required) a certificate that is not the one bound to the
// channel answer authentication_failed alike; a channel that is not
// approved answers registrar_channel_required (only to a caller that knew
// the password). Failures are counted per channel and per source address
// (login_guard.go): later ones are answered after a growing delay, and a
// lock-out refuses every login of the channel or from the address for a
// while, with ErrLoginLockedOut as the cause.
func (s *Service) EPPLogin(ctx context.Context, l core.EPPLogin) (core.Actor, error) {
	if s.opts.Passwords == nil {
		return core.Actor{}, core.Internal(errors.New("registry: no password hasher configured"))
	}
	msg := "the client identifier or password is wrong"
	if l.ClientCertRequired {
		msg = "the client identifier, password or client certificate is wrong"
	}
	fail := core.Errorf(core.CodeAuthenticationFailed, "%s", msg)
	clID, pw := l.ClID, l.Password
	if len(clID) == 0 || len(clID) > maxSlugLength || len(pw) == 0 || len(pw) > 4*MaxEPPPasswordLength {
		return core.Actor{}, s.loginFailed(ctx, nil, loginKeys(nil, l.Source), fail)
	}
	var found core.Channel
	err := s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		var err error
		found, err = tx.Channels().GetBySlug(ctx, clID)
		return err
	})
	var ch *core.Channel
	switch {
	case err == nil:
		ch = &found
	case !errors.Is(err, ports.ErrNotFound):
		return core.Actor{}, storeErr(err, core.CodeInternal, "registrar channel")
	}
	keys := loginKeys(ch, l.Source)
	if until, locked := s.login.lockedUntil(s.now(), keys); locked {
		return core.Actor{}, loginLockedOut(until)
	}
	hash := s.dummyHash()
	if ch != nil && ch.EPPPasswordHash != "" {
		hash = ch.EPPPasswordHash
	}
	ok, err := s.verifyBounded(ctx, hash, pw)
	if err != nil {
		if core.AsError(err) != nil {
			return core.Actor{}, err
		}
		return core.Actor{}, core.Internal(err)
	}
	if !ok || ch == nil || ch.EPPPasswordHash == "" || !certBound(*ch, l) {
		return core.Actor{}, s.loginFailed(ctx, ch, keys, fail)
	}
	if ch.Status != core.ChannelApproved {
		return core.Actor{}, core.Errorf(core.CodeChannelRequired, "registrar channel %s is %s, not approved", ch.Slug, ch.Status)
	}
	s.login.succeed(keys[0])
	if l.NewPassword != "" {
		if err := ValidateEPPPassword("newPW", l.NewPassword); err != nil {
			return core.Actor{}, err
		}
		if err := s.changeEPPPassword(ctx, *ch, l.NewPassword); err != nil {
			return core.Actor{}, err
		}
	}
	return s.sessionActor(ctx, ch.ID)
}

// certBound reports whether the login's client certificate is the one
// bound to ch, where the listener requires client certificates; a channel
// without a bound certificate cannot log in there.
func certBound(ch core.Channel, l core.EPPLogin) bool {
	if !l.ClientCertRequired {
		return true
	}
	got, ok := core.CertFingerprint(l.ClientCertSHA256)
	return ok && ch.EPPClientCertSHA256 != "" && subtle.ConstantTimeCompare([]byte(got), []byte(ch.EPPClientCertSHA256)) == 1
}

// changeEPPPassword stores a new password and audits the change as a
// registrar command (no password in the summaries).
func (s *Service) changeEPPPassword(ctx context.Context, ch core.Channel, newPW string) error {
	hash, err := s.hashPassword(newPW)
	if err != nil {
		return err
	}
	now := s.now()
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Stores) error {
		if _, err := tx.Channels().Update(ctx, ch.ID, func(c *core.Channel) error {
			c.EPPPasswordHash, c.UpdatedAt = hash, now
			return nil
		}); err != nil {
			return err
		}
		return tx.Audit().Append(ctx, core.AuditEvent{
			ID: s.ids.NewID("aud"), ChannelID: ch.ID, ChannelSlug: ch.Slug, APIKeyID: EPPSessionKeyID, Actor: "registrar",
			Command: "epp_password_change", Status: core.AuditSuccess, HTTPStatus: 200,
			RequestSummary: map[string]any{"registrar_channel_id": ch.ID}, ResponseSummary: map[string]any{"changed": true},
			CreatedAt: now,
		})
	})
	return storeErr(err, core.CodeInternal, "registrar channel")
}

// sessionActor loads the channel, its partner and listings as an actor
// holding every registrar scope.
func (s *Service) sessionActor(ctx context.Context, channelID string) (core.Actor, error) {
	var a core.Actor
	err := s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		ch, err := tx.Channels().Get(ctx, channelID)
		if err != nil {
			return storeErr(err, core.CodeChannelRequired, "registrar channel")
		}
		if ch.Status != core.ChannelApproved {
			return core.Errorf(core.CodeChannelRequired, "registrar channel %s is %s, not approved", ch.Slug, ch.Status)
		}
		p, err := tx.Partners().Get(ctx, ch.PartnerID)
		if err != nil {
			return storeErr(err, core.CodeInternal, "partner")
		}
		listings, err := tx.Listings().ListByChannel(ctx, ch.ID)
		if err != nil {
			return storeErr(err, core.CodeInternal, "listings")
		}
		a = core.Actor{
			APIKey: core.APIKey{ID: EPPSessionKeyID, PartnerID: p.ID, ChannelID: ch.ID, Profile: core.ProfileRegistrarAPI,
				Scopes: core.AllScopes()},
			Partner: p, Channel: &ch, Scopes: core.AllScopes(), Listings: listings,
		}
		return nil
	})
	if err != nil {
		return core.Actor{}, storeErr(err, core.CodeInternal, "session")
	}
	return a, nil
}

// AuthorizeSession re-checks an EPP session for one command: the channel is
// still approved (its production approval and listings are re-read), and
// the command is counted in the channel's rate-limit window under its
// command name, in the counters REST uses. It answers the refreshed actor
// and the rate decision (non-nil whenever the channel is approved).
func (s *Service) AuthorizeSession(ctx context.Context, a core.Actor, command core.Command) (core.Actor, *core.RateDecision, error) {
	if a.Channel == nil {
		return core.Actor{}, nil, core.Errorf(core.CodeChannelRequired, "the session is not bound to a registrar channel")
	}
	fresh, err := s.sessionActor(ctx, a.Channel.ID)
	if err != nil {
		return core.Actor{}, nil, err
	}
	rate := s.countRequest(ctx, fresh, command)
	if !rate.Allowed {
		return fresh, &rate, core.Errorf(core.CodeRateLimitExceeded,
			"rate limit of %d requests per minute exceeded for %s; the session closes", rate.Limit, command)
	}
	return fresh, &rate, nil
}
