package registry

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// Operator API limits.
const (
	// MaxRateLimitPerMinute bounds a channel's rate limit.
	MaxRateLimitPerMinute = 100_000
	// maxPartnerNameLength bounds partner and OT&E run names (in characters).
	maxPartnerNameLength = 200
	// minSlugLength and maxSlugLength bound channel slugs so that fixture
	// labels such as ote-renew-{slug} stay within 63 characters.
	minSlugLength = 3
	maxSlugLength = 40
	// TokenPrefix starts every API key token.
	TokenPrefix = "hd_live_"
	// tokenDisplayLength is how much of a token is kept for display.
	tokenDisplayLength = 12
	// maxLabelList bounds reserved and claim label lists of a namespace.
	maxLabelList = 10_000
)

// OperatorActor is the audit actor of every operator call.
const OperatorActor = "operator"

// opAudit is what an operator call records about itself. fn fills it in
// inside the transaction, once it knows which channel the object belongs to.
type opAudit struct {
	auditID     string // the id the audit row will have (ledger entries name it)
	channelID   string
	channelSlug string
	domain      string
	request     map[string]any
	response    map[string]any
}

// operatorDo runs one operator call in one transaction together with its
// audit row (actor "operator", command "operator."+command, filed under the
// channel the object belongs to, if any). A call that fails writes nothing,
// audit row included. Registrar views of the audit (GET /poll) select actor
// "registrar", so operator rows never show up there.
func (s *Service) operatorDo(ctx context.Context, command string, httpStatus int,
	fn func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error) error {
	now := s.now()
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Stores) error {
		rec := opAudit{auditID: s.ids.NewID("aud")}
		if err := fn(ctx, tx, now, &rec); err != nil {
			return err
		}
		return tx.Audit().Append(ctx, core.AuditEvent{
			ID: rec.auditID, ChannelID: rec.channelID, ChannelSlug: rec.channelSlug,
			Actor: OperatorActor, Command: "operator." + command, Domain: rec.domain,
			Status: core.AuditSuccess, HTTPStatus: httpStatus,
			RequestSummary: core.Summarize(rec.request), ResponseSummary: core.Summarize(rec.response),
			CreatedAt: now,
		})
	})
	// Keys, partners, channels, listings or namespaces may have changed:
	// registrar requests read them afresh from now on (see DefaultActorCacheTTL).
	s.invalidateCaches()
	return storeErr(err, core.CodeNotFound, "object")
}

// --- partners ---------------------------------------------------------------

// CreatePartner creates a partner with an opening Gems balance. The opening
// balance is written to the ledger, so that a partner's balance always equals
// the sum of its ledger entries.
func (s *Service) CreatePartner(ctx context.Context, cmd core.CreatePartner) (core.Partner, error) {
	name := strings.TrimSpace(cmd.Name)
	if name == "" || utf8.RuneCountInString(name) > maxPartnerNameLength {
		return core.Partner{}, core.Invalid("name", "name is required and has at most %d characters", maxPartnerNameLength)
	}
	if cmd.GemsBalance < 0 {
		return core.Partner{}, core.Invalid("gems_balance", "gems_balance must not be negative")
	}
	var p core.Partner
	err := s.operatorDo(ctx, "create_partner", 201, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		p = core.Partner{ID: s.ids.NewID("ptr"), Name: name, GemsBalance: cmd.GemsBalance,
			DNSModuleEnabled: cmd.DNSModuleEnabled, CreatedAt: now, UpdatedAt: now}
		if err := tx.Partners().Insert(ctx, p); err != nil {
			return storeErr(err, core.CodeNotFound, "partner")
		}
		if err := s.operatorLedger(ctx, tx, p, "opening_balance", cmd.GemsBalance, now); err != nil {
			return err
		}
		rec.request = map[string]any{"name": name, "gems_balance": cmd.GemsBalance, "dns_module_enabled": cmd.DNSModuleEnabled}
		rec.response = partnerSummary(p)
		return nil
	})
	if err != nil {
		return core.Partner{}, err
	}
	return p, nil
}

