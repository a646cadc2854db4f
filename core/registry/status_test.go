package registry_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
)

// row is the expectation for one command of the matrix.
type row struct {
	disabled   core.Code
	production core.Code
	sandbox    bool
	prodOK     bool
	missing    []string
}

func rowsByCommand(rep core.StatusReport) map[core.Command]core.CommandStatus {
	out := map[core.Command]core.CommandStatus{}
	for _, r := range rep.Commands {
		out[r.Spec.Command] = r
	}
	return out
}

// expectAll builds the expected matrix from a per-command function.
func expectAll(f func(spec core.CommandSpec) row) map[core.Command]row {
	out := map[core.Command]row{}
	for _, spec := range core.Commands() {
		out[spec.Command] = f(spec)
	}
	return out
}

func TestStatusCapabilityMatrix(t *testing.T) {
	notProd := func(spec core.CommandSpec) core.Code {
		if spec.Mutating {
			return core.CodeChannelNotProductionApproved
		}
		return ""
	}
	channelRequired := func(spec core.CommandSpec) row {
		if spec.Command == core.CmdStatus {
			return row{sandbox: true, prodOK: true}
		}
		return row{disabled: core.CodeChannelRequired, production: notProd(spec)}
	}
	domainCommand := func(c core.Command) bool {
		switch c {
		case core.CmdStatus, core.CmdSandboxReset, core.CmdPoll, core.CmdBackendPending, core.CmdListTransfers:
			return false
		}
		return true
	}

	cases := []struct {
		name  string
		spec  worldSpec
		limit int
		want  map[core.Command]row
	}{
		{name: "unbound key", spec: worldSpec{Unbound: true}, limit: core.DefaultRateLimitPerMinute, want: expectAll(channelRequired)},
		{name: "pending channel", spec: worldSpec{Pending: true, NoProduction: true}, limit: core.DefaultRateLimitPerMinute,
			want: expectAll(channelRequired)},
		{name: "approved channel without production approval", spec: worldSpec{NoProduction: true}, limit: core.DefaultRateLimitPerMinute,
			want: expectAll(func(spec core.CommandSpec) row {
				return row{production: notProd(spec), sandbox: true, prodOK: !spec.Mutating}
			})},
		{name: "production-approved channel with every scope", spec: worldSpec{}, limit: core.DefaultRateLimitPerMinute,
			want: expectAll(func(spec core.CommandSpec) row { return row{sandbox: true, prodOK: true} })},
		{name: "key with one scope", spec: worldSpec{Scopes: []string{core.ScopeDomainsCheck}}, limit: core.DefaultRateLimitPerMinute,
			want: expectAll(func(spec core.CommandSpec) row {
				if spec.Command == core.CmdStatus || spec.Command == core.CmdCheckDomain {
					return row{sandbox: true, prodOK: true}
				}
				return row{disabled: core.CodeInsufficientScope, missing: spec.Scopes}
			})},
		{name: "partner without the DNS module", spec: worldSpec{NoDNSModule: true}, limit: core.DefaultRateLimitPerMinute,
			want: expectAll(func(spec core.CommandSpec) row {
				if spec.NeedsDNS {
					return row{disabled: core.CodeDNSModuleNotEnabled}
				}
				return row{sandbox: true, prodOK: true}
			})},
		{name: "namespace without DNS backend", spec: worldSpec{Namespace: namespaceSpec{Backend: core.DNSBackendNone}},
			limit: core.DefaultRateLimitPerMinute,
			want: expectAll(func(spec core.CommandSpec) row {
				if spec.NeedsDNS {
					return row{disabled: core.CodeBackendDNSNotSupported}
				}
				return row{sandbox: true, prodOK: true}
			})},
		{name: "listing not approved", spec: worldSpec{PendingListing: true}, limit: core.DefaultRateLimitPerMinute,
			want: expectAll(func(spec core.CommandSpec) row {
				if domainCommand(spec.Command) {
					return row{disabled: core.CodeNamespaceNotApproved}
				}
				return row{sandbox: true, prodOK: true}
			})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			w := h.registrar(tc.spec)
			a, rate, err := h.svc.Authorize(h.ctx, w.Token, core.CmdStatus)
			wantCode(t, err, "")
			rep, err := h.svc.Status(h.ctx, a, rate)
			wantCode(t, err, "")
			if rep.RateLimitPerMinute != tc.limit || rep.Rate != rate || rep.Actor.APIKey.ID != w.Key.ID || !rep.GeneratedAt.Equal(h.now()) {
				t.Fatalf("report header: limit %d rate %v actor %s at %v", rep.RateLimitPerMinute, rep.Rate, rep.Actor.APIKey.ID, rep.GeneratedAt)
			}
			if (rate != nil) != a.ChannelApproved() {
				t.Fatalf("rate decision %v for a key whose channel approval is %v", rate, a.ChannelApproved())
			}
			if len(rep.Commands) != len(core.Commands()) {
				t.Fatalf("%d rows, want %d", len(rep.Commands), len(core.Commands()))
			}
			for i, spec := range core.Commands() {
				if rep.Commands[i].Spec.Command != spec.Command {
					t.Fatalf("row %d is %s, want %s (contract order)", i, rep.Commands[i].Spec.Command, spec.Command)
				}
			}
			got := rowsByCommand(rep)
			for cmd, want := range tc.want {
				r := got[cmd]
				if r.DisabledReason != want.disabled || r.ProductionBlockedReason != want.production ||
					r.SandboxAvailable != want.sandbox || r.ProductionAvailable != want.prodOK {
					t.Errorf("%s: disabled %q production %q sandbox %v prod %v; want %q %q %v %v", cmd,
						r.DisabledReason, r.ProductionBlockedReason, r.SandboxAvailable, r.ProductionAvailable,
						want.disabled, want.production, want.sandbox, want.prodOK)
				}
				wantMissing := want.missing
				if wantMissing == nil {
					wantMissing = []string{}
				}
				if !slices.Equal(r.MissingScopes, wantMissing) {
					t.Errorf("%s: missing scopes %v, want %v", cmd, r.MissingScopes, wantMissing)
				}
				wantScope := registry.ScopeGranted
				if len(wantMissing) > 0 {
					wantScope = registry.ScopeMissing
				}
				if r.ScopeStatus != wantScope {
					t.Errorf("%s: scope status %q, want %q", cmd, r.ScopeStatus, wantScope)
				}
			}
			if len(rep.OTESequence) != len(core.OTESequence()) {
				t.Fatalf("OT&E sequence has %d steps", len(rep.OTESequence))
			}
			if rep.RegistryServiceContract == nil || rep.EPPGatewayContract == nil {
				t.Fatal("status lacks the contracts")
			}
		})
	}
}

