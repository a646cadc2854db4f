package registry

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// mutation is what the pipeline needs to know about a mutating command
// before it runs: who, what, on which name, with which key and mode.
type mutation struct {
	actor   core.Actor
	command core.Command
	name    core.Name
	ns      core.Namespace
	meta    core.Mutation
	// params is the normalized request, fingerprinted for idempotency.
	params any
	// request is the audit-safe request summary (redacted by core.Summarize).
	request map[string]any
	// locksName: the command's first store call after its claim is
	// UpdateByName(name) (mutateDomainAs), so the claim may lock it too.
	locksName bool
	// registers: the command's first write after its claim is
	// DomainRepository.Register (CreateDomain), which may carry the claim.
	registers bool
}

// execFunc performs a command's effect inside the transaction and fills in
// out (Domain, Records, Freed, ...). sandbox tells it to skip side effects
// outside the store (DNS writes); the store effects are rolled back by the
// pipeline.
type execFunc func(ctx context.Context, tx ports.Stores, now time.Time, out *core.Outcome) error

// errSandboxRollback aborts the validation transaction of a sandbox command.
var errSandboxRollback = errors.New("sandbox: roll back")

// replayError aborts a transaction whose idempotency key was already used.
type replayError struct{ rec core.IdempotencyRecord }

func (e *replayError) Error() string { return "idempotency key already recorded" }

// Is: the command wrote nothing (its claim, the first statement of every
// command, found the record), so the rest of its group stands.
func (e *replayError) Is(target error) bool { return target == ports.ErrNothingWritten }

// mutate is the one pipeline every mutating command runs through. It alone
// decides replay, conflict and in-progress from the idempotency record, takes
// one clock reading, runs exec in one transaction together with the audit row
// and the idempotency record, writes a failed audit row for a refused
// command, and for sandbox commands validates in a rolled-back transaction
// before recording only the audit row and the idempotency record.
func (s *Service) mutate(ctx context.Context, m mutation, exec execFunc) (core.Outcome, error) {
	if err := core.ValidateIdempotencyKey(m.meta.IdempotencyKey); err != nil {
		return core.Outcome{}, err
	}
	fp := core.Fingerprint(m.command, m.name.String(), m.meta.Sandbox, m.params)
	chID := m.actor.ChannelID()

	// Fast path: a committed record answers without a write transaction,
	// looked up when the key may be a retry of a command this node
	// answered (recentKeys); any other key's record, if it has one, is
	// found by the transaction's claim, which answers the same replay.
	if s.recent.maybe(chID, m.meta.IdempotencyKey) {
		var prior *core.IdempotencyRecord
		err := s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
			rec, err := tx.Idempotency().Get(ctx, chID, m.meta.IdempotencyKey)
			if err == nil {
				prior = &rec
				return nil
			}
			if errors.Is(err, ports.ErrNotFound) {
				return nil
			}
			return err
		})
		if err != nil {
			return core.Outcome{}, storeErr(err, core.CodeInternal, "idempotency record")
		}
		if prior != nil && len(prior.Result) > 0 {
			return replay(*prior, m.command, m.name.String(), fp)
		}
	}

	now := s.now()
	auditID := s.ids.NewID("aud")
	out := core.Outcome{
		Command: m.command, Status: core.AuditSuccess, Sandbox: m.meta.Sandbox,
		IdempotencyKey: m.meta.IdempotencyKey, AuditID: auditID,
	}
	rec := core.IdempotencyRecord{
		ChannelID: chID, Key: m.meta.IdempotencyKey, Command: string(m.command), Domain: m.name.String(),
		Fingerprint: fp, Sandbox: m.meta.Sandbox, AuditID: auditID, CreatedAt: now,
	}

	if m.meta.Sandbox {
		out.Status = core.AuditSandbox
		err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Stores) error {
			if err := exec(ctx, tx, now, &out); err != nil {
				return err
			}
			if err := s.charge(ctx, tx, m, &out, now); err != nil {
				return err
			}
			return errSandboxRollback
		})
		if !errors.Is(err, errSandboxRollback) {
			return core.Outcome{}, s.refused(ctx, m, auditID, now, err)
		}
	}

	// Concurrent commands share transactions (group commit, see committer),
	// queued by the partner that pays: those of one payer all end by moving
	// the same balance.
	err := s.commits.Do(ctx, m.actor.Payer().PartnerID, func(ctx context.Context, tx ports.Stores) error {
		var existing *core.IdempotencyRecord
		var err error
		switch {
		case m.meta.Sandbox: // its exec does not run here
			existing, err = tx.Idempotency().Reserve(ctx, rec)
		case m.locksName:
			existing, err = tx.Idempotency().ReserveLocking(ctx, rec, m.name)
		case m.registers:
			existing, err = tx.Idempotency().ReserveRegistering(ctx, rec)
		default:
			existing, err = tx.Idempotency().Reserve(ctx, rec)
		}
		if err != nil {
			return err
		}
		if existing != nil {
			return &replayError{rec: *existing}
		}
		if !m.meta.Sandbox {
			if err := exec(ctx, tx, now, &out); err != nil {
				var used *ports.KeyUsedError
				if errors.As(err, &used) {
					// The claim went with the registration (ReserveRegistering).
					return &replayError{rec: used.Record}
				}
				return err
			}
		}
		if err := tx.Audit().Append(ctx, s.auditEvent(m, auditID, out.Status, out.SuccessHTTPStatus(), outcomeSummary(out), now)); err != nil {
			return err
		}
		result, err := json.Marshal(out)
		if err != nil {
			return err
		}
		rec.Result = result
		if err := tx.Idempotency().Complete(ctx, rec); err != nil {
			return err
		}
		if m.meta.Sandbox {
			return nil
		}
		return s.charge(ctx, tx, m, &out, now)
	})
	var re *replayError
	switch {
	case err == nil:
		s.recent.add(chID, m.meta.IdempotencyKey)
		return out, nil
	case errors.As(err, &re):
		// A retry this node did not remember: the next takes the fast path.
		s.recent.add(chID, m.meta.IdempotencyKey)
		return replay(re.rec, m.command, m.name.String(), fp)
	case errors.Is(err, ports.ErrKeyBusy):
		return core.Outcome{}, core.Errorf(core.CodeIdempotencyInProgress,
			"another request with idempotency key %q is still running; retry to receive its result", m.meta.IdempotencyKey)
	default:
		return core.Outcome{}, s.refused(ctx, m, auditID, now, err)
	}
}

