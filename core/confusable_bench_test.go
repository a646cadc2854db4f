package core_test

import (
	"fmt"
	"testing"

	"github.com/headlessdomains/registry/core"
)

// IsReserved and IsClaim run for every name of every check and create. The
// registry service indexes each namespace it loads (Namespace.Indexed), so
// the "indexed" rows are what a check pays; "listed" walks the lists.

func benchNamespace(n int) core.Namespace {
	ns := core.Namespace{Name: "defiwallet", ReservedLabels: make([]string, 0, n)}
	for i := 0; i < n-2; i++ {
		ns.ReservedLabels = append(ns.ReservedLabels, fmt.Sprintf("reserved-%d", i))
	}
	ns.ReservedLabels = append(ns.ReservedLabels, "paypal", "scope")
	return ns
}

func BenchmarkNamespaceIsReserved(b *testing.B) {
	idn, err := core.ParseLabel("münchen-straße")
	if err != nil {
		b.Fatal(err)
	}
	lookalike, err := core.ParseLabel("ѕсоре") // all Cyrillic
	if err != nil {
		b.Fatal(err)
	}
	labels := []struct {
		name, label string
		want        bool
	}{
		{"ascii_miss", "alice-wallet", false},
		{"ascii_mapped_miss", "mallory-01", false}, // m, 0 and 1 have skeletons of their own
		{"ascii_lookalike", "paypa1", true},
		{"idn_miss", idn, false},
		{"idn_lookalike", lookalike, true},
	}
	for _, size := range []int{10, 10_000} {
		base := benchNamespace(size)
		for _, mode := range []string{"indexed", "listed"} {
			ns := base
			if mode == "indexed" {
				ns = base.Indexed()
			} else if size > 10 {
				continue // one skeleton per listed label: see the 10-label rows
			}
			for _, l := range labels {
				b.Run(fmt.Sprintf("%s/%d/%s", mode, size, l.name), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if ns.IsReserved(l.label) != l.want {
							b.Fatalf("IsReserved(%q) != %v", l.label, l.want)
						}
					}
				})
			}
		}
	}
}

func BenchmarkNamespaceIndexed(b *testing.B) {
	for _, size := range []int{10, 10_000} {
		ns := benchNamespace(size)
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = ns.Indexed()
			}
		})
	}
}
