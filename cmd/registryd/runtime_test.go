package main

import (
	"math"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestRuntimeSettingsDefaultsAndRefusals(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{"REGISTRY_CONFIG": "/dev/null"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.GCPercent != 400 || c.MemoryLimit != 0 || c.LogFlushInterval != 100*time.Millisecond {
		t.Fatalf("defaults: gc %d, memory limit %d, log flush %v", c.GCPercent, c.MemoryLimit, c.LogFlushInterval)
	}
	c, err = LoadConfig(env(map[string]string{"REGISTRY_CONFIG": "/dev/null", "REGISTRY_GC_PERCENT": "150",
		"REGISTRY_MEMORY_LIMIT": "96MiB", "REGISTRY_LOG_FLUSH_INTERVAL": "0"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.GCPercent != 150 || c.MemoryLimit != 96<<20 || c.LogFlushInterval != 0 {
		t.Fatalf("set: gc %d, memory limit %d, log flush %v", c.GCPercent, c.MemoryLimit, c.LogFlushInterval)
	}
	for key, bad := range map[string]string{
		"REGISTRY_GC_PERCENT":         "off",
		"REGISTRY_MEMORY_LIMIT":       "1MiB",
		"REGISTRY_LOG_FLUSH_INTERVAL": "-1s",
	} {
		_, err := LoadConfig(env(map[string]string{"REGISTRY_CONFIG": "/dev/null", key: bad}))
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%q: error %v does not name the setting", key, bad, err)
		}
	}
	for _, bad := range []string{"0", "-1", "ten", "1.5"} {
		if _, err := LoadConfig(env(map[string]string{"REGISTRY_CONFIG": "/dev/null", "REGISTRY_GC_PERCENT": bad})); err == nil {
			t.Errorf("REGISTRY_GC_PERCENT=%q accepted", bad)
		}
	}
}

func TestParseMemoryLimit(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "33554432": 32 << 20, "64MiB": 64 << 20, "2GiB": 2 << 30,
		" 1TiB ": 1 << 40, "40960KiB": 40 << 20, "33554432B": 32 << 20} {
		got, err := parseMemoryLimit(in)
		if err != nil || got != want {
			t.Errorf("parseMemoryLimit(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"1MiB", "12GB", "1.5GiB", "MiB", "-64MiB", "off", "99999999999TiB"} {
		if n, err := parseMemoryLimit(bad); err == nil {
			t.Errorf("parseMemoryLimit(%q) = %d, want an error", bad, n)
		}
	}
	if memoryLimitText(96<<20) != "96MiB" || memoryLimitText(math.MaxInt64) != "none" || memoryLimitText(3<<30) != "3GiB" {
		t.Error("memoryLimitText misprints a limit")
	}
}

// restoreGC puts the test process's collector back as it found it.
func restoreGC(t *testing.T) {
	pct := debug.SetGCPercent(100)
	lim := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(pct)
		debug.SetMemoryLimit(lim)
	})
}

func TestApplyRuntimeSettingsSetsTheCollector(t *testing.T) {
	restoreGC(t)
	cfg := Config{GCPercent: 250, MemoryLimit: 80 << 20}
	rs := applyRuntimeSettings(cfg, env(nil))
	if rs.GCPercent != 250 || rs.GCPercentFrom != "REGISTRY_GC_PERCENT" || rs.MemoryLimit != 80<<20 || rs.MemoryLimitFrom != "REGISTRY_MEMORY_LIMIT" {
		t.Fatalf("%+v", rs)
	}
	if got := debug.SetGCPercent(250); got != 250 {
		t.Fatalf("the runtime's GC percent is %d, want 250", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 80<<20 {
		t.Fatalf("the runtime's memory limit is %d, want 80 MiB", got)
	}
}

func TestApplyRuntimeSettingsLeavesGOGCAndGOMEMLIMITAlone(t *testing.T) {
	restoreGC(t)
	// What the runtime would have read from GOGC=75 and GOMEMLIMIT=200MiB at start.
	debug.SetGCPercent(75)
	debug.SetMemoryLimit(200 << 20)
	cfg := Config{GCPercent: 400, MemoryLimit: 64 << 20}
	rs := applyRuntimeSettings(cfg, env(map[string]string{"GOGC": "75", "GOMEMLIMIT": "200MiB"}))
	if rs.GCPercent != 75 || rs.GCPercentFrom != "GOGC" || rs.MemoryLimit != 200<<20 || rs.MemoryLimitFrom != "GOMEMLIMIT" {
		t.Fatalf("%+v", rs)
	}
	debug.SetGCPercent(-1) // as GOGC=off
	rs = applyRuntimeSettings(cfg, env(map[string]string{"GOGC": "off"}))
	if rs.GCPercent != -1 || rs.GCPercentFrom != "GOGC" || rs.MemoryLimit != 64<<20 {
		t.Fatalf("GOGC=off: %+v", rs)
	}
	// Without a memory limit set anywhere, none is reported.
	debug.SetMemoryLimit(math.MaxInt64)
	rs = applyRuntimeSettings(Config{GCPercent: 100}, env(nil))
	if rs.MemoryLimit != math.MaxInt64 || memoryLimitText(rs.MemoryLimit) != "none" {
		t.Fatalf("no limit: %+v", rs)
	}
}
