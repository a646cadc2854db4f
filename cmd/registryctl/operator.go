package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/headlessdomains/registry/core"
)

// Operator API paths (the operator OpenAPI document describes them).
const (
	operatorBase        = "/api/v1/admin"
	registrarBase       = "/api/v1/registrar/v1"
	evidenceArchivePath = "/admin/registrar-ote-runs/%s/evidence-archive.md"
)

// operatorClient checks the operator settings every operator command needs.
func (a *app) operatorClient(path []string) (*client, error) {
	if a.g.operatorToken == "" {
		return nil, usagef(path, "no operator token: set %s or pass --operator-token", envOperatorToken)
	}
	c, err := newClient(a.g.url, a.http)
	if err != nil {
		return nil, usagef(path, "%s", err)
	}
	return c, nil
}

// operator performs one operator call and prints its answer: the JSON object
// as is with --json, otherwise through render.
func (a *app) operator(ctx context.Context, path []string, method, p string, query url.Values, body any,
	render func(w io.Writer, obj map[string]any) error) error {
	c, err := a.operatorClient(path)
	if err != nil {
		return err
	}
	res, err := c.call(ctx, request{Method: method, Path: operatorBase + p, Query: query, Token: a.g.operatorToken, Body: body})
	if err != nil {
		return err
	}
	return a.print(res, render)
}

func (a *app) print(res response, render func(w io.Writer, obj map[string]any) error) error {
	if a.g.json {
		return writeJSON(a.stdout, res.Body)
	}
	obj, err := res.object()
	if err != nil {
		return err
	}
	return render(a.stdout, obj)
}

// record renders an object as a FIELD/value table.
func record(cols ...column) func(io.Writer, map[string]any) error {
	return func(w io.Writer, obj map[string]any) error { return writeRecord(w, obj, cols) }
}

var (
	partnerColumns = []column{{"ID", "id"}, {"NAME", "name"}, {"GEMS BALANCE", "gems_balance"},
		{"DNS MODULE", "dns_module_enabled"}, {"CREATED", "created_at"}, {"UPDATED", "updated_at"}}
	adjustmentColumns = []column{{"ID", "id"}, {"PARTNER", "partner_id"}, {"DELTA", "delta"},
		{"GEMS BALANCE", "gems_balance"}, {"REASON", "reason"}, {"ACTOR", "actor"}, {"AUDIT", "audit_event_id"},
		{"CREATED", "created_at"}}
	namespaceColumns = []column{{"NAME", "name"}, {"DNS BACKEND", "dns_backend"}, {"CREATE PRICE", "create_price_gems"},
		{"RENEW PRICE", "renew_price_gems"}, {"RESERVED LABELS", "reserved_labels"}, {"CLAIM LABELS", "claim_labels"},
		{"CREATED", "created_at"}}
	channelColumns = []column{{"ID", "id"}, {"PARTNER", "partner_id"}, {"SLUG", "slug"}, {"STATUS", "status"},
		{"PRODUCTION APPROVED", "production_approved"}, {"PRODUCTION APPROVED AT", "production_approved_at"},
		{"RATE LIMIT/MIN", "rate_limit_per_minute"}, {"EPP CLIENT CERT SHA-256", "epp_client_cert_sha256"},
		{"CREATED", "created_at"}, {"UPDATED", "updated_at"}}
	listingColumns = []column{{"CHANNEL", "registrar_channel_id"}, {"NAMESPACE", "namespace"}, {"STATUS", "status"},
		{"CREATED", "created_at"}, {"APPROVED AT", "approved_at"}}
	keyColumns = []column{{"ID", "id"}, {"PARTNER", "partner_id"}, {"CHANNEL", "registrar_channel_id"},
		{"PROFILE", "profile"}, {"SCOPES", "scopes"}, {"PREFIX", "prefix"}, {"CREATED", "created_at"},
		{"REVOKED AT", "revoked_at"}}
	domainColumns = []column{{"ID", "id"}, {"NAME", "name"}, {"STATE", "state"}, {"STATUSES", "statuses"},
		{"CHANNEL", "registrar_channel_id"}, {"EXPIRES", "expires_at"}, {"REGISTRANT", "registrant.name"},
		{"NAMESERVERS", "nameservers.desired"}, {"APPLY STATUS", "nameservers.apply_status"},
		{"BACKEND", "backend.kind"}, {"PROTECTED LEGACY", "protected_legacy"}, {"CREATED", "created_at"}}
	pendingColumns = []column{{"ID", "id"}, {"CHANNEL", "registrar_channel_id"}, {"COMMAND", "command"},
		{"DOMAIN", "domain"}, {"STATUS", "status"}, {"ATTEMPTS", "attempts"}, {"AUDIT", "audit_id"},
		{"CREATED", "created_at"}, {"REASON", "reason"}}
)

