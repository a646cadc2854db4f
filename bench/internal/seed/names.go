// Package seed fills a registry database that registryd migrated with
// millions of registrations and audit events, directly with COPY (never
// through the API), and names every seeded row by its index so that the load
// generator can address any of them without keeping a list.
package seed

import (
	"fmt"
	"time"
)

// mask40 bounds indices: labels are 10 hex digits of a 40-bit permutation.
const mask40 = 1<<40 - 1

// MaxRows is the most rows of one kind the naming scheme tells apart.
const MaxRows = 1 << 40

// mix is a permutation of [0, 2^40): a multiplication by an odd constant
// modulo 2^40 followed by an xorshift, both invertible. Neighbouring indices
// land far apart, so seeded names spread over the whole index as real names do.
func mix(i int64) uint64 {
	x := uint64(i) & mask40
	x = (x * 0x9E3779B97F) & mask40
	x ^= x >> 20
	return x
}

// Label is the label of seeded registration i: "s" and 10 hex digits.
func Label(i int64) string { return fmt.Sprintf("s%010x", mix(i)) }

// Name is the fully qualified name of seeded registration i.
func Name(i int64, namespace string) string { return Label(i) + "." + namespace }

// FreeLabel is a label that no seeded registration has ("u" instead of "s").
func FreeLabel(i int64) string { return fmt.Sprintf("u%010x", mix(i)) }

// DomainID is the id of seeded registration i.
func DomainID(i int64) string { return fmt.Sprintf("dom_seed%010x", mix(i)) }

// crockford is the lowercase Crockford base32 alphabet core.IDs uses.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// ulid renders the same shape as core.IDs: 10 characters of millisecond
// time and 16 of "randomness" (here r, deterministic), so that seeded ids
// sort by time among the ids registryd makes.
func ulid(t time.Time, r uint64) string {
	var b [26]byte
	ms := uint64(t.UnixMilli())
	for i := 9; i >= 0; i-- {
		b[i] = crockford[ms&31]
		ms >>= 5
	}
	for i := 25; i >= 10; i-- {
		b[i] = crockford[r&31]
		r >>= 5
	}
	return string(b[:])
}

// AuditSpan is how far back the seeded audit history reaches.
const AuditSpan = 30 * 24 * time.Hour

// AuditGap is how long before the seeding reference time the history ends.
const AuditGap = 10 * time.Minute

// AuditTime is the creation time of seeded audit event j of total, spread
// evenly over AuditSpan and ending AuditGap before ref.
func AuditTime(ref time.Time, j, total int64) time.Time {
	start := ref.Add(-AuditSpan)
	if total <= 0 {
		return start
	}
	step := (AuditSpan - AuditGap) / time.Duration(total)
	return start.Add(time.Duration(j) * step).UTC().Truncate(time.Microsecond)
}

// AuditID is the id of seeded audit event j of total.
func AuditID(ref time.Time, j, total int64) string {
	return "aud_" + ulid(AuditTime(ref, j, total), mix(j))
}

// AuditKey is the idempotency key of seeded audit event j.
func AuditKey(j int64) string { return fmt.Sprintf("seed-%d", j) }

// auditKind is the command, status and HTTP status of seeded event j: a
// mix of commands, 5% failed and 2% sandbox.
func auditKind(j int64) (command, status string, http int) {
	switch {
	case j%20 == 19:
		return "create_domain", "failed", 409
	case j%50 == 7:
		return "renew_domain", "sandbox", 202
	}
	switch j % 20 {
	case 0, 1, 2, 3, 4, 5, 6, 7:
		return "create_domain", "success", 201
	case 8, 9, 10, 11:
		return "renew_domain", "success", 200
	case 12, 13, 14, 15:
		return "update_nameservers", "success", 200
	case 16, 17:
		return "update_domain", "success", 200
	default:
		return "delete_domain", "success", 200
	}
}
