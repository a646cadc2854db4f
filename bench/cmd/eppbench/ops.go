package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/headlessdomains/registry/adapters/epp/eppclient"
	"github.com/headlessdomains/registry/bench/internal/load"
	"github.com/headlessdomains/registry/bench/internal/operatorapi"
)

// The four measurements, in the order they run.
const (
	restCheck  = "rest_check"
	eppCheck   = "epp_check"
	restCreate = "rest_create"
	eppCreate  = "epp_create"
)

// opTimeout bounds one operation (and each EPP network read or write).
const opTimeout = 30 * time.Second

type bench struct {
	cfg   config
	srv   *registryd
	ad    operatorapi.Admission
	runID string
	out   io.Writer

	seq        atomic.Int64 // names and keys of creates, unique in the run
	sessions   []*eppclient.Client
	tls        *tls.Config
	registrant string // the EPP contact the EPP creates name
}

// measureAll opens the EPP sessions and the contact, runs the four
// measurements and logs the sessions out.
func (b *bench) measureAll(ctx context.Context) ([]measurement, error) {
	b.tls = eppclient.PinnedTLS(b.srv.fingerprint)
	b.sessions = make([]*eppclient.Client, b.cfg.sessions)
	defer b.closeSessions()
	for i := range b.sessions {
		s, err := b.session()
		if err != nil {
			return nil, fmt.Errorf("EPP session %d: %w", i+1, err)
		}
		b.sessions[i] = s
	}
	b.registrant = "ebreg" + b.runID
	if _, err := b.sessions[0].Expect(1000, eppclient.CreateContactXML(b.registrant), "eppbench-"+b.runID+"-contact"); err != nil {
		return nil, fmt.Errorf("EPP contact:create: %w", err)
	}

	ops := []struct {
		name string
		op   load.Op
	}{
		{restCheck, b.restCheck}, {eppCheck, b.eppCheck}, {restCreate, b.restCreate}, {eppCreate, b.eppCreate},
	}
	var out []measurement
	for _, o := range ops {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		fmt.Fprintf(b.out, "eppbench: %s at %d clients for %s (warm-up %s)\n", o.name, b.cfg.sessions, b.cfg.duration, b.cfg.warmup)
		r := load.Run(ctx, load.Config{Concurrency: b.cfg.sessions, Duration: b.cfg.duration, Warmup: b.cfg.warmup, Timeout: opTimeout}, o.op)
		m := fromResult(o.name, r)
		fmt.Fprintf(b.out, "eppbench:   %.0f ops/s, p50 %.2f ms, p99 %.2f ms, %d errors\n", m.OpsPerSec, m.P50Ms, m.P99Ms, m.Errors)
		for _, e := range load.TopErrors(r.ErrorKinds, 3) {
			fmt.Fprintf(b.out, "eppbench:   error %s\n", e)
		}
		out = append(out, m)
	}
	return out, nil
}

func (b *bench) session() (*eppclient.Client, error) {
	return eppclient.Session(b.srv.eppAddr, b.tls, b.ad.ChannelSlug, b.ad.EPPPassword, opTimeout)
}

func (b *bench) closeSessions() {
	for i, s := range b.sessions {
		if s != nil {
			_, _ = s.Logout()
			b.sessions[i] = nil
		}
	}
}

// epp runs one command on worker w's session, reopening the session first
// when the last command lost it (a network error or a 25xx answer, after
// which the server closes the connection).
func (b *bench) epp(w *load.Worker, inner, clTRID string) error {
	s := b.sessions[w.ID]
	if s == nil {
		var err error
		if s, err = b.session(); err != nil {
			return fmt.Errorf("reopen session: %w", err)
		}
		b.sessions[w.ID] = s
	}
	_, err := s.Expect(1000, inner, clTRID)
	var re *eppclient.ResultError
	if err != nil && (!errors.As(err, &re) || re.Code >= 2500) {
		_ = s.Close()
		b.sessions[w.ID] = nil
	}
	return err
}

func (b *bench) registrarURL(path string) string {
	return b.srv.base + "/api/v1/registrar/v1" + path
}

func (b *bench) auth(w *load.Worker) []string {
	return []string{"Authorization", "Bearer " + b.ad.Tokens[w.ID%len(b.ad.Tokens)]}
}

// freeName is a random, unregistered name of the namespace.
func (b *bench) freeName(w *load.Worker) string {
	return "f" + strconv.FormatInt(w.Rand.Int64N(1<<40), 36) + "." + b.ad.Namespace
}

// nextCreate is a name and an idempotency key never used before in the run.
func (b *bench) nextCreate(prefix string) (name, key string) {
	n := strconv.FormatInt(b.seq.Add(1), 36)
	return prefix + b.runID + n + "." + b.ad.Namespace, "eppbench-" + b.runID + "-" + prefix + "-" + n
}

func (b *bench) restCheck(ctx context.Context, w *load.Worker) (string, error) {
	body := []byte(`{"names":["` + b.freeName(w) + `"]}`)
	_, err := w.Expect(ctx, 200, "POST", b.registrarURL("/domains/check"), body, b.auth(w)...)
	return "", err
}

func (b *bench) eppCheck(_ context.Context, w *load.Worker) (string, error) {
	return "", b.epp(w, eppclient.CheckDomainsXML(b.freeName(w)), "")
}

func (b *bench) restCreate(ctx context.Context, w *load.Worker) (string, error) {
	name, key := b.nextCreate("r")
	body := []byte(`{"domain":"` + name + `","years":1,"registrant":{"name":"Bench Registrant","organization":"Bench Holdings",` +
		`"email":"registrant@bench.example","phone":"+1.5555551234","country":"US"}}`)
	_, err := w.Expect(ctx, 201, "POST", b.registrarURL("/domains"), body, append(b.auth(w), "Idempotency-Key", key)...)
	return "", err
}

func (b *bench) eppCreate(_ context.Context, w *load.Worker) (string, error) {
	name, clTRID := b.nextCreate("e")
	return "", b.epp(w, eppclient.CreateDomainXML(name, b.registrant, 1), clTRID)
}
