// Package ceiling is what the machine allows for the registry's two kinds of
// request, with nothing of the registry in the way: a bare net/http handler
// that makes the one Redis rate-limit script call every registrar request
// makes, then either one pgx primary-key select answered as small JSON (the
// read ceiling) or the create transaction written with pgx directly — insert
// the domain, insert the audit row, insert the idempotency record, update
// the balance, commit (the write ceiling), charged to one registrar or, at
// POST /write/{k}, to the k-th of several (the 16-partner write ceiling).
package ceiling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"
)

// incrScript is the registry's fixed-window counter script (adapters/redis).
var incrScript = goredis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
`)

// Config names the rows the write ceiling charges and the pool size.
type Config struct {
	PostgresURL string
	RedisURL    string
	PartnerID   string
	ChannelID   string
	ChannelSlug string
	APIKeyID    string
	Namespace   string
	// MaxConns bounds the pgx pool; 0 is registryd's default, 2*GOMAXPROCS+8.
	MaxConns int
	// Multi are the registrars POST /write/{k} charges (k indexes them):
	// the write ceiling spread over several balance rows.
	Multi []Registrar
}

// Server serves GET /read/{domain id}, POST /write and POST /write/{k}.
type Server struct {
	cfg    Config
	pool   *pgxpool.Pool
	rdb    *goredis.Client
	prefix string
	seq    atomic.Int64
}

// New connects to PostgreSQL and Redis and checks that both answer.
func New(ctx context.Context, cfg Config) (*Server, error) {
	pc, err := pgxpool.ParseConfig(cfg.PostgresURL)
	if err != nil {
		return nil, fmt.Errorf("ceiling: postgres url: %w", err)
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 2*runtime.GOMAXPROCS(0) + 8
	}
	pc.MaxConns = int32(cfg.MaxConns)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("ceiling: postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ceiling: postgres: %w", err)
	}
	ro, err := goredis.ParseURL(cfg.RedisURL)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("ceiling: redis url: %w", err)
	}
	ro.DisableIdentity = true
	rdb := goredis.NewClient(ro)
	if err := rdb.Ping(ctx).Err(); err != nil {
		pool.Close()
		_ = rdb.Close()
		return nil, fmt.Errorf("ceiling: redis: %w", err)
	}
	return &Server{cfg: cfg, pool: pool, rdb: rdb, prefix: strconv.FormatInt(time.Now().UnixNano(), 36)}, nil
}

// Close releases the pool and the Redis client.
func (s *Server) Close() {
	s.pool.Close()
	_ = s.rdb.Close()
}

// Handler routes /read/, /write and /write/{k}.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /read/{id}", s.read)
	mux.HandleFunc("POST /write", s.write)
	mux.HandleFunc("POST /write/{k}", s.writeMulti)
	return mux
}

// registrar is the one registrar of the read and write ceilings.
func (s *Server) registrar() Registrar {
	return Registrar{PartnerID: s.cfg.PartnerID, ChannelID: s.cfg.ChannelID, ChannelSlug: s.cfg.ChannelSlug, APIKeyID: s.cfg.APIKeyID}
}

// limit makes the rate-limit round trip of one request of reg.
func (s *Server) limit(ctx context.Context, reg Registrar, route string) error {
	window := time.Now().Truncate(time.Minute).Unix()
	key := "bench-ceiling:rl:{" + reg.ChannelID + "}:" + reg.APIKeyID + ":" + route + ":" + strconv.FormatInt(window, 10)
	return incrScript.Run(ctx, s.rdb, []string{key}, 65000).Err()
}

type readAnswer struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	State     string    `json:"state"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *Server) read(w http.ResponseWriter, r *http.Request) {
	if err := s.limit(r.Context(), s.registrar(), "read"); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	var a readAnswer
	err := s.pool.QueryRow(r.Context(), "SELECT id, name, state, expires_at FROM domains WHERE id = $1", r.PathValue("id")).
		Scan(&a.ID, &a.Name, &a.State, &a.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

type writeRequest struct {
	Domain         string `json:"domain"`
	IdempotencyKey string `json:"idempotency_key"`
}

type writeAnswer struct {
	Command        string `json:"command"`
	Status         string `json:"status"`
	IdempotencyKey string `json:"idempotency_key"`
	AuditID        string `json:"audit_id"`
	DomainID       string `json:"domain_id"`
	Domain         string `json:"domain"`
	ExpiresAt      string `json:"expires_at"`
}

// create is one create request of a write ceiling, decoded and checked,
// with the ids, times, answer and audit summaries its transaction writes
// (the same on PostgreSQL and SQLite).
type create struct {
	req                     writeRequest
	label, ns, id, auditID  string
	now, expiry             time.Time
	answer                  writeAnswer
	result                  []byte
	reqSummary, respSummary string
}

// newCreate decodes and checks the request; on a bad one it has answered
// 400 and ok is false.
func newCreate(w http.ResponseWriter, r *http.Request, namespace, prefix string, seq *atomic.Int64) (c create, ok bool) {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&c.req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return c, false
	}
	var found bool
	c.label, c.ns, found = strings.Cut(c.req.Domain, ".")
	if !found || c.ns != namespace || c.label == "" || c.req.IdempotencyKey == "" {
		http.Error(w, "want domain label."+namespace+" and idempotency_key", http.StatusBadRequest)
		return c, false
	}
	c.now = time.Now().UTC().Truncate(time.Microsecond)
	n := seq.Add(1)
	c.id = "dom_ceil" + prefix + strconv.FormatInt(n, 36)
	c.auditID = "aud_ceil" + prefix + strconv.FormatInt(n, 36)
	c.expiry = c.now.AddDate(1, 0, 0)
	c.answer = writeAnswer{Command: "create_domain", Status: "success", IdempotencyKey: c.req.IdempotencyKey,
		AuditID: c.auditID, DomainID: c.id, Domain: c.req.Domain, ExpiresAt: c.expiry.Format(time.RFC3339Nano)}
	var err error
	if c.result, err = json.Marshal(c.answer); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return c, false
	}
	c.reqSummary = `{"domain":"` + c.req.Domain + `","years":1,"registrant":{"name":"Bench Registrant"},"nameservers":[],"claim_acknowledgement":false}`
	c.respSummary = `{"status":"success","http_status":201,"domain":"` + c.req.Domain + `","state":"active","expires_at":"` +
		c.expiry.Format(time.RFC3339) + `","statuses":[],"debited_gems":10}`
	return c, true
}

