package registry

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// The backend apply worker takes pending work (nameserver updates and
// cancellations) to the namespace's DNS backend:
//
//   - update_nameservers sets the registration's NS delegation in the
//     namespace zone to the item's nameservers (none: withdrawn); on success
//     the domain's applied nameservers become the item's.
//   - the lifecycle's work carries an action in its payload: "withdraw"
//     takes the delegation out of the zone (an expiry, a delete into
//     redemption) and keeps the records for a restore; "restore" puts the
//     desired delegation back (a renewal of an expired registration, a
//     restore); "purge" removes the records and the delegation (a delete in
//     add grace, the purge at the end of pending delete), so that nothing of
//     the registration lingers for the name's next registrant. A
//     delete_domain item without an action purges. This work is retried
//     until it succeeds (a refusal fails it; an operator can retry it).
//
// A namespace whose backend is "none" has no DNS: there is nothing to
// delegate, and the registry's own record of the nameservers is the whole
// effect, so its work is marked applied without a backend call (likewise for
// a backend that does not delegate). Commands the worker does not know are
// left to operators (postponed, never failed).
//
// Items are claimed in one transaction per batch (FOR UPDATE SKIP LOCKED on
// PostgreSQL), so that several workers never apply one item twice; the
// backend call happens while the item is locked and its result is committed
// with the item's new status. Backend changes are idempotent replacements:
// if the commit fails after the backend applied, the item stays pending and
// applying it again changes nothing more.

// Apply worker limits.
const (
	// ApplyMaxAttempts is how many times an item whose backend did not
	// answer is tried before it is marked failed.
	ApplyMaxAttempts = 8
	// ApplyBaseBackoff is the wait after the first unanswered attempt; it
	// doubles with every attempt, up to ApplyMaxBackoff.
	ApplyBaseBackoff = 5 * time.Second
	// ApplyMaxBackoff caps the wait between attempts.
	ApplyMaxBackoff = 10 * time.Minute
	// DefaultApplyBatch is the batch size when ApplyDue is given none.
	DefaultApplyBatch = 16
	// applyLeftDelay postpones work the worker leaves to operators, so that
	// it does not stand in front of work the worker can do.
	applyLeftDelay = time.Hour
	// maxReasonLength bounds a recorded reason (in characters).
	maxReasonLength = 1000
)

// Apply outcomes of one item.
const (
	ApplyOutcomeApplied = "applied" // done (or nothing to do); the item is applied
	ApplyOutcomeRetry   = "retry"   // the backend did not answer; tried again at NextTryAt
	ApplyOutcomeFailed  = "failed"  // refused, or out of attempts; the item is failed with Reason
	ApplyOutcomeLeft    = "left"    // not the worker's to apply; postponed for an operator
)

// ApplyResult is what the worker did with one pending item. Reason is safe
// to record and show (no secrets, no server addresses); Err is the backend's
// own error, for the operator's log only.
type ApplyResult struct {
	ID        string
	Command   string
	Domain    string
	Namespace string
	Backend   string // the namespace's backend kind
	Outcome   string
	Attempts  int       // after this attempt
	NextTryAt time.Time // retry and left only
	Reason    string
	Err       error
}

// ApplyBackoff is the wait after attempt n (1-based) did not reach the backend.
func ApplyBackoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := ApplyBaseBackoff
	for i := 1; i < n; i++ {
		d *= 2
		if d >= ApplyMaxBackoff {
			return ApplyMaxBackoff
		}
	}
	return d
}

// ApplyDue applies up to limit due pending items in one transaction and
// answers how many were applied and failed (retries and items left to
// operators count in neither).
func (s *Service) ApplyDue(ctx context.Context, limit int) (applied, failed int, err error) {
	res, err := s.ApplyBatch(ctx, limit)
	for _, r := range res {
		switch r.Outcome {
		case ApplyOutcomeApplied:
			applied++
		case ApplyOutcomeFailed:
			failed++
		}
	}
	return applied, failed, err
}

// ApplyBatch is ApplyDue answering each item's result. On an error nothing
// of the batch was recorded (the backend may have applied some of it; those
// items stay pending and applying them again is harmless).
func (s *Service) ApplyBatch(ctx context.Context, limit int) ([]ApplyResult, error) {
	if limit <= 0 {
		limit = DefaultApplyBatch
	}
	now := s.now()
	var results []ApplyResult
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Stores) error {
		results = nil
		items, err := tx.Pending().Claim(ctx, now, limit)
		if err != nil {
			return err
		}
		b := &applyBatch{s: s, tx: tx, now: now, namespaces: map[string]core.Namespace{}, down: map[string]error{}}
		for _, it := range items {
			r, err := b.apply(ctx, it)
			if err != nil {
				return err
			}
			results = append(results, r)
		}
		return nil
	})
	if err != nil {
		return nil, storeErr(err, core.CodeInternal, "pending work")
	}
	return results, nil
}

// applyBatch is one batch's transaction and what it learnt so far.
type applyBatch struct {
	s          *Service
	tx         ports.Stores
	now        time.Time
	namespaces map[string]core.Namespace
	// down holds, per namespace, the error of a backend that did not answer
	// in this batch: the namespace's other items wait without calling it.
	down map[string]error
}

