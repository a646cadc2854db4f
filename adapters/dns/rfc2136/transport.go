package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"

	"github.com/headlessdomains/registry/ports"
)

// RcodeError is a server's refusal of an update or a zone transfer: it
// answered, so retrying the same request does not help.
type RcodeError struct {
	Op        string // "dns update" or "dns zone transfer"
	Zone      string
	Rcode     int // the DNS rcode, e.g. dns.RcodeNotAuth
	TSIGError int // the TSIG error of the answer (dns.RcodeBadSig, ...), 0 when none
}

func (e *RcodeError) Error() string {
	verb := "failed"
	switch e.Rcode {
	case dns.RcodeRefused, dns.RcodeNotAuth:
		verb = "refused"
	}
	return fmt.Sprintf("%s of zone %s %s: %s (%s)", e.Op, e.Zone, verb, rcodeName(e.Rcode), e.cause())
}

func (e *RcodeError) cause() string {
	switch e.TSIGError {
	case dns.RcodeBadSig:
		return "TSIG BADSIG: the server rejected the key's signature; check the TSIG secret"
	case dns.RcodeBadKey:
		return "TSIG BADKEY: the server does not know the key; check the TSIG key name and algorithm"
	case dns.RcodeBadTime:
		return "TSIG BADTIME: the server's clock and ours differ by more than 5 minutes"
	case 0:
	default:
		return "TSIG error " + rcodeName(e.TSIGError)
	}
	switch e.Rcode {
	case dns.RcodeNotAuth:
		return "the server is not authoritative for the zone or did not accept the TSIG key"
	case dns.RcodeRefused:
		return "the server does not allow this key to do this in the zone"
	case dns.RcodeNotZone:
		return "a name is outside the zone"
	case dns.RcodeNXRrset:
		return "the zone changed while the update was prepared"
	case dns.RcodeFormatError:
		return "the server could not parse the request"
	case dns.RcodeNotImplemented:
		return "the server does not implement this request"
	case dns.RcodeYXDomain, dns.RcodeYXRrset, dns.RcodeNameError:
		return "an update prerequisite did not hold"
	}
	return "unexpected answer"
}

func rcodeName(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("RCODE%d", rc)
}

// unavailable wraps a failure to get an answer: it is ports.ErrUnavailable.
func unavailable(op, server string, err error) error {
	return fmt.Errorf("%s: server %s did not answer: %w: %w", op, server, ports.ErrUnavailable, err)
}

