package ceiling

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/headlessdomains/registry/bench/internal/sqlitedb"
)

// SQLiteServer is the same pair of ceilings on registryd's embedded
// default: a SQLite file opened with database/sql exactly as registryd
// opens it (sqlitedb: the same driver, WAL, busy timeout, synchronous
// setting, BEGIN IMMEDIATE and pool size). Its statements are prepared once
// per connection and reused; registryd's are not (bun inlines arguments).
// Cfg.PostgresURL is not used; Cfg.MaxConns is the pool size (0:
// registryd's, sqlitedb.PoolSize).
type SQLiteServer struct {
	cfg    Config
	db     *sql.DB
	rdb    *goredis.Client
	prefix string
	seq    atomic.Int64

	read1, insDomain, insAudit, insRecord, debit *sql.Stmt
	// writer admits one write transaction at a time, as registryd's store
	// does on SQLite (adapters/sqlstore Store.admit), so that the ceiling
	// queues its writers the same way.
	writer sync.Mutex
}

// NewSQLite opens the migrated SQLite file at path and connects to Redis.
func NewSQLite(ctx context.Context, cfg Config, path string) (_ *SQLiteServer, err error) {
	db, err := sqlitedb.Open(path, cfg.MaxConns)
	if err != nil {
		return nil, fmt.Errorf("ceiling: %w", err)
	}
	s := &SQLiteServer{cfg: cfg, db: db, prefix: strconv.FormatInt(time.Now().UnixNano(), 36)}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.read1, `SELECT id, name, state, expires_at FROM domains WHERE id = ?`},
		{&s.insDomain, `INSERT INTO domains (id, name, label, namespace, channel_id, partner_id, state, statuses,
			registrant, nameservers_desired, nameservers_applied, apply_status, backend_kind, backend_reference,
			create_paid_gems, created_at, updated_at, expires_at)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', '[]', ?7, '[]', '[]', 'none', 'none', ?1, 10, ?8, ?8, ?9)`},
		{&s.insAudit, `INSERT INTO audit_events (id, channel_id, channel_slug, api_key_id, actor, command, domain,
			idempotency_key, status, http_status, request_summary, response_summary, created_at)
			VALUES (?, ?, ?, ?, 'registrar', 'create_domain', ?, ?, 'success', 201, ?, ?, ?)`},
		{&s.insRecord, `INSERT INTO idempotency_records (channel_id, idempotency_key, command, domain, fingerprint,
			sandbox, audit_id, result, created_at) VALUES (?, ?, 'create_domain', ?, ?, 0, ?, ?, ?)`},
		{&s.debit, `UPDATE partners SET gems_balance = gems_balance - 10, updated_at = ?2 WHERE id = ?1`},
	} {
		if *p.stmt, err = db.PrepareContext(ctx, p.sql); err != nil {
			return nil, fmt.Errorf("ceiling: sqlite: prepare: %w", err)
		}
	}
	ro, err := goredis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("ceiling: redis url: %w", err)
	}
	ro.DisableIdentity = true
	s.rdb = goredis.NewClient(ro)
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("ceiling: redis: %w", err)
	}
	return s, nil
}

// Close releases the statements, the pool and the Redis client.
func (s *SQLiteServer) Close() {
	for _, st := range []*sql.Stmt{s.read1, s.insDomain, s.insAudit, s.insRecord, s.debit} {
		if st != nil {
			_ = st.Close()
		}
	}
	_ = s.db.Close()
	if s.rdb != nil {
		_ = s.rdb.Close()
	}
}

// Handler routes /read/ and /write, as Server's.
func (s *SQLiteServer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /read/{id}", s.read)
	mux.HandleFunc("POST /write", s.write)
	return mux
}

// limit makes the rate-limit round trip of one request (as Server.limit).
func (s *SQLiteServer) limit(ctx context.Context, route string) error {
	window := time.Now().Truncate(time.Minute).Unix()
	key := "bench-ceiling:rl:{" + s.cfg.ChannelID + "}:" + s.cfg.APIKeyID + ":" + route + ":" + strconv.FormatInt(window, 10)
	return incrScript.Run(ctx, s.rdb, []string{key}, 65000).Err()
}

func (s *SQLiteServer) read(w http.ResponseWriter, r *http.Request) {
	if err := s.limit(r.Context(), "read"); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	var a readAnswer
	var expires string
	err := s.read1.QueryRowContext(r.Context(), r.PathValue("id")).Scan(&a.ID, &a.Name, &a.State, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if err == nil {
		a.ExpiresAt, err = time.Parse(time.RFC3339Nano, expires)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *SQLiteServer) write(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := s.limit(ctx, "write"); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	c, ok := newCreate(w, r, s.cfg.Namespace, s.prefix, &s.seq)
	if !ok {
		return
	}
	req, label, ns, id, auditID, now, expiry := c.req, c.label, c.ns, c.id, c.auditID, c.now, c.expiry
	at, until := now.Format(sqlitedb.TimeLayout), expiry.Format(sqlitedb.TimeLayout)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.StmtContext(ctx, s.insDomain).ExecContext(ctx, id, req.Domain, label, ns, s.cfg.ChannelID, s.cfg.PartnerID,
			`{"name":"Bench Registrant","organization":"","email":"bench@bench.example","phone":"","country":"US","metadata":null}`,
			at, until); err != nil {
			return err
		}
		if _, err := tx.StmtContext(ctx, s.insAudit).ExecContext(ctx, auditID, s.cfg.ChannelID, s.cfg.ChannelSlug, s.cfg.APIKeyID,
			req.Domain, req.IdempotencyKey, c.reqSummary, c.respSummary, at); err != nil {
			return err
		}
		if _, err := tx.StmtContext(ctx, s.insRecord).ExecContext(ctx, "ceiling:"+s.cfg.ChannelID, req.IdempotencyKey, req.Domain,
			"ceiling", auditID, c.result, at); err != nil {
			return err
		}
		res, err := tx.StmtContext(ctx, s.debit).ExecContext(ctx, s.cfg.PartnerID, at)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("partner %s not found (%v)", s.cfg.PartnerID, err)
		}
		return nil
	})
	var le *sqlite.Error
	switch {
	case err == nil:
		writeJSON(w, http.StatusCreated, c.answer)
	case errors.As(err, &le) && (le.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || le.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE):
		http.Error(w, "duplicate", http.StatusConflict)
	default:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// inTx runs fn in a transaction (BEGIN IMMEDIATE, from the DSN) and
// commits it, or rolls it back when fn fails.
func (s *SQLiteServer) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	s.writer.Lock()
	defer s.writer.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
