package password_test

import (
	"strings"
	"testing"

	"github.com/headlessdomains/registry/adapters/password"
)

func TestHashAndVerify(t *testing.T) {
	h := password.New()
	hash, err := h.Hash("foo-BAR2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(hash, "foo-BAR2") {
		t.Fatalf("unexpected hash %q", hash)
	}
	again, _ := h.Hash("foo-BAR2")
	if again == hash {
		t.Fatal("two hashes of one password must differ (salt)")
	}
	for pw, want := range map[string]bool{"foo-BAR2": true, "foo-BAR3": false, "": false, "foo-bar2": false} {
		ok, err := h.Verify(hash, pw)
		if err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	// A hash made with other parameters still verifies.
	cheap := password.NewWithParams(password.Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 16})
	ch, _ := cheap.Hash("secret12")
	if ok, err := h.Verify(ch, "secret12"); err != nil || !ok {
		t.Fatalf("cross-parameter verify: %v %v", ok, err)
	}
}

func TestVerifyRefusesMalformedAndHostileHashes(t *testing.T) {
	h := password.New()
	for _, bad := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=999999999,t=1,p=1$c2FsdA$a2V5", // memory bomb
		"$argon2id$v=19$m=64,t=100000,p=1$c2FsdA$a2V5",   // time bomb
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdA$a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$",
	} {
		if ok, err := h.Verify(bad, "x"); err == nil || ok {
			t.Errorf("Verify(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
	if _, err := h.Hash(strings.Repeat("x", 2000)); err == nil {
		t.Error("an over-long password must be refused")
	}
}
