package core

import (
	"errors"
	"fmt"
	"sort"
)

// Code is a stable, machine-readable error code. It is the wire name used by
// every transport (the problem+json "code" member and the EPP <msg> mapping).
type Code string

// The error catalog: every code a transport may answer, and nothing that a transport invents.
const (
	CodeInvalidAPIKey                Code = "invalid_api_key"
	CodeInsufficientScope            Code = "insufficient_scope"
	CodeChannelRequired              Code = "registrar_channel_required"
	CodeNamespaceNotApproved         Code = "registrar_namespace_not_approved"
	CodeChannelNotProductionApproved Code = "registrar_channel_not_production_approved"
	CodeDomainNotSponsored           Code = "domain_not_sponsored"
	CodeValidation                   Code = "validation_error"
	CodeIdempotencyKeyRequired       Code = "idempotency_key_required"
	CodeDomainNotFound               Code = "domain_not_found"
	CodeDomainNotAvailable           Code = "domain_not_available"
	CodeIdempotencyConflict          Code = "duplicate_idempotency_key_conflict"
	CodeIdempotencyInProgress        Code = "idempotency_key_in_progress"
	CodeStatusProhibitsOperation     Code = "status_prohibits_operation"
	CodeProtectedLegacyNotDeletable  Code = "protected_legacy_registration_not_deletable"
	CodeCurrentExpiryMismatch        Code = "current_expiry_mismatch"
	CodeClaimAcknowledgementRequired Code = "claim_acknowledgement_required"
	CodeBackendDNSNotSupported       Code = "backend_dns_not_supported"
	CodeInsufficientGems             Code = "insufficient_gems"
	CodeDNSModuleNotEnabled          Code = "dns_module_not_enabled"
	CodeRateLimitExceeded            Code = "registrar_rate_limit_exceeded"
	CodeStatusNotClientSettable      Code = "status_not_client_settable"
	CodeRegistrationPeriodExceeded   Code = "registration_period_exceeded"
	CodeMalformedRequest             Code = "malformed_request"
	CodeRequestTooLarge              Code = "request_too_large"
	CodeUnsupportedMediaType         Code = "unsupported_media_type"
	CodeRouteNotFound                Code = "route_not_found"
	CodeMethodNotAllowed             Code = "method_not_allowed"
	CodeBackendUnavailable           Code = "backend_unavailable"
	CodeInternal                     Code = "internal_error"
	// Operator API codes (beyond the contract's minimum).
	CodeNotFound       Code = "not_found"
	CodeAlreadyExists  Code = "already_exists"
	CodeOTERunNotReady Code = "ote_run_not_ready"

	// Contacts, message queue and EPP session codes (RFC 5730 to 5733).
	CodeContactNotFound              Code = "contact_not_found"
	CodeContactNotSponsored          Code = "contact_not_sponsored"
	CodeContactInUse                 Code = "contact_in_use"
	CodeMessageNotFound              Code = "message_not_found"
	CodeAuthenticationFailed         Code = "authentication_failed"
	CodeCommandUseError              Code = "command_use_error"
	CodeRequiredParameterMissing     Code = "required_parameter_missing"
	CodeUnknownCommand               Code = "unknown_command"
	CodeUnimplementedCommand         Code = "unimplemented_command"
	CodeUnimplementedExtension       Code = "unimplemented_extension"
	CodeUnimplementedObjectService   Code = "unimplemented_object_service"
	CodeUnimplementedProtocolVersion Code = "unimplemented_protocol_version"
	CodeSessionLimitExceeded         Code = "session_limit_exceeded"

	// CodeResourceBusy: a lock wait on a row the command must change (a
	// partner's Gems balance, a registration) ran out; distinct from
	// idempotency_key_in_progress, which names a held idempotency key.
	CodeResourceBusy Code = "resource_busy"

	// Transfer codes (RFC 5731 transfer, RFC 9154 authorization information).
	CodeTransferNotEligible    Code = "transfer_not_eligible"
	CodeTransferAlreadyPending Code = "transfer_already_pending"
	CodeTransferNotPending     Code = "transfer_not_pending"
	CodeInvalidAuthCode        Code = "invalid_auth_code"
)

// Stage says where in a command's flow a refusal arises, and so whether it
// leaves a failed audit row.
type Stage string