// dial connects to the server over TCP (updates and transfers both use TCP:
// a replacement of 100 records does not fit in a UDP answer). The returned
// stop ends a blocked read when ctx ends.
func (t target) dial(ctx context.Context, op string) (*dns.Conn, func(), error) {
	d := net.Dialer{Timeout: t.timeout}
	c, err := d.DialContext(ctx, "tcp", t.server)
	if err != nil {
		return nil, nil, unavailable(op, t.server, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	return &dns.Conn{Conn: c}, func() { stop(); _ = c.Close() }, nil
}

// sign adds a TSIG record to m and packs it; it answers the wire form and
// the request MAC the answer's signature covers.
func (t target) sign(m *dns.Msg) ([]byte, string, error) {
	m.SetTsig(t.keyName, t.algorithm, tsigFudge, time.Now().Unix())
	return dns.TsigGenerate(m, t.secret, "", false)
}

// read reads one message within the timeout and checks its id.
func (t target) read(co *dns.Conn, op string, id uint16, buf []byte) (*dns.Msg, []byte, error) {
	_ = co.SetReadDeadline(time.Now().Add(t.timeout))
	n, err := co.Read(buf)
	if err != nil {
		return nil, nil, unavailable(op, t.server, err)
	}
	wire := buf[:n]
	m := new(dns.Msg)
	if err := m.Unpack(wire); err != nil {
		return nil, nil, fmt.Errorf("%s: server %s sent a malformed answer: %w", op, t.server, err)
	}
	if m.Id != id {
		return nil, nil, fmt.Errorf("%s: server %s answered another request (id %d, want %d)", op, t.server, m.Id, id)
	}
	return m, wire, nil
}

// refusal answers the RcodeError of an answer that is not NOERROR; SERVFAIL
// (the server could not do it now) counts as unavailable.
func (t target) refusal(op string, m *dns.Msg) error {
	if m.Rcode == dns.RcodeServerFailure {
		return unavailable(op, t.server, errors.New("SERVFAIL"))
	}
	e := &RcodeError{Op: op, Zone: t.zone, Rcode: m.Rcode}
	if ts := m.IsTsig(); ts != nil {
		e.TSIGError = int(ts.Error)
	}
	return e
}

// verify checks the TSIG signature of an answer (wire) against the request MAC.
func (t target) verify(op string, m *dns.Msg, wire []byte, mac string, timersOnly bool) (string, error) {
	ts := m.IsTsig()
	if ts == nil {
		return "", fmt.Errorf("%s: server %s sent an unsigned answer to a signed request", op, t.server)
	}
	if err := dns.TsigVerify(wire, t.secret, mac, timersOnly); err != nil {
		return "", fmt.Errorf("%s: the answer of server %s failed TSIG verification: %w", op, t.server, err)
	}
	return ts.MAC, nil
}

// update sends one signed UPDATE and checks its answer.
func (t target) update(ctx context.Context, m *dns.Msg) error {
	const op = "dns update"
	co, done, err := t.dial(ctx, op)
	if err != nil {
		return err
	}
	defer done()
	wire, mac, err := t.sign(m)
	if err != nil {
		return fmt.Errorf("%s: sign: %w", op, err)
	}
	_ = co.SetWriteDeadline(time.Now().Add(t.timeout))
	if _, err := co.Write(wire); err != nil {
		return unavailable(op, t.server, err)
	}
	resp, raw, err := t.read(co, op, m.Id, make([]byte, dns.MaxMsgSize))
	if err != nil {
		return ctxErr(ctx, err)
	}
	if resp.Rcode != dns.RcodeSuccess {
		return t.refusal(op, resp)
	}
	if _, err := t.verify(op, resp, raw, mac, false); err != nil {
		return err
	}
	return nil
}

// transfer reads the whole zone with a signed AXFR (RFC 5936), verifying
// every message's signature, and answers its RRs (without the closing SOA)
// and its SOA.
func (t target) transfer(ctx context.Context) ([]dns.RR, *dns.SOA, error) {
	const op = "dns zone transfer"
	co, done, err := t.dial(ctx, op)
	if err != nil {
		return nil, nil, err
	}
	defer done()
	q := new(dns.Msg)
	q.SetAxfr(t.zone)
	wire, mac, err := t.sign(q)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: sign: %w", op, err)
	}
	_ = co.SetWriteDeadline(time.Now().Add(t.timeout))
	if _, err := co.Write(wire); err != nil {
		return nil, nil, unavailable(op, t.server, err)
	}
	var (
		rrs   []dns.RR
		soa   *dns.SOA
		buf   = make([]byte, dns.MaxMsgSize)
		first = true
	)
	for {
		resp, raw, err := t.read(co, op, q.Id, buf)
		if err != nil {
			return nil, nil, ctxErr(ctx, err)
		}
		if resp.Rcode != dns.RcodeSuccess {
			return nil, nil, t.refusal(op, resp)
		}
		if mac, err = t.verify(op, resp, raw, mac, !first); err != nil {
			return nil, nil, err
		}
		for _, rr := range resp.Answer {
			s, isSOA := rr.(*dns.SOA)
			switch {
			case soa == nil && !isSOA:
				return nil, nil, fmt.Errorf("%s: server %s did not start the transfer with the SOA", op, t.server)
			case soa == nil:
				soa = s
				rrs = append(rrs, rr)
			case isSOA:
				return rrs, soa, nil // the closing SOA
			default:
				rrs = append(rrs, rr)
			}
		}
		first = false
	}
}

// ctxErr prefers the context's own error when it ended the exchange, still
// as unavailable (the server did not answer in time).
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, ports.ErrUnavailable) {
		return fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	return err
}
