package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// Demo fixtures, stable across restarts so that a persistent database keeps
// one demo partner and channel; each start prints a fresh API key and revokes
// the demo channel's earlier ones.
const (
	demoSlug      = "demo-registrar"
	demoNamespace = "defiwallet"
)

// demoOperatorToken generates an operator token for a demo process started
// without one, so that the operator API can be tried too.
func demoOperatorToken() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "op_demo_" + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// seedDemo creates (or finds) a demo partner, an approved channel with an
// approved listing for the demo namespace, and a new API key, and prints
// them with a ready curl line.
func seedDemo(ctx context.Context, app *App, cfg Config, base string, out io.Writer) error {
	op := app.Service
	if _, err := op.CreateNamespace(ctx, core.CreateNamespace{
		Name: demoNamespace, DNSBackend: core.DNSBackendMemory, CreatePriceGems: 10, RenewPriceGems: 8,
		ReservedLabels: []string{"registry", "admin"}, ClaimLabels: []string{"bitcoin"},
	}); err != nil && core.CodeOf(err) != core.CodeAlreadyExists {
		return err
	}
	var ch core.Channel
	err := app.Store.UoW.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		var err error
		ch, err = tx.Channels().GetBySlug(ctx, demoSlug)
		return err
	})
	switch {
	case errors.Is(err, ports.ErrNotFound):
		p, err := op.CreatePartner(ctx, core.CreatePartner{Name: "Demo Registrar Inc.", GemsBalance: 10000, DNSModuleEnabled: true})
		if err != nil {
			return err
		}
		if ch, err = op.CreateChannel(ctx, core.CreateChannel{PartnerID: p.ID, Slug: demoSlug}); err != nil {
			return err
		}
		if ch, err = op.ApproveChannel(ctx, ch.ID); err != nil {
			return err
		}
		if _, err := op.AddListing(ctx, ch.ID, demoNamespace); err != nil {
			return err
		}
		if _, err := op.ApproveListing(ctx, ch.ID, demoNamespace); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	p, err := op.GetPartner(ctx, ch.PartnerID)
	if err != nil {
		return err
	}
	key, err := op.CreateAPIKey(ctx, core.CreateAPIKey{PartnerID: p.ID, ChannelID: ch.ID, Profile: core.ProfileRegistrarAPI})
	if err != nil {
		return err
	}
	revoked, err := revokeEarlierDemoKeys(ctx, app, ch.ID, key.Key.ID)
	if err != nil {
		return err
	}
	opToken, generated := cfg.OperatorToken, cfg.demoOperatorToken
	api := base + "/api/v1/registrar/v1"
	approval := "not yet: OT&E and sandbox only"
	if ch.ProductionApproved {
		approval = "yes"
	}
	fmt.Fprintf(out, `
================ HeadlessDomains registry: demo registrar ================
Registrar API    %s
Partner          %s (%s, %d Gems, DNS module on)
Channel          %s (%s), status %s, production approved: %s
Namespace        %s (create 10 Gems, renew 8 Gems, claim label "bitcoin", memory DNS)
API key          %s   (shown once; profile registrar_api)
`, api, p.ID, p.Name, p.GemsBalance, ch.Slug, ch.ID, ch.Status, approval, demoNamespace, key.Token)
	if revoked > 0 {
		fmt.Fprintf(out, "                 (%d API key(s) printed by earlier starts revoked)\n", revoked)
	}
	if generated {
		fmt.Fprintf(out, "Operator token   %s   (generated for this process; set REGISTRY_OPERATOR_TOKEN to choose one)\n", opToken)
	} else {
		fmt.Fprintln(out, "Operator token   from REGISTRY_OPERATOR_TOKEN")
	}
	if cfg.EPP.Enabled() {
		pw, err := demoEPPPassword()
		if err != nil {
			return err
		}
		if _, err := op.SetEPPPassword(ctx, ch.ID, pw); err != nil {
			return err
		}
		fmt.Fprintf(out, "EPP login        clID %s   pw %s   (set for this process; the EPP lines below say where)\n", ch.Slug, pw)
	}
	fmt.Fprintf(out, `
Try it:
  curl -s -H 'Authorization: Bearer %s' %s/status
  curl -s -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \
       -d '{"names":["alice"]}' %s/domains/check
Approve production (operator), once the channel's latest OT&E run is ready
(README: "A registrar's OT&E run"; a body {"force": true} approves without it):
  curl -s -X POST -H 'Authorization: Bearer %s' %s/api/v1/admin/registrar-channels/%s/production-approval
===========================================================================
`, key.Token, api, key.Token, api, opToken, base, ch.ID)
	return nil
}

// demoEPPPassword makes a 12-character EPP password of letters and digits.
func demoEPPPassword() (string, error) {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:]), nil
}

// revokeEarlierDemoKeys revokes every live key of the demo channel but keep,
// through the operator use case (so that each revocation is audited), and
// answers how many it revoked. A restarted demo leaves one valid key: the one
// it prints.
func revokeEarlierDemoKeys(ctx context.Context, app *App, channelID, keep string) (int, error) {
	var keys []core.APIKey
	err := app.Store.UoW.View(ctx, func(ctx context.Context, tx ports.Stores) error {
		var err error
		keys, err = tx.APIKeys().ListByChannel(ctx, channelID)
		return err
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		if k.ID == keep || k.Revoked() {
			continue
		}
		if _, err := app.Service.RevokeAPIKey(ctx, k.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
