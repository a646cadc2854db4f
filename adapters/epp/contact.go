package epp

import (
	"context"
	"strings"

	"github.com/headlessdomains/registry/core"
)

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
