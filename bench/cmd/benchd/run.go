package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/headlessdomains/registry/bench/internal/load"
	"github.com/headlessdomains/registry/bench/internal/operatorapi"
	"github.com/headlessdomains/registry/bench/internal/seed"
)

// runConfig is `benchd run`'s flags.
type runConfig struct {
	pgURL, redisURL  string
	registryd        string
	dbName           string
	domains, audit   int64
	baseline         int64
	sweep            []int
	headline         int
	duration, warmup time.Duration
	ops              int64
	scenarios        []string
	out              string
	profile          bool
	profileDuration  time.Duration
	profileDir       string
	profileScenarios []string
	keepDB           bool
	quick            bool
	logLevel         string
	mode             string
	dbParams         string
	maintenanceNodes []int
	sqlite           sqliteConfig
}

func parseRunFlags(args []string, out io.Writer) (runConfig, error) {
	var c runConfig
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.pgURL, "pg", os.Getenv("REGISTRY_TEST_POSTGRES_URL"), "PostgreSQL server URL (a database -db is created on it)")
	fs.StringVar(&c.redisURL, "redis", os.Getenv("REGISTRY_TEST_REDIS_URL"), "Redis URL")
	fs.StringVar(&c.registryd, "registryd", "", "registryd binary (empty: go build ./cmd/registryd into a temporary folder)")
	fs.StringVar(&c.dbName, "db", "registry_bench", "database to (re)create for the run")
	fs.Int64Var(&c.domains, "domains", 100_000, "registrations to seed (1000000 for the 1M scale)")
	fs.Int64Var(&c.audit, "audit", 1_000_000, "audit events to seed (10000000 for the 10M scale)")
	fs.Int64Var(&c.baseline, "baseline", 10_000, "compare check and info with a second database of this many registrations (0: skip)")
	sweep := fs.String("concurrency", "1,4,16,64", "client counts to sweep")
	fs.IntVar(&c.headline, "headline", 16, "client count of the targets")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "measured time per scenario and client count")
	fs.DurationVar(&c.warmup, "warmup", time.Second, "unmeasured warm-up before each measurement")
	fs.Int64Var(&c.ops, "ops", 0, "measure this many operations per scenario instead of -duration")
	scen := fs.String("scenarios", strings.Join(append(scenarioOrder[:len(scenarioOrder):len(scenarioOrder)], maintenanceScenario), ","), "scenarios to run")
	mnodes := fs.String("maintenance-nodes", "1,2", "registryd nodes sharing each maintenance_pass (one pass per count and kind)")
	fs.StringVar(&c.out, "out", "bench/results/latest.json", "results file (a .detail.json is written beside it)")
	fs.BoolVar(&c.profile, "profile", true, "capture CPU profiles of create and check (registryd's handler in process)")
	fs.DurationVar(&c.profileDuration, "profile-duration", 10*time.Second, "length of each CPU profile")
	fs.StringVar(&c.profileDir, "profile-dir", "bench/results/profiles", "where profiles and their text summaries go")
	profScen := fs.String("profile-scenarios", "create,check", "request scenarios to profile")
	fs.BoolVar(&c.keepDB, "keep-db", false, "keep the database after the run")
	fs.BoolVar(&c.quick, "quick", false, "small scale for regular use: 10k domains, 100k audit rows, 1.5 s per point, no baseline or profile")
	fs.StringVar(&c.logLevel, "log-level", "info", "REGISTRY_LOG_LEVEL of registryd (info: production's access log)")
	fs.StringVar(&c.mode, "mode", "", "label of the run in the results (default: quick or full)")
	fs.StringVar(&c.dbParams, "registryd-db-params", "", "query parameters added to registryd's database URL only (e.g. default_query_exec_mode=exec), for experiments")
	c.sqlite.flags(fs)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if c.quick {
		defaults := map[string]func(){
			"domains":  func() { c.domains = 10_000 },
			"audit":    func() { c.audit = 100_000 },
			"baseline": func() { c.baseline = 0 },
			"duration": func() { c.duration = 1500 * time.Millisecond },
			"warmup":   func() { c.warmup = 300 * time.Millisecond },
			"profile":  func() { c.profile = false },
		}
		for name, apply := range defaults {
			if !set[name] {
				apply()
			}
		}
		c.sqlite.quickDefaults(set)
	}
	if c.mode == "" {
		c.mode = map[bool]string{true: "quick", false: "full"}[c.quick]
	}
	for _, f := range strings.Split(*sweep, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return c, fmt.Errorf("-concurrency: %q is not a client count", f)
		}
		c.sweep = append(c.sweep, n)
	}
	if !slices.Contains(c.sweep, c.headline) {
		c.sweep = append(c.sweep, c.headline)
		slices.Sort(c.sweep)
	}
	for _, f := range strings.Split(*mnodes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 8 {
			return c, fmt.Errorf("-maintenance-nodes: %q is not a node count from 1 to 8", f)
		}
		c.maintenanceNodes = append(c.maintenanceNodes, n)
	}
	known := map[string]bool{maintenanceScenario: true}
	for _, n := range scenarioOrder {
		known[n] = true
	}
	for _, s := range strings.Split(*scen, ",") {
		s = strings.TrimSpace(s)
		if !known[s] {
			return c, fmt.Errorf("-scenarios: unknown %q (known: %s,%s)", s, strings.Join(scenarioOrder, ","), maintenanceScenario)
		}
		c.scenarios = append(c.scenarios, s)
	}
	for _, s := range strings.Split(*profScen, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(scenarioOrder, s) {
			return c, fmt.Errorf("-profile-scenarios: unknown %q (known: %s)", s, strings.Join(scenarioOrder, ","))
		}
		c.profileScenarios = append(c.profileScenarios, s)
	}
	switch {
	case c.pgURL == "" || c.redisURL == "":
		return c, errors.New("set -pg and -redis, or run through scripts/test-services.sh (make bench)")
	case c.domains < 1 || c.domains > seed.MaxRows || c.audit < 0 || c.audit > seed.MaxRows:
		return c, errors.New("-domains must be at least 1 and -audit at least 0")
	case c.baseline >= c.domains:
		c.baseline = 0
	}
	if err := c.sqlite.validate(); err != nil {
		return c, err
	}
	if !validDBName(c.dbName) {
		return c, fmt.Errorf("-db %q: use lowercase letters, digits and _", c.dbName)
	}
	return c, nil
}

