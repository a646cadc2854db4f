package httpadapter_test

import (
	"context"

	"github.com/headlessdomains/registry/core"
)

// The transfer commands are not stubbed by the fakes; the HTTP tests of
// transfers run against the real service (test/api).

func (f *fakeRegistrar) QueryTransfer(context.Context, core.Actor, string) (core.TransferView, error) {
	return core.TransferView{}, errNotStubbed
}

func (f *fakeRegistrar) RequestTransfer(context.Context, core.Actor, core.RequestTransferCmd) (core.Outcome, error) {
	return core.Outcome{}, errNotStubbed
}

func (f *fakeRegistrar) ApproveTransfer(context.Context, core.Actor, core.TransferAction) (core.Outcome, error) {
	return core.Outcome{}, errNotStubbed
}

func (f *fakeRegistrar) RejectTransfer(context.Context, core.Actor, core.TransferAction) (core.Outcome, error) {
	return core.Outcome{}, errNotStubbed
}

func (f *fakeRegistrar) CancelTransfer(context.Context, core.Actor, core.TransferAction) (core.Outcome, error) {
	return core.Outcome{}, errNotStubbed
}

func (f *fakeRegistrar) ListTransfers(context.Context, core.Actor, core.TransferFilter) (core.TransferPage, error) {
	return core.TransferPage{}, errNotStubbed
}

func (f *fakeRegistrar) InfoDomainWithAuth(context.Context, core.Actor, string, string) (core.DomainView, error) {
	return core.DomainView{}, errNotStubbed
}

func (f *fakeOperator) OperatorTransfer(context.Context, string, bool) (core.TransferView, error) {
	return core.TransferView{}, errNotStubbed
}

func (f *fakeOperator) OperatorListTransfers(context.Context, core.TransferFilter) (core.TransferPage, error) {
	return core.TransferPage{}, errNotStubbed
}
