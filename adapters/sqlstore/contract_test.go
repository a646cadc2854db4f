package sqlstore

import (
	"strings"
	"testing"

	"github.com/headlessdomains/registry/ports"
	"github.com/headlessdomains/registry/ports/portstest"
)

// TestUnitOfWorkContract runs the store contract that every ports.UnitOfWork
// implementation passes, on one database per dialect shared by its subtests
// (the suite keeps its rows apart with unique ids and names).
func TestUnitOfWorkContract(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		store := NewStore(open(t))
		portstest.UnitOfWork(t, func(*testing.T) ports.UnitOfWork { return store })
	})
	// In front of a transaction-mode pooler nothing is prepared
	// (preparedwrite.go): the writes take bun's path, and the held rows
	// go with pgx's client-side arguments on the simple protocol.
	t.Run("postgres-unprepared", func(t *testing.T) {
		u := newPostgresDatabase(t, true)
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		db := openMigratedURL(t, u+sep+"default_query_exec_mode=simple_protocol")
		if db.prepared {
			t.Fatal("default_query_exec_mode=simple_protocol: still prepared")
		}
		store := NewStore(db)
		portstest.UnitOfWork(t, func(*testing.T) ports.UnitOfWork { return store })
	})
}
