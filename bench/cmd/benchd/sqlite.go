package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/headlessdomains/registry/bench/internal/ceiling"
	"github.com/headlessdomains/registry/bench/internal/seed"
	"github.com/headlessdomains/registry/bench/internal/sqlitedb"
)

// The SQLite phase measures registryd on its embedded default database (a
// SQLite file: what REGISTRY_DATABASE_URL means when unset) with the same
// scenarios and client counts as on PostgreSQL, against ceilings of its own
// (ceiling.SQLiteServer) on the same file. Its rows are named with
// sqlitePrefix and compared with the SQLite ceilings only.

// sqlitePrefix names the SQLite phase's rows and ceiling kinds.
const sqlitePrefix = "sqlite_"

// sqlitePhase is the detail files' phase of the SQLite rows.
const sqlitePhase = "sqlite"

// sqliteSeedChunk is how many rows one seeding transaction inserts.
const sqliteSeedChunk = 50_000

// sqliteConfig is `benchd run`'s flags of the SQLite phase.
type sqliteConfig struct {
	enabled        bool
	domains, audit int64
}

func (s *sqliteConfig) flags(fs *flag.FlagSet) {
	fs.BoolVar(&s.enabled, "sqlite", true, "also measure registryd on its embedded SQLite default (a new file) against the SQLite ceilings (-sqlite=false: skip)")
	fs.Int64Var(&s.domains, "sqlite-domains", 100_000, "registrations to seed into the SQLite file")
	fs.Int64Var(&s.audit, "sqlite-audit", 100_000, "audit events to seed into the SQLite file")
}

// quickDefaults applies -quick's scale to the flags not given.
func (s *sqliteConfig) quickDefaults(set map[string]bool) {
	if !set["sqlite-domains"] {
		s.domains = 10_000
	}
	if !set["sqlite-audit"] {
		s.audit = 10_000
	}
}

func (s *sqliteConfig) validate() error {
	if s.enabled && (s.domains < 1 || s.domains > seed.MaxRows || s.audit < 0 || s.audit > seed.MaxRows) {
		return errors.New("-sqlite-domains must be at least 1 and -sqlite-audit at least 0")
	}
	return nil
}

// isCeilingRow reports whether name is a ceiling's row (its own ceiling).
func isCeilingRow(name string) bool {
	return strings.HasPrefix(strings.TrimPrefix(name, sqlitePrefix), "ceiling_")
}

// sqliteScenarios renames scenarios and their ceiling kinds for the SQLite phase.
func sqliteScenarios(in map[string]scenario) map[string]scenario {
	out := make(map[string]scenario, len(in))
	for k, s := range in {
		s.name, s.ceiling = sqlitePrefix+s.name, sqlitePrefix+s.ceiling
		out[k] = s
	}
	return out
}