// GetPartner reads a partner.
func (s *Service) GetPartner(ctx context.Context, id string) (core.Partner, error) {
	var p core.Partner
	err := s.operatorDo(ctx, "get_partner", 200, func(ctx context.Context, tx ports.Stores, _ time.Time, rec *opAudit) error {
		var err error
		if p, err = tx.Partners().Get(ctx, id); err != nil {
			return storeErr(err, core.CodeNotFound, "partner "+quoteID(id))
		}
		rec.request = map[string]any{"partner_id": id}
		rec.response = partnerSummary(p)
		return nil
	})
	if err != nil {
		return core.Partner{}, err
	}
	return p, nil
}

// PatchPartner sets the DNS module and/or the Gems balance. The balance is
// not written as given: the difference between gems_balance and the balance
// the request reads first is applied under the partner's row lock (see
// moveGems), with an "operator_adjust" ledger entry naming the reason and the
// operator, so a debit that commits while the request waits for the row is
// kept rather than undone. A difference that would take the balance below 0
// is refused as insufficient_gems.
func (s *Service) PatchPartner(ctx context.Context, id string, cmd core.PatchPartner) (core.Partner, error) {
	if cmd.GemsBalance != nil && *cmd.GemsBalance < 0 {
		return core.Partner{}, core.Invalid("gems_balance", "gems_balance must not be negative")
	}
	reason, err := gemsReason(cmd.Reason, true)
	if err != nil {
		return core.Partner{}, err
	}
	if reason != "" && cmd.GemsBalance == nil {
		return core.Partner{}, core.Invalid("reason", "reason explains a change of gems_balance; send it with gems_balance")
	}
	var p core.Partner
	err = s.operatorDo(ctx, "patch_partner", 200, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		var delta core.Gems
		if cmd.GemsBalance != nil {
			// The balance as committed when the request is read, before any
			// lock: the operator's change is the difference to it.
			seen, err := tx.Partners().Get(ctx, id)
			if err != nil {
				return storeErr(err, core.CodeNotFound, "partner "+quoteID(id))
			}
			delta = *cmd.GemsBalance - seen.GemsBalance
			if reason == "" {
				reason = fmt.Sprintf("gems_balance set from %d to %d", seen.GemsBalance, *cmd.GemsBalance)
			}
		}
		var err error
		p, _, err = s.moveGems(ctx, tx, id, "gems_balance", delta, reason, rec.auditID, now, func(p *core.Partner) {
			if cmd.DNSModuleEnabled != nil {
				p.DNSModuleEnabled = *cmd.DNSModuleEnabled
			}
		})
		if err != nil {
			return err
		}
		req := map[string]any{"partner_id": id}
		if cmd.GemsBalance != nil {
			req["gems_balance"] = *cmd.GemsBalance
			req["gems_delta"] = delta
			req["reason"] = reason
		}
		if cmd.DNSModuleEnabled != nil {
			req["dns_module_enabled"] = *cmd.DNSModuleEnabled
		}
		rec.request = req
		rec.response = partnerSummary(p)
		return nil
	})
	if err != nil {
		return core.Partner{}, err
	}
	return p, nil
}

// operatorLedger records an operator's Gems movement of amount (p is the
// partner after the movement). Nothing is written for a zero amount.
func (s *Service) operatorLedger(ctx context.Context, tx ports.Stores, p core.Partner, command string, amount core.Gems, now time.Time) error {
	if amount == 0 {
		return nil
	}
	return tx.Ledger().Append(ctx, core.LedgerEntry{
		ID: s.ids.NewID("led"), PartnerID: p.ID, Command: command, Amount: amount, Balance: p.GemsBalance,
		Reason: "operator_adjustment", Actor: OperatorActor, CreatedAt: now,
	})
}

