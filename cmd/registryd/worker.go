package main

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// The backend apply worker loop: it runs inside `registryd serve` when
// REGISTRY_APPLY_WORKER=1 (startWorker) or alone as `registryd worker`
// (runWorker). Any number of loops, on any number of nodes, may share one
// PostgreSQL database: each batch claims its items with FOR UPDATE SKIP
// LOCKED, so no item is applied twice.

// Worker loop timing.
const (
	// workerPoll is the pause between batches when the last one found
	// less than a full batch of due work.
	workerPoll = time.Second
	// workerJitter is the random part added to each pause, so that the
	// loops of several nodes do not poll in step.
	workerJitter = 250 * time.Millisecond
	// workerMaxErrorPause caps the pause after consecutive failed batches
	// (the database does not answer, ...).
	workerMaxErrorPause = 30 * time.Second
)

// startWorker runs the apply worker in the background until ctx ends or
// stop is called; stop returns once the batch in flight is over.
func startWorker(ctx context.Context, svc *registry.Service, log zerolog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		workerLoop(ctx, svc, log.With().Str("component", "apply_worker").Logger(), workerPoll)
	}()
	log.Info().Dur("poll", workerPoll).Int("batch", registry.DefaultApplyBatch).Msg("backend apply worker started")
	return func() {
		cancel()
		<-done
	}
}

// runWorker runs only the apply worker until ctx ends (registryd worker).
func runWorker(ctx context.Context, svc *registry.Service, log zerolog.Logger) error {
	stop := startWorker(ctx, svc, log)
	<-ctx.Done()
	stop()
	log.Info().Msg("backend apply worker stopped")
	return nil
}

// workerLoop applies batches until ctx ends: at once again after a full
// batch (more work is likely due), after poll (plus jitter) otherwise, and
// after a growing pause while batches fail.
func workerLoop(ctx context.Context, svc *registry.Service, log zerolog.Logger, poll time.Duration) {
	errPause := poll
	for ctx.Err() == nil {
		bctx, span, blog := backgroundSpan(ctx, "registry.apply_batch", log)
		res, err := svc.ApplyBatch(bctx, registry.DefaultApplyBatch)
		span.End()
		if ctx.Err() != nil {
			return
		}
		wait := poll + jitter(poll)
		switch {
		case err != nil:
			errPause = min(errPause*2, workerMaxErrorPause)
			wait = errPause + jitter(errPause)
			blog.Warn().Err(err).Dur("retry_in", wait).Msg("backend apply batch failed; nothing of it was recorded")
		case len(res) == registry.DefaultApplyBatch:
			errPause, wait = poll, 0
		default:
			errPause = poll
		}
		observeApply(svc, res, err)
		for _, r := range res {
			logApply(blog, r)
		}
		if wait == 0 {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// jitter is a random duration below a quarter of d (at most workerJitter).
func jitter(d time.Duration) time.Duration {
	j := min(d/4, workerJitter)
	if j <= 0 {
		return 0
	}
	return rand.N(j)
}

// logApply logs one item's result: which item, domain and command, what
// happened and why. Reasons and driver errors never hold secrets (drivers
// name rcodes and servers, never keys); payloads are not logged.
func logApply(log zerolog.Logger, r registry.ApplyResult) {
	var ev *zerolog.Event
	switch r.Outcome {
	case registry.ApplyOutcomeApplied:
		ev = log.Info()
	case registry.ApplyOutcomeRetry:
		ev = log.Warn().Time("next_try_at", r.NextTryAt)
	case registry.ApplyOutcomeFailed:
		ev = log.Error()
	default:
		ev = log.Info().Time("next_try_at", r.NextTryAt)
	}
	ev = ev.Str("pending_id", r.ID).Str("domain", r.Domain).Str("command", r.Command).
		Str("namespace", r.Namespace).Str("backend", r.Backend).Str("result", r.Outcome).Int("attempts", r.Attempts)
	if r.Reason != "" {
		ev = ev.Str("reason", r.Reason)
	}
	if r.Err != nil {
		ev = ev.AnErr("backend_error", r.Err)
	}
	ev.Msg("backend apply")
}

// observeApply counts a batch's results: each settled item as a command of
// transport "registry" (applied: success; failed: failed with
// backend_unavailable, the catalog's code for a backend that did not do
// the work), and per outcome as maintenance actions (retries only there:
// the item is not settled yet).
func observeApply(svc *registry.Service, res []registry.ApplyResult, err error) {
	obs := svc.Observer()
	if err != nil {
		return
	}
	var applied, failed, retried int
	for _, r := range res {
		switch r.Outcome {
		case registry.ApplyOutcomeApplied:
			applied++
			obs.CommandDone(r.Command, ports.TransportRegistry, ports.OutcomeSuccess, "ok", false)
		case registry.ApplyOutcomeFailed:
			failed++
			obs.CommandDone(r.Command, ports.TransportRegistry, ports.OutcomeFailed, string(core.CodeBackendUnavailable), false)
		case registry.ApplyOutcomeRetry:
			retried++
		}
	}
	obs.MaintenanceAction(MaintenancePendingApplied, applied)
	obs.MaintenanceAction(MaintenancePendingFailed, failed)
	obs.MaintenanceAction(MaintenancePendingRetried, retried)
}
