package main

import (
	"fmt"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
)

// runtimeSettings is what the Go runtime runs with after applyRuntimeSettings,
// and where each value came from (the setting, or the environment variable
// the runtime itself read at start).
type runtimeSettings struct {
	GCPercent       int64 // -1: collection off (GOGC=off)
	GCPercentFrom   string
	MemoryLimit     int64 // math.MaxInt64: none
	MemoryLimitFrom string
}

// applyRuntimeSettings sets the garbage collector's pace (REGISTRY_GC_PERCENT)
// and soft memory limit (REGISTRY_MEMORY_LIMIT). GOGC and GOMEMLIMIT, which
// the Go runtime read when the process started, win when environ has them:
// an operator who tunes the runtime the usual Go way is never overridden.
//
// A read allocates some 20 KB that is garbage once it is answered, over a
// live heap of about 6 MB: at the runtime's default pace (100) registryd
// collected every 60–70 ms under load and spent 8–10% of its CPU in the
// collector (bench/README.md, "Runtime costs of a read").
func applyRuntimeSettings(cfg Config, environ func(string) (string, bool)) runtimeSettings {
	rs := runtimeSettings{GCPercentFrom: "REGISTRY_GC_PERCENT", MemoryLimitFrom: "REGISTRY_MEMORY_LIMIT"}
	if v, ok := environ("GOGC"); ok && v != "" {
		rs.GCPercentFrom = "GOGC"
	} else {
		debug.SetGCPercent(cfg.GCPercent)
	}
	if v, ok := environ("GOMEMLIMIT"); ok && v != "" {
		rs.MemoryLimitFrom = "GOMEMLIMIT"
	} else if cfg.MemoryLimit > 0 {
		debug.SetMemoryLimit(cfg.MemoryLimit)
	}
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	rs.GCPercent = int64(s[0].Value.Uint64())
	if s[0].Value.Uint64() == math.MaxUint64 || rs.GCPercent < 0 {
		rs.GCPercent = -1
	}
	rs.MemoryLimit = int64(s[1].Value.Uint64())
	return rs
}

// memoryLimitText prints a limit the way REGISTRY_MEMORY_LIMIT reads it.
func memoryLimitText(n int64) string {
	if n <= 0 || n == math.MaxInt64 {
		return "none"
	}
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// minMemoryLimit is the least REGISTRY_MEMORY_LIMIT: below it an idle
// registryd (about 35 MiB resident) would collect without pause.
const minMemoryLimit = 32 << 20

// parseMemoryLimit reads REGISTRY_MEMORY_LIMIT: empty (none), or a whole
// number of bytes with an optional unit B, KiB, MiB, GiB or TiB, as
// GOMEMLIMIT is written.
func parseMemoryLimit(v string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	num, mult := v, int64(1)
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(v, u.suffix); ok {
			num, mult = rest, u.size
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("want a size such as 512MiB (units B, KiB, MiB, GiB, TiB), got %q", v)
	}
	if n*mult < minMemoryLimit {
		return 0, fmt.Errorf("want at least 32MiB, got %q", v)
	}
	return n * mult, nil
}
