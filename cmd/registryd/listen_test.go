package main

import (
	"context"
	"net"
	"strings"
	"testing"
)

// A start whose listener cannot bind names the setting and the address, and
// prints no demo banner or API key: every listener is bound before the demo
// is seeded.
func TestStartNamesTheTakenAddressBeforeAnyBanner(t *testing.T) {
	for _, key := range []string{"REGISTRY_HTTP_ADDR", "REGISTRY_EPP_ADDR", "REGISTRY_EPP_OTE_ADDR", "REGISTRY_PPROF_ADDR"} {
		t.Run(key, func(t *testing.T) {
			taken, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer taken.Close()
			env := map[string]string{
				"REGISTRY_DATABASE_URL": "memory:", "REGISTRY_DEMO": "1", "REGISTRY_CONFIG": "/dev/null", "REGISTRY_LOG_LEVEL": "error",
				"REGISTRY_HTTP_ADDR": "127.0.0.1:0", "REGISTRY_EPP_ADDR": "127.0.0.1:0", "REGISTRY_EPP_OTE_ADDR": "127.0.0.1:0",
				"REGISTRY_PPROF_ADDR": "127.0.0.1:0",
			}
			env[key] = taken.Addr().String()
			var out strings.Builder
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			err = Main(ctx, nil, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, &out, nil)
			if err == nil {
				t.Fatalf("Main started with %s on a taken address:\n%s", key, out.String())
			}
			if !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), taken.Addr().String()) {
				t.Errorf("error %q names neither %s nor %s", err, key, taken.Addr())
			}
			for _, banned := range []string{"hd_live_", "API key", "op_demo_", "EPP login", "listening on"} {
				if strings.Contains(out.String(), banned) {
					t.Errorf("a failed start printed %q:\n%s", banned, out.String())
				}
			}
		})
	}
}
