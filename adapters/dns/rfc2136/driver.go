package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// Kind is the driver's name, as namespaces choose it (core.DNSBackendRFC2136).
const Kind = core.DNSBackendRFC2136

// maxUpdateTries bounds how often ReplaceRecords reads the zone again when
// its SOA prerequisite failed because the zone changed in between.
const maxUpdateTries = 8

// Driver is the rfc2136 backend of every namespace that chooses it; each
// namespace's server, zone and key come from the default Config and its
// per-namespace overrides. It is safe for concurrent use.
type Driver struct {
	def    Config
	lookup func(string) (string, bool) // per-namespace overrides; nil: none

	mu      sync.Mutex
	targets map[string]target // by namespace, once resolved
}

var _ ports.DNSBackend = (*Driver)(nil)

// New makes a driver that reaches every namespace with cfg (zone: the
// namespace name plus ".", unless cfg.Zone names one). cfg is checked now.
func New(cfg Config) (*Driver, error) {
	if _, err := cfg.resolve("namespace", "config"); err != nil {
		return nil, err
	}
	return &Driver{def: cfg, targets: map[string]target{}}, nil
}

// FromEnv makes the driver from the environment (see the package doc): the
// defaults REGISTRY_DNS_RFC2136_{SERVER,TSIG_NAME,TSIG_ALGORITHM,TSIG_SECRET,TIMEOUT}
// and, looked up when a namespace is first used, its overrides
// REGISTRY_DNS_<NAMESPACE>_{SERVER,TSIG_NAME,...}. Defaults that are
// set are checked now; none at all is fine (every rfc2136 namespace then
// needs its own overrides, or its operations fail naming the variables to
// set).
func FromEnv(lookup func(string) (string, bool)) (*Driver, error) {
	def, err := readEnv(lookup, envDefaultScope)
	if err != nil {
		return nil, err
	}
	if !def.isZero() {
		if _, err := def.resolve("namespace", envPrefix+envDefaultScope+"_*"); err != nil {
			return nil, err
		}
	}
	return &Driver{def: def, lookup: lookup, targets: map[string]target{}}, nil
}

// Configured reports whether the defaults name a server (without them only
// namespaces with overrides work).
func (d *Driver) Configured() bool { return d.def.Server != "" }

// Capabilities: reads, writes and delegates the registry's record types.
func (d *Driver) Capabilities() core.DNSCapabilities {
	return core.DNSCapabilities{Kind: Kind, Read: true, Write: true, Delegate: true,
		RecordTypes: append([]string{}, core.RecordTypes...)}
}

// target resolves the settings of name's namespace and checks that name
// lies strictly inside its zone. Its errors are configuration problems that
// an operator fixes: until then the namespace's DNS is unavailable.
func (d *Driver) target(name core.Name) (target, string, error) {
	t, apex, err := d.resolve(name)
	if err != nil {
		return target{}, "", fmt.Errorf("%w (%w: the namespace's DNS settings need an operator)", err, ports.ErrUnavailable)
	}
	return t, apex, nil
}

func (d *Driver) resolve(name core.Name) (target, string, error) {
	ns := name.Namespace()
	d.mu.Lock()
	t, ok := d.targets[ns]
	d.mu.Unlock()
	if !ok {
		cfg, what := d.def, envPrefix+envDefaultScope+"_*"
		if d.lookup != nil {
			scope := EnvScope(ns)
			o, err := readEnv(d.lookup, scope)
			if err != nil {
				return target{}, "", err
			}
			if !o.isZero() {
				cfg, what = cfg.over(o), envPrefix+envDefaultScope+"_* and "+envPrefix+scope+"_*"
			}
			if cfg.Server == "" {
				return target{}, "", fmt.Errorf("rfc2136: no DNS server for namespace %s: set %sRFC2136_SERVER or %s%s_SERVER",
					ns, envPrefix, envPrefix, scope)
			}
		}
		var err error
		if t, err = cfg.resolve(ns, what); err != nil {
			return target{}, "", err
		}
		d.mu.Lock()
		d.targets[ns] = t
		d.mu.Unlock()
	}
	apex := strings.ToLower(dns.Fqdn(name.String()))
	if apex == t.zone || !dns.IsSubDomain(t.zone, apex) {
		return target{}, "", fmt.Errorf("rfc2136: %s is not inside zone %s", name, t.zone)
	}
	return t, apex, nil
}

