package registry

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// RateWindow is the fixed rate-limit window.
const RateWindow = time.Minute

// Authorize applies access rules 1 to 4: a known, unrevoked key (401); a
// key bound to an approved channel (403, except for status); the command's
// scopes (403); the channel's rate limit (429). The rate decision is returned
// whenever the channel is approved, errors included.
func (s *Service) Authorize(ctx context.Context, token string, command core.Command) (core.Actor, *core.RateDecision, error) {
	spec, ok := core.SpecOfCommand(command)
	if !ok {
		return core.Actor{}, nil, core.Internal(errors.New("unknown command " + string(command)))
	}
	a, err := s.resolveActor(ctx, token)
	if err != nil {
		return core.Actor{}, nil, err
	}
	if !a.ChannelApproved() {
		if command == core.CmdStatus {
			return a, nil, nil
		}
		return a, nil, core.Errorf(core.CodeChannelRequired, "this API key is not bound to an approved registrar channel")
	}
	rate := s.countRequest(ctx, a, command)
	if missing := a.MissingScopes(spec); len(missing) > 0 {
		return a, &rate, core.Errorf(core.CodeInsufficientScope, "this API key lacks the scope %s required by %s", missing[0], command)
	}
	if !rate.Allowed {
		return a, &rate, core.Errorf(core.CodeRateLimitExceeded,
			"rate limit of %d requests per minute exceeded for %s; retry after %d seconds", rate.Limit, command, rate.RetryAfter(s.clock.Now()))
	}
	return a, &rate, nil
}

// resolveActor loads the key, its partner, channel and listings, or takes
// them from the actor cache (see DefaultActorCacheTTL).
func (s *Service) resolveActor(ctx context.Context, token string) (core.Actor, error) {
	if token == "" || len(token) > 512 {
		return core.Actor{}, core.Errorf(core.CodeInvalidAPIKey, "a valid bearer token is required")
	}
	hash := core.HashToken(token)
	now := s.clock.Now()
	a, gen, ok := s.actors.get(hash, now)
	if ok {
		return a, nil
	}
	a, err := s.loadActor(ctx, hash)
	if err == nil {
		s.actors.put(hash, a, gen, now)
	}
	return a, err
}

// loadActor reads the key with hash, its partner, channel and listings.
func (s *Service) loadActor(ctx context.Context, hash string) (core.Actor, error) {
	var a core.Actor
	err := s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		k, err := tx.APIKeys().GetByTokenHash(ctx, hash)
		if errors.Is(err, ports.ErrNotFound) {
			return core.Errorf(core.CodeInvalidAPIKey, "the API key is unknown or revoked")
		}
		if err != nil {
			return storeErr(err, core.CodeInvalidAPIKey, "API key")
		}
		if k.Revoked() {
			return core.Errorf(core.CodeInvalidAPIKey, "the API key is unknown or revoked")
		}
		a.APIKey = k
		a.Scopes = effectiveScopes(k)
		if a.Partner, err = tx.Partners().Get(ctx, k.PartnerID); err != nil {
			return storeErr(err, core.CodeInvalidAPIKey, "partner")
		}
		if k.ChannelID == "" {
			return nil
		}
		ch, err := tx.Channels().Get(ctx, k.ChannelID)
		if err != nil {
			return storeErr(err, core.CodeChannelRequired, "registrar channel")
		}
		a.Channel = &ch
		if a.Listings, err = tx.Listings().ListByChannel(ctx, ch.ID); err != nil {
			return storeErr(err, core.CodeInternal, "listings")
		}
		return nil
	})
	return a, storeErr(err, core.CodeInternal, "API key")
}

func effectiveScopes(k core.APIKey) []string {
	out := append([]string(nil), k.Scopes...)
	if granted, ok := core.Profiles()[k.Profile]; ok {
		for _, sc := range granted {
			if !slices.Contains(out, sc) {
				out = append(out, sc)
			}
		}
	}
	return out
}

