package portstest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// testReturnedValuesAreCopies checks that a store shares no memory with its
// callers: changing a value after Insert, a value returned by a read, or the
// value an Update closure saw after Update returned, changes nothing stored.
func testReturnedValuesAreCopies(t *testing.T, u ports.UnitOfWork) {
	w, d, ev := pendingWorld(t, u)

	checkCopies(t, u, "domain", w.newDomain(w.newName()),
		func(ctx context.Context, tx ports.Stores, v core.Domain) error { return tx.Domains().Insert(ctx, v) },
		func(v core.Domain) getter[core.Domain] { return domainByName(v.Name) },
		func(v core.Domain) updater[core.Domain] { return domainUpdater(v.ID) })
	checkCopies(t, u, "api key", newAPIKey(w.Partner.ID, w.Channel.ID),
		func(ctx context.Context, tx ports.Stores, v core.APIKey) error { return tx.APIKeys().Insert(ctx, v) },
		func(v core.APIKey) getter[core.APIKey] {
			return func(ctx context.Context, tx ports.Stores) (core.APIKey, error) { return tx.APIKeys().Get(ctx, v.ID) }
		},
		func(v core.APIKey) updater[core.APIKey] {
			return func(ctx context.Context, tx ports.Stores, fn func(*core.APIKey) error) (core.APIKey, error) {
				return tx.APIKeys().Update(ctx, v.ID, fn)
			}
		})
	checkCopies(t, u, "channel", newChannel(w.Partner.ID),
		func(ctx context.Context, tx ports.Stores, v core.Channel) error { return tx.Channels().Insert(ctx, v) },
		func(v core.Channel) getter[core.Channel] {
			return func(ctx context.Context, tx ports.Stores) (core.Channel, error) { return tx.Channels().Get(ctx, v.ID) }
		},
		func(v core.Channel) updater[core.Channel] {
			return func(ctx context.Context, tx ports.Stores, fn func(*core.Channel) error) (core.Channel, error) {
				return tx.Channels().Update(ctx, v.ID, fn)
			}
		})
	checkCopies(t, u, "namespace", newNamespace(),
		func(ctx context.Context, tx ports.Stores, v core.Namespace) error {
			return tx.Namespaces().Insert(ctx, v)
		},
		func(v core.Namespace) getter[core.Namespace] {
			return func(ctx context.Context, tx ports.Stores) (core.Namespace, error) {
				return tx.Namespaces().Get(ctx, v.Name)
			}
		}, nil)
	checkCopies(t, u, "audit event", w.newAuditEvent(string(core.CmdCreateDomain), d.Name.String(), unique("k"), at(0)),
		func(ctx context.Context, tx ports.Stores, v core.AuditEvent) error { return tx.Audit().Append(ctx, v) },
		func(v core.AuditEvent) getter[core.AuditEvent] {
			return func(ctx context.Context, tx ports.Stores) (core.AuditEvent, error) {
				events, err := tx.Audit().GetMany(ctx, []string{v.ID})
				if err != nil || len(events) != 1 {
					return core.AuditEvent{}, countIs(events, err)
				}
				return events[0], nil
			}
		}, nil)
	checkCopies(t, u, "pending item", w.newPending(ev.ID, string(core.CmdUpdateNameservers), d, at(0)),
		func(ctx context.Context, tx ports.Stores, v core.PendingItem) error {
			return tx.Pending().Insert(ctx, v)
		},
		func(v core.PendingItem) getter[core.PendingItem] { return pendingByID(v.ID) },
		func(v core.PendingItem) updater[core.PendingItem] {
			return func(ctx context.Context, tx ports.Stores, fn func(*core.PendingItem) error) (core.PendingItem, error) {
				return tx.Pending().Update(ctx, v.ID, fn)
			}
		})
	checkCopies(t, u, "OT&E run", w.newOTERun(ev.ID),
		func(ctx context.Context, tx ports.Stores, v core.OTERun) error { return tx.OTERuns().Insert(ctx, v) },
		func(v core.OTERun) getter[core.OTERun] {
			return func(ctx context.Context, tx ports.Stores) (core.OTERun, error) { return tx.OTERuns().Get(ctx, v.ID) }
		},
		func(v core.OTERun) updater[core.OTERun] {
			return func(ctx context.Context, tx ports.Stores, fn func(*core.OTERun) error) (core.OTERun, error) {
				return tx.OTERuns().Update(ctx, v.ID, fn)
			}
		})
	rec := w.newIdempotencyRecord(unique("key-"), at(0))
	rec.AuditID, rec.Result = ev.ID, []byte(`{"replay":true}`)
	checkCopies(t, u, "idempotency record", rec,
		func(ctx context.Context, tx ports.Stores, v core.IdempotencyRecord) error {
			if _, err := tx.Idempotency().Reserve(ctx, v); err != nil {
				return err
			}
			return tx.Idempotency().Complete(ctx, v)
		},
		func(v core.IdempotencyRecord) getter[core.IdempotencyRecord] {
			return idempotencyGet(v.ChannelID, v.Key)
		}, nil)
}

