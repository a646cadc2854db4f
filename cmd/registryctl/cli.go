package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Settings read from the environment; flags override them.
const (
	envURL           = "REGISTRY_URL"
	envOperatorToken = "REGISTRY_OPERATOR_TOKEN"
	envToken         = "REGISTRY_TOKEN"
	defaultURL       = "http://127.0.0.1:8080"
)

// globals are the flags every command accepts, before or after its name.
type globals struct {
	url           string
	operatorToken string
	json          bool
}

// app is one run of registryctl.
type app struct {
	stdout, stderr io.Writer
	lookup         func(string) (string, bool)
	http           *http.Client
	now            func() time.Time
	sleep          func(ctx context.Context, d time.Duration) error
	g              globals
}

func newApp(stdout, stderr io.Writer, lookup func(string) (string, bool), hc *http.Client) *app {
	return &app{stdout: stdout, stderr: stderr, lookup: lookup, http: hc, now: time.Now, sleep: sleep}
}

func (a *app) env(key string) string {
	v, _ := a.lookup(key)
	return strings.TrimSpace(v)
}

// command is a node of the command tree: a group (with subcommands) or a
// leaf (with run).
type command struct {
	name    string
	summary string
	// usage is the synopsis after "registryctl", e.g. "partner show ID".
	usage string
	// about explains the command; examples are shown verbatim.
	about    string
	examples []string
	// args names the positional arguments (exactly these many); variadic
	// allows more after them.
	args     []string
	variadic bool
	// setup registers the command's flags and returns its action.
	setup func(fs *flag.FlagSet) func(ctx context.Context, args []string) error
	subs  []*command
}

func (c *command) sub(name string) *command {
	for _, s := range c.subs {
		if s.name == name {
			return s
		}
	}
	return nil
}

// run executes registryctl with args and returns the exit code.
func (a *app) run(ctx context.Context, args []string) int {
	err := a.dispatch(ctx, args)
	if err == nil {
		return exitOK
	}
	a.report(err)
	return exitCode(err)
}

// report prints err to stderr the way its exit code promises.
func (a *app) report(err error) {
	var (
		ue *usageError
		ae *apiError
		sf *stepFailure
	)
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(a.stderr, "registryctl: %s\n", ue.msg)
		fmt.Fprintf(a.stderr, "Run '%s --help' for usage.\n", strings.Join(append([]string{"registryctl"}, ue.path...), " "))
	case errors.As(err, &ae):
		fmt.Fprintf(a.stderr, "registryctl: the registry refused the call: HTTP %d\n", ae.Status)
		fmt.Fprintf(a.stderr, "  code:   %s\n", ae.Code)
		if ae.Title != "" {
			fmt.Fprintf(a.stderr, "  title:  %s\n", ae.Title)
		}
		if ae.Detail != "" {
			fmt.Fprintf(a.stderr, "  detail: %s\n", ae.Detail)
		}
		for _, f := range ae.Fields {
			fmt.Fprintf(a.stderr, "  field:  %s: %s\n", f.Field, f.Message)
		}
		if ae.RequestID != "" {
			fmt.Fprintf(a.stderr, "  request_id: %s\n", ae.RequestID)
		}
	case errors.As(err, &sf):
		fmt.Fprintf(a.stderr, "registryctl: %s\n", sf.Error())
	default:
		fmt.Fprintf(a.stderr, "registryctl: %s\n", err)
	}
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	root := a.tree()
	a.g = globals{url: a.env(envURL), operatorToken: a.env(envOperatorToken)}
	if a.g.url == "" {
		a.g.url = defaultURL
	}
	fs := a.flagSet(root, nil)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return a.help(root, nil)
		}
		return usagef(nil, "%s", flagMessage(err))
	}
	rest := fs.Args()
	if len(rest) == 0 {
		a.writeHelp(a.stderr, root, nil)
		return usagef(nil, "no command given")
	}
	if rest[0] == "help" {
		return a.helpFor(root, rest[1:])
	}
	node, path := root, []string{}
	for len(node.subs) > 0 {
		if len(rest) == 0 {
			a.writeHelp(a.stderr, node, path)
			return usagef(path, "%s needs a subcommand", strings.Join(path, " "))
		}
		name := rest[0]
		if isHelpArg(name) {
			return a.help(node, path)
		}
		next := node.sub(name)
		if next == nil {
			if len(path) == 0 {
				return usagef(path, "unknown command %q", name)
			}
			return usagef(path, "unknown subcommand %q of %s", name, strings.Join(path, " "))
		}
		node, path, rest = next, append(path, name), rest[1:]
	}
	return a.runLeaf(ctx, node, path, rest)
}

