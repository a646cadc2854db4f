package httpadapter_test

import (
	"context"
	"errors"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

var errNotStubbed = errors.New("fake: method not stubbed")

// fakeRegistrar is a function-field fake of ports.RegistrarService: each
// method calls its field, or fails with errNotStubbed (an internal error).
type fakeRegistrar struct {
	AuthorizeFn         func(ctx context.Context, token string, command core.Command) (core.Actor, *core.RateDecision, error)
	StatusFn            func(ctx context.Context, a core.Actor, rate *core.RateDecision) (core.StatusReport, error)
	SandboxResetFn      func(ctx context.Context, a core.Actor) (core.SandboxResetResult, error)
	CheckDomainsFn      func(ctx context.Context, a core.Actor, cmd core.CheckDomains) ([]core.CheckResult, error)
	CreateDomainFn      func(ctx context.Context, a core.Actor, cmd core.CreateDomain) (core.Outcome, error)
	InfoDomainFn        func(ctx context.Context, a core.Actor, domain string) (core.DomainView, error)
	RenewDomainFn       func(ctx context.Context, a core.Actor, cmd core.RenewDomain) (core.Outcome, error)
	UpdateDomainFn      func(ctx context.Context, a core.Actor, cmd core.UpdateDomain) (core.Outcome, error)
	UpdateNameserversFn func(ctx context.Context, a core.Actor, cmd core.UpdateNameservers) (core.Outcome, error)
	ReadRecordsFn       func(ctx context.Context, a core.Actor, domain string) (core.RecordsView, error)
	UpdateRecordsFn     func(ctx context.Context, a core.Actor, cmd core.UpdateRecords) (core.Outcome, error)
	DeleteDomainFn      func(ctx context.Context, a core.Actor, cmd core.DeleteDomain) (core.Outcome, error)
	RestoreDomainFn     func(ctx context.Context, a core.Actor, cmd core.RestoreDomain) (core.Outcome, error)
	PollFn              func(ctx context.Context, a core.Actor, f core.PollFilter) (core.PollPage, error)
	BackendPendingFn    func(ctx context.Context, a core.Actor, f core.PendingFilter) ([]core.PendingItem, error)
	transferFakes
}

var _ ports.RegistrarService = (*fakeRegistrar)(nil)

func (f *fakeRegistrar) Authorize(ctx context.Context, token string, command core.Command) (core.Actor, *core.RateDecision, error) {
	if f.AuthorizeFn == nil {
		return core.Actor{}, nil, errNotStubbed
	}
	return f.AuthorizeFn(ctx, token, command)
}

func (f *fakeRegistrar) Status(ctx context.Context, a core.Actor, rate *core.RateDecision) (core.StatusReport, error) {
	if f.StatusFn == nil {
		return core.StatusReport{}, errNotStubbed
	}
	return f.StatusFn(ctx, a, rate)
}

func (f *fakeRegistrar) SandboxReset(ctx context.Context, a core.Actor) (core.SandboxResetResult, error) {
	if f.SandboxResetFn == nil {
		return core.SandboxResetResult{}, errNotStubbed
	}
	return f.SandboxResetFn(ctx, a)
}

func (f *fakeRegistrar) CheckDomains(ctx context.Context, a core.Actor, cmd core.CheckDomains) ([]core.CheckResult, error) {
	if f.CheckDomainsFn == nil {
		return nil, errNotStubbed
	}
	return f.CheckDomainsFn(ctx, a, cmd)
}

func (f *fakeRegistrar) CreateDomain(ctx context.Context, a core.Actor, cmd core.CreateDomain) (core.Outcome, error) {
	if f.CreateDomainFn == nil {
		return core.Outcome{}, errNotStubbed
	}
	return f.CreateDomainFn(ctx, a, cmd)
}

func (f *fakeRegistrar) InfoDomain(ctx context.Context, a core.Actor, domain string) (core.DomainView, error) {
	if f.InfoDomainFn == nil {
		return core.DomainView{}, errNotStubbed
	}
	return f.InfoDomainFn(ctx, a, domain)
}

func (f *fakeRegistrar) RenewDomain(ctx context.Context, a core.Actor, cmd core.RenewDomain) (core.Outcome, error) {
	if f.RenewDomainFn == nil {
		return core.Outcome{}, errNotStubbed
	}
	return f.RenewDomainFn(ctx, a, cmd)
}

func (f *fakeRegistrar) UpdateDomain(ctx context.Context, a core.Actor, cmd core.UpdateDomain) (core.Outcome, error) {
	if f.UpdateDomainFn == nil {
		return core.Outcome{}, errNotStubbed
	}
	return f.UpdateDomainFn(ctx, a, cmd)
}

func (f *fakeRegistrar) UpdateNameservers(ctx context.Context, a core.Actor, cmd core.UpdateNameservers) (core.Outcome, error) {
	if f.UpdateNameserversFn == nil {
		return core.Outcome{}, errNotStubbed
	}
	return f.UpdateNameserversFn(ctx, a, cmd)
}

func (f *fakeRegistrar) ReadRecords(ctx context.Context, a core.Actor, domain string) (core.RecordsView, error) {
	if f.ReadRecordsFn == nil {
		return core.RecordsView{}, errNotStubbed
	}
	return f.ReadRecordsFn(ctx, a, domain)
}

func (f *fakeRegistrar) UpdateRecords(ctx context.Context, a core.Actor, cmd core.UpdateRecords) (core.Outcome, error) {
	if f.UpdateRecordsFn == nil {
		return core.Outcome{}, errNotStubbed
	}
	return f.UpdateRecordsFn(ctx, a, cmd)
}

func (f *fakeRegistrar) DeleteDomain(ctx context.Context, a core.Actor, cmd core.DeleteDomain) (core.Outcome, error) {
	if f.DeleteDomainFn == nil {
		return core.Outcome{}, errNotStubbed
	}
	return f.DeleteDomainFn(ctx, a, cmd)
}

func (f *fakeRegistrar) RestoreDomain(ctx context.Context, a core.Actor, cmd core.RestoreDomain) (core.Outcome, error) {
	if f.RestoreDomainFn == nil {
		return core.Outcome{}, errNotStubbed
	}
	return f.RestoreDomainFn(ctx, a, cmd)
}

func (f *fakeRegistrar) Poll(ctx context.Context, a core.Actor, pf core.PollFilter) (core.PollPage, error) {
	if f.PollFn == nil {
		return core.PollPage{}, errNotStubbed
	}
	return f.PollFn(ctx, a, pf)
}

func (f *fakeRegistrar) BackendPending(ctx context.Context, a core.Actor, pf core.PendingFilter) ([]core.PendingItem, error) {
	if f.BackendPendingFn == nil {
		return nil, errNotStubbed
	}
	return f.BackendPendingFn(ctx, a, pf)
}

// fakeOperator is a function-field fake of ports.OperatorService.
type fakeOperator struct {
	CreatePartnerFn     func(ctx context.Context, cmd core.CreatePartner) (core.Partner, error)
	GetPartnerFn        func(ctx context.Context, id string) (core.Partner, error)
	PatchPartnerFn      func(ctx context.Context, id string, cmd core.PatchPartner) (core.Partner, error)
	AdjustGemsFn        func(ctx context.Context, partnerID string, cmd core.AdjustGems) (core.GemsAdjustment, error)
	CreateNamespaceFn   func(ctx context.Context, cmd core.CreateNamespace) (core.Namespace, error)
	UpdateNamespaceFn   func(ctx context.Context, cmd core.UpdateNamespace) (core.Namespace, error)
	ListNamespacesFn    func(ctx context.Context) ([]core.Namespace, error)
	CreateChannelFn     func(ctx context.Context, cmd core.CreateChannel) (core.Channel, error)
	GetChannelFn        func(ctx context.Context, id string) (core.Channel, error)
	PatchChannelFn      func(ctx context.Context, id string, cmd core.PatchChannel) (core.Channel, error)
	ApproveChannelFn    func(ctx context.Context, id string) (core.Channel, error)
	ApproveProductionFn func(ctx context.Context, cmd core.ApproveProduction) (core.Channel, error)
	AddListingFn        func(ctx context.Context, channelID, namespace string) (core.Listing, error)
	ApproveListingFn    func(ctx context.Context, channelID, namespace string) (core.Listing, error)
	CreateAPIKeyFn      func(ctx context.Context, cmd core.CreateAPIKey) (core.NewAPIKey, error)
	RevokeAPIKeyFn      func(ctx context.Context, id string) (core.APIKey, error)
	ImportDomainFn      func(ctx context.Context, cmd core.ImportDomain) (core.DomainView, error)
	ListPendingFn       func(ctx context.Context, f core.PendingFilter) ([]core.PendingItem, error)
	ApplyPendingFn      func(ctx context.Context, id string) (core.PendingItem, error)
	RetryPendingFn      func(ctx context.Context, id string) (core.PendingItem, error)
	FailPendingFn       func(ctx context.Context, id, reason string) (core.PendingItem, error)
	CreateOTERunFn      func(ctx context.Context, channelID, name string) (core.OTERunView, error)
	AttachOTEEvidenceFn func(ctx context.Context, runID string, auditEventIDs []string) (core.OTERunView, error)
	GetOTERunFn         func(ctx context.Context, runID string) (core.OTERunView, error)
	EvidenceArchiveFn   func(ctx context.Context, runID string) (string, error)
	SetEPPPasswordFn    func(ctx context.Context, channelID, password string) (core.Channel, error)
	operatorTransferFakes
}

var _ ports.OperatorService = (*fakeOperator)(nil)

func (f *fakeOperator) CreatePartner(ctx context.Context, cmd core.CreatePartner) (core.Partner, error) {
	if f.CreatePartnerFn == nil {
		return core.Partner{}, errNotStubbed
	}
	return f.CreatePartnerFn(ctx, cmd)
}

func (f *fakeOperator) GetPartner(ctx context.Context, id string) (core.Partner, error) {
	if f.GetPartnerFn == nil {
		return core.Partner{}, errNotStubbed
	}
	return f.GetPartnerFn(ctx, id)
}

func (f *fakeOperator) PatchPartner(ctx context.Context, id string, cmd core.PatchPartner) (core.Partner, error) {
	if f.PatchPartnerFn == nil {
		return core.Partner{}, errNotStubbed
	}
	return f.PatchPartnerFn(ctx, id, cmd)
}

func (f *fakeOperator) AdjustGems(ctx context.Context, partnerID string, cmd core.AdjustGems) (core.GemsAdjustment, error) {
	if f.AdjustGemsFn == nil {
		return core.GemsAdjustment{}, errNotStubbed
	}
	return f.AdjustGemsFn(ctx, partnerID, cmd)
}

func (f *fakeOperator) CreateNamespace(ctx context.Context, cmd core.CreateNamespace) (core.Namespace, error) {
	if f.CreateNamespaceFn == nil {
		return core.Namespace{}, errNotStubbed
	}
	return f.CreateNamespaceFn(ctx, cmd)
}

func (f *fakeOperator) UpdateNamespace(ctx context.Context, cmd core.UpdateNamespace) (core.Namespace, error) {
	if f.UpdateNamespaceFn == nil {
		return core.Namespace{}, errNotStubbed
	}
	return f.UpdateNamespaceFn(ctx, cmd)
}

func (f *fakeOperator) ListNamespaces(ctx context.Context) ([]core.Namespace, error) {
	if f.ListNamespacesFn == nil {
		return nil, errNotStubbed
	}
	return f.ListNamespacesFn(ctx)
}

func (f *fakeOperator) CreateChannel(ctx context.Context, cmd core.CreateChannel) (core.Channel, error) {
	if f.CreateChannelFn == nil {
		return core.Channel{}, errNotStubbed
	}
	return f.CreateChannelFn(ctx, cmd)
}

func (f *fakeOperator) GetChannel(ctx context.Context, id string) (core.Channel, error) {
	if f.GetChannelFn == nil {
		return core.Channel{}, errNotStubbed
	}
	return f.GetChannelFn(ctx, id)
}

func (f *fakeOperator) PatchChannel(ctx context.Context, id string, cmd core.PatchChannel) (core.Channel, error) {
	if f.PatchChannelFn == nil {
		return core.Channel{}, errNotStubbed
	}
	return f.PatchChannelFn(ctx, id, cmd)
}

func (f *fakeOperator) ApproveChannel(ctx context.Context, id string) (core.Channel, error) {
	if f.ApproveChannelFn == nil {
		return core.Channel{}, errNotStubbed
	}
	return f.ApproveChannelFn(ctx, id)
}

func (f *fakeOperator) ApproveProduction(ctx context.Context, cmd core.ApproveProduction) (core.Channel, error) {
	if f.ApproveProductionFn == nil {
		return core.Channel{}, errNotStubbed
	}
	return f.ApproveProductionFn(ctx, cmd)
}

func (f *fakeOperator) AddListing(ctx context.Context, channelID, namespace string) (core.Listing, error) {
	if f.AddListingFn == nil {
		return core.Listing{}, errNotStubbed
	}
	return f.AddListingFn(ctx, channelID, namespace)
}

func (f *fakeOperator) ApproveListing(ctx context.Context, channelID, namespace string) (core.Listing, error) {
	if f.ApproveListingFn == nil {
		return core.Listing{}, errNotStubbed
	}
	return f.ApproveListingFn(ctx, channelID, namespace)
}

func (f *fakeOperator) CreateAPIKey(ctx context.Context, cmd core.CreateAPIKey) (core.NewAPIKey, error) {
	if f.CreateAPIKeyFn == nil {
		return core.NewAPIKey{}, errNotStubbed
	}
	return f.CreateAPIKeyFn(ctx, cmd)
}

func (f *fakeOperator) RevokeAPIKey(ctx context.Context, id string) (core.APIKey, error) {
	if f.RevokeAPIKeyFn == nil {
		return core.APIKey{}, errNotStubbed
	}
	return f.RevokeAPIKeyFn(ctx, id)
}

func (f *fakeOperator) ImportDomain(ctx context.Context, cmd core.ImportDomain) (core.DomainView, error) {
	if f.ImportDomainFn == nil {
		return core.DomainView{}, errNotStubbed
	}
	return f.ImportDomainFn(ctx, cmd)
}

func (f *fakeOperator) ListPending(ctx context.Context, pf core.PendingFilter) ([]core.PendingItem, error) {
	if f.ListPendingFn == nil {
		return nil, errNotStubbed
	}
	return f.ListPendingFn(ctx, pf)
}

func (f *fakeOperator) ApplyPending(ctx context.Context, id string) (core.PendingItem, error) {
	if f.ApplyPendingFn == nil {
		return core.PendingItem{}, errNotStubbed
	}
	return f.ApplyPendingFn(ctx, id)
}

func (f *fakeOperator) RetryPending(ctx context.Context, id string) (core.PendingItem, error) {
	if f.RetryPendingFn == nil {
		return core.PendingItem{}, errNotStubbed
	}
	return f.RetryPendingFn(ctx, id)
}

func (f *fakeOperator) FailPending(ctx context.Context, id, reason string) (core.PendingItem, error) {
	if f.FailPendingFn == nil {
		return core.PendingItem{}, errNotStubbed
	}
	return f.FailPendingFn(ctx, id, reason)
}

func (f *fakeOperator) CreateOTERun(ctx context.Context, channelID, name string) (core.OTERunView, error) {
	if f.CreateOTERunFn == nil {
		return core.OTERunView{}, errNotStubbed
	}
	return f.CreateOTERunFn(ctx, channelID, name)
}

func (f *fakeOperator) AttachOTEEvidence(ctx context.Context, runID string, auditEventIDs []string) (core.OTERunView, error) {
	if f.AttachOTEEvidenceFn == nil {
		return core.OTERunView{}, errNotStubbed
	}
	return f.AttachOTEEvidenceFn(ctx, runID, auditEventIDs)
}

func (f *fakeOperator) GetOTERun(ctx context.Context, runID string) (core.OTERunView, error) {
	if f.GetOTERunFn == nil {
		return core.OTERunView{}, errNotStubbed
	}
	return f.GetOTERunFn(ctx, runID)
}

func (f *fakeOperator) EvidenceArchive(ctx context.Context, runID string) (string, error) {
	if f.EvidenceArchiveFn == nil {
		return "", errNotStubbed
	}
	return f.EvidenceArchiveFn(ctx, runID)
}
