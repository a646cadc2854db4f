package core

import (
	"strings"
)

// redactedKeys never reach an audit summary: credentials and contact data.
var redactedKeys = map[string]bool{
	"email": true, "phone": true, "fax": true, "token": true, "authorization": true,
	"auth_code": true, "authcode": true, "auth_info": true, "authinfo": true, "password": true, "pw": true,
	"newpw": true, "secret": true, "api_key": true,
}

// Summarize returns a redacted copy of a summary map: credential and contact
// keys are dropped at every depth, and strings that look like e-mail
// addresses or phone numbers are replaced. This is the one redaction point.
func Summarize(in map[string]any) map[string]any {
	if in == nil {
		return map[string]any{}
	}
	out := make(map[string]any, len(in))
	for k, v := range in {
		if redactedKeys[strings.ToLower(k)] {
			continue
		}
		out[k] = redactValue(v)
	}
	return out
}

func redactValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return Summarize(x)
	case map[string]string:
		m := make(map[string]any, len(x))
		for k, s := range x {
			if !redactedKeys[strings.ToLower(k)] {
				m[k] = redactString(s)
			}
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactValue(e)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactString(e)
		}
		return out
	case string:
		return redactString(x)
	default:
		return v
	}
}

func redactString(s string) string {
	if looksLikeEmail(s) {
		return "[redacted]"
	}
	if looksLikePhone(s) {
		return "[redacted]"
	}
	return s
}

func looksLikeEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && strings.Contains(s[at:], ".")
}

func looksLikePhone(s string) bool {
	if len(s) < 8 || s[0] != '+' {
		return false
	}
	digits := 0
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' || c == ' ' || c == '-' || c == 'x':
		default:
			return false
		}
	}
	return digits >= 7
}

// RegistrantSummary is the audit-safe part of a registrant: no e-mail, no phone.
func RegistrantSummary(r Registrant) map[string]any {
	m := map[string]any{"name": r.Name}
	if r.Organization != "" {
		m["organization"] = r.Organization
	}
	if r.Country != "" {
		m["country"] = r.Country
	}
	if len(r.Metadata) > 0 {
		keys := make([]any, 0, len(r.Metadata))
		for k := range r.Metadata {
			keys = append(keys, k)
		}
		m["metadata_keys"] = keys
	}
	return m
}
