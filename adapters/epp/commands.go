package epp

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
)

// Each EPP command calls the registry use case of its REST twin through
// ports.RegistrarService; the gateway only translates XML to commands and
// results (or catalog errors) back to XML. No registry rule lives here.

// eppObject says which object a command addresses.
type eppObject int

const (
	objNone eppObject = iota
	objDomain
	objContact
)

// objectOf picks the object of a query or transform element; an element in
// another namespace is an object service the registry does not offer.
func objectOf(domain, contact bool, other []xAny) (eppObject, error) {
	for _, o := range other {
		return objNone, core.Errorf(core.CodeUnimplementedObjectService, "the %s object service is not offered; use %s or %s",
			o.XMLName.Space, NSDomain, NSContact)
	}
	switch {
	case domain && !contact:
		return objDomain, nil
	case contact && !domain:
		return objContact, nil
	}
	return objNone, syntaxError("the command names exactly one domain or contact element")
}

// registryCommand maps a request to the registry command whose rate-limit
// counter it counts in.
func registryCommand(r *request) (core.Command, eppObject, error) {
	c := r.cmd
	var obj eppObject
	var err error
	pick := func(domain, contact core.Command) core.Command {
		if obj == objContact {
			return contact
		}
		return domain
	}
	switch r.name {
	case cmdPoll:
		return core.CmdPoll, objNone, nil
	case cmdCheck:
		obj, err = objectOf(c.Check.Domain != nil, c.Check.Contact != nil, c.Check.Other)
		return pick(core.CmdCheckDomain, core.CmdCheckContact), obj, err
	case cmdInfo:
		obj, err = objectOf(c.Info.Domain != nil, c.Info.Contact != nil, c.Info.Other)
		return pick(core.CmdInfoDomain, core.CmdInfoContact), obj, err
	case cmdCreate:
		obj, err = objectOf(c.Create.Domain != nil, c.Create.Contact != nil, c.Create.Other)
		return pick(core.CmdCreateDomain, core.CmdCreateContact), obj, err
	case cmdRenew:
		obj, err = objectOf(c.Renew.Domain != nil, false, c.Renew.Other)
		return core.CmdRenewDomain, obj, err
	case cmdUpdate:
		obj, err = objectOf(c.Update.Domain != nil, c.Update.Contact != nil, c.Update.Other)
		if obj == objDomain && isRestore(r) {
			return core.CmdRestoreDomain, obj, err
		}
		return pick(core.CmdUpdateDomain, core.CmdUpdateContact), obj, err
	case cmdDelete:
		obj, err = objectOf(c.Delete.Domain != nil, c.Delete.Contact != nil, c.Delete.Other)
		return pick(core.CmdDeleteDomain, core.CmdDeleteContact), obj, err
	case cmdTransfer:
		return transferCommand(r)
	}
	return "", objNone, core.Errorf(core.CodeUnknownCommand, "unknown command %s", r.name)
}

// checkExtensions refuses command extensions the command does not take.
func checkExtensions(r *request, obj eppObject) error {
	ext := r.cmd.Extension
	if ext == nil {
		return nil
	}
	for _, o := range ext.Other {
		return core.Errorf(core.CodeUnimplementedExtension, "the extension %s is not implemented", o.XMLName.Space)
	}
	if ext.RGPUpdate != nil && !(r.name == cmdUpdate && obj == objDomain) {
		return core.Errorf(core.CodeUnimplementedExtension, "rgp:update extends domain update only")
	}
	if ext.LaunchCheck != nil && !(r.name == cmdCheck && obj == objDomain) {
		return core.Errorf(core.CodeUnimplementedExtension, "launch:check extends domain check only")
	}
	if ext.LaunchCreate != nil && !(r.name == cmdCreate && obj == objDomain) {
		return core.Errorf(core.CodeUnimplementedExtension, "launch:create extends domain create only")
	}
	return nil
}

// mutation builds the shared part of a transform: clTRID is the
// idempotency key (a transform without one runs once, unprotected), and
// the OT&E listener runs every transform as sandbox.
func (ss *session) mutation(r *request) core.Mutation {
	key := r.clTRID
	if key == "" {
		key = ss.srv.ids.NewID("epp-unkeyed")
	}
	return core.Mutation{IdempotencyKey: key, Sandbox: ss.srv.opts.OTE}
}

func required(what string) error {
	return core.Errorf(core.CodeRequiredParameterMissing, "%s is required", what)
}

// trimmed trims every string and drops empty ones.
func trimmed(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// years reads an RFC 5731 period: unit y (years) or m (months, whole years
// only here); absent means def.
func years(p *xPeriod, def int) (int, error) {
	if p == nil {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(p.Value))
	if err != nil || n < 1 || n > 99 {
		return 0, core.Invalid("period", "the period is a whole number from 1 to 99")
	}
	switch p.Unit {
	case "y":
		return n, nil
	case "m":
		if n%12 != 0 {
			return 0, core.Invalid("period", "registration periods are whole years; %d months is not", n)
		}
		return n / 12, nil
	}
	return 0, core.Invalid("period", "the period unit is y or m")
}

// nameservers reads hostObj and hostAttr names.
func nameservers(ns *xNS) []string {
	if ns == nil {
		return nil
	}
	out := trimmed(ns.HostObj)
	for _, h := range ns.HostAttr {
		if n := strings.TrimSpace(h.HostName); n != "" {
			out = append(out, n)
		}
	}
	return out
}

func statusList(in []xStatus) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		out = append(out, strings.TrimSpace(s.S))
	}
	return out
}