// ReadRecords reads the zone and answers the registration's records: the
// managed types at its apex and below, owner names relative ("@" the apex),
// sorted like core.NormalizeRecords sorts. The NS delegation is not a record.
func (d *Driver) ReadRecords(ctx context.Context, name core.Name) ([]core.Record, error) {
	t, apex, err := d.target(name)
	if err != nil {
		return nil, err
	}
	rrs, _, err := t.transfer(ctx)
	if err != nil {
		return nil, err
	}
	out := []core.Record{}
	for _, rr := range rrs {
		if r, ok := fromRR(apex, rr); ok {
			out = append(out, r)
		}
	}
	sortRecords(out)
	return out, nil
}

// ReplaceRecords replaces every managed record of the registration with recs
// (normalized by core.NormalizeRecords) in one update message, guarded by the
// zone's SOA as read; see the package doc.
func (d *Driver) ReplaceRecords(ctx context.Context, name core.Name, recs []core.Record) error {
	t, apex, err := d.target(name)
	if err != nil {
		return err
	}
	adds, err := toRRs(apex, recs)
	if err != nil {
		return err
	}
	for try := 1; ; try++ {
		rrs, soa, err := t.transfer(ctx)
		if err != nil {
			return err
		}
		m := new(dns.Msg)
		m.SetUpdate(t.zone)
		prereq := dns.Copy(soa)
		m.Used([]dns.RR{prereq})
		m.RemoveRRset(managedRRsets(apex, rrs))
		m.Insert(adds)
		if len(m.Ns) == 0 {
			return nil // nothing there, nothing wanted
		}
		if m.Len() > dns.MaxMsgSize-512 { // room for the TSIG record
			return core.Invalid("records", "the records do not fit in one DNS update message (64 KiB); send fewer or shorter records")
		}
		err = t.update(ctx, m)
		var rc *RcodeError
		if !errors.As(err, &rc) || rc.Rcode != dns.RcodeNXRrset {
			return err
		}
		// The zone changed since the transfer: read it again, after a short
		// random pause so that concurrent writers drift apart.
		if try == maxUpdateTries {
			return unavailable("dns update", t.server, fmt.Errorf("zone %s changed during each of %d tries", t.zone, try))
		}
		pause := time.Duration(rand.Int64N(int64(20*time.Millisecond))) * time.Duration(try)
		select {
		case <-ctx.Done():
			return unavailable("dns update", t.server, ctx.Err())
		case <-time.After(pause):
		}
	}
}

// SetDelegation replaces the NS RRset at the registration's apex with
// nameservers (host names); an empty list withdraws the delegation.
func (d *Driver) SetDelegation(ctx context.Context, name core.Name, nameservers []string) error {
	t, apex, err := d.target(name)
	if err != nil {
		return err
	}
	m := new(dns.Msg)
	m.SetUpdate(t.zone)
	m.RemoveRRset([]dns.RR{&dns.NS{Hdr: dns.RR_Header{Name: apex, Rrtype: dns.TypeNS, Class: dns.ClassINET}}})
	seen := map[string]bool{}
	for _, ns := range nameservers {
		host := strings.ToLower(dns.Fqdn(strings.TrimSpace(ns)))
		if _, ok := dns.IsDomainName(host); !ok || host == "." {
			return core.Invalid("nameservers", "%q is not a host name", ns)
		}
		if seen[host] {
			continue
		}
		seen[host] = true
		m.Insert([]dns.RR{&dns.NS{Hdr: dns.RR_Header{Name: apex, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: DelegationTTL}, Ns: host}})
	}
	return t.update(ctx, m)
}

// managedRRsets answers one RR per managed RRset (owner and type) that rrs
// hold at apex or below: what ReplaceRecords deletes. The apex NS RRset
// (the delegation) is never among them.
func managedRRsets(apex string, rrs []dns.RR) []dns.RR {
	type key struct {
		owner string
		typ   uint16
	}
	seen := map[key]bool{}
	out := []dns.RR{}
	for _, rr := range rrs {
		h := rr.Header()
		owner := strings.ToLower(h.Name)
		if !managedType(h.Rrtype) || !inside(apex, owner) {
			continue
		}
		k := key{owner, h.Rrtype}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, &dns.ANY{Hdr: dns.RR_Header{Name: owner, Rrtype: h.Rrtype, Class: dns.ClassINET}})
	}
	return out
}

// inside reports whether owner is apex or below it (both lowercase, fully qualified).
func inside(apex, owner string) bool {
	return owner == apex || strings.HasSuffix(owner, "."+apex)
}
