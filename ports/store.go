package ports

import (
	"context"
	"errors"
	"time"

	"github.com/headlessdomains/registry/core"
)

// Errors every store adapter returns (wrapped is fine) so that the core can
// map them to catalog codes without knowing any driver.
var (
	// ErrNotFound: no row matches.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate: a unique constraint refused the write (slug, name, key, ...).
	ErrDuplicate = errors.New("duplicate")
	// ErrBusy: a lock could not be taken in time (another transaction holds it).
	ErrBusy = errors.New("busy")
	// ErrKeyBusy: IdempotencyStore.Reserve waited its bound for another
	// transaction holding the same idempotency key. It is distinct from
	// ErrBusy (any other lock wait, such as a partner's balance row held by
	// a long command), so that only a held key is answered as a request
	// with that key still running.
	ErrKeyBusy = errors.New("idempotency key held by another transaction")
	// ErrInsufficient: LedgerRepository.Post would take a partner's balance
	// below zero; nothing was written.
	ErrInsufficient = errors.New("balance too low")
	// ErrGroupConflict: a group transaction (UnitOfWork.DoEach) found at its
	// end that the commands it ran together cannot all stand (a balance
	// moved by another transaction meanwhile no longer covers them); nothing
	// of the group was kept, and each command may be run again on its own.
	ErrGroupConflict = errors.New("group transaction conflicted; run its commands one by one")
	// ErrNothingWritten is matched (errors.Is) by the error of a fn of
	// UnitOfWork.DoEach that answered before it wrote anything and without
	// a failed statement (a retry whose idempotency claim found the key's
	// record): an adapter that runs a group first without savepoints goes on
	// with the other fns instead of rolling the run back for it.
	ErrNothingWritten = errors.New("nothing written")
	// ErrUnavailable: the backing service did not answer (connection refused,
	// timeout, server shutting down). The core answers backend_unavailable.
	ErrUnavailable = errors.New("unavailable")
)

// KeyUsedError is what DomainRepository.Register answers when it carried
// the claim of IdempotencyStore.ReserveRegistering and the key turned out
// to be recorded already: Record is the committed record, and neither the
// claim nor the registration was written.
type KeyUsedError struct{ Record core.IdempotencyRecord }

func (e *KeyUsedError) Error() string {
	return "idempotency key " + e.Record.Key + " already recorded"
}

// UnitOfWork is the transaction boundary. Everything a command changes — its
// effect, audit row, ledger entry, idempotency record and pending work —
// happens inside one Do (or one fn of a DoEach).
type UnitOfWork interface {
	// Do runs fn in one read-write transaction. The stores reached through tx
	// share it. fn's error or panic rolls everything back; a commit error is
	// returned. Do never retries fn by itself.
	Do(ctx context.Context, fn func(ctx context.Context, tx Stores) error) error
	// DoEach runs every fn in one read-write transaction, each inside a
	// savepoint of its own, in order: a fn's error rolls back that fn's
	// writes only and is answered as errs[i]; what the others wrote commits
	// together, with one commit (one fsync) for all (group commit). A later
	// fn sees what the earlier ones wrote, except what an adapter may hold
	// back to write once for the group at its end: audit rows, idempotency
	// results (the claim is seen, its result not yet), ledger entries and
	// partner balances (moves through LedgerRepository.Post do see each
	// other's effect on the balance). When the transaction itself fails
	// (begin, a savepoint, the commit), nothing of any fn is kept and every
	// errs[i] is that failure, whatever the fn answered; when that failure
	// wraps ErrGroupConflict, running each fn again on its own (a DoEach of
	// that fn alone, or Do) is the way through; a DoEach of one fn never
	// answers ErrGroupConflict. fn's ctx is ctx.
	// Adapters without savepoints may run the fns as separate Do's. An
	// adapter may run the fns first without savepoints and, when one answers
	// an error, roll that run back whole and run them all again in
	// savepoints: a fn may thus run twice, nothing of its first run kept,
	// and every errs[i] is what fn answered in the run that committed (an
	// error matching ErrNothingWritten need not roll the run back).
	DoEach(ctx context.Context, fns []func(ctx context.Context, tx Stores) error) []error
	// View runs fn for reads only. Adapters may run it without a transaction
	// (each read sees committed data); fn must not write.
	View(ctx context.Context, fn func(ctx context.Context, tx Stores) error) error
}

