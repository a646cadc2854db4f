package main

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
)

// The maintenance loop runs in every registryd (serve and worker): every
// REGISTRY_MAINTENANCE_INTERVAL it makes the lifecycle changes that have
// come due (auto-renew, expiry, deletion after the auto-renew grace, end of
// redemption, purge, end of grace periods) and, hourly, drops idempotency
// records past their retention. Any number of nodes may run it on one
// database: each change claims its registration with FOR UPDATE SKIP
// LOCKED, so it is made once.

// idempotencyPurgeEvery is how often the loop drops old idempotency records.
const idempotencyPurgeEvery = time.Hour

// Maintenance action names (registry_maintenance_* series). The lifecycle
// changes count under their audit command (auto_renew_domain, ...).
const (
	MaintenanceIdempotencyPurge = "idempotency_purge"
	MaintenancePendingApplied   = "pending_applied"
	MaintenancePendingFailed    = "pending_failed"
	MaintenancePendingRetried   = "pending_retry"
)

// startMaintenance runs the loop in the background until ctx ends or stop
// is called; stop returns once the pass in flight is over.
func startMaintenance(ctx context.Context, svc *registry.Service, interval time.Duration, log zerolog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	log = log.With().Str("component", "maintenance").Logger()
	go func() {
		defer close(done)
		maintenanceLoop(ctx, svc, interval, log)
	}()
	log.Info().Dur("interval", interval).Msg("maintenance loop started")
	return func() {
		cancel()
		<-done
	}
}

func maintenanceLoop(ctx context.Context, svc *registry.Service, interval time.Duration, log zerolog.Logger) {
	var lastPurge time.Time
	for {
		if time.Since(lastPurge) >= idempotencyPurgeEvery {
			lastPurge = time.Now()
			purgeIdempotency(ctx, svc, log)
		}
		more := maintenancePass(ctx, svc, log)
		// A pass that stopped at its limit goes on at once; otherwise wait
		// the interval, with a little jitter so that nodes do not sweep in step.
		wait := interval + rand.N(interval/10+1)
		if more {
			wait = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// purgeIdempotency drops idempotency records past their retention.
func purgeIdempotency(ctx context.Context, svc *registry.Service, log zerolog.Logger) {
	ctx, span, log := backgroundSpan(ctx, "registry.idempotency_purge", log)
	defer span.End()
	n, err := svc.PurgeIdempotency(ctx)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn().Err(err).Msg("idempotency purge failed")
		}
		return
	}
	svc.Observer().MaintenanceAction(MaintenanceIdempotencyPurge, n)
	if n > 0 {
		log.Info().Int("removed", n).Msg("idempotency records purged")
	}
}

// maintenancePass makes one batch of due changes and logs what it did; it
// answers whether more is due.
func maintenancePass(ctx context.Context, svc *registry.Service, log zerolog.Logger) bool {
	ctx, span, log := backgroundSpan(ctx, "registry.maintenance", log)
	defer span.End()
	start := time.Now()
	rep, err := svc.RunMaintenance(ctx, registry.DefaultMaintenanceBatch)
	for _, c := range core.LifecycleChanges() {
		svc.Observer().MaintenanceAction(string(c), rep.Changes[c])
	}
	if err != nil {
		if ctx.Err() == nil {
			log.Warn().Err(err).Int("changes", rep.Total()).Msg("maintenance pass failed")
		}
		return false
	}
	if n := rep.Total(); n > 0 {
		ev := log.Info().Int("changes", n).Dur("took", time.Since(start))
		for c, k := range rep.Changes {
			ev = ev.Int(string(c), k)
		}
		ev.Msg("maintenance pass")
	}
	return rep.More
}
