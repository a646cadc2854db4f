package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// pollPageLimit is the page size registryctl asks GET /poll for (the
// contract caps pages at 500).
const pollPageLimit = 500

// maxPollPages bounds one evidence lookup (500 × 200 events).
const maxPollPages = 200

func checkRFC3339(s string) error {
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		return fmt.Errorf("%q is not an RFC 3339 time such as 2027-03-01T00:00:00Z", s)
	}
	return nil
}

var (
	runColumns = []column{{"ID", "id"}, {"NAME", "name"}, {"CHANNEL", "registrar_channel_id"},
		{"CHANNEL SLUG", "registrar_channel_slug"}, {"CREATED", "created_at"}, {"UPDATED", "updated_at"}}
	checklistColumns = []column{{"STEP", "step"}, {"COMMAND", "command"}, {"RESULT", "result"}, {"EVIDENCE", "audit_event_ids"}}
	evidenceColumns  = []column{{"AUDIT ID", "id"}, {"COMMAND", "command"}, {"STATUS", "status"}, {"DOMAIN", "domain"},
		{"IDEMPOTENCY KEY", "idempotency_key"}, {"HTTP", "http_status"}, {"CREATED", "created_at"}}
)

// renderRun prints a run, its checklist (passed or missing) and its evidence.
func renderRun(w io.Writer, run map[string]any) error {
	if err := writeRecord(w, run, runColumns); err != nil {
		return err
	}
	items := objects(run, "checklist")
	passed := 0
	for _, it := range items {
		if boolAt(it, "passed") {
			it["result"] = "passed"
			passed++
		} else {
			it["result"] = "MISSING"
		}
	}
	ready := "no"
	if len(items) > 0 && passed == len(items) {
		ready = "yes"
	}
	fmt.Fprintf(w, "\nChecklist: %d of %d steps passed; ready for production approval: %s\n", passed, len(items), ready)
	if err := writeTable(w, items, checklistColumns); err != nil {
		return err
	}
	events := objects(run, "evidence")
	fmt.Fprintf(w, "\nEvidence (%d events):\n", len(events))
	if len(events) == 0 {
		return nil
	}
	return writeTable(w, events, evidenceColumns)
}

// oteRunCommands: create, attach, show, archive.
func (a *app) oteRunCommands() *command {
	p := []string{"ote-run"}
	return &command{name: "ote-run", summary: "OT&E runs: collect a registrar's certification evidence and export it",
		usage: "ote-run (create | attach | show | archive) [flags]",
		about: "An OT&E run collects a channel's audit events as certification evidence. Its checklist is computed\n" +
			"from the attached events: each audited step of the OT&E sequence is passed or missing. Typical flow:\n" +
			"the registrar runs 'registryctl ote exercise --json' and hands over the audit ids; the operator creates a\n" +
			"run, attaches them, checks 'ote-run show', exports the archive and production-approves the channel.\n" +
			"With the operator token, 'ote exercise --run-name NAME' (or --attach-run RUN) attaches its own evidence.\n" +
			"'channel production-approve' is refused while the channel's latest run is not ready, unless --force.",
		subs: []*command{
			{name: "create", summary: "open a named OT&E run for a channel", usage: "ote-run create --channel ID --name NAME",
				about:    "POST /api/v1/admin/registrar-ote-runs.",
				examples: []string{`registryctl ote-run create --channel chn_01HX… --name "Acme OT&E 2026-03"`},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					channel := fs.String("channel", "", "registrar channel `ID` (required)")
					name := fs.String("name", "", "run `NAME` (required)")
					return func(ctx context.Context, _ []string) error {
						path := append(p, "create")
						switch {
						case strings.TrimSpace(*channel) == "":
							return usagef(path, "--channel is required")
						case strings.TrimSpace(*name) == "":
							return usagef(path, "--name is required")
						}
						return a.operator(ctx, path, http.MethodPost, "/registrar-ote-runs", nil,
							map[string]any{"registrar_channel_id": *channel, "name": *name}, renderRun)
					}
				}},
			a.attachCommand(append(p, "attach")),
			{name: "show", summary: "show a run with its checklist and evidence", usage: "ote-run show RUN", args: []string{"RUN"},
				about:    "GET /api/v1/admin/registrar-ote-runs/{id}.",
				examples: []string{"registryctl ote-run show ote_01HX…"},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					return func(ctx context.Context, args []string) error {
						return a.operator(ctx, append(p, "show"), http.MethodGet, "/registrar-ote-runs/"+pathEscape(args[0]),
							nil, nil, renderRun)
					}
				}},
			{name: "archive", summary: "export a run's Markdown evidence archive to a file",
				usage: "ote-run archive RUN --out FILE", args: []string{"RUN"},
				about: "GET /admin/registrar-ote-runs/{id}/evidence-archive.md: the run, the channel, who and when, the\n" +
					"checklist with each step passed or missing, and every attached event with its safe request and\n" +
					"response summaries. --out - writes it to standard output; with --json the confirmation is\n" +
					`{"run_id", "out", "bytes"}.`,
				examples: []string{
					"registryctl ote-run archive ote_01HX… --out acme-ote-evidence.md",
					"registryctl ote-run archive ote_01HX… --out - | less",
				},
				setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
					out := fs.String("out", "", "`FILE` to write the Markdown to; - for standard output (required)")
					return func(ctx context.Context, args []string) error {
						return a.archive(ctx, append(p, "archive"), args[0], *out)
					}
				}},
		}}
}

