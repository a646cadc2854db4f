package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/headlessdomains/registry/bench/internal/load"
	"github.com/headlessdomains/registry/bench/internal/seed"
)

// Ceiling kinds: which ceiling a scenario is compared with.
const (
	ceilRead  = "read"
	ceilWrite = "write"
)

// scenario is one kind of request the benchmark measures.
type scenario struct {
	name    string
	ceiling string
	op      load.Op
}

// scenarioOrder is the order of one concurrency round: reads first, then
// create (which feeds replay), create_multi, replay and renew.
var scenarioOrder = []string{"status", "check", "check_batch20", "info", "poll", "create", multiScenario, "replay", "renew"}

// target is the registry under load and what the scenarios know about its data.
type target struct {
	base   string   // http://host:port/api/v1/registrar/v1
	tokens []string // client i uses tokens[i % len]
	ns     string
	plan   seed.Plan
	runID  string

	domains    atomic.Int64 // seeded registrations [0, domains)
	auditTotal int64        // seeded audit events

	createSeq atomic.Int64
	renewSeq  atomic.Int64
	created   createdLog

	mu      sync.Mutex
	expiry  map[int64]string // renewed seeded registrations: current expires_at
	pollNow func() time.Time

	multi *target // create_multi's registrars (multi.go), nil unless admitted
}

// createdLog keeps the first creates' keys and bodies for replay.
type createdLog struct {
	mu      sync.Mutex
	entries []createdEntry
}

type createdEntry struct {
	key  string
	body []byte
}

const createdLogCap = 50000

func (l *createdLog) add(key string, body []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) < createdLogCap {
		l.entries = append(l.entries, createdEntry{key, body})
	}
}

func (l *createdLog) pick(r func(int) int) (createdEntry, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) == 0 {
		return createdEntry{}, false
	}
	return l.entries[r(len(l.entries))], true
}