// charge debits what the command costs (out.DebitedGems, set by its exec)
// from the actor's partner and writes its ledger entry. It comes last, after
// the effect, the audit row and the idempotency record: every command of a
// partner debits the same balance row, so its lock must be taken as late as
// possible (a command alone takes it with its last statement; a group moves
// the balance once, at its end, see ports.UnitOfWork.DoEach).
func (s *Service) charge(ctx context.Context, tx ports.Stores, m mutation, out *core.Outcome, now time.Time) error {
	if out.DebitedGems <= 0 {
		return nil
	}
	return s.move(ctx, tx, m.actor.Payer(), out.AuditID, string(m.command),
		strings.TrimSuffix(string(m.command), "_domain"), -out.DebitedGems, m.name.String(), now)
}

// replay answers a recorded result, or a conflict when the key was used for
// something else.
func replay(rec core.IdempotencyRecord, cmd core.Command, domain, fp string) (core.Outcome, error) {
	if err := rec.Matches(cmd, domain, fp); err != nil {
		return core.Outcome{}, err
	}
	if len(rec.Result) == 0 {
		return core.Outcome{}, core.Errorf(core.CodeIdempotencyInProgress,
			"another request with idempotency key %q is still running; retry to receive its result", rec.Key)
	}
	out, err := core.DecodeOutcome(rec.Result)
	if err != nil {
		return core.Outcome{}, core.Internal(err)
	}
	out.Idempotent = true
	return out, nil
}

// refused maps a failed command's error and, for refusals whose catalog
// stage is a registry rule (validation, status, balance, claims, ...),
// writes a failed audit row in a transaction of its own. Access refusals
// (rules 1 to 7), idempotency refusals and system failures write none.
func (s *Service) refused(ctx context.Context, m mutation, auditID string, now time.Time, err error) error {
	err = storeErr(err, core.CodeInternal, "record")
	code := core.CodeOf(err)
	if !core.SpecOf(code).AuditsRefusal() {
		return err
	}
	spec := core.SpecOf(code)
	resp := map[string]any{"error": string(code), "http_status": spec.HTTPStatus}
	if auditErr := s.uow.Do(ctx, func(ctx context.Context, tx ports.Stores) error {
		return tx.Audit().Append(ctx, s.auditEvent(m, auditID, core.AuditFailed, spec.HTTPStatus, resp, now))
	}); auditErr != nil {
		// The refusal stands; losing its failed row must not turn it into a 500.
		return err
	}
	return err
}

