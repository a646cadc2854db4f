package registry

import (
	"context"
	"strings"
	"time"

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

// quoteID quotes an identifier from a request for an error detail, bounded.
func quoteID(id string) string { return "\"" + truncateID(id) + "\"" }

func truncateID(s string) string {
	if len(s) > 64 {
		return strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}