// apply settles one claimed item. Its error aborts the batch (store failure
// or the worker stopping); backend errors become the item's outcome.
func (b *applyBatch) apply(ctx context.Context, it core.PendingItem) (ApplyResult, error) {
	r := ApplyResult{ID: it.ID, Command: it.Command, Domain: it.Domain, Attempts: it.Attempts}
	name, err := core.ParseName(it.Domain)
	if err != nil {
		return b.fail(ctx, it, r, "the item names no valid domain", nil)
	}
	r.Namespace = name.Namespace()
	action := pendingAction(it)
	if it.Command != string(core.CmdUpdateNameservers) && action == "" {
		return b.leave(ctx, it, r)
	}
	ns, err := b.namespace(ctx, name.Namespace())
	if errors.Is(err, ports.ErrNotFound) {
		return b.fail(ctx, it, r, "namespace "+name.Namespace()+" does not exist", nil)
	}
	if err != nil {
		return r, err
	}
	r.Backend = ns.DNSBackend

	var nameservers []string
	if it.Command == string(core.CmdUpdateNameservers) || action == actionRestore {
		if nameservers, err = payloadNameservers(it.Payload); err != nil {
			return b.fail(ctx, it, r, "the item's payload has no valid nameservers list", nil)
		}
	}
	// Only the current registration of the name may change its delegation.
	cur, err := b.tx.Domains().GetByName(ctx, name)
	switch {
	case errors.Is(err, ports.ErrNotFound):
		if action != actionPurge {
			return b.fail(ctx, it, r, "the registration "+it.Domain+" no longer exists", nil)
		}
	case err != nil:
		return r, err
	case it.DomainID != "" && cur.ID != it.DomainID:
		if action != actionPurge {
			return b.fail(ctx, it, r, "the registration this work was for is no longer current", nil)
		}
		return b.applied(ctx, it, r, nil, "the name is registered again; the new registration keeps its delegation")
	case action == "" && cur.State != core.StateActive:
		return b.fail(ctx, it, r, "the registration is "+string(cur.State)+"; its delegation comes back with its renewal or restore", nil)
	}

	if ns.DNSBackend == core.DNSBackendNone || ns.DNSBackend == "" {
		return b.applied(ctx, it, r, nameservers, "namespace "+ns.Name+" has no DNS backend: nothing to delegate")
	}
	be, err := b.s.dns.Backend(ns)
	if err != nil {
		// A namespace that chose a driver this deployment lacks waits for
		// the driver to be configured rather than pretend it applied.
		return b.retry(ctx, it, r, "the "+ns.DNSBackend+" DNS backend of namespace "+ns.Name+" is not available in this deployment", err)
	}
	caps := be.Capabilities()
	purge := action == actionPurge
	if !caps.Delegate && !(purge && caps.Write) {
		return b.applied(ctx, it, r, nameservers, "the "+caps.Kind+" backend does not delegate: nothing to apply")
	}
	if down, ok := b.down[ns.Name]; ok {
		return b.retry(ctx, it, r, "the DNS backend of namespace "+ns.Name+" did not answer", down)
	}

	switch {
	case purge:
		err = purgeAtBackend(ctx, be, name)
	default: // a nameserver update, a withdrawal (no nameservers) or a restoration
		err = be.SetDelegation(ctx, name, nameservers)
	}
	switch {
	case ctx.Err() != nil:
		return r, ctx.Err() // stopping: roll the batch back, the items stay due
	case err == nil:
		return b.applied(ctx, it, r, nameservers, "")
	case retryable(err):
		b.down[ns.Name] = err
		return b.retry(ctx, it, r, "the DNS backend of namespace "+ns.Name+" did not answer", err)
	default:
		return b.fail(ctx, it, r, backendReason(err), err)
	}
}

// purgeAtBackend removes everything of a name from its backend: its records
// (when the backend writes records) and its delegation.
func purgeAtBackend(ctx context.Context, be ports.DNSBackend, name core.Name) error {
	caps := be.Capabilities()
	if caps.Write {
		if err := be.ReplaceRecords(ctx, name, nil); err != nil {
			return err
		}
	}
	if caps.Delegate {
		return be.SetDelegation(ctx, name, nil)
	}
	return nil
}

func (b *applyBatch) namespace(ctx context.Context, name string) (core.Namespace, error) {
	if ns, ok := b.namespaces[name]; ok {
		return ns, nil
	}
	ns, err := b.tx.Namespaces().Get(ctx, name)
	if err != nil {
		return core.Namespace{}, err
	}
	b.namespaces[name] = ns
	return ns, nil
}