func partnerSummary(p core.Partner) map[string]any {
	return map[string]any{"partner_id": p.ID, "gems_balance": p.GemsBalance, "dns_module_enabled": p.DNSModuleEnabled}
}

// --- namespaces -------------------------------------------------------------

// CreateNamespace creates a namespace the registry sells.
func (s *Service) CreateNamespace(ctx context.Context, cmd core.CreateNamespace) (core.Namespace, error) {
	name, err := core.ParseLabel(cmd.Name)
	if err != nil {
		return core.Namespace{}, core.Invalid("name", "name must be one LDH or IDN label of 1 to 63 characters")
	}
	backend := cmd.DNSBackend
	if backend == "" {
		backend = core.DNSBackendNone
	}
	if !slices.Contains(dnsBackendKinds(), backend) {
		return core.Namespace{}, core.Invalid("dns_backend", "dns_backend must be one of %s", strings.Join(dnsBackendKinds(), ", "))
	}
	if cmd.CreatePriceGems < 0 {
		return core.Namespace{}, core.Invalid("create_price_gems", "create_price_gems must not be negative")
	}
	if cmd.RenewPriceGems < 0 {
		return core.Namespace{}, core.Invalid("renew_price_gems", "renew_price_gems must not be negative")
	}
	reserved, err := parseLabelList("reserved_labels", cmd.ReservedLabels)
	if err != nil {
		return core.Namespace{}, err
	}
	claims, err := parseLabelList("claim_labels", cmd.ClaimLabels)
	if err != nil {
		return core.Namespace{}, err
	}
	policy, err := cmd.Policy.Apply(core.DefaultPolicy())
	if err != nil {
		return core.Namespace{}, err
	}
	var ns core.Namespace
	err = s.operatorDo(ctx, "create_namespace", 201, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		ns = core.Namespace{Name: name, DNSBackend: backend, CreatePriceGems: cmd.CreatePriceGems,
			RenewPriceGems: cmd.RenewPriceGems, ReservedLabels: reserved, ClaimLabels: claims, Policy: policy, CreatedAt: now}
		if err := tx.Namespaces().Insert(ctx, ns); err != nil {
			if errors.Is(err, ports.ErrDuplicate) {
				return core.Errorf(core.CodeAlreadyExists, "namespace %s already exists", name)
			}
			return storeErr(err, core.CodeNotFound, "namespace")
		}
		rec.request = map[string]any{"name": name, "dns_backend": backend, "create_price_gems": cmd.CreatePriceGems,
			"renew_price_gems": cmd.RenewPriceGems, "reserved_labels": len(reserved), "claim_labels": len(claims),
			"policy": policySummary(policy)}
		rec.response = map[string]any{"namespace": name}
		return nil
	})
	if err != nil {
		return core.Namespace{}, err
	}
	return ns, nil
}

