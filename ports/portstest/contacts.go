package portstest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// newContactID is a fresh contact id of 16 characters (the RFC 5730 maximum).
func newContactID() string {
	id := unique("")
	return "c" + id[len(id)-15:]
}

// newContact is a contact of the world's channel with every field set.
func (w world) newContact() core.Contact {
	id := newContactID()
	return core.Contact{
		ID:        id,
		ROID:      newID("con") + "-HD",
		ChannelID: w.Channel.ID,
		PartnerID: w.Partner.ID,
		PostalInfo: core.PostalInfo{
			Type: core.PostalLoc, Name: "Jöhn Doe", Org: "Example Inc.",
			Street: []string{"123 Example Dr.", "Suite 100"}, City: "Dulles", SP: "VA", PC: "20166-6503", CC: "US",
		},
		Voice:        "+1.7035555555x1234",
		Fax:          "+1.7035555556",
		Email:        "jdoe@example.com",
		AuthInfoHash: "$argon2id$" + unique(""),
		Statuses:     []string{core.StatusClientDeleteProhibited},
		OTESandbox:   true,
		CreatedAt:    at(0),
		UpdatedAt:    at(time.Second),
	}
}

// newBareContact is a contact with every optional field empty.
func (w world) newBareContact() core.Contact {
	return core.Contact{
		ID: newContactID(), ROID: newID("con") + "-HD", ChannelID: w.Channel.ID, PartnerID: w.Partner.ID,
		PostalInfo: core.PostalInfo{Type: core.PostalInt, Name: "Bob", City: "Paris", CC: "FR"},
		Email:      "bob@example.org", CreatedAt: at(0), UpdatedAt: at(0),
	}
}

func contactByID(id string) getter[core.Contact] {
	return func(ctx context.Context, tx ports.Stores) (core.Contact, error) { return tx.Contacts().Get(ctx, id) }
}

func insertContacts(t *testing.T, u ports.UnitOfWork, cs ...core.Contact) {
	t.Helper()
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		for _, c := range cs {
			if err := tx.Contacts().Insert(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

func testContacts(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	full, bare := w.newContact(), w.newBareContact()
	insertContacts(t, u, full, bare)
	assertEqual(t, "contact", full, read(t, u, contactByID(full.ID)))
	assertEqual(t, "bare contact", bare, read(t, u, contactByID(bare.ID)))
	checkGetMissing(t, u, "contact", contactByID(newContactID()))
	wantDoErr(t, u, "contact insert with an existing id", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		again := w.newBareContact()
		again.ID = full.ID
		return tx.Contacts().Insert(ctx, again)
	})
	// Ids are registry-wide: another channel cannot take one either.
	wb := w
	wb.Channel = w.secondChannel(t, u)
	wantDoErr(t, u, "another channel's contact insert with an existing id", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		again := wb.newBareContact()
		again.ID = bare.ID
		return tx.Contacts().Insert(ctx, again)
	})

	many := read(t, u, func(ctx context.Context, tx ports.Stores) (map[string]core.Contact, error) {
		return tx.Contacts().GetMany(ctx, []string{full.ID, newContactID(), bare.ID})
	})
	if len(many) != 2 {
		t.Fatalf("GetMany answered %d contacts, want 2", len(many))
	}
	assertEqual(t, "GetMany contact", full, many[full.ID])

	update := func(ctx context.Context, tx ports.Stores, fn func(*core.Contact) error) (core.Contact, error) {
		return tx.Contacts().Update(ctx, full.ID, fn)
	}
	full = checkUpdate(t, u, "contact", full, contactByID(full.ID), update, func(c *core.Contact) {
		c.PostalInfo.Street = []string{"1 New Street"}
		c.PostalInfo.Name = "John Doe"
		c.Email = "john@example.net"
		c.Statuses = []string{}
		c.Voice, c.Fax = "", ""
		c.UpdatedAt = at(time.Hour)
	})
	checkUpdateAborts(t, u, "contact", full, contactByID(full.ID), update, func(c *core.Contact) {
		c.PostalInfo.Street[0] = "scrambled"
		c.Statuses = append(c.Statuses, "x")
		c.Email = "x@y.z"
	})
	checkUpdateMissing(t, u, "contact", func(ctx context.Context, tx ports.Stores, fn func(*core.Contact) error) (core.Contact, error) {
		return tx.Contacts().Update(ctx, newContactID(), fn)
	})

	do(t, u, func(ctx context.Context, tx ports.Stores) error { return tx.Contacts().Delete(ctx, bare.ID) })
	checkGetMissing(t, u, "deleted contact", contactByID(bare.ID))
	wantDoErr(t, u, "delete of a missing contact", ports.ErrNotFound, func(ctx context.Context, tx ports.Stores) error {
		return tx.Contacts().Delete(ctx, bare.ID)
	})
	// A deleted id can be created again.
	insertContacts(t, u, core.Contact{ID: bare.ID, ROID: newID("con") + "-HD", ChannelID: w.Channel.ID, PartnerID: w.Partner.ID,
		PostalInfo: bare.PostalInfo, Email: bare.Email, CreatedAt: at(time.Hour), UpdatedAt: at(time.Hour)})
}

func testContactLinked(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	c := w.newBareContact()
	insertContacts(t, u, c)
	linked := func() []string {
		return read(t, u, func(ctx context.Context, tx ports.Stores) ([]string, error) {
			return tx.Contacts().LinkedDomains(ctx, c.ID)
		})
	}
	if l := linked(); len(l) != 0 {
		t.Fatalf("a contact no registration names is linked to %v", l)
	}
	d, d2, other := w.newBareDomain(w.newName()), w.newBareDomain(w.newName()), w.newBareDomain(w.newName())
	d.RegistrantContactID, d2.RegistrantContactID, other.RegistrantContactID = c.ID, c.ID, newContactID()
	insertDomains(t, u, d2, d, other)
	want := []string{d.ID, d2.ID}
	slices.Sort(want)
	if l := linked(); !slices.Equal(l, want) {
		t.Fatalf("linked domains %v, want %v", l, want)
	}
	assertEqual(t, "domain with a registrant contact", d, read(t, u, func(ctx context.Context, tx ports.Stores) (core.Domain, error) {
		return tx.Domains().GetByName(ctx, d.Name)
	}))
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		_, err := tx.Domains().Update(ctx, d.ID, func(d *core.Domain) error {
			d.State = core.StateCancelled
			return nil
		})
		return err
	})
	if l := linked(); !slices.Equal(l, []string{d2.ID}) {
		t.Fatalf("after cancelling one registration: linked %v, want [%s]", l, d2.ID)
	}
}