// applied marks the item applied (note: why nothing was done, if so) and,
// for a nameserver update, records its nameservers as the domain's applied ones.
func (b *applyBatch) applied(ctx context.Context, it core.PendingItem, r ApplyResult, nameservers []string, note string) (ApplyResult, error) {
	p, err := b.tx.Pending().Update(ctx, it.ID, func(p *core.PendingItem) error {
		p.Status, p.Reason, p.UpdatedAt = core.PendingApplied, note, b.now
		p.Attempts++
		return nil
	})
	if err != nil {
		return r, err
	}
	if a := pendingAction(it); (it.Command == string(core.CmdUpdateNameservers) || a == actionWithdraw || a == actionRestore) && it.DomainID != "" {
		if err := b.domain(ctx, it.DomainID, func(d *core.Domain) { d.MarkApplied(nameservers, b.now) }); err != nil {
			return r, err
		}
	}
	if err := b.s.notifyPending(ctx, b.tx, p, b.now); err != nil { // the channel's EPP poll queue
		return r, err
	}
	r.Outcome, r.Attempts, r.Reason = ApplyOutcomeApplied, p.Attempts, note
	return r, nil
}

// fail marks the item failed with reason; a failed nameserver update leaves
// the domain's apply_status failed.
func (b *applyBatch) fail(ctx context.Context, it core.PendingItem, r ApplyResult, reason string, cause error) (ApplyResult, error) {
	reason = boundReason(reason)
	p, err := b.tx.Pending().Update(ctx, it.ID, func(p *core.PendingItem) error {
		p.Status, p.Reason, p.UpdatedAt = core.PendingFailed, reason, b.now
		p.Attempts++
		return nil
	})
	if err != nil {
		return r, err
	}
	if it.Command == string(core.CmdUpdateNameservers) && it.DomainID != "" {
		if err := b.domain(ctx, it.DomainID, func(d *core.Domain) { d.ApplyStatus, d.UpdatedAt = core.ApplyFailed, b.now }); err != nil {
			return r, err
		}
	}
	if err := b.s.notifyPending(ctx, b.tx, p, b.now); err != nil { // the channel's EPP poll queue
		return r, err
	}
	r.Outcome, r.Attempts, r.Reason, r.Err = ApplyOutcomeFailed, p.Attempts, reason, cause
	return r, nil
}

// retry counts an attempt whose backend did not answer and schedules the
// next one, or fails the item once it is out of attempts.
func (b *applyBatch) retry(ctx context.Context, it core.PendingItem, r ApplyResult, reason string, cause error) (ApplyResult, error) {
	n := it.Attempts + 1
	lifecycle := pendingAction(it) != "" // the lifecycle's work is retried until it succeeds
	if n >= ApplyMaxAttempts && !lifecycle {
		return b.fail(ctx, it, r, fmt.Sprintf("gave up after %d attempts: %s", n, reason), cause)
	}
	next := b.now.Add(ApplyBackoff(n))
	if lifecycle {
		reason = boundReason(fmt.Sprintf("attempt %d: %s; next try at %s", n, reason, next.Format(time.RFC3339)))
	} else {
		reason = boundReason(fmt.Sprintf("attempt %d of %d: %s; next try at %s", n, ApplyMaxAttempts, reason, next.Format(time.RFC3339)))
	}
	p, err := b.tx.Pending().Update(ctx, it.ID, func(p *core.PendingItem) error {
		p.Attempts, p.NextTryAt, p.Reason, p.UpdatedAt = n, next, reason, b.now
		return nil
	})
	if err != nil {
		return r, err
	}
	r.Outcome, r.Attempts, r.NextTryAt, r.Reason, r.Err = ApplyOutcomeRetry, p.Attempts, next, reason, cause
	return r, nil
}

// leave postpones work the worker does not apply, for an operator.
func (b *applyBatch) leave(ctx context.Context, it core.PendingItem, r ApplyResult) (ApplyResult, error) {
	next := b.now.Add(applyLeftDelay)
	if _, err := b.tx.Pending().Update(ctx, it.ID, func(p *core.PendingItem) error {
		p.NextTryAt = next
		return nil
	}); err != nil {
		return r, err
	}
	r.Outcome, r.NextTryAt = ApplyOutcomeLeft, next
	r.Reason = "the worker does not apply " + it.Command + "; an operator applies or fails it"
	return r, nil
}

// domain updates the registration id; one that no longer exists is fine.
func (b *applyBatch) domain(ctx context.Context, id string, fn func(*core.Domain)) error {
	_, err := b.tx.Domains().Update(ctx, id, func(d *core.Domain) error {
		fn(d)
		return nil
	})
	if errors.Is(err, ports.ErrNotFound) {
		return nil
	}
	return err
}

// retryable reports whether a backend error means "did not answer".
func retryable(err error) bool {
	return errors.Is(err, ports.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) ||
		core.CodeOf(err) == core.CodeBackendUnavailable
}

// backendReason is the recorded reason of a backend's refusal: a catalog
// error's client-safe detail, or the driver's message (drivers name the
// rcode and cause, never the key).
func backendReason(err error) string {
	var ce *core.Error
	if errors.As(err, &ce) && ce.Code != core.CodeInternal {
		return "the DNS backend refused: " + ce.Detail
	}
	return "the DNS backend refused: " + err.Error()
}

func boundReason(s string) string {
	if utf8.RuneCountInString(s) <= maxReasonLength {
		return s
	}
	r := []rune(s)
	return string(r[:maxReasonLength-1]) + "…"
}
