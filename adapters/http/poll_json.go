package httpadapter

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/headlessdomains/registry/core"
)

// A poll page is up to 500 events, each with two summaries; encoding/json
// encodes maps by reflection and sorts their keys through an allocation
// per key, which was a third of a poll's CPU. appendPoll writes the bytes
// writeJSON writes for pollResponseOf(page) (the tests compare the two):
// summaries the store answered as JSON (core.AuditEvent's
// RequestSummaryJSON, already in encoding/json's form) as they are, and
// summaries answered as maps (the memory store's) by hand: the values of
// decoded JSON (maps, []any, string, float64, bool, nil) as encoding/json
// writes them with HTML escaping off, any other value through
// encoding/json.

// pollBodies recycles the buffers of poll answers.
var pollBodies = sync.Pool{New: func() any { return new([]byte) }}

// writePoll writes the poll answer of page.
func writePoll(w http.ResponseWriter, page core.PollPage) {
	buf := pollBodies.Get().(*[]byte)
	defer pollBodies.Put(buf)
	body, ok := appendPoll((*buf)[:0], page)
	*buf = body
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	if !ok {
		// A value encoding/json cannot encode (NaN, a channel): writeJSON
		// answers the status line and no body then, and so does this.
		w.WriteHeader(http.StatusOK)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body) // the client went away; nothing left to tell it
}

// appendPoll appends pollResponseOf(page) as writeJSON encodes it; false
// when encoding/json would fail on one of its values.
func appendPoll(b []byte, page core.PollPage) ([]byte, bool) {
	ok := true
	b = append(b, `{"events":[`...) // [] for no events, nil included, as eventsOf
	for i, e := range page.Events {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendEvent(b, e, &ok)
	}
	b = append(b, `],"next_cursor":`...)
	b = appendNullString(b, page.NextCursor)
	return append(b, "}\n"...), ok
}

// appendEvent appends eventOf(e)'s JSON.
func appendEvent(b []byte, e core.AuditEvent, ok *bool) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, e.ID)
	b = append(b, `,"registrar":{"channel_id":`...)
	b = appendString(b, e.ChannelID)
	b = append(b, `,"slug":`...)
	b = appendString(b, e.ChannelSlug)
	b = append(b, `},"actor":`...)
	b = appendString(b, e.Actor)
	b = append(b, `,"idempotency_key":`...)
	b = appendNullString(b, e.IdempotencyKey)
	b = append(b, `,"command":`...)
	b = appendString(b, e.Command)
	b = append(b, `,"status":`...)
	b = appendString(b, e.Status)
	b = append(b, `,"domain":`...)
	b = appendNullString(b, e.Domain)
	b = append(b, `,"http_status":`...)
	b = strconv.AppendInt(b, int64(e.HTTPStatus), 10)
	b = append(b, `,"request_summary":`...)
	b = appendSummary(b, e.RequestSummaryJSON, e.RequestSummary, ok)
	b = append(b, `,"response_summary":`...)
	b = appendSummary(b, e.ResponseSummaryJSON, e.ResponseSummary, ok)
	b = append(b, `,"created_at":`...)
	// timeString's text, which is ASCII that needs no escaping, without
	// its string.
	b = append(b, '"')
	b = e.CreatedAt.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, `"}`...)
}

// appendSummary appends a summary: the store's JSON as it is (already
// written as encoding/json writes the map, see core.AuditEvent), else the
// map.
func appendSummary(b, encoded []byte, m map[string]any, ok *bool) []byte {
	if encoded != nil {
		return append(b, encoded...)
	}
	return appendMap(b, nonNilMap(m), ok)
}

// appendMap appends m with its keys sorted, as encoding/json does (a nil
// map is null).
func appendMap(b []byte, m map[string]any, ok *bool) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	var arr [16]string
	keys := arr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendAny(b, m[k], ok)
	}
	return append(b, '}')
}

// appendAny appends v as encodeJSON would; *ok becomes false where
// encodeJSON fails.
func appendAny(b []byte, v any, ok *bool) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case float64:
		if f, fine := appendFloat(b, x); fine {
			return f
		}
	case map[string]any:
		return appendMap(b, x, ok)
	case []any:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendAny(b, e, ok)
		}
		return append(b, ']')
	}
	raw, err := encodeJSON(v)
	if err != nil {
		*ok = false
		return b
	}
	return append(b, raw...)
}

// appendFloat writes f as encoding/json writes a float64: the shortest
// representation, in exponent form below 1e-6 and from 1e21 with a
// two-digit negative exponent shortened (e-07 as e-7). NaN and infinities
// are left to the caller.
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}
