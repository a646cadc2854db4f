package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// DomainRepository stores registrations. The partial unique index
// domains_live_name_key lets at most one registration per name be other
// than cancelled, so of two concurrent inserts of a name one gets
// ErrDuplicate, whatever the core checked before.
type DomainRepository struct{ c conn }

var _ ports.DomainRepository = (*DomainRepository)(nil)

// liveName selects the registration of a name that is not cancelled; its
// predicate matches the partial index so that the index serves the lookup.
const liveName = "name = ? AND state <> 'cancelled'"

// liveNameSelect is the registration of a live name, prepared on PostgreSQL.
var liveNameSelect = &preparedSelect{model: (*domainRow)(nil), where: "name = $1 AND state <> 'cancelled'"}

// takenNameSelect and takenNamesSelect are the names among $1 (one name, or
// a text array) that have a live registration, prepared on PostgreSQL. One
// name has its own text: its generic plan is the unique index lookup, which
// PostgreSQL keeps, while the generic plan of = ANY($1) estimates ten rows
// and a bitmap scan, so PostgreSQL plans that text again on every call.
const (
	takenNameSelect  = "SELECT name FROM domains WHERE name = $1 AND state <> 'cancelled'"
	takenNamesSelect = "SELECT name FROM domains WHERE name = ANY($1) AND state <> 'cancelled'"
)

// Insert adds d; ErrDuplicate when its id exists or its name is registered.
func (r *DomainRepository) Insert(ctx context.Context, d core.Domain) error {
	r.c.pre.drop()
	row, err := domainToRow(d)
	if err != nil {
		return err
	}
	return r.c.insert(ctx, row)
}

// Register inserts d and reports whether queued backend work of an earlier
// registration of its name exists (ports.DomainRepository.Register). On
// PostgreSQL the question rides on the insert's RETURNING clause: one round
// trip, the common answer being no.
func (r *DomainRepository) Register(ctx context.Context, d core.Domain) (bool, error) {
	if err := r.c.writable(); err != nil {
		return false, err
	}
	r.c.pre.drop()
	row, err := domainToRow(d)
	if err != nil {
		return false, err
	}
	if held := r.c.pre.takeClaim(); held != nil {
		return r.registerClaiming(ctx, held, row)
	}
	return r.register(ctx, row)
}

// register inserts row: Register without a held claim.
func (r *DomainRepository) register(ctx context.Context, row *domainRow) (bool, error) {
	var err error
	const queued = "EXISTS (SELECT 1 FROM pending_items WHERE domain = ? AND status = ? AND domain_id IS DISTINCT FROM ?)"
	if !r.c.pg {
		if err := r.c.insert(ctx, row); err != nil {
			return false, err
		}
		var earlier bool
		err := r.c.db.NewRaw("SELECT "+queued, row.Name, core.PendingQueued, row.ID).Scan(ctx, &earlier)
		return earlier, mapErr(err)
	}
	var earlier bool
	if r.c.prepared {
		err = r.c.scanPrepared(ctx, registerInsert, func(s rowScanner) error { return s.Scan(&earlier) },
			append(row.args(), string(core.PendingQueued))...)
	} else {
		err = r.c.db.NewInsert().Model(row).On("CONFLICT DO NOTHING").
			Returning(queued+" AS earlier", row.Name, core.PendingQueued, row.ID).Scan(ctx, &earlier)
	}
	if err = mapErr(err); errors.Is(err, ports.ErrNotFound) {
		return false, fmt.Errorf("%w: registration of %s", ports.ErrDuplicate, row.Name)
	}
	return earlier, err
}

