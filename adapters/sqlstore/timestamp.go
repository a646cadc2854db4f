package sqlstore

import (
	"fmt"
	"time"

	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/schema"
)

// sqliteTimeLayout is how SQLite stores instants: UTC, always six fractional
// digits, fixed width, so that text order is time order and every value
// round-trips to the microsecond.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// timestamp is an instant as the registry stores it: UTC at microsecond
// precision. PostgreSQL keeps it in timestamptz; SQLite in TEXT formatted
// with sqliteTimeLayout. It renders itself per dialect because bun inlines
// query arguments.
type timestamp time.Time

func ts(t time.Time) timestamp { return timestamp(t.UTC().Truncate(time.Microsecond)) }

func tsPtr(t *time.Time) *timestamp {
	if t == nil {
		return nil
	}
	v := ts(*t)
	return &v
}

// Time is the stored instant in UTC.
func (t timestamp) Time() time.Time { return time.Time(t).UTC() }

func (t *timestamp) timePtr() *time.Time {
	if t == nil {
		return nil
	}
	v := t.Time()
	return &v
}

var _ schema.QueryAppender = timestamp{}

// AppendQuery renders the literal for the dialect of gen.
func (t timestamp) AppendQuery(gen schema.QueryGen, b []byte) ([]byte, error) {
	v := time.Time(t).UTC().Truncate(time.Microsecond)
	if gen.Dialect().Name() == dialect.SQLite {
		b = append(b, '\'')
		b = v.AppendFormat(b, sqliteTimeLayout)
		return append(b, '\''), nil
	}
	return gen.Dialect().AppendTime(b, v), nil
}

// Scan reads timestamptz (time.Time from pgx) or SQLite text.
func (t *timestamp) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*t = timestamp(v.UTC())
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	case nil:
		return fmt.Errorf("timestamp: unexpected NULL")
	default:
		return fmt.Errorf("timestamp: cannot scan %T", src)
	}
}

func (t *timestamp) parse(s string) error {
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	*t = timestamp(v.UTC())
	return nil
}
