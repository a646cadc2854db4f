package registry

import (
	"hash/maphash"
	"sync"
)

// recentKeys remembers, approximately, the idempotency keys of the commands
// this node answered lately: whether a command's key may be a retry worth
// looking up before its transaction (mutate's fast path).
//
// That lookup is a read of its own, one more round trip and statement for
// every command, and nearly every command comes with a key never used
// before: without it a create cost registryd and PostgreSQL a third less
// CPU at 16 clients, its groups being larger too (bench/README.md, "A fresh
// key goes straight to its transaction"). A retry (the same idempotency
// key again, or EPP's clTRID) comes soon after the first attempt, and often
// to the node that answered it (over the client's kept-alive connection or
// EPP session), so the lookup is kept for keys this node answered within
// its last million commands or so. A key it does not remember (a retry
// sent to another node, or one much later) goes straight to the
// transaction, whose claim finds the stored record and answers the same
// replay, writing nothing (ports.ErrNothingWritten): the answer never
// depends on this memory, only the cost of the retry does.
//
// Two Bloom filters of 2^23 bits each, five probes: the keys go into the
// current one, and when it holds recentKeysPerGeneration keys the older
// is dropped and the current becomes the older. A key is remembered for at
// least recentKeysPerGeneration later keys. A key never answered is taken
// for a remembered one (and then only costs the read it used to cost) in at
// most some 4% of lookups, when both filters are full, and far fewer
// before: each full filter answers a false yes for 2.2% of keys. 2 MiB in
// all.
type recentKeys struct {
	mu       sync.Mutex
	seed     maphash.Seed
	bits     uint64 // per filter, a multiple of 64
	perGen   int    // keys a filter takes before the older is dropped
	cur, old []uint64
	n        int // keys added to cur
}

const (
	recentKeysBits          = 1 << 23
	recentKeysProbes        = 5
	recentKeysPerGeneration = 1 << 20
)

func newRecentKeys() *recentKeys { return newRecentKeysSized(recentKeysBits, recentKeysPerGeneration) }

func newRecentKeysSized(bits uint64, perGen int) *recentKeys {
	return &recentKeys{seed: maphash.MakeSeed(), bits: bits, perGen: perGen,
		cur: make([]uint64, bits/64), old: make([]uint64, bits/64)}
}

// hash is the key of channel's idempotency key.
func (r *recentKeys) hash(channel, key string) uint64 {
	var h maphash.Hash
	h.SetSeed(r.seed)
	_, _ = h.WriteString(channel)
	_ = h.WriteByte(0)
	_, _ = h.WriteString(key)
	return h.Sum64()
}

// probe calls f with the bit index of each of h's probes.
func (r *recentKeys) probe(h uint64, f func(bit uint64)) {
	a, b := h&0xffffffff, h>>32|1 // double hashing: a + i·b
	for i := range uint64(recentKeysProbes) {
		f((a + i*b) % r.bits)
	}
}

func (r *recentKeys) has(filter []uint64, h uint64) bool {
	found := true
	r.probe(h, func(bit uint64) {
		if filter[bit/64]&(1<<(bit%64)) == 0 {
			found = false
		}
	})
	return found
}

// maybe reports whether the key may have been added (never a false "no"
// for a key added within the last perGen additions).
func (r *recentKeys) maybe(channel, key string) bool {
	h := r.hash(channel, key)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.has(r.cur, h) || r.has(r.old, h)
}

// add remembers the key.
func (r *recentKeys) add(channel, key string) {
	h := r.hash(channel, key)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n >= r.perGen {
		r.old, r.cur = r.cur, r.old
		clear(r.cur)
		r.n = 0
	}
	r.probe(h, func(bit uint64) { r.cur[bit/64] |= 1 << (bit % 64) })
	r.n++
}
