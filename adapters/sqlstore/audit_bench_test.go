package sqlstore

import (
	"context"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// BenchmarkPollPage reads a poll page of 51 events (50 and the one that
// tells there is a next page) on PostgreSQL, with the summaries as the bench
// seeds them: decoded into maps through database/sql (how a page was read
// before), and as JSON read in place (EncodedSummaries).
func BenchmarkPollPage(b *testing.B) {
	store := NewStore(openMigratedURL(b, newPostgresDatabase(b, true)))
	channel := seedChannel(b, store)
	at := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	err := store.Do(b.Context(), func(ctx context.Context, tx ports.Stores) error {
		for i := range 60 {
			domain := "s" + strconv.Itoa(1000000+i) + ".benchns"
			e := core.AuditEvent{
				ID: "aud_" + strconv.Itoa(1000000+i), ChannelID: channel, ChannelSlug: "acme", APIKeyID: "key_1", Actor: "registrar",
				Command: "create_domain", Domain: domain, IdempotencyKey: "k-" + strconv.Itoa(i), Status: core.AuditSuccess, HTTPStatus: 201,
				RequestSummary: map[string]any{"years": 1, "domain": domain, "registrant": map[string]any{"name": "Bench Registrant"},
					"nameservers": []any{}, "claim_acknowledgement": false},
				ResponseSummary: map[string]any{"state": "active", "domain": domain, "status": "success", "statuses": []any{},
					"expires_at": "2027-12-06T07:08:40Z", "http_status": 201, "debited_gems": 10},
				CreatedAt: at.Add(time.Duration(i) * time.Second),
			}
			if err := tx.Audit().Append(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		encoded bool
	}{{"maps", false}, {"encoded", true}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			q := ports.AuditQuery{ChannelID: channel, ExcludeActor: "operator", Limit: 51, EncodedSummaries: c.encoded}
			start := cpuTime(b)
			for b.Loop() {
				err := store.View(b.Context(), func(ctx context.Context, tx ports.Stores) error {
					events, err := tx.Audit().Query(ctx, q)
					if err == nil && len(events) != 51 {
						b.Fatalf("%d events", len(events))
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			// The process's CPU (user and system) per page: the wall time
			// is mostly the round trip to the server.
			b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N)/1e3, "cpu-µs/op")
		})
	}
}

// cpuTime is the CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
