package registry_test

import (
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
)

// Every registrar request builds its counter key and decides on the count.

func BenchmarkRateKey(b *testing.B) {
	start := time.Date(2026, 3, 4, 5, 6, 0, 0, time.UTC)
	want := registry.RateKey("chn_01hzx", "key_01hzy", core.CmdCheckDomain, start)
	b.ReportAllocs()
	for b.Loop() {
		if registry.RateKey("chn_01hzx", "key_01hzy", core.CmdCheckDomain, start) != want {
			b.Fatal("rate key not deterministic")
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	start := time.Date(2026, 3, 4, 5, 6, 0, 0, time.UTC)
	b.Run("allowed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if d := registry.Decide(120, 37, start); !d.Allowed || d.Remaining != 83 {
				b.Fatalf("%+v", d)
			}
		}
	})
	b.Run("limited", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if d := registry.Decide(120, 121, start); d.Allowed || d.Remaining != 0 {
				b.Fatalf("%+v", d)
			}
		}
	})
}