// Stores reaches every repository inside one unit of work.
type Stores interface {
	Partners() PartnerRepository
	Channels() ChannelRepository
	APIKeys() APIKeyRepository
	Namespaces() NamespaceRepository
	Listings() ListingRepository
	Domains() DomainRepository
	Ledger() LedgerRepository
	Audit() AuditLog
	Idempotency() IdempotencyStore
	Pending() PendingRepository
	OTERuns() OTERunRepository
	Contacts() ContactRepository
	Messages() MessageQueue
}

// PartnerRepository stores partners. Update locks the row for the rest of the
// transaction (SELECT ... FOR UPDATE where the database has it); fn's error
// aborts the update and is returned as is.
type PartnerRepository interface {
	Insert(ctx context.Context, p core.Partner) error
	Get(ctx context.Context, id string) (core.Partner, error)
	Update(ctx context.Context, id string, fn func(*core.Partner) error) (core.Partner, error)
}

// ChannelRepository stores registrar channels; slugs are unique (ErrDuplicate).
type ChannelRepository interface {
	Insert(ctx context.Context, c core.Channel) error
	Get(ctx context.Context, id string) (core.Channel, error)
	GetBySlug(ctx context.Context, slug string) (core.Channel, error)
	Update(ctx context.Context, id string, fn func(*core.Channel) error) (core.Channel, error)
}

// APIKeyRepository stores API keys by id and by token hash (unique).
type APIKeyRepository interface {
	Insert(ctx context.Context, k core.APIKey) error
	Get(ctx context.Context, id string) (core.APIKey, error)
	GetByTokenHash(ctx context.Context, hash string) (core.APIKey, error)
	Update(ctx context.Context, id string, fn func(*core.APIKey) error) (core.APIKey, error)
	// ListByChannel returns the keys bound to channelID, revoked ones
	// included, oldest first (ties by id).
	ListByChannel(ctx context.Context, channelID string) ([]core.APIKey, error)
}

// NamespaceRepository stores namespaces; names are unique (ErrDuplicate).
type NamespaceRepository interface {
	Insert(ctx context.Context, n core.Namespace) error
	Get(ctx context.Context, name string) (core.Namespace, error)
	List(ctx context.Context) ([]core.Namespace, error)
	// Update locks the namespace, runs fn on a copy and stores the result.
	Update(ctx context.Context, name string, fn func(*core.Namespace) error) (core.Namespace, error)
}

// ListingRepository stores channel-namespace listings, unique per pair.
type ListingRepository interface {
	Insert(ctx context.Context, l core.Listing) error
	Get(ctx context.Context, channelID, namespace string) (core.Listing, error)
	ListByChannel(ctx context.Context, channelID string) ([]core.Listing, error)
	Update(ctx context.Context, channelID, namespace string, fn func(*core.Listing) error) (core.Listing, error)
}

// DomainRepository stores registrations. At most one registration per name is
// not cancelled: Insert returns ErrDuplicate otherwise (the database enforces
// it, so two concurrent inserts cannot both succeed). Cancelled rows stay for
// history and never block a new registration of the name.
type DomainRepository interface {
	Insert(ctx context.Context, d core.Domain) error
	// Register inserts a new registration (ErrDuplicate when its name is
	// live, as Insert) and reports in the same step whether backend work of
	// an earlier registration of the name is still queued (a pending item
	// for the name, status pending, of another registration), which the
	// caller must settle before the new one goes live at the backend.
	Register(ctx context.Context, d core.Domain) (earlierWorkQueued bool, err error)
	// GetByName returns the registration of name that is not cancelled.
	GetByName(ctx context.Context, name core.Name) (core.Domain, error)
	// GetByNames returns the non-cancelled registrations among names, keyed by Name.String().
	GetByNames(ctx context.Context, names []core.Name) (map[string]core.Domain, error)
	// TakenNames reports which of names have a registration that is not
	// cancelled, keyed by Name.String(): only the names, no registration is
	// read whole. Names without one are absent.
	TakenNames(ctx context.Context, names []core.Name) (map[string]bool, error)
	// Update locks the row with id, runs fn on a copy and stores the result.
	Update(ctx context.Context, id string, fn func(*core.Domain) error) (core.Domain, error)
	// UpdateByName locks the registration of name that is not cancelled
	// (SELECT ... FOR NO KEY UPDATE on PostgreSQL) before fn sees it, runs fn
	// on that locked row and stores the result: every rule fn checks holds
	// until the transaction ends. ErrNotFound when there is none.
	UpdateByName(ctx context.Context, name core.Name, fn func(*core.Domain) error) (core.Domain, error)
	// ClaimDue locks up to limit registrations whose next lifecycle deadline
	// (core.Domain.NextDue) is at or before now, earliest first, skipping
	// rows another transaction holds (FOR UPDATE SKIP LOCKED on PostgreSQL).
	ClaimDue(ctx context.Context, now time.Time, limit int) ([]core.Domain, error)
	// ListTransfers answers registrations whose latest transfer matches q,
	// cancelled ones included, by id ascending.
	ListTransfers(ctx context.Context, q TransferQuery) ([]core.Domain, error)
}