const (
	// StageAccess: authentication and access rules 1 to 7 (key, channel,
	// scope, rate limit, namespace, production approval, sponsorship). The
	// caller may not act on the object: no audit row.
	StageAccess Stage = "access"
	// StageIdempotency: the idempotency key is missing, reused or busy; the
	// command did not run: no audit row.
	StageIdempotency Stage = "idempotency"
	// StageRule: a registry rule refused a command the caller may run
	// (validation, status, balance, claims, backend capability): the
	// refusal is audited as a failed row.
	StageRule Stage = "rule"
	// StageTransport: the request never became a command (syntax, media
	// type, route, EPP session state).
	StageTransport Stage = "transport"
	// StageSystem: the registry failed (a backend did not answer, an
	// unexpected error); nothing is recorded.
	StageSystem Stage = "system"
)

// Stages lists every stage.
func Stages() []Stage {
	return []Stage{StageAccess, StageIdempotency, StageRule, StageTransport, StageSystem}
}

// AuditsRefusal reports whether a command refused with this code writes a
// failed audit row.
func (s Spec) AuditsRefusal() bool { return s.Stage == StageRule }

// Spec is one row of the catalog: how every transport renders a Code.
type Spec struct {
	Code        Code
	Stage       Stage
	HTTPStatus  int
	EPPCode     int
	EPPMessage  string // the standard RFC 5730 result text for EPPCode
	Retryable   bool
	Title       string
	Description string
}

// eppMessages are the standard RFC 5730 §3 result texts.
var eppMessages = map[int]string{
	1000: "Command completed successfully",
	1001: "Command completed successfully; action pending",
	1300: "Command completed successfully; no messages",
	1301: "Command completed successfully; ack to dequeue",
	1500: "Command completed successfully; ending session",
	2000: "Unknown command",
	2001: "Command syntax error",
	2002: "Command use error",
	2003: "Required parameter missing",
	2004: "Parameter value range error",
	2005: "Parameter value syntax error",
	2100: "Unimplemented protocol version",
	2101: "Unimplemented command",
	2102: "Unimplemented option",
	2103: "Unimplemented extension",
	2104: "Billing failure",
	2105: "Object is not eligible for renewal",
	2106: "Object is not eligible for transfer",
	2200: "Authentication error",
	2201: "Authorization error",
	2202: "Invalid authorization information",
	2300: "Object pending transfer",
	2301: "Object not pending transfer",
	2302: "Object exists",
	2303: "Object does not exist",
	2304: "Object status prohibits operation",
	2305: "Object association prohibits operation",
	2306: "Parameter value policy error",
	2307: "Unimplemented object service",
	2308: "Data management policy violation",
	2400: "Command failed",
	2500: "Command failed; server closing connection",
	2501: "Authentication error; server closing connection",
	2502: "Session limit exceeded; server closing connection",
}

// EPPMessage returns the standard RFC 5730 text of an EPP result code.
func EPPMessage(code int) string { return eppMessages[code] }

var catalogOrder []Code
var catalog = map[Code]Spec{}

func row(c Code, stage Stage, httpStatus, epp int, retryable bool, title, desc string) {
	catalogOrder = append(catalogOrder, c)
	catalog[c] = Spec{Code: c, Stage: stage, HTTPStatus: httpStatus, EPPCode: epp, EPPMessage: eppMessages[epp],
		Retryable: retryable, Title: title, Description: desc}
}

