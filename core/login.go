package core

import (
	"encoding/hex"
	"errors"
	"strings"
)

// EPPLogin is one EPP login attempt (RFC 5730 §2.9.1.1) with what the
// transport knows of its peer.
type EPPLogin struct {
	ClID        string // the channel slug
	Password    string
	NewPassword string // non-empty: replace the password
	// Source is the peer's network address (an IP address, no port), for
	// counting failed logins per source; empty when the transport has none.
	Source string
	// ClientCertRequired says the listener verified a client certificate
	// (RFC 5734 §9: client CAs configured); the certificate must then be
	// the one bound to the channel.
	ClientCertRequired bool
	// ClientCertSHA256 is the SHA-256 of the client certificate (DER),
	// in CertFingerprint's form; empty without a certificate.
	ClientCertSHA256 string
}

// ErrLoginLockedOut is the cause of an authentication_failed answered
// while failed logins of the client identifier or the source address hold
// a temporary lock-out: transports end the session on it.
var ErrLoginLockedOut = errors.New("login temporarily locked out after repeated failures")

// CertFingerprint normalises a certificate SHA-256 fingerprint, as openssl
// prints it (colon-separated upper-case pairs) or as plain hex, to 64
// lower-case hex digits; ok is false when s is not 32 bytes of hex.
func CertFingerprint(s string) (fp string, ok bool) {
	h := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
	if b, err := hex.DecodeString(h); err != nil || len(b) != 32 {
		return "", false
	}
	return h, true
}
