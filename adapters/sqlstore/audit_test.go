package sqlstore

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// A page with encoded summaries reads the same inside a transaction
// (through database/sql) as outside one (through pgx on PostgreSQL).
func TestAuditQueryEncodedInsideAndOutsideATransaction(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t *testing.T) *DB) {
		store := NewStore(open(t))
		channel := seedChannel(t, store)
		at := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
		err := store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			for i, id := range []string{"aud_1", "aud_2", "aud_3"} {
				e := core.AuditEvent{ID: id, ChannelID: channel, ChannelSlug: "acme", Actor: "registrar", Command: "create_domain",
					Domain: "a.example", Status: core.AuditSuccess, HTTPStatus: 201, CreatedAt: at.Add(time.Duration(i) * time.Second),
					RequestSummary:  map[string]any{"years": i, "domain": "a.example", "note": "A & <B>"},
					ResponseSummary: map[string]any{"z": []any{1.5, nil}, "a": map[string]any{"y": true, "b": "é"}}}
				if err := tx.Audit().Append(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		q := ports.AuditQuery{ChannelID: channel, Limit: 2, EncodedSummaries: true}
		var outside, inside []core.AuditEvent
		if err := store.View(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			outside, err = tx.Audit().Query(ctx, q)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := store.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			inside, err = tx.Audit().Query(ctx, q)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(outside) != 2 || !reflect.DeepEqual(inside, outside) {
			t.Fatalf("inside a transaction %+v\noutside %+v", inside, outside)
		}
		want := `{"a":{"b":"é","y":true},"z":[1.5,null]}`
		for _, e := range outside {
			if string(e.ResponseSummaryJSON) != want || e.ResponseSummary != nil {
				t.Errorf("%s: response summary %s (map %v), want %s", e.ID, e.ResponseSummaryJSON, e.ResponseSummary, want)
			}
		}
		if got := string(outside[1].RequestSummaryJSON); got != `{"domain":"a.example","note":"A & <B>","years":1}` {
			t.Errorf("request summary %s", got)
		}
	})
}
