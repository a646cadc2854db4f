package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/headlessdomains/registry/bench/internal/seed"
)

// scaleRounds is how many times each side of the scale comparison is
// measured; the median p99 of each side is the result.
const scaleRounds = 3

// smallRegistry is a second registryd over a database of cfg.baseline
// registrations. Measured in turn with the big one, minutes apart at most,
// both see the same neighbours on the shared machine, so the comparison
// shows what the table's size costs rather than what the machine did.
type smallRegistry struct {
	srv        *server
	tgt        *target
	probe      *probe
	closeProbe func()
	drop       func() error
	closed     bool
}

func (s *smallRegistry) close() error {
	if s == nil || s.closed {
		return nil
	}
	s.closed = true
	err := s.srv.stop()
	s.closeProbe()
	return errors.Join(err, s.drop())
}

// startSmall creates, fills and serves the small database.
func (b *bench) startSmall(ctx context.Context, binary string, ref time.Time) (_ *smallRegistry, err error) {
	cfg := b.cfg
	url, drop, err := createDatabase(ctx, cfg.pgURL, cfg.dbName+"_small")
	if err != nil {
		return nil, err
	}
	s := &smallRegistry{drop: drop, closeProbe: func() {}}
	defer func() {
		if err != nil {
			_ = s.close()
		}
	}()
	opToken := "bench-operator-" + randomHex(12)
	s.srv, err = startServer(ctx, "registryd (small)", binary, nil, registrydEnv(url, cfg.redisURL, opToken, cfg.logLevel, mainRegistrydInterval),
		filepath.Join(b.work, "registryd-small.log"), "registryd listening on ")
	if err != nil {
		return nil, err
	}
	ad, err := admit(ctx, s.srv.base, opToken)
	if err != nil {
		return nil, fmt.Errorf("admit the bench registrar (small): %w", err)
	}
	if s.probe, s.closeProbe, err = newProbe(ctx, url, cfg.redisURL); err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	plan := seed.Plan{PartnerID: ad.PartnerID, ChannelID: ad.ChannelID, ChannelSlug: ad.ChannelSlug, APIKeyID: ad.APIKeyID,
		Namespace: ad.Namespace, Ref: ref, Domains: cfg.baseline}
	if err := b.seedDomains(ctx, conn, plan, 0, cfg.baseline); err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE domains"); err != nil {
		return nil, err
	}
	s.tgt = newTarget(s.srv.base, ad.Tokens, ad.Namespace, plan, randomBase36(6))
	s.tgt.domains.Store(cfg.baseline)
	b.logf("registryd (small) pid %d on %s: %d domains", s.srv.Pid(), s.srv.base, cfg.baseline)
	return s, nil
}

// compareScales measures check and info at the headline concurrency on the
// small and the big database in turn, scaleRounds times, and keeps the
// round with the median p99 of each (every round goes to the detail file).
func (b *bench) compareScales(ctx context.Context, small *smallRegistry, big map[string]scenario) {
	cfg := b.cfg
	smallScen := small.tgt.scenarios()
	byName := map[string][]*resultRow{}
	var order []string
	for r := 1; r <= scaleRounds; r++ {
		phase := fmt.Sprintf("scale round %d", r)
		for _, name := range []string{"check", "info"} {
			sm := smallScen[name]
			sm.name = baselineName(name, cfg.baseline)
			lg := big[name]
			lg.name = baselineName(name, cfg.domains)
			if r == 1 {
				order = append(order, sm.name, lg.name)
			}
			byName[sm.name] = append(byName[sm.name], b.run(ctx, sm, cfg.headline, small.srv, small.probe, phase, cfg.baseline, 0))
			byName[lg.name] = append(byName[lg.name], b.run(ctx, lg, cfg.headline, b.registry, b.main, phase, cfg.domains, cfg.audit))
		}
	}
	for _, name := range order {
		rows := byName[name]
		for _, r := range rows {
			b.scale = append(b.scale, r.detail)
		}
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].P99Ms < rows[j].P99Ms })
		median := rows[len(rows)/2]
		median.detail.Phase = fmt.Sprintf("scale comparison (median p99 of %d rounds)", len(rows))
		b.rows = append(b.rows, median)
	}
}
