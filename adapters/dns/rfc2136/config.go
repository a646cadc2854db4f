package rfc2136

import (
	"encoding/base64"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Defaults and bounds of the settings.
const (
	// DefaultTimeout bounds one exchange with the server (dial, send, answer)
	// and each message of a zone transfer.
	DefaultTimeout = 5 * time.Second
	// MaxTimeout is the largest accepted Timeout.
	MaxTimeout = time.Minute
	// DefaultAlgorithm is the TSIG algorithm when none is named.
	DefaultAlgorithm = "hmac-sha256"
	// DelegationTTL is the TTL of the NS records of a delegation.
	DelegationTTL = 3600
	// tsigFudge is the allowed clock difference of a TSIG signature (RFC 8945 §10).
	tsigFudge = 300
)

// algorithms maps accepted TSIG algorithm names to their wire names.
var algorithms = map[string]string{
	"hmac-sha1":   dns.HmacSHA1,
	"hmac-sha224": dns.HmacSHA224,
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha384": dns.HmacSHA384,
	"hmac-sha512": dns.HmacSHA512,
}

// Config is how to reach the server of a namespace zone. Every field is
// optional in a per-namespace override, where it replaces the default's.
type Config struct {
	// Server is the server's host:port, e.g. "127.0.0.1:53".
	Server string
	// Zone is the namespace's zone, which holds its registrations (for
	// namespace defiwallet: "defiwallet."). Empty: the namespace name plus
	// ".", so that one Config serves every rfc2136 namespace.
	Zone string
	// TSIGName is the key's name, e.g. "registry-key." (a final dot is added).
	TSIGName string
	// TSIGAlgorithm is hmac-sha256 (the default), hmac-sha1, hmac-sha224,
	// hmac-sha384 or hmac-sha512.
	TSIGAlgorithm string
	// TSIGSecret is the key's secret in base64.
	TSIGSecret string
	// Timeout bounds each exchange; zero means DefaultTimeout.
	Timeout time.Duration
}

// String describes c without its secret, so that printing a Config (or
// logging it) never shows the key.
func (c Config) String() string {
	secret := "unset"
	if c.TSIGSecret != "" {
		secret = "set"
	}
	return fmt.Sprintf("rfc2136{server=%q zone=%q tsig_name=%q tsig_algorithm=%q tsig_secret=%s timeout=%s}",
		c.Server, c.Zone, c.TSIGName, c.TSIGAlgorithm, secret, c.Timeout)
}

// GoString is String, for %#v.
func (c Config) GoString() string { return c.String() }

// over returns c with every field that o sets replaced by o's.
func (c Config) over(o Config) Config {
	if o.Server != "" {
		c.Server = o.Server
	}
	if o.Zone != "" {
		c.Zone = o.Zone
	}
	if o.TSIGName != "" {
		c.TSIGName = o.TSIGName
	}
	if o.TSIGAlgorithm != "" {
		c.TSIGAlgorithm = o.TSIGAlgorithm
	}
	if o.TSIGSecret != "" {
		c.TSIGSecret = o.TSIGSecret
	}
	if o.Timeout != 0 {
		c.Timeout = o.Timeout
	}
	return c
}

// isZero reports whether c sets nothing.
func (c Config) isZero() bool { return c == Config{} }

// target is a validated Config for one namespace: wire-ready names.
type target struct {
	server    string
	zone      string // lowercase, fully qualified
	keyName   string // lowercase, fully qualified
	algorithm string // wire name, e.g. "hmac-sha256."
	secret    string // base64, as miekg/dns takes it
	timeout   time.Duration
}

// resolve validates c for namespace (a label) and makes its target. what
// names the settings in errors (e.g. "REGISTRY_DNS_RFC2136_*"); no error
// ever contains the secret.
func (c Config) resolve(namespace, what string) (target, error) {
	t := target{timeout: c.Timeout}
	if strings.TrimSpace(c.Server) == "" {
		return target{}, fmt.Errorf("rfc2136: %s: no server address", what)
	}
	host, port, err := net.SplitHostPort(strings.TrimSpace(c.Server))
	if err != nil || host == "" {
		return target{}, fmt.Errorf("rfc2136: %s: server %q is not host:port", what, c.Server)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return target{}, fmt.Errorf("rfc2136: %s: server %q has no valid port", what, c.Server)
	}
	t.server = net.JoinHostPort(host, port)

	zone := strings.TrimSpace(c.Zone)
	if zone == "" {
		if namespace == "" {
			return target{}, fmt.Errorf("rfc2136: %s: no zone", what)
		}
		zone = namespace
	}
	t.zone = strings.ToLower(dns.Fqdn(zone))
	if _, ok := dns.IsDomainName(t.zone); !ok || t.zone == "." {
		return target{}, fmt.Errorf("rfc2136: %s: zone %q is not a domain name", what, zone)
	}

	name := strings.TrimSpace(c.TSIGName)
	if name == "" {
		return target{}, fmt.Errorf("rfc2136: %s: no TSIG key name (updates are always signed)", what)
	}
	t.keyName = strings.ToLower(dns.Fqdn(name))
	if _, ok := dns.IsDomainName(t.keyName); !ok {
		return target{}, fmt.Errorf("rfc2136: %s: TSIG key name %q is not a domain name", what, name)
	}

	alg := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(c.TSIGAlgorithm), "."))
	if alg == "" {
		alg = DefaultAlgorithm
	}
	wire, ok := algorithms[alg]
	if !ok {
		return target{}, fmt.Errorf("rfc2136: %s: unsupported TSIG algorithm %q (use hmac-sha256, hmac-sha1, hmac-sha224, hmac-sha384 or hmac-sha512)", what, c.TSIGAlgorithm)
	}
	t.algorithm = wire

	secret := strings.TrimSpace(c.TSIGSecret)
	if secret == "" {
		return target{}, fmt.Errorf("rfc2136: %s: no TSIG secret", what)
	}
	raw, err := base64.StdEncoding.DecodeString(secret)
	if err != nil || len(raw) == 0 {
		return target{}, fmt.Errorf("rfc2136: %s: the TSIG secret is not base64", what)
	}
	t.secret = secret

	switch {
	case t.timeout == 0:
		t.timeout = DefaultTimeout
	case t.timeout < 0 || t.timeout > MaxTimeout:
		return target{}, fmt.Errorf("rfc2136: %s: timeout %s is outside (0, %s]", what, t.timeout, MaxTimeout)
	}
	return t, nil
}

