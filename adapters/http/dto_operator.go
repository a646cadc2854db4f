package httpadapter

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/headlessdomains/registry/core"
)

// Operator request bodies (the operator OpenAPI document).

type createPartnerRequest struct {
	Name             string `json:"name"`
	GemsBalance      int64  `json:"gems_balance"`
	DNSModuleEnabled bool   `json:"dns_module_enabled"`
}

type patchPartnerRequest struct {
	GemsBalance      *int64 `json:"gems_balance"`
	DNSModuleEnabled *bool  `json:"dns_module_enabled"`
	Reason           string `json:"reason"`
}

type createNamespaceRequest struct {
	Name            string   `json:"name"`
	DNSBackend      string   `json:"dns_backend"`
	CreatePriceGems int64    `json:"create_price_gems"`
	RenewPriceGems  int64    `json:"renew_price_gems"`
	ReservedLabels  []string `json:"reserved_labels"`
	ClaimLabels     []string `json:"claim_labels"`
}

// patchNamespaceRequest holds the fixed members of PATCH /namespaces/{name};
// the policy members are read by decodeNamespaceBody. Absent (or null)
// members stay as they are.
type patchNamespaceRequest struct {
	CreatePriceGems *int64    `json:"create_price_gems"`
	RenewPriceGems  *int64    `json:"renew_price_gems"`
	ReservedLabels  *[]string `json:"reserved_labels"`
	ClaimLabels     *[]string `json:"claim_labels"`
}

// Policy members of the namespace requests besides the periods.
const (
	fieldAutoRenew     = "auto_renew"
	fieldRestorePrice  = "restore_price_gems"
	fieldTransferPrice = "transfer_price_gems"
)

// decodeNamespaceBody reads a namespace request: the lifecycle policy
// members (the periods of core.PolicyPeriods(), auto_renew and the restore
// and transfer prices, where null makes a price follow the renew price) into
// a core.PolicyChange, and every other member strictly into fixed, so that
// an unknown member is refused as in every other body.
func decodeNamespaceBody(w http.ResponseWriter, r *http.Request, fixed any) (core.PolicyChange, error) {
	var raw map[string]json.RawMessage
	if _, err := decodeBody(w, r, bodyRequired, &raw); err != nil {
		return core.PolicyChange{}, err
	}
	periods := map[string]bool{}
	for _, f := range core.PolicyPeriods() {
		periods[f.Field] = true
	}
	var c core.PolicyChange
	rest := map[string]json.RawMessage{}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		v := raw[k]
		var err error
		switch {
		case periods[k]:
			var n int64
			if n, err = wholeNumber(k, v, "a whole number of seconds, 0 or more"); err == nil {
				if c.Seconds == nil {
					c.Seconds = map[string]int64{}
				}
				c.Seconds[k] = n
			}
		case k == fieldAutoRenew:
			var b *bool
			if json.Unmarshal(v, &b) != nil || b == nil {
				err = core.Invalid(k, "%s must be true or false", k)
			}
			c.AutoRenew = b
		case k == fieldRestorePrice:
			c.RestorePriceGems, c.RestorePriceFollowsRenew, err = priceOrNull(k, v)
		case k == fieldTransferPrice:
			c.TransferPriceGems, c.TransferPriceFollowsRenew, err = priceOrNull(k, v)
		default:
			rest[k] = v
		}
		if err != nil {
			return core.PolicyChange{}, err
		}
	}
	b, err := json.Marshal(rest)
	if err != nil {
		return core.PolicyChange{}, core.Errorf(core.CodeMalformedRequest, "the request body is not valid JSON for this command")
	}
	return c, decodeJSON(b, fixed)
}

// wholeNumber reads a JSON integer (not null, not a fraction, not a string).
func wholeNumber(field string, v json.RawMessage, want string) (int64, error) {
	var n *int64
	if json.Unmarshal(v, &n) != nil || n == nil {
		return 0, core.Invalid(field, "%s must be %s", field, want)
	}
	return *n, nil
}

