package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting of registryd (see registryd help). Each is read from the
// environment, falling back to a config file (configs/registry.env, or the
// file named by REGISTRY_CONFIG), falling back to the default.
type Config struct {
	HTTPAddr        string
	DatabaseURL     DatabaseURL
	RedisURL        RedisURL
	OperatorToken   string
	Demo            bool
	ApplyWorker     bool
	MigrateOnStart  bool
	LogLevel        string
	ShutdownTimeout time.Duration
	// MaintenanceInterval is the pace of the registry's lifecycle loop.
	MaintenanceInterval time.Duration
	// PprofAddr serves net/http/pprof on its own loopback listener when set.
	PprofAddr string
	// MetricsAddr serves Prometheus /metrics on its own listener when set.
	MetricsAddr    string
	DBMaxOpenConns int
	// GroupCommitMax: most commands sharing a transaction.
	GroupCommitMax int
	// RateLeaseMax: most rate-limit counts a node takes from Redis at once.
	RateLeaseMax int
	EPP          EPPConfig
	// RDAPRateLimitPerMinute is each client IP's budget of public lookups.
	RDAPRateLimitPerMinute int
	// LogFlushInterval is the longest a log line below warn waits in
	// memory before it is written (logwriter.go); 0 writes every line at once.
	LogFlushInterval time.Duration
	// GCPercent is the collector's pace (GOGC); GOGC in the environment wins.
	GCPercent int
	// MemoryLimit is the soft memory limit in bytes (GOMEMLIMIT), 0 for
	// none; GOMEMLIMIT in the environment wins.
	MemoryLimit int64

	// demoOperatorToken is set when the demo generated OperatorToken.
	demoOperatorToken bool
	// lookup reads any setting: the environment over the config file. The
	// DNS drivers read their own keys through it.
	lookup func(string) (string, bool)
}

// EPPConfig holds the EPP gateway settings (RFC 5730 over RFC 5734 TLS).
type EPPConfig struct {
	Addr     string // REGISTRY_EPP_ADDR; empty: no production listener
	OTEAddr  string // REGISTRY_EPP_OTE_ADDR; empty: no OT&E listener
	Cert     string // REGISTRY_EPP_CERT, PEM
	Key      string // REGISTRY_EPP_KEY, PEM
	ClientCA string // REGISTRY_EPP_CLIENT_CA, PEM bundle

	Limits EPPLimits
}

// EPPLimits bound what connections and logins may cost before a session has
// logged in (REGISTRY_EPP_MAX_* and REGISTRY_EPP_LOGIN_*).
type EPPLimits struct {
	MaxConnections          int           // per listener
	MaxUnauthenticatedPerIP int           // connections not logged in, per source address
	LoginTimeout            time.Duration // a connection must log in within it
	MaxConcurrentHashes     int           // password hashes running at once
	LockoutFailures         int           // failed logins of one channel that lock it out
	LockoutSourceFailures   int           // failed logins from one address that lock it out
	LockoutDuration         time.Duration
}

// Enabled reports whether any EPP listener is configured.
func (c EPPConfig) Enabled() bool { return c.Addr != "" || c.OTEAddr != "" }

// DatabaseURL is REGISTRY_DATABASE_URL: postgres://..., sqlite:PATH or memory:.
type DatabaseURL string

// RedisURL is REGISTRY_REDIS_URL; empty keeps rate-limit counters in process.
type RedisURL string

// setting describes one key for --help and validation.
type setting struct {
	key, def, help string
}

