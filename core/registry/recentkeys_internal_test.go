package registry

import (
	"strconv"
	"sync"
	"testing"
)

func TestRecentKeysRemembersWhatWasAdded(t *testing.T) {
	r := newRecentKeysSized(1<<16, 1000)
	for i := range 1000 {
		r.add("chn_a", "key-"+strconv.Itoa(i))
	}
	for i := range 1000 {
		if !r.maybe("chn_a", "key-"+strconv.Itoa(i)) {
			t.Fatalf("key-%d added, then not remembered", i)
		}
	}
	// 1000 keys in 2^16 bits, five probes: a false yes is some 2e-6 likely.
	for i := range 1000 {
		if r.maybe("chn_b", "key-"+strconv.Itoa(i)) || r.maybe("chn_a", "other-"+strconv.Itoa(i)) {
			t.Fatalf("key-%d of another channel, or a key never added, taken as remembered", i)
		}
	}
	if r.maybe("chn_a\x00key", "-1") || r.maybe("chn_", "akey-1") {
		t.Error("the channel and the key are not kept apart")
	}
}

func TestRecentKeysForgetsAfterTwoGenerations(t *testing.T) {
	r := newRecentKeysSized(1<<16, 1000)
	r.add("chn_a", "first")
	for i := range 1000 {
		r.add("chn_a", "later-"+strconv.Itoa(i))
	}
	if !r.maybe("chn_a", "first") {
		t.Fatal("forgotten after 1000 later keys; the promise is at least one generation")
	}
	for i := range 1000 {
		r.add("chn_a", "even-later-"+strconv.Itoa(i))
	}
	if r.maybe("chn_a", "first") {
		t.Error("still remembered after two generations: the older filter was not dropped")
	}
	if !r.maybe("chn_a", "even-later-999") || !r.maybe("chn_a", "later-999") {
		t.Error("the newest keys were dropped instead of the oldest")
	}
}

func TestRecentKeysUnderConcurrentUse(t *testing.T) {
	// Room for every key: what is added is remembered whatever the
	// interleaving (run with -race, as make test does).
	r := newRecentKeysSized(1<<16, 8*400)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 400 {
				k := strconv.Itoa(g) + "-" + strconv.Itoa(i)
				r.add("chn", k)
				if !r.maybe("chn", k) {
					t.Errorf("%s not remembered right after its add", k)
					return
				}
			}
		})
	}
	wg.Wait()
}
