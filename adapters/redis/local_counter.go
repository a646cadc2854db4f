package redis

import (
	"sync"
	"time"
)

// localSweepEvery bounds how often the fallback counter drops expired keys.
const localSweepEvery = 30 * time.Second

// localCounter is the in-process fixed-window counter used while Redis is
// unreachable: the same contract as the Lua script (a key expires ttl after
// its first increment), kept in a map under one mutex.
type localCounter struct {
	mu        sync.Mutex
	entries   map[string]localEntry
	nextSweep time.Time
}

type localEntry struct {
	count   int64
	expires time.Time
}

func newLocalCounter() *localCounter {
	return &localCounter{entries: make(map[string]localEntry)}
}

// add adds n to key at now and returns the new count.
func (c *localCounter) add(key string, n int64, ttl time.Duration, now time.Time) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !now.Before(c.nextSweep) {
		c.sweep(now)
		c.nextSweep = now.Add(localSweepEvery)
	}
	e, ok := c.entries[key]
	if !ok || !now.Before(e.expires) {
		e = localEntry{expires: now.Add(ttl)}
	}
	e.count += n
	c.entries[key] = e
	return e.count
}

// sweep drops expired keys; the caller holds mu.
func (c *localCounter) sweep(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
}

// len is the number of keys held, expired or not.
func (c *localCounter) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