func (s *Server) write(w http.ResponseWriter, r *http.Request) {
	s.writeAs(w, r, s.registrar())
}

// writeAs is the create transaction of one request, charged to reg.
func (s *Server) writeAs(w http.ResponseWriter, r *http.Request, reg Registrar) {
	ctx := r.Context()
	if err := s.limit(ctx, reg, "write"); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	c, ok := newCreate(w, r, s.cfg.Namespace, s.prefix, &s.seq)
	if !ok {
		return
	}
	req, label, ns, id, auditID, now, expiry := c.req, c.label, c.ns, c.id, c.auditID, c.now, c.expiry
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO domains (id, name, label, namespace, channel_id, partner_id, state, statuses,
			registrant, nameservers_desired, nameservers_applied, apply_status, backend_kind, backend_reference,
			create_paid_gems, created_at, updated_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'active', '[]', $7, '[]', '[]', 'none', 'none', $1, 10, $8, $8, $9)`,
			id, req.Domain, label, ns, reg.ChannelID, reg.PartnerID,
			`{"name":"Bench Registrant","organization":"","email":"bench@bench.example","phone":"","country":"US","metadata":null}`,
			now, expiry); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_events (id, channel_id, channel_slug, api_key_id, actor, command, domain,
			idempotency_key, status, http_status, request_summary, response_summary, created_at)
			VALUES ($1, $2, $3, $4, 'registrar', 'create_domain', $5, $6, 'success', 201, $7, $8, $9)`,
			auditID, reg.ChannelID, reg.ChannelSlug, reg.APIKeyID, req.Domain, req.IdempotencyKey,
			c.reqSummary, c.respSummary, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO idempotency_records (channel_id, idempotency_key, command, domain, fingerprint,
			sandbox, audit_id, result, created_at) VALUES ($1, $2, 'create_domain', $3, $4, false, $5, $6, $7)`,
			"ceiling:"+reg.ChannelID, req.IdempotencyKey, req.Domain, "ceiling", auditID, c.result, now); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE partners SET gems_balance = gems_balance - 10, updated_at = $2 WHERE id = $1`,
			reg.PartnerID, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("partner %s not found", reg.PartnerID)
		}
		return nil
	})
	var pe *pgconn.PgError
	switch {
	case err == nil:
		writeJSON(w, http.StatusCreated, c.answer)
	case errors.As(err, &pe) && pe.Code == "23505":
		http.Error(w, "duplicate", http.StatusConflict)
	default:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