// partnerCommands: create, show, set, adjust.
func (a *app) partnerCommands() *command {
	p := []string{"partner"}
	return &command{name: "partner", summary: "create partners, read them, move their Gems, set their DNS module",
		usage: "partner (create | show | set | adjust) [flags]",
		about: "A partner is a company with a Gems balance (the registry's prepaid credit) and optional modules.\n" +
			"Its registrar channels and API keys belong to it.",
		subs: []*command{
			{name: "create", summary: "create a partner with an opening Gems balance",
				usage: "partner create --name NAME --gems GEMS [--dns-module]",
				about: "POST /api/v1/admin/partners. The opening balance is written to the partner's ledger.\n" +
					"Prints the new partner; its id is what channels and keys refer to.",
				examples: []string{
					`registryctl partner create --name "Acme Registrar" --gems 5000 --dns-module`,
					`id=$(registryctl partner create --name Acme --gems 100 --json | jq -r .id)`,
				},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					name := fs.String("name", "", "partner `NAME` (required)")
					gems := &optInt{}
					fs.Var(gems, "gems", "opening balance in `GEMS`, a whole number ≥ 0 (required)")
					dns := fs.Bool("dns-module", false, "enable the DNS module (DNS record management)")
					return func(ctx context.Context, _ []string) error {
						path := append(p, "create")
						if strings.TrimSpace(*name) == "" {
							return usagef(path, "--name is required")
						}
						if !gems.set {
							return usagef(path, "--gems is required (the opening balance, e.g. --gems 0)")
						}
						body := map[string]any{"name": *name, "gems_balance": gems.value, "dns_module_enabled": *dns}
						return a.operator(ctx, path, http.MethodPost, "/partners", nil, body, record(partnerColumns...))
					}
				}},
			{name: "show", summary: "show a partner and its Gems balance", usage: "partner show ID", args: []string{"ID"},
				about:    "GET /api/v1/admin/partners/{id}.",
				examples: []string{"registryctl partner show ptr_01HX…"},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					return func(ctx context.Context, args []string) error {
						return a.operator(ctx, append(p, "show"), http.MethodGet, "/partners/"+pathEscape(args[0]), nil, nil,
							record(partnerColumns...))
					}
				}},
			{name: "set", summary: "set a partner's Gems balance and/or DNS module",
				usage: "partner set ID [--gems GEMS [--reason TEXT]] [--dns-module=true|false]", args: []string{"ID"},
				about: "PATCH /api/v1/admin/partners/{id}. --gems asks for a balance: the registry applies the difference to\n" +
					"the balance it reads when the request arrives, under the partner's lock, so a debit that commits\n" +
					"meanwhile is kept (the ledger records the difference and --reason). Prefer partner adjust, which\n" +
					"states the change itself. --dns-module=true or --dns-module=false turns the DNS module on or off.\n" +
					"Give at least one.",
				examples: []string{
					"registryctl partner set ptr_01HX… --gems 2500",
					"registryctl partner set ptr_01HX… --dns-module=false",
				},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					gems := &optInt{}
					fs.Var(gems, "gems", "new balance in `GEMS`, a whole number ≥ 0")
					reason := fs.String("reason", "", "why the balance changes, recorded on the ledger entry (with --gems)")
					dns := &triBool{}
					fs.Var(dns, "dns-module", "turn the DNS module on (true) or off (false)")
					return func(ctx context.Context, args []string) error {
						path := append(p, "set")
						body := map[string]any{}
						if gems.set {
							body["gems_balance"] = gems.value
						}
						if *reason != "" {
							if !gems.set {
								return usagef(path, "--reason explains a change of the balance: give it with --gems")
							}
							body["reason"] = *reason
						}
						if dns.set {
							body["dns_module_enabled"] = dns.value
						}
						if len(body) == 0 {
							return usagef(path, "nothing to set: give --gems and/or --dns-module=true|false")
						}
						return a.operator(ctx, path, http.MethodPatch, "/partners/"+pathEscape(args[0]), nil, body,
							record(partnerColumns...))
					}
				}},
			{name: "adjust", summary: "add Gems to a partner's balance or take them away, with a reason",
				usage: "partner adjust ID --delta N --reason TEXT", args: []string{"ID"},
				about: "POST /api/v1/admin/partners/{id}/gems-adjustments. Adds N Gems (negative: takes them away) under\n" +
					"the partner's lock, so it composes with debits running at the same time; the balance never goes\n" +
					"below 0 (insufficient_gems). The ledger entry names the reason and the operator; the call is audited.\n" +
					"Prints the ledger entry with the balance after it.",
				examples: []string{
					`registryctl partner adjust ptr_01HX… --delta 500 --reason "credit note CN-2026-17"`,
					`registryctl partner adjust ptr_01HX… --delta -120 --reason "refund of a duplicate top-up"`,
				},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					delta := &optInt{}
					fs.Var(delta, "delta", "Gems to add, a whole number; negative to take away (required, not 0)")
					reason := fs.String("reason", "", "why the balance changes, recorded on the ledger entry (required)")
					return func(ctx context.Context, args []string) error {
						path := append(p, "adjust")
						switch {
						case !delta.set:
							return usagef(path, "--delta is required (e.g. --delta 500 or --delta -120)")
						case delta.value == 0:
							return usagef(path, "--delta must not be 0")
						case strings.TrimSpace(*reason) == "":
							return usagef(path, "--reason is required: say why the balance changes")
						}
						body := map[string]any{"delta": delta.value, "reason": *reason}
						return a.operator(ctx, path, http.MethodPost, "/partners/"+pathEscape(args[0])+"/gems-adjustments", nil, body,
							record(adjustmentColumns...))
					}
				}},
		}}
}

