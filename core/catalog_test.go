package core

import "testing"

func TestEveryContractCodeHasItsRow(t *testing.T) {
	want := map[Code][3]int{ // http, epp, retryable
		CodeInvalidAPIKey: {401, 2200, 0}, CodeInsufficientScope: {403, 2201, 0}, CodeChannelRequired: {403, 2201, 0},
		CodeNamespaceNotApproved: {403, 2201, 0}, CodeChannelNotProductionApproved: {403, 2201, 0},
		CodeDomainNotSponsored: {403, 2201, 0}, CodeValidation: {400, 2005, 0}, CodeIdempotencyKeyRequired: {400, 2003, 0},
		CodeDomainNotFound: {404, 2303, 0}, CodeDomainNotAvailable: {409, 2302, 0}, CodeIdempotencyConflict: {409, 2306, 0},
		CodeIdempotencyInProgress: {409, 2400, 1}, CodeStatusProhibitsOperation: {409, 2304, 0},
		CodeProtectedLegacyNotDeletable: {409, 2304, 0}, CodeCurrentExpiryMismatch: {409, 2306, 0},
		CodeClaimAcknowledgementRequired: {409, 2306, 0}, CodeBackendDNSNotSupported: {409, 2102, 0},
		CodeInsufficientGems: {402, 2104, 0}, CodeDNSModuleNotEnabled: {403, 2201, 0}, CodeRateLimitExceeded: {429, 2502, 1},
		CodeStatusNotClientSettable: {400, 2004, 0}, CodeRegistrationPeriodExceeded: {400, 2004, 0},
		CodeMalformedRequest: {400, 2001, 0}, CodeRequestTooLarge: {413, 2001, 0}, CodeUnsupportedMediaType: {415, 2001, 0},
		CodeRouteNotFound: {404, 2000, 0}, CodeMethodNotAllowed: {405, 2000, 0}, CodeBackendUnavailable: {503, 2400, 1},
		CodeInternal: {500, 2400, 1},
		// Beyond the minimum: a lock wait on a busy row, retryable.
		CodeResourceBusy: {409, 2400, 1},
	}
	for code, w := range want {
		s, ok := Lookup(code)
		if !ok {
			t.Errorf("%s has no catalog row", code)
			continue
		}
		if s.HTTPStatus != w[0] || s.EPPCode != w[1] || s.Retryable != (w[2] == 1) {
			t.Errorf("%s = %d/%d/%v, want %v", code, s.HTTPStatus, s.EPPCode, s.Retryable, w)
		}
		if s.EPPMessage == "" || s.Title == "" || s.Description == "" {
			t.Errorf("%s lacks EPP message, title or description", code)
		}
	}
	if got := len(Catalog()); got < len(want) {
		t.Errorf("catalog has %d rows, want at least %d", got, len(want))
	}
	for _, s := range Catalog() {
		if s.EPPMessage != EPPMessage(s.EPPCode) {
			t.Errorf("%s: EPP message %q is not the RFC 5730 text", s.Code, s.EPPMessage)
		}
	}
}

func TestCodeOfAndSpecOf(t *testing.T) {
	if CodeOf(nil) != "" {
		t.Error("CodeOf(nil) must be empty")
	}
	if CodeOf(Errorf(CodeDomainNotFound, "x")) != CodeDomainNotFound {
		t.Error("CodeOf lost the code")
	}
	if CodeOf(errString("boom")) != CodeInternal {
		t.Error("unknown errors must be internal")
	}
	if SpecOf("nope").Code != CodeInternal {
		t.Error("unknown codes must map to internal_error")
	}
	e := AsError(errString("secret driver text"))
	if e.Code != CodeInternal || e.Detail == "secret driver text" {
		t.Errorf("internal errors must not expose their cause: %+v", e)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// TestEveryCodeDeclaresItsStage: every catalog row names one of the stages,
// and exactly the rule stage audits refusals.
func TestEveryCodeDeclaresItsStage(t *testing.T) {
	known := map[Stage]bool{}
	for _, st := range Stages() {
		known[st] = true
	}
	for _, s := range Catalog() {
		if !known[s.Stage] {
			t.Errorf("%s has no known stage (%q)", s.Code, s.Stage)
		}
		if s.AuditsRefusal() != (s.Stage == StageRule) {
			t.Errorf("%s: AuditsRefusal disagrees with stage %s", s.Code, s.Stage)
		}
	}
	for code, want := range map[Code]Stage{
		CodeDomainNotSponsored: StageAccess, CodeRateLimitExceeded: StageAccess,
		CodeIdempotencyInProgress: StageIdempotency, CodeStatusProhibitsOperation: StageRule,
		CodeInsufficientGems: StageRule, CodeInternal: StageSystem, CodeMalformedRequest: StageTransport,
	} {
		if got := SpecOf(code).Stage; got != want {
			t.Errorf("%s stage %s, want %s", code, got, want)
		}
	}
}
