package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/headlessdomains/registry/ports"
)

// Store is the unit of work over the registry database: every repository
// of one Do shares one transaction.
type Store struct {
	db *DB
	// writer admits one write transaction at a time on SQLite, whose
	// database file has one write lock anyway: writers queue here, in
	// arrival order and bounded by their context, instead of polling the
	// lock in SQLite's busy handler (whose growing sleeps starved some
	// writers for seconds under load). nil on PostgreSQL.
	writer chan struct{}
	// reserveWait bounds how long IdempotencyStore.Reserve waits on
	// PostgreSQL for a transaction holding the same key.
	reserveWait time.Duration
	// refusing: the last group run without savepoints had a command
	// refused, so groups run in savepoints from the start until one has
	// none refused (DoEach): a burst of refusals (creates of names already
	// taken, say) does not run every group twice.
	refusing atomic.Bool
}

var _ ports.UnitOfWork = (*Store)(nil)

// NewStore returns the unit of work over db (which Migrate has prepared).
func NewStore(db *DB) *Store {
	s := &Store{db: db, reserveWait: reserveLockTimeout}
	if db.kind == dialect.SQLite {
		s.writer = make(chan struct{}, 1)
	}
	return s
}

// admit waits for the write turn on SQLite; done gives it back.
func (s *Store) admit(ctx context.Context) (done func(), err error) {
	if s.writer == nil {
		return func() {}, nil
	}
	wait := time.NewTimer(sqliteWriterWait)
	defer wait.Stop()
	select {
	case s.writer <- struct{}{}:
		return func() { <-s.writer }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("begin: %w: %w", ports.ErrBusy, ctx.Err())
	case <-wait.C:
		return nil, fmt.Errorf("begin: %w: no write turn on the SQLite database within %s", ports.ErrBusy, sqliteWriterWait)
	}
}

// sqliteWriterWait bounds the wait for the write turn, as SQLite's own
// busy_timeout (5 s) bounded the wait for its lock before.
const sqliteWriterWait = 5 * time.Second

// Do runs fn in one read-write transaction (bun's RunInTx). fn's error is
// returned as is and rolls back; a panic rolls back and panics on; a begin or
// commit error is mapped to the ports sentinels and returned, never dropped.
// On SQLite the transaction begins IMMEDIATE, so writers queue for the one
// write lock up front.
func (s *Store) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Stores) error) error {
	done, err := s.admit(ctx)
	if err != nil {
		return err
	}
	defer done()
	var (
		ran   bool
		fnErr error
	)
	err = s.db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		ran = true
		pre := &prefetched{}
		fnErr = pre.endCommand(fn(ctx, &stores{c: conn{db: tx, pg: s.db.kind == dialect.PG, prepared: s.db.prepared, tx: true, reserveWait: s.reserveWait, pre: pre}}))
		return fnErr
	})
	switch {
	case err == nil:
		return nil
	case ran && fnErr != nil:
		return err // fn's own error, untouched
	case ran:
		return fmt.Errorf("commit: %w", mapErr(err))
	default:
		return fmt.Errorf("begin: %w", mapErr(err))
	}
}

