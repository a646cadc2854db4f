package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"

	"github.com/headlessdomains/registry/bench/internal/load"
)

// cpuMeter reads the CPU time of everything one request costs on this
// machine: the server process, the PostgreSQL backends connected to the
// bench database, Redis and the loader itself. On a shared 2-core machine
// throughput moves with the neighbours' load; CPU time per operation moves
// much less, and nproc divided by its sum bounds the throughput.
type cpuMeter struct {
	conn     *pgx.Conn // the bench database; its own backend is left out
	redisPid int
}

// cpuSample is one reading.
type cpuSample struct {
	server, loader, redis float64
	db                    map[int]float64 // backend pid → CPU seconds
}

func newCPUMeter(ctx context.Context, conn *pgx.Conn, redisURL string) *cpuMeter {
	m := &cpuMeter{conn: conn}
	if o, err := goredis.ParseURL(redisURL); err == nil {
		c := goredis.NewClient(o)
		if info, err := c.Info(ctx, "server").Result(); err == nil {
			for _, line := range strings.Split(info, "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
					m.redisPid, _ = strconv.Atoi(v)
				}
			}
		}
		_ = c.Close()
	}
	return m
}

func cpuOf(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	ps, err := load.ReadProc(pid)
	if err != nil {
		return 0
	}
	return ps.CPUSeconds
}

// read samples every counter; serverPid is the process under load.
func (m *cpuMeter) read(ctx context.Context, serverPid int) cpuSample {
	s := cpuSample{server: cpuOf(serverPid), loader: cpuOf(os.Getpid()), redis: cpuOf(m.redisPid), db: map[int]float64{}}
	if m.conn == nil {
		return s
	}
	rows, err := m.conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`)
	if err != nil {
		return s
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return s
	}
	for _, pid := range pids {
		s.db[int(pid)] = cpuOf(int(pid))
	}
	return s
}

// cpuCost is the CPU seconds spent between two samples.
type cpuCost struct {
	server, db, redis, loader float64
}

func (a cpuSample) until(b cpuSample) cpuCost {
	c := cpuCost{server: b.server - a.server, redis: b.redis - a.redis, loader: b.loader - a.loader}
	for pid, end := range b.db {
		c.db += end - a.db[pid] // a backend born during the measurement counts from 0
	}
	return c
}

func (c cpuCost) total() float64 { return c.server + c.db + c.redis + c.loader }

func (c cpuCost) plus(d cpuCost) cpuCost {
	return cpuCost{server: c.server + d.server, db: c.db + d.db, redis: c.redis + d.redis, loader: c.loader + d.loader}
}

// waitSampler samples what the bench database's backends are doing while a
// scenario runs: on CPU, waiting for a lock, for WAL, or for the client
// (idle in transaction: the application's next statement). It is the
// off-CPU half of a profile.
type waitSampler struct {
	conn *pgx.Conn // its own connection: it runs beside the measurement
}

// waitSampleEvery is the sampling period.
const waitSampleEvery = 20 * time.Millisecond

// start samples until the returned function is called; that function
// returns each state's share of the non-idle samples, in percent.
func (w *waitSampler) start(ctx context.Context) func() map[string]float64 {
	if w == nil || w.conn == nil {
		return func() map[string]float64 { return nil }
	}
	// Stopping waits for the query in flight: cancelling it would close
	// the connection.
	stop := make(chan struct{})
	done := make(chan map[string]int, 1)
	go func() {
		counts := map[string]int{}
		t := time.NewTicker(waitSampleEvery)
		defer t.Stop()
		for {
			rows, err := w.conn.Query(ctx, `SELECT state, coalesce(wait_event_type, ''), coalesce(wait_event, '')
				FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`)
			if err == nil {
				for rows.Next() {
					var state, typ, event string
					if rows.Scan(&state, &typ, &event) != nil {
						continue
					}
					switch {
					case state == "idle":
					case state == "active" && typ == "":
						counts["active: on CPU"]++
					case state == "active":
						counts["active: "+typ+" "+event]++
					default:
						counts[state]++
					}
				}
				rows.Close()
			}
			select {
			case <-stop:
				done <- counts
				return
			case <-ctx.Done():
				done <- counts
				return
			case <-t.C:
			}
		}
	}()
	return func() map[string]float64 {
		close(stop)
		counts := <-done
		total := 0
		for _, n := range counts {
			total += n
		}
		out := map[string]float64{}
		for k, n := range counts {
			out[k] = round(float64(n)*100/float64(total), 1)
		}
		return out
	}
}
