package core

import "time"

// CommandStatus is one row of the /status capability matrix, computed for
// the exact credential asking.
type CommandStatus struct {
	Spec                    CommandSpec
	ScopeStatus             string // "granted" or "missing"
	MissingScopes           []string
	SandboxAvailable        bool
	ProductionAvailable     bool
	DisabledReason          Code // blocks the command in every mode, or ""
	ProductionBlockedReason Code // keeps it out of production, or ""
}

// StatusReport is GET /status: everything the seed promises, computed from
// the real key, channel, listings and approval.
type StatusReport struct {
	Actor              Actor
	RateLimitPerMinute int
	Rate               *RateDecision // nil when the key has no approved channel
	Commands           []CommandStatus
	OTESequence        []OTEStep // may be shared between answers like the documents below
	// Namespaces are the channel's approved namespaces: their prices and
	// lifecycle policy, as registrars plan renewals and deletes by them.
	Namespaces []Namespace
	// Documents: static, machine-readable contracts rendered with wire names.
	// The service may share them between answers: nobody modifies them.
	RegistryServiceContract map[string]any
	EPPGatewayContract      map[string]any
	GeneratedAt             time.Time
}

// SandboxResetResult answers POST /sandbox/reset.
type SandboxResetResult struct {
	Fixtures []SandboxFixture
	AuditID  string
}