func (a *app) attachCommand(path []string) *command {
	return &command{name: "attach", summary: "attach audit events to a run, by audit id or by a poll filter",
		usage:    "ote-run attach RUN (--audit-id ID ... | --idempotency-key KEY ... --token TOKEN) [poll filters]",
		args:     []string{"RUN"},
		variadic: true,
		about: "POST /api/v1/admin/registrar-ote-runs/{id}/evidence {audit_event_ids}. Attaching is all or nothing: an\n" +
			"unknown id or another channel's event refuses the call (400 validation_error) and attaches nothing.\n" +
			"\n" +
			"By audit id: --audit-id repeats or takes a comma-separated list; further arguments after RUN are audit\n" +
			"ids too, so `--audit-id $(jq -r '.steps[].audit_id // empty' ote.json)` works.\n" +
			"\n" +
			"By poll filter: the operator API attaches by audit id, so registryctl first resolves the events through\n" +
			"the registrar's own GET /api/v1/registrar/v1/poll, which needs a registrar API key of that channel with\n" +
			"the audit:read scope: --token TOKEN (or env " + envToken + "). Each --idempotency-key KEY (repeatable) is\n" +
			"one poll query; --command, --status, --domain and --since narrow every query, and without any\n" +
			"--idempotency-key they form one query of their own. Every matching event (all pages) is attached.\n" +
			"Note that --status sandbox misses sandbox_reset (audited with status success); attach by audit id, or let\n" +
			"'ote exercise --attach-run RUN' attach all eight audited steps.",
		examples: []string{
			"registryctl ote-run attach ote_01HX… --audit-id aud_01,aud_02 --audit-id aud_03",
			"registryctl ote-run attach ote_01HX… --token \"$REGISTRAR_TOKEN\" --idempotency-key ote-20260301-create --idempotency-key ote-20260301-renew",
			"registryctl ote-run attach ote_01HX… --token \"$REGISTRAR_TOKEN\" --status sandbox --since 2026-03-01T00:00:00Z",
		},
		setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
			var ids, keys []string
			fs.Var(&listValue{p: &ids, split: true}, "audit-id", "audit event `ID` to attach (repeatable, comma-separated)")
			fs.Var(&listValue{p: &keys}, "idempotency-key", "attach the events of this idempotency `KEY` (repeatable; needs --token)")
			token := &secretValue{p: new(string)}
			fs.Var(token, "token", "registrar API `TOKEN` for resolving poll filters (env "+envToken+")")
			command := fs.String("command", "", "poll filter: only this `COMMAND`")
			status := fs.String("status", "", "poll filter: only this `STATUS` (success, sandbox, failed)")
			domain := fs.String("domain", "", "poll filter: only this `DOMAIN`")
			since := fs.String("since", "", "poll filter: events at or after `TIME` (RFC 3339)")
			return func(ctx context.Context, args []string) error {
				run := args[0]
				ids = append(ids, args[1:]...)
				filtered := len(keys) > 0 || *command != "" || *status != "" || *domain != "" || *since != ""
				if len(ids) == 0 && !filtered {
					return usagef(path, "give --audit-id, or --idempotency-key / a poll filter with --token")
				}
				if *since != "" {
					if err := checkRFC3339(*since); err != nil {
						return usagef(path, "--since: %s", err)
					}
				}
				if _, err := a.operatorClient(path); err != nil {
					return err
				}
				if filtered {
					tok := *token.p
					if tok == "" {
						tok = a.env(envToken)
					}
					if tok == "" {
						return usagef(path, "poll filters are resolved through the registrar API: give --token (or set %s)", envToken)
					}
					base := url.Values{}
					for k, v := range map[string]string{"command": *command, "status": *status, "domain": *domain, "since": *since} {
						if v != "" {
							base.Set(k, v)
						}
					}
					found, err := a.resolvePoll(ctx, tok, keys, base)
					if err != nil {
						return err
					}
					ids = append(ids, found...)
				}
				return a.operator(ctx, path, http.MethodPost, "/registrar-ote-runs/"+pathEscape(run)+"/evidence", nil,
					map[string]any{"audit_event_ids": dedupe(ids)}, renderRun)
			}
		}}
}