func init() {
	row(CodeInvalidAPIKey, StageAccess, 401, 2200, false, "Invalid API key",
		"The bearer token is missing, unknown or revoked.")
	row(CodeInsufficientScope, StageAccess, 403, 2201, false, "Insufficient scope",
		"The API key lacks a scope that this command requires.")
	row(CodeChannelRequired, StageAccess, 403, 2201, false, "Registrar channel required",
		"The API key is not bound to an approved registrar channel.")
	row(CodeNamespaceNotApproved, StageAccess, 403, 2201, false, "Registrar namespace not approved",
		"The registrar channel is not approved for the requested namespace.")
	row(CodeChannelNotProductionApproved, StageAccess, 403, 2201, false, "Registrar channel not production approved",
		"The registrar can run OT&E/sandbox, but production mutation has not been approved.")
	row(CodeDomainNotSponsored, StageAccess, 403, 2201, false, "Domain not sponsored",
		"The domain exists but another registrar channel sponsors it.")
	row(CodeValidation, StageRule, 400, 2005, false, "Validation error",
		"A field of the request is missing, malformed or out of range.")
	row(CodeIdempotencyKeyRequired, StageIdempotency, 400, 2003, false, "Idempotency key required",
		"Mutating commands need an Idempotency-Key header or idempotency_key body field.")
	row(CodeDomainNotFound, StageRule, 404, 2303, false, "Domain not found",
		"No registration with that name exists.")
	row(CodeDomainNotAvailable, StageRule, 409, 2302, false, "Domain not available",
		"The name is registered or reserved.")
	row(CodeIdempotencyConflict, StageIdempotency, 409, 2306, false, "Duplicate idempotency key conflict",
		"The idempotency key was reused for a different command, domain, or request body.")
	row(CodeIdempotencyInProgress, StageIdempotency, 409, 2400, true, "Idempotency key in progress",
		"Another request with this idempotency key is still running; retry shortly to receive its result.")
	row(CodeStatusProhibitsOperation, StageRule, 409, 2304, false, "Status prohibits operation",
		"A status or lifecycle state of the domain forbids this command.")
	row(CodeProtectedLegacyNotDeletable, StageRule, 409, 2304, false, "Protected legacy registration not deletable",
		"Protected legacy records require explicit policy review before cancellation.")
	row(CodeCurrentExpiryMismatch, StageRule, 409, 2306, false, "Current expiry mismatch",
		"current_expires_at does not match the registration's expiry date.")
	row(CodeClaimAcknowledgementRequired, StageRule, 409, 2306, false, "Claim acknowledgement required",
		"The label is claim-required; create needs claim_acknowledgement with notice_id and accepted_at.")
	row(CodeBackendDNSNotSupported, StageRule, 409, 2102, false, "Backend DNS not supported",
		"The namespace backend cannot read or apply DNS records through this API.")
	row(CodeInsufficientGems, StageRule, 402, 2104, false, "Insufficient Gems",
		"The partner's Gems balance does not cover the price of the command.")
	row(CodeDNSModuleNotEnabled, StageRule, 403, 2201, false, "DNS module not enabled",
		"DNS record management is not enabled for the partner or registrar surface.")
	row(CodeRateLimitExceeded, StageAccess, 429, 2502, true, "Registrar rate limit exceeded",
		"The registrar should honor Retry-After and X-RateLimit headers.")
	row(CodeStatusNotClientSettable, StageRule, 400, 2004, false, "Status not client settable",
		"Registrars may add or remove only client* statuses.")
	row(CodeRegistrationPeriodExceeded, StageRule, 400, 2004, false, "Registration period exceeded",
		"The command would put the expiry more than 10 years from now.")
	row(CodeMalformedRequest, StageTransport, 400, 2001, false, "Malformed request",
		"The request body is not valid JSON for this command.")
	row(CodeRequestTooLarge, StageTransport, 413, 2001, false, "Request too large",
		"The request body exceeds 1 MiB.")
	row(CodeUnsupportedMediaType, StageTransport, 415, 2001, false, "Unsupported media type",
		"Request bodies must be sent as application/json.")
	row(CodeRouteNotFound, StageTransport, 404, 2000, false, "Route not found",
		"No endpoint exists at this path.")
	row(CodeMethodNotAllowed, StageTransport, 405, 2000, false, "Method not allowed",
		"The endpoint exists but does not accept this method; see the Allow header.")
	row(CodeBackendUnavailable, StageSystem, 503, 2400, true, "Backend unavailable",
		"A database, cache or DNS backend did not answer; nothing was recorded as success. Retry later.")
	row(CodeInternal, StageSystem, 500, 2400, true, "Internal error",
		"An unexpected error occurred; nothing was recorded as success. Retry later.")
	row(CodeNotFound, StageRule, 404, 2303, false, "Not found",
		"The operator API object (partner, channel, namespace, key, pending item, OT&E run) does not exist.")
	row(CodeAlreadyExists, StageRule, 409, 2302, false, "Already exists",
		"An object with this unique name (channel slug, namespace, listing, contact id) already exists.")
	row(CodeOTERunNotReady, StageRule, 409, 2304, false, "OT&E run not ready",
		"Production approval needs the channel's latest OT&E run to show evidence for every checklist step; force: true records it anyway.")
	row(CodeContactNotFound, StageRule, 404, 2303, false, "Contact not found",
		"No contact with that id exists.")
	row(CodeContactNotSponsored, StageAccess, 403, 2201, false, "Contact not sponsored",
		"The contact exists but another registrar channel owns it.")
	row(CodeContactInUse, StageRule, 409, 2305, false, "Contact in use",
		"A registration names the contact as its registrant; the contact cannot be deleted.")
	row(CodeMessageNotFound, StageRule, 404, 2303, false, "Message not found",
		"No queued message of this registrar channel has that id.")
	row(CodeAuthenticationFailed, StageAccess, 401, 2200, false, "Authentication failed",
		"The EPP client identifier (channel slug) or password is wrong, or the channel has no EPP password.")
	row(CodeCommandUseError, StageTransport, 400, 2002, false, "Command use error",
		"The command is not allowed in this session state (a command before login, a second login).")
	row(CodeRequiredParameterMissing, StageRule, 400, 2003, false, "Required parameter missing",
		"A required element or attribute of the command is missing.")
	row(CodeUnknownCommand, StageTransport, 400, 2000, false, "Unknown command",
		"The EPP command element is not one the protocol defines.")
	row(CodeUnimplementedCommand, StageTransport, 501, 2101, false, "Unimplemented command",
		"The registry does not implement this EPP command (a contact transfer).")
	row(CodeUnimplementedExtension, StageTransport, 400, 2103, false, "Unimplemented extension",
		"The command carries an extension the registry does not implement.")
	row(CodeUnimplementedObjectService, StageTransport, 400, 2307, false, "Unimplemented object service",
		"The login names an object service the registry does not offer (only domain and contact are).")
	row(CodeUnimplementedProtocolVersion, StageTransport, 400, 2100, false, "Unimplemented protocol version",
		"The login asks for an EPP version other than 1.0.")
	row(CodeResourceBusy, StageSystem, 409, 2400, true, "Resource busy",
		"Another command holds an object this command must change (such as the partner's Gems balance) past the wait bound; nothing was changed. Retry shortly.")
	row(CodeSessionLimitExceeded, StageAccess, 429, 2502, true, "Session limit exceeded",
		"The registrar channel already holds the maximum number of EPP sessions; the server closes the connection.")
	row(CodeTransferNotEligible, StageRule, 409, 2106, false, "Transfer not eligible",
		"The caller already sponsors the registration, or it was created or transferred within the namespace's transfer lock period.")
	row(CodeTransferAlreadyPending, StageRule, 409, 2300, false, "Transfer already pending",
		"The registration already has a pending transfer; wait for it to be approved, rejected or cancelled.")
	row(CodeTransferNotPending, StageRule, 409, 2301, false, "Transfer not pending",
		"The registration has no pending transfer to approve, reject or cancel.")
	row(CodeInvalidAuthCode, StageRule, 403, 2202, false, "Invalid authorization code",
		"The authorization code is wrong, unset or expired (one answer for all three, RFC 9154).")
}

