package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The registrar API's reads in process: the real router, middleware and
// service over the memory store, without sockets, so that ns/op and
// allocs/op are the HTTP adapter's and the core's own cost per request
// (bench/README.md puts them beside the load benchmark's CPU per request).

func benchRegistrar(b *testing.B) (*env, registrar, string) {
	e := newEnv(b)
	r := e.admit(regSpec{})
	e.opDo("PATCH", "/registrar-channels/"+r.ChannelID, map[string]any{"rate_limit_per_minute": 100_000}, http.StatusOK)
	name := "bench." + r.Namespace
	e.create(r, name, "bench-create")
	return e, r, name
}

func benchRequest(b *testing.B, e *env, r registrar, method, path string, body []byte, want int, kv ...string) {
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if n++; n%50_000 == 0 { // a new rate-limit window before the limit
			e.clock.advance(time.Minute)
		}
		var rd *bytes.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req := httptest.NewRequest(method, regBase+path, nil)
		if rd != nil {
			req = httptest.NewRequest(method, regBase+path, rd)
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", "Bearer "+r.Token)
		for i := 0; i+1 < len(kv); i += 2 {
			req.Header.Set(kv[i], kv[i+1])
		}
		w := httptest.NewRecorder()
		e.handler.ServeHTTP(w, req)
		if w.Code != want {
			b.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body.String())
		}
	}
}

func BenchmarkHandlerInfo(b *testing.B) {
	e, r, name := benchRegistrar(b)
	benchRequest(b, e, r, "GET", "/domains/"+name, nil, http.StatusOK)
}

func BenchmarkHandlerCheck(b *testing.B) {
	e, r, name := benchRegistrar(b)
	benchRequest(b, e, r, "POST", "/domains/check", []byte(`{"names":["`+name+`"]}`), http.StatusOK)
}

func BenchmarkHandlerStatus(b *testing.B) {
	e, r, _ := benchRegistrar(b)
	benchRequest(b, e, r, "GET", "/status", nil, http.StatusOK)
}

func BenchmarkHandlerReplay(b *testing.B) {
	e, r, name := benchRegistrar(b)
	body, err := json.Marshal(map[string]any{"domain": name, "registrant": registrant()})
	if err != nil {
		b.Fatal(err)
	}
	benchRequest(b, e, r, "POST", "/domains", body, http.StatusCreated, "Idempotency-Key", "bench-create")
}