func isHelpArg(s string) bool {
	switch s {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// helpFor answers "registryctl help [command...]".
func (a *app) helpFor(root *command, names []string) error {
	node, path := root, []string{}
	for _, n := range names {
		next := node.sub(n)
		if next == nil {
			return usagef(path, "no help for unknown command %q", strings.Join(append(path, n), " "))
		}
		node, path = next, append(path, n)
	}
	return a.help(node, path)
}

func (a *app) help(c *command, path []string) error {
	a.writeHelp(a.stdout, c, path)
	return nil
}

func (a *app) runLeaf(ctx context.Context, c *command, path, args []string) error {
	fs := a.flagSet(c, path)
	action := c.setup(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return a.help(c, path)
		}
		return usagef(path, "%s", flagMessage(err))
	}
	switch {
	case len(pos) < len(c.args):
		return usagef(path, "%s needs %s", strings.Join(path, " "), strings.Join(c.args[len(pos):], " "))
	case len(pos) > len(c.args) && !c.variadic:
		return usagef(path, "unexpected argument %q", pos[len(c.args)])
	}
	for i, name := range c.args {
		if strings.TrimSpace(pos[i]) == "" {
			return usagef(path, "%s must not be empty", name)
		}
	}
	return action(ctx, pos)
}

// flagSet is a silent flag set with the global flags registered.
func (a *app) flagSet(c *command, path []string) *flag.FlagSet {
	fs := flag.NewFlagSet(strings.Join(append([]string{"registryctl"}, path...), " "), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&a.g.url, "url", a.g.url, "registry base `URL` (env "+envURL+", default "+defaultURL+")")
	fs.Var(&secretValue{p: &a.g.operatorToken}, "operator-token", "operator bearer `TOKEN` (env "+envOperatorToken+")")
	fs.BoolVar(&a.g.json, "json", a.g.json, "print the API's JSON object as is instead of a table")
	return fs
}

// parseInterspersed parses flags that may come before, between or after the
// positional arguments ("listing add CH NS --json"); "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// flagMessage shortens the flag package's errors.
func flagMessage(err error) string {
	msg := err.Error()
	msg = strings.Replace(msg, "flag provided but not defined: -", "unknown flag --", 1)
	msg = strings.Replace(msg, "flag needs an argument: -", "flag needs a value: --", 1)
	msg = strings.Replace(msg, " for flag -", " for flag --", 1)
	return msg
}

// globalFlags lists the flags shown under "Global flags" in every help.
var globalFlags = map[string]bool{"url": true, "operator-token": true, "json": true}

// writeHelp prints a command's help: synopsis, explanation, subcommands or
// flags, examples, and the global flags.
func (a *app) writeHelp(w io.Writer, c *command, path []string) {
	name := strings.Join(append([]string{"registryctl"}, path...), " ")
	if c.summary != "" {
		fmt.Fprintf(w, "%s — %s\n\n", name, c.summary)
	}
	usage := c.usage
	if usage == "" {
		usage = strings.TrimSpace(strings.Join(path, " ") + " COMMAND [flags]")
	}
	fmt.Fprintf(w, "Usage:\n  registryctl %s\n", usage)
	if c.about != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(c.about, "\n"))
	}
	if len(c.subs) > 0 {
		fmt.Fprintf(w, "\nCommands:\n")
		tw := newTabWriter(w)
		for _, s := range c.subs {
			fmt.Fprintf(tw, "  %s\t%s\n", s.name, s.summary)
		}
		_ = tw.Flush()
	}
	if c.setup != nil {
		fs := a.flagSet(c, path)
		c.setup(fs)
		var own []*flag.Flag
		fs.VisitAll(func(f *flag.Flag) {
			if !globalFlags[f.Name] {
				own = append(own, f)
			}
		})
		if len(own) > 0 {
			fmt.Fprintf(w, "\nFlags:\n")
			writeFlags(w, own)
		}
	}
	if len(c.examples) > 0 {
		fmt.Fprintf(w, "\nExamples:\n")
		for _, e := range c.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	fs := a.flagSet(c, path)
	var global []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { global = append(global, f) })
	fmt.Fprintf(w, "\nGlobal flags (anywhere on the line):\n")
	writeFlags(w, global)
	if len(path) == 0 {
		fmt.Fprintf(w, "\nExit codes: 0 success; 1 the API refused the call (code, title and detail on stderr)\n")
		fmt.Fprintf(w, "or an OT&E step failed; 2 usage error; 3 the server could not be reached.\n")
		fmt.Fprintf(w, "Run 'registryctl COMMAND --help' (or 'registryctl help COMMAND SUBCOMMAND') for details.\n")
	}
}

func writeFlags(w io.Writer, flags []*flag.Flag) {
	tw := newTabWriter(w)
	for _, f := range flags {
		name, usage := flag.UnquoteUsage(f)
		spec := "--" + f.Name
		if name != "" {
			spec += " " + name
		}
		if _, ok := f.Value.(*triBool); ok {
			spec = "--" + f.Name + "[=true|false]"
		}
		fmt.Fprintf(tw, "  %s\t%s\n", spec, usage)
	}
	_ = tw.Flush()
}

// secretValue is a string flag whose value never appears in help output.
type secretValue struct{ p *string }

func (s *secretValue) String() string { return "" }
func (s *secretValue) Set(v string) error {
	*s.p = strings.TrimSpace(v)
	return nil
}

// listValue is a repeatable flag; with split, each value may also be a
// comma-separated list.
type listValue struct {
	p     *[]string
	split bool
}

func (l *listValue) String() string {
	if l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l *listValue) Set(v string) error {
	parts := []string{v}
	if l.split {
		parts = strings.Split(v, ",")
	}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return errors.New("empty value")
		}
		*l.p = append(*l.p, p)
	}
	return nil
}

// triBool is a boolean flag that remembers whether it was given.
type triBool struct {
	set   bool
	value bool
}

func (t *triBool) String() string {
	if t == nil || !t.set {
		return ""
	}
	return strconv.FormatBool(t.value)
}

func (t *triBool) Set(v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return errors.New("want true or false")
	}
	t.set, t.value = true, b
	return nil
}

func (t *triBool) IsBoolFlag() bool { return true }

// optInt is an integer flag that remembers whether it was given.
type optInt struct {
	set   bool
	value int64
}

func (o *optInt) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.FormatInt(o.value, 10)
}

func (o *optInt) Set(v string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return errors.New("want a whole number")
	}
	o.set, o.value = true, n
	return nil
}
