// Package eppconformance tests the EPP gateway over real TLS connections to
// in-process listeners, with frames written from the RFC 5730/5731/5733/
// 3915/8334 examples, and checks the registry state it leaves against the
// REST API over the same core.
package eppconformance

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/adapters/dns"
	"github.com/headlessdomains/registry/adapters/epp"
	"github.com/headlessdomains/registry/adapters/epp/eppclient"
	httpadapter "github.com/headlessdomains/registry/adapters/http"
	"github.com/headlessdomains/registry/adapters/memory"
	"github.com/headlessdomains/registry/adapters/password"
	"github.com/headlessdomains/registry/adapters/sqlstore"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/core/registry"
	"github.com/headlessdomains/registry/ports"
)

const (
	operatorToken = "op-token-for-conformance-tests"
	eppPassword   = "foo-BAR2"
)

// env is one registry (memory store) with a production EPP listener, an
// OT&E EPP listener and the REST API, and a registrar set up end to end.
type env struct {
	t        *testing.T
	svc      *registry.Service
	store    ports.UnitOfWork
	addr     string // production listener
	oteAddr  string // OT&E listener
	client   *tls.Config
	rest     *httptest.Server
	logs     *syncBuffer
	prod     *epp.Server
	ns       string // the channel's namespace
	slug     string
	channel  core.Channel
	partner  core.Partner
	apiToken string
}

// envSpec tunes newEnv; the zero value is a production-approved channel.
type envSpec struct {
	NoProduction bool
	RateLimit    int
	Options      epp.Options      // for both listeners
	ClientCA     string           // PEM file: client certificates are required
	ClientCert   *tls.Certificate // bound to the env's channel
	LoginGuard   registry.LoginGuardOptions
	// SQLite runs the registry on a SQLite file through the bun store
	// instead of the memory store.
	SQLite bool
}

var seq atomic.Int64

func unique(prefix string) string {
	return fmt.Sprintf("%s%d%d", prefix, time.Now().UnixNano()%1_000_000, seq.Add(1))
}

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	ch chan []byte
	b  strings.Builder
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{ch: make(chan []byte, 4096)} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.ch <- append([]byte(nil), p...)
	return len(p), nil
}

// String drains what was written so far.
func (s *syncBuffer) String() string {
	for {
		select {
		case p := <-s.ch:
			s.b.Write(p)
		default:
			return s.b.String()
		}
	}
}

var cheapHasher = password.NewWithParams(password.Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 16})

func newEnv(t *testing.T, spec envSpec) *env {
	t.Helper()
	ctx := context.Background()
	var st ports.UnitOfWork = memory.NewStore()
	if spec.SQLite {
		db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "registry.db"), sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		if err := sqlstore.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		st = sqlstore.NewStore(db)
	}
	svc := registry.NewService(st, memory.NewRateCounter(), dns.NewDefaultBackends(), ports.ClockFunc(time.Now), core.NewIDs(),
		registry.Options{Passwords: cheapHasher, LoginGuard: spec.LoginGuard})
	e := &env{t: t, svc: svc, store: st, logs: newSyncBuffer()}
	log := zerolog.New(e.logs)

	conf, _, _, err := epp.TLSConfig(epp.TLSSettings{ClientCAFile: spec.ClientCA})
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(conf.Certificates[0].Certificate[0])
	pool.AddCert(leaf)
	e.client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	if spec.ClientCert != nil {
		e.client.Certificates = []tls.Certificate{*spec.ClientCert}
	}

	listen := func(opts epp.Options) (*epp.Server, string) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := epp.NewServer(svc, conf, log, opts)
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = srv.Serve(ln)
		}()
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
			<-done
		})
		return srv, ln.Addr().String()
	}
	e.prod, e.addr = listen(spec.Options)
	ote := spec.Options
	ote.OTE = true
	_, e.oteAddr = listen(ote)

	e.rest = httptest.NewServer(httpadapter.NewServer(svc, svc, log, httpadapter.Options{OperatorToken: operatorToken}).Handler())
	t.Cleanup(e.rest.Close)

	// The registrar, set up as an operator would.
	e.ns = unique("ns")
	if _, err := svc.CreateNamespace(ctx, core.CreateNamespace{Name: e.ns, DNSBackend: core.DNSBackendMemory,
		CreatePriceGems: 10, RenewPriceGems: 8, ReservedLabels: []string{"registry"}, ClaimLabels: []string{"bitcoin"}}); err != nil {
		t.Fatal(err)
	}
	e.partner, e.channel, e.apiToken = e.registrar(spec.NoProduction, spec.RateLimit, e.ns)
	e.slug = e.channel.Slug
	if spec.ClientCert != nil {
		e.channel = e.bindCert(e.channel.ID, *spec.ClientCert)
	}
	return e
}