// priceOrNull reads a price member: a number sets it, null makes it follow
// the renew price.
func priceOrNull(field string, v json.RawMessage) (*core.Gems, bool, error) {
	if string(bytes.TrimSpace(v)) == "null" {
		return nil, true, nil
	}
	n, err := wholeNumber(field, v, "a whole number of Gems, 0 or more, or null to follow the renew price")
	if err != nil {
		return nil, false, err
	}
	return &n, false, nil
}

type createChannelRequest struct {
	PartnerID          string `json:"partner_id"`
	Slug               string `json:"slug"`
	RateLimitPerMinute int    `json:"rate_limit_per_minute"`
}

type patchChannelRequest struct {
	RateLimitPerMinute *int    `json:"rate_limit_per_minute"`
	Status             *string `json:"status"`
	// EPPClientCertSHA256 binds the EPP client certificate; "" unbinds.
	EPPClientCertSHA256 *string `json:"epp_client_cert_sha256"`
}

type addListingRequest struct {
	Namespace string `json:"namespace"`
}

type createAPIKeyRequest struct {
	PartnerID          string   `json:"partner_id"`
	RegistrarChannelID string   `json:"registrar_channel_id"`
	Profile            string   `json:"profile"`
	Scopes             []string `json:"scopes"`
}

type importDomainRequest struct {
	Domain             string        `json:"domain"`
	RegistrarChannelID string        `json:"registrar_channel_id"`
	ExpiresAt          string        `json:"expires_at"`
	Registrant         registrantDTO `json:"registrant"`
	ProtectedLegacy    bool          `json:"protected_legacy"`
}

type eppPasswordRequest struct {
	Password string `json:"password"`
}

type failPendingRequest struct {
	Reason string `json:"reason"`
}

type createOTERunRequest struct {
	RegistrarChannelID string `json:"registrar_channel_id"`
	Name               string `json:"name"`
}

type attachEvidenceRequest struct {
	AuditEventIDs []string `json:"audit_event_ids"`
}

// Operator responses: the object itself, no wrapper.

type partnerDTO struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	GemsBalance      int64  `json:"gems_balance"`
	DNSModuleEnabled bool   `json:"dns_module_enabled"`
	CreatedAt        string `json:"created_at"`
	UpdatedAt        string `json:"updated_at"`
}

func partnerOf(p core.Partner) partnerDTO {
	return partnerDTO{ID: p.ID, Name: p.Name, GemsBalance: p.GemsBalance, DNSModuleEnabled: p.DNSModuleEnabled,
		CreatedAt: timeString(p.CreatedAt), UpdatedAt: timeString(orCreated(p.UpdatedAt, p.CreatedAt))}
}

// orCreated stands in the creation time for an object never updated.
func orCreated(updated, created time.Time) time.Time {
	if updated.IsZero() {
		return created
	}
	return updated
}

// namespaceDTO is a namespace with its whole lifecycle policy: every period
// of core.PolicyPeriods() in whole seconds (Periods, spliced in by
// MarshalJSON so that the wire names live in one place), auto_renew, and the
// restore and transfer prices as they apply now, each with a flag saying
// whether it follows the renew price.
type namespaceDTO struct {
	Name                      string              `json:"name"`
	DNSBackend                string              `json:"dns_backend"`
	CreatePriceGems           int64               `json:"create_price_gems"`
	RenewPriceGems            int64               `json:"renew_price_gems"`
	RestorePriceGems          int64               `json:"restore_price_gems"`
	RestorePriceFollowsRenew  bool                `json:"restore_price_follows_renew"`
	TransferPriceGems         int64               `json:"transfer_price_gems"`
	TransferPriceFollowsRenew bool                `json:"transfer_price_follows_renew"`
	AutoRenew                 bool                `json:"auto_renew"`
	ReservedLabels            []string            `json:"reserved_labels"`
	ClaimLabels               []string            `json:"claim_labels"`
	CreatedAt                 string              `json:"created_at"`
	Periods                   []policyPeriodValue `json:"-"`
}