func TestStatusRateLimitFromChannel(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	if _, err := h.svc.PatchChannel(h.ctx, w.Channel.ID, core.PatchChannel{RateLimitPerMinute: ptr(7)}); err != nil {
		t.Fatal(err)
	}
	a, rate, err := h.svc.Authorize(h.ctx, w.Token, core.CmdStatus)
	wantCode(t, err, "")
	rep, err := h.svc.Status(h.ctx, a, rate)
	wantCode(t, err, "")
	if rep.RateLimitPerMinute != 7 || rep.Rate == nil || rep.Rate.Limit != 7 {
		t.Fatalf("rate limit %d, decision %+v; want 7", rep.RateLimitPerMinute, rep.Rate)
	}
}

// asJSON round-trips a document through encoding/json, as transports do.
func asJSON(t *testing.T, doc map[string]any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return out
}

func listOf(t *testing.T, doc map[string]any, key string) []map[string]any {
	t.Helper()
	raw, ok := doc[key].([]any)
	if !ok {
		t.Fatalf("%s is %T, want a list", key, doc[key])
	}
	out := make([]map[string]any, len(raw))
	for i, e := range raw {
		m, ok := e.(map[string]any)
		if !ok {
			t.Fatalf("%s[%d] is %T", key, i, e)
		}
		out[i] = m
	}
	return out
}

