package httpadapter

import (
	"encoding/json"

	"github.com/headlessdomains/registry/core"
)

type checkRequest struct {
	Names []string `json:"names"`
}

type claimAckDTO struct {
	NoticeID   string `json:"notice_id"`
	AcceptedAt string `json:"accepted_at"`
}

type createRequest struct {
	IdempotencyKey *string       `json:"idempotency_key"`
	Sandbox        *bool         `json:"sandbox"`
	Domain         string        `json:"domain"`
	Years          *int          `json:"years"`
	Registrant     registrantDTO `json:"registrant"`
	Nameservers    []string      `json:"nameservers"`
	Claim          *claimAckDTO  `json:"claim_acknowledgement"`
}

type renewRequest struct {
	IdempotencyKey   *string `json:"idempotency_key"`
	Sandbox          *bool   `json:"sandbox"`
	Years            *int    `json:"years"`
	CurrentExpiresAt *string `json:"current_expires_at"`
}

type statusChangeDTO struct {
	Add    []string `json:"add"`
	Remove []string `json:"remove"`
}

type updateRequest struct {
	IdempotencyKey *string          `json:"idempotency_key"`
	Sandbox        *bool            `json:"sandbox"`
	Registrant     *registrantDTO   `json:"registrant"`
	Statuses       *statusChangeDTO `json:"statuses"`
	AuthCode       optionalString   `json:"auth_code"` // null unsets it
}

type nameserversRequest struct {
	IdempotencyKey *string   `json:"idempotency_key"`
	Sandbox        *bool     `json:"sandbox"`
	Nameservers    *[]string `json:"nameservers"`
}

type recordsRequest struct {
	IdempotencyKey *string      `json:"idempotency_key"`
	Sandbox        *bool        `json:"sandbox"`
	Records        *[]recordDTO `json:"records"`
}

type deleteRequest struct {
	IdempotencyKey *string `json:"idempotency_key"`
	Sandbox        *bool   `json:"sandbox"`
}

type restoreRequest struct {
	IdempotencyKey *string           `json:"idempotency_key"`
	Sandbox        *bool             `json:"sandbox"`
	Report         *restoreReportDTO `json:"report"`
}

// restoreReportDTO is the RFC 3915 §4.2.5 restore report: the registration
// data before the delete and after the restore, when each happened, why, and
// the registrar's statements.
type restoreReportDTO struct {
	PreData     string   `json:"pre_data"`
	PostData    string   `json:"post_data"`
	DeleteTime  string   `json:"delete_time"`
	RestoreTime string   `json:"restore_time"`
	Reason      string   `json:"reason"`
	Statements  []string `json:"statements"`
}