// GetByName returns the registration of name that is not cancelled, or ErrNotFound.
func (r *DomainRepository) GetByName(ctx context.Context, name core.Name) (core.Domain, error) {
	if err := r.c.sendUpdates(ctx, name.String(), "", false); err != nil {
		return core.Domain{}, err
	}
	var row domainRow
	var err error
	if done, rerr := r.c.readRow(ctx, liveNameRaw, row.scanRaw, row.scan, name.String()); done {
		err = rerr
	} else if r.c.prepared {
		err = r.c.getPrepared(ctx, liveNameSelect, &row, name.String())
	} else {
		err = r.c.selectOne(ctx, &row, false, liveName, name.String())
	}
	if err != nil {
		return core.Domain{}, err
	}
	return row.core()
}

// GetByNames returns the registrations among names that are not cancelled,
// keyed by Name.String(); names without one are absent.
func (r *DomainRepository) GetByNames(ctx context.Context, names []core.Name) (map[string]core.Domain, error) {
	out := make(map[string]core.Domain, len(names))
	if len(names) == 0 {
		return out, nil
	}
	if err := r.c.sendUpdates(ctx, "", "", true); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(names))
	for _, n := range names {
		keys = append(keys, n.String())
	}
	var rows []domainRow
	err := r.c.db.NewSelect().Model(&rows).
		Where("name IN (?) AND state <> 'cancelled'", bun.List(keys)).
		Scan(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	for i := range rows {
		d, err := rows[i].core()
		if err != nil {
			return nil, err
		}
		out[d.Name.String()] = d
	}
	return out, nil
}

// TakenNames reports which of names have a registration that is not
// cancelled. It selects the name column alone, through the partial index
// domains_live_name_key: a check needs to know that a name is taken, not
// the registration (which GetByNames reads and decodes whole).
func (r *DomainRepository) TakenNames(ctx context.Context, names []core.Name) (map[string]bool, error) {
	out := make(map[string]bool, len(names))
	if len(names) == 0 {
		return out, nil
	}
	keys := make([]string, 0, len(names))
	for _, n := range names {
		keys = append(keys, n.String())
	}
	if r.c.prepared {
		return out, r.takenPrepared(ctx, keys, out)
	}
	var taken []string
	if err := takenNamesQuery(r.c.db, keys).Scan(ctx, &taken); err != nil {
		return nil, mapErr(err)
	}
	for _, n := range taken {
		out[n] = true
	}
	return out, nil
}

// takenPrepared is TakenNames on PostgreSQL: one prepared statement
// whatever the number of names, which go as one text array.
func (r *DomainRepository) takenPrepared(ctx context.Context, keys []string, out map[string]bool) error {
	text, arg := takenNamesSelect, any(keys)
	if len(keys) == 1 {
		text, arg = takenNameSelect, keys[0]
	}
	if db, ok := r.c.pgxReady(); ok {
		return onPgx(ctx, db, func(pc *pgx.Conn) error {
			rows, err := pc.Query(ctx, text, pgx.QueryExecModeCacheStatement, arg)
			if err != nil {
				return mapErr(err)
			}
			defer rows.Close()
			var n string
			for rows.Next() {
				if err := rows.Scan(&n); err != nil {
					return mapErr(err)
				}
				out[n] = true
			}
			return mapErr(rows.Err())
		})
	}
	rows, err := r.c.queryPrepared(ctx, text, arg)
	if err != nil {
		return mapErr(err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return mapErr(err)
		}
		out[n] = true
	}
	return mapErr(rows.Err())
}

// takenNamesQuery selects the names among names that have a registration
// that is not cancelled.
func takenNamesQuery(db bun.IDB, names []string) *bun.SelectQuery {
	return db.NewSelect().Model((*domainRow)(nil)).Column("name").
		Where("name IN (?) AND state <> 'cancelled'", bun.List(names))
}

// Update locks the registration with id, runs fn on a copy and stores the
// result; ErrDuplicate if the result would make a second live registration
// of its name.
func (r *DomainRepository) Update(ctx context.Context, id string, fn func(*core.Domain) error) (core.Domain, error) {
	r.c.pre.drop()
	return r.update(ctx, fn, nil, "", id, lockedByID, "id = ?", id)
}