func (l *createdLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

func newTarget(base string, tokens []string, ns string, plan seed.Plan, runID string) *target {
	return &target{base: base + "/api/v1/registrar/v1", tokens: tokens, ns: ns, plan: plan, runID: runID,
		expiry: map[int64]string{}, pollNow: time.Now}
}

func (t *target) auth(w *load.Worker) []string {
	return []string{"Authorization", "Bearer " + t.tokens[w.ID%len(t.tokens)]}
}

// scenarios returns the registrar scenarios by name.
func (t *target) scenarios() map[string]scenario {
	return map[string]scenario{
		"status":        {"status", ceilRead, t.status},
		"check":         {"check", ceilRead, t.check(1)},
		"check_batch20": {"check_batch20", ceilRead, t.check(20)},
		"info":          {"info", ceilRead, t.info},
		"poll":          {"poll", ceilRead, t.poll},
		"create":        {"create", ceilWrite, t.create},
		multiScenario:   {multiScenario, ceilWriteMulti, t.createMulti},
		"replay":        {"replay", ceilRead, t.replay},
		"renew":         {"renew", ceilWrite, t.renew},
	}
}

func (t *target) randomDomain(w *load.Worker) int64 {
	n := t.domains.Load()
	if n <= 0 {
		return 0
	}
	return w.Rand.Int64N(n)
}

func (t *target) status(ctx context.Context, w *load.Worker) (string, error) {
	_, err := w.Expect(ctx, 200, "GET", t.base+"/status", nil, t.auth(w)...)
	return "", err
}

// check asks about n names: half registered (seeded), half free.
func (t *target) check(n int) load.Op {
	return func(ctx context.Context, w *load.Worker) (string, error) {
		var b strings.Builder
		b.WriteString(`{"names":[`)
		for k := 0; k < n; k++ {
			if k > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			if w.Rand.IntN(2) == 0 && t.domains.Load() > 0 {
				b.WriteString(seed.Name(t.randomDomain(w), t.ns))
			} else {
				b.WriteString(seed.FreeLabel(w.Rand.Int64N(seed.MaxRows)) + "." + t.ns)
			}
			b.WriteByte('"')
		}
		b.WriteString(`]}`)
		_, err := w.Expect(ctx, 200, "POST", t.base+"/domains/check", []byte(b.String()), t.auth(w)...)
		return "", err
	}
}

func (t *target) info(ctx context.Context, w *load.Worker) (string, error) {
	if t.domains.Load() == 0 {
		return "", errors.New("info: nothing seeded")
	}
	_, err := w.Expect(ctx, 200, "GET", t.base+"/domains/"+seed.Name(t.randomDomain(w), t.ns), nil, t.auth(w)...)
	return "", err
}

// pollVariants are the filters a registrar polls with, in turn. The rare
// ones match few or none of the seeded events (restore_domain and failed
// renewals are never seeded, sandbox answers are 2%), so a store that walks
// the channel's history and drops rows reads all of it for one page.
var pollVariants = []string{"first_page", "command_status", "command_rare", "command_status_rare", "status_rare",
	"domain", "idempotency_key", "since_1h", "cursor"}

func (t *target) poll(ctx context.Context, w *load.Worker) (string, error) {
	variant := pollVariants[w.Seq%int64(len(pollVariants))]
	q := url.Values{}
	q.Set("limit", "50")
	seeded := min(t.domains.Load(), t.plan.Domains, t.auditTotal)
	switch variant {
	case "first_page":
	case "command_status":
		q.Set("command", "renew_domain")
		q.Set("status", "success")
	case "command_rare":
		q.Set("command", "restore_domain")
	case "command_status_rare":
		q.Set("command", "renew_domain")
		q.Set("status", "failed")
	case "status_rare":
		q.Set("status", "sandbox")
	case "domain":
		if seeded > 0 {
			q.Set("domain", seed.Name(w.Rand.Int64N(seeded), t.ns))
		}
	case "idempotency_key":
		if t.auditTotal > 0 {
			q.Set("idempotency_key", seed.AuditKey(w.Rand.Int64N(t.auditTotal)))
		}
	case "since_1h":
		q.Set("since", t.pollNow().Add(-time.Hour).UTC().Format(time.RFC3339))
	case "cursor":
		if t.auditTotal > 0 {
			q.Set("cursor", seed.AuditID(t.plan.Ref, w.Rand.Int64N(t.auditTotal), t.auditTotal))
		}
	}
	_, err := w.Expect(ctx, 200, "GET", t.base+"/poll?"+q.Encode(), nil, t.auth(w)...)
	return variant, err
}

func (t *target) create(ctx context.Context, w *load.Worker) (string, error) {
	n := t.createSeq.Add(1)
	label := "c" + t.runID + strconv.FormatInt(n, 36)
	key := "bench-" + t.runID + "-create-" + strconv.FormatInt(n, 36)
	body := []byte(`{"domain":"` + label + "." + t.ns + `","years":1,"registrant":{"name":"Bench Registrant","organization":"Bench Holdings","email":"registrant@bench.example","phone":"+1.5555551234","country":"US"}}`)
	if _, err := w.Expect(ctx, 201, "POST", t.base+"/domains", body, append(t.auth(w), "Idempotency-Key", key)...); err != nil {
		return "", err
	}
	t.created.add(key, body)
	return "", nil
}

func (t *target) replay(ctx context.Context, w *load.Worker) (string, error) {
	e, ok := t.created.pick(w.Rand.IntN)
	if !ok {
		return "", errors.New("replay: no create to replay (run create first)")
	}
	b, err := w.Expect(ctx, 201, "POST", t.base+"/domains", e.body, append(t.auth(w), "Idempotency-Key", e.key)...)
	if err != nil {
		return "", err
	}
	if !strings.Contains(string(b), `"idempotent":true`) {
		return "", fmt.Errorf("replay answered without idempotent: true")
	}
	return "", nil
}

// renew renews seeded registrations in turn by one year, each from the
// expiry it has now (the seeded one, or what the last renewal answered).
func (t *target) renew(ctx context.Context, w *load.Worker) (string, error) {
	n := t.domains.Load()
	if n == 0 {
		return "", errors.New("renew: nothing seeded")
	}
	seq := t.renewSeq.Add(1) - 1
	i := seq % n
	t.mu.Lock()
	cur, ok := t.expiry[i]
	t.mu.Unlock()
	if !ok {
		cur = t.plan.ExpiryOf(i).Format(time.RFC3339Nano)
	}
	key := "bench-" + t.runID + "-renew-" + strconv.FormatInt(seq, 36)
	body := []byte(`{"years":1,"current_expires_at":"` + cur + `"}`)
	b, err := w.Expect(ctx, 200, "POST", t.base+"/domains/"+seed.Name(i, t.ns)+"/renew", body, append(t.auth(w), "Idempotency-Key", key)...)
	if err != nil {
		return "", err
	}
	var ans struct {
		Domain struct {
			ExpiresAt string `json:"expires_at"`
		} `json:"domain"`
	}
	if err := json.Unmarshal(b, &ans); err != nil || ans.Domain.ExpiresAt == "" {
		return "", fmt.Errorf("renew: answer without domain.expires_at")
	}
	t.mu.Lock()
	t.expiry[i] = ans.Domain.ExpiresAt
	t.mu.Unlock()
	return "", nil
}

// ceilingTarget drives the ceiling server.
type ceilingTarget struct {
	base    string
	ns      string
	runID   string
	domains int64
	multi   int // registrars of ceiling_write_multi
	seq     atomic.Int64
}

func (c *ceilingTarget) scenarios() map[string]scenario {
	return map[string]scenario{
		"ceiling_read":  {"ceiling_read", ceilRead, c.read},
		"ceiling_write": {"ceiling_write", ceilWrite, c.write},
		multiCeiling:    {multiCeiling, ceilWriteMulti, c.writeMulti},
	}
}

func (c *ceilingTarget) read(ctx context.Context, w *load.Worker) (string, error) {
	_, err := w.Expect(ctx, 200, "GET", c.base+"/read/"+seed.DomainID(w.Rand.Int64N(c.domains)), nil)
	return "", err
}

func (c *ceilingTarget) write(ctx context.Context, w *load.Worker) (string, error) {
	n := strconv.FormatInt(c.seq.Add(1), 36)
	body := []byte(`{"domain":"w` + c.runID + n + "." + c.ns + `","idempotency_key":"bench-` + c.runID + `-ceiling-` + n + `"}`)
	_, err := w.Expect(ctx, 201, "POST", c.base+"/write", body)
	return "", err
}
