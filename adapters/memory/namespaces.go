package memory

import (
	"context"
	"slices"
	"strings"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// NamespaceRepository stores namespaces by their unique name.
type NamespaceRepository struct{ tx *tx }

var _ ports.NamespaceRepository = (*NamespaceRepository)(nil)

func (r *NamespaceRepository) Insert(_ context.Context, n core.Namespace) error {
	st, err := r.tx.writing()
	if err != nil {
		return err
	}
	if st.namespaces.has(n.Name) {
		return duplicate("namespace", n.Name)
	}
	st.namespaces.put(n.Name, cloneNamespace(n))
	return nil
}

func (r *NamespaceRepository) Get(_ context.Context, name string) (core.Namespace, error) {
	st, err := r.tx.reading()
	if err != nil {
		return core.Namespace{}, err
	}
	n, ok := st.namespaces.get(name)
	if !ok {
		return core.Namespace{}, notFound("namespace", name)
	}
	return cloneNamespace(n), nil
}

// List answers every namespace, by name.
func (r *NamespaceRepository) List(context.Context) ([]core.Namespace, error) {
	st, err := r.tx.reading()
	if err != nil {
		return nil, err
	}
	out := make([]core.Namespace, 0, len(st.namespaces.rows))
	for _, n := range st.namespaces.rows {
		out = append(out, cloneNamespace(n))
	}
	slices.SortFunc(out, func(a, b core.Namespace) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Update runs fn on a copy of the namespace and stores the result.
func (r *NamespaceRepository) Update(_ context.Context, name string, fn func(*core.Namespace) error) (core.Namespace, error) {
	st, err := r.tx.writing()
	if err != nil {
		return core.Namespace{}, err
	}
	return update(&st.namespaces, name, "namespace", cloneNamespace, fn, func(_ core.Namespace, next *core.Namespace) error {
		next.Name = name
		return nil
	})
}
