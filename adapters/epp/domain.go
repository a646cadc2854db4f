package epp

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
)

func checkReason(reason string) string {
	switch reason {
	case "registered":
		return "In use"
	case "reserved":
		return "Reserved"
	case "claim_required":
		return "Claims notice required"
	}
	return reason
}

func (ss *session) domainCheck(ctx context.Context, a core.Actor, r *request) (*response, error) {
	names := trimmed(r.cmd.Check.Domain.Names)
	if len(names) == 0 {
		return nil, required("domain:name")
	}
	results, err := ss.srv.reg.CheckDomains(ctx, a, core.CheckDomains{Names: names})
	if err != nil {
		return nil, err
	}
	if lc := r.cmd.Extension; lc != nil && lc.LaunchCheck != nil && lc.LaunchCheck.Type == "claims" {
		// RFC 8334 §3.1.1 claims check form: the launch extension only.
		resp := success(1000)
		resp.ext = func(w *xw) {
			w.open("launch:chkData", "xmlns:launch", NSLaunch)
			w.elem("launch:phase", "claims")
			for _, res := range results {
				w.open("launch:cd")
				exists := res.Reason == "claim_required"
				w.elem("launch:name", res.Name, "exists", boolAttr(exists))
				if exists {
					w.elem("launch:claimKey", "claims-"+res.Name)
				}
				w.close("launch:cd")
			}
			w.close("launch:chkData")
		}
		return resp, nil
	}
	resp := success(1000)
	resp.resData = func(w *xw) {
		w.open("domain:chkData", "xmlns:domain", NSDomain)
		for _, res := range results {
			w.open("domain:cd")
			w.elem("domain:name", res.Name, "avail", boolAttr(res.Available))
			if res.Reason != "" {
				w.elem("domain:reason", checkReason(res.Reason))
			}
			w.close("domain:cd")
		}
		w.close("domain:chkData")
	}
	return resp, nil
}

func boolAttr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// rfc5731Statuses are the statuses <domain:status> may carry; RFC 3915
// grace statuses go in <rgp:infData>.
var rfc5731Statuses = []string{core.StatusOK, core.StatusClientHold, core.StatusClientUpdateProhibited,
	core.StatusClientDeleteProhibited, core.StatusClientRenewProhibited, core.StatusClientTransferProhibited,
	core.StatusServerHold, core.StatusServerUpdateProhibited, core.StatusServerDeleteProhibited,
	core.StatusServerRenewProhibited, core.StatusServerTransferProhibited, core.StatusInactive,
	core.StatusPendingCreate, core.StatusPendingDelete, core.StatusPendingRenew, core.StatusPendingTransfer,
	core.StatusPendingUpdate}

var rgpStatuses = []string{core.StatusAddPeriod, core.StatusRenewPeriod, core.StatusAutoRenewPeriod,
	core.StatusTransferPeriod, core.StatusRedemptionPeriod}

// splitStatuses separates RFC 5731 statuses from RFC 3915 grace statuses.
// pendingDelete is both: a domain status always, and the rgp status of the
// period after redemption (RFC 3915 §3.1), when redemptionPeriod is over.
func splitStatuses(all []string) (domain, grace []string) {
	for _, s := range all {
		switch {
		case slices.Contains(rgpStatuses, s):
			grace = append(grace, s)
		case slices.Contains(rfc5731Statuses, s):
			domain = append(domain, s)
		}
	}
	if slices.Contains(all, core.StatusPendingDelete) && !slices.Contains(all, core.StatusRedemptionPeriod) {
		grace = append(grace, core.StatusPendingDelete)
	}
	if len(domain) == 0 {
		domain = []string{core.StatusOK}
	}
	return domain, grace
}

func roid(id string) string { return id + "-HD" }

