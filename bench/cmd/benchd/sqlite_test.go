package main

import (
	"io"
	"testing"
)

func TestSQLiteFlags(t *testing.T) {
	base := []string{"-pg", "postgres://x", "-redis", "redis://y"}
	for _, tc := range []struct {
		args           []string
		enabled        bool
		domains, audit int64
	}{
		{nil, true, 100_000, 100_000},
		{[]string{"-quick"}, true, 10_000, 10_000},
		{[]string{"-quick", "-sqlite-domains", "2000"}, true, 2000, 10_000},
		{[]string{"-sqlite=false"}, false, 100_000, 100_000},
	} {
		c, err := parseRunFlags(append(base, tc.args...), io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if c.sqlite.enabled != tc.enabled || c.sqlite.domains != tc.domains || c.sqlite.audit != tc.audit {
			t.Errorf("%v: %+v", tc.args, c.sqlite)
		}
	}
	if _, err := parseRunFlags(append(base, "-sqlite-domains", "0"), io.Discard); err == nil {
		t.Error("-sqlite-domains 0 accepted")
	}
	if _, err := parseRunFlags(append(base, "-sqlite=false", "-sqlite-domains", "0"), io.Discard); err != nil {
		t.Errorf("-sqlite-domains 0 refused with the phase off: %v", err)
	}
}

// A sqlite_ row is compared with the SQLite ceiling of its kind, never with
// the PostgreSQL one, and the PostgreSQL rows keep theirs.
func TestSQLiteRowsHaveTheirOwnCeilings(t *testing.T) {
	row := func(name, kind string, ops, p99 float64) *resultRow {
		return &resultRow{Name: name, Concurrency: 16, OpsPerS: ops, P99Ms: p99, ceilingKind: kind}
	}
	sq := func(s string) string { return sqlitePrefix + s }
	rows := []*resultRow{
		row("ceiling_read", ceilRead, 1000, 2), row("ceiling_write", ceilWrite, 100, 20),
		row("check", ceilRead, 500, 4), row("create", ceilWrite, 50, 40),
		row(sq("ceiling_read"), sq(ceilRead), 4000, 1), row(sq("ceiling_write"), sq(ceilWrite), 400, 10),
		row(sq("check"), sq(ceilRead), 1000, 3), row(sq("create"), sq(ceilWrite), 200, 30),
	}
	attachCeilings(rows)
	want := map[string][2]float64{ // ceiling ops/s, ratio
		"ceiling_read": {1000, 1}, "check": {1000, 0.5}, "create": {100, 0.5},
		sq("ceiling_write"): {400, 1}, sq("check"): {4000, 0.25}, sq("create"): {400, 0.5},
	}
	for _, r := range rows {
		w, ok := want[r.Name]
		if ok && (r.CeilingOpsPerS != w[0] || r.RatioToCeiling != w[1]) {
			t.Errorf("%s: ceiling %.0f ops/s, ratio %.3f; want %.0f, %.3f", r.Name, r.CeilingOpsPerS, r.RatioToCeiling, w[0], w[1])
		}
	}
	if d := rows[7].detail; d.P99ToCeilingP99 != 3 {
		t.Errorf("sqlite_create p99 ÷ ceiling p99 = %v, want 3", d.P99ToCeilingP99)
	}
}
