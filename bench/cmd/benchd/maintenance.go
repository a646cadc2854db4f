package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/headlessdomains/registry/bench/internal/seed"
	"github.com/headlessdomains/registry/core"
)

// The maintenance_pass scenario measures what the registry's maintenance
// loop (core/registry/lifecycle.go) costs per due registration: how long one
// pass over a day's expiries takes on the seeded table. The registryd that
// serves the other scenarios runs its loop with a day's interval, so it
// never takes part; the seeded registrations expire over a year from the
// day after the run started (seed.ExpiryDay), so none is due before this
// scenario. For each pass it starts fresh registryd nodes with a short
// interval on the bench database, moves one expiry day's registrations (a
// 365th of them) into the past with one UPDATE, and measures from that
// commit until no registration is due any more.

// maintenanceScenario is the scenario's name in -scenarios and the results.
const maintenanceScenario = "maintenance_pass"

// Maintenance pass kinds: what the loop does at the expiry.
const (
	kindAutoRenew = "auto_renew" // the namespace auto-renews and the partner can pay: one debit each
	kindExpire    = "expire"     // the namespace's auto_renew is off: each registration expires
)

// mainRegistrydInterval is REGISTRY_MAINTENANCE_INTERVAL of the registryd
// processes that serve the request scenarios: long enough that their loop
// runs once at start (with nothing due) and never again during the run.
const mainRegistrydInterval = "24h"

// maintenanceNodeInterval is REGISTRY_MAINTENANCE_INTERVAL of the nodes that
// run a measured pass: how soon an idle node looks again. It bounds how
// late the pass starts after the rows come due.
const maintenanceNodeInterval = "100ms"

// maintenancePollEvery is how often the pass polls for due registrations.
const maintenancePollEvery = 20 * time.Millisecond

// maintenanceResult is one measured pass, in the detail file under
// "maintenance_pass".
type maintenanceResult struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Nodes     int    `json:"nodes"`
	Domains   int64  `json:"domains"`
	ExpiryDay int64  `json:"expiry_day"`
	// Due is how many registrations came due at once: a day's expiries.
	Due int64 `json:"due"`
	// WallS runs from the commit that made them due until a poll found
	// none due; MsPerDomain and DomainsPerS are Due over it.
	WallS       float64 `json:"wall_s"`
	MsPerDomain float64 `json:"ms_per_domain"`
	DomainsPerS float64 `json:"domains_per_s"`
	// FirstChangeAfterS is when the first change was made (its audit row),
	// after the rows came due; ChangeSpanS runs from the first change to the
	// last: the pass without the wait for an idle node to look again.
	FirstChangeAfterS float64 `json:"first_change_after_s"`
	ChangeSpanS       float64 `json:"change_span_s"`
	// Changes are the audit rows the pass wrote, by command (actor registry).
	Changes map[string]int64 `json:"changes"`
	// ChangesPerNode is what each node's log reports it made.
	ChangesPerNode []int64 `json:"changes_per_node"`
	FailedPasses   int     `json:"failed_passes"`
	GemsDebited    int64   `json:"gems_debited"`
	// CPU over the wall time: the nodes' registryd processes and the
	// database's backends.
	RegistrydCPUS           float64            `json:"registryd_cpu_s"`
	RegistrydCPUSPerNode    []float64          `json:"registryd_cpu_s_per_node"`
	DBCPUS                  float64            `json:"db_cpu_s"`
	RegistrydCPUMsPerDomain float64            `json:"registryd_cpu_ms_per_domain"`
	DBCPUMsPerDomain        float64            `json:"db_cpu_ms_per_domain"`
	TotalCPUMsPerDomain     float64            `json:"total_cpu_ms_per_domain"`
	DBBackendStates         map[string]float64 `json:"db_backend_states_pct,omitempty"`
	RemainingDue            int64              `json:"remaining_due"`
	LoadAvgAtStart          string             `json:"loadavg_at_start"`
	Error                   string             `json:"error,omitempty"`
}

// maintenancePasses runs one pass per kind and node count, each over its
// own expiry day, and returns them.
func (b *bench) maintenancePasses(ctx context.Context, binary, dbURL, opToken string, conn *pgx.Conn, plan seed.Plan) []maintenanceResult {
	var out []maintenanceResult
	day := int64(0)
	for _, kind := range []string{kindAutoRenew, kindExpire} {
		if _, err := conn.Exec(ctx, "UPDATE namespaces SET auto_renew = $1 WHERE name = $2", kind == kindAutoRenew, plan.Namespace); err != nil {
			out = append(out, maintenanceResult{Name: maintenanceScenario, Kind: kind, Error: err.Error()})
			continue
		}
		for _, nodes := range b.cfg.maintenanceNodes {
			if ctx.Err() != nil {
				return out
			}
			r := b.maintenancePass(ctx, binary, dbURL, opToken, conn, plan, kind, nodes, day)
			day++
			if r.Error != "" {
				b.logf("%s %-10s nodes=%d: %s", maintenanceScenario, kind, nodes, r.Error)
			} else {
				b.logf("%s %-10s nodes=%d: %d due, none due after %.2f s: %.2f ms per domain, %.0f domains/s (changes %.2f s after, over %.2f s); CPU ms per domain: registryd %.3f db %.3f; changes per node %v",
					maintenanceScenario, kind, nodes, r.Due, r.WallS, r.MsPerDomain, r.DomainsPerS, r.FirstChangeAfterS, r.ChangeSpanS,
					r.RegistrydCPUMsPerDomain, r.DBCPUMsPerDomain, r.ChangesPerNode)
			}
			out = append(out, r)
		}
	}
	return out
}

