package registry

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// ListPending answers every channel's backend work matching f (pending by default).
func (s *Service) ListPending(ctx context.Context, f core.PendingFilter) ([]core.PendingItem, error) {
	if f.Status != "" && !slices.Contains([]string{core.PendingQueued, core.PendingApplied, core.PendingFailed}, f.Status) {
		return nil, core.Invalid("status", "status must be pending, applied or failed")
	}
	f.Limit = pageSize(f.Limit)
	f.Domain = filterDomain(f.Domain)
	var items []core.PendingItem
	err := s.operatorDo(ctx, "list_pending", 200, func(ctx context.Context, tx ports.Stores, _ time.Time, rec *opAudit) error {
		var err error
		if items, err = tx.Pending().List(ctx, f); err != nil {
			return storeErr(err, core.CodeInternal, "pending work")
		}
		rec.channelID = f.ChannelID
		rec.request = map[string]any{"registrar_channel_id": f.ChannelID, "command": f.Command, "domain": f.Domain,
			"status": f.Status, "limit": f.Limit}
		rec.response = map[string]any{"count": len(items)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []core.PendingItem{}
	}
	return items, nil
}

// ApplyPending marks pending work applied. For a nameserver update the
// domain's applied nameservers become the item's; a cancellation needs
// nothing more.
func (s *Service) ApplyPending(ctx context.Context, id string) (core.PendingItem, error) {
	return s.settlePending(ctx, "apply_pending", id, core.PendingApplied, "")
}

// FailPending marks pending work failed with a reason; a failed nameserver
// update leaves the domain's apply_status failed.
func (s *Service) FailPending(ctx context.Context, id, reason string) (core.PendingItem, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 1000 {
		return core.PendingItem{}, core.Invalid("reason", "reason is required and has at most 1000 characters")
	}
	return s.settlePending(ctx, "fail_pending", id, core.PendingFailed, reason)
}

func (s *Service) settlePending(ctx context.Context, command, id, status, reason string) (core.PendingItem, error) {
	var item core.PendingItem
	err := s.operatorDo(ctx, command, 200, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		// A transfer intent is settled by approving or rejecting its
		// transfer; the registration is locked before the item, as every
		// transfer step does.
		intent := false
		if peek, err := tx.Pending().Get(ctx, id); err == nil && peek.Command == string(core.CmdRequestTransfer) && peek.Status == core.PendingQueued {
			if err := s.settleTransferIntent(ctx, tx, peek, status == core.PendingApplied, now); err != nil {
				return err
			}
			intent = true // the transfer settled the item; the operator's reason stands
		}
		var err error
		item, err = tx.Pending().Update(ctx, id, func(p *core.PendingItem) error {
			if p.Status != core.PendingQueued && !intent {
				return core.Invalid("id", "pending item %s is %s, not pending; only pending work can be applied or failed", p.ID, p.Status)
			}
			p.Status, p.Reason, p.UpdatedAt = status, reason, now
			p.Attempts++
			return nil
		})
		if err != nil {
			return storeErr(err, core.CodeNotFound, "pending item "+quoteID(id))
		}
		if item.Command == string(core.CmdUpdateNameservers) && item.DomainID != "" {
			var ns []string
			if status == core.PendingApplied {
				if ns, err = payloadNameservers(item.Payload); err != nil {
					return err
				}
			}
			_, err := tx.Domains().Update(ctx, item.DomainID, func(d *core.Domain) error {
				if status == core.PendingApplied {
					d.MarkApplied(ns, now)
				} else {
					d.ApplyStatus, d.UpdatedAt = core.ApplyFailed, now
				}
				return nil
			})
			if err != nil && !errors.Is(err, ports.ErrNotFound) {
				return storeErr(err, core.CodeInternal, "domain")
			}
		}
		if err := s.notifyPending(ctx, tx, item, now); err != nil {
			return err
		}
		rec.channelID, rec.domain = item.ChannelID, item.Domain
		if item.ChannelID != "" {
			if ch, err := tx.Channels().Get(ctx, item.ChannelID); err == nil {
				rec.channelSlug = ch.Slug
			}
		}
		rec.request = map[string]any{"pending_id": id, "reason": reason}
		rec.response = map[string]any{"pending_id": item.ID, "command": item.Command, "status": item.Status}
		return nil
	})
	if err != nil {
		return core.PendingItem{}, err
	}
	return item, nil
}

// payloadNameservers reads the "nameservers" of a pending payload, which is
// []string in memory and []any after a JSON round trip.
func payloadNameservers(payload map[string]any) ([]string, error) {
	bad := core.Invalid("payload", "the pending item's payload has no valid nameservers list")
	switch v := payload["nameservers"].(type) {
	case nil:
		return []string{}, nil
	case []string:
		return append([]string{}, v...), nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, bad
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, bad
	}
}
