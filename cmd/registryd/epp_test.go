package main

import (
	"context"
	"crypto/tls"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/epp"
	"github.com/headlessdomains/registry/adapters/epp/eppclient"
)

// lineWriter collects output and signals each write.
type lineWriter struct {
	mu    sync.Mutex
	b     strings.Builder
	wrote chan struct{}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.b.Write(p)
	w.mu.Unlock()
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// waitFor waits until the output matches re (or the timeout).
func (w *lineWriter) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(w.String()); m != nil {
			return m
		}
		select {
		case <-w.wrote:
		case <-deadline:
			t.Fatalf("output never matched %s:\n%s", re, w.String())
		}
	}
}

// registryd with REGISTRY_EPP_ADDR starts the gateway with a self-signed
// certificate whose fingerprint it prints, beside an openssl line; the demo
// prints an EPP login that works.
func TestServeStartsTheEPPGateway(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"REGISTRY_DATABASE_URL": "memory:", "REGISTRY_DEMO": "1", "REGISTRY_CONFIG": "/dev/null",
		"REGISTRY_EPP_ADDR": "127.0.0.1:0", "REGISTRY_EPP_OTE_ADDR": "127.0.0.1:0", "REGISTRY_LOG_LEVEL": "error",
	}
	out := &lineWriter{wrote: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, nil, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, out, ln)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Main: %v", err)
		}
	})

	login := out.waitFor(t, regexp.MustCompile(`EPP login +clID (\S+) +pw (\S+)`))
	gw := out.waitFor(t, regexp.MustCompile(`EPP gateway listening on (\S+) \(TLS; self-signed certificate SHA-256 Fingerprint=([0-9A-F:]{95})\)`))
	ote := out.waitFor(t, regexp.MustCompile(`EPP OT&E gateway listening on (\S+) `))
	if !strings.Contains(out.String(), "openssl s_client -connect "+gw[1]+" -quiet") {
		t.Fatalf("no openssl line:\n%s", out.String())
	}

	// The printed fingerprint is the certificate the listener presents.
	conf := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if got := epp.Fingerprint(cs.PeerCertificates[0].Raw); got != gw[2] {
				t.Errorf("presented %s, printed %s", got, gw[2])
			}
			return nil
		}}
	for _, addr := range []string{gw[1], ote[1]} {
		c, err := eppclient.Dial(addr, conf, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Login(login[1], login[2], "", "demo-login")
		if err != nil || r.Code != 1000 {
			t.Fatalf("login on %s: %v %v", addr, r, err)
		}
		r, err = c.Command(eppclient.CheckDomainsXML("alice.defiwallet"), "demo-check")
		if err != nil || r.Code != 1000 {
			t.Fatalf("check on %s: %v %v", addr, r, err)
		}
		if r, err := c.Logout(); err != nil || r.Code != 1500 {
			t.Fatalf("logout: %v %v", r, err)
		}
	}
}
