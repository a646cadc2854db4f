package dns

import (
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// registrar is one approved, production-approved channel of a partner with
// the DNS module, listed for one namespace, with a registrar_api key, all
// made through the operator service as an operator would.
type registrar struct {
	t         *testing.T
	svc       *registry.Service
	partner   core.Partner
	channel   core.Channel
	namespace string
	token     string
}

func newRegistrar(t *testing.T, svc *registry.Service, namespace, backend string) *registrar {
	t.Helper()
	ctx := t.Context()
	p, err := svc.CreatePartner(ctx, core.CreatePartner{Name: "DNS test partner", GemsBalance: 1_000_000, DNSModuleEnabled: true})
	if err != nil {
		t.Fatalf("CreatePartner: %v", err)
	}
	if _, err := svc.CreateNamespace(ctx, core.CreateNamespace{Name: namespace, DNSBackend: backend, CreatePriceGems: 1, RenewPriceGems: 1}); err != nil {
		t.Fatalf("CreateNamespace: %v", err)
	}
	ch, err := svc.CreateChannel(ctx, core.CreateChannel{PartnerID: p.ID, Slug: uniqueLabel("chan")})
	if err != nil {
		t.Fatalf("CreateChannel: %v", err)
	}
	if _, err := svc.ApproveChannel(ctx, ch.ID); err != nil {
		t.Fatalf("ApproveChannel: %v", err)
	}
	if ch, err = svc.ApproveProduction(ctx, core.ApproveProduction{ChannelID: ch.ID, Force: true}); err != nil {
		t.Fatalf("ApproveProduction: %v", err)
	}
	if _, err := svc.AddListing(ctx, ch.ID, namespace); err != nil {
		t.Fatalf("AddListing: %v", err)
	}
	if _, err := svc.ApproveListing(ctx, ch.ID, namespace); err != nil {
		t.Fatalf("ApproveListing: %v", err)
	}
	k, err := svc.CreateAPIKey(ctx, core.CreateAPIKey{PartnerID: p.ID, ChannelID: ch.ID, Profile: core.ProfileRegistrarAPI})
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	return &registrar{t: t, svc: svc, partner: p, channel: ch, namespace: namespace, token: k.Token}
}

func (r *registrar) actor(cmd core.Command) core.Actor {
	r.t.Helper()
	a, _, err := r.svc.Authorize(r.t.Context(), r.token, cmd)
	if err != nil {
		r.t.Fatalf("Authorize(%s): %v", cmd, err)
	}
	return a
}

// key is a fresh idempotency key.
func (r *registrar) key() string { return uniqueLabel("k") }

// create registers a fresh label in the namespace and answers its name.
func (r *registrar) create(prefix string) core.Name {
	r.t.Helper()
	name := core.MustName(uniqueLabel(prefix) + "." + r.namespace)
	_, err := r.svc.CreateDomain(r.t.Context(), r.actor(core.CmdCreateDomain), core.CreateDomain{
		Mutation: core.Mutation{IdempotencyKey: r.key()}, Domain: name.String(), Years: 1,
		Registrant: core.Registrant{Name: "Alice", Email: "alice@example.com"},
	})
	if err != nil {
		r.t.Fatalf("CreateDomain(%s): %v", name, err)
	}
	return name
}

// setNameservers sends update_nameservers and answers the queued item's id.
func (r *registrar) setNameservers(name core.Name, ns ...string) string {
	r.t.Helper()
	out, err := r.svc.UpdateNameservers(r.t.Context(), r.actor(core.CmdUpdateNameservers), core.UpdateNameservers{
		Mutation: core.Mutation{IdempotencyKey: r.key()}, Domain: name.String(), Nameservers: ns})
	if err != nil {
		r.t.Fatalf("UpdateNameservers(%s): %v", name, err)
	}
	if out.PendingID == "" {
		r.t.Fatalf("UpdateNameservers(%s) queued no work", name)
	}
	return out.PendingID
}

func (r *registrar) putRecords(name core.Name, recs ...core.Record) error {
	r.t.Helper()
	_, err := r.svc.UpdateRecords(r.t.Context(), r.actor(core.CmdUpdateRecords), core.UpdateRecords{
		Mutation: core.Mutation{IdempotencyKey: r.key()}, Domain: name.String(), Records: recs})
	return err
}

func (r *registrar) info(name core.Name) core.DomainView {
	r.t.Helper()
	v, err := r.svc.InfoDomain(r.t.Context(), r.actor(core.CmdInfoDomain), name.String())
	if err != nil {
		r.t.Fatalf("InfoDomain(%s): %v", name, err)
	}
	return v
}

// pending answers the item with id among the operator's list of status.
func (r *registrar) pending(id, status string) core.PendingItem {
	r.t.Helper()
	items, err := r.svc.ListPending(r.t.Context(), core.PendingFilter{Status: status, Limit: 500})
	if err != nil {
		r.t.Fatalf("ListPending(%s): %v", status, err)
	}
	for _, it := range items {
		if it.ID == id {
			return it
		}
	}
	r.t.Fatalf("pending item %s is not among the %s items", id, status)
	return core.PendingItem{}
}

// newService is a registry service over uow and backends, on the wall clock.
func newService(uow ports.UnitOfWork, rate ports.RateCounter, backends ports.DNSBackends) *registry.Service {
	return registry.NewService(uow, rate, backends, ports.ClockFunc(time.Now), core.NewIDs(), registry.Options{})
}
