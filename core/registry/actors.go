package registry

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// DefaultActorCacheTTL is how long a resolved API key, and a namespace,
// answer from memory.
//
// Every registrar request resolves its bearer token to the key, its
// partner, channel and listings: four reads before the command's own; and
// every command that names a domain reads its namespace. A registrar's
// requests come in bursts with the same key, so the service keeps each
// resolution, and each namespace, for a second. Every operator call that
// this service runs drops them all at once (a revoked key, a suspended
// channel, a new rate limit, listing or namespace takes effect at once on
// this node); on another node it takes effect within the TTL. The partner's
// balance in an actor may be up to the TTL old: commands debit under a row
// lock and never read it from the actor, and /status reads it afresh. An
// unknown key or namespace is never kept.
const DefaultActorCacheTTL = time.Second

// cacheMax bounds a cache; when full it starts over.
const cacheMax = 10_000

// ttlCache keeps values by key for a short time.
type ttlCache[V any] struct {
	ttl   time.Duration // 0: disabled
	clone func(V) V     // copies what a caller could change through a value

	mu      sync.Mutex
	gen     uint64 // bumped by invalidate; a load begun before is not stored
	entries map[string]cacheEntry[V]
}

type cacheEntry[V any] struct {
	value   V
	expires time.Time
}

func newTTLCache[V any](ttl time.Duration, clone func(V) V) *ttlCache[V] {
	if ttl < 0 {
		ttl = 0
	}
	return &ttlCache[V]{ttl: ttl, clone: clone, entries: map[string]cacheEntry[V]{}}
}

// get returns a copy of the value of key, if fresh at now, and the
// generation a load begun now must pass to put.
func (c *ttlCache[V]) get(key string, now time.Time) (V, uint64, bool) {
	var zero V
	if c.ttl == 0 {
		return zero, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.expires) {
		return zero, c.gen, false
	}
	return c.clone(e.value), c.gen, true
}

// put stores a value loaded since get returned gen, unless the cache was
// invalidated in between.
func (c *ttlCache[V]) put(key string, v V, gen uint64, now time.Time) {
	if c.ttl == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= cacheMax {
		clear(c.entries)
	}
	c.entries[key] = cacheEntry[V]{value: c.clone(v), expires: now.Add(c.ttl)}
}

// invalidate drops every entry and every load in flight.
func (c *ttlCache[V]) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// invalidateCaches drops every cached actor and namespace; operator calls
// run it after their transaction.
func (s *Service) invalidateCaches() {
	s.actors.invalidate()
	s.namespaces.invalidate()
}

// cloneActor copies what a caller could change through an actor.
func cloneActor(a core.Actor) core.Actor {
	a.Scopes = slices.Clone(a.Scopes)
	a.Listings = slices.Clone(a.Listings)
	a.APIKey.Scopes = slices.Clone(a.APIKey.Scopes)
	if a.Channel != nil {
		ch := *a.Channel
		a.Channel = &ch
	}
	return a
}

// cloneNamespace copies a namespace's label lists.
func cloneNamespace(ns core.Namespace) core.Namespace {
	ns.ReservedLabels = slices.Clone(ns.ReservedLabels)
	ns.ClaimLabels = slices.Clone(ns.ClaimLabels)
	if p := ns.Policy.RestorePriceGems; p != nil {
		v := *p
		ns.Policy.RestorePriceGems = &v
	}
	if p := ns.Policy.TransferPriceGems; p != nil {
		v := *p
		ns.Policy.TransferPriceGems = &v
	}
	return ns
}

// lookupNamespace reads the namespace called name, from the cache when it
// is fresh; ports.ErrNotFound when there is none. The namespace comes
// indexed (core.Namespace.Indexed), so that its reserved and claim
// look-alike checks cost one skeleton, not one per listed label.
func (s *Service) lookupNamespace(ctx context.Context, name string) (core.Namespace, error) {
	now := s.clock.Now()
	ns, gen, ok := s.namespaces.get(name, now)
	if ok {
		return ns, nil
	}
	err := s.uow.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		var err error
		ns, err = tx.Namespaces().Get(ctx, name)
		return err
	})
	if err != nil {
		return core.Namespace{}, err
	}
	ns = ns.Indexed()
	s.namespaces.put(name, ns, gen, now)
	return ns, nil
}