func validDBName(s string) bool {
	if s == "" || s == "postgres" || len(s) > 63 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// bench is one run's state.
type bench struct {
	cfg      runConfig
	out      io.Writer
	work     string
	rows     []*resultRow
	registry *server
	ceiling  *server
	main     *probe // the bench database's backends, Redis, the loader
	scale    []detailRow

	multi []operatorapi.Admission // create_multi's registrars (multi.go)
}

// probe measures what a database's backends and Redis spend and wait on.
type probe struct {
	cpu   *cpuMeter
	waits *waitSampler
}

// newProbe opens the two connections a probe of the database at url needs.
func newProbe(ctx context.Context, url, redisURL string) (*probe, func(), error) {
	c1, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	c2, err := pgx.Connect(ctx, url)
	if err != nil {
		_ = c1.Close(ctx)
		return nil, nil, err
	}
	closeAll := func() {
		_ = c1.Close(context.WithoutCancel(ctx))
		_ = c2.Close(context.WithoutCancel(ctx))
	}
	return &probe{cpu: newCPUMeter(ctx, c1, redisURL), waits: &waitSampler{conn: c2}}, closeAll, nil
}

func runCommand(ctx context.Context, args []string, out io.Writer) (err error) {
	cfg, err := parseRunFlags(args, out)
	if err != nil {
		return err
	}
	startLoad := loadAvg()
	started := time.Now().UTC()
	b := &bench{cfg: cfg, out: out}
	if b.work, err = os.MkdirTemp("", "benchd-"); err != nil {
		return err
	}
	defer func() {
		if err == nil {
			_ = os.RemoveAll(b.work)
		} else {
			fmt.Fprintf(out, "logs kept in %s\n", b.work)
		}
	}()
	b.logf("benchd run (%s): %d domains, %d audit rows, clients %v, %s per point; load average %s", cfg.mode, cfg.domains, cfg.audit, cfg.sweep, cfg.duration, startLoad)

	binary := cfg.registryd
	if binary == "" {
		binary = filepath.Join(b.work, "registryd")
		b.logf("building ./cmd/registryd")
		build := exec.CommandContext(ctx, "go", "build", "-o", binary, "./cmd/registryd")
		build.Stdout, build.Stderr = out, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/registryd (run benchd from the repository root or pass -registryd): %w", err)
		}
	}

	benchURL, dropDB, err := createDatabase(ctx, cfg.pgURL, cfg.dbName)
	if err != nil {
		return err
	}
	defer func() {
		if cfg.keepDB {
			b.logf("database kept: %s", cfg.dbName)
			return
		}
		if derr := dropDB(); derr != nil && err == nil {
			err = derr
		}
	}()

	registryURL := benchURL
	if cfg.dbParams != "" {
		registryURL += map[bool]string{true: "&", false: "?"}[strings.Contains(registryURL, "?")] + cfg.dbParams
	}
	opToken := "bench-operator-" + randomHex(12)
	b.registry, err = startServer(ctx, "registryd", binary, nil, registrydEnv(registryURL, cfg.redisURL, opToken, cfg.logLevel, mainRegistrydInterval),
		filepath.Join(b.work, "registryd.log"), "registryd listening on ")
	if err != nil {
		return err
	}
	defer func() {
		if serr := b.registry.stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	b.logf("registryd pid %d on %s", b.registry.Pid(), b.registry.base)

	ad, err := admit(ctx, b.registry.base, opToken)
	if err != nil {
		return fmt.Errorf("admit the bench registrar: %w", err)
	}
	cad, err := admitCeiling(ctx, b.registry.base, opToken)
	if err != nil {
		return fmt.Errorf("admit the ceilings' registrar: %w", err)
	}
	conn, err := pgx.Connect(ctx, benchURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "SET synchronous_commit = off"); err != nil {
		return err
	}
	mainProbe, closeProbe, err := newProbe(ctx, benchURL, cfg.redisURL)
	if err != nil {
		return err
	}
	defer closeProbe()
	b.main = mainProbe
	machine := machineInfo(ctx, b.main.cpu.conn, cfg.redisURL) // a session without the seeding SETs
	machine["loadavg_at_start"] = startLoad

	ref := time.Now().UTC()
	plan := seed.Plan{PartnerID: ad.PartnerID, ChannelID: ad.ChannelID, ChannelSlug: ad.ChannelSlug, APIKeyID: ad.APIKeyID,
		Namespace: ad.Namespace, Ref: ref, Domains: cfg.domains}
	runID := randomBase36(6)
	tgt := newTarget(b.registry.base, ad.Tokens, ad.Namespace, plan, runID)
	if err := b.admitMulti(ctx, opToken, tgt); err != nil {
		return err
	}
	scen := tgt.scenarios()

	// The scale comparison: a second registryd over a database of
	// cfg.baseline registrations, measured interleaved with the big one.
	var small *smallRegistry
	if cfg.baseline > 0 {
		if small, err = b.startSmall(ctx, binary, ref); err != nil {
			return err
		}
		defer small.close()
	}

	if err := b.seedDomains(ctx, conn, plan, 0, cfg.domains); err != nil {
		return err
	}
	tgt.domains.Store(cfg.domains)
	if err := b.seedAudit(ctx, conn, plan, cfg.audit); err != nil {
		return err
	}
	tgt.auditTotal = cfg.audit
	b.logf("VACUUM ANALYZE")
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE domains, audit_events"); err != nil {
		return err
	}

	if small != nil {
		b.compareScales(ctx, small, scen)
		if err := small.close(); err != nil {
			return err
		}
	}

	self, err := os.Executable()
	if err != nil {
		return err
	}
	if err := b.sweep(ctx, self, benchURL, ad, cad, tgt); err != nil {
		return err
	}

	var profiles map[string]string
	if cfg.profile {
		if profiles, err = b.profiles(ctx, self, registryURL, opToken, ad, plan, cfg); err != nil {
			b.logf("CPU profiles failed: %v", err)
		}
	}

	var maint []maintenanceResult
	if slices.Contains(cfg.scenarios, maintenanceScenario) {
		maint = b.maintenancePasses(ctx, binary, registryURL, opToken, conn, plan)
	}
	// A failed SQLite phase still leaves the PostgreSQL results written.
	sqliteErr := b.sqlitePhase(ctx, binary, self, machine)
	if sqliteErr != nil {
		b.logf("SQLite phase failed: %v", sqliteErr)
	}

	attachCeilings(b.rows)
	b.rows = append(b.rows, pollFilterRows(b.rows, cfg.headline)...)
	var targets []targetCheck
	if len(b.rows) > 0 {
		targets = evaluateTargets(b.rows, cfg.headline, cfg.domains, cfg.audit, cfg.baseline)
	}
	machine["loadavg_at_end"] = loadAvg()
	machine["run"] = map[string]any{
		"mode": cfg.mode, "started_at": started.Format(time.RFC3339), "domains": cfg.domains, "audit_rows": cfg.audit,
		"baseline_domains": cfg.baseline, "concurrency": cfg.sweep, "headline_concurrency": cfg.headline,
		"duration_s": cfg.duration.Seconds(), "warmup_s": cfg.warmup.Seconds(), "ops": cfg.ops, "scenarios": cfg.scenarios,
		"registryd_log_level": cfg.logLevel, "sqlite": cfg.sqlite.enabled, "registryd_db_params": cfg.dbParams, "loader": "benchd (Go net/http, one keep-alive connection per client, closed loop)",
	}
	extra := map[string]any{}
	if len(b.scale) > 0 {
		extra["scale_comparison_rounds"] = b.scale
	}
	if len(profiles) > 0 {
		extra["profiles"] = profiles
	}
	if len(maint) > 0 {
		extra[maintenanceScenario] = maint
	}
	if err := writeResults(cfg.out, machine, b.rows, targets, extra); err != nil {
		return err
	}
	if len(b.rows) > 0 {
		fmt.Fprintln(out)
		printTable(out, b.rows, targets)
	}
	printMaintenance(out, maint)
	b.logf("results written to %s", cfg.out)
	for _, m := range maint {
		if m.Error != "" {
			return fmt.Errorf("%s (%s, %d nodes): %s", maintenanceScenario, m.Kind, m.Nodes, m.Error)
		}
	}
	if sqliteErr != nil {
		return fmt.Errorf("SQLite phase: %w", sqliteErr)
	}
	return nil
}