var settings = []setting{
	{"REGISTRY_HTTP_ADDR", "127.0.0.1:8080", "listen address of the HTTP API"},
	{"REGISTRY_DATABASE_URL", "sqlite:data/registry.db", "postgres://... or sqlite:PATH (memory: keeps everything in process, for tests)"},
	{"REGISTRY_REDIS_URL", "", "redis://...; empty keeps rate-limit counters in process"},
	{"REGISTRY_OPERATOR_TOKEN", "", "operator bearer token; empty closes the operator API"},
	{"REGISTRY_DEMO", "0", "1 seeds a demo partner, approved channel, namespace and key, and prints them"},
	{"REGISTRY_APPLY_WORKER", "0", "1 runs the backend apply worker in this process"},
	{"REGISTRY_MIGRATE_ON_START", "1", "0 skips schema migrations at start-up (run `registryd migrate` instead)"},
	{"REGISTRY_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"REGISTRY_LOG_FLUSH_INTERVAL", "100ms", "longest an info or debug log line waits in memory before it is written (warn and error lines, and a full 64 KiB buffer, are written at once); 0: every line at once"},
	{"REGISTRY_GC_PERCENT", "400", "garbage collector pace: the heap may grow this many percent over the live heap before a collection (as GOGC, which wins when set)"},
	{"REGISTRY_MEMORY_LIMIT", "", "soft memory limit of the Go runtime, e.g. 512MiB (as GOMEMLIMIT, which wins when set); empty: none"},
	{"REGISTRY_SHUTDOWN_TIMEOUT", "20s", "how long a SIGTERM waits for requests in flight"},
	{"REGISTRY_MAINTENANCE_INTERVAL", "30s", "pace of the lifecycle loop (auto-renew, expiry, redemption, purge, grace ends) that every registryd runs"},
	{"REGISTRY_PPROF_ADDR", "", "loopback address (e.g. 127.0.0.1:6060) serving /debug/pprof for profiling; empty: off"},
	{"REGISTRY_METRICS_ADDR", "", "address (e.g. 127.0.0.1:9464) serving Prometheus /metrics on a listener of its own; empty: off"},
	{"REGISTRY_DB_MAX_OPEN_CONNS", "0", "database pool size; 0 picks a default for the database kind"},
	{"REGISTRY_GROUP_COMMIT_MAX", "32", "most concurrent commands sharing one write transaction (group commit); 1: a transaction per command"},
	{"REGISTRY_RATE_LEASE_MAX", "32", "most rate-limit counts of one key's window a node takes from Redis in one round trip for its next requests (at most 1/64 of what the window has left); 1: ask Redis for every request"},
	{"REGISTRY_DNS_RFC2136_SERVER", "", "authoritative server (host:port) taking RFC 2136 updates for rfc2136 namespaces"},
	{"REGISTRY_DNS_RFC2136_TSIG_NAME", "", "TSIG key name for the rfc2136 server"},
	{"REGISTRY_DNS_RFC2136_TSIG_ALGORITHM", "hmac-sha256", "TSIG algorithm"},
	{"REGISTRY_DNS_RFC2136_TSIG_SECRET", "", "TSIG secret (base64); never stored in the database"},
	{"REGISTRY_DNS_RFC2136_TIMEOUT", "5s", "DNS update and transfer timeout (REGISTRY_DNS_<NAMESPACE>_* override per namespace)"},
	{"REGISTRY_EPP_ADDR", "", "listen address of the EPP gateway (TLS, RFC 5734); empty: off"},
	{"REGISTRY_EPP_OTE_ADDR", "", "listen address of the OT&E EPP gateway, where every transform runs as sandbox; empty: off"},
	{"REGISTRY_EPP_CERT", "", "PEM certificate of the EPP listeners; empty (with REGISTRY_EPP_KEY): a self-signed one is made at start"},
	{"REGISTRY_EPP_KEY", "", "PEM private key of REGISTRY_EPP_CERT"},
	{"REGISTRY_EPP_CLIENT_CA", "", "PEM CA bundle; when set, EPP clients must present a certificate it signed, the one bound to their channel (epp_client_cert_sha256)"},
	{"REGISTRY_EPP_MAX_CONNECTIONS", "1024", "connections one EPP listener holds, logged in or not; more are closed on accept"},
	{"REGISTRY_EPP_MAX_UNAUTHENTICATED_PER_IP", "16", "EPP connections not yet logged in from one address (IPv6: one /64); more are closed on accept"},
	{"REGISTRY_EPP_LOGIN_TIMEOUT", "60s", "an EPP connection that has not logged in by then is closed"},
	{"REGISTRY_EPP_MAX_CONCURRENT_HASHES", "4", "password hashes (Argon2id, 19 MiB each) running at once; EPP logins wait for a slot"},
	{"REGISTRY_EPP_LOGIN_LOCKOUT_FAILURES", "10", "failed EPP logins of one channel, across connections, that lock its logins out (each failure after the 3rd waits longer)"},
	{"REGISTRY_EPP_LOGIN_LOCKOUT_SOURCE_FAILURES", "30", "failed EPP logins from one address (IPv6: one /64) that lock its logins out"},
	{"REGISTRY_EPP_LOGIN_LOCKOUT_DURATION", "15m", "how long an EPP login lock-out lasts (audited as epp_login_lockout)"},
	{"REGISTRY_RDAP_RATE_LIMIT_PER_MINUTE", "600", "RDAP and /lookup queries each client IP may make per minute (counted in Redis when configured)"},
}

// LoadConfig reads the settings. lookup is os.LookupEnv in production.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	file := map[string]string{}
	path, explicit := lookup("REGISTRY_CONFIG")
	if !explicit {
		path = "configs/registry.env"
	}
	if f, err := os.Open(path); err == nil {
		file, err = parseEnvFile(f)
		_ = f.Close()
		if err != nil {
			return Config{}, fmt.Errorf("%s: %w", path, err)
		}
	} else if explicit {
		return Config{}, fmt.Errorf("REGISTRY_CONFIG: %w", err)
	}
	get := func(key string) string {
		if v, ok := lookup(key); ok {
			return v
		}
		if v, ok := file[key]; ok {
			return v
		}
		for _, s := range settings {
			if s.key == key {
				return s.def
			}
		}
		return ""
	}
	var c Config
	var err error
	c.lookup = func(k string) (string, bool) {
		if v, ok := lookup(k); ok {
			return v, true
		}
		v, ok := file[k]
		return v, ok
	}
	c.HTTPAddr = get("REGISTRY_HTTP_ADDR")
	c.DatabaseURL = DatabaseURL(get("REGISTRY_DATABASE_URL"))
	c.RedisURL = RedisURL(get("REGISTRY_REDIS_URL"))
	c.OperatorToken = get("REGISTRY_OPERATOR_TOKEN")
	c.LogLevel = get("REGISTRY_LOG_LEVEL")
	c.EPP = EPPConfig{Addr: get("REGISTRY_EPP_ADDR"), OTEAddr: get("REGISTRY_EPP_OTE_ADDR"), Cert: get("REGISTRY_EPP_CERT"),
		Key: get("REGISTRY_EPP_KEY"), ClientCA: get("REGISTRY_EPP_CLIENT_CA")}
	if c.EPP.Limits, err = loadEPPLimits(get); err != nil {
		return Config{}, err
	}
	if (c.EPP.Cert == "") != (c.EPP.Key == "") {
		return Config{}, fmt.Errorf("REGISTRY_EPP_CERT and REGISTRY_EPP_KEY are set together")
	}
	if c.Demo, err = parseBool("REGISTRY_DEMO", get("REGISTRY_DEMO")); err != nil {
		return Config{}, err
	}
	if c.ApplyWorker, err = parseBool("REGISTRY_APPLY_WORKER", get("REGISTRY_APPLY_WORKER")); err != nil {
		return Config{}, err
	}
	if c.MigrateOnStart, err = parseBool("REGISTRY_MIGRATE_ON_START", get("REGISTRY_MIGRATE_ON_START")); err != nil {
		return Config{}, err
	}
	c.MetricsAddr = get("REGISTRY_METRICS_ADDR")
	c.PprofAddr = get("REGISTRY_PPROF_ADDR")
	if c.PprofAddr != "" && !loopbackAddr(c.PprofAddr) {
		return Config{}, fmt.Errorf("REGISTRY_PPROF_ADDR must be a loopback address such as 127.0.0.1:6060 (profiles expose internals)")
	}
	if c.ShutdownTimeout, err = time.ParseDuration(get("REGISTRY_SHUTDOWN_TIMEOUT")); err != nil || c.ShutdownTimeout <= 0 {
		return Config{}, fmt.Errorf("REGISTRY_SHUTDOWN_TIMEOUT: want a duration such as 20s")
	}
	if c.MaintenanceInterval, err = time.ParseDuration(get("REGISTRY_MAINTENANCE_INTERVAL")); err != nil || c.MaintenanceInterval <= 0 {
		return Config{}, fmt.Errorf("REGISTRY_MAINTENANCE_INTERVAL: want a duration such as 30s")
	}
	if c.DBMaxOpenConns, err = strconv.Atoi(get("REGISTRY_DB_MAX_OPEN_CONNS")); err != nil || c.DBMaxOpenConns < 0 {
		return Config{}, fmt.Errorf("REGISTRY_DB_MAX_OPEN_CONNS: want a whole number ≥ 0")
	}
	if c.GroupCommitMax, err = strconv.Atoi(get("REGISTRY_GROUP_COMMIT_MAX")); err != nil || c.GroupCommitMax < 1 || c.GroupCommitMax > 64 {
		return Config{}, fmt.Errorf("REGISTRY_GROUP_COMMIT_MAX: want a whole number from 1 to 64")
	}
	if c.RateLeaseMax, err = strconv.Atoi(get("REGISTRY_RATE_LEASE_MAX")); err != nil || c.RateLeaseMax < 1 || c.RateLeaseMax > 1024 {
		return Config{}, fmt.Errorf("REGISTRY_RATE_LEASE_MAX: want a whole number from 1 to 1024")
	}
	if c.RDAPRateLimitPerMinute, err = strconv.Atoi(get("REGISTRY_RDAP_RATE_LIMIT_PER_MINUTE")); err != nil || c.RDAPRateLimitPerMinute < 1 {
		return Config{}, fmt.Errorf("REGISTRY_RDAP_RATE_LIMIT_PER_MINUTE: want a whole number ≥ 1")
	}
	if c.LogFlushInterval, err = time.ParseDuration(get("REGISTRY_LOG_FLUSH_INTERVAL")); err != nil || c.LogFlushInterval < 0 || c.LogFlushInterval > 10*time.Second {
		return Config{}, fmt.Errorf("REGISTRY_LOG_FLUSH_INTERVAL: want a duration from 0 to 10s, such as 100ms")
	}
	if c.GCPercent, err = strconv.Atoi(strings.TrimSpace(get("REGISTRY_GC_PERCENT"))); err != nil || c.GCPercent < 1 {
		return Config{}, fmt.Errorf("REGISTRY_GC_PERCENT: want a whole number ≥ 1 (100 is the Go runtime's default)")
	}
	if c.MemoryLimit, err = parseMemoryLimit(get("REGISTRY_MEMORY_LIMIT")); err != nil {
		return Config{}, fmt.Errorf("REGISTRY_MEMORY_LIMIT: %w", err)
	}
	if c.HTTPAddr == "" {
		return Config{}, fmt.Errorf("REGISTRY_HTTP_ADDR must not be empty")
	}
	if c.OperatorToken != "" && len(c.OperatorToken) < 16 {
		return Config{}, fmt.Errorf("REGISTRY_OPERATOR_TOKEN must have at least 16 characters")
	}
	return c, nil
}