// namespaceCommands: create, update, list.
func (a *app) namespaceCommands() *command {
	p := []string{"namespace"}
	return &command{name: "namespace", summary: "create, change and list the namespaces (TLDs) the registry sells",
		usage: "namespace (create | update | list) [flags]",
		about: "A namespace has a DNS backend, create and renew prices, reserved and claim labels, and a lifecycle\n" +
			"policy: the RFC 3915 grace periods, the registry's own periods (redemption, pending delete, ...),\n" +
			"auto-renew and the restore and transfer prices. The registry's maintenance loop moves registrations\n" +
			"through these periods by itself.",
		subs: []*command{
			{name: "create", summary: "create a namespace with its backend, prices, labels and lifecycle policy",
				usage: "namespace create --name NAME --dns-backend BACKEND --create-price GEMS --renew-price GEMS [--claim-label LABEL ...] [--reserved-label LABEL ...] [policy flags]",
				about: "POST /api/v1/admin/namespaces. --dns-backend is none (no DNS), memory or rfc2136.\n" +
					"--reserved-label and --claim-label repeat, or take comma-separated lists. A reserved label is\n" +
					"never available; a claim label needs claim_acknowledgement in create.\n\n" + policyAbout(),
				examples: []string{
					"registryctl namespace create --name defiwallet --dns-backend rfc2136 --create-price 10 --renew-price 8 \\\n" +
						"      --reserved-label registry,admin --claim-label bitcoin",
					"registryctl namespace create --name quick --dns-backend memory --create-price 10 --renew-price 8 \\\n" +
						"      --add-grace-period-seconds 3600 --redemption-period-seconds 86400 --auto-renew=false --restore-price 40",
				},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					name := fs.String("name", "", "namespace `NAME`, one label such as defiwallet (required)")
					backend := fs.String("dns-backend", "", "DNS `BACKEND`: none, memory or rfc2136 (required)")
					create, renew := &optInt{}, &optInt{}
					fs.Var(create, "create-price", "create price in `GEMS` per year (required)")
					fs.Var(renew, "renew-price", "renew price in `GEMS` per year (required)")
					var reserved, claim []string
					fs.Var(&listValue{p: &reserved, split: true}, "reserved-label", "reserved `LABEL` (repeatable, comma-separated)")
					fs.Var(&listValue{p: &claim, split: true}, "claim-label", "claim-required `LABEL` (repeatable, comma-separated)")
					policy := policyFlags(fs)
					return func(ctx context.Context, _ []string) error {
						path := append(p, "create")
						switch {
						case strings.TrimSpace(*name) == "":
							return usagef(path, "--name is required")
						case strings.TrimSpace(*backend) == "":
							return usagef(path, "--dns-backend is required (none, memory or rfc2136)")
						case !create.set:
							return usagef(path, "--create-price is required")
						case !renew.set:
							return usagef(path, "--renew-price is required")
						}
						body := map[string]any{"name": *name, "dns_backend": *backend, "create_price_gems": create.value,
							"renew_price_gems": renew.value, "reserved_labels": nonNil(reserved), "claim_labels": nonNil(claim)}
						policy.into(body)
						return a.operator(ctx, path, http.MethodPost, "/namespaces", nil, body, record(namespaceRecordColumns()...))
					}
				}},
			{name: "update", summary: "change a namespace's prices, labels or lifecycle policy",
				usage: "namespace update NAME [--create-price GEMS] [--renew-price GEMS] [--reserved-label LABEL ... | --clear-reserved-labels] [--claim-label LABEL ... | --clear-claim-labels] [policy flags]",
				args:  []string{"NAME"},
				about: "PATCH /api/v1/admin/namespaces/{name}. Only what you give changes; give at least one flag.\n" +
					"--reserved-label and --claim-label replace the whole list (repeat them, or comma-separate);\n" +
					"--clear-reserved-labels and --clear-claim-labels empty it. A policy change applies to periods\n" +
					"that start after it: registrations keep the deadlines of the periods already running.\n\n" + policyAbout(),
				examples: []string{
					"registryctl namespace update defiwallet --redemption-period-seconds 2592000 --pending-delete-period-seconds 432000",
					"registryctl namespace update defiwallet --renew-price 9 --restore-price renew --auto-renew=true",
				},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					create, renew := &optInt{}, &optInt{}
					fs.Var(create, "create-price", "new create price in `GEMS` per year")
					fs.Var(renew, "renew-price", "new renew price in `GEMS` per year (restore and transfer prices that follow it follow the change)")
					var reserved, claim []string
					fs.Var(&listValue{p: &reserved, split: true}, "reserved-label", "reserved `LABEL`: the new list (repeatable, comma-separated)")
					fs.Var(&listValue{p: &claim, split: true}, "claim-label", "claim-required `LABEL`: the new list (repeatable, comma-separated)")
					clearReserved := fs.Bool("clear-reserved-labels", false, "remove every reserved label")
					clearClaim := fs.Bool("clear-claim-labels", false, "remove every claim label")
					policy := policyFlags(fs)
					return func(ctx context.Context, args []string) error {
						path := append(p, "update")
						body := map[string]any{}
						if create.set {
							body["create_price_gems"] = create.value
						}
						if renew.set {
							body["renew_price_gems"] = renew.value
						}
						for _, l := range []struct {
							field  string
							labels []string
							clear  bool
							flag   string
						}{{"reserved_labels", reserved, *clearReserved, "reserved"}, {"claim_labels", claim, *clearClaim, "claim"}} {
							switch {
							case l.clear && len(l.labels) > 0:
								return usagef(path, "--%s-label and --clear-%s-labels contradict each other", l.flag, l.flag)
							case l.clear:
								body[l.field] = []string{}
							case len(l.labels) > 0:
								body[l.field] = l.labels
							}
						}
						policy.into(body)
						if len(body) == 0 {
							return usagef(path, "nothing to change: give a price, labels or a policy flag")
						}
						return a.operator(ctx, path, http.MethodPatch, "/namespaces/"+pathEscape(args[0]), nil, body,
							record(namespaceRecordColumns()...))
					}
				}},
			{name: "list", summary: "list every namespace", usage: "namespace list",
				about: "GET /api/v1/admin/namespaces. With --json every namespace carries its whole lifecycle policy.",
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					return func(ctx context.Context, _ []string) error {
						return a.operator(ctx, append(p, "list"), http.MethodGet, "/namespaces", nil, nil,
							func(w io.Writer, obj map[string]any) error {
								return writeTable(w, objects(obj, "items"), namespaceColumns)
							})
					}
				}},
		}}
}