func (s *Service) auditEvent(m mutation, id, status string, httpStatus int, resp map[string]any, now time.Time) core.AuditEvent {
	req := core.Summarize(m.request)
	if m.meta.Sandbox {
		req["sandbox"] = true
	}
	return core.AuditEvent{
		ID: id, ChannelID: m.actor.ChannelID(), ChannelSlug: m.actor.Channel.Slug, APIKeyID: m.actor.APIKey.ID,
		Actor: "registrar", Command: string(m.command), Domain: m.name.String(), IdempotencyKey: m.meta.IdempotencyKey,
		Status: status, HTTPStatus: httpStatus, RequestSummary: req, ResponseSummary: core.Summarize(resp),
		CreatedAt: now,
	}
}

// outcomeSummary is the audit-safe response summary of a success.
func outcomeSummary(o core.Outcome) map[string]any {
	m := map[string]any{"status": o.Status, "http_status": o.SuccessHTTPStatus()}
	if d := o.Domain; d != nil {
		m["domain"] = d.Name
		m["state"] = string(d.State)
		m["expires_at"] = d.ExpiresAt.UTC().Format(time.RFC3339)
		m["statuses"] = d.Statuses
		if o.Command == core.CmdUpdateNameservers {
			m["nameservers"] = d.NameserversDesired
			m["apply_status"] = d.ApplyStatus
		}
	}
	if o.Records != nil {
		m["records"] = len(o.Records)
	}
	if g := o.Debited(); g != 0 {
		m["debited_gems"] = g
	}
	if g := o.WouldDebit(); g != 0 {
		m["would_debit_gems"] = g
	}
	if o.RefundedGems != 0 {
		m["refunded_gems"] = o.RefundedGems
	}
	if o.Command == core.CmdDeleteDomain {
		m["freed"] = o.Freed
	}
	if o.PendingID != "" {
		m["pending_id"] = o.PendingID
	}
	return m
}

// domainRule checks and applies a command on the registration as the
// command's transaction has locked it, through the rule methods of
// core.LockedDomain only. What the change leaves to do elsewhere (refunds,
// backend work) it answers as an effect.
type domainRule func(d core.LockedDomain, now time.Time) (core.LifecycleEffect, error)

// domainAfter does what a domain command leaves to do once its row is
// written: ledger entries, pending backend work, backend calls.
type domainAfter func(ctx context.Context, tx ports.Stores, d core.Domain, eff core.LifecycleEffect, now time.Time, out *core.Outcome) error

// mutateDomain is the one way a registrar command changes a registration:
// inside the pipeline's transaction it locks the registration by name, checks
// sponsorship (rule 7) on that locked row, runs rule on it and writes the
// result; then after runs and the answer carries the registration as
// written. before, if any, runs first in the transaction (work that must take
// its locks before the registration's, as the apply worker does).
func (s *Service) mutateDomain(ctx context.Context, m mutation, before execFunc, rule domainRule, after domainAfter) (core.Outcome, error) {
	return s.mutateDomainAs(ctx, m, sponsorOnly, before, rule, after)
}

// domainAccess decides on the locked row whether the actor may run the
// command at all (an access refusal, rule 7 or its transfer variants).
type domainAccess func(d *core.Domain, a core.Actor) error

// sponsorOnly is rule 7: only the sponsoring channel acts on a registration.
func sponsorOnly(d *core.Domain, a core.Actor) error {
	if d.ChannelID != a.ChannelID() {
		return core.Errorf(core.CodeDomainNotSponsored, "%s is sponsored by another registrar channel", d.Name)
	}
	return nil
}

// mutateDomainAs is mutateDomain with another access rule than
// sponsorship: a transfer request comes from a channel that does not
// sponsor the registration, a cancellation from the one that asked.
func (s *Service) mutateDomainAs(ctx context.Context, m mutation, access domainAccess, before execFunc, rule domainRule, after domainAfter) (core.Outcome, error) {
	// Without a before step the command's first store call after its claim
	// is the registration's locked read: the store may make both at once.
	m.locksName = before == nil
	return s.mutate(ctx, m, func(ctx context.Context, tx ports.Stores, now time.Time, out *core.Outcome) error {
		if before != nil {
			if err := before(ctx, tx, now, out); err != nil {
				return err
			}
		}
		var eff core.LifecycleEffect
		d, err := tx.Domains().UpdateByName(ctx, m.name, func(d *core.Domain) error {
			if err := access(d, m.actor); err != nil {
				return err
			}
			var err error
			eff, err = rule(core.LockForRules(d), now)
			return err
		})
		if errors.Is(err, ports.ErrNotFound) {
			return core.Errorf(core.CodeDomainNotFound, "%s is not registered", m.name)
		}
		if err != nil {
			return err
		}
		if after != nil {
			if err := after(ctx, tx, d, eff, now, out); err != nil {
				return err
			}
		}
		v := core.ViewOf(&d, now)
		out.Domain = &v
		return nil
	})
}