// Environment variables.
const (
	envPrefix       = "REGISTRY_DNS_"
	envDefaultScope = "RFC2136"
)

// EnvScope is the <NAMESPACE> part of a namespace's override variables:
// the name upper-cased with "-" written "_" (xn--bcher-kva → XN__BCHER_KVA).
func EnvScope(namespace string) string {
	return strings.ReplaceAll(strings.ToUpper(namespace), "-", "_")
}

// readEnv reads the settings REGISTRY_DNS_<scope>_*. The zone is always the
// namespace's own, so there is no _ZONE.
func readEnv(lookup func(string) (string, bool), scope string) (Config, error) {
	get := func(key string) string {
		v, _ := lookup(envPrefix + scope + "_" + key)
		return strings.TrimSpace(v)
	}
	c := Config{
		Server:        get("SERVER"),
		TSIGName:      get("TSIG_NAME"),
		TSIGAlgorithm: get("TSIG_ALGORITHM"),
		TSIGSecret:    get("TSIG_SECRET"),
	}
	if v := get("TIMEOUT"); v != "" {
		d, err := parseTimeout(v)
		if err != nil {
			return Config{}, fmt.Errorf("rfc2136: %s%s_TIMEOUT: %w", envPrefix, scope, err)
		}
		c.Timeout = d
	}
	return c, nil
}

// parseTimeout reads a Go duration ("5s", "1500ms") or whole seconds ("5").
func parseTimeout(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 {
			return 0, fmt.Errorf("%q is not a positive duration", v)
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration (e.g. 5s)", v)
	}
	return d, nil
}