// policyFlagName is the flag of a policy period: its wire name with dashes.
func policyFlagName(field string) string { return strings.ReplaceAll(field, "_", "-") }

// policyAbout explains the policy flags of namespace create and update.
func policyAbout() string {
	var b strings.Builder
	b.WriteString("Lifecycle policy flags (whole seconds, 0 or more; defaults at creation in brackets):\n")
	def := core.DefaultPolicy()
	for _, f := range core.PolicyPeriods() {
		fmt.Fprintf(&b, "  --%s [%d]\n      %s\n", policyFlagName(f.Field), int64(*f.Ptr(&def)/time.Second), f.About)
	}
	b.WriteString("  --auto-renew=true|false [true]\n      renew at the expiry, for the renew price, when the sponsor can pay; otherwise the name expires\n" +
		"  --restore-price GEMS|renew [renew]\n      what a restore from redemption costs; renew follows the renew price\n" +
		"  --transfer-price GEMS|renew [renew]\n      what one year of a transfer costs; renew follows the renew price")
	return b.String()
}

// namespacePolicy holds the policy flags of one command.
type namespacePolicy struct {
	periods   map[string]*optInt
	autoRenew *triBool
	restore   *priceFlag
	transfer  *priceFlag
}

func policyFlags(fs *flag.FlagSet) *namespacePolicy {
	np := &namespacePolicy{periods: map[string]*optInt{}, autoRenew: &triBool{}, restore: &priceFlag{}, transfer: &priceFlag{}}
	for _, f := range core.PolicyPeriods() {
		v := &optInt{}
		np.periods[f.Field] = v
		fs.Var(v, policyFlagName(f.Field), "whole `SECONDS`, 0 or more; "+f.About)
	}
	fs.Var(np.autoRenew, "auto-renew", "auto-renew at the expiry when the sponsor can pay (true or false)")
	fs.Var(np.restore, "restore-price", "restore price in `GEMS`, or renew to follow the renew price")
	fs.Var(np.transfer, "transfer-price", "transfer price in `GEMS` per year, or renew to follow the renew price")
	return np
}

// into adds the flags given to a request body; a price that follows the
// renew price is sent as null.
func (np *namespacePolicy) into(body map[string]any) {
	for field, v := range np.periods {
		if v.set {
			body[field] = v.value
		}
	}
	if np.autoRenew.set {
		body["auto_renew"] = np.autoRenew.value
	}
	for field, pf := range map[string]*priceFlag{"restore_price_gems": np.restore, "transfer_price_gems": np.transfer} {
		switch {
		case pf.follow:
			body[field] = nil
		case pf.set:
			body[field] = pf.value
		}
	}
}