// sqlitePhase starts registryd on a new SQLite file, admits the bench
// registrar, seeds the file, starts the SQLite ceilings on it and measures
// them and the request scenarios at every client count. It records the
// file's settings in machine["sqlite"].
func (b *bench) sqlitePhase(ctx context.Context, binary, self string, machine map[string]any) (err error) {
	cfg := b.cfg
	var names []string
	for _, n := range cfg.scenarios {
		// The 16 registrars' create and the maintenance passes are measured
		// on PostgreSQL only.
		if n != maintenanceScenario && n != multiScenario {
			names = append(names, n)
		}
	}
	if !cfg.sqlite.enabled || len(names) == 0 {
		return nil
	}
	path := filepath.Join(b.work, "sqlite", "registry.db")
	b.logf("SQLite phase: registryd on %s", path)
	opToken := "bench-operator-" + randomHex(12)
	reg, err := startServer(ctx, "registryd (sqlite)", binary, nil, registrydEnv("sqlite:"+path, cfg.redisURL, opToken, cfg.logLevel, mainRegistrydInterval),
		filepath.Join(b.work, "registryd-sqlite.log"), "registryd listening on ")
	if err != nil {
		return err
	}
	defer func() {
		if serr := reg.stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	b.logf("registryd (sqlite) pid %d on %s", reg.Pid(), reg.base)
	ad, err := admit(ctx, reg.base, opToken)
	if err != nil {
		return fmt.Errorf("sqlite: admit the bench registrar: %w", err)
	}
	cad, err := admitCeiling(ctx, reg.base, opToken)
	if err != nil {
		return fmt.Errorf("sqlite: admit the ceilings' registrar: %w", err)
	}
	plan := seed.Plan{PartnerID: ad.PartnerID, ChannelID: ad.ChannelID, ChannelSlug: ad.ChannelSlug, APIKeyID: ad.APIKeyID,
		Namespace: ad.Namespace, Ref: time.Now().UTC(), Domains: cfg.sqlite.domains}
	settings, err := b.seedSQLite(ctx, path, plan, cfg.sqlite.audit)
	if err != nil {
		return err
	}
	machine["sqlite"] = map[string]any{"domains": cfg.sqlite.domains, "audit_rows": cfg.sqlite.audit, "pool": sqlitedb.PoolSize,
		"dsn_parameters": strings.TrimPrefix(sqlitedb.DSN(""), "file:?"), "settings": settings}

	tgt := newTarget(reg.base, ad.Tokens, ad.Namespace, plan, randomBase36(6))
	tgt.domains.Store(plan.Domains)
	tgt.auditTotal = cfg.sqlite.audit
	ceil, err := startServer(ctx, "ceiling (sqlite)", self, []string{"ceiling-sqlite", "-path", path, "-redis", cfg.redisURL,
		"-partner", cad.PartnerID, "-channel", cad.ChannelID, "-slug", cad.ChannelSlug, "-key", cad.APIKeyID, "-namespace", cad.Namespace},
		nil, filepath.Join(b.work, "ceiling-sqlite.log"), listenLine)
	if err != nil {
		return err
	}
	defer func() {
		if serr := ceil.stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	// No database server: the probe reads registryd's (or the ceiling's),
	// Redis's and the loader's CPU; SQLite works inside the server.
	p := &probe{cpu: newCPUMeter(ctx, nil, cfg.redisURL), waits: &waitSampler{}}
	ct := &ceilingTarget{base: ceil.base, ns: ad.Namespace, runID: tgt.runID, domains: plan.Domains}
	cscen, scen := sqliteScenarios(ct.scenarios()), sqliteScenarios(tgt.scenarios())
	for _, c := range cfg.sweep {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		b.measure(ctx, cscen["ceiling_read"], c, ceil, p, sqlitePhase, plan.Domains, cfg.sqlite.audit)
		b.measure(ctx, cscen["ceiling_write"], c, ceil, p, sqlitePhase, plan.Domains, cfg.sqlite.audit)
		for _, name := range names {
			if name == "replay" && tgt.created.len() == 0 {
				b.logf("sqlite_replay skipped at %d clients: no create to replay (add create to -scenarios)", c)
				continue
			}
			b.measure(ctx, scen[name], c, reg, p, sqlitePhase, plan.Domains, cfg.sqlite.audit)
		}
	}
	return nil
}

// seedSQLite fills the file registryd migrated, checkpoints the WAL into
// the database file (the measurements start from a short WAL), and returns
// the connection's settings, which are registryd's (sqlitedb). No ANALYZE:
// registryd never runs it, so a SQLite database it grew has no statistics
// either.
func (b *bench) seedSQLite(ctx context.Context, path string, p seed.Plan, audit int64) (map[string]string, error) {
	db, err := sqlitedb.Open(path, 1)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	t0 := time.Now()
	for lo := int64(0); lo < p.Domains; lo += sqliteSeedChunk {
		hi := min(lo+sqliteSeedChunk, p.Domains)
		if _, err := seed.SQLiteDomains(ctx, db, p, lo, hi); err != nil {
			return nil, fmt.Errorf("sqlite: seed domains [%d, %d): %w", lo, hi, err)
		}
		b.logf("sqlite: seeded domains %d..%d (%.0f rows/s)", lo, hi, float64(hi)/time.Since(t0).Seconds())
	}
	t0 = time.Now()
	for lo := int64(0); lo < audit; lo += sqliteSeedChunk {
		hi := min(lo+sqliteSeedChunk, audit)
		if _, err := seed.SQLiteAudit(ctx, db, p, lo, hi, audit); err != nil {
			return nil, fmt.Errorf("sqlite: seed audit [%d, %d): %w", lo, hi, err)
		}
		b.logf("sqlite: seeded audit events %d..%d (%.0f rows/s)", lo, hi, float64(hi)/time.Since(t0).Seconds())
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return nil, fmt.Errorf("sqlite: checkpoint: %w", err)
	}
	settings := map[string]string{}
	for _, name := range []string{"journal_mode", "synchronous", "busy_timeout", "foreign_keys", "cache_size", "page_size", "wal_autocheckpoint"} {
		var v string
		if err := db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			return nil, fmt.Errorf("sqlite: PRAGMA %s: %w", name, err)
		}
		settings[name] = v
	}
	if fi, err := os.Stat(path); err == nil {
		settings["file_mib"] = fmt.Sprintf("%.1f", float64(fi.Size())/(1<<20))
	}
	return settings, nil
}

// ceilingSQLiteCommand serves the SQLite ceilings until ctx ends.
func ceilingSQLiteCommand(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("ceiling-sqlite", flag.ContinueOnError)
	var cfg ceiling.Config
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	path := fs.String("path", "", "the migrated registry SQLite file")
	ceilingFlags(fs, &cfg)
	fs.IntVar(&cfg.MaxConns, "max-conns", 0, "pool size (0: registryd's SQLite pool)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" || cfg.RedisURL == "" || cfg.PartnerID == "" || cfg.ChannelID == "" || cfg.Namespace == "" {
		return errors.New("ceiling-sqlite: -path, -redis, -partner, -channel and -namespace are required")
	}
	srv, err := ceiling.NewSQLite(ctx, cfg, *path)
	if err != nil {
		return err
	}
	defer srv.Close()
	return serveUntilDone(ctx, *addr, srv.Handler(), out, listenLine)
}