func (ss *session) domainInfo(ctx context.Context, a core.Actor, r *request) (*response, error) {
	names := trimmed(r.cmd.Info.Domain.Names)
	if len(names) != 1 {
		return nil, required("exactly one domain:name")
	}
	v, err := ss.infoView(ctx, a, r, names[0])
	if err != nil {
		return nil, err
	}
	domainStatuses, grace := splitStatuses(v.Statuses)
	slug := a.Channel.Slug
	if v.ChannelID != a.ChannelID() {
		slug = v.ChannelSlug
	}
	resp := success(1000)
	resp.resData = func(w *xw) {
		w.open("domain:infData", "xmlns:domain", NSDomain)
		w.elem("domain:name", v.Name)
		w.elem("domain:roid", roid(v.ID))
		for _, s := range domainStatuses {
			w.empty("domain:status", "s", s)
		}
		if v.RegistrantContactID != "" {
			w.elem("domain:registrant", v.RegistrantContactID)
		}
		if len(v.NameserversDesired) > 0 {
			w.open("domain:ns")
			for _, h := range v.NameserversDesired {
				w.elem("domain:hostObj", h)
			}
			w.close("domain:ns")
		}
		w.elem("domain:clID", slug)
		w.elem("domain:crID", slug)
		w.elem("domain:crDate", eppTime(v.CreatedAt))
		if !v.UpdatedAt.IsZero() && !v.UpdatedAt.Equal(v.CreatedAt) {
			w.elem("domain:upID", slug)
			w.elem("domain:upDate", eppTime(v.UpdatedAt))
		}
		w.elem("domain:exDate", eppTime(v.ExpiresAt))
		if v.TransferredAt != nil {
			w.elem("domain:trDate", eppTime(*v.TransferredAt))
		}
		w.open("domain:authInfo")
		w.empty("domain:pw") // the code is stored hashed and never answered (RFC 9154)
		w.close("domain:authInfo")
		w.close("domain:infData")
	}
	if len(grace) > 0 {
		resp.ext = func(w *xw) {
			w.open("rgp:infData", "xmlns:rgp", NSRGP)
			for _, s := range grace {
				w.empty("rgp:rgpStatus", "s", s)
			}
			w.close("rgp:infData")
		}
	}
	return resp, nil
}

// claimOf reads the RFC 8334 claims notice of a create.
func claimOf(ext *xExtension) (*core.ClaimAcknowledgement, error) {
	if ext == nil || ext.LaunchCreate == nil {
		return nil, nil
	}
	lc := ext.LaunchCreate
	if p := strings.TrimSpace(lc.Phase); p != "claims" && p != "open" {
		return nil, core.Invalid("launch:phase", "the launch phase %q is not offered; claims notices use the claims phase", truncate(p))
	}
	if lc.Notice == nil {
		return nil, nil
	}
	id := strings.TrimSpace(lc.Notice.NoticeID)
	if id == "" {
		return nil, required("launch:noticeID")
	}
	accepted, err := parseDateTime(lc.Notice.AcceptedDate)
	if err != nil {
		return nil, core.Invalid("launch:acceptedDate", "acceptedDate is an XML dateTime such as 2026-01-02T03:04:05Z")
	}
	if na := strings.TrimSpace(lc.Notice.NotAfter); na != "" {
		notAfter, err := parseDateTime(na)
		if err != nil {
			return nil, core.Invalid("launch:notAfter", "notAfter is an XML dateTime")
		}
		if accepted.After(notAfter) {
			return nil, core.Invalid("launch:acceptedDate", "the notice was accepted after its notAfter date")
		}
	}
	return &core.ClaimAcknowledgement{NoticeID: id, AcceptedAt: accepted}, nil
}

func parseDateTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
}

func (ss *session) domainCreate(ctx context.Context, a core.Actor, r *request) (*response, error) {
	x := r.cmd.Create.Domain
	name := strings.TrimSpace(x.Name)
	if name == "" {
		return nil, required("domain:name")
	}
	if x.Registrant == nil || strings.TrimSpace(*x.Registrant) == "" {
		return nil, required("domain:registrant (a contact id of this channel)")
	}
	y, err := years(x.Period, 1)
	if err != nil {
		return nil, err
	}
	claim, err := claimOf(r.cmd.Extension)
	if err != nil {
		return nil, err
	}
	out, err := ss.srv.reg.CreateDomain(ctx, a, core.CreateDomain{Mutation: ss.mutation(r), Domain: name, Years: y,
		Nameservers: nameservers(x.NS), Claim: claim, RegistrantContactID: strings.TrimSpace(*x.Registrant),
		AuthCode: createAuthCode(x.AuthPW)})
	if err != nil {
		return nil, err
	}
	d := out.Domain
	resp := success(1000)
	resp.svTRID = out.AuditID
	resp.replay = out.Idempotent
	resp.resData = func(w *xw) {
		w.open("domain:creData", "xmlns:domain", NSDomain)
		w.elem("domain:name", d.Name)
		w.elem("domain:crDate", eppTime(d.CreatedAt))
		w.elem("domain:exDate", eppTime(d.ExpiresAt))
		w.close("domain:creData")
	}
	return resp, nil
}