// DoEach runs the fns in one transaction (see ports.UnitOfWork.DoEach):
// one BEGIN and one COMMIT, one fsync. What no fn reads back (audit rows,
// idempotency results, ledger entries and partner balances) is held in
// memory and written at the end, one statement per kind for the whole
// group, the balances moved under their row locks last (writeBehind). One
// fn runs as a group of one on PostgreSQL (doOne) and as an ordinary
// transaction (Do) on SQLite.
//
// The fns run first without savepoints and without reading the balances
// they move (doAll): nearly every group is refused nothing and fits in its
// partner's balance, while a savepoint per fn costs a round trip and, on
// PostgreSQL, a subtransaction, and the balance a round trip per group.
// When a fn answers an error, that run is rolled back whole and every fn
// runs again, each in a savepoint of its own (doEachSavepoints), the
// refused one included, so that no answer rests on a run that was undone.
// When the moves do not fit (ErrGroupConflict), every fn runs again that
// way, with the balances read.
// After a refusal the next groups run in savepoints from the start, until
// one has nothing refused (Store.refusing).
func (s *Store) DoEach(ctx context.Context, fns []func(ctx context.Context, tx ports.Stores) error) []error {
	errs := make([]error, len(fns))
	switch {
	case len(fns) == 0:
		return errs
	case len(fns) == 1 && s.db.kind == dialect.PG:
		errs[0] = s.doOne(ctx, fns[0])
		return errs
	case len(fns) == 1:
		errs[0] = s.Do(ctx, fns[0])
		return errs
	}
	if s.refusing.Load() {
		errs = s.doEachSavepoints(ctx, fns)
		if !slices.ContainsFunc(errs, func(err error) bool { return err != nil }) {
			s.refusing.Store(false)
		}
		return errs
	}
	refused, err := s.doAll(ctx, fns, errs)
	if refused < 0 && errors.Is(err, ports.ErrGroupConflict) {
		// The group did not read the balances it moved; with them read,
		// the commands that fit are kept and the others refused.
		errs = s.doEachSavepoints(ctx, fns)
		if slices.ContainsFunc(errs, func(err error) bool { return err != nil }) {
			s.refusing.Store(true) // a balance runs low
		}
		return errs
	}
	if refused < 0 {
		if err != nil {
			for i := range errs {
				errs[i] = err
			}
		}
		return errs // nil but for the fns that wrote nothing
	}
	// Every fn runs again, the refused one too: its refusal may have
	// rested on what an earlier fn wrote in the run rolled back, and that
	// fn may answer differently now (a balance another node moved, a name
	// taken meanwhile). Each answer is then the one of the transaction
	// that commits.
	s.refusing.Store(true)
	return s.doEachSavepoints(ctx, fns)
}

// doAll runs the fns in one transaction, in order, without savepoints. It
// answers the index of the first fn that answered an error, and that
// error: the transaction was then rolled back and nothing of any fn kept.
// A fn's error that matches ports.ErrNothingWritten goes into unwritten[i]
// (len(fns) of them) instead, and the others go on. Otherwise it answers -1
// and the transaction's own error (begin, the held writes, the commit),
// nil when the fns committed.
func (s *Store) doAll(ctx context.Context, fns []func(ctx context.Context, tx ports.Stores) error, unwritten []error) (int, error) {
	pg := s.db.kind == dialect.PG
	done, err := s.admit(ctx)
	if err != nil {
		return -1, err
	}
	defer done()
	var (
		ran     bool
		refused = -1
		fnErr   error
	)
	ran, err = s.inTx(ctx, func(ctx context.Context, tx bun.IDB) error {
		wb := newWriteBehind()
		wb.blind, wb.holdUpdates = true, true
		// The transaction's timeouts travel with the first claim
		// (IdempotencyStore.Reserve), as in Do.
		st := &stores{c: conn{db: tx, pg: pg, prepared: s.db.prepared, tx: true, reserveWait: s.reserveWait, wb: wb, pre: &prefetched{}}}
		for i, fn := range fns {
			err := st.c.pre.endCommand(fn(ctx, st))
			switch {
			case err == nil:
			case errors.Is(err, ports.ErrNothingWritten):
				unwritten[i] = err
			default:
				refused, fnErr = i, err
				return fnErr
			}
		}
		return wb.flush(ctx, tx, pg, s.db.prepared)
	})
	switch {
	case refused >= 0:
		return refused, fnErr
	case err == nil:
		return -1, nil
	case ran:
		return -1, fmt.Errorf("group transaction: %w", mapErr(err))
	default:
		return -1, fmt.Errorf("begin: %w", mapErr(err))
	}
}

