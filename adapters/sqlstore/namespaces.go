package sqlstore

import (
	"context"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// NamespaceRepository stores namespaces, keyed by their unique name.
type NamespaceRepository struct{ c conn }

var _ ports.NamespaceRepository = (*NamespaceRepository)(nil)

// Insert adds n; ErrDuplicate when its name exists.
func (r *NamespaceRepository) Insert(ctx context.Context, n core.Namespace) error {
	row, err := namespaceToRow(n)
	if err != nil {
		return err
	}
	return r.c.insert(ctx, row)
}

// Get returns the namespace called name, or ErrNotFound.
func (r *NamespaceRepository) Get(ctx context.Context, name string) (core.Namespace, error) {
	var row namespaceRow
	if err := r.c.selectOne(ctx, &row, false, "name = ?", name); err != nil {
		return core.Namespace{}, err
	}
	return row.core()
}

// List returns every namespace, by name.
func (r *NamespaceRepository) List(ctx context.Context) ([]core.Namespace, error) {
	var rows []namespaceRow
	if err := r.c.db.NewSelect().Model(&rows).Order("name").Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	out := make([]core.Namespace, 0, len(rows))
	for i := range rows {
		n, err := rows[i].core()
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// Update locks the namespace called name, runs fn on a copy and stores the
// result; ErrNotFound when there is none.
func (r *NamespaceRepository) Update(ctx context.Context, name string, fn func(*core.Namespace) error) (core.Namespace, error) {
	if err := r.c.writable(); err != nil {
		return core.Namespace{}, err
	}
	var row namespaceRow
	if err := r.c.selectOne(ctx, &row, true, "name = ?", name); err != nil {
		return core.Namespace{}, err
	}
	n, err := row.core()
	if err != nil {
		return core.Namespace{}, err
	}
	if err := fn(&n); err != nil {
		return core.Namespace{}, err
	}
	if n.Name != name {
		return core.Namespace{}, errKeyChanged("namespace name")
	}
	next, err := namespaceToRow(n)
	if err != nil {
		return core.Namespace{}, err
	}
	if err := r.c.update(ctx, next); err != nil {
		return core.Namespace{}, err
	}
	return next.core()
}