// priceFlag is a price in Gems, or "renew": follow the renew price.
type priceFlag struct {
	set, follow bool
	value       int64
}

func (f *priceFlag) String() string {
	switch {
	case f == nil || (!f.set && !f.follow):
		return ""
	case f.follow:
		return "renew"
	}
	return strconv.FormatInt(f.value, 10)
}

func (f *priceFlag) Set(v string) error {
	if strings.EqualFold(strings.TrimSpace(v), "renew") {
		f.follow, f.set = true, false
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return errors.New("want a whole number of Gems or renew")
	}
	f.set, f.follow, f.value = true, false, n
	return nil
}

// namespaceRecordColumns shows one namespace with its whole policy.
func namespaceRecordColumns() []column {
	cols := append([]column{}, namespaceColumns...)
	cols = append(cols, column{"AUTO RENEW", "auto_renew"}, column{"RESTORE PRICE", "restore_price_gems"},
		column{"RESTORE FOLLOWS RENEW", "restore_price_follows_renew"}, column{"TRANSFER PRICE", "transfer_price_gems"},
		column{"TRANSFER FOLLOWS RENEW", "transfer_price_follows_renew"})
	for _, f := range core.PolicyPeriods() {
		cols = append(cols, column{strings.ToUpper(strings.ReplaceAll(f.Field, "_", " ")), f.Field})
	}
	return cols
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// channelCommands: create, show, set, approve, production-approve.
func (a *app) channelCommands() *command {
	p := []string{"channel"}
	action := func(name, summary, suffix, about string) *command {
		return &command{name: name, summary: summary, usage: "channel " + name + " ID", args: []string{"ID"}, about: about,
			examples: []string{"registryctl channel " + name + " chn_01HX…"},
			setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
				return func(ctx context.Context, args []string) error {
					return a.operator(ctx, append(p, name), http.MethodPost, "/registrar-channels/"+pathEscape(args[0])+suffix,
						nil, nil, record(channelColumns...))
				}
			}}
	}
	return &command{name: "channel", summary: "admit registrar channels: create, approve, approve for production",
		usage: "channel (create | show | set | approve | production-approve) [flags]",
		about: "A registrar channel is a partner's integration identity. It starts pending; approve lets its keys run\n" +
			"OT&E (sandbox) once a namespace listing is approved too; production-approve opens non-sandbox mutations.",
		subs: []*command{
			{name: "create", summary: "create a registrar channel (status pending)",
				usage: "channel create --partner ID --slug SLUG [--rate-limit N]",
				about: "POST /api/v1/admin/registrar-channels. The slug is unique and names the OT&E fixtures\n" +
					"(ote-renew-SLUG.NAMESPACE ...); ote-counterparty is reserved for the registry's own OT&E transfer\n" +
					"counterparty. --rate-limit is requests per minute (default 120).",
				examples: []string{"registryctl channel create --partner ptr_01HX… --slug acme --rate-limit 300"},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					partner := fs.String("partner", "", "partner `ID` (required)")
					slug := fs.String("slug", "", "unique channel `SLUG`, 3 to 40 lowercase letters, digits, hyphens (required)")
					rate := &optInt{}
					fs.Var(rate, "rate-limit", "requests per minute `N` (default 120)")
					return func(ctx context.Context, _ []string) error {
						path := append(p, "create")
						switch {
						case strings.TrimSpace(*partner) == "":
							return usagef(path, "--partner is required")
						case strings.TrimSpace(*slug) == "":
							return usagef(path, "--slug is required")
						}
						body := map[string]any{"partner_id": *partner, "slug": *slug}
						if rate.set {
							body["rate_limit_per_minute"] = rate.value
						}
						return a.operator(ctx, path, http.MethodPost, "/registrar-channels", nil, body, record(channelColumns...))
					}
				}},
			{name: "show", summary: "show a registrar channel", usage: "channel show ID", args: []string{"ID"},
				about:    "GET /api/v1/admin/registrar-channels/{id}.",
				examples: []string{"registryctl channel show chn_01HX…"},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					return func(ctx context.Context, args []string) error {
						return a.operator(ctx, append(p, "show"), http.MethodGet, "/registrar-channels/"+pathEscape(args[0]),
							nil, nil, record(channelColumns...))
					}
				}},
			{name: "set", summary: "set a channel's rate limit, status and/or EPP client certificate",
				usage: "channel set ID [--rate-limit N] [--status pending|approved|suspended] [--epp-client-cert-sha256 FP]", args: []string{"ID"},
				about: "PATCH /api/v1/admin/registrar-channels/{id}. Give at least one flag. --status suspended stops\n" +
					"every key of the channel; approved re-admits it. --epp-client-cert-sha256 binds the TLS client\n" +
					"certificate the channel's EPP logins must present where the listeners require client certificates\n" +
					"(openssl x509 -noout -fingerprint -sha256 -in client.pem prints it); \"\" unbinds it.",
				examples: []string{
					"registryctl channel set chn_01HX… --rate-limit 600",
					"registryctl channel set chn_01HX… --status suspended",
					"registryctl channel set chn_01HX… --epp-client-cert-sha256 3F:9A:…:C2",
				},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					rate := &optInt{}
					fs.Var(rate, "rate-limit", "requests per minute `N`")
					status := fs.String("status", "", "channel `STATUS`: pending, approved or suspended")
					cert := &optText{}
					fs.Var(cert, "epp-client-cert-sha256", "SHA-256 fingerprint `FP` of the EPP client certificate (\"\" unbinds)")
					return func(ctx context.Context, args []string) error {
						path := append(p, "set")
						body := map[string]any{}
						if rate.set {
							body["rate_limit_per_minute"] = rate.value
						}
						if *status != "" {
							body["status"] = *status
						}
						if cert.set {
							body["epp_client_cert_sha256"] = cert.value
						}
						if len(body) == 0 {
							return usagef(path, "nothing to set: give --rate-limit, --status and/or --epp-client-cert-sha256")
						}
						return a.operator(ctx, path, http.MethodPatch, "/registrar-channels/"+pathEscape(args[0]), nil, body,
							record(channelColumns...))
					}
				}},
			action("approve", "approve a channel (its keys may run OT&E)", "/approve",
				"POST /api/v1/admin/registrar-channels/{id}/approve: status approved. The channel's keys can then\n"+
					"call the registrar API, in sandbox mode until production approval."),
			{name: "production-approve", summary: "record production approval (non-sandbox mutations allowed)",
				usage: "channel production-approve ID [--force]", args: []string{"ID"},
				about: "POST /api/v1/admin/registrar-channels/{id}/production-approval: production_approved true.\n" +
					"The registry refuses (409 ote_run_not_ready, exit 1) while the channel's latest OT&E run does not show\n" +
					"evidence for every checklist step, or the channel has no run; the detail names the missing steps.\n" +
					"Check the run first (registryctl ote-run show, ote-run archive). --force records the approval anyway\n" +
					"(body {\"force\": true}); the audit row says so.",
				examples: []string{"registryctl channel production-approve chn_01HX…",
					"registryctl channel production-approve chn_01HX… --force   # without OT&E evidence"},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					force := fs.Bool("force", false, "approve although the channel's latest OT&E run is not ready")
					return func(ctx context.Context, args []string) error {
						var body any
						if *force {
							body = map[string]any{"force": true}
						}
						return a.operator(ctx, append(p, "production-approve"), http.MethodPost,
							"/registrar-channels/"+pathEscape(args[0])+"/production-approval", nil, body, record(channelColumns...))
					}
				}},
		}}
}