// countRequest counts one request in the channel's fixed window. A counter
// that fails is treated as allowing the request (fail-open): the adapter
// already falls back to an in-process window and logs the outage.
func (s *Service) countRequest(ctx context.Context, a core.Actor, command core.Command) core.RateDecision {
	now := s.clock.Now()
	limit := a.Channel.RateLimitPerMinute
	if limit <= 0 {
		limit = core.DefaultRateLimitPerMinute
	}
	start := now.Truncate(RateWindow)
	return s.countIn(ctx, RateKey(a.Channel.ID, a.APIKey.ID, command, start), limit, start, now)
}

// countIn counts one request in the window of key that began at start:
// from the counts this node holds when the counter is shared (rateLeases),
// else from the counter. A counter that fails allows the request.
func (s *Service) countIn(ctx context.Context, key string, limit int, start, now time.Time) core.RateDecision {
	const ttl = RateWindow + 5*time.Second
	var n int64
	var err error
	if s.leases != nil {
		n, err = s.leases.count(ctx, key, limit, ttl, now)
	} else {
		n, err = s.rate.Incr(ctx, key, ttl)
	}
	if err != nil {
		n = 0
	}
	return Decide(limit, n, start)
}

// RateKey is the counter key of one channel, key, command and window. The
// channel id is a Redis Cluster hash tag so a channel's keys share a slot.
func RateKey(channelID, apiKeyID string, command core.Command, windowStart time.Time) string {
	return "rl:{" + channelID + "}:" + apiKeyID + ":" + string(command) + ":" + strconv.FormatInt(windowStart.Unix(), 10)
}

// Decide turns a window count into a decision.
func Decide(limit int, count int64, windowStart time.Time) core.RateDecision {
	remaining := int64(limit) - count
	if remaining < 0 {
		remaining = 0
	}
	return core.RateDecision{
		Allowed:   count <= int64(limit),
		Limit:     limit,
		Remaining: int(remaining),
		Reset:     windowStart.Add(RateWindow),
		Window:    RateWindow,
	}
}

// target resolves the domain a command names and applies rules 5 and 6:
// the name parses (400), its namespace exists (400) and is approved for the
// channel (403), and a non-sandbox mutation needs production approval (403).
func (s *Service) target(ctx context.Context, a core.Actor, domain string, mutating, sandbox bool) (core.Name, core.Namespace, error) {
	name, err := core.ParseName(domain)
	if err != nil {
		return core.Name{}, core.Namespace{}, err
	}
	ns, err := s.namespace(ctx, name.Namespace())
	if err != nil {
		return core.Name{}, core.Namespace{}, err
	}
	if err := s.namespaceRules(a, ns.Name, mutating, sandbox); err != nil {
		return core.Name{}, core.Namespace{}, err
	}
	return name, ns, nil
}

func (s *Service) namespaceRules(a core.Actor, ns string, mutating, sandbox bool) error {
	if !a.NamespaceApproved(ns) {
		return core.Errorf(core.CodeNamespaceNotApproved, "registrar channel %s is not approved for namespace %s", a.Channel.Slug, ns)
	}
	if mutating && !sandbox && !a.Channel.ProductionApproved {
		return core.Errorf(core.CodeChannelNotProductionApproved,
			"registrar channel %s may run OT&E and sandbox commands, but production mutation has not been approved", a.Channel.Slug)
	}
	return nil
}

func (s *Service) namespace(ctx context.Context, name string) (core.Namespace, error) {
	ns, err := s.lookupNamespace(ctx, name)
	if errors.Is(err, ports.ErrNotFound) {
		return core.Namespace{}, core.Invalid("domain", "namespace %q does not exist", name)
	}
	return ns, storeErr(err, core.CodeInternal, "namespace")
}

// sponsored loads a registration and applies rule 7.
func sponsored(ctx context.Context, tx ports.Stores, a core.Actor, name core.Name) (core.Domain, error) {
	d, err := tx.Domains().GetByName(ctx, name)
	if errors.Is(err, ports.ErrNotFound) {
		return core.Domain{}, core.Errorf(core.CodeDomainNotFound, "%s is not registered", name)
	}
	if err != nil {
		return core.Domain{}, storeErr(err, core.CodeDomainNotFound, "domain")
	}
	if d.ChannelID != a.ChannelID() {
		return core.Domain{}, core.Errorf(core.CodeDomainNotSponsored, "%s is sponsored by another registrar channel", name)
	}
	return d, nil
}