// doEachSavepoints runs the fns in one transaction, each in a savepoint: a
// fn's error rolls back to its savepoint, and the others commit. On
// PostgreSQL releasing a savepoint and opening the next is one round trip;
// the savepoints are released, so the transaction never holds more than one
// open subtransaction.
func (s *Store) doEachSavepoints(ctx context.Context, fns []func(ctx context.Context, tx ports.Stores) error) []error {
	errs := make([]error, len(fns))
	pg := s.db.kind == dialect.PG
	done, err := s.admit(ctx)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	defer done()
	var ran bool
	err = s.db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		ran = true
		wb := newWriteBehind()
		st := &stores{c: conn{db: tx, pg: pg, prepared: s.db.prepared, tx: true, reserveWait: s.reserveWait, timeoutsSet: pg, wb: wb, pre: &prefetched{}}}
		for i, fn := range fns {
			// PostgreSQL takes the release of the previous savepoint and the
			// next one in one round trip; the last one ends with the commit.
			// The transaction's timeouts are set once, before the first
			// savepoint, so that no rollback to a savepoint undoes them.
			open := "SAVEPOINT each_command"
			switch {
			case pg && i == 0:
				open = st.c.setTimeouts() + "; SAVEPOINT each_command"
			case pg:
				open = "RELEASE SAVEPOINT each_command; SAVEPOINT each_command"
			}
			if _, err := tx.ExecContext(ctx, open); err != nil {
				return err
			}
			before := wb.mark()
			if errs[i] = st.c.pre.endCommand(fn(ctx, st)); errs[i] != nil {
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT each_command"); err != nil {
					return err
				}
				wb.rollback(before)
			}
			if !pg {
				if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT each_command"); err != nil {
					return err
				}
			}
		}
		return wb.flush(ctx, tx, pg, s.db.prepared)
	})
	if err != nil {
		if ran {
			err = fmt.Errorf("group transaction: %w", mapErr(err))
		} else {
			err = fmt.Errorf("begin: %w", mapErr(err))
		}
		for i := range errs {
			errs[i] = err
		}
	}
	return errs
}

// doOne runs the one fn of a group on PostgreSQL as doAll runs a group:
// its balance is not read, and its move goes at its end with its held
// writes and, in a pgTx, the COMMIT (a create makes two round trips: its
// claim with the BEGIN, its writes with the COMMIT). Its refusal is its
// answer, since nothing ran before it. When its move did not fit
// (ErrGroupConflict), nothing was kept and it runs again with the balance
// read under its row lock (doLone), which answers ErrInsufficient through
// Post.
func (s *Store) doOne(ctx context.Context, fn func(ctx context.Context, tx ports.Stores) error) error {
	unwritten := make([]error, 1)
	refused, err := s.doAll(ctx, []func(ctx context.Context, tx ports.Stores) error{fn}, unwritten)
	switch {
	case refused < 0 && errors.Is(err, ports.ErrGroupConflict):
		return s.doLone(ctx, fn)
	case err == nil:
		return unwritten[0]
	}
	return err
}

// doLone is Do for the one command of a group on PostgreSQL whose blind
// run did not fit its balance (doOne): its audit row,
// idempotency result and a registration's update it may hold (heldUpdate)
// are sent with its debit, or together before the commit when it debits
// nothing (writeBehind.lone).
func (s *Store) doLone(ctx context.Context, fn func(ctx context.Context, tx ports.Stores) error) error {
	var fnErr error
	ran, err := s.inTx(ctx, func(ctx context.Context, tx bun.IDB) error {
		wb := newWriteBehind()
		wb.lone, wb.holdUpdates = true, true
		pre := &prefetched{}
		fnErr = pre.endCommand(fn(ctx, &stores{c: conn{db: tx, pg: true, prepared: s.db.prepared, tx: true, reserveWait: s.reserveWait, wb: wb, pre: pre}}))
		if fnErr != nil {
			return fnErr
		}
		if err := wb.flush(ctx, tx, true, s.db.prepared); err != nil {
			return fmt.Errorf("write audit row and idempotency result: %w", err)
		}
		return nil
	})
	switch {
	case err == nil:
		return nil
	case ran && fnErr != nil:
		return err
	case ran:
		return fmt.Errorf("commit: %w", mapErr(err))
	default:
		return fmt.Errorf("begin: %w", mapErr(err))
	}
}