// TransferQuery selects registrations by their latest transfer. Role
// "gaining" matches ChannelID as the requesting channel, "losing" as the
// channel that sponsored the registration when it was requested, "" either;
// an empty ChannelID matches every channel (operators).
// Empty Status matches every status; AfterID continues a page.
type TransferQuery struct {
	ChannelID string
	Role      string
	Status    string
	AfterID   string
	Limit     int
}

// LedgerRepository is the append-only record of Gems movements.
type LedgerRepository interface {
	Append(ctx context.Context, e core.LedgerEntry) error
	// Post moves e.Amount into the balance of partner e.PartnerID (its
	// updated_at becomes e.CreatedAt) and appends e with Balance set to the
	// balance after the move, as one step. On PostgreSQL it is one
	// statement, so the partner's row lock is taken by the transaction's
	// last statement and held only until the commit. When the balance would
	// fall below zero nothing is written, the error wraps ErrInsufficient
	// and the answered entry's Balance is the balance as it is. ErrNotFound
	// when the partner does not exist.
	Post(ctx context.Context, e core.LedgerEntry) (core.LedgerEntry, error)
	ListByPartner(ctx context.Context, partnerID string) ([]core.LedgerEntry, error)
}

// AuditQuery selects audit events. Empty fields do not filter. Results are
// ordered by ID ascending (IDs are time-ordered); AfterID continues a page.
type AuditQuery struct {
	ChannelID      string // "" matches every channel (operators only)
	Actor          string // "registrar", "registry" or "operator"; "" matches every actor
	ExcludeActor   string // an actor whose events are left out; "" leaves none out
	IdempotencyKey string
	Command        string
	Status         string
	Domain         string
	Since          *time.Time // inclusive
	AfterID        string
	Limit          int
	// EncodedSummaries asks for the summaries as JSON
	// (core.AuditEvent.RequestSummaryJSON and ResponseSummaryJSON) where
	// the store keeps them as JSON; a store that keeps them as maps answers
	// the maps.
	EncodedSummaries bool
}

// AuditLog is the append-only command audit.
type AuditLog interface {
	Append(ctx context.Context, e core.AuditEvent) error
	Query(ctx context.Context, q AuditQuery) ([]core.AuditEvent, error)
	// GetMany returns the events with these ids that exist, in the order given.
	GetMany(ctx context.Context, ids []string) ([]core.AuditEvent, error)
}

// IdempotencyStore keeps results of mutating commands per channel and key.
type IdempotencyStore interface {
	// Get returns the committed record of (channelID, key), or ErrNotFound.
	Get(ctx context.Context, channelID, key string) (core.IdempotencyRecord, error)
	// Reserve claims (rec.ChannelID, rec.Key) for this transaction. It returns
	// nil, nil when the claim is ours. When another transaction committed a
	// record first it returns that record. When another transaction holds the
	// claim, Reserve waits for it to finish (up to an adapter-defined bound,
	// then ErrKeyBusy); if that transaction rolled back, the claim becomes ours.
	Reserve(ctx context.Context, rec core.IdempotencyRecord) (*core.IdempotencyRecord, error)
	// ReserveLocking is Reserve for a command whose next step is
	// DomainRepository.UpdateByName(name) in the same transaction: a store
	// may read and lock that registration with the claim, in one round trip,
	// and hand the row to that UpdateByName. The claim comes first, as with
	// Reserve; the registration is locked only when the claim is ours. What
	// the caller sees is what Reserve then UpdateByName would give.
	ReserveLocking(ctx context.Context, rec core.IdempotencyRecord, name core.Name) (*core.IdempotencyRecord, error)
	// ReserveRegistering is Reserve for a command whose next write in the
	// same transaction is DomainRepository.Register (a registration): a
	// store may hold the claim and make it with that insert, in one round
	// trip. It then answers nil, nil at once, and Register answers what
	// Reserve would have: a *KeyUsedError with the record when the key was
	// recorded first (nothing written), ErrKeyBusy when another transaction
	// held the key too long. The claim still comes first: the registration
	// is inserted only when the claim is ours. A command that ends (with
	// success) without calling Register after ReserveRegistering fails its
	// transaction; one that is refused before it never made its claim.
	ReserveRegistering(ctx context.Context, rec core.IdempotencyRecord) (*core.IdempotencyRecord, error)
	// Complete stores the result and audit id of a reserved record.
	Complete(ctx context.Context, rec core.IdempotencyRecord) error
	// DeleteBefore removes records created before t and returns how many.
	DeleteBefore(ctx context.Context, t time.Time) (int, error)
}

