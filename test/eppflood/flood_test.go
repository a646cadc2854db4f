// Package eppflood floods the EPP listener of the real registryd binary with
// connections that never log in, each announcing a 1 MiB data unit and
// sending most of it, and checks from outside the process that its
// resident memory stays bounded and that a registrar connecting from
// another address is still greeted and logs in.
package eppflood

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/epp"
	"github.com/headlessdomains/registry/adapters/epp/eppclient"
	"github.com/headlessdomains/registry/test/registrydproc"
)

const (
	floodConnections = 1500
	floodWorkers     = 64
	// maxGrowthKiB is how far registryd's resident memory may rise above
	// where it started.
	maxGrowthKiB = 150 << 10
)

var registryd string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "registryd-eppflood-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bins, err := registrydproc.Build(dir, "../../cmd/registryd")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	registryd = bins[0]
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// gateway is a running registryd with its EPP listener and demo login.
type gateway struct {
	*registrydproc.Server
	addr, clID, pw string
	tls            *tls.Config
}

var (
	eppLine   = regexp.MustCompile(`EPP gateway listening on (\S+) \(TLS; self-signed certificate SHA-256 Fingerprint=([0-9A-F:]+)\)`)
	loginLine = regexp.MustCompile(`EPP login +clID (\S+) +pw (\S+)`)
)

func startGateway(t *testing.T, env ...string) *gateway {
	t.Helper()
	env = append([]string{"REGISTRY_HTTP_ADDR=127.0.0.1:0", "REGISTRY_DATABASE_URL=memory:", "REGISTRY_DEMO=1",
		"REGISTRY_CONFIG=/dev/null", "REGISTRY_LOG_LEVEL=warn", "REGISTRY_EPP_ADDR=127.0.0.1:0"}, env...)
	p := registrydproc.Start(t, registryd, env...)
	out := p.Out.String() // the EPP and demo lines come before "registryd listening on"
	m, l := eppLine.FindStringSubmatch(out), loginLine.FindStringSubmatch(out)
	if m == nil || l == nil {
		t.Fatalf("no EPP listener or demo login in the output:\n%s", out)
	}
	return &gateway{Server: p, addr: m[1], clID: l[1], pw: l[2], tls: eppclient.PinnedTLS(m[2])}
}

// memKiB reads a field of /proc/PID/status (VmRSS: resident now; VmHWM:
// the peak resident) in KiB.
func memKiB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s: %v", field, err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// raiseNoFile lifts the soft open-file limit (inherited by registryd) so
// that both ends of every flood connection fit.
func raiseNoFile(t *testing.T) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	want := uint64(4 * floodConnections)
	if lim.Cur >= want {
		return
	}
	lim.Cur = min(want, lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < want {
		t.Skipf("RLIMIT_NOFILE hard limit %d is below the %d the flood needs", lim.Max, want)
	}
}

// floodResult says what the flood's connections saw.
type floodResult struct {
	greeted, refused, bytesSent atomic.Int64
}