// inTx runs body in one read-write transaction and commits it when body
// answers nil; ran: body ran (an error otherwise is the begin's). On
// PostgreSQL with prepared statements the transaction is a pgTx: its BEGIN
// goes with its first prepared statement, and body's last write
// (writeBehind.flush) carries its COMMIT; elsewhere it is bun's RunInTx.
// Either way a body that fails or panics leaves nothing.
func (s *Store) inTx(ctx context.Context, body func(ctx context.Context, tx bun.IDB) error) (ran bool, err error) {
	if s.db.kind != dialect.PG || !s.db.prepared {
		err = s.db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			ran = true
			return body(ctx, tx)
		})
		return ran, err
	}
	t, err := beginPG(ctx, s.db.bun)
	if err != nil {
		return false, err
	}
	defer t.end(ctx)
	if err := body(ctx, t); err != nil {
		return true, err
	}
	if !t.ended {
		return true, t.commit(ctx)
	}
	return true, nil
}

// View runs fn without a transaction: each read sees committed data, and on
// SQLite readers do not queue behind the write lock. Writes through the
// stores of a View fail.
func (s *Store) View(ctx context.Context, fn func(ctx context.Context, tx ports.Stores) error) error {
	return fn(ctx, &stores{c: conn{db: s.db.bun, pg: s.db.kind == dialect.PG, prepared: s.db.prepared}})
}

// conn is what every repository runs its queries on.
type conn struct {
	db bun.IDB
	pg bool // PostgreSQL: row locks, SKIP LOCKED, lock_timeout
	// prepared: the hot reads go as statements pgx prepares and caches
	// (prepared.go); off on SQLite and when the URL chose pgx's query mode
	// or turned its statement cache off (e.g. behind a transaction pooler).
	prepared bool
	tx       bool // inside Do: writes allowed

	reserveWait time.Duration // see Store.reserveWait
	// timeoutsSet: the transaction's timeouts were set outside any savepoint
	// (doEachSavepoints), so Reserve need not set them again.
	timeoutsSet bool
	// wb holds the group's blind writes (DoEach); nil writes at once.
	wb *writeBehind
	// pre is the registration ReserveLocking read under lock, for the
	// same command's UpdateByName; nil outside a transaction.
	pre *prefetched
}

// prefetched holds at most one locked registration between a command's
// claim (ReserveLocking) and its UpdateByName. Every claim and every other
// registration write drops it, so a later command never sees a row older
// than what this transaction wrote.
type prefetched struct {
	name string
	row  domainRow
	// claim is the claim ReserveRegistering holds for the command's
	// Register, which makes it; nil when none.
	claim *heldClaim
}

// takeClaim answers the held claim, once.
func (p *prefetched) takeClaim() *heldClaim {
	if p == nil {
		return nil
	}
	c := p.claim
	p.claim = nil
	return c
}

// endCommand is called when a command's fn has run on the transaction:
// a claim still held was never made, which fails a command that answered
// success (its idempotency record would be missing), and is forgotten
// otherwise (a command refused before its registration never claimed).
func (p *prefetched) endCommand(err error) error {
	if p == nil {
		return err
	}
	held := p.takeClaim()
	p.drop()
	if err == nil && held != nil {
		return fmt.Errorf("idempotency key %q: claimed for a registration that was never written", held.rec.Key)
	}
	return err
}

func (p *prefetched) keep(name string, row domainRow) {
	if p != nil {
		p.name, p.row = name, row
	}
}

func (p *prefetched) drop() {
	if p != nil {
		p.name, p.row = "", domainRow{}
	}
}

// take answers the row kept for name, once; ok is false when there is none
// (and whatever was kept is dropped).
func (p *prefetched) take(name string) (row domainRow, ok bool) {
	if p == nil || p.name == "" {
		return domainRow{}, false
	}
	row, ok = p.row, p.name == name
	p.drop()
	return row, ok
}

var errReadOnly = errors.New("postgres: write through the stores of a View")

func (c conn) writable() error {
	if !c.tx {
		return errReadOnly
	}
	return nil
}

