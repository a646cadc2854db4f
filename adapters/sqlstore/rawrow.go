package sqlstore

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A registration's row is 37 columns, and pgx's Scan plans how to read
// each of them again for every query (a plan per column and destination,
// through interfaces): 7% of registryd's CPU for an info in process. The
// hot read of a registration reads the row's values as the wire carries
// them instead: text and varchar as their bytes, bool, int8 and
// timestamptz in PostgreSQL's binary forms (their send functions), jsonb
// as its text after the binary form's version byte, bytea as its bytes.
// The idempotency record a retry reads (9 columns) is read the same way. A
// column in any other type or format makes the reader decline, and the row
// is scanned by pgx as before (TestRawRowReadsAsScan and
// TestRawIdempotencyRowReadsAsScan compare the two on PostgreSQL).

// errRawDecline: a column the raw reader does not read; pgx's Scan reads
// the row instead.
var errRawDecline = errors.New("sqlstore: left to pgx's scan")

// PostgreSQL's type OIDs (pg_type.dat) the raw reader reads.
const (
	oidBool        = 16
	oidBytea       = 17
	oidInt8        = 20
	oidText        = 25
	oidVarchar     = 1043
	oidTimestamptz = 1184
	oidJSONB       = 3802
)

// pgEpochUnix is timestamptz's zero in the binary form (microseconds since
// 2000-01-01 00:00:00 UTC) in Unix seconds.
const pgEpochUnix = 946684800

// rawRow reads one row's values in column order; the first value it cannot
// read sets err (errRawDecline), and every read after it answers zero.
type rawRow struct {
	fds  []pgconn.FieldDescription
	vals [][]byte
	i    int
	err  error
}

// next answers the next column's value if its type is one of oids and its
// format binary (or, for text types, either), with null true for NULL.
func (r *rawRow) next(text bool, oids ...uint32) (v []byte, null, ok bool) {
	if r.err != nil {
		return nil, false, false
	}
	if r.i >= len(r.vals) || r.i >= len(r.fds) {
		r.err = errRawDecline
		return nil, false, false
	}
	fd, v := r.fds[r.i], r.vals[r.i]
	r.i++
	typed := false
	for _, o := range oids {
		typed = typed || fd.DataTypeOID == o
	}
	if !typed || (!text && fd.Format != pgx.BinaryFormatCode) {
		r.err = errRawDecline
		return nil, false, false
	}
	return v, v == nil, true
}

func (r *rawRow) decline() { r.err = errRawDecline }

// text reads a NOT NULL text or varchar column.
func (r *rawRow) text() string {
	v, null, ok := r.next(true, oidText, oidVarchar)
	if !ok || null {
		r.decline()
		return ""
	}
	return string(v)
}

// textPtr reads a nullable text column.
func (r *rawRow) textPtr() *string {
	v, null, ok := r.next(true, oidText, oidVarchar)
	if !ok || null {
		return nil
	}
	s := string(v)
	return &s
}

// jsonText reads a jsonb column's text (nil for NULL).
func (r *rawRow) jsonText() *string {
	if r.err != nil || r.i >= len(r.fds) {
		r.decline()
		return nil
	}
	binaryForm := r.fds[r.i].Format == pgx.BinaryFormatCode
	v, null, ok := r.next(true, oidJSONB)
	if !ok || null {
		return nil
	}
	if binaryForm {
		if len(v) == 0 || v[0] != 1 { // jsonb_send's version byte
			r.decline()
			return nil
		}
		v = v[1:]
	}
	s := string(v)
	return &s
}

// json reads a NOT NULL jsonb column's text.
func (r *rawRow) json() string {
	s := r.jsonText()
	if s == nil {
		r.decline()
		return ""
	}
	return *s
}

func (r *rawRow) boolean() bool {
	v, null, ok := r.next(false, oidBool)
	if !ok || null || len(v) != 1 {
		r.decline()
		return false
	}
	return v[0] != 0
}

