package registry

import (
	"slices"
	"sync"
	"time"

	"github.com/headlessdomains/registry/core"
)

// DefaultActorCacheTTL is how long a resolved API key answers from memory.
//
// Every registrar request resolves its bearer token to the key, its
// partner, channel and listings: four reads before the command's own. A
// registrar's requests come in bursts with the same key, so the service
// keeps each resolution for a second. Every operator call that this service
// runs drops them all at once (a revoked key, a suspended channel, a new
// rate limit or listing takes effect at once on this node); on another node
// it takes effect within the TTL. The partner's balance in an actor may be
// up to the TTL old: commands debit under a row lock and never read it from
// the actor, and /status reads it afresh.
const DefaultActorCacheTTL = time.Second

// actorCacheMax bounds the cache; when full it starts over.
const actorCacheMax = 10_000

// actorCache maps token hashes to resolved actors for a short time.
type actorCache struct {
	ttl time.Duration // 0: disabled

	mu      sync.Mutex
	gen     uint64 // bumped by invalidate; a resolution begun before is not stored
	entries map[string]actorEntry
}

type actorEntry struct {
	actor   core.Actor
	expires time.Time
}

func newActorCache(ttl time.Duration) *actorCache {
	if ttl < 0 {
		ttl = 0
	}
	return &actorCache{ttl: ttl, entries: map[string]actorEntry{}}
}

// get returns a copy of the cached actor of hash, if fresh at now, and the
// generation a resolution begun now must pass to put.
func (c *actorCache) get(hash string, now time.Time) (core.Actor, uint64, bool) {
	if c.ttl == 0 {
		return core.Actor{}, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || !now.Before(e.expires) {
		return core.Actor{}, c.gen, false
	}
	return cloneActor(e.actor), c.gen, true
}

// put stores an actor resolved since get returned gen, unless an operator
// call invalidated the cache in between.
func (c *actorCache) put(hash string, a core.Actor, gen uint64, now time.Time) {
	if c.ttl == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= actorCacheMax {
		clear(c.entries)
	}
	c.entries[hash] = actorEntry{actor: cloneActor(a), expires: now.Add(c.ttl)}
}

// invalidate drops every entry and every resolution in flight.
func (c *actorCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
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
