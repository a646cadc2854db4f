package main

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
)

// machineInfo describes where the numbers came from.
func machineInfo(ctx context.Context, pg *pgx.Conn, redisURL string) map[string]any {
	m := map[string]any{
		"nproc":      runtime.NumCPU(),
		"cpu_model":  cpuModel(),
		"memory_mib": memTotalMiB(),
		"kernel":     readTrim("/proc/sys/kernel/osrelease"),
		"go_version": runtime.Version(),
		"goos":       runtime.GOOS + "/" + runtime.GOARCH,
	}
	if pg != nil {
		var v string
		if err := pg.QueryRow(ctx, "SHOW server_version").Scan(&v); err == nil {
			m["postgres_version"] = v
		}
		settings := map[string]string{}
		for _, name := range []string{"shared_buffers", "synchronous_commit", "fsync", "max_connections", "work_mem"} {
			var s string
			if err := pg.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&s); err == nil {
				settings[name] = s
			}
		}
		m["postgres_settings"] = settings
	}
	if o, err := goredis.ParseURL(redisURL); err == nil {
		c := goredis.NewClient(o)
		if info, err := c.Info(ctx, "server").Result(); err == nil {
			for _, line := range strings.Split(info, "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
					m["redis_version"] = v
				}
			}
		}
		_ = c.Close()
	}
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		m["git_commit"] = strings.TrimSpace(string(out))
	}
	return m
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// loadAvg is the first three fields of /proc/loadavg.
func loadAvg() string {
	f := strings.Fields(readTrim("/proc/loadavg"))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func memTotalMiB() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(v)
			if len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb / 1024
			}
		}
	}
	return 0
}