// policyPeriodValue is one period of a namespace's policy on the wire.
type policyPeriodValue struct {
	Field   string
	Seconds int64
}

// MarshalJSON writes the fixed members, then every policy period in
// lifecycle order.
func (d namespaceDTO) MarshalJSON() ([]byte, error) {
	type plain namespaceDTO // without this method
	b, err := json.Marshal(plain(d))
	if err != nil {
		return nil, err
	}
	b = b[:len(b)-1] // the closing brace
	for _, p := range d.Periods {
		name, _ := json.Marshal(p.Field)
		b = append(b, ',')
		b = append(b, name...)
		b = append(b, ':')
		b = strconv.AppendInt(b, p.Seconds, 10)
	}
	return append(b, '}'), nil
}

func namespaceOf(n core.Namespace) namespaceDTO {
	p := n.Policy
	d := namespaceDTO{Name: n.Name, DNSBackend: n.DNSBackend, CreatePriceGems: n.CreatePriceGems,
		RenewPriceGems: n.RenewPriceGems, RestorePriceGems: n.RestorePrice(), RestorePriceFollowsRenew: p.RestorePriceGems == nil,
		TransferPriceGems: n.TransferPrice(), TransferPriceFollowsRenew: p.TransferPriceGems == nil, AutoRenew: p.AutoRenew,
		ReservedLabels: nonNilStrings(n.ReservedLabels), ClaimLabels: nonNilStrings(n.ClaimLabels),
		CreatedAt: timeString(n.CreatedAt)}
	for _, f := range core.PolicyPeriods() {
		d.Periods = append(d.Periods, policyPeriodValue{Field: f.Field, Seconds: int64(*f.Ptr(&p) / time.Second)})
	}
	return d
}

type namespaceListResponse struct {
	Items []namespaceDTO `json:"items"`
}

type channelDTO struct {
	ID                   string  `json:"id"`
	PartnerID            string  `json:"partner_id"`
	Slug                 string  `json:"slug"`
	Status               string  `json:"status"`
	ProductionApproved   bool    `json:"production_approved"`
	ProductionApprovedAt *string `json:"production_approved_at"`
	RateLimitPerMinute   int     `json:"rate_limit_per_minute"`
	CreatedAt            string  `json:"created_at"`
	UpdatedAt            string  `json:"updated_at"`
	EPPPasswordSet       bool    `json:"epp_password_set"`
	// EPPClientCertSHA256 is the bound EPP client certificate ("" none).
	EPPClientCertSHA256 string `json:"epp_client_cert_sha256"`
}

func channelOf(c core.Channel) channelDTO {
	return channelDTO{ID: c.ID, PartnerID: c.PartnerID, Slug: c.Slug, Status: string(c.Status),
		ProductionApproved: c.ProductionApproved, ProductionApprovedAt: timePtr(c.ProductionApprovedAt),
		RateLimitPerMinute: c.RateLimitPerMinute, CreatedAt: timeString(c.CreatedAt),
		UpdatedAt: timeString(orCreated(c.UpdatedAt, c.CreatedAt)), EPPPasswordSet: c.EPPPasswordHash != "",
		EPPClientCertSHA256: c.EPPClientCertSHA256}
}

type listingDTO struct {
	RegistrarChannelID string  `json:"registrar_channel_id"`
	Namespace          string  `json:"namespace"`
	Status             string  `json:"status"`
	CreatedAt          string  `json:"created_at"`
	ApprovedAt         *string `json:"approved_at"`
}

