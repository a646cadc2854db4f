package httpadapter

import (
	"time"

	"bytes"
	"encoding/json"
	"reflect"
	"sync/atomic"

	"github.com/headlessdomains/registry/core"
)

// statusResponse is GET /status, with the top-level members the registrar
// handoff packet lists. It is the reference shape of the answer, which
// appendStatus writes in parts (the tests compare the two byte for byte).
type statusResponse struct {
	statusHead
	OTE             oteInfoDTO         `json:"ote"`
	AuditProvenance auditProvenanceDTO `json:"audit_provenance"`
	Docs            map[string]string  `json:"docs"`
	Commands        []commandStatusDTO `json:"commands"`
	GeneratedAt     *string            `json:"generated_at,omitempty"`
	// registry_service_contract and epp_gateway_contract follow, spliced
	// in by appendStatus.
}

// statusHead is the first members of a /status answer: those that depend
// on the key and its channel, encoded at every answer.
type statusHead struct {
	APIKey             statusKeyDTO       `json:"api_key"`
	Partner            statusPartnerDTO   `json:"partner"`
	RegistrarChannel   *statusChannelDTO  `json:"registrar_channel"`
	NamespaceListings  []statusListingDTO `json:"namespace_listings"`
	ProductionApproval productionDTO      `json:"production_approval"`
	RateLimit          rateLimitDTO       `json:"rate_limit"`
	Sandbox            sandboxInfoDTO     `json:"sandbox"`
}

type statusKeyDTO struct {
	ID      string   `json:"id"`
	Prefix  string   `json:"prefix"`
	Profile *string  `json:"profile"`
	Scopes  []string `json:"scopes"`
}

type statusPartnerDTO struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	GemsBalance      int64  `json:"gems_balance"`
	DNSModuleEnabled bool   `json:"dns_module_enabled"`
}

type statusChannelDTO struct {
	ID                 string `json:"id"`
	Slug               string `json:"slug"`
	Status             string `json:"status"`
	ProductionApproved bool   `json:"production_approved"`
	RateLimitPerMinute int    `json:"rate_limit_per_minute"`
}

type statusListingDTO struct {
	Namespace string `json:"namespace"`
	Status    string `json:"status"`
	// Terms: the namespace's prices and lifecycle policy (approved listings).
	Terms map[string]any `json:"terms,omitempty"`
}

// namespaceTerms renders a namespace's prices and policy with the wire names
// of the operator API's namespace object.
func namespaceTerms(n core.Namespace) map[string]any {
	t := map[string]any{"create_price_gems": n.CreatePriceGems, "renew_price_gems": n.RenewPriceGems,
		"restore_price_gems": n.RestorePrice(), "transfer_price_gems": n.TransferPrice(), "auto_renew": n.Policy.AutoRenew}
	for _, f := range core.PolicyPeriods() {
		t[f.Field] = int64(*f.Ptr(&n.Policy) / time.Second)
	}
	return t
}

type productionDTO struct {
	Approved    bool    `json:"approved"`
	ApprovedAt  *string `json:"approved_at"`
	RequiredFor string  `json:"required_for"`
}

// rateLimitDTO: remaining and reset are null when the key has no approved
// channel (nothing is counted then).
type rateLimitDTO struct {
	LimitPerMinute int    `json:"limit_per_minute"`
	Limit          int    `json:"limit"` // the same value, named as the X-RateLimit-Limit header
	Remaining      *int   `json:"remaining"`
	Reset          *int64 `json:"reset"`
	WindowSeconds  int    `json:"window_seconds"`
}

type sandboxInfoDTO struct {
	Available bool   `json:"available"`
	BodyField string `json:"body_field"`
	Header    string `json:"header"`
	ResetPath string `json:"reset_path"`
}

type oteStepDTO struct {
	Name        string  `json:"name"`
	Command     string  `json:"command"`
	Method      string  `json:"method"`
	Path        string  `json:"path"`
	Fixture     *string `json:"fixture"`
	Sandbox     bool    `json:"sandbox"`
	Audited     bool    `json:"audited"`
	Description string  `json:"description"`
}

type oteInfoDTO struct {
	TestSequence []oteStepDTO `json:"test_sequence"`
}

type auditProvenanceDTO struct {
	RegistrarChannelID *string `json:"registrar_channel_id"`
}

type commandStatusDTO struct {
	Command                 string   `json:"command"`
	Method                  string   `json:"method"`
	Path                    string   `json:"path"`
	RequiredScopes          []string `json:"required_scopes"`
	ScopeStatus             string   `json:"scope_status"`
	MissingScopes           []string `json:"missing_scopes"`
	SandboxAvailable        bool     `json:"sandbox_available"`
	ProductionAvailable     bool     `json:"production_available"`
	DisabledReason          *string  `json:"disabled_reason"`
	ProductionBlockedReason *string  `json:"production_blocked_reason"`
}

func oteStepsOf(steps []core.OTEStep) []oteStepDTO {
	out := make([]oteStepDTO, 0, len(steps))
	for _, st := range steps {
		dto := oteStepDTO{Name: st.Name, Command: string(st.Command), Fixture: nullString(st.Fixture),
			Sandbox: st.Sandbox, Audited: st.Audited, Description: st.Description}
		if spec, ok := core.SpecOfCommand(st.Command); ok {
			dto.Method, dto.Path = spec.Method, RegistrarBase+spec.Path
		}
		out = append(out, dto)
	}
	return out
}

