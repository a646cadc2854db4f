package ports

// PasswordHasher hashes and verifies passwords (the EPP password of a
// channel, contact authInfo) with a slow, salted password hash. Hash strings
// are self-describing (algorithm and parameters included), so that stored
// hashes stay verifiable when the parameters change.
type PasswordHasher interface {
	Hash(password string) (string, error)
	// Verify reports whether password matches hash. A malformed hash is an
	// error, a wrong password is false with no error.
	Verify(hash, password string) (bool, error)
}
