package httpadapter_test

import (
	"context"

	"github.com/headlessdomains/registry/core"
)

// The EPP-only methods of ports.RegistrarService: the HTTP adapter never
// calls them, so the fake refuses them all.

func (f *fakeRegistrar) EPPLogin(context.Context, core.EPPLogin) (core.Actor, error) {
	return core.Actor{}, errNotStubbed
}

func (f *fakeRegistrar) AuthorizeSession(context.Context, core.Actor, core.Command) (core.Actor, *core.RateDecision, error) {
	return core.Actor{}, nil, errNotStubbed
}

func (f *fakeRegistrar) CheckContacts(context.Context, core.Actor, core.CheckContacts) ([]core.ContactCheckResult, error) {
	return nil, errNotStubbed
}

func (f *fakeRegistrar) InfoContact(context.Context, core.Actor, string) (core.ContactView, error) {
	return core.ContactView{}, errNotStubbed
}

func (f *fakeRegistrar) CreateContact(context.Context, core.Actor, core.CreateContact) (core.Outcome, error) {
	return core.Outcome{}, errNotStubbed
}

func (f *fakeRegistrar) UpdateContact(context.Context, core.Actor, core.UpdateContact) (core.Outcome, error) {
	return core.Outcome{}, errNotStubbed
}

func (f *fakeRegistrar) DeleteContact(context.Context, core.Actor, core.DeleteContact) (core.Outcome, error) {
	return core.Outcome{}, errNotStubbed
}

func (f *fakeRegistrar) PollMessages(context.Context, core.Actor) (core.QueueState, error) {
	return core.QueueState{}, errNotStubbed
}

func (f *fakeRegistrar) AckMessage(context.Context, core.Actor, string) (core.QueueState, error) {
	return core.QueueState{}, errNotStubbed
}

func (f *fakeOperator) SetEPPPassword(ctx context.Context, channelID, password string) (core.Channel, error) {
	if f.SetEPPPasswordFn == nil {
		return core.Channel{}, errNotStubbed
	}
	return f.SetEPPPasswordFn(ctx, channelID, password)
}
