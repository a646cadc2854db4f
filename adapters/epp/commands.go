package epp

import (
	"strconv"
	"strings"

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
