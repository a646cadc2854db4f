package portstest

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func queryAudit(t *testing.T, u ports.UnitOfWork, q ports.AuditQuery) []core.AuditEvent {
	t.Helper()
	return read(t, u, func(ctx context.Context, tx ports.Stores) ([]core.AuditEvent, error) { return tx.Audit().Query(ctx, q) })
}

func testAuditAppendAndGetMany(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	e1 := w.newAuditEvent(string(core.CmdCreateDomain), "a."+w.Namespace.Name, unique("k"), at(0))
	e2 := w.newAuditEvent(string(core.CmdDeleteDomain), "a."+w.Namespace.Name, unique("k"), at(time.Second))
	e2.Status, e2.HTTPStatus = core.AuditFailed, 409
	e2.ResponseSummary = map[string]any{"code": "status_prohibits_operation"}
	op := core.AuditEvent{ // an operator action: no channel, no key, empty summaries
		ID: newID("aud"), Actor: "operator", Command: "approve_channel", Status: core.AuditSuccess,
		HTTPStatus: 200, CreatedAt: at(2 * time.Second),
	}
	appendEvents(t, u, e1, e2, op)

	got := read(t, u, func(ctx context.Context, tx ports.Stores) ([]core.AuditEvent, error) {
		return tx.Audit().GetMany(ctx, []string{op.ID, newID("aud"), e1.ID, e2.ID})
	})
	assertEqual(t, "GetMany in the order given, missing ids skipped", []core.AuditEvent{op, e1, e2}, got)
	none := read(t, u, func(ctx context.Context, tx ports.Stores) ([]core.AuditEvent, error) {
		return tx.Audit().GetMany(ctx, nil)
	})
	if len(none) != 0 {
		t.Errorf("GetMany(nil): want no events, got %d", len(none))
	}
	wantDoErr(t, u, "audit append with an existing id", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		again := w.newAuditEvent("renew_domain", "b."+w.Namespace.Name, unique("k"), at(time.Hour))
		again.ID = e1.ID
		return tx.Audit().Append(ctx, again)
	})
}

