package eppconformance

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/epp/eppclient"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
)

func TestProtectedLegacyOverEPP(t *testing.T) {
	e := newEnv(t, envSpec{})
	c := e.session(e.addr)
	name := "legacy." + e.ns
	exp := time.Now().AddDate(1, 0, 0).UTC().Truncate(time.Second)
	if _, err := e.svc.ImportDomain(context.Background(), core.ImportDomain{Domain: name, ChannelID: e.channel.ID, ExpiresAt: exp,
		Registrant: core.Registrant{Name: "Legacy Holder", Email: "legacy@example.com"}, ProtectedLegacy: true}); err != nil {
		t.Fatal(err)
	}
	e.refused(c, core.CodeProtectedLegacyNotDeletable, deleteXML(name), "pl-1")
	r := e.must(c, 1000, eppclient.InfoDomainXML(name), "pl-2")
	if d := data(t, r); len(d.rgp()) != 0 { // imported: no add grace
		t.Fatalf("imported registration shows grace statuses %v", d.rgp())
	}
	e.must(c, 1000, renewXML(name, exp.Format(time.DateOnly), 1), "pl-3")
	e.must(c, 1000, updateXML(name, `<domain:add><domain:status s="clientHold"/></domain:add>`), "pl-4")
	e.refused(c, core.CodeProtectedLegacyNotDeletable, deleteXML(name), "pl-5")
}

// The same clTRID sent on many connections at once executes once: one
// registration, one debit, one audit row; the others replay it (or answer
// 2400, retryable).
func TestConcurrentDuplicateClTRID(t *testing.T) {
	e := newEnv(t, envSpec{})
	setup := e.session(e.addr)
	e.contact(setup, "race-1")
	name := "race." + e.ns
	before := balance(t, e)
	const n = 8
	clients := make([]*eppclient.Client, n)
	for i := range clients {
		clients[i] = e.session(e.addr)
	}
	var wg sync.WaitGroup
	results := make([]*eppclient.Response, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = clients[i].Command(eppclient.CreateDomainXML(name, "race-1", 1), "RACE-0001")
		}()
	}
	close(start)
	wg.Wait()
	svTRID := ""
	for i, r := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		switch r.Code {
		case 1000:
			if svTRID == "" {
				svTRID = r.SvTRID
			} else if r.SvTRID != svTRID {
				t.Fatalf("two executions: %s and %s", svTRID, r.SvTRID)
			}
		case 2400:
			// The twin still holds the key, or (SQLite) the write lock past
			// its wait: both retryable, neither an execution.
			if r.RegistryCode != string(core.CodeIdempotencyInProgress) && r.RegistryCode != string(core.CodeResourceBusy) {
				t.Fatalf("2400 with %s", r.RegistryCode)
			}
		default:
			t.Fatalf("answer %s", r)
		}
	}
	if svTRID == "" {
		t.Fatal("no session got the result")
	}
	price := core.Gems(10)
	if got := before - balance(t, e); got != price {
		t.Fatalf("debited %d, want %d", got, price)
	}
	_, page := e.restJSON("GET", "/poll?idempotency_key=RACE-0001", nil)
	if events, _ := page["events"].([]any); len(events) != 1 {
		t.Fatalf("%d audit rows", len(events))
	}
}

// Every test the /status conformance checklist names exists: in this
// package, or a fuzz target of adapters/epp.
func TestChecklistNamesRealTests(t *testing.T) {
	have := map[string]bool{}
	for dir, prefix := range map[string]string{".": "test/eppconformance.", "../../adapters/epp": "adapters/epp."} {
		files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("test files of %s: %v", dir, err)
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range file.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil &&
					(strings.HasPrefix(fn.Name.Name, "Test") || strings.HasPrefix(fn.Name.Name, "Fuzz")) {
					have[prefix+fn.Name.Name] = true
				}
			}
		}
	}
	items := registry.EPPGatewayContract(nil)["conformance_checklist"].([]map[string]any)
	if len(items) == 0 {
		t.Fatal("empty checklist")
	}
	for _, it := range items {
		for _, name := range it["verified_by"].([]string) {
			if !have[name] {
				t.Errorf("checklist item %s names %s, which does not exist", it["id"], name)
			}
		}
	}
}