// PendingRepository stores backend apply work.
type PendingRepository interface {
	Insert(ctx context.Context, p core.PendingItem) error
	Get(ctx context.Context, id string) (core.PendingItem, error)
	// List answers items matching f, oldest first (Status "" means pending).
	List(ctx context.Context, f core.PendingFilter) ([]core.PendingItem, error)
	Update(ctx context.Context, id string, fn func(*core.PendingItem) error) (core.PendingItem, error)
	// Claim locks up to limit pending items due at now (NextTryAt <= now) for
	// this transaction, skipping items that another transaction has locked
	// (FOR UPDATE SKIP LOCKED on PostgreSQL), oldest first.
	Claim(ctx context.Context, now time.Time, limit int) ([]core.PendingItem, error)
}

// OTERunRepository stores OT&E runs.
type OTERunRepository interface {
	Insert(ctx context.Context, r core.OTERun) error
	Get(ctx context.Context, id string) (core.OTERun, error)
	Update(ctx context.Context, id string, fn func(*core.OTERun) error) (core.OTERun, error)
	// LatestByChannel returns the channel's most recently created run (ties
	// by the greater id), or ErrNotFound when it has none.
	LatestByChannel(ctx context.Context, channelID string) (core.OTERun, error)
}

// ContactRepository stores RFC 5733 contacts by id; ids are unique in the
// whole registry (ErrDuplicate).
type ContactRepository interface {
	Insert(ctx context.Context, c core.Contact) error
	Get(ctx context.Context, id string) (core.Contact, error)
	// GetShared reads the contact and holds a shared lock on it (FOR SHARE
	// on PostgreSQL) until the transaction ends: a registration that names
	// it is written while nobody can delete or change it.
	GetShared(ctx context.Context, id string) (core.Contact, error)
	// GetMany returns the contacts among ids that exist, keyed by id.
	GetMany(ctx context.Context, ids []string) (map[string]core.Contact, error)
	// Update locks the contact, runs fn on a copy and stores the result.
	Update(ctx context.Context, id string, fn func(*core.Contact) error) (core.Contact, error)
	// Delete removes the contact; ErrNotFound when there is none.
	Delete(ctx context.Context, id string) error
	// LinkedDomains answers the ids of the registrations that are not
	// cancelled and name the contact as their registrant, sorted.
	LinkedDomains(ctx context.Context, id string) ([]string, error)
}

// MessageQueue is the per-channel message queue behind EPP poll.
type MessageQueue interface {
	// Enqueue adds a message; ErrDuplicate when its id exists.
	Enqueue(ctx context.Context, m core.Message) error
	// Oldest answers the channel's oldest unacknowledged message (by
	// CreatedAt, then id) and how many are unacknowledged; ErrNotFound (and
	// a count of 0) when none is.
	Oldest(ctx context.Context, channelID string) (core.Message, int, error)
	// Ack marks the channel's unacknowledged message id acknowledged at at;
	// ErrNotFound when the channel has no such unacknowledged message
	// (another channel's message included).
	Ack(ctx context.Context, channelID, id string, at time.Time) (core.Message, error)
}

// Clock is the source of time; tests pass a fixed one.
type Clock interface {
	Now() time.Time
}

// IDGenerator makes new identifiers: prefix + "_" + a time-ordered unique suffix,
// so that ids sort in creation order.
type IDGenerator interface {
	NewID(prefix string) string
}

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }
