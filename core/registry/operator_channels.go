package registry

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// CreateChannel creates a pending registrar channel for a partner.
func (s *Service) CreateChannel(ctx context.Context, cmd core.CreateChannel) (core.Channel, error) {
	if err := validateSlug(cmd.Slug); err != nil {
		return core.Channel{}, err
	}
	if cmd.Slug == core.OTECounterpartySlug {
		return core.Channel{}, core.Invalid("slug", "slug %s is reserved for the registry's OT&E counterparty channel", cmd.Slug)
	}
	limit := cmd.RateLimitPerMinute
	if limit == 0 {
		limit = core.DefaultRateLimitPerMinute
	}
	if err := validateRateLimit(limit); err != nil {
		return core.Channel{}, err
	}
	if strings.TrimSpace(cmd.PartnerID) == "" {
		return core.Channel{}, core.Invalid("partner_id", "partner_id is required")
	}
	var ch core.Channel
	err := s.operatorDo(ctx, "create_channel", 201, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		if _, err := tx.Partners().Get(ctx, cmd.PartnerID); err != nil {
			if errors.Is(err, ports.ErrNotFound) {
				return core.Invalid("partner_id", "partner %s does not exist", quoteID(cmd.PartnerID))
			}
			return storeErr(err, core.CodeInternal, "partner")
		}
		ch = core.Channel{ID: s.ids.NewID("chn"), PartnerID: cmd.PartnerID, Slug: cmd.Slug, Status: core.ChannelPending,
			RateLimitPerMinute: limit, CreatedAt: now, UpdatedAt: now}
		if err := tx.Channels().Insert(ctx, ch); err != nil {
			if errors.Is(err, ports.ErrDuplicate) {
				return core.Errorf(core.CodeAlreadyExists, "registrar channel slug %s already exists", cmd.Slug)
			}
			return storeErr(err, core.CodeInternal, "registrar channel")
		}
		rec.channelID, rec.channelSlug = ch.ID, ch.Slug
		rec.request = map[string]any{"partner_id": cmd.PartnerID, "slug": cmd.Slug, "rate_limit_per_minute": limit}
		rec.response = channelSummary(ch)
		return nil
	})
	if err != nil {
		return core.Channel{}, err
	}
	return ch, nil
}

// GetChannel reads a registrar channel.
func (s *Service) GetChannel(ctx context.Context, id string) (core.Channel, error) {
	var ch core.Channel
	err := s.operatorDo(ctx, "get_channel", 200, func(ctx context.Context, tx ports.Stores, _ time.Time, rec *opAudit) error {
		var err error
		if ch, err = tx.Channels().Get(ctx, id); err != nil {
			return storeErr(err, core.CodeNotFound, "registrar channel "+quoteID(id))
		}
		rec.channelID, rec.channelSlug = ch.ID, ch.Slug
		rec.request = map[string]any{"registrar_channel_id": id}
		rec.response = channelSummary(ch)
		return nil
	})
	if err != nil {
		return core.Channel{}, err
	}
	return ch, nil
}

// PatchChannel sets a channel's rate limit, status and/or the EPP client
// certificate bound to it.
func (s *Service) PatchChannel(ctx context.Context, id string, cmd core.PatchChannel) (core.Channel, error) {
	if cmd.RateLimitPerMinute != nil {
		if err := validateRateLimit(*cmd.RateLimitPerMinute); err != nil {
			return core.Channel{}, err
		}
	}
	if cmd.Status != nil && !cmd.Status.Valid() {
		return core.Channel{}, core.Invalid("status", "status must be one of pending, approved, suspended")
	}
	req := map[string]any{"registrar_channel_id": id}
	if cmd.RateLimitPerMinute != nil {
		req["rate_limit_per_minute"] = *cmd.RateLimitPerMinute
	}
	if cmd.Status != nil {
		req["status"] = string(*cmd.Status)
	}
	var certFP string
	if cmd.EPPClientCertSHA256 != nil && *cmd.EPPClientCertSHA256 != "" {
		fp, ok := core.CertFingerprint(*cmd.EPPClientCertSHA256)
		if !ok {
			return core.Channel{}, core.Invalid("epp_client_cert_sha256", "epp_client_cert_sha256 is a SHA-256 fingerprint: 64 hex digits, optionally colon-separated pairs")
		}
		certFP = fp
	}
	if cmd.EPPClientCertSHA256 != nil {
		req["epp_client_cert_sha256"] = certFP
	}
	return s.updateChannel(ctx, "patch_channel", id, req, func(c *core.Channel, _ time.Time) {
		if cmd.RateLimitPerMinute != nil {
			c.RateLimitPerMinute = *cmd.RateLimitPerMinute
		}
		if cmd.Status != nil {
			c.Status = *cmd.Status
		}
		if cmd.EPPClientCertSHA256 != nil {
			c.EPPClientCertSHA256 = certFP
		}
	})
}