func (r *rawRow) int8() int64 {
	v, null, ok := r.next(false, oidInt8)
	if !ok || null || len(v) != 8 {
		r.decline()
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

// bytes reads a nullable bytea column (nil for NULL) into a slice of its
// own: the row's values live in pgx's read buffer.
func (r *rawRow) bytes() []byte {
	v, null, ok := r.next(false, oidBytea)
	if !ok || null {
		return nil
	}
	b := make([]byte, len(v))
	copy(b, v)
	return b
}

// time reads a timestamptz column; infinity is declined (pgx reads it).
func (r *rawRow) time() nullTime {
	v, null, ok := r.next(false, oidTimestamptz)
	if !ok || null {
		return nullTime{}
	}
	if len(v) != 8 {
		r.decline()
		return nullTime{}
	}
	us := int64(binary.BigEndian.Uint64(v))
	if us == 1<<63-1 || us == -1<<63 {
		r.decline()
		return nullTime{}
	}
	return nullTime{t: time.Unix(pgEpochUnix+us/1e6, (us%1e6)*1e3).UTC(), valid: true}
}

// scanRaw reads a row of domainColumns as scan does; errRawDecline when a
// column is not in the form it reads.
func (r *domainRow) scanRaw(row *rawRow) error {
	r.ID, r.Name, r.Label, r.Namespace = row.text(), row.text(), row.text(), row.text()
	r.ChannelID, r.PartnerID, r.State = row.text(), row.text(), row.text()
	r.Statuses, r.Registrant, r.NameserversDesired, r.NameserversApplied = row.json(), row.json(), row.json(), row.json()
	r.ApplyStatus, r.BackendKind, r.BackendReference = row.text(), row.text(), row.text()
	r.ProtectedLegacy, r.OTESandbox, r.Imported = row.boolean(), row.boolean(), row.boolean()
	r.CreatePaidGems = row.int8()
	created, updated, expires := row.time(), row.time(), row.time()
	lastRenewed, deleted := row.time(), row.time()
	r.ClaimNoticeID = row.textPtr()
	claimAt := row.time()
	if contact := row.textPtr(); contact != nil {
		r.RegistrantContactID = *contact
	}
	r.Grace = row.jsonText()
	stateEnds, due := row.time(), row.time()
	r.Transfer = row.jsonText()
	r.TransferStatus, r.TransferGainingChannelID, r.TransferLosingChannelID = row.text(), row.text(), row.text()
	r.AuthCodeHash = row.text()
	acSet, acExp, transferred := row.time(), row.time(), row.time()
	if row.err == nil && row.i != len(row.vals) {
		row.decline()
	}
	if row.err != nil {
		*r = domainRow{}
		return row.err
	}
	r.CreatedAt, r.UpdatedAt, r.ExpiresAt = created.at(), updated.at(), expires.at()
	r.LastRenewedAt, r.DeletedAt, r.ClaimAcceptedAt = lastRenewed.ptr(), deleted.ptr(), claimAt.ptr()
	r.StateEndsAt, r.DueAt = stateEnds.ptr(), due.ptr()
	r.AuthCodeSetAt, r.AuthCodeExpiresAt, r.TransferredAt = acSet.ptr(), acExp.ptr(), transferred.ptr()
	return nil
}

// scanRaw reads a row of idempotencyColumns as scan does; errRawDecline
// when a column is not in the form it reads.
func (r *idempotencyRow) scanRaw(row *rawRow) error {
	r.ChannelID, r.IdempotencyKey, r.Command, r.Domain = row.text(), row.text(), row.text(), row.text()
	r.Fingerprint, r.Sandbox, r.AuditID = row.text(), row.boolean(), row.text()
	r.Result = row.bytes()
	created := row.time()
	if row.err == nil && row.i != len(row.vals) {
		row.decline()
	}
	if row.err != nil {
		*r = idempotencyRow{}
		return row.err
	}
	r.CreatedAt = created.at()
	return nil
}