// sweep measures the ceilings and the selected request scenarios at every
// client count; with none selected (only maintenance_pass) it does nothing.
func (b *bench) sweep(ctx context.Context, self, benchURL string, ad, cad operatorapi.Admission, tgt *target) (err error) {
	cfg := b.cfg
	var names []string
	for _, n := range cfg.scenarios {
		if n != maintenanceScenario {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil
	}
	scen := tgt.scenarios()
	b.ceiling, err = startServer(ctx, "ceiling", self, append([]string{"ceiling", "-pg", benchURL, "-redis", cfg.redisURL,
		"-partner", cad.PartnerID, "-channel", cad.ChannelID, "-slug", cad.ChannelSlug, "-key", cad.APIKeyID, "-namespace", cad.Namespace},
		multiCeilingArgs(b.multi)...), nil, filepath.Join(b.work, "ceiling.log"), listenLine)
	if err != nil {
		return err
	}
	defer func() {
		if serr := b.ceiling.stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	ct := &ceilingTarget{base: b.ceiling.base, ns: ad.Namespace, runID: tgt.runID, domains: cfg.domains, multi: len(b.multi)}
	cscen := ct.scenarios()

	for _, c := range cfg.sweep {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		b.measure(ctx, cscen["ceiling_read"], c, b.ceiling, b.main, "main", cfg.domains, cfg.audit)
		b.measure(ctx, cscen["ceiling_write"], c, b.ceiling, b.main, "main", cfg.domains, cfg.audit)
		if len(b.multi) > 0 {
			b.measure(ctx, cscen[multiCeiling], c, b.ceiling, b.main, "main", cfg.domains, cfg.audit)
		}
		for _, name := range names {
			if name == "replay" && tgt.created.len() == 0 {
				b.logf("replay skipped at %d clients: no create to replay (add create to -scenarios)", c)
				continue
			}
			s := scen[name]
			if c != cfg.headline || cfg.ops > 0 {
				b.measure(ctx, s, c, b.registry, b.main, "main", cfg.domains, cfg.audit)
				continue
			}
			b.bracket(ctx, s, ceilingOf(cscen, s.ceiling), c, cfg.domains, cfg.audit)
		}
	}
	return nil
}

// ceilingOf is the ceiling scenario of kind among cscen.
func ceilingOf(cscen map[string]scenario, kind string) scenario {
	for _, cs := range cscen {
		if cs.ceiling == kind {
			return cs
		}
	}
	panic("benchd: no ceiling of kind " + kind)
}

// bracket measures s at the headline client count between two runs of its
// ceiling of half the duration each, one just before it and one just
// after, and makes the two together the ceiling s is compared with. This
// machine's speed moves from minute to minute (one minute of a run cost
// every process twice the CPU a request of the minute before), and a
// ceiling measured once at the start of a round was up to two minutes
// older than the last scenario compared with it: the same binary's ratios
// moved by a sixth between runs. Bracketed, a ceiling sees the same minutes
// as its scenario, and a drift in speed that is steady over the three runs
// weighs on both sides alike. The round's own ceiling rows stay in the
// results, measured as at every other client count; the bracketing runs
// are in the detail file, phase "beside <scenario>".
func (b *bench) bracket(ctx context.Context, s, cs scenario, c int, domains, audit int64) {
	half := b.cfg.duration / 2
	before := b.load(ctx, cs, c, b.ceiling, b.main, half)
	m := b.load(ctx, s, c, b.registry, b.main, b.cfg.duration)
	after := b.load(ctx, cs, c, b.ceiling, b.main, half)
	r := b.row(s, c, "main", domains, audit, m)
	ceil := b.row(cs, c, "beside "+s.name, domains, audit, mergeMeasurements(before, after))
	ceil.detailOnly = true
	r.ownCeiling = ceil
	b.rows = append(b.rows, r, ceil)
}

// mergeMeasurements is a and b taken as one run: operations, latencies and
// CPU added up, the higher peak RSS, the backends' states averaged.
func mergeMeasurements(a, b measurement) measurement {
	m := measurement{res: load.Merge(a.res, b.res), cost: a.cost.plus(b.cost), la: a.la, after: a.after}
	if b.after.PeakRSS > m.after.PeakRSS {
		m.after = b.after
	}
	if a.waits != nil || b.waits != nil {
		m.waits = map[string]float64{}
		for _, w := range []map[string]float64{a.waits, b.waits} {
			for k, v := range w {
				m.waits[k] += round(v/2, 1)
			}
		}
	}
	return m
}

// registrydEnv is the environment registryd runs with: a free loopback
// port, the database (migrated at start), Redis, the operator token, no
// config file, no demo data, no apply worker, and the maintenance loop's
// interval.
func registrydEnv(dbURL, redisURL, opToken, logLevel, maintenanceInterval string) []string {
	return []string{
		"REGISTRY_HTTP_ADDR=127.0.0.1:0", "REGISTRY_DATABASE_URL=" + dbURL, "REGISTRY_REDIS_URL=" + redisURL,
		"REGISTRY_OPERATOR_TOKEN=" + opToken, "REGISTRY_CONFIG=/dev/null", "REGISTRY_MIGRATE_ON_START=1",
		"REGISTRY_LOG_LEVEL=" + logLevel, "REGISTRY_DEMO=0", "REGISTRY_APPLY_WORKER=0",
		"REGISTRY_MAINTENANCE_INTERVAL=" + maintenanceInterval,
	}
}

// baselineName is the result name of a scenario measured at the baseline scale.
func baselineName(name string, n int64) string {
	return name + "_at_" + humanCount(n)
}

func humanCount(n int64) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.FormatInt(n/1_000_000, 10) + "m"
	case n >= 1000 && n%1000 == 0:
		return strconv.FormatInt(n/1000, 10) + "k"
	}
	return strconv.FormatInt(n, 10)
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.out, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// measure runs one scenario at c clients against srv and records the row.
func (b *bench) measure(ctx context.Context, s scenario, c int, srv *server, p *probe, phase string, domains, audit int64) *resultRow {
	r := b.run(ctx, s, c, srv, p, phase, domains, audit)
	b.rows = append(b.rows, r)
	return r
}

// run runs one scenario at c clients against srv and returns its row.
func (b *bench) run(ctx context.Context, s scenario, c int, srv *server, p *probe, phase string, domains, audit int64) *resultRow {
	return b.row(s, c, phase, domains, audit, b.load(ctx, s, c, srv, p, b.cfg.duration))
}

// measurement is one run of a scenario: the loader's result and what it
// cost the processes on the machine.
type measurement struct {
	res   load.Result
	cost  cpuCost
	waits map[string]float64
	la    string
	after load.ProcStats
}

// load runs s at c clients against srv for d (or -ops operations).
func (b *bench) load(ctx context.Context, s scenario, c int, srv *server, p *probe, d time.Duration) measurement {
	pid := srv.Pid()
	var before cpuSample
	stopWaits := func() map[string]float64 { return nil }
	la := loadAvg()
	res := load.Run(ctx, load.Config{
		Concurrency: c, Duration: d, Ops: b.cfg.ops, Warmup: b.cfg.warmup,
		OnMeasure: func() {
			_ = load.ResetPeakRSS(pid)
			before = p.cpu.read(ctx, pid)
			stopWaits = p.waits.start(ctx)
		},
	}, s.op)
	waits := stopWaits()
	cost := before.until(p.cpu.read(ctx, pid))
	after, _ := load.ReadProc(pid)
	return measurement{res: res, cost: cost, waits: waits, la: la, after: after}
}

// row is s's result row from m.
func (b *bench) row(s scenario, c int, phase string, domains, audit int64, m measurement) *resultRow {
	res, cost, after := m.res, m.cost, m.after
	cpu := cost.server
	r := &resultRow{
		Name: s.name, Concurrency: c, OpsPerS: round(res.OpsPerSec(), 1),
		P50Ms: load.Millis(res.Latency.P50), P99Ms: load.Millis(res.Latency.P99), P999Ms: load.Millis(res.Latency.P999),
		Errors: res.Errors, ceilingKind: s.ceiling,
	}
	d := detailRow{
		Name: s.name, Concurrency: c, Phase: phase, Ceiling: s.ceiling, Domains: domains, AuditRows: audit,
		Ops: res.Ops, ElapsedS: round(res.Elapsed.Seconds(), 3), OpsPerS: r.OpsPerS, MeanMs: load.Millis(res.Latency.Mean),
		P50Ms: r.P50Ms, P99Ms: r.P99Ms, P999Ms: r.P999Ms, MaxMs: load.Millis(res.Latency.Max), Errors: res.Errors,
		ErrorKinds: load.TopErrors(res.ErrorKinds, 5), ServerCPUS: round(cpu, 2),
		ServerPeakRSS: round(float64(after.PeakRSS)/(1<<20), 1), ServerRSS: round(float64(after.RSS)/(1<<20), 1),
		LoadAvgAtStart: m.la, DBBackendStates: m.waits,
	}
	if n := float64(res.Ops - res.Errors); n > 0 {
		d.ServerCPUPerOp = round(cost.server*1000/n, 4)
		d.DBCPUPerOp = round(cost.db*1000/n, 4)
		d.RedisCPUPerOp = round(cost.redis*1000/n, 4)
		d.LoaderCPUPerOp = round(cost.loader*1000/n, 4)
		d.TotalCPUPerOp = round(cost.total()*1000/n, 4)
		if cost.total() > 0 {
			d.CPUBoundOpsPerS = round(float64(runtime.NumCPU())*n/cost.total(), 0)
		}
	}
	if len(res.Variants) > 1 || res.Variants["error"].Count > 0 {
		d.Variants = map[string]variantDetail{}
		for v, sum := range res.Variants {
			d.Variants[v] = variantDetail{Ops: sum.Count, P50Ms: load.Millis(sum.P50), P99Ms: load.Millis(sum.P99),
				P999Ms: load.Millis(sum.P999), MaxMs: load.Millis(sum.Max)}
		}
	}
	r.detail = d
	errs := ""
	if res.Errors > 0 {
		errs = " errors: " + strings.Join(d.ErrorKinds, "; ")
	}
	b.logf("%-16s c=%-3d %7.0f ops/s  p50 %7.2f  p99 %7.2f  p99.9 %7.2f ms  %d errors  CPU ms/op: server %.3f db %.3f redis %.3f loader %.3f  peak RSS %.1f MiB%s",
		s.name, c, r.OpsPerS, r.P50Ms, r.P99Ms, r.P999Ms, res.Errors, d.ServerCPUPerOp, d.DBCPUPerOp, d.RedisCPUPerOp, d.LoaderCPUPerOp, d.ServerPeakRSS, errs)
	return r
}

// seedChunk is how many rows one COPY carries (for progress lines).
const seedChunk = 500_000

// bulkThreshold is the row count above which secondary indexes are dropped
// for the load and rebuilt after.
const bulkThreshold = 2_000_000

func (b *bench) seedDomains(ctx context.Context, conn *pgx.Conn, p seed.Plan, from, to int64) error {
	if to <= from {
		return nil
	}
	load := func() error {
		t0 := time.Now()
		for lo := from; lo < to; lo += seedChunk {
			hi := min(lo+seedChunk, to)
			if _, err := seed.Domains(ctx, conn, p, lo, hi); err != nil {
				return fmt.Errorf("seed domains [%d, %d): %w", lo, hi, err)
			}
			b.logf("seeded domains %d..%d (%.0f rows/s)", lo, hi, float64(hi-from)/time.Since(t0).Seconds())
		}
		return nil
	}
	if to-from > bulkThreshold {
		return seed.WithoutSecondaryIndexes(ctx, conn, "domains", load)
	}
	return load()
}

func (b *bench) seedAudit(ctx context.Context, conn *pgx.Conn, p seed.Plan, total int64) error {
	if total == 0 {
		return nil
	}
	load := func() error {
		t0 := time.Now()
		for lo := int64(0); lo < total; lo += seedChunk {
			hi := min(lo+seedChunk, total)
			if _, err := seed.Audit(ctx, conn, p, lo, hi, total); err != nil {
				return fmt.Errorf("seed audit [%d, %d): %w", lo, hi, err)
			}
			b.logf("seeded audit events %d..%d (%.0f rows/s)", lo, hi, float64(hi)/time.Since(t0).Seconds())
		}
		return nil
	}
	if total > bulkThreshold {
		return seed.WithoutSecondaryIndexes(ctx, conn, "audit_events", load)
	}
	return load()
}

func analyze(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, "ANALYZE domains")
	return err
}

