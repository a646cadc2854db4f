package e2e

import (
	"testing"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/test/pgtest"
)

// The sandbox reset's transfer fixture on the stores registryd runs on: the
// first reset creates the OT&E counterparty and the fixture, the second
// overwrites the fixture with a new code; the new code transfers in sandbox
// mode, the old one is refused.
func TestOTETransferFixtureOnTheStores(t *testing.T) {
	run := func(t *testing.T, s *server) {
		_, _, token := admit(s, "otexfer", "otexferns", false)
		domain := core.FixtureLabel("transfer", "otexfer") + ".otexferns"
		reset := func() string {
			for _, f := range s.must(200, s.do("POST", reg+"/sandbox/reset", token, nil))["fixtures"].([]any) {
				if m := f.(map[string]any); m["domain"] == domain && m["skipped"] == false {
					code, _ := m["auth_code"].(string)
					return code
				}
			}
			t.Fatalf("the reset made no transfer fixture %s", domain)
			return ""
		}
		first, second := reset(), reset()
		if first == "" || second == "" || first == second {
			t.Fatalf("auth codes %q and %q: want two different ones", first, second)
		}
		transfer := func(code, key string) response {
			return s.do("POST", reg+"/domains/"+domain+"/transfer", token, map[string]any{"auth_code": code},
				"Idempotency-Key", key, "X-Registrar-Sandbox", "1")
		}
		if r := transfer(first, "xfer-old"); r.Status != 403 || r.Body["code"] != string(core.CodeInvalidAuthCode) {
			t.Fatalf("the replaced code: %d %s", r.Status, r.Raw)
		}
		out := s.must(202, transfer(second, "xfer-new"))
		tr, _ := out["transfer"].(map[string]any)
		if out["status"] != "sandbox" || tr == nil || tr["status"] != core.TransferPending ||
			tr["losing_channel"].(map[string]any)["slug"] != core.OTECounterpartySlug {
			t.Fatalf("sandbox transfer request: %v", out)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		run(t, start(t, "REGISTRY_DATABASE_URL=sqlite:"+t.TempDir()+"/registry.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		run(t, start(t, "REGISTRY_DATABASE_URL="+pgtest.NewDatabase(t, "test_e2e_ote_transfer")))
	})
}