// UpdateByName locks the live registration of name (FOR NO KEY UPDATE on
// PostgreSQL: the lock an UPDATE takes, so that it waits for, and is waited
// on by, every other command on the row), runs fn on that locked row and
// stores the result.
func (r *DomainRepository) UpdateByName(ctx context.Context, name core.Name, fn func(*core.Domain) error) (core.Domain, error) {
	key := name.String()
	var kept *domainRow
	if row, ok := r.c.pre.take(key); ok {
		kept = &row // read under its lock with the command's claim (ReserveLocking)
	}
	return r.update(ctx, fn, kept, key, "", lockedByName, liveName, key)
}

// update locks the row (locked on PostgreSQL with prepared writes, else
// where with args) unless kept is that row already read under its lock,
// runs fn on it and stores what changed.
func (r *DomainRepository) update(ctx context.Context, fn func(*core.Domain) error, kept *domainRow, readsName, readsID string, locked rawSelect, where string, args ...any) (core.Domain, error) {
	if err := r.c.writable(); err != nil {
		return core.Domain{}, err
	}
	var row domainRow
	var err error
	if kept == nil {
		err = r.c.sendUpdates(ctx, readsName, readsID, false)
	}
	if err != nil {
		return core.Domain{}, err
	}
	if kept != nil {
		row = *kept
	} else if r.c.prepared {
		err = r.c.scanPrepared(ctx, locked.pg, row.scan, args...)
	} else {
		err = r.c.selectOne(ctx, &row, true, where, args...)
	}
	if err != nil {
		return core.Domain{}, err
	}
	d, err := row.core()
	if err != nil {
		return core.Domain{}, err
	}
	// The row as this store writes it: PostgreSQL answers a jsonb column
	// in its own spacing, so the stored text never equals the written one,
	// and only what fn changed is written.
	before, err := domainToRow(d)
	if err != nil {
		return core.Domain{}, err
	}
	if err := fn(&d); err != nil {
		return core.Domain{}, err
	}
	if d.ID != row.ID {
		return core.Domain{}, errKeyChanged("domain id")
	}
	next, err := domainToRow(d)
	if err != nil {
		return core.Domain{}, err
	}
	if next.Name != row.Name || row.State == string(core.StateCancelled) && next.State != row.State {
		// The live-name index may refuse it.
		if err := r.c.updateUnique(ctx, next); err != nil {
			return core.Domain{}, err
		}
		return next.core()
	}
	// Only what changed: a renewal moves three or four of the row's forty
	// columns, and every column written is formatted here and parsed there.
	if cols := changedColumns(r.c.db, before, next); len(cols) > 0 {
		if err := r.updateColumns(ctx, next, cols); err != nil {
			return core.Domain{}, err
		}
	}
	return next.core()
}

// holds: an update of cols is held to the transaction's end (heldUpdate).
func (c conn) holds(cols []string) bool {
	return c.pg && c.prepared && c.wb != nil && c.wb.holdUpdates && holdable(cols)
}

// sendUpdates writes the transaction's held updates before a statement
// that reads the registration of name or id, or (all) any registration.
func (c conn) sendUpdates(ctx context.Context, name, id string, all bool) error {
	if c.wb == nil || len(c.wb.updates) == 0 {
		return nil
	}
	if !all && !slices.ContainsFunc(c.wb.updates, func(u heldUpdate) bool { return u.name == name || u.id == id }) {
		return nil
	}
	if !c.tx {
		return errReadOnly
	}
	return c.wb.sendUpdates(ctx, c.db, c.prepared)
}

