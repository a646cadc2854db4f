// Package registry holds the registry's use cases: every registrar and
// operator command as a plain flow of verify steps over the ports. It imports
// core and ports only; transports call it through ports.RegistrarService and
// ports.OperatorService.
package registry

import (
	"context"
	"errors"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// Service implements ports.RegistrarService and ports.OperatorService.
type Service struct {
	uow  ports.UnitOfWork
	rate ports.RateCounter
	// leases hands out counts taken from rate in advance; nil when rate is
	// in process or Options.RateLeaseMax is 1.
	leases *rateLeases
	dns    ports.DNSBackends
	clock  ports.Clock
	ids    ports.IDGenerator
	opts   Options

	actors     *ttlCache[core.Actor]     // by token hash, see DefaultActorCacheTTL
	namespaces *ttlCache[core.Namespace] // by name, likewise
	commits    *committer                // group commit of a partner's commands
	recent     *recentKeys               // idempotency keys this node answered lately (mutate's fast path)
	docs       statusDocs                // the /status contracts, built once

	// EPP login: failure counters, hash slots, the unbounded hasher.
	login        *loginGuard
	hashes       hashSlots
	rawPasswords ports.PasswordHasher
}

// Options tune the service; the zero value is the contract's defaults.
type Options struct {
	// IdempotencyRetention is how long idempotency records are kept (≥ 24h).
	IdempotencyRetention time.Duration
	// DocsBase is the path prefix documents are served under, for /status links.
	DocsBase string
	// Passwords hashes EPP passwords and contact authInfo with a slow hash.
	// Without it, setting an EPP password, EPP login and contact authInfo
	// answer internal_error.
	Passwords ports.PasswordHasher
	// EPPGateway says how the EPP gateway runs in this deployment, for the
	// /status epp_gateway_contract: "" (implemented, not listening here) or
	// "available" (a listener is up).
	EPPGateway string
	// ActorCacheTTL is how long a resolved API key and a namespace are
	// reused: 0 means DefaultActorCacheTTL, a negative value reads them
	// afresh for every request.
	ActorCacheTTL time.Duration
	// GroupCommitMax is how many concurrent commands at most share one
	// transaction (group commit, see committer): 0 means
	// DefaultGroupCommitMax, 1 gives every command a transaction of its own.
	GroupCommitMax int
	// GroupCommitShards is how many queues group commit shares the partners
	// among (see committer): 0 means GOMAXPROCS/2, at least one.
	GroupCommitShards int
	// RateLeaseMax is the most counts of a rate-limit window this node takes
	// from a shared counter (one that implements ports.RateReserver) in one
	// round trip, to hand to its next requests (see rateLeases): 0 means
	// DefaultRateLeaseMax, 1 asks the counter for every request.
	RateLeaseMax int

	// LoginGuard tunes the counting of failed EPP logins (login_guard.go).
	LoginGuard LoginGuardOptions
	// MaxConcurrentHashes bounds the password hashes running at once
	// (0: DefaultMaxConcurrentHashes).
	MaxConcurrentHashes int
	// Observer is told of registry-made actions (maintenance, backend
	// work) for metrics; nil observes nothing.
	Observer ports.Observer
}

var (
	_ ports.RegistrarService = (*Service)(nil)
	_ ports.OperatorService  = (*Service)(nil)
)

// NewService builds the registry service over its ports.
func NewService(uow ports.UnitOfWork, rate ports.RateCounter, dns ports.DNSBackends, clock ports.Clock, ids ports.IDGenerator, opts Options) *Service {
	if opts.IdempotencyRetention < 24*time.Hour {
		opts.IdempotencyRetention = 24 * time.Hour
	}
	if opts.ActorCacheTTL == 0 {
		opts.ActorCacheTTL = DefaultActorCacheTTL
	}
	if opts.Observer == nil {
		opts.Observer = ports.NopObserver{}
	}
	s := &Service{uow: uow, rate: rate, dns: dns, clock: clock, ids: ids, opts: opts,
		actors:     newTTLCache(opts.ActorCacheTTL, cloneActor),
		namespaces: newTTLCache(opts.ActorCacheTTL, cloneNamespace),
		commits:    newCommitter(uow, opts.Observer, opts.GroupCommitMax, opts.GroupCommitShards),
		recent:     newRecentKeys()}
	if opts.RateLeaseMax == 0 {
		opts.RateLeaseMax = DefaultRateLeaseMax
	}
	if rr, ok := rate.(ports.RateReserver); ok && opts.RateLeaseMax > 1 {
		s.leases = newRateLeases(rr, opts.RateLeaseMax)
	}
	s.initLogin()
	return s
}

// Observer is the observer of registry-made actions (never nil).
func (s *Service) Observer() ports.Observer { return s.opts.Observer }

// now is the one clock reading of a command (UTC, microsecond precision so
// that every store round-trips it exactly).
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// storeErr maps store sentinel errors to catalog errors; core errors pass.
func storeErr(err error, notFound core.Code, what string) error {
	if err == nil {
		return nil
	}
	var ce *core.Error
	switch {
	case errors.As(err, &ce):
		return err
	case errors.Is(err, ports.ErrNotFound):
		return core.Errorf(notFound, "%s not found", what)
	case errors.Is(err, ports.ErrDuplicate):
		return core.Errorf(core.CodeAlreadyExists, "%s already exists", what)
	case errors.Is(err, ports.ErrKeyBusy):
		return &core.Error{Code: core.CodeIdempotencyInProgress,
			Detail: "another request with this idempotency key is still running; retry to receive its result", Cause: err}
	case errors.Is(err, ports.ErrBusy):
		// A row this command must change (a partner's balance, a domain) is
		// held by another transaction past the wait bound: nothing changed.
		return &core.Error{Code: core.CodeResourceBusy, Detail: "another command holds what this one must change; nothing was changed, retry shortly", Cause: err}
	case errors.Is(err, ports.ErrUnavailable):
		return core.Unavailable("the registry database", err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return core.Unavailable("the registry database", err)
	default:
		return core.Internal(err)
	}
}