func listingOf(l core.Listing) listingDTO {
	return listingDTO{RegistrarChannelID: l.ChannelID, Namespace: l.Namespace, Status: string(l.Status),
		CreatedAt: timeString(l.CreatedAt), ApprovedAt: timePtr(l.ApprovedAt)}
}

// apiKeyDTO never carries the token hash; Token is set only on creation.
type apiKeyDTO struct {
	ID                 string   `json:"id"`
	PartnerID          string   `json:"partner_id"`
	RegistrarChannelID *string  `json:"registrar_channel_id"`
	Profile            *string  `json:"profile"`
	Scopes             []string `json:"scopes"`
	Prefix             string   `json:"prefix"`
	CreatedAt          string   `json:"created_at"`
	RevokedAt          *string  `json:"revoked_at"`
	Token              string   `json:"token,omitempty"`
}

func apiKeyOf(k core.APIKey) apiKeyDTO {
	return apiKeyDTO{ID: k.ID, PartnerID: k.PartnerID, RegistrarChannelID: nullString(k.ChannelID),
		Profile: nullString(k.Profile), Scopes: nonNilStrings(k.Scopes), Prefix: k.TokenPrefix,
		CreatedAt: timeString(k.CreatedAt), RevokedAt: timePtr(k.RevokedAt)}
}

// operatorPendingDTO is a pending item as the operator sees it.
type operatorPendingDTO struct {
	pendingDTO
	RegistrarChannelID string  `json:"registrar_channel_id"`
	Reason             *string `json:"reason"`
	Attempts           int     `json:"attempts"`
	UpdatedAt          string  `json:"updated_at"`
}

func operatorPendingOf(p core.PendingItem) operatorPendingDTO {
	return operatorPendingDTO{pendingDTO: pendingOf(p), RegistrarChannelID: p.ChannelID,
		Reason: nullString(p.Reason), Attempts: p.Attempts, UpdatedAt: timeString(orCreated(p.UpdatedAt, p.CreatedAt))}
}

type operatorPendingResponse struct {
	Items []operatorPendingDTO `json:"items"`
}

type checklistItemDTO struct {
	Step          string   `json:"step"`
	Command       string   `json:"command"`
	Passed        bool     `json:"passed"`
	AuditEventIDs []string `json:"audit_event_ids"`
}

type oteRunDTO struct {
	ID                   string             `json:"id"`
	RegistrarChannelID   string             `json:"registrar_channel_id"`
	RegistrarChannelSlug string             `json:"registrar_channel_slug"`
	Name                 string             `json:"name"`
	CreatedAt            string             `json:"created_at"`
	UpdatedAt            string             `json:"updated_at"`
	AuditEventIDs        []string           `json:"audit_event_ids"`
	Evidence             []eventDTO         `json:"evidence"`
	Checklist            []checklistItemDTO `json:"checklist"`
}

func oteRunOf(v core.OTERunView) oteRunDTO {
	out := oteRunDTO{ID: v.Run.ID, RegistrarChannelID: v.Run.ChannelID, RegistrarChannelSlug: v.Channel.Slug,
		Name: v.Run.Name, CreatedAt: timeString(v.Run.CreatedAt), UpdatedAt: timeString(orCreated(v.Run.UpdatedAt, v.Run.CreatedAt)),
		AuditEventIDs: nonNilStrings(v.Run.EventIDs), Evidence: eventsOf(v.Events),
		Checklist: make([]checklistItemDTO, 0, len(v.Checklist))}
	for _, c := range v.Checklist {
		out.Checklist = append(out.Checklist, checklistItemDTO{Step: c.Step.Name, Command: string(c.Step.Command),
			Passed: c.Passed, AuditEventIDs: nonNilStrings(c.EventIDs)})
	}
	return out
}

// approveProductionRequest is the optional body of POST
// /registrar-channels/{id}/production-approval.
type approveProductionRequest struct {
	// Force records the approval although the channel's latest OT&E run is
	// not ready (or there is none).
	Force bool `json:"force"`
}