// --- domain -----------------------------------------------------------------

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

// --- contact ----------------------------------------------------------------

func (ss *session) contactCheck(ctx context.Context, a core.Actor, r *request) (*response, error) {
	ids := trimmed(r.cmd.Check.Contact.IDs)
	if len(ids) == 0 {
		return nil, required("contact:id")
	}
	results, err := ss.srv.reg.CheckContacts(ctx, a, core.CheckContacts{IDs: ids})
	if err != nil {
		return nil, err
	}
	resp := success(1000)
	resp.resData = func(w *xw) {
		w.open("contact:chkData", "xmlns:contact", NSContact)
		for _, res := range results {
			w.open("contact:cd")
			w.elem("contact:id", res.ID, "avail", boolAttr(res.Available))
			if res.Reason != "" {
				w.elem("contact:reason", res.Reason)
			}
			w.close("contact:cd")
		}
		w.close("contact:chkData")
	}
	return resp, nil
}

// phone splits "+1.7035555555x1234" into the number and its extension.
func phone(w *xw, tag, s string) {
	if s == "" {
		return
	}
	if i := strings.IndexByte(s, 'x'); i > 0 {
		w.elem(tag, s[:i], "x", s[i+1:])
		return
	}
	w.elem(tag, s)
}

func (ss *session) contactInfo(ctx context.Context, a core.Actor, r *request) (*response, error) {
	ids := trimmed(r.cmd.Info.Contact.IDs)
	if len(ids) != 1 {
		return nil, required("exactly one contact:id")
	}
	v, err := ss.srv.reg.InfoContact(ctx, a, ids[0])
	if err != nil {
		return nil, err
	}
	slug := a.Channel.Slug
	resp := success(1000)
	resp.resData = func(w *xw) {
		p := v.PostalInfo
		w.open("contact:infData", "xmlns:contact", NSContact)
		w.elem("contact:id", v.ID)
		w.elem("contact:roid", v.ROID)
		for _, s := range v.Statuses {
			w.empty("contact:status", "s", s)
		}
		w.open("contact:postalInfo", "type", p.Type)
		w.elem("contact:name", p.Name)
		if p.Org != "" {
			w.elem("contact:org", p.Org)
		}
		w.open("contact:addr")
		for _, st := range p.Street {
			w.elem("contact:street", st)
		}
		w.elem("contact:city", p.City)
		if p.SP != "" {
			w.elem("contact:sp", p.SP)
		}
		if p.PC != "" {
			w.elem("contact:pc", p.PC)
		}
		w.elem("contact:cc", p.CC)
		w.close("contact:addr")
		w.close("contact:postalInfo")
		phone(w, "contact:voice", v.Voice)
		phone(w, "contact:fax", v.Fax)
		w.elem("contact:email", v.Email)
		w.elem("contact:clID", slug)
		w.elem("contact:crID", slug)
		w.elem("contact:crDate", eppTime(v.CreatedAt))
		if !v.UpdatedAt.Equal(v.CreatedAt) {
			w.elem("contact:upID", slug)
			w.elem("contact:upDate", eppTime(v.UpdatedAt))
		}
		w.close("contact:infData")
	}
	return resp, nil
}

// postalOf picks the int postalInfo when both forms are sent (RFC 5733
// allows one of each), else the only one.
func postalOf(in []xPostal) (*xPostal, error) {
	switch len(in) {
	case 0:
		return nil, nil
	case 1:
	case 2:
		if in[0].Type == in[1].Type {
			return nil, core.Invalid("contact:postalInfo", "at most one postalInfo of each type")
		}
	default:
		return nil, core.Invalid("contact:postalInfo", "at most two postalInfo elements (int and loc)")
	}
	for i := range in {
		if in[i].Type != core.PostalInt && in[i].Type != core.PostalLoc {
			return nil, core.Invalid("contact:postalInfo", "the postalInfo type is int or loc")
		}
	}
	for i := range in {
		if in[i].Type == core.PostalInt {
			return &in[i], nil
		}
	}
	return &in[0], nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

func phoneValue(p *xPhone) string {
	if p == nil {
		return ""
	}
	v := strings.TrimSpace(p.Value)
	if x := strings.TrimSpace(p.X); x != "" && v != "" {
		v += "x" + x
	}
	return v
}

func (ss *session) contactCreate(ctx context.Context, a core.Actor, r *request) (*response, error) {
	x := r.cmd.Create.Contact
	id := strings.TrimSpace(x.ID)
	if id == "" {
		return nil, required("contact:id")
	}
	p, err := postalOf(x.PostalInfo)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, required("contact:postalInfo")
	}
	if strings.TrimSpace(x.Email) == "" {
		return nil, required("contact:email")
	}
	if x.AuthPW == nil {
		return nil, required("contact:authInfo")
	}
	postal := core.PostalInfo{Type: p.Type, Name: deref(p.Name), Org: deref(p.Org), Street: trimmed(p.Street),
		City: deref(p.City), SP: deref(p.SP), PC: deref(p.PC), CC: deref(p.CC)}
	out, err := ss.srv.reg.CreateContact(ctx, a, core.CreateContact{Mutation: ss.mutation(r), ID: id, PostalInfo: postal,
		Voice: phoneValue(x.Voice), Fax: phoneValue(x.Fax), Email: strings.TrimSpace(x.Email), AuthInfo: *x.AuthPW})
	if err != nil {
		return nil, err
	}
	c := out.Contact
	resp := success(1000)
	resp.svTRID = out.AuditID
	resp.replay = out.Idempotent
	resp.resData = func(w *xw) {
		w.open("contact:creData", "xmlns:contact", NSContact)
		w.elem("contact:id", c.ID)
		w.elem("contact:crDate", eppTime(c.CreatedAt))
		w.close("contact:creData")
	}
	return resp, nil
}

