package main

// tree is registryctl's command tree.
func (a *app) tree() *command {
	return &command{
		summary: "operate the HeadlessDomains registry and run registrar OT&E",
		usage:   "[--url URL] [--operator-token TOKEN] [--json] COMMAND SUBCOMMAND [flags] [args]",
		about: "Operators admit and certify registrars over the operator API (" + operatorBase + ", bearer operator\n" +
			"token); registrars run their OT&E certification with 'registryctl ote exercise' (registrar API key).\n" +
			"\n" +
			"Settings: " + envURL + " (default " + defaultURL + "), " + envOperatorToken + " for operator\n" +
			"commands, " + envToken + " for registrar commands; the flags --url, --operator-token and --token win.\n" +
			"Output: aligned tables for people; --json prints the API's JSON object as is, for scripts.",
		subs: []*command{
			a.partnerCommands(),
			a.namespaceCommands(),
			a.channelCommands(),
			a.listingCommands(),
			a.keyCommands(),
			a.domainCommands(),
			a.pendingCommands(),
			a.transferCommands(),
			a.oteRunCommands(),
			a.oteCommands(),
		},
	}
}