// listingCommands: add, approve.
func (a *app) listingCommands() *command {
	p := []string{"listing"}
	return &command{name: "listing", summary: "list a channel in a namespace and approve the listing",
		usage: "listing (add | approve) CHANNEL NAMESPACE",
		subs: []*command{
			{name: "add", summary: "ask for a channel's listing in a namespace (status pending)",
				usage: "listing add CHANNEL NAMESPACE", args: []string{"CHANNEL", "NAMESPACE"},
				about:    "POST /api/v1/admin/registrar-channels/{channel}/namespace-listings {namespace}.",
				examples: []string{"registryctl listing add chn_01HX… defiwallet"},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					return func(ctx context.Context, args []string) error {
						return a.operator(ctx, append(p, "add"), http.MethodPost,
							"/registrar-channels/"+pathEscape(args[0])+"/namespace-listings", nil,
							map[string]any{"namespace": args[1]}, record(listingColumns...))
					}
				}},
			{name: "approve", summary: "approve a channel's listing in a namespace",
				usage: "listing approve CHANNEL NAMESPACE", args: []string{"CHANNEL", "NAMESPACE"},
				about:    "POST /api/v1/admin/registrar-channels/{channel}/namespace-listings/{namespace}/approve.",
				examples: []string{"registryctl listing approve chn_01HX… defiwallet"},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					return func(ctx context.Context, args []string) error {
						return a.operator(ctx, append(p, "approve"), http.MethodPost,
							"/registrar-channels/"+pathEscape(args[0])+"/namespace-listings/"+pathEscape(args[1])+"/approve",
							nil, nil, record(listingColumns...))
					}
				}},
		}}
}