func (ss *session) contactUpdate(ctx context.Context, a core.Actor, r *request) (*response, error) {
	x := r.cmd.Update.Contact
	id := strings.TrimSpace(x.ID)
	if id == "" {
		return nil, required("contact:id")
	}
	cmd := core.UpdateContact{Mutation: ss.mutation(r), ID: id}
	if x.Add != nil {
		cmd.Statuses.Add = statusList(x.Add.Statuses)
	}
	if x.Rem != nil {
		cmd.Statuses.Remove = statusList(x.Rem.Statuses)
	}
	if chg := x.Chg; chg != nil {
		p, err := postalOf(chg.PostalInfo)
		if err != nil {
			return nil, err
		}
		if p != nil {
			// RFC 5733 §3.2.5: only the postal elements sent change.
			cur, err := ss.srv.reg.InfoContact(ctx, a, id)
			if err != nil {
				return nil, err
			}
			postal := cur.PostalInfo
			postal.Type = p.Type
			for dst, src := range map[*string]*string{&postal.Name: p.Name, &postal.Org: p.Org, &postal.City: p.City,
				&postal.SP: p.SP, &postal.PC: p.PC, &postal.CC: p.CC} {
				if src != nil {
					*dst = strings.TrimSpace(*src)
				}
			}
			if p.City != nil || p.CC != nil || len(p.Street) > 0 { // an <addr> was sent: its streets replace
				postal.Street = trimmed(p.Street)
			}
			cmd.PostalInfo = &postal
		}
		if chg.Voice != nil {
			v := phoneValue(chg.Voice)
			cmd.Voice = &v
		}
		if chg.Fax != nil {
			v := phoneValue(chg.Fax)
			cmd.Fax = &v
		}
		if chg.Email != nil {
			v := strings.TrimSpace(*chg.Email)
			cmd.Email = &v
		}
		if chg.AuthPW != nil {
			v := *chg.AuthPW
			cmd.AuthInfo = &v
		}
	}
	out, err := ss.srv.reg.UpdateContact(ctx, a, cmd)
	if err != nil {
		return nil, err
	}
	resp := success(1000)
	resp.svTRID = out.AuditID
	resp.replay = out.Idempotent
	return resp, nil
}

func (ss *session) contactDelete(ctx context.Context, a core.Actor, r *request) (*response, error) {
	ids := trimmed(r.cmd.Delete.Contact.IDs)
	if len(ids) != 1 {
		return nil, required("exactly one contact:id")
	}
	out, err := ss.srv.reg.DeleteContact(ctx, a, core.DeleteContact{Mutation: ss.mutation(r), ID: ids[0]})
	if err != nil {
		return nil, err
	}
	resp := success(1000)
	resp.svTRID = out.AuditID
	resp.replay = out.Idempotent
	return resp, nil
}

// --- poll -------------------------------------------------------------------

func (ss *session) poll(ctx context.Context, a core.Actor, r *request) (*response, error) {
	p := r.cmd.Poll
	switch p.Op {
	case "req":
		st, err := ss.srv.reg.PollMessages(ctx, a)
		if err != nil {
			return nil, err
		}
		if st.Message == nil {
			return success(1300), nil
		}
		resp := success(1301)
		resp.msgQ = &st
		resp.resData = messageResData(st.Message)
		return resp, nil
	case "ack":
		if strings.TrimSpace(p.MsgID) == "" {
			return nil, required("the msgID of poll ack")
		}
		st, err := ss.srv.reg.AckMessage(ctx, a, strings.TrimSpace(p.MsgID))
		if err != nil {
			return nil, err
		}
		resp := success(1000)
		resp.msgQ = &st
		return resp, nil
	case "":
		return nil, required("the op attribute of poll (req or ack)")
	}
	return nil, core.Invalid("poll", "poll op is req or ack")
}

func truncate(s string) string {
	if len(s) > 64 {
		return strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}
