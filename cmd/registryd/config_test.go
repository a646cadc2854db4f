package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestLoadConfigDefaultsAndRefusals(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{"REGISTRY_CONFIG": "/dev/null"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.DatabaseURL != "sqlite:data/registry.db" || !c.MigrateOnStart || c.Demo {
		t.Fatalf("defaults: %+v", c)
	}
	for key, bad := range map[string]string{
		"REGISTRY_DEMO":             "maybe",
		"REGISTRY_OPERATOR_TOKEN":   "short",
		"REGISTRY_SHUTDOWN_TIMEOUT": "soon",
		"REGISTRY_PPROF_ADDR":       "0.0.0.0:6060",
	} {
		_, err := LoadConfig(env(map[string]string{"REGISTRY_CONFIG": "/dev/null", key: bad}))
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%q: error %v does not name the setting", key, bad, err)
		}
	}
}

func TestPprofServesOnLoopbackOnly(t *testing.T) {
	if loopbackAddr("0.0.0.0:6060") || loopbackAddr("10.0.0.1:6060") || !loopbackAddr("127.0.0.1:0") || !loopbackAddr("[::1]:0") {
		t.Fatal("loopbackAddr misjudges an address")
	}
	addr, stop, err := startPprof("127.0.0.1:0", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	res, err := http.Get("http://" + addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "goroutine") {
		t.Fatalf("pprof index: %d %.200s", res.StatusCode, body)
	}
}