func statusResponseOf(rep core.StatusReport, docs map[string]string) statusResponse {
	resp := statusResponse{
		statusHead:      statusHeadOf(rep),
		OTE:             oteInfoDTO{TestSequence: oteStepsOf(rep.OTESequence)},
		AuditProvenance: auditProvenanceDTO{RegistrarChannelID: nullString(rep.Actor.ChannelID())},
		Docs:            docs,
		Commands:        make([]commandStatusDTO, 0, len(rep.Commands)),
	}
	if !rep.GeneratedAt.IsZero() {
		g := timeString(rep.GeneratedAt)
		resp.GeneratedAt = &g
	}
	for _, c := range rep.Commands {
		resp.Commands = append(resp.Commands, commandStatusDTO{
			Command:                 string(c.Spec.Command),
			Method:                  c.Spec.Method,
			Path:                    RegistrarBase + c.Spec.Path,
			RequiredScopes:          nonNilStrings(c.Spec.Scopes),
			ScopeStatus:             c.ScopeStatus,
			MissingScopes:           nonNilStrings(c.MissingScopes),
			SandboxAvailable:        c.SandboxAvailable,
			ProductionAvailable:     c.ProductionAvailable,
			DisabledReason:          nullString(string(c.DisabledReason)),
			ProductionBlockedReason: nullString(string(c.ProductionBlockedReason)),
		})
	}
	return resp
}

// statusHeadOf is the members of rep that depend on the key and its channel.
func statusHeadOf(rep core.StatusReport) statusHead {
	a := rep.Actor
	resp := statusHead{
		APIKey: statusKeyDTO{ID: a.APIKey.ID, Prefix: a.APIKey.TokenPrefix, Profile: nullString(a.APIKey.Profile),
			Scopes: nonNilStrings(a.Scopes)},
		Partner: statusPartnerDTO{ID: a.Partner.ID, Name: a.Partner.Name, GemsBalance: a.Partner.GemsBalance,
			DNSModuleEnabled: a.Partner.DNSModuleEnabled},
		NamespaceListings:  []statusListingDTO{},
		ProductionApproval: productionDTO{RequiredFor: "non-sandbox mutations"},
		RateLimit:          rateLimitDTO{LimitPerMinute: rep.RateLimitPerMinute, WindowSeconds: 60},
		Sandbox: sandboxInfoDTO{Available: a.ChannelApproved(), BodyField: "sandbox", Header: HeaderSandbox,
			ResetPath: RegistrarBase + "/sandbox/reset"},
	}
	if ch := a.Channel; ch != nil {
		resp.RegistrarChannel = &statusChannelDTO{ID: ch.ID, Slug: ch.Slug, Status: string(ch.Status),
			ProductionApproved: ch.ProductionApproved, RateLimitPerMinute: ch.RateLimitPerMinute}
		resp.ProductionApproval.Approved = ch.ProductionApproved
		resp.ProductionApproval.ApprovedAt = timePtr(ch.ProductionApprovedAt)
		if resp.RateLimit.LimitPerMinute == 0 {
			resp.RateLimit.LimitPerMinute = ch.RateLimitPerMinute
		}
	}
	if resp.RateLimit.LimitPerMinute == 0 {
		resp.RateLimit.LimitPerMinute = core.DefaultRateLimitPerMinute
	}
	terms := map[string]map[string]any{}
	for _, n := range rep.Namespaces {
		terms[n.Name] = namespaceTerms(n)
	}
	for _, l := range a.Listings {
		resp.NamespaceListings = append(resp.NamespaceListings, statusListingDTO{Namespace: l.Namespace, Status: string(l.Status),
			Terms: terms[l.Namespace]})
	}
	if d := rep.Rate; d != nil {
		remaining, reset := d.Remaining, d.Reset.Unix()
		resp.RateLimit.LimitPerMinute = d.Limit
		resp.RateLimit.Remaining, resp.RateLimit.Reset = &remaining, &reset
		if w := int(d.Window.Seconds()); w > 0 {
			resp.RateLimit.WindowSeconds = w
		}
	}
	resp.RateLimit.Limit = resp.RateLimit.LimitPerMinute
	return resp
}

// docEncoder keeps the JSON of one /status document. The service builds its
// documents once and shares them between answers without changing them
// (core.StatusReport), so while it answers the same map, by identity, the
// encoding made for it the first time still holds. Encoding them was half
// of the CPU of a /status answer.
type docEncoder struct{ last atomic.Pointer[encodedDoc] }

type encodedDoc struct {
	doc map[string]any // held so that no other map can take its address
	raw json.RawMessage
}

// encode answers doc's JSON (compact, HTML characters not escaped, as
// writeJSON encodes), from the last encoding when doc is the map it was made
// from; an empty object for nil.
func (e *docEncoder) encode(doc map[string]any) (json.RawMessage, error) {
	if doc == nil {
		return json.RawMessage("{}"), nil
	}
	if last := e.last.Load(); last != nil && sameMap(last.doc, doc) {
		return last.raw, nil
	}
	raw, err := encodeJSON(doc)
	if err != nil {
		return nil, err
	}
	e.last.Store(&encodedDoc{doc: doc, raw: raw})
	return raw, nil
}

func encodeJSON(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// sameMap reports whether a and b are the same map (not equal contents).
func sameMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}
