package httpadapter_test

import (
	"context"
	"time"

	"github.com/headlessdomains/registry/core"
)

// transferFakes are the function fields of the transfer commands, embedded
// in fakeRegistrar.
type transferFakes struct {
	QueryTransferFn      func(ctx context.Context, a core.Actor, domain string) (core.TransferView, error)
	RequestTransferFn    func(ctx context.Context, a core.Actor, cmd core.RequestTransferCmd) (core.Outcome, error)
	TransferActionFn     func(ctx context.Context, a core.Actor, cmd core.Command, c core.TransferAction) (core.Outcome, error)
	ListTransfersFn      func(ctx context.Context, a core.Actor, f core.TransferFilter) (core.TransferPage, error)
	InfoDomainWithAuthFn func(ctx context.Context, a core.Actor, domain, authCode string) (core.DomainView, error)
}

func (f *transferFakes) QueryTransfer(ctx context.Context, a core.Actor, d string) (core.TransferView, error) {
	if f.QueryTransferFn == nil {
		return core.TransferView{}, errNotStubbed
	}
	return f.QueryTransferFn(ctx, a, d)
}

func (f *transferFakes) RequestTransfer(ctx context.Context, a core.Actor, cmd core.RequestTransferCmd) (core.Outcome, error) {
	if f.RequestTransferFn == nil {
		return core.Outcome{}, errNotStubbed
	}
	return f.RequestTransferFn(ctx, a, cmd)
}

func (f *transferFakes) action(ctx context.Context, a core.Actor, cmd core.Command, c core.TransferAction) (core.Outcome, error) {
	if f.TransferActionFn == nil {
		return core.Outcome{}, errNotStubbed
	}
	return f.TransferActionFn(ctx, a, cmd, c)
}

func (f *transferFakes) ApproveTransfer(ctx context.Context, a core.Actor, c core.TransferAction) (core.Outcome, error) {
	return f.action(ctx, a, core.CmdApproveTransfer, c)
}

func (f *transferFakes) RejectTransfer(ctx context.Context, a core.Actor, c core.TransferAction) (core.Outcome, error) {
	return f.action(ctx, a, core.CmdRejectTransfer, c)
}

func (f *transferFakes) CancelTransfer(ctx context.Context, a core.Actor, c core.TransferAction) (core.Outcome, error) {
	return f.action(ctx, a, core.CmdCancelTransfer, c)
}

func (f *transferFakes) ListTransfers(ctx context.Context, a core.Actor, fl core.TransferFilter) (core.TransferPage, error) {
	if f.ListTransfersFn == nil {
		return core.TransferPage{}, errNotStubbed
	}
	return f.ListTransfersFn(ctx, a, fl)
}

func (f *transferFakes) InfoDomainWithAuth(ctx context.Context, a core.Actor, d, code string) (core.DomainView, error) {
	if f.InfoDomainWithAuthFn == nil {
		return core.DomainView{}, errNotStubbed
	}
	return f.InfoDomainWithAuthFn(ctx, a, d, code)
}

// operatorTransferFakes are the operator's transfer function fields,
// embedded in fakeOperator.
type operatorTransferFakes struct {
	OperatorTransferFn      func(ctx context.Context, domain string, approve bool) (core.TransferView, error)
	OperatorListTransfersFn func(ctx context.Context, f core.TransferFilter) (core.TransferPage, error)
}

func (f *operatorTransferFakes) OperatorTransfer(ctx context.Context, d string, approve bool) (core.TransferView, error) {
	if f.OperatorTransferFn == nil {
		return core.TransferView{}, errNotStubbed
	}
	return f.OperatorTransferFn(ctx, d, approve)
}

func (f *operatorTransferFakes) OperatorListTransfers(ctx context.Context, fl core.TransferFilter) (core.TransferPage, error) {
	if f.OperatorListTransfersFn == nil {
		return core.TransferPage{}, errNotStubbed
	}
	return f.OperatorListTransfersFn(ctx, fl)
}

func testTransfer(status string) core.TransferView {
	return core.TransferView{Domain: "alice.defiwallet", Status: status,
		GainingChannel: core.ChannelRef{ID: "chn_2", Slug: "other"}, LosingChannel: core.ChannelRef{ID: "chn_1", Slug: "acme"},
		RequestedAt: fixedNow, ActionAt: fixedNow.Add(5 * 24 * time.Hour), Years: 1, ExpiresAt: fixedNow.AddDate(2, 0, 0)}
}

// stubTransfers stubs every transfer command, recording what each received.
func stubTransfers(h *harness, got map[core.Command]any) {
	h.reg.QueryTransferFn = func(ctx context.Context, a core.Actor, d string) (core.TransferView, error) {
		got[core.CmdQueryTransfer] = d
		return testTransfer(core.TransferPending), nil
	}
	h.reg.RequestTransferFn = func(ctx context.Context, a core.Actor, cmd core.RequestTransferCmd) (core.Outcome, error) {
		got[core.CmdRequestTransfer] = cmd
		o := testOutcome(core.CmdRequestTransfer, cmd.Mutation)
		t := testTransfer(core.TransferPending)
		o.Transfer, o.DebitedGems = &t, 80
		return o, nil
	}
	h.reg.TransferActionFn = func(ctx context.Context, a core.Actor, cmd core.Command, c core.TransferAction) (core.Outcome, error) {
		got[cmd] = c
		o := testOutcome(cmd, c.Mutation)
		t := testTransfer(core.TransferClientApproved)
		o.Transfer = &t
		return o, nil
	}
	h.reg.ListTransfersFn = func(ctx context.Context, a core.Actor, f core.TransferFilter) (core.TransferPage, error) {
		got[core.CmdListTransfers] = f
		return core.TransferPage{Transfers: []core.TransferView{testTransfer(core.TransferPending)}, NextCursor: "dom_1"}, nil
	}
}

// transferRequests is one well-formed request per transfer command.
func transferRequests() map[core.Command]req {
	idem := map[string]string{"Idempotency-Key": "key-1"}
	d := base + "/domains/alice.defiwallet/transfer"
	return map[core.Command]req{
		core.CmdQueryTransfer:   {method: "GET", path: d},
		core.CmdRequestTransfer: {method: "POST", path: d, header: idem, body: `{"auth_code":"Xk7#mP2q-Lr9$wT4vB","years":2}`},
		core.CmdApproveTransfer: {method: "POST", path: d + "/approve", header: idem},
		core.CmdRejectTransfer:  {method: "POST", path: d + "/reject", header: idem},
		core.CmdCancelTransfer:  {method: "POST", path: d + "/cancel", header: idem},
		core.CmdListTransfers:   {method: "GET", path: base + "/transfers?role=losing&status=pending&limit=5&cursor=dom_0"},
	}
}

// transferStatuses are the success statuses of the transfer commands.
func transferStatuses() map[core.Command]int {
	return map[core.Command]int{core.CmdQueryTransfer: 200, core.CmdRequestTransfer: 201, core.CmdApproveTransfer: 200,
		core.CmdRejectTransfer: 200, core.CmdCancelTransfer: 200, core.CmdListTransfers: 200}
}
