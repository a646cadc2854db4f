package core

import (
	"sort"
	"strings"
)

// State is a registration's lifecycle state.
type State string

const (
	StateActive        State = "active"
	StateExpired       State = "expired"
	StateRedemption    State = "redemption"
	StatePendingDelete State = "pending_delete"
	StateCancelled     State = "cancelled"
)

// States lists every lifecycle state in lifecycle order.
func States() []State {
	return []State{StateActive, StateExpired, StateRedemption, StatePendingDelete, StateCancelled}
}

// RFC 5731 and RFC 3915 statuses.
const (
	StatusOK                       = "ok"
	StatusClientHold               = "clientHold"
	StatusClientUpdateProhibited   = "clientUpdateProhibited"
	StatusClientDeleteProhibited   = "clientDeleteProhibited"
	StatusClientRenewProhibited    = "clientRenewProhibited"
	StatusClientTransferProhibited = "clientTransferProhibited"
	StatusServerHold               = "serverHold"
	StatusServerUpdateProhibited   = "serverUpdateProhibited"
	StatusServerDeleteProhibited   = "serverDeleteProhibited"
	StatusServerRenewProhibited    = "serverRenewProhibited"
	StatusServerTransferProhibited = "serverTransferProhibited"
	StatusInactive                 = "inactive"
	StatusPendingCreate            = "pendingCreate"
	StatusPendingDelete            = "pendingDelete"
	StatusPendingRenew             = "pendingRenew"
	StatusPendingTransfer          = "pendingTransfer"
	StatusPendingUpdate            = "pendingUpdate"
	// RFC 3915 grace statuses.
	StatusAddPeriod        = "addPeriod"
	StatusRenewPeriod      = "renewPeriod"
	StatusAutoRenewPeriod  = "autoRenewPeriod"
	StatusRedemptionPeriod = "redemptionPeriod"
	StatusTransferPeriod   = "transferPeriod"
)

// ClientStatuses are the statuses a registrar may set.
var ClientStatuses = []string{StatusClientHold, StatusClientUpdateProhibited, StatusClientDeleteProhibited,
	StatusClientRenewProhibited, StatusClientTransferProhibited}

// AllStatuses lists every status the registry knows.
var AllStatuses = []string{StatusOK, StatusClientHold, StatusClientUpdateProhibited, StatusClientDeleteProhibited,
	StatusClientRenewProhibited, StatusClientTransferProhibited, StatusServerHold, StatusServerUpdateProhibited,
	StatusServerDeleteProhibited, StatusServerRenewProhibited, StatusServerTransferProhibited, StatusInactive,
	StatusPendingCreate, StatusPendingDelete, StatusPendingRenew, StatusPendingTransfer, StatusPendingUpdate,
	StatusAddPeriod, StatusRenewPeriod, StatusAutoRenewPeriod, StatusRedemptionPeriod, StatusTransferPeriod}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// NormalizeNameservers validates, lowercases, de-duplicates and sorts 0 to 13 host names.
func NormalizeNameservers(in []string) ([]string, error) {
	if len(in) > 13 {
		return nil, Invalid("nameservers", "at most 13 nameservers are allowed, got %d", len(in))
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(in))
	for _, s := range in {
		h, err := ParseHostName("nameservers", s)
		if err != nil {
			return nil, err
		}
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	sort.Strings(out)
	return out, nil
}

// ValidateRegistrant checks registrant data; requireCore demands name and email (create).
func ValidateRegistrant(r Registrant, requireCore bool) error {
	if requireCore {
		if strings.TrimSpace(r.Name) == "" {
			return Invalid("registrant.name", "registrant.name is required")
		}
		if strings.TrimSpace(r.Email) == "" {
			return Invalid("registrant.email", "registrant.email is required")
		}
	}
	if len(r.Name) > 255 || len(r.Organization) > 255 {
		return Invalid("registrant", "registrant name and organization must be at most 255 characters")
	}
	if r.Email != "" && !validEmail(r.Email) {
		return Invalid("registrant.email", "registrant.email is not a valid e-mail address")
	}
	if r.Phone != "" && !validPhone(r.Phone) {
		return Invalid("registrant.phone", "registrant.phone must be RFC 5733 (+1.5555551234) or E.164 (+15555551234)")
	}
	if r.Country != "" && !validCountry(r.Country) {
		return Invalid("registrant.country", "registrant.country must be an ISO 3166-1 alpha-2 code such as US")
	}
	if len(r.Metadata) > 50 {
		return Invalid("registrant.metadata", "registrant.metadata has at most 50 entries")
	}
	for k, v := range r.Metadata {
		if k == "" || len(k) > 64 || len(v) > 1024 {
			return Invalid("registrant.metadata", "metadata keys are 1 to 64 characters and values at most 1024")
		}
	}
	return nil
}

func validEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>") {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 {
		return false
	}
	host := s[at+1:]
	return strings.Contains(host, ".") && !strings.HasPrefix(host, ".") && !strings.HasSuffix(host, ".")
}

// validPhone accepts RFC 5733 "+CC.NUMBER" (up to 15 digits, optional "x" extension) or E.164 "+NUMBER".
func validPhone(s string) bool {
	if ext := strings.IndexByte(s, 'x'); ext >= 0 {
		if !allDigits(s[ext+1:]) || ext+1 == len(s) {
			return false
		}
		s = s[:ext]
	}
	if len(s) < 3 || s[0] != '+' {
		return false
	}
	body := s[1:]
	if dot := strings.IndexByte(body, '.'); dot >= 0 {
		cc, num := body[:dot], body[dot+1:]
		return len(cc) >= 1 && len(cc) <= 3 && allDigits(cc) && allDigits(num) && len(num) >= 1 && len(cc)+len(num) <= 15
	}
	return allDigits(body) && len(body) >= 2 && len(body) <= 15 && body[0] != '0'
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validCountry(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}
