package main

import (
	"strings"
	"testing"
	"time"
)

func TestEPPLimitSettings(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{"REGISTRY_CONFIG": "/dev/null"}))
	if err != nil {
		t.Fatal(err)
	}
	want := EPPLimits{MaxConnections: 1024, MaxUnauthenticatedPerIP: 16, LoginTimeout: time.Minute, MaxConcurrentHashes: 4,
		LockoutFailures: 10, LockoutSourceFailures: 30, LockoutDuration: 15 * time.Minute}
	if c.EPP.Limits != want {
		t.Fatalf("defaults %+v, want %+v", c.EPP.Limits, want)
	}
	c, err = LoadConfig(env(map[string]string{"REGISTRY_CONFIG": "/dev/null", "REGISTRY_EPP_MAX_CONNECTIONS": "50",
		"REGISTRY_EPP_MAX_UNAUTHENTICATED_PER_IP": "2", "REGISTRY_EPP_LOGIN_LOCKOUT_DURATION": "1h"}))
	if err != nil {
		t.Fatal(err)
	}
	if l := c.EPP.Limits; l.MaxConnections != 50 || l.MaxUnauthenticatedPerIP != 2 || l.LockoutDuration != time.Hour {
		t.Fatalf("set: %+v", l)
	}
	for key, bad := range map[string]string{
		"REGISTRY_EPP_MAX_CONNECTIONS":               "0",
		"REGISTRY_EPP_MAX_UNAUTHENTICATED_PER_IP":    "many",
		"REGISTRY_EPP_MAX_CONCURRENT_HASHES":         "-1",
		"REGISTRY_EPP_LOGIN_LOCKOUT_FAILURES":        "",
		"REGISTRY_EPP_LOGIN_LOCKOUT_SOURCE_FAILURES": "1.5",
		"REGISTRY_EPP_LOGIN_TIMEOUT":                 "soon",
		"REGISTRY_EPP_LOGIN_LOCKOUT_DURATION":        "0s",
	} {
		_, err := LoadConfig(env(map[string]string{"REGISTRY_CONFIG": "/dev/null", key: bad}))
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%q: error %v does not name the setting", key, bad, err)
		}
	}
}