func testAuditQuery(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	b := w.secondChannel(t, u)
	wb := w
	wb.Channel = b
	d1, d2 := "one."+w.Namespace.Name, "two."+w.Namespace.Name
	k1 := unique("key-")
	create, renew, ns := string(core.CmdCreateDomain), string(core.CmdRenewDomain), string(core.CmdUpdateNameservers)

	// IDs are made in this order; created_at deliberately does not follow it.
	e1 := w.newAuditEvent(create, d1, k1, at(0))
	e2 := w.newAuditEvent(renew, d1, unique("key-"), at(time.Second))
	e2.Status = core.AuditFailed
	e3 := w.newAuditEvent(ns, d2, unique("key-"), at(2*time.Second))
	e3.Status = core.AuditSandbox
	e4 := wb.newAuditEvent(create, d1, k1, at(time.Second)) // the same key in another channel
	e5 := w.newAuditEvent(create, d2, unique("key-"), at(3*time.Second))
	e6 := w.newAuditEvent(string(core.CmdDeleteDomain), d2, unique("key-"), at(-time.Second)) // newest id, oldest time
	appendEvents(t, u, e5, e3, e6, e1, e4, e2)                                                // append order must not matter

	all := []core.AuditEvent{e1, e2, e3, e5, e6}
	cases := []struct {
		name string
		q    ports.AuditQuery
		want []core.AuditEvent
	}{
		{"channel", ports.AuditQuery{ChannelID: w.Channel.ID}, all},
		{"other channel", ports.AuditQuery{ChannelID: b.ID}, []core.AuditEvent{e4}},
		{"unknown channel", ports.AuditQuery{ChannelID: newID("chn")}, nil},
		{"idempotency key", ports.AuditQuery{ChannelID: w.Channel.ID, IdempotencyKey: k1}, []core.AuditEvent{e1}},
		{"idempotency key in every channel", ports.AuditQuery{IdempotencyKey: k1}, []core.AuditEvent{e1, e4}},
		{"command", ports.AuditQuery{ChannelID: w.Channel.ID, Command: create}, []core.AuditEvent{e1, e5}},
		{"status failed", ports.AuditQuery{ChannelID: w.Channel.ID, Status: core.AuditFailed}, []core.AuditEvent{e2}},
		{"status sandbox", ports.AuditQuery{ChannelID: w.Channel.ID, Status: core.AuditSandbox}, []core.AuditEvent{e3}},
		{"domain", ports.AuditQuery{ChannelID: w.Channel.ID, Domain: d1}, []core.AuditEvent{e1, e2}},
		{"other domain", ports.AuditQuery{ChannelID: w.Channel.ID, Domain: d2}, []core.AuditEvent{e3, e5, e6}},
		{"since is inclusive", ports.AuditQuery{ChannelID: w.Channel.ID, Since: ptr(at(time.Second))}, []core.AuditEvent{e2, e3, e5}},
		{"since just after", ports.AuditQuery{ChannelID: w.Channel.ID, Since: ptr(at(time.Second + time.Microsecond))}, []core.AuditEvent{e3, e5}},
		{"since in the future", ports.AuditQuery{ChannelID: w.Channel.ID, Since: ptr(at(time.Hour))}, nil},
		{"command and domain", ports.AuditQuery{ChannelID: w.Channel.ID, Command: create, Domain: d2}, []core.AuditEvent{e5}},
		{"every filter", ports.AuditQuery{ChannelID: w.Channel.ID, IdempotencyKey: k1, Command: create, Status: core.AuditSuccess,
			Domain: d1, Since: ptr(at(0))}, []core.AuditEvent{e1}},
		{"filters that exclude each other", ports.AuditQuery{ChannelID: w.Channel.ID, IdempotencyKey: k1, Command: renew}, nil},
		{"limit", ports.AuditQuery{ChannelID: w.Channel.ID, Limit: 2}, []core.AuditEvent{e1, e2}},
		{"limit over the count", ports.AuditQuery{ChannelID: w.Channel.ID, Limit: 50}, all},
		{"after id", ports.AuditQuery{ChannelID: w.Channel.ID, AfterID: e2.ID}, []core.AuditEvent{e3, e5, e6}},
		{"after id and limit", ports.AuditQuery{ChannelID: w.Channel.ID, AfterID: e2.ID, Limit: 1}, []core.AuditEvent{e3}},
		{"after the last id", ports.AuditQuery{ChannelID: w.Channel.ID, AfterID: e6.ID}, nil},
		{"after id with a filter", ports.AuditQuery{ChannelID: w.Channel.ID, Command: create, AfterID: e1.ID}, []core.AuditEvent{e5}},
	}
	for _, c := range cases {
		assertEqual(t, "audit query "+c.name, c.want, queryAudit(t, u, c.q))
	}
}

