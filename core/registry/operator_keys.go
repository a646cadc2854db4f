package registry

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// CreateAPIKey creates a partner's key with a profile and/or scopes,
// optionally bound to one of the partner's channels. The token is returned
// once; only its SHA-256 hash and a display prefix are stored.
func (s *Service) CreateAPIKey(ctx context.Context, cmd core.CreateAPIKey) (core.NewAPIKey, error) {
	if strings.TrimSpace(cmd.PartnerID) == "" {
		return core.NewAPIKey{}, core.Invalid("partner_id", "partner_id is required")
	}
	if cmd.Profile == "" && len(cmd.Scopes) == 0 {
		return core.NewAPIKey{}, core.Invalid("profile", "send a profile (%s) or a list of scopes", core.ProfileRegistrarAPI)
	}
	if cmd.Profile != "" {
		if _, ok := core.Profiles()[cmd.Profile]; !ok {
			return core.NewAPIKey{}, core.Invalid("profile", "unknown profile %q; known: %s", truncateID(cmd.Profile), strings.Join(profileNames(), ", "))
		}
	}
	scopes := []string{}
	for _, sc := range cmd.Scopes {
		if !slices.Contains(core.AllScopes(), sc) {
			return core.NewAPIKey{}, core.Invalid("scopes", "unknown scope %q", truncateID(sc))
		}
		if !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	token, err := newToken()
	if err != nil {
		return core.NewAPIKey{}, core.Internal(err)
	}
	var k core.APIKey
	err = s.operatorDo(ctx, "create_api_key", 201, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		if _, err := tx.Partners().Get(ctx, cmd.PartnerID); err != nil {
			if errors.Is(err, ports.ErrNotFound) {
				return core.Invalid("partner_id", "partner %s does not exist", quoteID(cmd.PartnerID))
			}
			return storeErr(err, core.CodeInternal, "partner")
		}
		if cmd.ChannelID != "" {
			ch, err := tx.Channels().Get(ctx, cmd.ChannelID)
			if errors.Is(err, ports.ErrNotFound) {
				return core.Invalid("registrar_channel_id", "registrar channel %s does not exist", quoteID(cmd.ChannelID))
			}
			if err != nil {
				return storeErr(err, core.CodeInternal, "registrar channel")
			}
			if ch.PartnerID != cmd.PartnerID {
				return core.Invalid("registrar_channel_id", "registrar channel %s belongs to another partner", quoteID(cmd.ChannelID))
			}
			rec.channelID, rec.channelSlug = ch.ID, ch.Slug
		}
		k = core.APIKey{ID: s.ids.NewID("key"), PartnerID: cmd.PartnerID, ChannelID: cmd.ChannelID, Profile: cmd.Profile,
			Scopes: scopes, TokenHash: core.HashToken(token), TokenPrefix: token[:tokenDisplayLength], CreatedAt: now}
		if err := tx.APIKeys().Insert(ctx, k); err != nil {
			return storeErr(err, core.CodeInternal, "API key")
		}
		rec.request = map[string]any{"partner_id": cmd.PartnerID, "registrar_channel_id": cmd.ChannelID,
			"profile": cmd.Profile, "scopes": scopes}
		rec.response = map[string]any{"api_key_id": k.ID, "token_prefix": k.TokenPrefix}
		return nil
	})
	if err != nil {
		return core.NewAPIKey{}, err
	}
	return core.NewAPIKey{Key: k, Token: token}, nil
}

// RevokeAPIKey revokes a key; revoking again keeps the first revocation time.
func (s *Service) RevokeAPIKey(ctx context.Context, id string) (core.APIKey, error) {
	var k core.APIKey
	err := s.operatorDo(ctx, "revoke_api_key", 200, func(ctx context.Context, tx ports.Stores, now time.Time, rec *opAudit) error {
		var err error
		k, err = tx.APIKeys().Update(ctx, id, func(k *core.APIKey) error {
			if k.RevokedAt == nil {
				t := now
				k.RevokedAt = &t
			}
			return nil
		})
		if err != nil {
			return storeErr(err, core.CodeNotFound, "API key "+quoteID(id))
		}
		if k.ChannelID != "" {
			if ch, err := tx.Channels().Get(ctx, k.ChannelID); err == nil {
				rec.channelID, rec.channelSlug = ch.ID, ch.Slug
			} else if !errors.Is(err, ports.ErrNotFound) {
				return storeErr(err, core.CodeInternal, "registrar channel")
			}
		}
		rec.request = map[string]any{"api_key_id": id}
		rec.response = map[string]any{"api_key_id": k.ID, "revoked_at": k.RevokedAt.UTC().Format(time.RFC3339Nano)}
		return nil
	})
	if err != nil {
		return core.APIKey{}, err
	}
	return k, nil
}

// newToken makes an API key token: the prefix and 256 random bits, base64url.
func newToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func profileNames() []string {
	out := []string{}
	for p := range core.Profiles() {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
