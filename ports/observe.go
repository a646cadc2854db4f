package ports

import "context"

// Command outcomes an Observer is told.
const (
	// OutcomeSuccess: the command answered success (sandbox included).
	OutcomeSuccess = "success"
	// OutcomeRefused: the command was refused with a catalog code the caller
	// can act on (validation, status, balance, rate limit, ...).
	OutcomeRefused = "refused"
	// OutcomeFailed: the registry could not answer (internal_error,
	// backend_unavailable): the caller retries.
	OutcomeFailed = "failed"
)

// Transports an Observer is told.
const (
	TransportREST     = "rest"
	TransportEPP      = "epp"
	TransportRegistry = "registry" // actions the registry makes by itself
)

// Observer is told what the registry did, for metrics. Every argument comes
// from a bounded set (command names, transports, outcomes, catalog codes,
// action names): never a domain name, an id or free text. Implementations
// must be safe for concurrent use and must not block.
type Observer interface {
	// CommandDone counts one command: its name, the transport that carried
	// it, its outcome (OutcomeSuccess, OutcomeRefused, OutcomeFailed), its
	// catalog code ("ok" on success) and whether it replayed a recorded
	// idempotent answer.
	CommandDone(command, transport, outcome, code string, replay bool)
	// MaintenanceAction counts n items settled by a registry-made action
	// (an idempotency purge, a completed pending delete, an applied pending
	// item, ...). n may be 0: the action ran and found nothing due.
	MaintenanceAction(action string, n int)
	// GroupCommitted is told the size of each write transaction that group
	// commit ran: how many commands of one partner shared it (1: a command
	// alone). Not told for commands outside group commit.
	GroupCommitted(commands int)
}

// NopObserver observes nothing.
type NopObserver struct{}

func (NopObserver) CommandDone(string, string, string, string, bool) {}
func (NopObserver) MaintenanceAction(string, int)                    {}
func (NopObserver) GroupCommitted(int)                               {}

// PendingCount is the number of backend pending items of one command in one
// status.
type PendingCount struct {
	Command string
	Status  string
	Count   int
}

// PendingCounter answers how many backend pending items exist per command
// and status, read at once (for a metrics scrape).
type PendingCounter interface {
	PendingCounts(ctx context.Context) ([]PendingCount, error)
}