func parseBool(key, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "", "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%s: want 1 or 0, got %q", key, v)
}

// parseEnvFile reads KEY=VALUE lines; # starts a comment; values may be quoted.
func parseEnvFile(f *os.File) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: want KEY=VALUE", n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, sc.Err()
}

// loopbackAddr reports whether host:port names a loopback host.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loadEPPLimits reads the REGISTRY_EPP_MAX_* and REGISTRY_EPP_LOGIN_* settings.
func loadEPPLimits(get func(string) string) (EPPLimits, error) {
	var l EPPLimits
	ints := []struct {
		key string
		dst *int
	}{
		{"REGISTRY_EPP_MAX_CONNECTIONS", &l.MaxConnections},
		{"REGISTRY_EPP_MAX_UNAUTHENTICATED_PER_IP", &l.MaxUnauthenticatedPerIP},
		{"REGISTRY_EPP_MAX_CONCURRENT_HASHES", &l.MaxConcurrentHashes},
		{"REGISTRY_EPP_LOGIN_LOCKOUT_FAILURES", &l.LockoutFailures},
		{"REGISTRY_EPP_LOGIN_LOCKOUT_SOURCE_FAILURES", &l.LockoutSourceFailures},
	}
	for _, i := range ints {
		n, err := strconv.Atoi(strings.TrimSpace(get(i.key)))
		if err != nil || n < 1 {
			return EPPLimits{}, fmt.Errorf("%s: want a whole number ≥ 1", i.key)
		}
		*i.dst = n
	}
	durs := []struct {
		key string
		dst *time.Duration
	}{
		{"REGISTRY_EPP_LOGIN_TIMEOUT", &l.LoginTimeout},
		{"REGISTRY_EPP_LOGIN_LOCKOUT_DURATION", &l.LockoutDuration},
	}
	for _, d := range durs {
		v, err := time.ParseDuration(strings.TrimSpace(get(d.key)))
		if err != nil || v <= 0 {
			return EPPLimits{}, fmt.Errorf("%s: want a duration such as 60s", d.key)
		}
		*d.dst = v
	}
	return l, nil
}