// flood opens n connections from 127.0.0.1 that never log in: each does
// the TLS handshake, reads the greeting, and writes a header announcing
// 1 MiB followed by all but the last byte of the body, in 64 KiB writes,
// until the server closes it. The connections stay open (client side)
// until the test ends. mid is called once half of them were attempted.
func flood(ctx context.Context, t *testing.T, g *gateway, n int, mid func()) *floodResult {
	t.Helper()
	res := &floodResult{}
	var mu sync.Mutex
	var held []net.Conn
	t.Cleanup(func() {
		for _, c := range held {
			_ = c.Close()
		}
	})
	work := make(chan int)
	var wg sync.WaitGroup
	var midOnce sync.Once
	chunk := make([]byte, 64<<10)
	for range floodWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if i == n/2 {
					midOnce.Do(mid)
				}
				d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, Timeout: 10 * time.Second}
				raw, err := d.DialContext(ctx, "tcp", g.addr)
				if err != nil {
					res.refused.Add(1)
					continue
				}
				mu.Lock()
				held = append(held, raw)
				mu.Unlock()
				tc := tls.Client(raw, g.tls)
				_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
				if _, err := epp.ReadFrame(tc, epp.MaxFrameBytes); err != nil { // handshake and greeting
					res.refused.Add(1)
					continue
				}
				res.greeted.Add(1)
				var hdr [4]byte
				binary.BigEndian.PutUint32(hdr[:], epp.MaxFrameBytes)
				if _, err := tc.Write(hdr[:]); err != nil {
					continue
				}
				for left := epp.MaxFrameBytes - 4 - 1; left > 0; {
					w, err := tc.Write(chunk[:min(len(chunk), left)])
					res.bytesSent.Add(int64(w))
					left -= w
					if err != nil {
						break
					}
				}
			}
		}()
	}
	for i := range n {
		select {
		case work <- i:
		case <-ctx.Done():
			t.Errorf("flood stopped after %d connections: %v", i, ctx.Err())
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	return res
}

// registrarLogsIn dials from 127.0.0.2, expects the greeting, and logs in.
func registrarLogsIn(g *gateway) error {
	c, err := eppclient.DialFrom(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, g.addr, g.tls, 30*time.Second)
	if err != nil {
		return fmt.Errorf("registrar from 127.0.0.2 not greeted: %w", err)
	}
	defer c.Close()
	r, err := c.Login(g.clID, g.pw, "", "flood-login")
	if err != nil {
		return fmt.Errorf("registrar login: %w", err)
	}
	if r.Code != 1000 {
		return fmt.Errorf("registrar login answered %s", r)
	}
	_, _ = c.Logout()
	return nil
}

func TestFloodOfConnectionsThatNeverLogIn(t *testing.T) {
	raiseNoFile(t)
	for _, tc := range []struct {
		name string
		env  []string
	}{
		// The shipped defaults: most flood connections are closed on accept
		// (16 not logged in per address), the rest at their 1 MiB header.
		{"default limits", nil},
		// Connection caps out of the way: every connection is admitted, and
		// only the 64 KiB limit before login and the frame reader bound it.
		{"frame limit alone", []string{"REGISTRY_EPP_MAX_CONNECTIONS=100000", "REGISTRY_EPP_MAX_UNAUTHENTICATED_PER_IP=100000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := startGateway(t, tc.env...)
			pid := g.PID()
			start := memKiB(t, pid, "VmRSS")

			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			midErr := make(chan error, 1)
			began := time.Now()
			res := flood(ctx, t, g, floodConnections, func() { midErr <- registrarLogsIn(g) })
			took := time.Since(began)
			peak, now := memKiB(t, pid, "VmHWM"), memKiB(t, pid, "VmRSS")
			t.Logf("%d connections in %s: %d greeted, %d refused, %d MiB of frame bodies written; registryd RSS %d MiB at start, peak %d MiB, %d MiB after",
				floodConnections, took.Round(time.Millisecond), res.greeted.Load(), res.refused.Load(), res.bytesSent.Load()>>20,
				start>>10, peak>>10, now>>10)
			if err := <-midErr; err != nil {
				t.Fatalf("during the flood: %v", err)
			}
			if peak-start > maxGrowthKiB {
				t.Fatalf("registryd's resident memory peaked at %d MiB, %d MiB above its start (%d MiB); the bound is %d MiB",
					peak>>10, (peak-start)>>10, start>>10, maxGrowthKiB>>10)
			}
			if err := registrarLogsIn(g); err != nil {
				t.Fatalf("after the flood: %v", err)
			}
			if tc.env == nil && res.refused.Load() == 0 {
				t.Fatal("the default per-address cap refused no flood connection")
			}
			if tc.env != nil && res.greeted.Load() != floodConnections {
				t.Fatalf("with the caps raised %d of %d connections were greeted", res.greeted.Load(), floodConnections)
			}
			if !strings.Contains(g.Out.String(), "epp connection refused") && tc.env == nil {
				t.Fatalf("no refusal logged:\n%s", g.Out.String())
			}
		})
	}
}
