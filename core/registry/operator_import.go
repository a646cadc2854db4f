package registry

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

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