func testMessageQueue(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	other := w.secondChannel(t, u)
	oldest := func(ch string) (core.Message, int, error) {
		var m core.Message
		var n int
		var qerr error
		view(t, u, func(ctx context.Context, tx ports.Stores) error {
			m, n, qerr = tx.Messages().Oldest(ctx, ch)
			return nil
		})
		return m, n, qerr
	}
	if _, n, err := oldest(w.Channel.ID); n != 0 {
		t.Fatalf("empty queue: count %d, err %v", n, err)
	} else {
		wantErr(t, "Oldest of an empty queue", err, ports.ErrNotFound)
	}
	msg := func(ch string, d time.Duration) core.Message {
		return core.Message{ID: newID("msg"), ChannelID: ch, Kind: core.MsgBackendApplied, Domain: "m." + w.Namespace.Name,
			Text: "applied", Payload: map[string]any{"pending_id": "pnd_1", "nameservers": []any{"ns1.example.net"}},
			CreatedAt: at(d)}
	}
	m2, m1, m3 := msg(w.Channel.ID, time.Second), msg(w.Channel.ID, 0), msg(w.Channel.ID, 2*time.Second)
	m3.Payload, m3.Domain = nil, ""
	foreign := msg(other.ID, -time.Hour)
	do(t, u, func(ctx context.Context, tx ports.Stores) error {
		return firstErr(
			func() error { return tx.Messages().Enqueue(ctx, m2) },
			func() error { return tx.Messages().Enqueue(ctx, m1) },
			func() error { return tx.Messages().Enqueue(ctx, m3) },
			func() error { return tx.Messages().Enqueue(ctx, foreign) },
		)
	})
	wantDoErr(t, u, "enqueue with an existing id", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		return tx.Messages().Enqueue(ctx, m1)
	})
	got, n, err := oldest(w.Channel.ID)
	if err != nil || n != 3 {
		t.Fatalf("Oldest: %d, %v; want 3 queued", n, err)
	}
	assertEqual(t, "oldest message", m1, got)

	ack := func(ch, id string, when time.Time) (core.Message, error) {
		var m core.Message
		err := u.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
			var err error
			m, err = tx.Messages().Ack(ctx, ch, id, when)
			return err
		})
		return m, err
	}
	if _, err := ack(other.ID, m1.ID, at(time.Hour)); err == nil {
		t.Fatal("another channel acknowledged a message")
	} else {
		wantErr(t, "ack by another channel", err, ports.ErrNotFound)
	}
	acked, err := ack(w.Channel.ID, m1.ID, at(time.Hour))
	if err != nil {
		t.Fatalf("Ack: %v", err)
	}
	want := m1
	want.AckedAt = ptr(at(time.Hour))
	assertEqual(t, "acknowledged message", want, acked)
	_, err = ack(w.Channel.ID, m1.ID, at(2*time.Hour))
	wantErr(t, "second ack", err, ports.ErrNotFound)
	_, err = ack(w.Channel.ID, newID("msg"), at(time.Hour))
	wantErr(t, "ack of an unknown id", err, ports.ErrNotFound)

	got, n, err = oldest(w.Channel.ID)
	if err != nil || n != 2 {
		t.Fatalf("after ack: %d, %v; want 2", n, err)
	}
	assertEqual(t, "next oldest message", m2, got)
	if _, err := ack(w.Channel.ID, m3.ID, at(time.Hour)); err != nil { // out of order is fine
		t.Fatal(err)
	}
	got, n, _ = oldest(w.Channel.ID)
	if n != 1 || got.ID != m2.ID {
		t.Fatalf("after acking the newest: %d %s", n, got.ID)
	}
	got, n, _ = oldest(other.ID)
	if n != 1 || got.ID != foreign.ID {
		t.Fatalf("other channel's queue: %d %s", n, got.ID)
	}
	// Rollback: an ack in a failed transaction leaves the message queued.
	_ = u.Do(t.Context(), func(ctx context.Context, tx ports.Stores) error {
		if _, err := tx.Messages().Ack(ctx, w.Channel.ID, m2.ID, at(time.Hour)); err != nil {
			return err
		}
		return errSentinel
	})
	if _, n, _ := oldest(w.Channel.ID); n != 1 {
		t.Fatalf("a rolled-back ack dequeued the message (%d left)", n)
	}
}