func (d restoreReportDTO) core() (*core.RestoreReport, error) {
	rep := &core.RestoreReport{PreData: d.PreData, PostData: d.PostData, Reason: d.Reason, Statements: d.Statements}
	var err error
	if d.DeleteTime != "" {
		if rep.DeleteTime, err = parseTime("report.delete_time", d.DeleteTime); err != nil {
			return nil, err
		}
	}
	if d.RestoreTime != "" {
		if rep.RestoreTime, err = parseTime("report.restore_time", d.RestoreTime); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// Every mutating request body accepts idempotency_key and sandbox (declared
// in each struct, not embedded, so that decoder errors name wire fields).

// sandboxResetRequest tolerates the mutation members a client may send out
// of habit; reset is always an OT&E action and needs no idempotency key.
type sandboxResetRequest struct {
	IdempotencyKey *string `json:"idempotency_key"`
	Sandbox        *bool   `json:"sandbox"`
}

// checkResultDTO is one name of a check answer.
type checkResultDTO struct {
	Name      string  `json:"name"`
	Available bool    `json:"available"`
	Reason    *string `json:"reason"`
	PriceGems int64   `json:"price_gems"`
}

type checkResponse struct {
	Results []checkResultDTO `json:"results"`
}

func checkResponseOf(rs []core.CheckResult) checkResponse {
	out := make([]checkResultDTO, 0, len(rs))
	for _, r := range rs {
		out = append(out, checkResultDTO{Name: r.Name, Available: r.Available, Reason: nullString(r.Reason), PriceGems: r.PriceGems})
	}
	return checkResponse{Results: out}
}

// mutationResponse answers every mutating command.
type mutationResponse struct {
	Command        string       `json:"command"`
	Status         string       `json:"status"`
	Sandbox        bool         `json:"sandbox"`
	Idempotent     bool         `json:"idempotent"`
	IdempotencyKey string       `json:"idempotency_key"`
	AuditID        string       `json:"audit_id"`
	Domain         *domainDTO   `json:"domain,omitempty"`
	Records        *[]recordDTO `json:"records,omitempty"` // present (maybe empty) on update_records only
	Freed          *bool        `json:"freed,omitempty"`
	RefundedGems   *int64       `json:"refunded_gems,omitempty"`
	DebitedGems    *int64       `json:"debited_gems,omitempty"`
	WouldDebitGems *int64       `json:"would_debit_gems,omitempty"` // sandbox: the price production would debit
	PendingID      *string      `json:"pending_id,omitempty"`
	Transfer       *transferDTO `json:"transfer,omitempty"` // transfer commands
}

func mutationResponseOf(o core.Outcome) mutationResponse {
	resp := mutationResponse{
		Command:        string(o.Command),
		Status:         o.Status,
		Sandbox:        o.Sandbox,
		Idempotent:     o.Idempotent,
		IdempotencyKey: o.IdempotencyKey,
		AuditID:        o.AuditID,
	}
	if o.Domain != nil {
		d := domainOf(*o.Domain)
		resp.Domain = &d
	}
	if o.Command == core.CmdUpdateRecords {
		recs := recordsOf(o.Records)
		if recs == nil {
			recs = []recordDTO{}
		}
		resp.Records = &recs
	}
	if g := o.Debited(); g != 0 {
		resp.DebitedGems = &g
	}
	if g := o.WouldDebit(); g != 0 {
		resp.WouldDebitGems = &g
	}
	resp.PendingID = nullString(o.PendingID)
	if o.Command == core.CmdDeleteDomain {
		freed, refunded := o.Freed, o.RefundedGems
		resp.Freed, resp.RefundedGems = &freed, &refunded
	}
	if o.Transfer != nil {
		t := transferOf(*o.Transfer)
		resp.Transfer = &t
		if o.RefundedGems != 0 {
			refunded := o.RefundedGems
			resp.RefundedGems = &refunded
		}
	}
	return resp
}

type dnsBackendDTO struct {
	Kind        string   `json:"kind"`
	Read        bool     `json:"read"`
	Write       bool     `json:"write"`
	Delegate    bool     `json:"delegate"`
	RecordTypes []string `json:"record_types"`
}

func dnsBackendOf(c core.DNSCapabilities) dnsBackendDTO {
	return dnsBackendDTO{Kind: c.Kind, Read: c.Read, Write: c.Write, Delegate: c.Delegate,
		RecordTypes: nonNilStrings(c.RecordTypes)}
}

type recordsResponse struct {
	Domain  string        `json:"domain"`
	Records []recordDTO   `json:"records"`
	Backend dnsBackendDTO `json:"backend"`
}

func recordsResponseOf(v core.RecordsView) recordsResponse {
	return recordsResponse{Domain: v.Domain, Records: recordsOf(v.Records), Backend: dnsBackendOf(v.Backend)}
}

type registrarRefDTO struct {
	ChannelID string `json:"channel_id"`
	Slug      string `json:"slug"`
}

// eventDTO is one audit event, in poll answers and OT&E evidence.
type eventDTO struct {
	ID              string          `json:"id"`
	Registrar       registrarRefDTO `json:"registrar"`
	Actor           string          `json:"actor"` // registrar, registry (its own lifecycle changes) or operator
	IdempotencyKey  *string         `json:"idempotency_key"`
	Command         string          `json:"command"`
	Status          string          `json:"status"`
	Domain          *string         `json:"domain"`
	HTTPStatus      int             `json:"http_status"`
	RequestSummary  map[string]any  `json:"request_summary"`
	ResponseSummary map[string]any  `json:"response_summary"`
	CreatedAt       string          `json:"created_at"`
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// summaryOf is a summary as a map: the map, or the map decoded from the
// store's JSON when the store answered that (core.AuditEvent).
func summaryOf(encoded []byte, m map[string]any) map[string]any {
	if encoded != nil {
		var d map[string]any
		if err := json.Unmarshal(encoded, &d); err == nil {
			return nonNilMap(d)
		}
	}
	return nonNilMap(m)
}

func eventOf(e core.AuditEvent) eventDTO {
	return eventDTO{
		ID:              e.ID,
		Registrar:       registrarRefDTO{ChannelID: e.ChannelID, Slug: e.ChannelSlug},
		Actor:           e.Actor,
		IdempotencyKey:  nullString(e.IdempotencyKey),
		Command:         e.Command,
		Status:          e.Status,
		Domain:          nullString(e.Domain),
		HTTPStatus:      e.HTTPStatus,
		RequestSummary:  summaryOf(e.RequestSummaryJSON, e.RequestSummary),
		ResponseSummary: summaryOf(e.ResponseSummaryJSON, e.ResponseSummary),
		CreatedAt:       timeString(e.CreatedAt),
	}
}

func eventsOf(es []core.AuditEvent) []eventDTO {
	out := make([]eventDTO, 0, len(es))
	for _, e := range es {
		out = append(out, eventOf(e))
	}
	return out
}

type pollResponse struct {
	Events     []eventDTO `json:"events"`
	NextCursor *string    `json:"next_cursor"`
}

func pollResponseOf(p core.PollPage) pollResponse {
	return pollResponse{Events: eventsOf(p.Events), NextCursor: nullString(p.NextCursor)}
}

// pendingDTO is one item of backend work as its registrar sees it.
type pendingDTO struct {
	ID        string         `json:"id"`
	AuditID   string         `json:"audit_id"`
	Command   string         `json:"command"`
	Domain    string         `json:"domain"`
	Payload   map[string]any `json:"payload"`
	Status    string         `json:"status"`
	CreatedAt string         `json:"created_at"`
}

func pendingOf(p core.PendingItem) pendingDTO {
	return pendingDTO{ID: p.ID, AuditID: p.AuditID, Command: p.Command, Domain: p.Domain,
		Payload: nonNilMap(p.Payload), Status: p.Status, CreatedAt: timeString(p.CreatedAt)}
}

type pendingResponse struct {
	Items []pendingDTO `json:"items"`
}

func pendingResponseOf(items []core.PendingItem) pendingResponse {
	out := make([]pendingDTO, 0, len(items))
	for _, p := range items {
		out = append(out, pendingOf(p))
	}
	return pendingResponse{Items: out}
}

type fixtureDTO struct {
	Purpose   string  `json:"purpose"`
	Domain    *string `json:"domain"`
	Skipped   bool    `json:"skipped"`
	Reason    *string `json:"reason"`
	ContactID string  `json:"contact_id,omitempty"`
	AuthCode  string  `json:"auth_code,omitempty"` // the transfer fixture's, answered by this reset only
}

type sandboxResetResponse struct {
	Fixtures []fixtureDTO `json:"fixtures"`
	AuditID  string       `json:"audit_id,omitempty"`
}

func sandboxResetResponseOf(r core.SandboxResetResult) sandboxResetResponse {
	out := make([]fixtureDTO, 0, len(r.Fixtures))
	for _, f := range r.Fixtures {
		out = append(out, fixtureDTO{Purpose: f.Purpose, Domain: nullString(f.Domain), Skipped: f.Skipped,
			Reason: nullString(f.Reason), ContactID: f.ContactID, AuthCode: f.AuthCode})
	}
	return sandboxResetResponse{Fixtures: out, AuditID: r.AuditID}
}