// keyCommands: create, revoke.
func (a *app) keyCommands() *command {
	p := []string{"key"}
	return &command{name: "key", summary: "create and revoke partner API keys (the token is printed once)",
		usage: "key (create | revoke) [flags]",
		subs: []*command{
			{name: "create", summary: "create an API key; prints its token once",
				usage: "key create --partner ID [--channel ID] (--profile PROFILE | --scope SCOPE ...)",
				about: "POST /api/v1/admin/api-keys. A registrar key is bound to a channel (--channel) and carries the\n" +
					"registrar_api profile or explicit scopes (--scope repeats or takes a comma-separated list).\n" +
					"The token is shown once, in this answer only: store it now. The registry keeps only its hash.",
				examples: []string{
					"registryctl key create --partner ptr_01HX… --channel chn_01HX… --profile registrar_api",
					"registryctl key create --partner ptr_01HX… --channel chn_01HX… --scope domains:check,domains:read",
					"token=$(registryctl key create --partner ptr_01HX… --channel chn_01HX… --profile registrar_api --json | jq -r .token)",
				},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					partner := fs.String("partner", "", "partner `ID` (required)")
					channel := fs.String("channel", "", "registrar channel `ID` the key is bound to")
					profile := fs.String("profile", "", "scope `PROFILE`, e.g. registrar_api (every registrar scope)")
					var scopes []string
					fs.Var(&listValue{p: &scopes, split: true}, "scope", "explicit `SCOPE` (repeatable, comma-separated)")
					return func(ctx context.Context, _ []string) error {
						path := append(p, "create")
						switch {
						case strings.TrimSpace(*partner) == "":
							return usagef(path, "--partner is required")
						case *profile == "" && len(scopes) == 0:
							return usagef(path, "give --profile or --scope")
						case *profile != "" && len(scopes) > 0:
							return usagef(path, "give --profile or --scope, not both")
						}
						body := map[string]any{"partner_id": *partner}
						if *channel != "" {
							body["registrar_channel_id"] = *channel
						}
						if *profile != "" {
							body["profile"] = *profile
						} else {
							body["scopes"] = scopes
						}
						return a.operator(ctx, path, http.MethodPost, "/api-keys", nil, body, func(w io.Writer, obj map[string]any) error {
							if err := writeRecord(w, obj, append(keyColumns, column{"TOKEN", "token"})); err != nil {
								return err
							}
							fmt.Fprintln(a.stderr, "The token is shown only this once: store it now.")
							return nil
						})
					}
				}},
			{name: "revoke", summary: "revoke an API key", usage: "key revoke ID", args: []string{"ID"},
				about:    "DELETE /api/v1/admin/api-keys/{id}. The key's token is refused from then on (401 invalid_api_key).",
				examples: []string{"registryctl key revoke key_01HX…"},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					return func(ctx context.Context, args []string) error {
						return a.operator(ctx, append(p, "revoke"), http.MethodDelete, "/api-keys/"+pathEscape(args[0]), nil, nil,
							record(keyColumns...))
					}
				}},
		}}
}

// domainCommands: import.
func (a *app) domainCommands() *command {
	p := []string{"domain"}
	return &command{name: "domain", summary: "import legacy registrations", usage: "domain import [flags]",
		subs: []*command{
			{name: "import", summary: "import a legacy registration under a channel",
				usage: "domain import --domain NAME --channel ID --expires-at TIME --registrant-name NAME --registrant-email EMAIL [--protected-legacy] [flags]",
				about: "POST /api/v1/admin/domains/import. The registration is active, sponsored by the channel, with no\n" +
					"add grace. --protected-legacy marks it as needing policy review before cancellation\n" +
					"(delete answers 409 protected_legacy_registration_not_deletable). --expires-at is RFC 3339.",
				examples: []string{
					"registryctl domain import --domain alice.defiwallet --channel chn_01HX… --expires-at 2027-03-01T00:00:00Z \\\n" +
						"      --registrant-name \"Alice Example\" --registrant-email alice@example.com --protected-legacy",
				},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					domain := fs.String("domain", "", "fully qualified `NAME`, e.g. alice.defiwallet (required)")
					channel := fs.String("channel", "", "sponsoring registrar channel `ID` (required)")
					expires := fs.String("expires-at", "", "expiry `TIME`, RFC 3339 (required)")
					rName := fs.String("registrant-name", "", "registrant `NAME` (required)")
					rEmail := fs.String("registrant-email", "", "registrant `EMAIL` (required)")
					rOrg := fs.String("registrant-organization", "", "registrant `ORGANIZATION`")
					rPhone := fs.String("registrant-phone", "", "registrant `PHONE`, +1.5555551234 or E.164")
					rCountry := fs.String("registrant-country", "", "registrant `COUNTRY`, ISO 3166 alpha-2")
					legacy := fs.Bool("protected-legacy", false, "protect the registration from cancellation without policy review")
					return func(ctx context.Context, _ []string) error {
						path := append(p, "import")
						for _, req := range []struct{ flag, v string }{{"--domain", *domain}, {"--channel", *channel},
							{"--expires-at", *expires}, {"--registrant-name", *rName}, {"--registrant-email", *rEmail}} {
							if strings.TrimSpace(req.v) == "" {
								return usagef(path, "%s is required", req.flag)
							}
						}
						if err := checkRFC3339(*expires); err != nil {
							return usagef(path, "--expires-at: %s", err)
						}
						registrant := map[string]any{"name": *rName, "email": *rEmail}
						for k, v := range map[string]string{"organization": *rOrg, "phone": *rPhone, "country": *rCountry} {
							if v != "" {
								registrant[k] = v
							}
						}
						body := map[string]any{"domain": *domain, "registrar_channel_id": *channel, "expires_at": *expires,
							"registrant": registrant, "protected_legacy": *legacy}
						return a.operator(ctx, path, http.MethodPost, "/domains/import", nil, body, record(domainColumns...))
					}
				}},
		}}
}