// checkCopies inserts v, then scrambles (deeply, in place) the inserted value,
// a read value and the value an Update closure saw, checking after each that
// the stored value is unchanged.
func checkCopies[T any](t *testing.T, u ports.UnitOfWork, what string, v T,
	insert func(ctx context.Context, tx ports.Stores, v T) error, get func(T) getter[T], update func(T) updater[T]) {
	t.Helper()
	want := deepCopy(v)
	g := get(v)
	do(t, u, func(ctx context.Context, tx ports.Stores) error { return insert(ctx, tx, v) })
	scramble(reflect.ValueOf(&v).Elem())
	assertEqual(t, what+" after changing the inserted value", want, read(t, u, g))

	got := read(t, u, g)
	scramble(reflect.ValueOf(&got).Elem())
	assertEqual(t, what+" after changing a read value", want, read(t, u, g))

	if update == nil {
		return
	}
	var seen *T
	var returned T
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		var err error
		returned, err = update(want)(ctx, tx, func(p *T) error { seen = p; return nil })
		return err
	})
	scramble(reflect.ValueOf(seen).Elem())
	scramble(reflect.ValueOf(&returned).Elem())
	assertEqual(t, what+" after changing the values of an Update", want, read(t, u, g))
}

var timeZero = reflect.ValueOf(time.Time{})

// scramble changes, in place, every field, element, map entry and pointer
// target reachable from v, so that any memory shared with a store shows.
func scramble(v reflect.Value) {
	switch {
	case v.Type() == timeType:
		if v.CanSet() {
			v.Set(timeZero)
		}
		return
	case v.Type() == nameType:
		if v.CanSet() {
			v.Set(reflect.Zero(nameType))
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			scramble(v.Elem())
		}
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		switch inner := v.Elem(); {
		case inner.Kind() == reflect.Map || inner.Kind() == reflect.Slice || inner.Kind() == reflect.Pointer:
			scramble(inner)
		case v.CanSet():
			v.Set(reflect.Zero(v.Type()))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				scramble(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			scramble(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := v.MapIndex(k)
			if e.Kind() == reflect.Interface && !e.IsNil() {
				e = e.Elem()
			}
			if e.Kind() == reflect.Map || e.Kind() == reflect.Slice || e.Kind() == reflect.Pointer {
				scramble(e) // shares memory with the entry: changes it in place
				continue
			}
			v.SetMapIndex(k, reflect.Zero(v.Type().Elem()))
		}
		v.SetMapIndex(reflect.ValueOf("portstest-added").Convert(v.Type().Key()), reflect.Zero(v.Type().Elem()))
	case reflect.String:
		if v.CanSet() {
			v.SetString("scrambled")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.CanSet() {
			v.SetInt(-999)
		}
	case reflect.Uint8:
		if v.CanSet() {
			v.SetUint(0xff)
		}
	case reflect.Bool:
		if v.CanSet() {
			v.SetBool(!v.Bool())
		}
	}
}

// deepCopy copies v, sharing no slices, maps or pointers with it.
func deepCopy[T any](v T) T {
	return copyValue(reflect.ValueOf(&v).Elem()).Interface().(T)
}

func copyValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		n := reflect.New(v.Type().Elem())
		n.Elem().Set(copyValue(v.Elem()))
		return n
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		n := reflect.New(v.Type()).Elem()
		n.Set(copyValue(v.Elem()))
		return n
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			n.Index(i).Set(copyValue(v.Index(i)))
		}
		return n
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeMapWithSize(v.Type(), v.Len())
		for _, k := range v.MapKeys() {
			n.SetMapIndex(k, copyValue(v.MapIndex(k)))
		}
		return n
	case reflect.Struct:
		n := reflect.New(v.Type()).Elem()
		n.Set(v)
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				n.Field(i).Set(copyValue(v.Field(i)))
			}
		}
		return n
	default:
		return v
	}
}
