package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/headlessdomains/registry/bench/internal/ceiling"
	"github.com/headlessdomains/registry/bench/internal/load"
	"github.com/headlessdomains/registry/bench/internal/operatorapi"
)

// create_multi is create spread over multiPartners registrars, compared
// with ceiling_write_multi, the write ceiling's transaction spread over the
// same registrars' balance rows: client i creates as registrar i mod
// multiPartners in both.
const (
	multiScenario  = "create_multi"
	multiCeiling   = "ceiling_write_multi"
	ceilWriteMulti = "write_multi"
	multiPartners  = 16
	// multiTargetRatio is issue 16's goal for create_multi.
	multiTargetRatio = 0.8
)

// admitMulti admits the registrars of create_multi when it is among the
// scenarios: multiPartners partners, each with its own channel listed on the
// bench namespace, production approval and one API key, through the
// operator API exactly as the bench registrar (operatorapi.Admit). Each
// partner starts with operatorapi.GemsBalance, 10^11 creates. tgt's
// create_multi then creates as them.
func (b *bench) admitMulti(ctx context.Context, opToken string, tgt *target) error {
	if !slices.Contains(b.cfg.scenarios, multiScenario) {
		return nil
	}
	ads := make([]operatorapi.Admission, 0, multiPartners)
	tokens := make([]string, 0, multiPartners)
	for k := range multiPartners {
		ad, err := operatorapi.Admit(ctx, b.registry.base, opToken, operatorapi.Spec{
			PartnerName: fmt.Sprintf("Bench Registrar %02d Inc.", k), Namespace: benchNamespace, NamespaceExists: true,
			Slug: fmt.Sprintf("%s-m%02d", benchSlug, k), CreateRateLimit: 120, Keys: 1,
		})
		if err != nil {
			return fmt.Errorf("admit registrar %d of %s: %w", k, multiScenario, err)
		}
		ads = append(ads, ad)
		tokens = append(tokens, ad.Tokens[0])
	}
	runID := randomBase36(6)
	for runID == tgt.runID {
		runID = randomBase36(6)
	}
	// tokens[k] is registrar k's, and target.auth gives client i tokens[i mod len].
	tgt.multi = newTarget(b.registry.base, tokens, tgt.ns, tgt.plan, runID)
	b.multi = ads
	b.logf("%s: admitted %d registrars on %s", multiScenario, len(ads), benchNamespace)
	return nil
}

// multiCeilingArgs are the flags that give `benchd ceiling` the registrars
// of create_multi (none when they were not admitted).
func multiCeilingArgs(ads []operatorapi.Admission) []string {
	if len(ads) == 0 {
		return nil
	}
	regs := make([]ceiling.Registrar, len(ads))
	for i, ad := range ads {
		regs[i] = ceiling.Registrar{PartnerID: ad.PartnerID, ChannelID: ad.ChannelID, ChannelSlug: ad.ChannelSlug, APIKeyID: ad.APIKeyID}
	}
	return []string{"-multi", ceiling.FormatRegistrars(regs)}
}

// createMulti is create as registrar i mod multiPartners for client i.
func (t *target) createMulti(ctx context.Context, w *load.Worker) (string, error) {
	if t.multi == nil {
		return "", errors.New(multiScenario + ": its registrars were not admitted")
	}
	return t.multi.create(ctx, w)
}

// writeMulti is the write ceiling's request charged to registrar
// i mod multiPartners for client i.
func (c *ceilingTarget) writeMulti(ctx context.Context, w *load.Worker) (string, error) {
	if c.multi == 0 {
		return "", errors.New(multiCeiling + ": the ceiling has no registrars of " + multiScenario)
	}
	n := strconv.FormatInt(c.seq.Add(1), 36)
	body := []byte(`{"domain":"w` + c.runID + n + "." + c.ns + `","idempotency_key":"bench-` + c.runID + `-ceiling-` + n + `"}`)
	_, err := w.Expect(ctx, 201, "POST", c.base+"/write/"+strconv.Itoa(w.ID%c.multi), body)
	return "", err
}

// multiTarget is issue 16's goal for create_multi at the headline client
// count: at least multiTargetRatio of its own ceiling, without errors.
func multiTarget(rows []*resultRow, headline int) targetCheck {
	t := fmt.Sprintf("%s at %d clients: ≥ %.0f%% of the %d-partner write ceiling's throughput (%s)", multiScenario, headline,
		multiTargetRatio*100, multiPartners, multiCeiling)
	r := find(rows, multiScenario, headline)
	if r == nil || r.CeilingOpsPerS == 0 {
		return targetCheck{t, false, "not measured"}
	}
	return targetCheck{t, r.RatioToCeiling >= multiTargetRatio && r.Errors == 0,
		fmt.Sprintf("%.0f%% of %.0f ops/s (%.0f ops/s); p99 %.2f ms = %.2fx %.2f ms; %d errors", r.RatioToCeiling*100,
			r.CeilingOpsPerS, r.OpsPerS, r.P99Ms, r.P99Ms/r.CeilingP99Ms, r.CeilingP99Ms, r.Errors)}
}
