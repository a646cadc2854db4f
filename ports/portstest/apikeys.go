package portstest

import (
	"context"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

func testAPIKeys(t *testing.T, u ports.UnitOfWork) {
	w := seed(t, u)
	unbound := newAPIKey(w.Partner.ID, "")
	unbound.Profile = ""
	unbound.Scopes = []string{core.ScopeDomainsCheck}
	do(t, u, func(ctx context.Context, tx ports.Stores) error { return tx.APIKeys().Insert(ctx, unbound) })

	get := func(id string) getter[core.APIKey] {
		return func(ctx context.Context, tx ports.Stores) (core.APIKey, error) { return tx.APIKeys().Get(ctx, id) }
	}
	byHash := func(hash string) getter[core.APIKey] {
		return func(ctx context.Context, tx ports.Stores) (core.APIKey, error) {
			return tx.APIKeys().GetByTokenHash(ctx, hash)
		}
	}
	update := func(ctx context.Context, tx ports.Stores, fn func(*core.APIKey) error) (core.APIKey, error) {
		return tx.APIKeys().Update(ctx, w.APIKey.ID, fn)
	}
	assertEqual(t, "api key", w.APIKey, read(t, u, get(w.APIKey.ID)))
	assertEqual(t, "api key by token hash", w.APIKey, read(t, u, byHash(w.APIKey.TokenHash)))
	assertEqual(t, "unbound api key", unbound, read(t, u, get(unbound.ID)))
	checkGetMissing(t, u, "api key", get(newID("key")))
	checkGetMissing(t, u, "api key by token hash", byHash(core.HashToken(unique("nobody-"))))

	wantDoErr(t, u, "api key insert with an existing id", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		again := newAPIKey(w.Partner.ID, w.Channel.ID)
		again.ID = w.APIKey.ID
		return tx.APIKeys().Insert(ctx, again)
	})
	wantDoErr(t, u, "api key insert with an existing token hash", ports.ErrDuplicate, func(ctx context.Context, tx ports.Stores) error {
		again := newAPIKey(w.Partner.ID, w.Channel.ID)
		again.TokenHash = w.APIKey.TokenHash
		return tx.APIKeys().Insert(ctx, again)
	})

	key := checkUpdate(t, u, "api key", w.APIKey, get(w.APIKey.ID), update, func(k *core.APIKey) {
		k.RevokedAt = ptr(at(time.Hour))
	})
	if !read(t, u, byHash(key.TokenHash)).Revoked() {
		t.Errorf("api key by token hash: not revoked after Update")
	}
	checkUpdateAborts(t, u, "api key", key, get(key.ID), update, func(k *core.APIKey) {
		k.Scopes[0] = "scrambled"
		k.Scopes = append(k.Scopes, "more")
		k.RevokedAt = nil
	})
	checkUpdateMissing(t, u, "api key", func(ctx context.Context, tx ports.Stores, fn func(*core.APIKey) error) (core.APIKey, error) {
		return tx.APIKeys().Update(ctx, newID("key"), fn)
	})

	// ListByChannel: the channel's keys, revoked ones included, oldest first.
	later := newAPIKey(w.Partner.ID, w.Channel.ID)
	later.CreatedAt = at(time.Minute)
	do(t, u, func(ctx context.Context, tx ports.Stores) error { return tx.APIKeys().Insert(ctx, later) })
	list := func(channelID string) getter[[]core.APIKey] {
		return func(ctx context.Context, tx ports.Stores) ([]core.APIKey, error) {
			return tx.APIKeys().ListByChannel(ctx, channelID)
		}
	}
	assertEqual(t, "api keys of the channel", []core.APIKey{read(t, u, get(key.ID)), later}, read(t, u, list(w.Channel.ID)))
	if got := read(t, u, list(newID("chn"))); len(got) != 0 {
		t.Errorf("api keys of a channel without keys: %v", got)
	}
}
