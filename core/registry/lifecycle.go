package registry

import (
	"context"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// PurgeDeleted completes up to limit deletions whose redemption and
// pending-delete periods have passed: each registration is cancelled (its
// name is available again), the change is audited as the registry's own
// (actor "registry") and the sponsor's message queue is told, all in one
// transaction. Several nodes may sweep at once: the closure re-checks the
// locked row, so a registration is purged once.
func (s *Service) PurgeDeleted(ctx context.Context, limit int) (int, error) {
	now := s.now()
	cutoff := now.Add(-(core.RedemptionPeriod + core.PendingDeletePeriod)).Add(time.Microsecond)
	purged := 0
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Stores) error {
		purged = 0
		due, err := tx.Domains().ListDeletedBefore(ctx, cutoff, limit)
		if err != nil {
			return err
		}
		for _, d := range due {
			done := false
			d, err := tx.Domains().Update(ctx, d.ID, func(x *core.Domain) error {
				if x.PurgeDue(now) {
					x.Purge(now)
					done = true
				}
				return nil
			})
			if err != nil {
				return err
			}
			if !done {
				continue
			}
			if err := s.auditPurge(ctx, tx, d, now); err != nil {
				return err
			}
			if err := s.notify(ctx, tx, d.ChannelID, core.MsgLifecycle, d.Name.String(),
				"The pending delete of "+d.Name.String()+" completed; the name is available again.",
				map[string]any{"state": string(core.StateCancelled), "deleted_at": d.DeletedAt.UTC().Format(time.RFC3339)}, now); err != nil {
				return err
			}
			purged++
		}
		return nil
	})
	return purged, storeErr(err, core.CodeInternal, "purge")
}

func (s *Service) auditPurge(ctx context.Context, tx ports.Stores, d core.Domain, now time.Time) error {
	slug := ""
	if ch, err := tx.Channels().Get(ctx, d.ChannelID); err == nil {
		slug = ch.Slug
	}
	return tx.Audit().Append(ctx, core.AuditEvent{
		ID: s.ids.NewID("aud"), ChannelID: d.ChannelID, ChannelSlug: slug, Actor: "registry",
		Command: "purge_domain", Domain: d.Name.String(), Status: core.AuditSuccess, HTTPStatus: 200,
		RequestSummary:  map[string]any{"domain": d.Name.String(), "reason": "redemption and pending-delete periods ended"},
		ResponseSummary: map[string]any{"state": string(core.StateCancelled)},
		CreatedAt:       now,
	})
}
