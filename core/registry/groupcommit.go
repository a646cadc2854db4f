package registry

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime"
	"sync"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// DefaultGroupCommitMax is how many commands at most share a transaction.
// PostgreSQL keeps the subtransactions of 64 savepoints per transaction in
// shared memory; past that every snapshot of every session looks them up
// on disk, so a group stays well below it.
const DefaultGroupCommitMax = 32

// groupBatchTimeout bounds one group transaction: the commands in it no
// longer carry their requests' deadlines (a client that hangs up must not
// roll back the others), so the group carries its own.
const groupBatchTimeout = time.Minute

// groupLanes is how many group transactions of one shard a node runs at
// once. The store moves a group's balances only at its end (see
// ports.UnitOfWork.DoEach), so while one group commits the next runs its
// commands; more lanes than that only add conflicts (measured: four lanes
// of one busy partner ran 5-12% fewer creates a second than two).
const groupLanes = 2

// committer is group commit. Every command that debits a partner ends its
// transaction by moving that partner's balance, so the commands of one busy
// registrar would queue on one row lock, each holding it through its own
// commit and fsync; and the commands of many registrars, one each at a
// time, would each pay a transaction and an fsync of their own. The
// committer instead queues commands in memory by shard, a fixed share of
// the partners (every command of a partner in the same shard): up to
// groupLanes goroutines per shard with work each run what is queued as one
// transaction, each command all or nothing on its own
// (ports.UnitOfWork.DoEach), and answer every command only after that
// transaction has committed. The batch is whatever arrived while the
// previous one ran. A command that finds its shard idle runs at once,
// alone, so nothing waits for a batch to fill; the shard's second lane
// starts only once two commands wait, so that under load a lane does not
// take each command alone as it comes (measured: half of create_multi's
// groups were of one command, and registryd and PostgreSQL spent 0.87 ms
// of CPU a create where the rule spends 0.75). A group moves the balance
// of each of its partners once, at its end, in partner id order (one lock
// order for every group). A group the store finds at its end no longer
// covered by a balance (ports.ErrGroupConflict: another group or node spent
// it meanwhile) kept nothing; its commands then run again one by one, each
// checked under its balance's row lock.
//
// There are half as many shards as the node has processors (GOMAXPROCS /
// groupLanes, at least one; or Options.GroupCommitShards): the shards'
// lanes are the transactions the node drives at once, one a processor, and
// one busy partner has its shard's two lanes as it would alone. More shards
// only made smaller groups (measured on two processors: four shards ran
// create_multi's sixteen registrars 5-10% slower than one). A command may
// wait behind another partner's command of its group.
//
// Every guarantee of a single transaction holds per command: its writes are
// all kept or all rolled back; a refused command leaves nothing; a success
// is answered only once committed; a failed commit fails every command of
// the batch (none is answered as success, none is kept).
type committer struct {
	uow ports.UnitOfWork
	obs ports.Observer
	max int

	mu     sync.Mutex
	queues []commitQueue // one per shard
}

type commitQueue struct {
	calls []*commitCall
	lanes int // drain goroutines running for the queue
}

type commitCall struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx ports.Stores) error
	err  error
	done chan struct{}
}

func newCommitter(uow ports.UnitOfWork, obs ports.Observer, max, shards int) *committer {
	if max <= 0 {
		max = DefaultGroupCommitMax
	}
	if shards <= 0 {
		shards = runtime.GOMAXPROCS(0) / groupLanes
	}
	if shards < 1 {
		shards = 1
	}
	return &committer{uow: uow, obs: obs, max: max, queues: make([]commitQueue, shards)}
}

// Do runs fn in a transaction shared with the other commands of partner's
// shard that are queued with it, and answers fn's error or the
// transaction's. fn runs with ctx's values but not its cancellation: once
// queued, a command runs to its end whether or not its caller is still
// waiting.
func (c *committer) Do(ctx context.Context, partner string, fn func(ctx context.Context, tx ports.Stores) error) error {
	if c.max == 1 {
		return c.uow.Do(ctx, fn)
	}
	call := &commitCall{ctx: context.WithoutCancel(ctx), fn: fn, done: make(chan struct{})}
	q := &c.queues[c.shard(partner)]
	c.mu.Lock()
	q.calls = append(q.calls, call)
	start := q.lanes == 0 || q.lanes < groupLanes && len(q.calls) >= 2
	if start {
		q.lanes++
	}
	c.mu.Unlock()
	if start {
		go c.drain(q)
	}
	<-call.done
	return call.err
}

// shard is the queue of partner's commands.
func (c *committer) shard(partner string) int {
	if len(c.queues) == 1 {
		return 0
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(partner))
	return int(h.Sum32() % uint32(len(c.queues)))
}

// drain runs q batch after batch until it is empty.
func (c *committer) drain(q *commitQueue) {
	for {
		c.mu.Lock()
		n := min(len(q.calls), c.max)
		if n == 0 {
			q.lanes--
			c.mu.Unlock()
			return
		}
		batch := q.calls[:n:n]
		q.calls = append([]*commitCall(nil), q.calls[n:]...)
		c.mu.Unlock()
		c.run(batch)
	}
}

// run commits one batch and answers each of its commands.
func (c *committer) run(batch []*commitCall) {
	defer func() {
		if p := recover(); p != nil {
			// A command panicked: the adapter rolled the transaction back.
			err := core.Internal(fmt.Errorf("group transaction: panic: %v", p))
			for _, call := range batch {
				call.err = err
				close(call.done)
			}
		}
	}()
	deadline := time.Now().Add(groupBatchTimeout)
	fns := make([]func(ctx context.Context, tx ports.Stores) error, len(batch))
	for i, call := range batch {
		fns[i] = func(_ context.Context, tx ports.Stores) error {
			ctx, cancel := context.WithDeadline(call.ctx, deadline)
			defer cancel()
			return call.fn(ctx, tx)
		}
	}
	ctx, cancel := context.WithDeadline(batch[0].ctx, deadline)
	defer cancel()
	errs := c.uow.DoEach(ctx, fns)
	c.obs.GroupCommitted(len(batch))
	for i := range batch {
		if len(batch) > 1 && errors.Is(errs[i], ports.ErrGroupConflict) {
			// Nothing of the command was kept: it runs again alone, as a
			// group of one, so that its balance moves (a deletion's refunds
			// to two registrars, say) are made at its end in partner id
			// order like every group's, never in an order a group could
			// deadlock with. (The store may have run a part of the group
			// again after a refusal, so the conflict need not be every
			// command's.)
			errs[i] = c.uow.DoEach(ctx, fns[i:i+1])[0]
			c.obs.GroupCommitted(1)
		}
	}
	for i, call := range batch {
		call.err = errs[i]
		close(call.done)
	}
}
