package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	miekgdns "github.com/miekg/dns"

	"github.com/headlessdomains/registry/adapters/dns/rfc2136"
	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func prio(p int) *int { return &p }

// normalized runs records through the core's validation, as the registry does.
func normalized(t *testing.T, name core.Name, recs []core.Record) []core.Record {
	t.Helper()
	out, err := core.NormalizeRecords(name, recs)
	if err != nil {
		t.Fatalf("NormalizeRecords: %v", err)
	}
	return out
}

func TestRecordsAreAnsweredAndReplaced(t *testing.T) {
	s := requireServer(t)
	d := s.driver(t)
	ctx := context.Background()
	name := s.name(t, "rec", "defiwallet.")
	apex := name.String()

	// A neighbour whose records must survive every replacement of name's.
	neighbour := core.MustName("x" + name.Label() + "." + name.Namespace())
	if err := d.ReplaceRecords(ctx, neighbour, normalized(t, neighbour, []core.Record{{Type: "A", Name: "@", TTL: 300, Value: "203.0.113.50"}})); err != nil {
		t.Fatalf("ReplaceRecords(neighbour): %v", err)
	}

	long := strings.Repeat(`0123456789 "quoted" back\slash é `, 20) // > 255 bytes: several strings
	first := normalized(t, name, []core.Record{
		{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.1"},
		{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.2"},
		{Type: "AAAA", Name: "@", TTL: 300, Value: "2001:db8::1"},
		{Type: "MX", Name: "@", TTL: 3600, Value: "mail.example.net", Priority: prio(10)},
		{Type: "TXT", Name: "@", TTL: 600, Value: long},
		{Type: "CAA", Name: "@", TTL: 3600, Value: `0 issue "letsencrypt.org"`},
		{Type: "CNAME", Name: "www", TTL: 300, Value: "target.example.net"},
		{Type: "SRV", Name: "_sip._tcp", TTL: 300, Value: "5 5060 sip.example.net", Priority: prio(10)},
		{Type: "A", Name: "*.dyn", TTL: 60, Value: "192.0.2.9"},
		{Type: "TXT", Name: "deep.sub", TTL: 60, Value: "hello"},
	})
	if err := d.ReplaceRecords(ctx, name, first); err != nil {
		t.Fatalf("ReplaceRecords: %v", err)
	}

	if got, want := s.answer(t, apex, miekgdns.TypeA), []string{"192.0.2.1", "192.0.2.2"}; !slices.Equal(got, want) {
		t.Fatalf("A %s = %v, want %v", apex, got, want)
	}
	if got, want := s.answer(t, apex, miekgdns.TypeAAAA), []string{"2001:db8::1"}; !slices.Equal(got, want) {
		t.Fatalf("AAAA = %v, want %v", got, want)
	}
	if got, want := s.answer(t, apex, miekgdns.TypeMX), []string{"10 mail.example.net."}; !slices.Equal(got, want) {
		t.Fatalf("MX = %v, want %v", got, want)
	}
	if got, want := s.answer(t, apex, miekgdns.TypeCAA), []string{`0 issue "letsencrypt.org"`}; !slices.Equal(got, want) {
		t.Fatalf("CAA = %v, want %v", got, want)
	}
	if got, want := s.answer(t, "www."+apex, miekgdns.TypeCNAME), []string{"target.example.net."}; !slices.Equal(got, want) {
		t.Fatalf("CNAME = %v, want %v", got, want)
	}
	if got, want := s.answer(t, "_sip._tcp."+apex, miekgdns.TypeSRV), []string{"10 5 5060 sip.example.net."}; !slices.Equal(got, want) {
		t.Fatalf("SRV = %v, want %v", got, want)
	}
	if got, want := s.answer(t, "anything.dyn."+apex, miekgdns.TypeA), []string{"192.0.2.9"}; !slices.Equal(got, want) {
		t.Fatalf("wildcard A = %v, want %v", got, want)
	}
	txt := s.query(t, apex, miekgdns.TypeTXT)
	if len(txt.Answer) != 1 {
		t.Fatalf("TXT answer %v", txt.Answer)
	}
	parts := txt.Answer[0].(*miekgdns.TXT).Txt
	if len(parts) < 2 {
		t.Fatalf("a %d-byte TXT value came back as %d string(s), want it split", len(long), len(parts))
	}
	// Reading through the driver gives back exactly what was written.
	got, err := d.ReadRecords(ctx, name)
	if err != nil {
		t.Fatalf("ReadRecords: %v", err)
	}
	if !reflect.DeepEqual(got, first) {
		t.Fatalf("ReadRecords =\n%+v\nwant\n%+v", got, first)
	}

	// PUT again: a whole replacement.
	second := normalized(t, name, []core.Record{
		{Type: "A", Name: "@", TTL: 120, Value: "198.51.100.7"},
		{Type: "TXT", Name: "@", TTL: 120, Value: "v=spf1 -all"},
		{Type: "CNAME", Name: "blog", TTL: 300, Value: "pages.example.net"},
	})
	if err := d.ReplaceRecords(ctx, name, second); err != nil {
		t.Fatalf("ReplaceRecords again: %v", err)
	}
	if got, want := s.answer(t, apex, miekgdns.TypeA), []string{"198.51.100.7"}; !slices.Equal(got, want) {
		t.Fatalf("A after replace = %v, want %v", got, want)
	}
	if got, want := s.answer(t, apex, miekgdns.TypeTXT), []string{`"v=spf1 -all"`}; !slices.Equal(got, want) {
		t.Fatalf("TXT after replace = %v, want %v", got, want)
	}
	for _, gone := range []struct {
		name  string
		qtype uint16
	}{{apex, miekgdns.TypeMX}, {apex, miekgdns.TypeAAAA}, {apex, miekgdns.TypeCAA}, {"www." + apex, miekgdns.TypeCNAME},
		{"_sip._tcp." + apex, miekgdns.TypeSRV}, {"x.dyn." + apex, miekgdns.TypeA}, {"deep.sub." + apex, miekgdns.TypeTXT}} {
		if got := rdata(s.query(t, gone.name, gone.qtype).Answer, gone.qtype); len(got) != 0 {
			t.Fatalf("%s %s still answers %v after the replacement", gone.name, miekgdns.TypeToString[gone.qtype], got)
		}
	}
	if got, err := d.ReadRecords(ctx, name); err != nil || !reflect.DeepEqual(got, second) {
		t.Fatalf("ReadRecords after replace = %+v, %v; want %+v", got, err, second)
	}
	if got := s.answer(t, neighbour.String(), miekgdns.TypeA); !slices.Equal(got, []string{"203.0.113.50"}) {
		t.Fatalf("the neighbour's A = %v: replacing %s touched another registration", got, name)
	}

	// An empty set removes everything.
	if err := d.ReplaceRecords(ctx, name, nil); err != nil {
		t.Fatalf("ReplaceRecords(empty): %v", err)
	}
	if got, err := d.ReadRecords(ctx, name); err != nil || len(got) != 0 {
		t.Fatalf("ReadRecords after clearing = %+v, %v", got, err)
	}
	if r := s.query(t, apex, miekgdns.TypeA); r.Rcode != miekgdns.RcodeNameError {
		t.Fatalf("%s after clearing: rcode %s, want NXDOMAIN", apex, miekgdns.RcodeToString[r.Rcode])
	}
}

// TestRecordsOfOneRRsetShareATTL: the core refuses an RRset with mixed TTLs
// before any backend sees it, and the driver refuses one handed to it
// directly; nothing is written either way.
func TestRecordsOfOneRRsetShareATTL(t *testing.T) {
	s := requireServer(t)
	name := s.name(t, "ttl", "defiwallet.")
	mixed := []core.Record{
		{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.1"},
		{Type: "A", Name: "@", TTL: 600, Value: "192.0.2.2"},
	}
	if _, err := core.NormalizeRecords(name, mixed); core.CodeOf(err) != core.CodeValidation {
		t.Fatalf("NormalizeRecords: got %v, want a validation_error", err)
	}
	err := s.driver(t).ReplaceRecords(context.Background(), name, mixed)
	if core.CodeOf(err) != core.CodeValidation {
		t.Fatalf("ReplaceRecords: got %v, want a validation_error", err)
	}
	if r := s.query(t, name.String(), miekgdns.TypeA); len(r.Answer) != 0 {
		t.Fatalf("a refused set was written: %v", r.Answer)
	}
}

func TestDelegationIsAnsweredAsAReferral(t *testing.T) {
	s := requireServer(t)
	d := s.driver(t)
	ctx := context.Background()
	name := s.name(t, "deleg", "defiwallet.")
	apex := name.String()
	recs := normalized(t, name, []core.Record{{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.10"}})
	if err := d.ReplaceRecords(ctx, name, recs); err != nil {
		t.Fatalf("ReplaceRecords: %v", err)
	}

	if err := d.SetDelegation(ctx, name, []string{"ns2.example.net", "ns1.example.net"}); err != nil {
		t.Fatalf("SetDelegation: %v", err)
	}
	wantNS := []string{"ns1.example.net.", "ns2.example.net."}
	referral := func(when string) {
		t.Helper()
		for _, q := range []uint16{miekgdns.TypeA, miekgdns.TypeNS} {
			r := s.query(t, apex, q)
			if r.Rcode != miekgdns.RcodeSuccess || r.Authoritative || len(r.Answer) != 0 {
				t.Fatalf("%s: %s %s answered %v (aa %v), want a referral", when, apex, miekgdns.TypeToString[q], r.Answer, r.Authoritative)
			}
			if got := rdata(r.Ns, miekgdns.TypeNS); !slices.Equal(got, wantNS) {
				t.Fatalf("%s: referral NS %v, want %v", when, got, wantNS)
			}
		}
	}
	referral("after SetDelegation")
	// The records stay (occluded) and still read; the delegation is not a record.
	if got, err := d.ReadRecords(ctx, name); err != nil || !reflect.DeepEqual(got, recs) {
		t.Fatalf("ReadRecords under a delegation = %+v, %v; want %+v", got, err, recs)
	}
	// Replacing records never touches the delegation.
	recs = normalized(t, name, []core.Record{{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.11"}})
	if err := d.ReplaceRecords(ctx, name, recs); err != nil {
		t.Fatalf("ReplaceRecords under a delegation: %v", err)
	}
	referral("after replacing the records")

	// Replacing the delegation, then withdrawing it: the records answer again.
	if err := d.SetDelegation(ctx, name, []string{"ns3.example.org"}); err != nil {
		t.Fatalf("SetDelegation again: %v", err)
	}
	wantNS = []string{"ns3.example.org."}
	referral("after replacing the delegation")
	if err := d.SetDelegation(ctx, name, nil); err != nil {
		t.Fatalf("SetDelegation(none): %v", err)
	}
	if got := s.answer(t, apex, miekgdns.TypeA); !slices.Equal(got, []string{"192.0.2.11"}) {
		t.Fatalf("A after withdrawing the delegation = %v", got)
	}
	if got := rdata(s.query(t, apex, miekgdns.TypeNS).Answer, miekgdns.TypeNS); len(got) != 0 {
		t.Fatalf("NS after withdrawing the delegation = %v", got)
	}
}

func TestWrongTSIGSecretIsRefusedAndChangesNothing(t *testing.T) {
	s := requireServer(t)
	ctx := context.Background()
	name := s.name(t, "badkey", "defiwallet.")
	apex := name.String()
	good := s.driver(t)
	recs := normalized(t, name, []core.Record{{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.20"}})
	if err := good.ReplaceRecords(ctx, name, recs); err != nil {
		t.Fatalf("ReplaceRecords: %v", err)
	}

	cfg := s.config()
	cfg.TSIGSecret = randomSecret()
	bad := newDriver(t, cfg)
	check := func(op string, err error) {
		t.Helper()
		var rc *rfc2136.RcodeError
		if !errors.As(err, &rc) || rc.Rcode != miekgdns.RcodeNotAuth || rc.TSIGError != miekgdns.RcodeBadSig {
			t.Fatalf("%s with a wrong secret: %v (%T), want NOTAUTH with TSIG BADSIG", op, err, err)
		}
		if errors.Is(err, ports.ErrUnavailable) {
			t.Fatalf("%s: a refusal is not unavailability: %v", op, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, "NOTAUTH") || !strings.Contains(msg, "BADSIG") || strings.Contains(msg, cfg.TSIGSecret) {
			t.Fatalf("%s: error %q should name NOTAUTH and BADSIG, never the secret", op, msg)
		}
	}
	check("ReplaceRecords", bad.ReplaceRecords(ctx, name, normalized(t, name, []core.Record{{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.99"}})))
	check("SetDelegation", bad.SetDelegation(ctx, name, []string{"ns1.example.net"}))
	_, err := bad.ReadRecords(ctx, name)
	check("ReadRecords", err)

	if got := s.answer(t, apex, miekgdns.TypeA); !slices.Equal(got, []string{"192.0.2.20"}) {
		t.Fatalf("A after refused updates = %v", got)
	}
	if r := s.query(t, apex, miekgdns.TypeNS); len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != miekgdns.TypeSOA {
		t.Fatalf("NS after a refused delegation: %v / %v, want no delegation (NODATA)", r.Answer, r.Ns)
	}
}

func TestUnknownTSIGKeyIsRefused(t *testing.T) {
	s := requireServer(t)
	cfg := s.config()
	cfg.TSIGName = uniqueLabel("nobody") + "."
	name := s.name(t, "nokey", "defiwallet.")
	err := newDriver(t, cfg).SetDelegation(context.Background(), name, []string{"ns1.example.net"})
	var rc *rfc2136.RcodeError
	if !errors.As(err, &rc) || rc.Rcode != miekgdns.RcodeNotAuth || rc.TSIGError != miekgdns.RcodeBadKey || !strings.Contains(err.Error(), "BADKEY") {
		t.Fatalf("got %v, want NOTAUTH with TSIG BADKEY", err)
	}
}

func TestZoneTheServerDoesNotServeIsRefused(t *testing.T) {
	s := requireServer(t)
	name := core.MustName(uniqueLabel("nz") + ".notserved") // zone notserved. is not on the server
	err := s.driver(t).SetDelegation(context.Background(), name, []string{"ns1.example.net"})
	var rc *rfc2136.RcodeError
	if !errors.As(err, &rc) || errors.Is(err, ports.ErrUnavailable) || !strings.Contains(err.Error(), "notserved.") {
		t.Fatalf("got %v, want a refusal naming the rcode and the zone", err)
	}
}

func TestServerThatDoesNotAnswerIsUnavailable(t *testing.T) {
	// Nothing listens: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	_ = l.Close()

	// Something listens but never answers: the timeout ends the wait.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held sync.WaitGroup
	accepting := make(chan struct{})
	t.Cleanup(func() {
		_ = silent.Close()
		<-accepting // no more Adds
		held.Wait()
	})
	go func() {
		defer close(accepting)
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			held.Add(1)
			go func() { // read and discard until the client gives up
				defer held.Done()
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						_ = c.Close()
						return
					}
				}
			}()
		}
	}()

	const timeout = 300 * time.Millisecond
	name := core.MustName(uniqueLabel("down") + ".defiwallet")
	for _, addr := range []string{closed, silent.Addr().String()} {
		d := newDriver(t, rfc2136.Config{Server: addr, TSIGName: "registry-test-key.", TSIGSecret: randomSecret(), Timeout: timeout})
		ops := map[string]func(ctx context.Context) error{
			"ReplaceRecords": func(ctx context.Context) error {
				return d.ReplaceRecords(ctx, name, []core.Record{{Type: "A", Name: "@", TTL: 300, Value: "192.0.2.1"}})
			},
			"SetDelegation": func(ctx context.Context) error { return d.SetDelegation(ctx, name, []string{"ns1.example.net"}) },
			"ReadRecords":   func(ctx context.Context) error { _, err := d.ReadRecords(ctx, name); return err },
		}
		for op, call := range ops {
			start := time.Now()
			err := call(context.Background())
			took := time.Since(start)
			if !errors.Is(err, ports.ErrUnavailable) {
				t.Fatalf("%s against %s: %v, want ErrUnavailable", op, addr, err)
			}
			if took > timeout+2*time.Second {
				t.Fatalf("%s against %s took %s, beyond its %s timeout", op, addr, took, timeout)
			}
		}
	}

	// The caller's context bounds the wait too.
	d := newDriver(t, rfc2136.Config{Server: silent.Addr().String(), TSIGName: "k.", TSIGSecret: randomSecret(), Timeout: rfc2136.MaxTimeout})
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	if err := d.SetDelegation(ctx, name, nil); !errors.Is(err, ports.ErrUnavailable) || time.Since(start) > timeout+2*time.Second {
		t.Fatalf("SetDelegation with a %s context: %v after %s", timeout, err, time.Since(start))
	}
}

func TestConcurrentWritersInOneZone(t *testing.T) {
	s := requireServer(t)
	d := s.driver(t)
	ctx := context.Background()
	const writers = 6
	names := make([]core.Name, writers)
	for i := range names {
		names[i] = s.name(t, fmt.Sprintf("conc%d", i), "defiwallet.")
	}
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 1; round <= 3 && errs[i] == nil; round++ {
				recs := []core.Record{{Type: "A", Name: "@", TTL: 300, Value: fmt.Sprintf("192.0.2.%d", 10*i+round)},
					{Type: "TXT", Name: "r", TTL: 300, Value: fmt.Sprintf("round %d", round)}}
				errs[i] = d.ReplaceRecords(ctx, n, recs)
			}
		}()
	}
	wg.Wait()
	for i, n := range names {
		if errs[i] != nil {
			t.Fatalf("writer %d: %v", i, errs[i])
		}
		if got, want := s.answer(t, n.String(), miekgdns.TypeA), []string{fmt.Sprintf("192.0.2.%d", 10*i+3)}; !slices.Equal(got, want) {
			t.Fatalf("%s A = %v, want %v", n, got, want)
		}
		if got := s.answer(t, "r."+n.String(), miekgdns.TypeTXT); !slices.Equal(got, []string{`"round 3"`}) {
			t.Fatalf("r.%s TXT = %v", n, got)
		}
	}
}

func TestLargeZoneTransfersSpanSeveralSignedMessages(t *testing.T) {
	s := requireServer(t)
	d := s.driver(t)
	ctx := context.Background()
	// Three registrations of 90 TXT records of 500 bytes: a zone of well
	// over 64 KiB, which no single DNS message holds, so every transfer is
	// several messages, each signed (RFC 8945 §5.3.1).
	var names []core.Name
	var sets [][]core.Record
	for i := range 3 {
		name := s.name(t, fmt.Sprintf("big%d", i), "dnstest.")
		var recs []core.Record
		for j := range 90 {
			recs = append(recs, core.Record{Type: "TXT", Name: fmt.Sprintf("r%02d", j), TTL: 300,
				Value: fmt.Sprintf("%03d-%03d-%s", i, j, strings.Repeat("x", 492))})
		}
		recs = normalized(t, name, recs)
		if err := d.ReplaceRecords(ctx, name, recs); err != nil {
			t.Fatalf("ReplaceRecords(%s): %v", name, err)
		}
		names, sets = append(names, name), append(sets, recs)
	}
	for i, name := range names {
		got, err := d.ReadRecords(ctx, name)
		if err != nil {
			t.Fatalf("ReadRecords(%s): %v", name, err)
		}
		if !reflect.DeepEqual(got, sets[i]) {
			t.Fatalf("ReadRecords(%s): %d records back, want the %d written", name, len(got), len(sets[i]))
		}
	}
	// The transfer really took several messages.
	tr := &miekgdns.Transfer{TsigSecret: map[string]string{miekgdns.Fqdn(s.keyName): s.secret}}
	q := new(miekgdns.Msg)
	q.SetAxfr("dnstest.")
	alg := miekgdns.HmacSHA256
	if s.algorithm != "" {
		alg = miekgdns.Fqdn(strings.ToLower(s.algorithm))
	}
	q.SetTsig(miekgdns.Fqdn(s.keyName), alg, 300, time.Now().Unix())
	env, err := tr.In(q, s.addr)
	if err != nil {
		t.Fatalf("AXFR: %v", err)
	}
	messages := 0
	for e := range env {
		if e.Error != nil {
			t.Fatalf("AXFR: %v", e.Error)
		}
		messages++
	}
	if messages < 2 {
		t.Fatalf("the transfer took %d message(s); the test needs several", messages)
	}
	for _, name := range names {
		if err := d.ReplaceRecords(ctx, name, nil); err != nil {
			t.Fatalf("clean up %s: %v", name, err)
		}
	}
}
