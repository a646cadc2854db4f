package eppclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/headlessdomains/registry/adapters/epp"
)

// For a load generator (the benchmark harness): one Session per worker
// goroutine, opened and logged in before the measured phase; each operation
// is one Expect. For example, 16 workers checking and creating:
//
//	conf := eppclient.PinnedTLS(fingerprint) // printed by registryd at start
//	s, err := eppclient.Session(addr, conf, slug, password, 30*time.Second)
//	// once per run, a registrant contact:
//	_, err = s.Expect(1000, eppclient.CreateContactXML("bench-reg"), "bench-contact-1")
//	// check: 1000
//	_, err = s.Expect(1000, eppclient.CheckDomainsXML(name), "")
//	// create: 1000; clTRID is the idempotency key, unique per operation
//	_, err = s.Expect(1000, eppclient.CreateDomainXML(name, "bench-reg", 1), fmt.Sprintf("bench-%d-%d", worker, seq))
//
// The channel needs an EPP password (operator PUT
// /api/v1/admin/registrar-channels/{id}/epp-password), a rate limit above the
// load (EPP counts the REST per-channel counters per command) and production
// approval for creates; a listener admits 32 sessions per channel.

// ResultError is an answer whose result code was not the expected one.
type ResultError struct {
	Want int
	*Response
}

func (e *ResultError) Error() string {
	return fmt.Sprintf("EPP %d, want %d: %s (%s)", e.Code, e.Want, e.Msg, e.RegistryCode)
}

// Expect runs a command and fails with a *ResultError unless its result
// code is want.
func (c *Client) Expect(want int, inner, clTRID string) (*Response, error) {
	r, err := c.Command(inner, clTRID)
	if err != nil {
		return nil, err
	}
	if r.Code != want {
		return r, &ResultError{Want: want, Response: r}
	}
	return r, nil
}

// Session dials addr and logs in as clID; the session is ready for commands.
func Session(addr string, conf *tls.Config, clID, pw string, timeout time.Duration) (*Client, error) {
	c, err := Dial(addr, conf, timeout)
	if err != nil {
		return nil, err
	}
	if _, err := c.Expect(1000, LoginXML(clID, pw, ""), ""); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("eppclient: login: %w", err)
	}
	return c, nil
}

// PinnedTLS trusts exactly the server certificate with this SHA-256
// fingerprint (colon-separated hex as registryd and openssl print it), for
// the self-signed certificate of a development or benchmark gateway.
func PinnedTLS(fingerprint string) *tls.Config {
	want := strings.ToUpper(strings.TrimSpace(fingerprint))
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by the pin below
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("eppclient: the server sent no certificate")
			}
			if got := epp.Fingerprint(raw[0]); got != want {
				return fmt.Errorf("eppclient: server certificate %s is not the pinned %s", got, want)
			}
			return nil
		},
	}
}
