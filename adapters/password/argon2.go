// Package password implements ports.PasswordHasher with Argon2id (RFC 9106),
// encoded in the PHC string format that other tools read:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/headlessdomains/registry/ports"
)

// Params are the Argon2id cost parameters.
type Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
	SaltLen   int
	KeyLen    uint32
}

// DefaultParams are OWASP's Argon2id recommendation (19 MiB, 2 passes, 1 lane).
var DefaultParams = Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Limits on parameters read from a stored hash, so that a corrupted or
// hostile hash cannot make Verify allocate or spin without bound.
const (
	maxMemoryKiB = 256 * 1024
	maxTime      = 16
	maxKeyLen    = 128
	maxSaltLen   = 64
	// maxPasswordBytes bounds what is hashed at all.
	maxPasswordBytes = 1024
)

// Argon2id hashes with Argon2id.
type Argon2id struct{ p Params }

var _ ports.PasswordHasher = (*Argon2id)(nil)

// New returns a hasher with DefaultParams.
func New() *Argon2id { return &Argon2id{p: DefaultParams} }

// NewWithParams returns a hasher with p (tests use cheap parameters).
func NewWithParams(p Params) *Argon2id { return &Argon2id{p: p} }

var errTooLong = errors.New("password: longer than 1024 bytes")

// Hash returns the PHC string of a fresh salted Argon2id hash of password.
func (h *Argon2id) Hash(password string) (string, error) {
	if len(password) > maxPasswordBytes {
		return "", errTooLong
	}
	salt := make([]byte, h.p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.p.Time, h.p.MemoryKiB, h.p.Threads, h.p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.p.MemoryKiB, h.p.Time, h.p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches the PHC string hash, in constant
// time over the derived key.
func (h *Argon2id) Verify(hash, password string) (bool, error) {
	if len(password) > maxPasswordBytes {
		return false, nil
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errors.New("password: not an argon2id PHC string")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("password: unsupported argon2 version")
	}
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false, errors.New("password: malformed argon2 parameters")
	}
	if memory == 0 || memory > maxMemoryKiB || time == 0 || time > maxTime || threads == 0 {
		return false, errors.New("password: argon2 parameters out of range")
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) == 0 || len(salt) > maxSaltLen {
		return false, errors.New("password: malformed salt")
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > maxKeyLen {
		return false, errors.New("password: malformed key")
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