// UpdateNamespace changes a namespace's prices, labels and lifecycle
// policy. A policy change applies to periods that start after it: running
// periods keep the deadlines their registrations recorded.
func (s *Service) UpdateNamespace(ctx context.Context, cmd core.UpdateNamespace) (core.Namespace, error) {
	if cmd.CreatePriceGems != nil && *cmd.CreatePriceGems < 0 {
		return core.Namespace{}, core.Invalid("create_price_gems", "create_price_gems must not be negative")
	}
	if cmd.RenewPriceGems != nil && *cmd.RenewPriceGems < 0 {
		return core.Namespace{}, core.Invalid("renew_price_gems", "renew_price_gems must not be negative")
	}
	var reserved, claims []string
	var err error
	if cmd.ReservedLabels != nil {
		if reserved, err = parseLabelList("reserved_labels", *cmd.ReservedLabels); err != nil {
			return core.Namespace{}, err
		}
	}
	if cmd.ClaimLabels != nil {
		if claims, err = parseLabelList("claim_labels", *cmd.ClaimLabels); err != nil {
			return core.Namespace{}, err
		}
	}
	if _, err := cmd.Policy.Apply(core.DefaultPolicy()); err != nil {
		return core.Namespace{}, err // refused before anything is locked
	}
	if name, err := core.ParseLabel(cmd.Name); err == nil {
		cmd.Name = name // the A-label, as CreateNamespace stores it
	}
	var ns core.Namespace
	err = s.operatorDo(ctx, "update_namespace", 200, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		var err error
		ns, err = tx.Namespaces().Update(ctx, cmd.Name, func(n *core.Namespace) error {
			if cmd.CreatePriceGems != nil {
				n.CreatePriceGems = *cmd.CreatePriceGems
			}
			if cmd.RenewPriceGems != nil {
				n.RenewPriceGems = *cmd.RenewPriceGems
			}
			if cmd.ReservedLabels != nil {
				n.ReservedLabels = reserved
			}
			if cmd.ClaimLabels != nil {
				n.ClaimLabels = claims
			}
			p, err := cmd.Policy.Apply(n.Policy)
			n.Policy = p
			return err
		})
		if err != nil {
			return storeErr(err, core.CodeNotFound, "namespace")
		}
		rec.request = map[string]any{"name": cmd.Name, "policy": policySummary(ns.Policy)}
		rec.response = map[string]any{"namespace": ns.Name}
		return nil
	})
	if err != nil {
		return core.Namespace{}, err
	}
	return ns, nil
}

// policySummary is a policy as audit rows and documents show it.
func policySummary(p core.Policy) map[string]any {
	m := map[string]any{"auto_renew": p.AutoRenew}
	for _, f := range core.PolicyPeriods() {
		m[f.Field] = int64(*f.Ptr(&p) / time.Second)
	}
	if p.RestorePriceGems != nil {
		m["restore_price_gems"] = *p.RestorePriceGems
	}
	if p.TransferPriceGems != nil {
		m["transfer_price_gems"] = *p.TransferPriceGems
	}
	return m
}

