package eppconformance

import (
	"crypto/tls"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/epp"
	"github.com/headlessdomains/registry/adapters/epp/eppclient"
)

// The benchmark harness's way in: 16 logged-in sessions, each checking and
// creating in a loop, over a certificate pinned by its fingerprint. Every
// create succeeds once; the balance pays for each exactly once.
func TestSixteenSessionsCheckAndCreate(t *testing.T) {
	e := newEnv(t, envSpec{RateLimit: 10_000})
	conf := pinnedConf(t, e)
	setup, err := eppclient.Session(e.addr, conf, e.slug, eppPassword, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	if _, err := setup.Expect(1000, eppclient.CreateContactXML("load-reg"), "load-contact"); err != nil {
		t.Fatal(err)
	}
	before := balance(t, e)
	const sessions, perSession = 16, 5
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for w := 0; w < sessions; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := eppclient.Session(e.addr, conf, e.slug, eppPassword, 10*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			for i := 0; i < perSession; i++ {
				name := fmt.Sprintf("load-%d-%d.%s", w, i, e.ns)
				if _, err := s.Expect(1000, eppclient.CheckDomainsXML(name), ""); err != nil {
					errs <- err
					return
				}
				if _, err := s.Expect(1000, eppclient.CreateDomainXML(name, "load-reg", 1), fmt.Sprintf("load-%d-%d", w, i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got, want := before-balance(t, e), int64(sessions*perSession*10); got != want {
		t.Fatalf("debited %d, want %d", got, want)
	}
	// A wrong pin refuses the connection; an unexpected result is a *ResultError.
	bad := eppclient.PinnedTLS("00:11")
	if _, err := eppclient.Dial(e.addr, bad, 5*time.Second); err == nil {
		t.Fatal("a wrong pin connected")
	}
	_, err = setup.Expect(1000, eppclient.InfoDomainXML("missing."+e.ns), "load-miss")
	var re *eppclient.ResultError
	if !errors.As(err, &re) || re.Code != 2303 {
		t.Fatalf("Expect of a refusal: %v", err)
	}
}

// pinnedConf pins the env listener's certificate by fingerprint.
func pinnedConf(t *testing.T, e *env) *tls.Config {
	t.Helper()
	c, err := eppclient.Dial(e.addr, e.client, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return eppclient.PinnedTLS(epp.Fingerprint(c.Conn().ConnectionState().PeerCertificates[0].Raw))
}
