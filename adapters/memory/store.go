// Package memory implements the store ports in process: every repository
// behind one UnitOfWork, and a fixed-window RateCounter. It backs the core's
// fast tests and single-process demos, with the same semantics as the SQL
// stores (the ports/portstest suites hold both to them).
package memory

import (
	"context"
	"errors"
	"sync"

	"github.com/headlessdomains/registry/ports"
)

// Store keeps every table in memory. A Do holds the one write lock for its
// whole run and works on a copy-on-write fork of the state that replaces the
// committed state only when fn succeeds, so an error or a panic rolls back
// everything. Stored values are copied in and out: nothing a caller holds
// shares memory with the store.
//
// Do must not be called from inside Do or View (the lock is not reentrant).
type Store struct {
	mu    sync.RWMutex
	state *state // committed; never changed in place once committed
}

var (
	_ ports.UnitOfWork = (*Store)(nil)
	_ ports.Pinger     = (*Store)(nil)
)

// NewStore returns an empty store.
func NewStore() *Store { return &Store{state: newState()} }

// Do runs fn in one transaction: all or nothing. A panic in fn rolls back,
// releases the lock and propagates. A context cancelled while fn ran fails
// the commit, as it would in a database.
func (s *Store) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Stores) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &tx{st: s.state.fork(), claims: map[idemKey]bool{}}
	defer t.close()
	if err := fn(ctx, t); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.state = t.st
	return nil
}

// DoEach runs the fns as separate Do's, in order: the memory store commits
// without I/O, so grouping commits would gain nothing.
func (s *Store) DoEach(ctx context.Context, fns []func(ctx context.Context, tx ports.Stores) error) []error {
	errs := make([]error, len(fns))
	for i, fn := range fns {
		errs[i] = s.Do(ctx, fn)
	}
	return errs
}

// View runs fn over a snapshot of the committed state, taken under the read
// lock. Committed state is immutable, so fn needs no lock while it runs and
// never blocks writers. Writes inside View fail.
func (s *Store) View(ctx context.Context, fn func(ctx context.Context, tx ports.Stores) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	snapshot := s.state
	s.mu.RUnlock()
	t := &tx{st: snapshot, readOnly: true}
	defer t.close()
	return fn(ctx, t)
}

// Ping always answers: the store is in process.
func (s *Store) Ping(ctx context.Context) error { return ctx.Err() }

var (
	errReadOnly = errors.New("memory: write inside View")
	errTxDone   = errors.New("memory: transaction used after Do or View returned")
)

// tx is one Do or View: the state it works on and the idempotency keys it
// has claimed.
type tx struct {
	st       *state
	readOnly bool
	done     bool
	claims   map[idemKey]bool
}

func (t *tx) close() { t.done = true }

// reading answers the state for a read.
func (t *tx) reading() (*state, error) {
	if t.done {
		return nil, errTxDone
	}
	return t.st, nil
}

// writing answers the state for a write.
func (t *tx) writing() (*state, error) {
	switch {
	case t.done:
		return nil, errTxDone
	case t.readOnly:
		return nil, errReadOnly
	}
	return t.st, nil
}

func (t *tx) Partners() ports.PartnerRepository     { return &PartnerRepository{t} }
func (t *tx) Channels() ports.ChannelRepository     { return &ChannelRepository{t} }
func (t *tx) APIKeys() ports.APIKeyRepository       { return &APIKeyRepository{t} }
func (t *tx) Namespaces() ports.NamespaceRepository { return &NamespaceRepository{t} }
func (t *tx) Listings() ports.ListingRepository     { return &ListingRepository{t} }
func (t *tx) Domains() ports.DomainRepository       { return &DomainRepository{t} }
func (t *tx) Ledger() ports.LedgerRepository        { return &LedgerRepository{t} }
func (t *tx) Audit() ports.AuditLog                 { return &AuditLog{t} }
func (t *tx) Idempotency() ports.IdempotencyStore   { return &IdempotencyStore{t} }
func (t *tx) Pending() ports.PendingRepository      { return &PendingRepository{t} }
func (t *tx) OTERuns() ports.OTERunRepository       { return &OTERunRepository{t} }
func (t *tx) Contacts() ports.ContactRepository     { return &ContactRepository{t} }
func (t *tx) Messages() ports.MessageQueue          { return &MessageQueue{t} }