// ApproveChannel admits a channel: its keys may then call the registrar API
// (sandbox and reads; production mutations need ApproveProduction too).
func (s *Service) ApproveChannel(ctx context.Context, id string) (core.Channel, error) {
	return s.updateChannel(ctx, "approve_channel", id, map[string]any{"registrar_channel_id": id},
		func(c *core.Channel, _ time.Time) { c.Status = core.ChannelApproved })
}

// ApproveProduction records production approval once the channel's latest
// OT&E run is ready (checkOTEReady); cmd.Force records it without that. It
// does not require the channel to be approved: the two are independent
// operator decisions, and a channel that is not approved is refused before
// production approval matters (access rule 2 precedes rule 6). Approving
// again keeps the first timestamp.
func (s *Service) ApproveProduction(ctx context.Context, cmd core.ApproveProduction) (core.Channel, error) {
	id := cmd.ChannelID
	req := map[string]any{"registrar_channel_id": id}
	if cmd.Force {
		req["force"] = true
	}
	var ch core.Channel
	err := s.operatorDo(ctx, "approve_production", 200, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		if !cmd.Force {
			if err := s.checkOTEReady(ctx, tx, id); err != nil {
				return err
			}
		}
		var err error
		ch, err = tx.Channels().Update(ctx, id, func(c *core.Channel) error {
			if c.Slug == core.OTECounterpartySlug {
				return core.Invalid("registrar_channel_id", "the registry's OT&E counterparty channel is never production approved")
			}
			if !c.ProductionApproved || c.ProductionApprovedAt == nil {
				t := now
				c.ProductionApprovedAt = &t
			}
			c.ProductionApproved = true
			c.UpdatedAt = now
			return nil
		})
		if err != nil {
			return storeErr(err, core.CodeNotFound, "registrar channel "+quoteID(id))
		}
		if err := s.notify(ctx, tx, ch.ID, core.MsgOperator, "", "Production approval recorded: non-sandbox commands are allowed.",
			map[string]any{"action": "approve_production"}, now); err != nil {
			return err
		}
		rec.channelID, rec.channelSlug = ch.ID, ch.Slug
		rec.request = req
		rec.response = channelSummary(ch)
		return nil
	})
	if err != nil {
		return core.Channel{}, err
	}
	return ch, nil
}

func (s *Service) updateChannel(ctx context.Context, command, id string, req map[string]any, change func(*core.Channel, time.Time)) (core.Channel, error) {
	var ch core.Channel
	err := s.operatorDo(ctx, command, 200, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		var err error
		ch, err = tx.Channels().Update(ctx, id, func(c *core.Channel) error {
			change(c, now)
			c.UpdatedAt = now
			return nil
		})
		if err != nil {
			return storeErr(err, core.CodeNotFound, "registrar channel "+quoteID(id))
		}
		rec.channelID, rec.channelSlug = ch.ID, ch.Slug
		rec.request = req
		rec.response = channelSummary(ch)
		return nil
	})
	if err != nil {
		return core.Channel{}, err
	}
	return ch, nil
}

func channelSummary(c core.Channel) map[string]any {
	return map[string]any{"registrar_channel_id": c.ID, "slug": c.Slug, "status": string(c.Status),
		"production_approved": c.ProductionApproved, "rate_limit_per_minute": c.RateLimitPerMinute}
}

// validateSlug accepts 3 to 40 lowercase letters, digits and hyphens, not
// starting or ending with a hyphen.
func validateSlug(slug string) error {
	bad := core.Invalid("slug", "slug must be %d to %d lowercase letters, digits and hyphens, not starting or ending with a hyphen",
		minSlugLength, maxSlugLength)
	if len(slug) < minSlugLength || len(slug) > maxSlugLength || slug[0] == '-' || slug[len(slug)-1] == '-' {
		return bad
	}
	for i := 0; i < len(slug); i++ {
		c := slug[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return bad
		}
	}
	return nil
}

func validateRateLimit(n int) error {
	if n < 1 || n > MaxRateLimitPerMinute {
		return core.Invalid("rate_limit_per_minute", "rate_limit_per_minute must be from 1 to %d", MaxRateLimitPerMinute)
	}
	return nil
}