func (ss *session) domainRenew(ctx context.Context, a core.Actor, r *request) (*response, error) {
	x := r.cmd.Renew.Domain
	name := strings.TrimSpace(x.Name)
	if name == "" {
		return nil, required("domain:name")
	}
	if strings.TrimSpace(x.CurExpDate) == "" {
		return nil, required("domain:curExpDate")
	}
	cur, err := time.Parse(time.DateOnly, strings.TrimSpace(x.CurExpDate))
	if err != nil {
		return nil, core.Invalid("curExpDate", "curExpDate is a date such as 2027-04-03")
	}
	y, err := years(x.Period, 1)
	if err != nil {
		return nil, err
	}
	out, err := ss.srv.reg.RenewDomain(ctx, a, core.RenewDomain{Mutation: ss.mutation(r), Domain: name, Years: y,
		CurrentExpiresAt: cur, CurrentExpiryDateOnly: true})
	if err != nil {
		return nil, err
	}
	d := out.Domain
	resp := success(1000)
	resp.svTRID = out.AuditID
	resp.replay = out.Idempotent
	resp.resData = func(w *xw) {
		w.open("domain:renData", "xmlns:domain", NSDomain)
		w.elem("domain:name", d.Name)
		w.elem("domain:exDate", eppTime(d.ExpiresAt))
		w.close("domain:renData")
	}
	return resp, nil
}

// domainUpdate runs the registry's update_domain for registrant and status
// changes and update_nameservers for hostObj changes, in that order, each
// keyed by the clTRID (the nameserver part by clTRID + "/ns", so that both
// replay together). svTRID is the audit id of the last one.
func (ss *session) domainUpdate(ctx context.Context, a core.Actor, r *request) (*response, error) {
	x := r.cmd.Update.Domain
	name := strings.TrimSpace(x.Name)
	if name == "" {
		return nil, required("domain:name")
	}
	var add, rem []string
	var nsAdd, nsRem []string
	if x.Add != nil {
		add, nsAdd = statusList(x.Add.Statuses), nameservers(x.Add.NS)
	}
	if x.Rem != nil {
		rem, nsRem = statusList(x.Rem.Statuses), nameservers(x.Rem.NS)
	}
	registrant := ""
	if x.Chg != nil && x.Chg.Registrant != nil {
		if registrant = strings.TrimSpace(*x.Chg.Registrant); registrant == "" {
			return nil, core.Invalid("domain:registrant", "a domain keeps a registrant; name a contact id")
		}
	}
	var authCode *string // <domain:chg><domain:authInfo>: a new code, or an empty pw to unset it
	if x.Chg != nil && x.Chg.AuthPW != nil {
		pw := *x.Chg.AuthPW
		authCode = &pw
	}
	nsChange := len(nsAdd) > 0 || len(nsRem) > 0
	domainChange := len(add) > 0 || len(rem) > 0 || registrant != "" || authCode != nil
	if !nsChange && !domainChange {
		if x.Add != nil || x.Rem != nil || x.Chg != nil { // contacts only: nothing the registry stores
			return nil, core.Errorf(core.CodeUnimplementedCommand, "admin, tech and billing contacts are not stored; change statuses, nameservers, the registrant or authInfo")
		}
		return nil, required("domain:add, domain:rem or domain:chg")
	}
	meta := ss.mutation(r)
	resp := success(1000)
	if domainChange {
		out, err := ss.srv.reg.UpdateDomain(ctx, a, core.UpdateDomain{Mutation: meta, Domain: name,
			Statuses: core.StatusChange{Add: add, Remove: rem}, RegistrantContactID: registrant, AuthCode: authCode})
		if err != nil {
			return nil, err
		}
		resp.svTRID = out.AuditID
		resp.replay = out.Idempotent
	}
	if nsChange {
		cur, err := ss.srv.reg.InfoDomain(ctx, a, name)
		if err != nil {
			return nil, err
		}
		next := []string{}
		for _, h := range cur.NameserversDesired {
			if !slices.ContainsFunc(nsRem, func(r string) bool { return strings.EqualFold(strings.TrimSuffix(r, "."), h) }) {
				next = append(next, h)
			}
		}
		next = append(next, nsAdd...)
		nsMeta := meta
		if domainChange {
			nsMeta.IdempotencyKey += "/ns"
		}
		out, err := ss.srv.reg.UpdateNameservers(ctx, a, core.UpdateNameservers{Mutation: nsMeta, Domain: name, Nameservers: next})
		if err != nil {
			return nil, err
		}
		resp.svTRID = out.AuditID
		resp.replay = out.Idempotent
	}
	return resp, nil
}

// isRestore reports whether an update carries the RFC 3915 rgp extension.
func isRestore(r *request) bool {
	return r.cmd.Extension != nil && r.cmd.Extension.RGPUpdate != nil
}