// createDatabase (re)creates dbName on the server of pgURL and returns its
// URL and a function that drops it.
func createDatabase(ctx context.Context, pgURL, dbName string) (string, func() error, error) {
	u, err := url.Parse(pgURL)
	if err != nil {
		return "", nil, fmt.Errorf("-pg: %w", err)
	}
	admin, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", u.Redacted(), err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	ident := pgx.Identifier{dbName}.Sanitize()
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return "", nil, err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return "", nil, err
	}
	u.Path = "/" + dbName
	drop := func() error {
		c, err := pgx.Connect(context.Background(), pgURL)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		_, err = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
		return err
	}
	return u.String(), drop, nil
}

// profiles serves registryd's handler in process with /debug/pprof and
// records a CPU profile of each of -profile-scenarios (create and check) at
// the headline concurrency.
func (b *bench) profiles(ctx context.Context, self, dbURL, opToken string, ad operatorapi.Admission, plan seed.Plan, cfg runConfig) (map[string]string, error) {
	rs, err := startServer(ctx, "registry in process", self, []string{"registry", "-db", dbURL, "-redis", cfg.redisURL,
		"-operator-token", opToken, "-log-level", cfg.logLevel}, nil, filepath.Join(b.work, "registry-inprocess.log"), listenLine, pprofLine)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rs.stop() }()
	if err := os.MkdirAll(cfg.profileDir, 0o755); err != nil {
		return nil, err
	}
	tgt := newTarget(rs.base, ad.Tokens, ad.Namespace, plan, randomBase36(6))
	tgt.domains.Store(cfg.domains)
	tgt.auditTotal = cfg.audit
	scen := tgt.scenarios()
	out := map[string]string{}
	secs := max(int(cfg.profileDuration.Seconds()), 1)
	for _, name := range cfg.profileScenarios {
		if name == "replay" && tgt.created.len() == 0 {
			// A replay needs creates of its own target to answer again: make
			// them first, unprofiled, as the request scenarios do.
			res := load.Run(ctx, load.Config{Concurrency: cfg.headline, Duration: time.Second}, scen["create"].op)
			b.logf("profile of replay: %d creates made first to replay (%d errors)", res.Ops-res.Errors, res.Errors)
		}
		file := filepath.Join(cfg.profileDir, name+".cpu.prof")
		fetched := make(chan error, 1)
		res := load.Run(ctx, load.Config{
			Concurrency: cfg.headline, Warmup: time.Second, Duration: time.Duration(secs)*time.Second + 500*time.Millisecond,
			OnMeasure: func() {
				go func() {
					fetched <- fetchProfile(ctx, rs.lines[pprofLine]+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), file)
				}()
			},
		}, scen[name].op)
		if err := <-fetched; err != nil {
			return out, err
		}
		b.logf("profile of %s: %.0f ops/s in process, p99 %.2f ms, %d errors → %s", name, res.OpsPerSec(), load.Millis(res.Latency.P99), res.Errors, file)
		txt := filepath.Join(cfg.profileDir, name+".cpu.txt")
		if err := pprofText(ctx, file, txt); err != nil {
			b.logf("go tool pprof %s: %v", file, err)
			continue
		}
		out[name] = txt
	}
	return out, nil
}

func fetchProfile(ctx context.Context, url, file string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// pprofText writes the flat and cumulative top lists of a profile.
func pprofText(ctx context.Context, prof, txt string) error {
	var all []byte
	for _, args := range [][]string{{"-top", "-nodecount=45"}, {"-top", "-cum", "-nodecount=60"}} {
		cmd := exec.CommandContext(ctx, "go", append(append([]string{"tool", "pprof"}, args...), prof)...)
		o, err := cmd.Output()
		if err != nil {
			return err
		}
		all = append(all, o...)
		all = append(all, '\n')
	}
	return os.WriteFile(txt, all, 0o644)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomBase36(n int) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = digits[int(b[i])%len(digits)]
	}
	return string(b)
}
