package main

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/url"
)

var transferColumns = []column{{"DOMAIN", "domain"}, {"STATUS", "status"}, {"GAINING", "gaining_channel.slug"},
	{"LOSING", "losing_channel.slug"}, {"REQUESTED", "requested_at"}, {"ACTION AT", "action_at"}, {"YEARS", "years"},
	{"EXPIRES", "expires_at"}}

// transferCommands: list, approve, reject.
func (a *app) transferCommands() *command {
	p := []string{"transfer"}
	settle := func(name, verb, status string) *command {
		return &command{name: name, summary: verb + " a pending transfer (ends " + status + ")", usage: "transfer " + name + " DOMAIN",
			args: []string{"DOMAIN"},
			about: "POST /api/v1/admin/domains/{domain}/transfer/" + name + ". Both registrar channels are told, in their\n" +
				"/poll and their EPP message queues.",
			examples: []string{"registryctl transfer " + name + " alice.defiwallet"},
			setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
				return func(ctx context.Context, args []string) error {
					return a.operator(ctx, append(p, name), http.MethodPost, "/domains/"+pathEscape(args[0])+"/transfer/"+name,
						nil, nil, func(w io.Writer, obj map[string]any) error {
							t, _ := obj["transfer"].(map[string]any)
							return writeRecord(w, t, transferColumns)
						})
				}
			}}
	}
	return &command{name: "transfer", summary: "list transfers between registrars; approve or reject pending ones",
		usage: "transfer (list | approve | reject) [flags]",
		about: "A registrar requests the transfer of another channel's registration with its authorization code\n" +
			"(RFC 5731, RFC 9154); the sponsor approves or rejects it, or the registry approves it at its deadline.\n" +
			"An operator may approve (serverApproved) or reject (serverCancelled) any pending transfer.",
		subs: []*command{
			{name: "list", summary: "list transfers of every channel, or of one",
				usage: "transfer list [--channel ID [--role gaining|losing]] [--status S] [--limit N]",
				about: "GET /api/v1/admin/transfers: each registration's latest transfer.",
				examples: []string{
					"registryctl transfer list --status pending",
					"registryctl transfer list --channel chn_01HX… --role losing",
				},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					channel := fs.String("channel", "", "only this registrar channel `ID`")
					role := fs.String("role", "", "with --channel: `ROLE` gaining or losing")
					status := fs.String("status", "", "only this `STATUS` (pending, clientApproved, ...)")
					limit := &optInt{}
					fs.Var(limit, "limit", "at most `N` transfers")
					return func(ctx context.Context, _ []string) error {
						q := url.Values{}
						for k, v := range map[string]string{"registrar_channel_id": *channel, "role": *role, "status": *status} {
							if v != "" {
								q.Set(k, v)
							}
						}
						if limit.set {
							q.Set("limit", limit.String())
						}
						return a.operator(ctx, append(p, "list"), http.MethodGet, "/transfers", q, nil,
							func(w io.Writer, obj map[string]any) error {
								return writeTable(w, objects(obj, "transfers"), transferColumns)
							})
					}
				}},
			settle("approve", "approve", "serverApproved"),
			settle("reject", "reject", "serverCancelled"),
		}}
}
