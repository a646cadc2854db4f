package core_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/headlessdomains/registry/core"
)

// Every refusal maps its error to a catalog row (HTTP status, EPP code) once.

func BenchmarkCatalogMapping(b *testing.B) {
	cases := []struct {
		name string
		err  error
		want core.Code
	}{
		{"core_error", core.Errorf(core.CodeDomainNotAvailable, "alice.defiwallet is already registered"), core.CodeDomainNotAvailable},
		{"wrapped", fmt.Errorf("create: %w", core.Errorf(core.CodeInsufficientGems, "costs 10 Gems")), core.CodeInsufficientGems},
		{"unknown", errors.New("driver: connection reset"), core.CodeInternal},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				spec := core.SpecOf(core.CodeOf(c.err))
				if spec.Code != c.want || spec.HTTPStatus == 0 || spec.EPPCode == 0 {
					b.Fatalf("SpecOf(CodeOf(%v)) = %+v", c.err, spec)
				}
			}
		})
	}
}

func BenchmarkAsError(b *testing.B) {
	err := fmt.Errorf("renew: %w", core.Errorf(core.CodeCurrentExpiryMismatch, "mismatch"))
	b.ReportAllocs()
	for b.Loop() {
		if e := core.AsError(err); e.Code != core.CodeCurrentExpiryMismatch {
			b.Fatal(e)
		}
	}
}

func BenchmarkSpecOfCommand(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if spec, ok := core.SpecOfCommand(core.CmdCheckDomain); !ok || spec.Command != core.CmdCheckDomain {
			b.Fatal("check_domain has no command spec")
		}
	}
}

// The whole catalog is rendered for /status and the OpenAPI document.
func BenchmarkCatalog(b *testing.B) {
	n := len(core.Catalog())
	b.ReportAllocs()
	for b.Loop() {
		if len(core.Catalog()) != n {
			b.Fatal("catalog changed size")
		}
	}
}