// maintenancePass measures one pass: nodes registryd processes with a short
// maintenance interval, then expiry day's registrations made due at once.
func (b *bench) maintenancePass(ctx context.Context, binary, dbURL, opToken string, conn *pgx.Conn, plan seed.Plan, kind string, nodes int, day int64) (r maintenanceResult) {
	r = maintenanceResult{Name: maintenanceScenario, Kind: kind, Nodes: nodes, Domains: plan.Domains, ExpiryDay: day,
		Changes: map[string]int64{}, LoadAvgAtStart: loadAvg()}
	fail := func(err error) maintenanceResult {
		r.Error = err.Error()
		return r
	}
	poll := b.main.cpu.conn // left out of the database CPU it measures
	dueNow := func() (int64, error) {
		var n int64
		err := poll.QueryRow(ctx, "SELECT count(*) FROM domains WHERE due_at <= now()").Scan(&n)
		return n, err
	}
	if n, err := dueNow(); err != nil || n != 0 {
		return fail(fmt.Errorf("before the pass: %d registrations due (%v), want none", n, err))
	}
	var balance0 int64
	if err := poll.QueryRow(ctx, "SELECT gems_balance FROM partners WHERE id = $1", plan.PartnerID).Scan(&balance0); err != nil {
		return fail(err)
	}
	since := time.Now().UTC()

	var srvs []*server
	var logs []string
	defer func() {
		var errs []error
		for _, s := range srvs {
			errs = append(errs, s.stop())
		}
		if err := errors.Join(errs...); err != nil && r.Error == "" {
			r.Error = err.Error()
		}
		for _, l := range logs {
			n, failed := maintenanceLog(l)
			r.ChangesPerNode = append(r.ChangesPerNode, n)
			r.FailedPasses += failed
		}
	}()
	env := registrydEnv(dbURL, b.cfg.redisURL, opToken, b.cfg.logLevel, maintenanceNodeInterval)
	for k := 0; k < nodes; k++ {
		logPath := filepath.Join(b.work, fmt.Sprintf("registryd-maintenance-%s-%d-%d.log", kind, nodes, k))
		s, err := startServer(ctx, fmt.Sprintf("registryd (maintenance node %d)", k), binary, nil, env, logPath, "registryd listening on ")
		if err != nil {
			return fail(err)
		}
		srvs, logs = append(srvs, s), append(logs, logPath)
	}

	before := b.main.cpu.read(ctx, srvs[0].Pid())
	nodeCPU := make([]float64, nodes)
	for k, s := range srvs {
		nodeCPU[k] = cpuOf(s.Pid())
	}
	stopWaits := b.main.waits.start(ctx)
	// A day's expiries, moved back by day+2 days: they expired within the
	// day before the run began, all at once. Rows a renew scenario renewed
	// have left the day (and carry a renew grace period).
	shiftDays := day + 2
	tag, err := conn.Exec(ctx, `UPDATE domains SET expires_at = expires_at - make_interval(days => $1), due_at = expires_at - make_interval(days => $1)
		WHERE namespace = $2 AND state = 'active' AND due_at = expires_at AND expires_at >= $3 AND expires_at < $4`,
		int32(shiftDays), plan.Namespace, seed.DayStart(plan.Ref, day), seed.DayStart(plan.Ref, day+1))
	t0 := time.Now()
	if err != nil {
		stopWaits()
		return fail(err)
	}
	r.Due = tag.RowsAffected()
	if r.Due == 0 {
		stopWaits()
		return fail(fmt.Errorf("expiry day %d holds no registration (seed more domains)", day))
	}
	bound := max(2*time.Minute, time.Duration(r.Due)*100*time.Millisecond)
	tick := time.NewTicker(maintenancePollEvery)
	defer tick.Stop()
	var t1 time.Time
	for {
		n, err := dueNow()
		if err != nil {
			stopWaits()
			return fail(err)
		}
		if n == 0 {
			t1 = time.Now()
			break
		}
		if time.Since(t0) > bound {
			r.RemainingDue = n
			stopWaits()
			return fail(fmt.Errorf("%d of %d registrations still due after %s", n, r.Due, bound))
		}
		select {
		case <-ctx.Done():
			stopWaits()
			return fail(ctx.Err())
		case <-tick.C:
		}
	}
	after := b.main.cpu.read(ctx, srvs[0].Pid())
	for k, s := range srvs {
		nodeCPU[k] = cpuOf(s.Pid()) - nodeCPU[k]
	}
	r.DBBackendStates = stopWaits()
	cost := before.until(after)

	wall := t1.Sub(t0)
	r.WallS = round(wall.Seconds(), 3)
	r.MsPerDomain = round(wall.Seconds()*1000/float64(r.Due), 3)
	r.DomainsPerS = round(float64(r.Due)/wall.Seconds(), 1)
	for _, c := range nodeCPU {
		r.RegistrydCPUS += c
		r.RegistrydCPUSPerNode = append(r.RegistrydCPUSPerNode, round(c, 3))
	}
	r.RegistrydCPUS, r.DBCPUS = round(r.RegistrydCPUS, 3), round(cost.db, 3)
	r.RegistrydCPUMsPerDomain = round(r.RegistrydCPUS*1000/float64(r.Due), 3)
	r.DBCPUMsPerDomain = round(cost.db*1000/float64(r.Due), 3)
	r.TotalCPUMsPerDomain = round(r.RegistrydCPUMsPerDomain+r.DBCPUMsPerDomain, 3)

	rows, err := poll.Query(ctx, `SELECT command, count(*), min(created_at), max(created_at) FROM audit_events
		WHERE actor = 'registry' AND created_at >= $1 GROUP BY command`, since)
	if err != nil {
		return fail(err)
	}
	var first, last time.Time
	for rows.Next() {
		var cmd string
		var n int64
		var lo, hi time.Time
		if err := rows.Scan(&cmd, &n, &lo, &hi); err != nil {
			rows.Close()
			return fail(err)
		}
		r.Changes[cmd] = n
		if first.IsZero() || lo.Before(first) {
			first = lo
		}
		if hi.After(last) {
			last = hi
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	if !first.IsZero() {
		r.FirstChangeAfterS = round(first.Sub(t0).Seconds(), 3)
		r.ChangeSpanS = round(last.Sub(first).Seconds(), 3)
	}
	var balance1 int64
	if err := poll.QueryRow(ctx, "SELECT gems_balance FROM partners WHERE id = $1", plan.PartnerID).Scan(&balance1); err != nil {
		return fail(err)
	}
	r.GemsDebited = balance0 - balance1
	want := map[string]string{kindAutoRenew: string(core.ChangeAutoRenew), kindExpire: string(core.ChangeExpire)}[kind]
	if r.Changes[want] != r.Due || len(r.Changes) != 1 {
		return fail(fmt.Errorf("%d registrations came due but the registry recorded %v, want %d %s", r.Due, r.Changes, r.Due, want))
	}
	if price := map[string]int64{kindAutoRenew: renewPriceGems, kindExpire: 0}[kind]; r.GemsDebited != r.Due*price {
		return fail(fmt.Errorf("the partner was debited %d Gems for %d %s changes, want %d", r.GemsDebited, r.Due, want, r.Due*price))
	}
	return r
}

// maintenanceLog sums what a node's log reports: changes made by its
// maintenance passes, and passes that failed.
func maintenanceLog(path string) (changes int64, failed int) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !strings.Contains(string(line), `"maintenance`) {
			continue
		}
		var e struct {
			Component string `json:"component"`
			Message   string `json:"message"`
			Changes   int64  `json:"changes"`
		}
		if json.Unmarshal(line, &e) != nil || e.Component != "maintenance" {
			continue
		}
		switch e.Message {
		case "maintenance pass":
			changes += e.Changes
		case "maintenance pass failed":
			failed++
		}
	}
	return changes, failed
}

// printMaintenance writes the passes as a table.
func printMaintenance(w io.Writer, rs []maintenanceResult) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "maintenance pass\tnodes\tdomains\tdue\twall s\tms/domain\tdomains/s\tspan s\tCPU ms/domain srv\tdb\tper node\t")
	for _, r := range rs {
		if r.Error != "" {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\t\t\t\t\t\t%s\t\n", r.Kind, r.Nodes, r.Domains, r.Due, r.Error)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.2f\t%.2f\t%.0f\t%.2f\t%.3f\t%.3f\t%v\t\n", r.Kind, r.Nodes, r.Domains, r.Due, r.WallS,
			r.MsPerDomain, r.DomainsPerS, r.ChangeSpanS, r.RegistrydCPUMsPerDomain, r.DBCPUMsPerDomain, r.ChangesPerNode)
	}
	_ = tw.Flush()
}
