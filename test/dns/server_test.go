// Package dns tests the rfc2136 DNS driver and the backend apply worker
// against a real authoritative server (Knot DNS, started by
// scripts/test-services.sh), asking that server over DNS what it answers.
//
//	scripts/test-services.sh go test ./test/dns/ ./adapters/dns/...
//
// Without REGISTRY_TEST_DNS_SERVER the server tests skip (they fail under
// REQUIRE_SERVICES=1); the PostgreSQL worker race likewise needs
// REGISTRY_TEST_POSTGRES_URL.
package dns

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	miekgdns "github.com/miekg/dns"

	"github.com/headlessdomains/registry/adapters/dns/rfc2136"
	"github.com/headlessdomains/registry/core"
)

const envRequireServices = "REQUIRE_SERVICES"

// server is the test DNS server of REGISTRY_TEST_DNS_*.
type server struct {
	addr      string
	keyName   string
	algorithm string
	secret    string
	zones     []string // fully qualified, e.g. "defiwallet."
}

// requireServer answers the server, or skips (fails under
// REQUIRE_SERVICES=1) when there is none.
func requireServer(t *testing.T) server {
	t.Helper()
	s := server{
		addr:      os.Getenv("REGISTRY_TEST_DNS_SERVER"),
		keyName:   os.Getenv("REGISTRY_TEST_DNS_TSIG_NAME"),
		algorithm: os.Getenv("REGISTRY_TEST_DNS_TSIG_ALGORITHM"),
		secret:    os.Getenv("REGISTRY_TEST_DNS_TSIG_SECRET"),
	}
	for _, z := range strings.FieldsFunc(os.Getenv("REGISTRY_TEST_DNS_ZONES"), func(r rune) bool { return r == ',' || r == ' ' }) {
		s.zones = append(s.zones, strings.ToLower(miekgdns.Fqdn(z)))
	}
	if s.addr == "" || s.keyName == "" || s.secret == "" || len(s.zones) == 0 {
		if os.Getenv(envRequireServices) == "1" {
			t.Fatalf("a DNS server is required (%s=1) but REGISTRY_TEST_DNS_SERVER, _TSIG_NAME, _TSIG_SECRET and _ZONES are not all set; run the tests through scripts/test-services.sh", envRequireServices)
		}
		t.Skip("DNS server tests skipped: REGISTRY_TEST_DNS_SERVER is not set (run through scripts/test-services.sh)")
	}
	return s
}

// namespace answers the namespace of zone (which the server must serve).
func (s server) namespace(t *testing.T, zone string) string {
	t.Helper()
	if !slices.Contains(s.zones, zone) {
		t.Fatalf("the test DNS server does not serve zone %s (it serves %v); add it to TEST_SERVICES_DNS_ZONES", zone, s.zones)
	}
	return strings.TrimSuffix(zone, ".")
}

// config is a driver configuration with the server's key.
func (s server) config() rfc2136.Config {
	return rfc2136.Config{Server: s.addr, TSIGName: s.keyName, TSIGAlgorithm: s.algorithm, TSIGSecret: s.secret, Timeout: 5 * time.Second}
}

// driver is a driver with the server's key.
func (s server) driver(t *testing.T) *rfc2136.Driver {
	t.Helper()
	return newDriver(t, s.config())
}

func newDriver(t *testing.T, cfg rfc2136.Config) *rfc2136.Driver {
	t.Helper()
	d, err := rfc2136.New(cfg)
	if err != nil {
		t.Fatalf("rfc2136.New: %v", err)
	}
	return d
}

// query asks the server (over TCP, no recursion) for qname/qtype.
func (s server) query(t *testing.T, qname string, qtype uint16) *miekgdns.Msg {
	t.Helper()
	m := new(miekgdns.Msg)
	m.SetQuestion(miekgdns.Fqdn(qname), qtype)
	m.RecursionDesired = false
	c := &miekgdns.Client{Net: "tcp", Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, s.addr)
	if err != nil {
		t.Fatalf("query %s %s: %v", qname, miekgdns.TypeToString[qtype], err)
	}
	return r
}

// answer asks for qname/qtype and answers the presentation of each answer
// RR's data (after the header), sorted; it fails unless the server answered
// authoritatively with NOERROR.
func (s server) answer(t *testing.T, qname string, qtype uint16) []string {
	t.Helper()
	r := s.query(t, qname, qtype)
	if r.Rcode != miekgdns.RcodeSuccess || !r.Authoritative {
		t.Fatalf("query %s %s: rcode %s, aa %v; want an authoritative NOERROR\n%v", qname, miekgdns.TypeToString[qtype],
			miekgdns.RcodeToString[r.Rcode], r.Authoritative, r)
	}
	return rdata(r.Answer, qtype)
}

// rdata answers the data of the rrs of type qtype, sorted.
func rdata(rrs []miekgdns.RR, qtype uint16) []string {
	out := []string{}
	for _, rr := range rrs {
		if rr.Header().Rrtype != qtype {
			continue
		}
		out = append(out, strings.TrimPrefix(rr.String(), rr.Header().String()))
	}
	slices.Sort(out)
	return out
}

// uniqueLabel makes a label no other test (or earlier run) uses.
func uniqueLabel(prefix string) string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// name makes a fresh registration name in zone.
func (s server) name(t *testing.T, prefix, zone string) core.Name {
	t.Helper()
	return core.MustName(uniqueLabel(prefix) + "." + s.namespace(t, zone))
}

// randomSecret is a base64 secret nobody configured.
func randomSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
