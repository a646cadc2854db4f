package memory

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

var testPartner = core.Partner{ID: "par_1", Name: "P", GemsBalance: 10, CreatedAt: time.Unix(0, 0).UTC()}

func TestViewRefusesWrites(t *testing.T) {
	s := NewStore()
	err := s.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		return tx.Partners().Insert(ctx, testPartner)
	})
	if !errors.Is(err, errReadOnly) {
		t.Fatalf("Insert inside View: want errReadOnly, got %v", err)
	}
	err = s.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Partners().Get(ctx, testPartner.ID)
		return err
	})
	if !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("refused write left a row: %v", err)
	}
}

func TestTransactionUnusableAfterDo(t *testing.T) {
	s := NewStore()
	var kept ports.Stores
	if err := s.Do(t.Context(), func(_ context.Context, tx ports.Stores) error { kept = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := kept.Partners().Insert(t.Context(), testPartner); !errors.Is(err, errTxDone) {
		t.Fatalf("write through a finished transaction: want errTxDone, got %v", err)
	}
	if _, err := kept.Partners().Get(t.Context(), testPartner.ID); !errors.Is(err, errTxDone) {
		t.Fatalf("read through a finished transaction: want errTxDone, got %v", err)
	}
}

func TestCancelledContextRollsBack(t *testing.T) {
	s := NewStore()
	ctx, cancel := context.WithCancel(t.Context())
	err := s.Do(ctx, func(ctx context.Context, tx ports.Stores) error {
		err := tx.Partners().Insert(ctx, testPartner)
		cancel() // the caller gave up before the commit
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Do with a context cancelled before commit: want context.Canceled, got %v", err)
	}
	if err := s.Do(ctx, func(context.Context, ports.Stores) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("Do with a cancelled context: want context.Canceled, got %v", err)
	}
	err = s.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Partners().Get(ctx, testPartner.ID)
		return err
	})
	if !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("cancelled commit left a row: %v", err)
	}
}

// Summaries and payloads are stored as a JSON column stores them, so that core
// code relying on Go types a database would not keep fails here too.
func TestSummariesAreStoredAsJSON(t *testing.T) {
	s := NewStore()
	e := core.AuditEvent{ID: "aud_1", RequestSummary: map[string]any{"years": 2, "names": []string{"a"}}}
	if err := s.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error { return tx.Audit().Append(ctx, e) }); err != nil {
		t.Fatal(err)
	}
	var got []core.AuditEvent
	if err := s.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		var err error
		got, err = tx.Audit().GetMany(ctx, []string{"aud_1"})
		return err
	}); err != nil || len(got) != 1 {
		t.Fatalf("GetMany: %v, %d events", err, len(got))
	}
	if y, ok := got[0].RequestSummary["years"].(float64); !ok || y != 2 {
		t.Errorf("years: %#v, want float64(2)", got[0].RequestSummary["years"])
	}
	if n, ok := got[0].RequestSummary["names"].([]any); !ok || len(n) != 1 || n[0] != "a" {
		t.Errorf("names: %#v, want []any{\"a\"}", got[0].RequestSummary["names"])
	}

	bad := core.PendingItem{ID: "pnd_1", Payload: map[string]any{"f": func() {}}}
	err := s.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error { return tx.Pending().Insert(ctx, bad) })
	if err == nil {
		t.Fatalf("a payload JSON cannot encode was stored")
	}
}

// Forked tables share rows until written: a transaction that writes one table
// leaves every other table's map shared with the committed state.
func TestForkCopiesOnlyWrittenTables(t *testing.T) {
	s := NewStore()
	before := s.state
	if err := s.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		return tx.Partners().Insert(ctx, testPartner)
	}); err != nil {
		t.Fatal(err)
	}
	after := s.state
	if len(before.partners.rows) != 0 || len(after.partners.rows) != 1 {
		t.Fatalf("partners: %d rows before, %d after; want 0 and 1", len(before.partners.rows), len(after.partners.rows))
	}
	after.domains.rows["probe"] = core.Domain{}
	defer delete(after.domains.rows, "probe")
	if _, shared := before.domains.rows["probe"]; !shared {
		t.Errorf("an unwritten table was copied")
	}
}