func TestRegistryServiceContract(t *testing.T) {
	doc := asJSON(t, registry.RegistryServiceContract())
	cmds := listOf(t, doc, "commands")
	if len(cmds) != len(core.Commands()) {
		t.Fatalf("%d commands, want %d", len(cmds), len(core.Commands()))
	}
	for i, spec := range core.Commands() {
		c := cmds[i]
		if c["command"] != string(spec.Command) || c["method"] != spec.Method || c["path"] != spec.Path || c["mutating"] != spec.Mutating {
			t.Fatalf("command row %d = %v, want %+v", i, c, spec)
		}
		scopes, _ := c["required_scopes"].([]any)
		if len(scopes) != len(spec.Scopes) {
			t.Fatalf("%s scopes %v", spec.Command, scopes)
		}
	}
	states, _ := doc["lifecycle_states"].([]any)
	if len(states) != len(core.States()) || states[0] != "active" {
		t.Fatalf("lifecycle_states %v", states)
	}
	grace, _ := doc["grace_periods"].(map[string]any)
	if grace["add_days"] != 5.0 || grace["renew_days"] != 5.0 || grace["redemption_days"] != 30.0 {
		t.Fatalf("grace_periods %v", grace)
	}
	idem, _ := doc["idempotency"].(map[string]any)
	if idem["scope"] != "registrar_channel" || idem["retention_hours"] != 24.0 ||
		idem["conflict_code"] != "duplicate_idempotency_key_conflict" || idem["in_progress_code"] != "idempotency_key_in_progress" {
		t.Fatalf("idempotency %v", idem)
	}
	statuses, _ := doc["statuses"].(map[string]any)
	if cs, _ := statuses["client_settable"].([]any); len(cs) != len(core.ClientStatuses) {
		t.Fatalf("statuses %v", statuses)
	}
	catalog := listOf(t, doc, "error_catalog")
	if len(catalog) != len(core.Catalog()) {
		t.Fatalf("%d catalog rows, want %d", len(catalog), len(core.Catalog()))
	}
	for i, sp := range core.Catalog() {
		r := catalog[i]
		if r["code"] != string(sp.Code) || r["http_status"] != float64(sp.HTTPStatus) || r["epp_result_code"] != float64(sp.EPPCode) ||
			r["epp_result"] != sp.EPPMessage || r["retryable"] != sp.Retryable || r["description"] != sp.Description {
			t.Fatalf("catalog row %d = %v, want %+v", i, r, sp)
		}
	}
	for _, key := range []string{"sandbox", "audit"} {
		if _, ok := doc[key].(map[string]any); !ok {
			t.Fatalf("%s missing", key)
		}
	}
}

