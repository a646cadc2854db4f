package memory

import (
	"fmt"
	"maps"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// table is one copy-on-write map. A forked table shares its rows with the
// committed state until its first write, which copies the map (the values
// themselves are never changed in place, so a shallow copy suffices).
type table[K comparable, V any] struct {
	rows  map[K]V
	owned bool
}

func newTable[K comparable, V any]() table[K, V] { return table[K, V]{rows: map[K]V{}, owned: true} }

func (t table[K, V]) fork() table[K, V] { return table[K, V]{rows: t.rows} }

func (t *table[K, V]) get(k K) (V, bool) {
	v, ok := t.rows[k]
	return v, ok
}

func (t *table[K, V]) has(k K) bool {
	_, ok := t.rows[k]
	return ok
}

func (t *table[K, V]) put(k K, v V) {
	t.own()
	t.rows[k] = v
}

func (t *table[K, V]) del(k K) {
	t.own()
	delete(t.rows, k)
}

func (t *table[K, V]) own() {
	if !t.owned {
		t.rows = maps.Clone(t.rows)
		t.owned = true
	}
}

type listingKey struct{ channelID, namespace string }

type idemKey struct{ channelID, key string }

// state is every table of the store, with the indexes that enforce the
// unique constraints a database would.
type state struct {
	partners    table[string, core.Partner]
	channels    table[string, core.Channel]
	slugs       table[string, string] // slug → channel id
	apiKeys     table[string, core.APIKey]
	tokenHashes table[string, string] // token hash → api key id
	namespaces  table[string, core.Namespace]
	listings    table[listingKey, core.Listing]
	domains     table[string, core.Domain]
	liveNames   table[string, string] // name → id of its registration that is not cancelled
	ledger      table[string, core.LedgerEntry]
	audit       table[string, core.AuditEvent]
	idempotency table[idemKey, core.IdempotencyRecord]
	pending     table[string, core.PendingItem]
	oteRuns     table[string, core.OTERun]
	contacts    table[string, core.Contact]
	messages    table[string, core.Message]
}

func newState() *state {
	return &state{
		partners:    newTable[string, core.Partner](),
		channels:    newTable[string, core.Channel](),
		slugs:       newTable[string, string](),
		apiKeys:     newTable[string, core.APIKey](),
		tokenHashes: newTable[string, string](),
		namespaces:  newTable[string, core.Namespace](),
		listings:    newTable[listingKey, core.Listing](),
		domains:     newTable[string, core.Domain](),
		liveNames:   newTable[string, string](),
		ledger:      newTable[string, core.LedgerEntry](),
		audit:       newTable[string, core.AuditEvent](),
		idempotency: newTable[idemKey, core.IdempotencyRecord](),
		pending:     newTable[string, core.PendingItem](),
		oteRuns:     newTable[string, core.OTERun](),
		contacts:    newTable[string, core.Contact](),
		messages:    newTable[string, core.Message](),
	}
}

// fork returns a state that shares every table with s until written.
func (s *state) fork() *state {
	return &state{
		partners:    s.partners.fork(),
		channels:    s.channels.fork(),
		slugs:       s.slugs.fork(),
		apiKeys:     s.apiKeys.fork(),
		tokenHashes: s.tokenHashes.fork(),
		namespaces:  s.namespaces.fork(),
		listings:    s.listings.fork(),
		domains:     s.domains.fork(),
		liveNames:   s.liveNames.fork(),
		ledger:      s.ledger.fork(),
		audit:       s.audit.fork(),
		idempotency: s.idempotency.fork(),
		pending:     s.pending.fork(),
		oteRuns:     s.oteRuns.fork(),
		contacts:    s.contacts.fork(),
		messages:    s.messages.fork(),
	}
}

func notFound(what string, key any) error {
	return fmt.Errorf("memory: %s %v: %w", what, key, ports.ErrNotFound)
}

func duplicate(what string, key any) error {
	return fmt.Errorf("memory: %s %v: %w", what, key, ports.ErrDuplicate)
}

// update is the closure update every repository shares: fn runs on a copy of
// the row; on success the row is replaced by a copy of the result, which is
// returned. fn's error is returned unchanged and changes nothing. commit,
// when set, runs before the row is stored: it pins the row's keys in next,
// enforces unique constraints (an error leaves everything unchanged) and
// then maintains the indexes.
func update[K comparable, V any](t *table[K, V], k K, what string, clone func(V) V, fn func(*V) error, commit func(old V, next *V) error) (V, error) {
	var zero V
	cur, ok := t.get(k)
	if !ok {
		return zero, notFound(what, k)
	}
	next := clone(cur)
	if err := fn(&next); err != nil {
		return zero, err
	}
	if commit != nil {
		if err := commit(cur, &next); err != nil {
			return zero, err
		}
	}
	t.put(k, clone(next))
	return next, nil
}