// resolvePoll returns the ids of every event that the registrar's GET /poll
// answers for each key (or once for the filters alone). A key or filter that
// matches nothing is an error: evidence that is not there is worth knowing.
func (a *app) resolvePoll(ctx context.Context, token string, keys []string, base url.Values) ([]string, error) {
	c, err := newClient(a.g.url, a.http)
	if err != nil {
		return nil, usagef([]string{"ote-run", "attach"}, "%s", err)
	}
	queries := []url.Values{}
	if len(keys) == 0 {
		queries = append(queries, base)
	}
	for _, k := range keys {
		q := cloneValues(base)
		q.Set("idempotency_key", k)
		queries = append(queries, q)
	}
	var ids []string
	for _, q := range queries {
		events, err := pollAll(ctx, c, token, q)
		if err != nil {
			return nil, err
		}
		if len(events) == 0 {
			return nil, fmt.Errorf("GET /poll found no audit event for %s; nothing was attached", describeQuery(q))
		}
		for _, e := range events {
			if id := str(e, "id"); id != "" {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// pollAll reads every page of GET /poll for q.
func pollAll(ctx context.Context, c *client, token string, q url.Values) ([]map[string]any, error) {
	var out []map[string]any
	q = cloneValues(q)
	q.Set("limit", strconv.Itoa(pollPageLimit))
	for page := 0; ; page++ {
		if page >= maxPollPages {
			return nil, fmt.Errorf("GET /poll for %s has more than %d pages; narrow the filter", describeQuery(q), maxPollPages)
		}
		res, err := c.call(ctx, request{Method: http.MethodGet, Path: registrarBase + "/poll", Query: q, Token: token})
		if err != nil {
			return nil, err
		}
		obj, err := res.object()
		if err != nil {
			return nil, err
		}
		out = append(out, objects(obj, "events")...)
		next := str(obj, "next_cursor")
		if next == "" {
			return out, nil
		}
		q.Set("cursor", next)
	}
}

func describeQuery(q url.Values) string {
	parts := []string{}
	for _, k := range []string{"idempotency_key", "command", "status", "domain", "since"} {
		if v := q.Get(k); v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	if len(parts) == 0 {
		return "the channel"
	}
	return strings.Join(parts, " ")
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// archive writes a run's Markdown evidence archive to out ("-": stdout). The
// file is written beside its destination and renamed into place, so a failed
// export never leaves half an archive.
func (a *app) archive(ctx context.Context, path []string, run, out string) error {
	if out == "" {
		return usagef(path, "--out FILE is required (- for standard output)")
	}
	c, err := a.operatorClient(path)
	if err != nil {
		return err
	}
	res, err := c.call(ctx, request{Method: http.MethodGet, Path: fmt.Sprintf(evidenceArchivePath, pathEscape(run)),
		Token: a.g.operatorToken, Header: map[string]string{"Accept": "text/markdown"}})
	if err != nil {
		return err
	}
	if out == "-" {
		_, err := a.stdout.Write(res.Body)
		return err
	}
	if err := writeFileAtomic(out, res.Body); err != nil {
		return fmt.Errorf("write the evidence archive: %w", err)
	}
	if a.g.json {
		return writeJSONValue(a.stdout, map[string]any{"run_id": run, "out": out, "bytes": len(res.Body)})
	}
	fmt.Fprintf(a.stdout, "wrote the evidence archive of %s to %s (%d bytes)\n", run, out, len(res.Body))
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}