func testAuditQueryPaging(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	var want []core.AuditEvent
	var noise []core.AuditEvent
	for i := range 8 {
		e := w.newAuditEvent(string(core.CmdUpdateNameservers), "p."+w.Namespace.Name, unique("k"), at(time.Duration(i)*time.Second))
		if i%3 == 2 {
			e.Status = core.AuditFailed
			noise = append(noise, e)
			continue
		}
		want = append(want, e)
	}
	appendEvents(t, u, append(noise, want...)...)

	var got []core.AuditEvent
	q := ports.AuditQuery{ChannelID: w.Channel.ID, Status: core.AuditSuccess, Limit: 2}
	for pages := 0; ; pages++ {
		if pages > len(want) {
			t.Fatalf("paging does not end")
		}
		page := queryAudit(t, u, q)
		if len(page) > q.Limit {
			t.Fatalf("page of %d events with limit %d", len(page), q.Limit)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		q.AfterID = page[len(page)-1].ID
	}
	assertEqual(t, "paged audit events", want, got)
}

func testAuditQueryActor(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	d := "actor." + w.Namespace.Name
	reg := w.newAuditEvent(string(core.CmdUpdateNameservers), d, unique("k"), at(0))
	op := w.newAuditEvent("approve_listing", d, "", at(time.Second)) // an operator action about the channel
	op.Actor, op.APIKeyID = "operator", ""
	bare := core.AuditEvent{ID: newID("aud"), Actor: "operator", Command: "create_namespace", Domain: d,
		Status: core.AuditSuccess, HTTPStatus: 201, CreatedAt: at(2 * time.Second)}
	sys := w.newAuditEvent("expire_domain", d, "", at(3*time.Second)) // a change the registry made
	sys.Actor, sys.APIKeyID = "registry", ""
	appendEvents(t, u, bare, op, reg, sys)

	cases := []struct {
		name string
		q    ports.AuditQuery
		want []core.AuditEvent
	}{
		{"channel, every actor", ports.AuditQuery{ChannelID: w.Channel.ID}, []core.AuditEvent{reg, op, sys}},
		{"channel, all but operators", ports.AuditQuery{ChannelID: w.Channel.ID, ExcludeActor: "operator"}, []core.AuditEvent{reg, sys}},
		{"registrar only", ports.AuditQuery{ChannelID: w.Channel.ID, Actor: "registrar"}, []core.AuditEvent{reg}},
		{"operator only", ports.AuditQuery{ChannelID: w.Channel.ID, Actor: "operator"}, []core.AuditEvent{op}},
		{"operator in every channel", ports.AuditQuery{Actor: "operator", Domain: d}, []core.AuditEvent{op, bare}},
		{"registrar in every channel", ports.AuditQuery{Actor: "registrar", Domain: d}, []core.AuditEvent{reg}},
	}
	for _, c := range cases {
		assertEqual(t, "audit query "+c.name, c.want, queryAudit(t, u, c.q))
	}
}

// testAuditQueryEncodedSummaries: asked for encoded summaries, a store
// answers either the maps or, in their place, JSON in encoding/json's form
// (compact, keys sorted, HTML not escaped, a missing summary as {}) that
// decodes to them.
func testAuditQueryEncodedSummaries(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	d := "enc." + w.Namespace.Name
	e1 := w.newAuditEvent(string(core.CmdCreateDomain), d, unique("k"), at(0))
	e1.RequestSummary["registrant"] = map[string]any{"zz": "Zoë & <Co>", "a": []any{map[string]any{"y": 1, "x": "\u2028"}}, "quote": `"\`}
	e1.RequestSummary["n"] = []any{-0.5, 1e21, 1e-7, 123456789012345, 0}
	e2 := w.newAuditEvent(string(core.CmdRenewDomain), d, unique("k"), at(time.Second))
	e2.RequestSummary, e2.ResponseSummary = nil, map[string]any{}
	appendEvents(t, u, e1, e2)

	got := queryAudit(t, u, ports.AuditQuery{ChannelID: w.Channel.ID, Domain: d, EncodedSummaries: true})
	for i := range got {
		e := &got[i]
		for _, s := range []struct {
			name    string
			encoded *[]byte
			m       *map[string]any
		}{{"request", &e.RequestSummaryJSON, &e.RequestSummary}, {"response", &e.ResponseSummaryJSON, &e.ResponseSummary}} {
			if *s.encoded == nil {
				continue
			}
			if *s.m != nil {
				t.Errorf("event %s: %s summary both as JSON and as a map", e.ID, s.name)
			}
			var m map[string]any
			if err := json.Unmarshal(*s.encoded, &m); err != nil || m == nil {
				t.Fatalf("event %s: %s summary %q is no JSON object: %v", e.ID, s.name, *s.encoded, err)
			}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(m); err != nil {
				t.Fatal(err)
			}
			if w := bytes.TrimRight(want.Bytes(), "\n"); !bytes.Equal(*s.encoded, w) {
				t.Errorf("event %s: %s summary\n  %s\nnot as encoding/json writes it:\n  %s", e.ID, s.name, *s.encoded, w)
			}
			*s.m, *s.encoded = m, nil
		}
	}
	assertEqual(t, "events with encoded summaries", []core.AuditEvent{e1, e2}, got)
}
