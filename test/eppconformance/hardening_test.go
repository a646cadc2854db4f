package eppconformance

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/epp"
	"github.com/headlessdomains/registry/adapters/epp/eppclient"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

// from is a local loopback address to dial from (127.0.0.0/8 is all loopback on Linux).
func from(ip string) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip)} }

// dialFrom opens a session from a local address (the greeting read).
func (e *env) dialFrom(local string, addr string) *eppclient.Client {
	e.t.Helper()
	c, err := eppclient.DialFrom(from(local), addr, e.client, 10*time.Second)
	if err != nil {
		e.t.Fatalf("dial %s from %s: %v", addr, local, err)
	}
	e.t.Cleanup(func() { _ = c.Close() })
	return c
}

// refusedOnConnect checks that a connection from local is closed before it
// is greeted.
func (e *env) refusedOnConnect(local, addr string) {
	e.t.Helper()
	c, err := eppclient.DialFrom(from(local), addr, e.client, 10*time.Second)
	if err == nil {
		_ = c.Close()
		e.t.Fatalf("a connection from %s was greeted over the limit", local)
	}
}

// lockouts answers the epp_login_lockout audit rows (of one channel, or all).
func (e *env) lockouts(channelID string) []core.AuditEvent {
	e.t.Helper()
	var out []core.AuditEvent
	err := e.store.View(context.Background(), func(ctx context.Context, tx ports.Stores) error {
		var err error
		out, err = tx.Audit().Query(ctx, ports.AuditQuery{ChannelID: channelID, Command: "epp_login_lockout", Limit: 1000})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// A password guessed over fresh connections is slowed from the third
// failure and locked out at the sixth: the lock-out answers 2501 and closes,
// the right password is refused alike while it lasts, and one audit row
// records it.
func TestPasswordGuessingAcrossReconnectsIsSlowedThenLockedOut(t *testing.T) {
	e := newEnv(t, envSpec{LoginGuard: registry.LoginGuardOptions{FreeFailures: 2, BaseDelay: 100 * time.Millisecond,
		MaxDelay: 200 * time.Millisecond, ClientLockout: 6, SourceLockout: 1000, LockoutDuration: time.Hour}})
	wantAtLeast := []time.Duration{0, 0, 100 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond}
	for i, want := range wantAtLeast {
		c := e.dial(e.addr)
		start := time.Now()
		e.refused(c, core.CodeAuthenticationFailed, eppclient.LoginXML(e.slug, "guess-"+string(rune('a'+i)), ""), "guess")
		if took := time.Since(start); took < want {
			t.Fatalf("guess %d answered after %s, want at least %s", i+1, took, want)
		}
		_ = c.Close()
	}
	c := e.dial(e.addr)
	r := e.must(c, 2501, eppclient.LoginXML(e.slug, "guess-f", ""), "g-6")
	if r.RegistryCode != string(core.CodeAuthenticationFailed) || !strings.Contains(r.Reason, "refused until") {
		t.Fatalf("the locking guess: %s", r)
	}
	closed(t, c)
	c = e.dial(e.addr)
	e.must(c, 2501, eppclient.LoginXML(e.slug, eppPassword, ""), "right-pw")
	closed(t, c)

	rows := e.lockouts(e.channel.ID)
	if len(rows) != 1 || rows[0].RequestSummary["scope"] != "registrar_channel" || rows[0].ResponseSummary["failures"] == nil {
		t.Fatalf("lock-out audit rows: %+v", rows)
	}
	if n := e.prod.Counters().LoginLockouts; n != 2 {
		t.Fatalf("LoginLockouts = %d, want 2", n)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "locked out") || strings.Contains(logs, "guess-") || strings.Contains(logs, eppPassword) {
		t.Fatalf("logs lack the lock-out or carry a password:\n%s", logs)
	}
}

// Guesses from one address, whatever clID they name, lock that address out;
// a registrar connecting from another address still logs in.
func TestLoginLockoutPerSourceAddress(t *testing.T) {
	e := newEnv(t, envSpec{LoginGuard: registry.LoginGuardOptions{FreeFailures: 10, ClientLockout: 1000, SourceLockout: 3,
		LockoutDuration: time.Hour}})
	for i := range 2 {
		c := e.dialFrom("127.0.0.3", e.addr)
		e.refused(c, core.CodeAuthenticationFailed, eppclient.LoginXML("nobody-"+string(rune('a'+i)), "guess-pw", ""), "src-guess")
	}
	c := e.dialFrom("127.0.0.3", e.addr)
	e.must(c, 2501, eppclient.LoginXML("nobody-c", "guess-pw", ""), "s-3")
	c = e.dialFrom("127.0.0.3", e.addr)
	e.must(c, 2501, eppclient.LoginXML(e.slug, eppPassword, ""), "s-4")
	c = e.dialFrom("127.0.0.4", e.addr)
	e.must(c, 1000, eppclient.LoginXML(e.slug, eppPassword, ""), "s-5")

	var found bool
	for _, ev := range e.lockouts("") {
		found = found || ev.RequestSummary["source_address"] == "127.0.0.3" && ev.ChannelID == ""
	}
	if !found {
		t.Fatalf("no audit row for the address lock-out: %+v", e.lockouts(""))
	}
}

// With client CAs configured, a certificate the CA signed for another
// channel is refused with 2200, the bound one logs in, and a channel with
// no certificate bound cannot log in at all.
func TestClientCertificateOfAnotherChannelIsRefused(t *testing.T) {
	caCert, caKey := newCA(t, "registry test CA")
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	certA := clientCert(t, caCert, caKey, "registrar A")
	certB := clientCert(t, caCert, caKey, "registrar B")
	e := newEnv(t, envSpec{ClientCA: caFile, ClientCert: &certA})
	_, chB, _ := e.registrar(false, 0, e.ns)

	// The operator binds B's certificate over the REST operator API, in openssl's form.
	fpB := epp.Fingerprint(certB.Certificate[0])
	body, _ := json.Marshal(map[string]string{"epp_client_cert_sha256": fpB})
	req, _ := http.NewRequest(http.MethodPatch, e.rest.URL+"/api/v1/admin/registrar-channels/"+chB.ID, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+operatorToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	want := strings.ToLower(strings.ReplaceAll(fpB, ":", ""))
	if resp.StatusCode != http.StatusOK || got["epp_client_cert_sha256"] != want {
		t.Fatalf("PATCH epp_client_cert_sha256: %d %v", resp.StatusCode, got)
	}

	withB := e.client.Clone()
	withB.Certificates = []tls.Certificate{certB}
	c, err := eppclient.Dial(e.addr, withB, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	e.refused(c, core.CodeAuthenticationFailed, eppclient.LoginXML(e.slug, eppPassword, ""), "b-as-a")
	e.must(c, 1000, eppclient.LoginXML(chB.Slug, eppPassword, ""), "b-as-b")

	e.session(e.addr) // A's own certificate logs in as A

	_, chC, _ := e.registrar(false, 0, e.ns) // no certificate bound
	c2 := e.dial(e.addr)
	e.refused(c2, core.CodeAuthenticationFailed, eppclient.LoginXML(chC.Slug, eppPassword, ""), "a-as-c")
}

// Connections that have not logged in are capped per source address, and
// all connections per listener; both refusals close the connection before
// the greeting, are counted, and logged. Logging in frees the source's slot.
func TestConnectionCapsBeforeLogin(t *testing.T) {
	e := newEnv(t, envSpec{Options: epp.Options{MaxUnauthenticatedPerIP: 3, MaxConnections: 6}})
	var held []*eppclient.Client
	for range 3 {
		held = append(held, e.dialFrom("127.0.0.1", e.addr))
	}
	e.refusedOnConnect("127.0.0.1", e.addr)
	e.dialFrom("127.0.0.2", e.addr) // another address is greeted

	e.must(held[0], 1000, eppclient.LoginXML(e.slug, eppPassword, ""), "cap-1")
	e.dialFrom("127.0.0.1", e.addr) // the logged-in session left the count
	e.dialFrom("127.0.0.5", e.addr) // the 6th connection
	e.refusedOnConnect("127.0.0.6", e.addr)

	if total, unauth := e.prod.Connections(); total != 6 || unauth != 5 {
		t.Fatalf("Connections() = %d, %d; want 6, 5", total, unauth)
	}
	if n := e.prod.Counters(); n.RefusedUnauthenticatedPerIP != 1 || n.RefusedMaxConnections != 1 {
		t.Fatalf("counters %+v", n)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "epp connection refused") {
		t.Fatalf("no refusal logged:\n%s", logs)
	}
}

// Before login a data unit is bounded by 64 KiB: a header announcing more
// closes the connection at once; 64 KiB itself is read. After login 1 MiB
// is (TestOversizeFrameClosesTheSession).
func TestFrameLimitBeforeLogin(t *testing.T) {
	e := newEnv(t, envSpec{})
	var hdr [4]byte
	c := e.dial(e.addr)
	binary.BigEndian.PutUint32(hdr[:], epp.MaxFrameBytesBeforeLogin+1)
	if _, err := c.Conn().Write(hdr[:]); err != nil {
		t.Fatal(err)
	}
	closed(t, c)

	c = e.dial(e.addr)
	binary.BigEndian.PutUint32(hdr[:], epp.MaxFrameBytes)
	if _, err := c.Conn().Write(append(hdr[:], bytes.Repeat([]byte(" "), 1000)...)); err != nil {
		t.Fatal(err)
	}
	closed(t, c)

	c = e.dial(e.addr)
	r, err := c.Exchange(bytes.Repeat([]byte(" "), epp.MaxFrameBytesBeforeLogin-4))
	if err != nil || r.Code != 2001 {
		t.Fatalf("a 64 KiB frame before login: %v %v", r, err)
	}
	if n := e.prod.Counters().FramesTooLarge; n != 2 {
		t.Fatalf("FramesTooLarge = %d, want 2", n)
	}
}

// A connection that does not log in within LoginTimeout is closed; a
// session that logged in is not held to it.
func TestLoginTimeout(t *testing.T) {
	e := newEnv(t, envSpec{Options: epp.Options{LoginTimeout: 300 * time.Millisecond}})
	c := e.dial(e.addr)
	closed(t, c)
	if !strings.Contains(e.logs.String(), `"reason":"login timeout"`) {
		t.Fatalf("no login timeout logged:\n%s", e.logs.String())
	}
	s := e.session(e.addr)
	time.Sleep(600 * time.Millisecond) // past the login timeout on purpose
	e.must(s, 1000, eppclient.CheckDomainsXML("a."+e.ns), "lt-1")
	if n := e.prod.Counters().LoginTimeouts; n != 1 {
		t.Fatalf("LoginTimeouts = %d, want 1", n)
	}
}
