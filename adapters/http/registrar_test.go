package httpadapter_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

// stubAll makes every registrar method answer a plausible value and record
// the command it received.
func stubAll(h *harness, got map[core.Command]any) {
	mutation := func(cmd core.Command, m core.Mutation, v any) (core.Outcome, error) {
		got[cmd] = v
		return testOutcome(cmd, m), nil
	}
	h.reg.StatusFn = func(ctx context.Context, a core.Actor, rate *core.RateDecision) (core.StatusReport, error) {
		got[core.CmdStatus] = rate
		return core.StatusReport{Actor: a, Rate: rate, RateLimitPerMinute: 120}, nil
	}
	h.reg.SandboxResetFn = func(ctx context.Context, a core.Actor) (core.SandboxResetResult, error) {
		got[core.CmdSandboxReset] = a.ChannelID()
		return core.SandboxResetResult{Fixtures: []core.SandboxFixture{{Purpose: "renew", Domain: "ote-renew-acme.defiwallet"}}}, nil
	}
	h.reg.CheckDomainsFn = func(ctx context.Context, a core.Actor, cmd core.CheckDomains) ([]core.CheckResult, error) {
		got[core.CmdCheckDomain] = cmd
		return []core.CheckResult{{Name: "bob.defiwallet", Available: true, PriceGems: 100}}, nil
	}
	h.reg.CreateDomainFn = func(ctx context.Context, a core.Actor, cmd core.CreateDomain) (core.Outcome, error) {
		return mutation(core.CmdCreateDomain, cmd.Mutation, cmd)
	}
	h.reg.InfoDomainFn = func(ctx context.Context, a core.Actor, domain string) (core.DomainView, error) {
		got[core.CmdInfoDomain] = domain
		return testDomain(), nil
	}
	h.reg.RenewDomainFn = func(ctx context.Context, a core.Actor, cmd core.RenewDomain) (core.Outcome, error) {
		return mutation(core.CmdRenewDomain, cmd.Mutation, cmd)
	}
	h.reg.UpdateDomainFn = func(ctx context.Context, a core.Actor, cmd core.UpdateDomain) (core.Outcome, error) {
		return mutation(core.CmdUpdateDomain, cmd.Mutation, cmd)
	}
	h.reg.UpdateNameserversFn = func(ctx context.Context, a core.Actor, cmd core.UpdateNameservers) (core.Outcome, error) {
		return mutation(core.CmdUpdateNameservers, cmd.Mutation, cmd)
	}
	h.reg.ReadRecordsFn = func(ctx context.Context, a core.Actor, domain string) (core.RecordsView, error) {
		got[core.CmdReadRecords] = domain
		return core.RecordsView{Domain: domain, Records: []core.Record{{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.1"}},
			Backend: core.DNSCapabilities{Kind: "memory", Read: true, Write: true, RecordTypes: []string{"A"}}}, nil
	}
	h.reg.UpdateRecordsFn = func(ctx context.Context, a core.Actor, cmd core.UpdateRecords) (core.Outcome, error) {
		got[core.CmdUpdateRecords] = cmd
		o := testOutcome(core.CmdUpdateRecords, cmd.Mutation)
		o.Records = cmd.Records
		return o, nil
	}
	h.reg.DeleteDomainFn = func(ctx context.Context, a core.Actor, cmd core.DeleteDomain) (core.Outcome, error) {
		got[core.CmdDeleteDomain] = cmd
		o := testOutcome(core.CmdDeleteDomain, cmd.Mutation)
		o.Freed, o.RefundedGems = true, 100
		return o, nil
	}
	h.reg.RestoreDomainFn = func(ctx context.Context, a core.Actor, cmd core.RestoreDomain) (core.Outcome, error) {
		got[core.CmdRestoreDomain] = cmd
		o := testOutcome(core.CmdRestoreDomain, cmd.Mutation)
		if !cmd.Sandbox {
			o.DebitedGems = 160
		}
		return o, nil
	}
	h.reg.PollFn = func(ctx context.Context, a core.Actor, f core.PollFilter) (core.PollPage, error) {
		got[core.CmdPoll] = f
		return core.PollPage{Events: []core.AuditEvent{{ID: "aud_1", ChannelID: "chn_1", ChannelSlug: "acme", Actor: "registrar",
			Command: "create_domain", Status: "success", Domain: "alice.defiwallet", IdempotencyKey: "k1",
			HTTPStatus: 201, CreatedAt: fixedNow}, {ID: "aud_2", ChannelID: "chn_1", ChannelSlug: "acme", Actor: "registry",
			Command: string(core.ChangeAutoRenew), Status: "success", Domain: "alice.defiwallet", HTTPStatus: 200,
			RequestSummary: map[string]any{"debited_gems": 80}, CreatedAt: fixedNow}}, NextCursor: "c2"}, nil
	}
	h.reg.BackendPendingFn = func(ctx context.Context, a core.Actor, f core.PendingFilter) ([]core.PendingItem, error) {
		got[core.CmdBackendPending] = f
		return []core.PendingItem{{ID: "pnd_1", AuditID: "aud_1", Command: "update_nameservers", Domain: "alice.defiwallet",
			Payload: map[string]any{"nameservers": []any{"ns1.example.net"}}, Status: core.PendingQueued, CreatedAt: fixedNow}}, nil
	}
	stubTransfers(h, got)
}

// registrarRequests is one well-formed request per command.
func registrarRequests() map[core.Command]req {
	idem := map[string]string{"Idempotency-Key": "key-1"}
	out := transferRequests()
	for c, r := range map[core.Command]req{
		core.CmdStatus:            {method: "GET", path: base + "/status"},
		core.CmdSandboxReset:      {method: "POST", path: base + "/sandbox/reset"},
		core.CmdCheckDomain:       {method: "POST", path: base + "/domains/check", body: `{"names":["bob.defiwallet"]}`},
		core.CmdCreateDomain:      {method: "POST", path: base + "/domains", header: idem, body: `{"domain":"alice.defiwallet","registrant":{"name":"Alice","email":"alice@example.com"}}`},
		core.CmdInfoDomain:        {method: "GET", path: base + "/domains/alice.defiwallet"},
		core.CmdRenewDomain:       {method: "POST", path: base + "/domains/alice.defiwallet/renew", header: idem, body: `{"years":2,"current_expires_at":"2027-03-02T10:00:37.123456Z"}`},
		core.CmdUpdateDomain:      {method: "PATCH", path: base + "/domains/alice.defiwallet", header: idem, body: `{"statuses":{"add":["clientHold"]}}`},
		core.CmdUpdateNameservers: {method: "PUT", path: base + "/domains/alice.defiwallet/nameservers", header: idem, body: `{"nameservers":["ns1.example.net"]}`},
		core.CmdReadRecords:       {method: "GET", path: base + "/domains/alice.defiwallet/records"},
		core.CmdUpdateRecords:     {method: "PUT", path: base + "/domains/alice.defiwallet/records", header: idem, body: `{"records":[{"type":"MX","name":"@","ttl":300,"value":"mx.example.net","priority":10}]}`},
		core.CmdDeleteDomain:      {method: "DELETE", path: base + "/domains/alice.defiwallet", header: idem},
		core.CmdRestoreDomain: {method: "POST", path: base + "/domains/alice.defiwallet/restore", header: idem,
			body: `{"report":{"pre_data":"ns1.example.net","post_data":"ns1.example.net","delete_time":"2027-03-20T09:00:00Z",` +
				`"restore_time":"2027-03-24T14:30:00+02:00","reason":"registrant error","statements":["not for ourselves","true"]}}`},
		core.CmdPoll:           {method: "GET", path: base + "/poll?idempotency_key=k1&command=create_domain&status=success&domain=alice.defiwallet&since=2026-03-01T00:00:00%2B01:00&limit=5&cursor=c1"},
		core.CmdBackendPending: {method: "GET", path: base + "/backend/pending?command=update_nameservers&domain=alice.defiwallet&limit=10"},
	} {
		out[c] = r
	}
	return out
}

func TestEveryCommandRoutesWithItsSuccessStatus(t *testing.T) {
	want := map[core.Command]int{
		core.CmdStatus: 200, core.CmdSandboxReset: 200, core.CmdCheckDomain: 200, core.CmdCreateDomain: 201,
		core.CmdInfoDomain: 200, core.CmdRenewDomain: 200, core.CmdUpdateDomain: 200, core.CmdUpdateNameservers: 200,
		core.CmdReadRecords: 200, core.CmdUpdateRecords: 200, core.CmdDeleteDomain: 200, core.CmdPoll: 200,
		core.CmdBackendPending: 200, core.CmdRestoreDomain: 200,
	}
	for c, st := range transferStatuses() {
		want[c] = st
	}
	reqs := registrarRequests()
	if len(reqs) != len(core.Commands()) {
		t.Fatalf("test covers %d commands, core has %d", len(reqs), len(core.Commands()))
	}
	for _, spec := range core.Commands() {
		t.Run(string(spec.Command), func(t *testing.T) {
			h := newHarness(t)
			var authorized core.Command
			h.reg.AuthorizeFn = func(ctx context.Context, token string, c core.Command) (core.Actor, *core.RateDecision, error) {
				authorized = c
				return testActor(), testRate(), nil
			}
			got := map[core.Command]any{}
			stubAll(h, got)
			rec := h.do(reqs[spec.Command])
			if rec.Code != want[spec.Command] {
				t.Fatalf("status = %d, want %d: %s", rec.Code, want[spec.Command], rec.Body.String())
			}
			if authorized != spec.Command {
				t.Errorf("authorized %q, want %q", authorized, spec.Command)
			}
			if _, ok := got[spec.Command]; !ok {
				t.Errorf("the core's %s was not called", spec.Command)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}

func TestCommandsReceiveTranslatedRequests(t *testing.T) {
	h := newHarness(t)
	got := map[core.Command]any{}
	stubAll(h, got)
	for _, r := range registrarRequests() {
		if rec := h.do(r); rec.Code >= 300 {
			t.Fatalf("%s %s: %d %s", r.method, r.path, rec.Code, rec.Body.String())
		}
	}
	since := time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC)
	ten := 10
	wantCmds := map[core.Command]any{
		core.CmdCheckDomain: core.CheckDomains{Names: []string{"bob.defiwallet"}},
		core.CmdCreateDomain: core.CreateDomain{Mutation: core.Mutation{IdempotencyKey: "key-1"}, Domain: "alice.defiwallet",
			Years: 1, Registrant: core.Registrant{Name: "Alice", Email: "alice@example.com"}},
		core.CmdInfoDomain: "alice.defiwallet",
		core.CmdRenewDomain: core.RenewDomain{Mutation: core.Mutation{IdempotencyKey: "key-1"}, Domain: "alice.defiwallet",
			Years: 2, CurrentExpiresAt: time.Date(2027, 3, 2, 10, 0, 37, 123456000, time.UTC)},
		core.CmdUpdateDomain: core.UpdateDomain{Mutation: core.Mutation{IdempotencyKey: "key-1"}, Domain: "alice.defiwallet",
			Statuses: core.StatusChange{Add: []string{"clientHold"}}},
		core.CmdUpdateNameservers: core.UpdateNameservers{Mutation: core.Mutation{IdempotencyKey: "key-1"},
			Domain: "alice.defiwallet", Nameservers: []string{"ns1.example.net"}},
		core.CmdReadRecords: "alice.defiwallet",
		core.CmdUpdateRecords: core.UpdateRecords{Mutation: core.Mutation{IdempotencyKey: "key-1"}, Domain: "alice.defiwallet",
			Records: []core.Record{{Type: "MX", Name: "@", TTL: 300, Value: "mx.example.net", Priority: &ten}}},
		core.CmdDeleteDomain: core.DeleteDomain{Mutation: core.Mutation{IdempotencyKey: "key-1"}, Domain: "alice.defiwallet"},
		core.CmdRestoreDomain: core.RestoreDomain{Mutation: core.Mutation{IdempotencyKey: "key-1"}, Domain: "alice.defiwallet",
			Report: &core.RestoreReport{PreData: "ns1.example.net", PostData: "ns1.example.net",
				DeleteTime: time.Date(2027, 3, 20, 9, 0, 0, 0, time.UTC), RestoreTime: time.Date(2027, 3, 24, 12, 30, 0, 0, time.UTC),
				Reason: "registrant error", Statements: []string{"not for ourselves", "true"}}},
		core.CmdPoll: core.PollFilter{IdempotencyKey: "k1", Command: "create_domain", Status: "success",
			Domain: "alice.defiwallet", Since: &since, Limit: 5, Cursor: "c1"},
		core.CmdBackendPending: core.PendingFilter{Command: "update_nameservers", Domain: "alice.defiwallet", Limit: 10},
	}
	for cmd, want := range wantCmds {
		if !reflect.DeepEqual(got[cmd], want) {
			t.Errorf("%s received\n %#v\nwant\n %#v", cmd, got[cmd], want)
		}
	}
}

func TestMutationResponseShape(t *testing.T) {
	h := newHarness(t)
	stubAll(h, map[core.Command]any{})
	rec := h.do(registrarRequests()[core.CmdDeleteDomain])
	body := decode(t, rec)
	for k, want := range map[string]any{"command": "delete_domain", "status": "success", "sandbox": false,
		"idempotent": false, "idempotency_key": "key-1", "audit_id": "aud_1", "freed": true, "refunded_gems": 100.0} {
		if body[k] != want {
			t.Errorf("%s = %#v, want %#v", k, body[k], want)
		}
	}
	dom := body["domain"].(map[string]any)
	if dom["expires_at"] != "2027-03-02T10:00:37.123456Z" {
		t.Errorf("expires_at = %v: fractional seconds must survive so they can be echoed as current_expires_at", dom["expires_at"])
	}
	if dom["registrant"].(map[string]any)["email"] != "alice@example.com" {
		t.Errorf("the sponsor sees the registrant whole: %v", dom["registrant"])
	}
	if ns := dom["nameservers"].(map[string]any); ns["apply_status"] != "pending" {
		t.Errorf("nameservers = %v", ns)
	}
	if dom["backend"].(map[string]any)["reference"] != nil {
		t.Errorf("empty backend reference must be null")
	}

	rec = h.do(registrarRequests()[core.CmdUpdateRecords])
	recs := decode(t, rec)["records"].([]any)
	if len(recs) != 1 || recs[0].(map[string]any)["priority"] != 10.0 {
		t.Errorf("records = %v", recs)
	}
}

func TestSandboxMutationsAnswer202(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header map[string]string
		body   string
	}{
		{"header 1", map[string]string{"X-Registrar-Sandbox": "1"}, `{"domain":"a.defiwallet"}`},
		{"header true", map[string]string{"X-Registrar-Sandbox": "true"}, `{"domain":"a.defiwallet"}`},
		{"body", nil, `{"domain":"a.defiwallet","sandbox":true}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var got core.CreateDomain
			h.reg.CreateDomainFn = func(ctx context.Context, a core.Actor, cmd core.CreateDomain) (core.Outcome, error) {
				got = cmd
				return testOutcome(core.CmdCreateDomain, cmd.Mutation), nil
			}
			hdr := map[string]string{"Idempotency-Key": "k"}
			for k, v := range tc.header {
				hdr[k] = v
			}
			rec := h.do(req{method: "POST", path: base + "/domains", body: tc.body, header: hdr})
			if rec.Code != http.StatusAccepted || !got.Sandbox {
				t.Fatalf("status %d sandbox %v: %s", rec.Code, got.Sandbox, rec.Body.String())
			}
			if b := decode(t, rec); b["status"] != "sandbox" || b["sandbox"] != true {
				t.Errorf("body = %v", b)
			}
		})
	}
}

func TestSandboxHeaderValues(t *testing.T) {
	for _, tc := range []struct {
		value   string
		sandbox bool
		ok      bool
	}{{"1", true, true}, {"true", true, true}, {"TRUE", true, true}, {"0", false, true}, {"false", false, true},
		{"yes", false, false}, {"2", false, false}, {"", false, true}} {
		h := newHarness(t)
		var got *core.DeleteDomain
		h.reg.DeleteDomainFn = func(ctx context.Context, a core.Actor, cmd core.DeleteDomain) (core.Outcome, error) {
			got = &cmd
			return testOutcome(core.CmdDeleteDomain, cmd.Mutation), nil
		}
		rec := h.do(req{method: "DELETE", path: base + "/domains/a.defiwallet",
			header: map[string]string{"Idempotency-Key": "k", "X-Registrar-Sandbox": tc.value}})
		if !tc.ok {
			p := problem(t, rec, 400, core.CodeValidation)
			if fieldOf(t, p) != "X-Registrar-Sandbox" {
				t.Errorf("field = %v", p["errors"])
			}
			if got != nil {
				t.Errorf("%q: the core ran despite a bad header", tc.value)
			}
			continue
		}
		if got == nil || got.Sandbox != tc.sandbox {
			t.Errorf("%q: got %+v, want sandbox %v (status %d)", tc.value, got, tc.sandbox, rec.Code)
		}
	}
}

func TestIdempotencyKeySources(t *testing.T) {
	for _, tc := range []struct {
		name, header, body, want string
		conflict                 bool
	}{
		{name: "header", header: "hk", want: "hk"},
		{name: "body", body: "bk", want: "bk"},
		{name: "both equal", header: "k", body: "k", want: "k"},
		{name: "both different", header: "a", body: "b", conflict: true},
		{name: "none", want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var got *core.Mutation
			h.reg.UpdateNameserversFn = func(ctx context.Context, a core.Actor, cmd core.UpdateNameservers) (core.Outcome, error) {
				got = &cmd.Mutation
				if cmd.IdempotencyKey == "" {
					return core.Outcome{}, core.Errorf(core.CodeIdempotencyKeyRequired, "missing")
				}
				return testOutcome(core.CmdUpdateNameservers, cmd.Mutation), nil
			}
			body := `{"nameservers":[]}`
			if tc.body != "" {
				body = `{"nameservers":[],"idempotency_key":"` + tc.body + `"}`
			}
			hdr := map[string]string{}
			if tc.header != "" {
				hdr["Idempotency-Key"] = tc.header
			}
			rec := h.do(req{method: "PUT", path: base + "/domains/a.defiwallet/nameservers", body: body, header: hdr})
			switch {
			case tc.conflict:
				p := problem(t, rec, 400, core.CodeValidation)
				if fieldOf(t, p) != "idempotency_key" || got != nil {
					t.Errorf("conflict: %v, core called: %v", p, got != nil)
				}
			case tc.want == "":
				problem(t, rec, 400, core.CodeIdempotencyKeyRequired)
			default:
				if rec.Code != 200 || got == nil || got.IdempotencyKey != tc.want {
					t.Errorf("status %d, mutation %+v, want key %q", rec.Code, got, tc.want)
				}
			}
		})
	}
}

func TestRenewNeedsCurrentExpiry(t *testing.T) {
	h := newHarness(t)
	h.reg.RenewDomainFn = func(ctx context.Context, a core.Actor, cmd core.RenewDomain) (core.Outcome, error) {
		t.Fatal("the core must not run")
		return core.Outcome{}, nil
	}
	for body, field := range map[string]string{
		`{"years":1}`: "current_expires_at",
		`{"years":1,"current_expires_at":"yesterday"}`: "current_expires_at",
	} {
		rec := h.do(req{method: "POST", path: base + "/domains/a.defiwallet/renew", body: body,
			header: map[string]string{"Idempotency-Key": "k"}})
		if f := fieldOf(t, problem(t, rec, 400, core.CodeValidation)); f != field {
			t.Errorf("%s: field %q, want %q", body, f, field)
		}
	}
}

func TestCreateYears(t *testing.T) {
	for body, want := range map[string]int{
		`{"domain":"a.defiwallet"}`:           1,
		`{"domain":"a.defiwallet","years":0}`: 0, // the core answers validation_error
		`{"domain":"a.defiwallet","years":3}`: 3,
	} {
		h := newHarness(t)
		var got int = -1
		h.reg.CreateDomainFn = func(ctx context.Context, a core.Actor, cmd core.CreateDomain) (core.Outcome, error) {
			got = cmd.Years
			return testOutcome(core.CmdCreateDomain, cmd.Mutation), nil
		}
		h.do(req{method: "POST", path: base + "/domains", body: body, header: map[string]string{"Idempotency-Key": "k"}})
		if got != want {
			t.Errorf("%s: years %d, want %d", body, got, want)
		}
	}
}

func TestCheckRendersNullReason(t *testing.T) {
	h := newHarness(t)
	h.reg.CheckDomainsFn = func(ctx context.Context, a core.Actor, cmd core.CheckDomains) ([]core.CheckResult, error) {
		return []core.CheckResult{{Name: "a.defiwallet", Available: true, PriceGems: 100},
			{Name: "b.defiwallet", Reason: "reserved", PriceGems: 100}}, nil
	}
	rec := h.do(req{method: "POST", path: base + "/domains/check", body: `{"names":["a","b"]}`})
	res := decode(t, rec)["results"].([]any)
	if r0 := res[0].(map[string]any); r0["reason"] != nil || r0["available"] != true || r0["price_gems"] != 100.0 {
		t.Errorf("result 0 = %v", r0)
	}
	if r1 := res[1].(map[string]any); r1["reason"] != "reserved" {
		t.Errorf("result 1 = %v", r1)
	}
}

func TestPollQueryValidation(t *testing.T) {
	h := newHarness(t)
	h.reg.PollFn = func(ctx context.Context, a core.Actor, f core.PollFilter) (core.PollPage, error) {
		return core.PollPage{}, nil
	}
	for q, field := range map[string]string{"since=yesterday": "since", "limit=abc": "limit", "limit=0": "limit", "limit=-3": "limit"} {
		rec := h.do(req{method: "GET", path: base + "/poll?" + q})
		if f := fieldOf(t, problem(t, rec, 400, core.CodeValidation)); f != field {
			t.Errorf("%s: field %q", q, f)
		}
	}
	// An unencoded "+" offset arrives as a space and is still understood.
	rec := h.do(req{method: "GET", path: base + "/poll?since=2026-03-01T00:00:00+01:00"})
	if rec.Code != 200 {
		t.Errorf("since with a raw + offset: %d %s", rec.Code, rec.Body.String())
	}
	body := decode(t, rec)
	if body["next_cursor"] != nil || body["events"] == nil {
		t.Errorf("empty page = %v", body)
	}
}