// Catalog returns every row of the error catalog in contract order.
func Catalog() []Spec {
	out := make([]Spec, 0, len(catalogOrder))
	for _, c := range catalogOrder {
		out = append(out, catalog[c])
	}
	return out
}

// Codes returns every catalog code, sorted.
func Codes() []Code {
	out := append([]Code(nil), catalogOrder...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Lookup returns the row of c and whether c is in the catalog.
func Lookup(c Code) (Spec, bool) {
	s, ok := catalog[c]
	return s, ok
}

// SpecOf returns the catalog row of c; unknown codes map to internal_error.
func SpecOf(c Code) Spec {
	if s, ok := catalog[c]; ok {
		return s
	}
	return catalog[CodeInternal]
}

// Error is the one error type the core returns. Detail is safe to show to the
// caller; Cause is for logs only and never reaches a client.
type Error struct {
	Code   Code
	Detail string
	// Field names the offending request member for validation errors, if any.
	Field string
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return string(e.Code) + ": " + e.Detail + ": " + e.Cause.Error()
	}
	return string(e.Code) + ": " + e.Detail
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf builds an *Error with a formatted, client-safe detail.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// Invalid builds a validation_error naming the offending field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: CodeValidation, Field: field, Detail: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected error; its cause is logged, never shown.
func Internal(cause error) *Error {
	return &Error{Code: CodeInternal, Detail: "an unexpected error occurred", Cause: cause}
}

// Unavailable wraps an error from a backend that did not answer.
func Unavailable(what string, cause error) *Error {
	return &Error{Code: CodeBackendUnavailable, Detail: what + " is unavailable; retry later", Cause: cause}
}

// CodeOf returns the catalog code of err; anything that is not an *Error is internal.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// AsError returns err as an *Error, wrapping anything unknown as internal_error.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}