// registrar creates a partner and an approved channel listed for ns, with
// the EPP password and a REST key.
func (e *env) registrar(noProduction bool, rateLimit int, namespaces ...string) (core.Partner, core.Channel, string) {
	e.t.Helper()
	ctx := context.Background()
	svc := e.svc
	p, err := svc.CreatePartner(ctx, core.CreatePartner{Name: unique("Partner "), GemsBalance: 10_000, DNSModuleEnabled: true})
	if err != nil {
		e.t.Fatal(err)
	}
	ch, err := svc.CreateChannel(ctx, core.CreateChannel{PartnerID: p.ID, Slug: unique("reg-"), RateLimitPerMinute: rateLimit})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err = svc.ApproveChannel(ctx, ch.ID); err != nil {
		e.t.Fatal(err)
	}
	if !noProduction {
		if _, err = svc.ApproveProduction(ctx, core.ApproveProduction{ChannelID: ch.ID, Force: true}); err != nil {
			e.t.Fatal(err)
		}
	}
	for _, ns := range namespaces {
		if _, err := svc.AddListing(ctx, ch.ID, ns); err != nil {
			e.t.Fatal(err)
		}
		if _, err := svc.ApproveListing(ctx, ch.ID, ns); err != nil {
			e.t.Fatal(err)
		}
	}
	if ch, err = svc.SetEPPPassword(ctx, ch.ID, eppPassword); err != nil {
		e.t.Fatal(err)
	}
	k, err := svc.CreateAPIKey(ctx, core.CreateAPIKey{PartnerID: p.ID, ChannelID: ch.ID, Profile: core.ProfileRegistrarAPI})
	if err != nil {
		e.t.Fatal(err)
	}
	return p, ch, k.Token
}

// bindCert binds cert to the channel as an operator does.
func (e *env) bindCert(channelID string, cert tls.Certificate) core.Channel {
	e.t.Helper()
	fp := epp.Fingerprint(cert.Certificate[0])
	ch, err := e.svc.PatchChannel(context.Background(), channelID, core.PatchChannel{EPPClientCertSHA256: &fp})
	if err != nil {
		e.t.Fatal(err)
	}
	return ch
}

// dial opens a session on addr (the greeting read).
func (e *env) dial(addr string) *eppclient.Client {
	e.t.Helper()
	c, err := eppclient.Dial(addr, e.client, 10*time.Second)
	if err != nil {
		e.t.Fatalf("dial %s: %v", addr, err)
	}
	e.t.Cleanup(func() { _ = c.Close() })
	return c
}

// session dials and logs in as the env's channel.
func (e *env) session(addr string) *eppclient.Client {
	e.t.Helper()
	c := e.dial(addr)
	e.must(c, 1000, eppclient.LoginXML(e.slug, eppPassword, ""), "login-1")
	return c
}

// must runs a command and fails the test unless it answers want.
func (e *env) must(c *eppclient.Client, want int, inner, clTRID string) *eppclient.Response {
	e.t.Helper()
	r, err := c.Command(inner, clTRID)
	if err != nil {
		e.t.Fatalf("command: %v", err)
	}
	if r.Code != want {
		e.t.Fatalf("answered %s, want %d\n%s", r, want, r.Raw)
	}
	if clTRID != "" && r.ClTRID != clTRID {
		e.t.Fatalf("clTRID echoed %q, want %q", r.ClTRID, clTRID)
	}
	if r.SvTRID == "" {
		e.t.Fatal("no svTRID")
	}
	return r
}

// refused runs a command and checks it answers the catalog row of code.
func (e *env) refused(c *eppclient.Client, code core.Code, inner, clTRID string) *eppclient.Response {
	e.t.Helper()
	spec := core.SpecOf(code)
	r := e.must(c, spec.EPPCode, inner, clTRID)
	if r.Msg != spec.EPPMessage || r.RegistryCode != string(code) || r.Reason == "" {
		e.t.Fatalf("refusal %s, want %d %q with code %s and a reason", r, spec.EPPCode, spec.EPPMessage, code)
	}
	return r
}

// closed checks that the server closed c.
func closed(t *testing.T, c *eppclient.Client) {
	t.Helper()
	_ = c.Conn().SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	if _, err := c.Conn().Read(b[:]); err != io.EOF && !isClosedErr(err) {
		t.Fatalf("the server did not close the session: %v", err)
	}
}

func isClosedErr(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "closed") ||
		strings.Contains(err.Error(), "broken pipe"))
}

// restJSON calls the REST API with the env's key.
func (e *env) restJSON(method, path string, body any, headers ...string) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, e.rest.URL+"/api/v1/registrar/v1"+path, rd)
	req.Header.Set("Authorization", "Bearer "+e.apiToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// actor is the env channel's session actor, for reading state through the core.
func (e *env) actor() core.Actor {
	e.t.Helper()
	a, err := e.svc.EPPLogin(context.Background(), core.EPPLogin{ClID: e.slug, Password: eppPassword})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// contact creates the RFC 5733 example contact with id over EPP.
func (e *env) contact(c *eppclient.Client, id string) {
	e.t.Helper()
	e.must(c, 1000, eppclient.CreateContactXML(id), unique("cc-"))
}
