package core

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// crockford is Crockford's base32 alphabet: sortable, no I L O U.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// IDs makes time-ordered identifiers: prefix_ + 10 characters of
// millisecond time + 16 characters of randomness (a lowercase ULID). Within
// one millisecond on one process the random part increases monotonically, so
// ids sort in creation order.
type IDs struct {
	mu       sync.Mutex
	lastMS   uint64
	lastRand [10]byte
}

// NewIDs returns an id generator.
func NewIDs() *IDs { return &IDs{} }

// NewID returns prefix + "_" + a new ULID.
func (g *IDs) NewID(prefix string) string {
	ms := uint64(time.Now().UnixMilli())
	g.mu.Lock()
	var r [10]byte
	if ms <= g.lastMS {
		ms = g.lastMS
		r = g.lastRand
		for i := len(r) - 1; i >= 0; i-- { // increment
			r[i]++
			if r[i] != 0 {
				break
			}
		}
	} else {
		_, _ = rand.Read(r[:]) // crypto/rand.Read never fails on supported platforms
	}
	g.lastMS, g.lastRand = ms, r
	g.mu.Unlock()

	var b [26]byte
	// 48-bit time in 10 characters.
	for i := 9; i >= 0; i-- {
		b[i] = crockford[ms&31]
		ms >>= 5
	}
	// 80-bit randomness in 16 characters.
	hi := uint64(binary.BigEndian.Uint16(r[0:2]))
	lo := binary.BigEndian.Uint64(r[2:10])
	for i := 25; i >= 10; i-- {
		b[i] = crockford[lo&31]
		lo = lo>>5 | (hi&31)<<59
		hi >>= 5
	}
	if prefix == "" {
		return string(b[:])
	}
	return prefix + "_" + string(b[:])
}

// IDFloor is the smallest id of prefix that NewID could have made at t or
// later: ids sort by their millisecond time, so "id > IDFloor(p, t)" holds
// for every id made at or after t. Queries use it to turn a time bound into
// an index range on ids.
func IDFloor(prefix string, t time.Time) string {
	ms := t.UnixMilli()
	if ms < 0 {
		ms = 0
	}
	var b [26]byte
	for i := 9; i >= 0; i-- {
		b[i] = crockford[ms&31]
		ms >>= 5
	}
	for i := 10; i < 26; i++ {
		b[i] = '0'
	}
	if prefix == "" {
		return string(b[:])
	}
	return prefix + "_" + string(b[:])
}