// ListNamespaces answers every namespace.
func (s *Service) ListNamespaces(ctx context.Context) ([]core.Namespace, error) {
	var out []core.Namespace
	err := s.operatorDo(ctx, "list_namespaces", 200, func(ctx context.Context, tx ports.Stores, _ time.Time, rec *opAudit) error {
		var err error
		if out, err = tx.Namespaces().List(ctx); err != nil {
			return storeErr(err, core.CodeInternal, "namespaces")
		}
		rec.response = map[string]any{"count": len(out)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []core.Namespace{}
	}
	return out, nil
}

// dnsBackendKinds are the namespace backend kinds, in display order.
func dnsBackendKinds() []string {
	return []string{core.DNSBackendNone, core.DNSBackendMemory, core.DNSBackendRFC2136}
}

// parseLabelList parses labels to A-labels, de-duplicated and sorted.
func parseLabelList(field string, in []string) ([]string, error) {
	if len(in) > maxLabelList {
		return nil, core.Invalid(field, "%s lists at most %d labels", field, maxLabelList)
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(in))
	for _, raw := range in {
		a, err := core.ParseLabel(raw)
		if err != nil {
			return nil, core.Invalid(field, "%s: %s", field, core.AsError(err).Detail)
		}
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out, nil
}

// --- channels ---------------------------------------------------------------

// CreateChannel creates a pending registrar channel for a partner.
func (s *Service) CreateChannel(ctx context.Context, cmd core.CreateChannel) (core.Channel, error) {
	if err := validateSlug(cmd.Slug); err != nil {
		return core.Channel{}, err
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

// --- namespace listings -----------------------------------------------------

// AddListing asks for a channel's listing in a namespace (pending).
func (s *Service) AddListing(ctx context.Context, channelID, namespace string) (core.Listing, error) {
	ns, err := core.ParseLabel(namespace)
	if err != nil {
		return core.Listing{}, core.Invalid("namespace", "namespace must be one LDH or IDN label")
	}
	var l core.Listing
	err = s.operatorDo(ctx, "add_listing", 201, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		ch, err := tx.Channels().Get(ctx, channelID)
		if err != nil {
			return storeErr(err, core.CodeNotFound, "registrar channel "+quoteID(channelID))
		}
		if _, err := tx.Namespaces().Get(ctx, ns); err != nil {
			if errors.Is(err, ports.ErrNotFound) {
				return core.Invalid("namespace", "namespace %s does not exist", ns)
			}
			return storeErr(err, core.CodeInternal, "namespace")
		}
		l = core.Listing{ChannelID: ch.ID, Namespace: ns, Status: core.ListingPending, CreatedAt: now}
		if err := tx.Listings().Insert(ctx, l); err != nil {
			if errors.Is(err, ports.ErrDuplicate) {
				return core.Errorf(core.CodeAlreadyExists, "registrar channel %s already has a listing for %s", ch.Slug, ns)
			}
			return storeErr(err, core.CodeInternal, "namespace listing")
		}
		rec.channelID, rec.channelSlug = ch.ID, ch.Slug
		rec.request = map[string]any{"registrar_channel_id": ch.ID, "namespace": ns}
		rec.response = map[string]any{"namespace": ns, "status": string(l.Status)}
		return nil
	})
	if err != nil {
		return core.Listing{}, err
	}
	return l, nil
}

// ApproveListing approves a channel for a namespace it asked for.
func (s *Service) ApproveListing(ctx context.Context, channelID, namespace string) (core.Listing, error) {
	ns, err := core.ParseLabel(namespace)
	if err != nil {
		return core.Listing{}, core.Errorf(core.CodeNotFound, "namespace listing not found")
	}
	var l core.Listing
	err = s.operatorDo(ctx, "approve_listing", 200, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		ch, err := tx.Channels().Get(ctx, channelID)
		if err != nil {
			return storeErr(err, core.CodeNotFound, "registrar channel "+quoteID(channelID))
		}
		l, err = tx.Listings().Update(ctx, ch.ID, ns, func(l *core.Listing) error {
			l.Status = core.ListingApproved
			if l.ApprovedAt == nil {
				t := now
				l.ApprovedAt = &t
			}
			return nil
		})
		if err != nil {
			return storeErr(err, core.CodeNotFound, "namespace listing "+ns+" of registrar channel "+quoteID(channelID))
		}
		if err := s.notify(ctx, tx, ch.ID, core.MsgOperator, "", "Namespace listing "+ns+" approved.",
			map[string]any{"action": "approve_listing", "namespace": ns}, now); err != nil {
			return err
		}
		rec.channelID, rec.channelSlug = ch.ID, ch.Slug
		rec.request = map[string]any{"registrar_channel_id": ch.ID, "namespace": ns}
		rec.response = map[string]any{"namespace": ns, "status": string(l.Status)}
		return nil
	})
	if err != nil {
		return core.Listing{}, err
	}
	return l, nil
}

// --- API keys ---------------------------------------------------------------

// CreateAPIKey creates a partner's key with a profile and/or scopes,
// optionally bound to one of the partner's channels. The token is returned
// once; only its SHA-256 hash and a display prefix are stored.
func (s *Service) CreateAPIKey(ctx context.Context, cmd core.CreateAPIKey) (core.NewAPIKey, error) {
	if strings.TrimSpace(cmd.PartnerID) == "" {
		return core.NewAPIKey{}, core.Invalid("partner_id", "partner_id is required")
	}
	if cmd.Profile == "" && len(cmd.Scopes) == 0 {
		return core.NewAPIKey{}, core.Invalid("profile", "send a profile (%s) or a list of scopes", core.ProfileRegistrarAPI)
	}
	if cmd.Profile != "" {
		if _, ok := core.Profiles()[cmd.Profile]; !ok {
			return core.NewAPIKey{}, core.Invalid("profile", "unknown profile %q; known: %s", truncateID(cmd.Profile), strings.Join(profileNames(), ", "))
		}
	}
	scopes := []string{}
	for _, sc := range cmd.Scopes {
		if !slices.Contains(core.AllScopes(), sc) {
			return core.NewAPIKey{}, core.Invalid("scopes", "unknown scope %q", truncateID(sc))
		}
		if !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	token, err := newToken()
	if err != nil {
		return core.NewAPIKey{}, core.Internal(err)
	}
	var k core.APIKey
	err = s.operatorDo(ctx, "create_api_key", 201, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		if _, err := tx.Partners().Get(ctx, cmd.PartnerID); err != nil {
			if errors.Is(err, ports.ErrNotFound) {
				return core.Invalid("partner_id", "partner %s does not exist", quoteID(cmd.PartnerID))
			}
			return storeErr(err, core.CodeInternal, "partner")
		}
		if cmd.ChannelID != "" {
			ch, err := tx.Channels().Get(ctx, cmd.ChannelID)
			if errors.Is(err, ports.ErrNotFound) {
				return core.Invalid("registrar_channel_id", "registrar channel %s does not exist", quoteID(cmd.ChannelID))
			}
			if err != nil {
				return storeErr(err, core.CodeInternal, "registrar channel")
			}
			if ch.PartnerID != cmd.PartnerID {
				return core.Invalid("registrar_channel_id", "registrar channel %s belongs to another partner", quoteID(cmd.ChannelID))
			}
			rec.channelID, rec.channelSlug = ch.ID, ch.Slug
		}
		k = core.APIKey{ID: s.ids.NewID("key"), PartnerID: cmd.PartnerID, ChannelID: cmd.ChannelID, Profile: cmd.Profile,
			Scopes: scopes, TokenHash: core.HashToken(token), TokenPrefix: token[:tokenDisplayLength], CreatedAt: now}
		if err := tx.APIKeys().Insert(ctx, k); err != nil {
			return storeErr(err, core.CodeInternal, "API key")
		}
		rec.request = map[string]any{"partner_id": cmd.PartnerID, "registrar_channel_id": cmd.ChannelID,
			"profile": cmd.Profile, "scopes": scopes}
		rec.response = map[string]any{"api_key_id": k.ID, "token_prefix": k.TokenPrefix}
		return nil
	})
	if err != nil {
		return core.NewAPIKey{}, err
	}
	return core.NewAPIKey{Key: k, Token: token}, nil
}

// RevokeAPIKey revokes a key; revoking again keeps the first revocation time.
func (s *Service) RevokeAPIKey(ctx context.Context, id string) (core.APIKey, error) {
	var k core.APIKey
	err := s.operatorDo(ctx, "revoke_api_key", 200, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		var err error
		k, err = tx.APIKeys().Update(ctx, id, func(k *core.APIKey) error {
			if k.RevokedAt == nil {
				t := now
				k.RevokedAt = &t
			}
			return nil
		})
		if err != nil {
			return storeErr(err, core.CodeNotFound, "API key "+quoteID(id))
		}
		if k.ChannelID != "" {
			if ch, err := tx.Channels().Get(ctx, k.ChannelID); err == nil {
				rec.channelID, rec.channelSlug = ch.ID, ch.Slug
			} else if !errors.Is(err, ports.ErrNotFound) {
				return storeErr(err, core.CodeInternal, "registrar channel")
			}
		}
		rec.request = map[string]any{"api_key_id": id}
		rec.response = map[string]any{"api_key_id": k.ID, "revoked_at": k.RevokedAt.UTC().Format(time.RFC3339Nano)}
		return nil
	})
	if err != nil {
		return core.APIKey{}, err
	}
	return k, nil
}

// newToken makes an API key token: the prefix and 256 random bits, base64url.
func newToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func profileNames() []string {
	out := []string{}
	for p := range core.Profiles() {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// --- legacy import ----------------------------------------------------------

// ImportDomain records a legacy registration: no add grace, no Gems charged,
// protected as the operator says. The name must be free; reserved and
// claim-required labels are not refused (the operator is the authority that
// sets those lists). The namespace need not be listed for the channel.
func (s *Service) ImportDomain(ctx context.Context, cmd core.ImportDomain) (core.DomainView, error) {
	name, err := core.ParseName(cmd.Domain)
	if err != nil {
		return core.DomainView{}, err
	}
	if strings.TrimSpace(cmd.ChannelID) == "" {
		return core.DomainView{}, core.Invalid("registrar_channel_id", "registrar_channel_id is required")
	}
	reg := cmd.Registrant
	reg.Country = strings.ToUpper(reg.Country)
	if err := core.ValidateRegistrant(reg, true); err != nil {
		return core.DomainView{}, err
	}
	if cmd.ExpiresAt.IsZero() {
		return core.DomainView{}, core.Invalid("expires_at", "expires_at is required (RFC 3339)")
	}
	expires := cmd.ExpiresAt.UTC().Truncate(time.Microsecond)
	var view core.DomainView
	err = s.operatorDo(ctx, "import_domain", 201, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		if !expires.After(now) {
			return core.Invalid("expires_at", "expires_at must be in the future")
		}
		if err := core.CheckPeriod(expires, now); err != nil {
			return err
		}
		ns, err := tx.Namespaces().Get(ctx, name.Namespace())
		if errors.Is(err, ports.ErrNotFound) {
			return core.Invalid("domain", "namespace %q does not exist", name.Namespace())
		}
		if err != nil {
			return storeErr(err, core.CodeInternal, "namespace")
		}
		ch, err := tx.Channels().Get(ctx, cmd.ChannelID)
		if errors.Is(err, ports.ErrNotFound) {
			return core.Invalid("registrar_channel_id", "registrar channel %s does not exist", quoteID(cmd.ChannelID))
		}
		if err != nil {
			return storeErr(err, core.CodeInternal, "registrar channel")
		}
		d := core.Domain{
			ID: s.ids.NewID("dom"), Name: name, ChannelID: ch.ID, PartnerID: ch.PartnerID,
			State: core.StateActive, Statuses: []string{}, Registrant: reg,
			NameserversDesired: []string{}, NameserversApplied: []string{}, ApplyStatus: core.ApplyNone,
			BackendKind: ns.DNSBackend, ProtectedLegacy: cmd.ProtectedLegacy, Imported: true,
			CreatedAt: now, UpdatedAt: now, ExpiresAt: expires,
		}
		d.BackendReference = d.ID
		if err := tx.Domains().Insert(ctx, d); err != nil {
			if errors.Is(err, ports.ErrDuplicate) {
				return core.Errorf(core.CodeDomainNotAvailable, "%s is already registered", name)
			}
			return storeErr(err, core.CodeInternal, "domain")
		}
		view = core.ViewOf(&d, now)
		if err := s.notify(ctx, tx, ch.ID, core.MsgOperator, name.String(), name.String()+" was imported into this channel by an operator.",
			map[string]any{"action": "import_domain", "protected_legacy": cmd.ProtectedLegacy}, now); err != nil {
			return err
		}
		rec.channelID, rec.channelSlug, rec.domain = ch.ID, ch.Slug, name.String()
		rec.request = map[string]any{"domain": name.String(), "registrar_channel_id": ch.ID,
			"expires_at": expires.Format(time.RFC3339Nano), "registrant": core.RegistrantSummary(reg),
			"protected_legacy": cmd.ProtectedLegacy}
		rec.response = map[string]any{"domain": name.String(), "state": string(view.State), "imported": true,
			"protected_legacy": cmd.ProtectedLegacy, "expires_at": expires.Format(time.RFC3339Nano)}
		return nil
	})
	if err != nil {
		return core.DomainView{}, err
	}
	return view, nil
}

// --- backend pending work ---------------------------------------------------

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

// quoteID quotes an identifier from a request for an error detail, bounded.
func quoteID(id string) string { return "\"" + truncateID(id) + "\"" }

func truncateID(s string) string {
	if len(s) > 64 {
		return strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}