// domainRestore runs restore_domain for an RFC 3915 §4.2.5 restore, keyed by
// the clTRID like every transform. Both operations restore in one step, as
// Nomulus does (no pendingRestore state): op="request" alone, op="report"
// with its report, which the audit row keeps. The <domain:update> must
// change nothing else.
func (ss *session) domainRestore(ctx context.Context, a core.Actor, r *request) (*response, error) {
	x := r.cmd.Update.Domain
	name := strings.TrimSpace(x.Name)
	if name == "" {
		return nil, required("domain:name")
	}
	if x.Add != nil || x.Rem != nil || (x.Chg != nil && (x.Chg.Registrant != nil || x.Chg.AuthPW != nil)) {
		return nil, core.Errorf(core.CodeCommandUseError, "an RGP restore changes nothing else: send an empty <domain:chg/> and the changes in a separate update")
	}
	rs := r.cmd.Extension.RGPUpdate.Restore
	if rs == nil {
		return nil, required("rgp:restore")
	}
	cmd := core.RestoreDomain{Mutation: ss.mutation(r), Domain: name}
	switch op := strings.TrimSpace(rs.Op); op {
	case "request":
		if rs.Report != nil {
			return nil, core.Invalid("rgp:report", "a restore request carries no report; send the report with op=\"report\"")
		}
	case "report":
		if rs.Report == nil {
			return nil, required("rgp:report (with op=\"report\")")
		}
		rep, err := restoreReport(rs.Report)
		if err != nil {
			return nil, err
		}
		cmd.Report = rep
	case "":
		return nil, required("the op attribute of rgp:restore (request or report)")
	default:
		return nil, core.Invalid("rgp:restore", "the op of rgp:restore is request or report, not %q", truncate(op))
	}
	out, err := ss.srv.reg.RestoreDomain(ctx, a, cmd)
	if err != nil {
		return nil, err
	}
	resp := success(1000)
	resp.svTRID = out.AuditID
	return resp, nil
}

// restoreReport reads an RFC 3915 restore report: every element but
// <rgp:other> is required; <rgp:other> (supporting information) is kept as
// the last statement.
func restoreReport(x *xRGPReport) (*core.RestoreReport, error) {
	rep := &core.RestoreReport{PreData: x.PreData.String(), PostData: x.PostData.String(), Reason: x.ResReason.String()}
	for _, f := range []struct {
		name    string
		present bool
	}{{"rgp:preData", x.PreData != nil}, {"rgp:postData", x.PostData != nil}, {"rgp:delTime", strings.TrimSpace(x.DelTime) != ""},
		{"rgp:resTime", strings.TrimSpace(x.ResTime) != ""}, {"rgp:resReason", rep.Reason != ""}, {"rgp:statement", len(x.Statements) > 0}} {
		if !f.present {
			return nil, required(f.name)
		}
	}
	if len(x.Statements) > 2 {
		return nil, core.Invalid("rgp:statement", "a restore report has one or two statements")
	}
	var err error
	if rep.DeleteTime, err = parseDateTime(x.DelTime); err != nil {
		return nil, core.Invalid("rgp:delTime", "rgp:delTime is an XML dateTime such as 2026-01-02T03:04:05Z")
	}
	if rep.RestoreTime, err = parseDateTime(x.ResTime); err != nil {
		return nil, core.Invalid("rgp:resTime", "rgp:resTime is an XML dateTime such as 2026-01-02T03:04:05Z")
	}
	rep.DeleteTime, rep.RestoreTime = rep.DeleteTime.UTC(), rep.RestoreTime.UTC()
	for i := range x.Statements {
		rep.Statements = append(rep.Statements, x.Statements[i].String())
	}
	if other := x.Other.String(); other != "" {
		rep.Statements = append(rep.Statements, other)
	}
	return rep, nil
}

func (ss *session) domainDelete(ctx context.Context, a core.Actor, r *request) (*response, error) {
	names := trimmed(r.cmd.Delete.Domain.Names)
	if len(names) != 1 {
		return nil, required("exactly one domain:name")
	}
	out, err := ss.srv.reg.DeleteDomain(ctx, a, core.DeleteDomain{Mutation: ss.mutation(r), Domain: names[0]})
	if err != nil {
		return nil, err
	}
	resp := success(1001) // pending delete
	if out.Freed {
		resp = success(1000) // freed within add grace
	}
	resp.svTRID = out.AuditID
	resp.replay = out.Idempotent
	return resp, nil
}