// selectOne scans the row matching where into model; ErrNotFound when none.
// lock takes the row lock for the rest of the transaction on PostgreSQL
// (SQLite has no FOR UPDATE and needs none: its write lock is taken at BEGIN):
// FOR NO KEY UPDATE, the lock PostgreSQL's own UPDATE of non-key columns
// takes. It excludes every other writer of the row but not the FOR KEY
// SHARE lock a foreign-key check takes, so a transaction that has inserted
// a row referencing a partner (a domain, a ledger entry) can still lock that
// partner to debit it while another such transaction is open.
func (c conn) selectOne(ctx context.Context, model any, lock bool, where string, args ...any) error {
	q := c.db.NewSelect().Model(model).Where(where, args...)
	if lock && c.pg {
		q = q.For("NO KEY UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return mapErr(err)
	}
	return nil
}

// insert adds row, answering ErrDuplicate when a unique constraint (primary
// key, slug, token hash, the live-name index, ...) already holds its value.
// ON CONFLICT DO NOTHING reports that without raising an error, so that on
// PostgreSQL the transaction stays usable (the core may go on to record the
// refusal) exactly as it does on SQLite.
func (c conn) insert(ctx context.Context, row any) error {
	if err := c.writable(); err != nil {
		return err
	}
	res, err := c.db.NewInsert().Model(row).On("CONFLICT DO NOTHING").Exec(ctx)
	return touched(res, err, ports.ErrDuplicate)
}

// update writes every column of row by primary key; ErrNotFound when no row.
func (c conn) update(ctx context.Context, row any) error {
	if err := c.writable(); err != nil {
		return err
	}
	res, err := c.db.NewUpdate().Model(row).WherePK().Exec(ctx)
	return touched(res, err, ports.ErrNotFound)
}

// updateColumns writes the columns cols of row by primary key;
// ErrNotFound when no row.
func (c conn) updateColumns(ctx context.Context, row any, cols []string) error {
	if err := c.writable(); err != nil {
		return err
	}
	res, err := c.db.NewUpdate().Model(row).Column(cols...).WherePK().Exec(ctx)
	return touched(res, err, ports.ErrNotFound)
}

// touched maps the result of a write of one row: none when it touched no
// row (ErrNotFound, or ErrDuplicate for an insert that met its conflict).
func touched(res rowsResult, err error, none error) error {
	if err != nil {
		return mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(err)
	}
	if n == 0 {
		return none
	}
	return nil
}

// updateUnique is update for a change that a unique index may refuse (a
// new slug, token hash or name, a cancelled registration made live again).
// On PostgreSQL it runs in a savepoint, so that ErrDuplicate leaves the
// transaction usable, as SQLite (which rolls back only the statement) does.
func (c conn) updateUnique(ctx context.Context, row any) error {
	if t, ok := c.db.(*pgTx); ok {
		return t.savepoint(ctx, func() error { return c.update(ctx, row) })
	}
	tx, ok := c.db.(bun.Tx)
	if !c.pg || !ok {
		return c.update(ctx, row)
	}
	return tx.RunInTx(ctx, nil, func(ctx context.Context, sp bun.Tx) error {
		inner := c
		inner.db = sp
		return inner.update(ctx, row)
	})
}

// errKeyChanged refuses an update function that changed the row's identity.
func errKeyChanged(what string) error {
	return fmt.Errorf("postgres: an update must not change the %s", what)
}

// stores implements ports.Stores over one conn.
type stores struct{ c conn }

var _ ports.Stores = (*stores)(nil)

func (s *stores) Partners() ports.PartnerRepository     { return &PartnerRepository{s.c} }
func (s *stores) Channels() ports.ChannelRepository     { return &ChannelRepository{s.c} }
func (s *stores) APIKeys() ports.APIKeyRepository       { return &APIKeyRepository{s.c} }
func (s *stores) Namespaces() ports.NamespaceRepository { return &NamespaceRepository{s.c} }
func (s *stores) Listings() ports.ListingRepository     { return &ListingRepository{s.c} }
func (s *stores) Domains() ports.DomainRepository       { return &DomainRepository{s.c} }
func (s *stores) Ledger() ports.LedgerRepository        { return &LedgerRepository{s.c} }
func (s *stores) Audit() ports.AuditLog                 { return &AuditLog{s.c} }
func (s *stores) Idempotency() ports.IdempotencyStore   { return &IdempotencyStore{s.c} }
func (s *stores) Pending() ports.PendingRepository      { return &PendingRepository{s.c} }
func (s *stores) OTERuns() ports.OTERunRepository       { return &OTERunRepository{s.c} }
func (s *stores) Contacts() ports.ContactRepository     { return &ContactRepository{s.c} }
func (s *stores) Messages() ports.MessageQueue          { return &MessageQueue{s.c} }
