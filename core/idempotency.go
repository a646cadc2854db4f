package core

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// MaxIdempotencyKeyLength bounds idempotency keys.
const MaxIdempotencyKeyLength = 255

// ValidateIdempotencyKey checks a key: 1 to 255 printable ASCII characters.
func ValidateIdempotencyKey(k string) error {
	if k == "" {
		return Errorf(CodeIdempotencyKeyRequired,
			"mutating commands need an Idempotency-Key header or an idempotency_key body field")
	}
	if len(k) > MaxIdempotencyKeyLength {
		return Invalid("idempotency_key", "idempotency keys are at most %d characters", MaxIdempotencyKeyLength)
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return Invalid("idempotency_key", "idempotency keys are printable ASCII without spaces")
		}
	}
	return nil
}

// Fingerprint identifies a command's request independently of its encoding:
// command, domain, mode and the normalized parameters. params must be a value
// whose JSON encoding is deterministic (structs and maps are).
func Fingerprint(cmd Command, domain string, sandbox bool, params any) string {
	h := sha256.New()
	mode := "production"
	if sandbox {
		mode = "sandbox"
	}
	h.Write([]byte(string(cmd) + "\x00" + strings.ToLower(domain) + "\x00" + mode + "\x00"))
	_ = json.NewEncoder(h).Encode(params) // encoding into a hash cannot fail for plain data
	return hex.EncodeToString(h.Sum(nil))
}

// Replay decides what an existing record means for an incoming request:
// nil when it may be replayed, duplicate_idempotency_key_conflict otherwise.
func (r IdempotencyRecord) Matches(cmd Command, domain, fingerprint string) error {
	if r.Command != string(cmd) || !strings.EqualFold(r.Domain, domain) || r.Fingerprint != fingerprint {
		return Errorf(CodeIdempotencyConflict,
			"idempotency key %q was already used for a different command, domain, or request body", r.Key)
	}
	return nil
}
