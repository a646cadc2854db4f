package portstest

import (
	"context"
	"slices"
	"testing"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func testNamespaces(t *testing.T, u ports.UnitOfWork) {
	full := newNamespace()
	bare := core.Namespace{Name: unique("ns"), DNSBackend: core.DNSBackendNone, CreatedAt: at(0)}
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		return firstErr(
			func() error { return tx.Namespaces().Insert(ctx, full) },
			func() error { return tx.Namespaces().Insert(ctx, bare) },
		)
	})
	get := func(name string) getter[core.Namespace] {
		return func(ctx context.Context, tx ports.Stores) (core.Namespace, error) {
			return tx.Namespaces().Get(ctx, name)
		}
	}
	assertEqual(t, "namespace", full, read(t, u, get(full.Name)))
	assertEqual(t, "namespace without labels", bare, read(t, u, get(bare.Name)))
	checkGetMissing(t, u, "namespace", get(unique("ns")))
	wantDoErr(t, u, "namespace insert with an existing name", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		again := newNamespace()
		again.Name = full.Name
		return tx.Namespaces().Insert(ctx, again)
	})

	list := read(t, u, func(ctx context.Context, tx ports.Stores) ([]core.Namespace, error) { return tx.Namespaces().List(ctx) })
	for _, want := range []core.Namespace{full, bare} {
		i := slices.IndexFunc(list, func(n core.Namespace) bool { return n.Name == want.Name })
		if i < 0 {
			t.Errorf("namespace list: %s missing", want.Name)
			continue
		}
		assertEqual(t, "listed namespace", want, list[i])
	}
}
