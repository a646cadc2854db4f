package epp

import (
	"context"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
)

// Domain transfers (RFC 5731 §3.1.3 query, §3.2.4 transform) and
// authorization information (RFC 9154): the <transfer> command, the
// <domain:trnData> answers and poll messages, and <domain:info> with
// authInfo.

// xTransfer is <transfer op="..."> with its object.
type xTransfer struct {
	Op     string `xml:"op,attr"`
	Domain *struct {
		Name   string   `xml:"name"`
		Period *xPeriod `xml:"period"`
		AuthPW *string  `xml:"authInfo>pw"`
	} `xml:"urn:ietf:params:xml:ns:domain-1.0 transfer"`
	Contact *struct{} `xml:"urn:ietf:params:xml:ns:contact-1.0 transfer"`
	Other   []xAny    `xml:",any"`
}

// xDomainInfo is <domain:info>: one name and, from a channel that does not
// sponsor it, the registration's authorization code.
type xDomainInfo struct {
	Names  []string `xml:"name"`
	AuthPW *string  `xml:"authInfo>pw"`
}

// transferOps maps the op attribute to the registry command.
var transferOps = map[string]core.Command{
	"query": core.CmdQueryTransfer, "request": core.CmdRequestTransfer, "approve": core.CmdApproveTransfer,
	"reject": core.CmdRejectTransfer, "cancel": core.CmdCancelTransfer,
}

// transferCommand is the registry command of a <transfer>: a domain
// transfer by its op; a contact transfer is not offered (2101).
func transferCommand(r *request) (core.Command, eppObject, error) {
	x := r.cmd.Transfer
	obj, err := objectOf(x.Domain != nil, x.Contact != nil, x.Other)
	if err != nil {
		return "", obj, err
	}
	if obj == objContact {
		return "", obj, core.Errorf(core.CodeUnimplementedCommand, "contact transfer is not offered by this registry")
	}
	op := strings.TrimSpace(x.Op)
	if op == "" {
		return "", obj, required("the op attribute of transfer (query, request, approve, reject or cancel)")
	}
	cmd, ok := transferOps[op]
	if !ok {
		return "", obj, core.Invalid("op", "transfer op is query, request, approve, reject or cancel")
	}
	return cmd, obj, nil
}

// domainTransfer runs a domain <transfer>: query answers the latest
// transfer; request answers 1001 (pending); approve, reject and cancel 1000.
func (ss *session) domainTransfer(ctx context.Context, a core.Actor, r *request) (*response, error) {
	x := r.cmd.Transfer
	name := strings.TrimSpace(x.Domain.Name)
	if name == "" {
		return nil, required("domain:name")
	}
	op := strings.TrimSpace(x.Op)
	if op == "query" {
		v, err := ss.srv.reg.QueryTransfer(ctx, a, name)
		if err != nil {
			return nil, err
		}
		resp := success(1000)
		resp.resData = func(w *xw) { trnData(w, v) }
		return resp, nil
	}
	var (
		out core.Outcome
		err error
	)
	act := core.TransferAction{Mutation: ss.mutation(r), Domain: name}
	switch op {
	case "request":
		if x.Domain.AuthPW == nil || *x.Domain.AuthPW == "" {
			return nil, required("domain:authInfo (the registration's authorization code)")
		}
		y, yerr := years(x.Domain.Period, 1)
		if yerr != nil {
			return nil, yerr
		}
		out, err = ss.srv.reg.RequestTransfer(ctx, a, core.RequestTransferCmd{Mutation: act.Mutation, Domain: name,
			AuthCode: *x.Domain.AuthPW, Years: y})
	case "approve":
		out, err = ss.srv.reg.ApproveTransfer(ctx, a, act)
	case "reject":
		out, err = ss.srv.reg.RejectTransfer(ctx, a, act)
	default:
		out, err = ss.srv.reg.CancelTransfer(ctx, a, act)
	}
	if err != nil {
		return nil, err
	}
	resp := success(1000)
	if op == "request" {
		resp = success(1001)
	}
	resp.svTRID = out.AuditID
	if t := out.Transfer; t != nil {
		v := *t
		resp.resData = func(w *xw) { trnData(w, v) }
	}
	return resp, nil
}

// trnData writes <domain:trnData> (RFC 5731 §3.1.3): reID and acID are the
// requesting and the sponsoring channel's slugs (their clIDs).
func trnData(w *xw, v core.TransferView) {
	w.open("domain:trnData", "xmlns:domain", NSDomain)
	w.elem("domain:name", v.Domain)
	w.elem("domain:trStatus", v.Status)
	w.elem("domain:reID", v.GainingChannel.Slug)
	w.elem("domain:reDate", eppTime(v.RequestedAt))
	w.elem("domain:acID", v.LosingChannel.Slug)
	w.elem("domain:acDate", eppTime(v.ActionAt))
	if !v.ExpiresAt.IsZero() {
		w.elem("domain:exDate", eppTime(v.ExpiresAt))
	}
	w.close("domain:trnData")
}

// messageResData is the <resData> of a queued message: a transfer message
// carries <domain:trnData> (RFC 5731 §3.3); other kinds carry none.
func messageResData(m *core.Message) func(w *xw) {
	if m == nil || m.Kind != core.MsgTransfer {
		return nil
	}
	str := func(k string) string { s, _ := m.Payload[k].(string); return s }
	at := func(k string) time.Time { t, _ := time.Parse(time.RFC3339, str(k)); return t }
	v := core.TransferView{Domain: m.Domain, Status: str("transfer_status"),
		GainingChannel: core.ChannelRef{Slug: str("gaining_channel")}, LosingChannel: core.ChannelRef{Slug: str("losing_channel")},
		RequestedAt: at("requested_at"), ActionAt: at("action_at"), ExpiresAt: at("expires_at")}
	return func(w *xw) { trnData(w, v) }
}

// infoView reads a domain for <domain:info>: the sponsor's read, or, with
// authInfo, another channel's check of the registration's code (RFC 5731
// §3.1.2); a wrong code answers 2202.
func (ss *session) infoView(ctx context.Context, a core.Actor, r *request, name string) (core.DomainView, error) {
	if x := r.cmd.Info.Domain; x.AuthPW != nil && *x.AuthPW != "" {
		return ss.srv.reg.InfoDomainWithAuth(ctx, a, name, *x.AuthPW)
	}
	return ss.srv.reg.InfoDomain(ctx, a, name)
}

// createAuthCode is the authorization code a <domain:create> sets: its
// authInfo pw when it meets the registry's policy (RFC 5731 makes authInfo
// mandatory on create; a weaker one, such as the RFC's own example, is not
// kept, and the sponsor sets a code with <domain:update> when it needs one).
func createAuthCode(pw *string) string {
	if pw == nil || core.ValidateAuthCode(*pw) != nil {
		return ""
	}
	return *pw
}