// updateColumns writes cols of row, prepared on PostgreSQL when it can
// (domainUpdate).
func (r *DomainRepository) updateColumns(ctx context.Context, row *domainRow, cols []string) error {
	if !r.c.prepared {
		return r.c.updateColumns(ctx, row, cols)
	}
	if r.c.holds(cols) {
		vals, err := domainValues(row, cols)
		if err != nil {
			return err
		}
		r.c.wb.updates = append(r.c.wb.updates, heldUpdate{id: row.ID, name: row.Name, cols: cols, vals: vals})
		return nil
	}
	text, args, err := domainUpdate(row, cols)
	if err != nil {
		return err
	}
	res, err := r.c.execPrepared(ctx, text, args...)
	return touched(res, err, ports.ErrNotFound)
}

// changedColumns names the data columns whose values differ between old
// and next (pointers to rows of one model type); times compare as
// instants.
func changedColumns(db bun.IDB, old, next any) []string {
	o, n := reflect.ValueOf(old).Elem(), reflect.ValueOf(next).Elem()
	var cols []string
	for _, f := range db.Dialect().Tables().Get(o.Type()).DataFields {
		if !sameValue(f.Value(o), f.Value(n)) {
			cols = append(cols, f.Name)
		}
	}
	return cols
}

func sameValue(a, b reflect.Value) bool {
	if a.Kind() == reflect.Pointer {
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		a, b = a.Elem(), b.Elem()
	}
	if a.Type() == timestampType {
		return a.Interface().(timestamp).Time().Equal(b.Interface().(timestamp).Time())
	}
	if a.Comparable() {
		return a.Equal(b)
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

var timestampType = reflect.TypeOf(timestamp{})

// ClaimDue locks up to limit registrations whose due_at has come, earliest
// first; on PostgreSQL rows another transaction holds are skipped (FOR
// UPDATE SKIP LOCKED), so that nodes sweeping at once take different rows.
// The partial index domains_due_idx serves it.
func (r *DomainRepository) ClaimDue(ctx context.Context, now time.Time, limit int) ([]core.Domain, error) {
	r.c.pre.drop()
	if err := r.c.writable(); err != nil {
		return nil, err
	}
	if err := r.c.sendUpdates(ctx, "", "", true); err != nil {
		return nil, err
	}
	var rows []domainRow
	sel := r.c.db.NewSelect().Model(&rows).
		Where("due_at IS NOT NULL AND due_at <= ?", ts(now)).
		Order("due_at", "id")
	if limit > 0 {
		sel = sel.Limit(int64(limit))
	}
	if r.c.pg {
		sel = sel.For("UPDATE SKIP LOCKED")
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	out := make([]core.Domain, 0, len(rows))
	for i := range rows {
		d, err := rows[i].core()
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// ListTransfers answers registrations whose latest transfer matches q, by
// id; the partial indexes domains_transfer_{gaining,losing}_idx serve it.
func (r *DomainRepository) ListTransfers(ctx context.Context, q ports.TransferQuery) ([]core.Domain, error) {
	if err := r.c.sendUpdates(ctx, "", "", true); err != nil {
		return nil, err
	}
	var rows []domainRow
	sel := r.c.db.NewSelect().Model(&rows)
	switch {
	case q.ChannelID == "":
		sel = sel.Where("transfer_status <> ''")
	case q.Role == core.TransferRoleGaining:
		sel = sel.Where("transfer_gaining_channel_id = ?", q.ChannelID)
	case q.Role == core.TransferRoleLosing:
		sel = sel.Where("transfer_losing_channel_id = ?", q.ChannelID)
	default:
		sel = sel.Where("(transfer_gaining_channel_id = ? OR transfer_losing_channel_id = ?)", q.ChannelID, q.ChannelID)
	}
	if q.Status != "" {
		sel = sel.Where("transfer_status = ?", q.Status)
	}
	if q.AfterID != "" {
		sel = sel.Where("id > ?", q.AfterID)
	}
	sel = sel.Order("id")
	if q.Limit > 0 {
		sel = sel.Limit(int64(q.Limit))
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	out := make([]core.Domain, 0, len(rows))
	for i := range rows {
		d, err := rows[i].core()
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