func TestEPPGatewayContract(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	a, rate, _ := h.svc.Authorize(h.ctx, w.Token, core.CmdStatus)
	rep, err := h.svc.Status(h.ctx, a, rate)
	wantCode(t, err, "")
	doc := asJSON(t, rep.EPPGatewayContract)
	if doc["status"] != registry.EPPGatewayImplemented {
		t.Fatalf("status %v", doc["status"])
	}
	tr, _ := doc["transport"].(map[string]any)
	if tr["max_frame_bytes"] != float64(1<<20) || tr["idle_timeout_seconds"] != 600.0 || tr["rfc"] != "RFC 5734" {
		t.Fatalf("transport %v", tr)
	}
	mapped := map[string]string{}
	for _, m := range listOf(t, doc, "command_mapping") {
		cmd, _ := m["registry_command"].(string)
		mapped[m["epp_command"].(string)] = cmd
	}
	for epp, cmd := range map[string]string{
		"hello": "", "login": "", "logout": "", "domain:check": "check_domain", "domain:info": "info_domain",
		"domain:create": "create_domain", "domain:renew": "renew_domain", "domain:delete": "delete_domain",
		"poll req": "poll", "poll ack": "poll", "contact:check": "check_contact", "contact:info": "info_contact",
		"contact:create": "create_contact", "contact:update": "update_contact", "contact:delete": "delete_contact",
	} {
		got, ok := mapped[epp]
		if !ok || got != cmd {
			t.Errorf("mapping of %s = %q (present %v), want %q", epp, got, ok, cmd)
		}
	}
	if _, ok := mapped["domain:update"]; !ok {
		t.Error("domain:update is not mapped")
	}
	if states, _ := doc["lifecycle_states"].([]any); len(states) != len(core.States()) {
		t.Fatalf("lifecycle_states %v", doc["lifecycle_states"])
	}
	ai, _ := doc["audit_idempotency"].(map[string]any)
	if ai["cltrid_is_idempotency_key"] != true || ai["svtrid_is_audit_id"] != true {
		t.Fatalf("audit_idempotency %v", ai)
	}
	pl, _ := doc["protected_legacy_policy"].(map[string]any)
	if pl["delete"] != "protected_legacy_registration_not_deletable" || pl["epp_result_code"] != 2304.0 || pl["requires"] != "operator policy review" {
		t.Fatalf("protected_legacy_policy %v", pl)
	}
	caps := listOf(t, doc, "dns_adapter_capabilities")
	kinds := []string{}
	for _, c := range caps {
		kinds = append(kinds, c["kind"].(string))
		for _, k := range []string{"read", "write", "delegate", "record_types"} {
			if _, ok := c[k]; !ok {
				t.Fatalf("capability %v lacks %s", c, k)
			}
		}
		if c["kind"] == "none" && (c["read"] != false || c["write"] != false) {
			t.Fatalf("the none driver claims DNS: %v", c)
		}
		if c["kind"] == "memory" && (c["read"] != true || c["write"] != true) {
			t.Fatalf("the memory driver lacks DNS: %v", c)
		}
	}
	if !slices.Equal(kinds, []string{"none", "memory", "rfc2136"}) {
		t.Fatalf("capability kinds %v", kinds)
	}
	checklist := listOf(t, doc, "conformance_checklist")
	if len(checklist) < 15 {
		t.Fatalf("conformance checklist has %d items", len(checklist))
	}
	ids := map[string]bool{}
	for _, it := range checklist {
		id, _ := it["id"].(string)
		tests, _ := it["verified_by"].([]any)
		if id == "" || ids[id] || it["status"] != registry.ChecklistPassed || it["requirement"] == "" || it["rfc"] == "" || len(tests) == 0 {
			t.Fatalf("checklist item %v", it)
		}
		ids[id] = true
	}
}

// The contracts do not depend on the request: every /status answer shares
// the documents built on the first call (the HTTP adapter keeps their JSON
// while they are the same maps), and they are the documents themselves.
func TestStatusSharesItsContracts(t *testing.T) {
	h := newHarness(t)
	w := h.registrar(worldSpec{})
	a, rate, _ := h.svc.Authorize(h.ctx, w.Token, core.CmdStatus)
	first, err := h.svc.Status(h.ctx, a, rate)
	wantCode(t, err, "")
	second, err := h.svc.Status(h.ctx, a, rate)
	wantCode(t, err, "")
	if reflect.ValueOf(first.RegistryServiceContract).UnsafePointer() != reflect.ValueOf(second.RegistryServiceContract).UnsafePointer() ||
		reflect.ValueOf(first.EPPGatewayContract).UnsafePointer() != reflect.ValueOf(second.EPPGatewayContract).UnsafePointer() {
		t.Error("two answers carry contracts built twice")
	}
	if !reflect.DeepEqual(asJSON(t, second.RegistryServiceContract), asJSON(t, registry.RegistryServiceContract())) {
		t.Error("the shared registry service contract is not the contract")
	}
	shared, fresh := asJSON(t, second.EPPGatewayContract), asJSON(t, registry.EPPGatewayContract(nil))
	if shared["status"] != registry.EPPGatewayImplemented || !reflect.DeepEqual(shared["command_mapping"], fresh["command_mapping"]) {
		t.Error("the shared EPP gateway contract is not the contract")
	}
}