// pendingCommands: list, apply, fail.
func (a *app) pendingCommands() *command {
	p := []string{"pending"}
	return &command{name: "pending", summary: "review and settle backend pending work (nameservers, cancellations)",
		usage: "pending (list | apply | fail) [flags]",
		about: "Successful nameserver updates, cancellations and transfer intents leave backend work that an operator\n" +
			"(or the apply worker) applies or fails.",
		subs: []*command{
			{name: "list", summary: "list pending backend work of every channel",
				usage: "pending list [--channel ID] [--command C] [--domain D] [--status S] [--limit N]",
				about: "GET /api/v1/admin/backend/pending.",
				examples: []string{
					"registryctl pending list",
					"registryctl pending list --command update_nameservers --domain alice.defiwallet",
				},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					channel := fs.String("channel", "", "only this registrar channel `ID`")
					cmd := fs.String("command", "", "only this `COMMAND`, e.g. update_nameservers or delete_domain")
					domain := fs.String("domain", "", "only this `DOMAIN`")
					status := fs.String("status", "", "only this `STATUS` (default: pending work)")
					limit := &optInt{}
					fs.Var(limit, "limit", "at most `N` items")
					return func(ctx context.Context, _ []string) error {
						q := url.Values{}
						for k, v := range map[string]string{"registrar_channel_id": *channel, "command": *cmd, "domain": *domain, "status": *status} {
							if v != "" {
								q.Set(k, v)
							}
						}
						if limit.set {
							q.Set("limit", limit.String())
						}
						return a.operator(ctx, append(p, "list"), http.MethodGet, "/backend/pending", q, nil,
							func(w io.Writer, obj map[string]any) error {
								return writeTable(w, objects(obj, "items"), pendingColumns)
							})
					}
				}},
			{name: "apply", summary: "mark pending work applied", usage: "pending apply ID", args: []string{"ID"},
				about: "POST /api/v1/admin/backend/pending/{id}/apply. For nameservers the domain's applied nameservers\n" +
					"then equal what was applied.",
				examples: []string{"registryctl pending apply pnd_01HX…"},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					return func(ctx context.Context, args []string) error {
						return a.operator(ctx, append(p, "apply"), http.MethodPost, "/backend/pending/"+pathEscape(args[0])+"/apply",
							nil, nil, record(pendingColumns...))
					}
				}},
			{name: "fail", summary: "mark pending work failed, with a reason", usage: "pending fail ID --reason REASON",
				args:     []string{"ID"},
				about:    "POST /api/v1/admin/backend/pending/{id}/fail {reason}. Failed work leaves the pending list.",
				examples: []string{`registryctl pending fail pnd_01HX… --reason "ns1.example.net does not answer"`},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					reason := fs.String("reason", "", "why the work failed (required)")
					return func(ctx context.Context, args []string) error {
						path := append(p, "fail")
						if strings.TrimSpace(*reason) == "" {
							return usagef(path, "--reason is required")
						}
						return a.operator(ctx, path, http.MethodPost, "/backend/pending/"+pathEscape(args[0])+"/fail", nil,
							map[string]any{"reason": *reason}, record(pendingColumns...))
					}
				}},
			{name: "retry", summary: "queue failed pending work again", usage: "pending retry ID", args: []string{"ID"},
				about: "POST /api/v1/admin/backend/pending/{id}/retry. A failed item is pending again, due at once, with\n" +
					"its attempts counted afresh (fix the backend first); work a newer command superseded stays failed.",
				examples: []string{"registryctl pending retry pnd_01HX…"},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					return func(ctx context.Context, args []string) error {
						return a.operator(ctx, append(p, "retry"), http.MethodPost, "/backend/pending/"+pathEscape(args[0])+"/retry",
							nil, nil, record(pendingColumns...))
					}
				}},
		}}
}

// optText is a string flag that records whether it was given, so that an
// empty value ("" unbinds) differs from an absent flag.
type optText struct {
	set   bool
	value string
}

func (o *optText) String() string {
	if o == nil {
		return ""
	}
	return o.value
}

func (o *optText) Set(v string) error {
	o.set, o.value = true, v
	return nil
}
