package portstest

import (
	"context"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func listTransfers(t *testing.T, u ports.UnitOfWork, q ports.TransferQuery) []string {
	t.Helper()
	var ids []string
	view(t, u, func(ctx context.Context, tx ports.Stores) error {
		ds, err := tx.Domains().ListTransfers(ctx, q)
		for _, d := range ds {
			ids = append(ids, d.ID)
		}
		return err
	})
	return ids
}

// testDomainListTransfers: registrations are found by their latest
// transfer's channels and status, by id, cancelled ones included; one
// without a transfer never is.
func testDomainListTransfers(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	gaining, other := newID("chn"), newID("chn")
	mk := func(status string, state core.State, gainer string) core.Domain {
		d := w.newBareDomain(w.newName())
		d.State = state
		d.Transfer = &core.Transfer{Status: status, GainingChannelID: gainer, GainingPartnerID: newID("prt"),
			LosingChannelID: w.Channel.ID, LosingPartnerID: w.Partner.ID, RequestedAt: at(0), ActionAt: at(time.Hour),
			Years: 1, Gems: 80, ExpiresAt: at(400 * 24 * time.Hour)}
		return d
	}
	a := mk(core.TransferPending, core.StateActive, gaining)
	b := mk(core.TransferClientApproved, core.StateCancelled, gaining)
	c := mk(core.TransferClientRejected, core.StateActive, other)
	none := w.newBareDomain(w.newName())
	insertDomains(t, u, a, b, c, none)
	sorted := func(ids ...string) []string {
		for i := range ids {
			for j := i + 1; j < len(ids); j++ {
				if ids[j] < ids[i] {
					ids[i], ids[j] = ids[j], ids[i]
				}
			}
		}
		return ids
	}
	cases := []struct {
		name string
		q    ports.TransferQuery
		want []string
	}{
		{"gaining", ports.TransferQuery{ChannelID: gaining, Role: core.TransferRoleGaining}, sorted(a.ID, b.ID)},
		{"gaining as losing", ports.TransferQuery{ChannelID: gaining, Role: core.TransferRoleLosing}, nil},
		{"either role", ports.TransferQuery{ChannelID: gaining}, sorted(a.ID, b.ID)},
		{"losing", ports.TransferQuery{ChannelID: w.Channel.ID, Role: core.TransferRoleLosing}, sorted(a.ID, b.ID, c.ID)},
		{"losing pending", ports.TransferQuery{ChannelID: w.Channel.ID, Status: core.TransferPending}, []string{a.ID}},
		{"page", ports.TransferQuery{ChannelID: w.Channel.ID, Limit: 1}, sorted(a.ID, b.ID, c.ID)[:1]},
		{"after", ports.TransferQuery{ChannelID: w.Channel.ID, AfterID: sorted(a.ID, b.ID, c.ID)[1]}, sorted(a.ID, b.ID, c.ID)[2:]},
	}
	for _, c := range cases {
		assertEqual(t, "list transfers "+c.name, c.want, listTransfers(t, u, c.q))
	}
	assertEqual(t, "transfer round trip", b, domainByID(t, u, b.ID))
}
