package httpadapter

import (
	"encoding/json"
	"errors"
)

// fastTokens is a tokenizer for checkMemberNames that reads the member
// names of a request body in place. It takes well-formed JSON (RFC 8259)
// whose member names are printable ASCII without escapes, nested at most
// maxFastDepth deep, and answers the tokens json.Decoder.Token answers for
// it, as far as checkMemberNames looks: delimiters, member names, and one
// token per scalar (an empty string or nil: the walk only asks whether a
// token is a delimiter). Anything else it declines with errDecline, and the
// body goes through json.Decoder instead. A fuzz test holds the two walks'
// answers equal.
type fastTokens struct {
	b     []byte
	i     int
	stack []byte // the open containers, '{' or '['
	state fastState
	done  bool // the first value has ended
}

type fastState uint8

const (
	fastValue        fastState = iota // a value: at the top, after ':', after ',' in an array
	fastKeyOrClose                    // after '{'
	fastKey                           // after ',' in an object
	fastValueOrClose                  // after '['
	fastCommaOrClose                  // after a value in a container
)

const maxFastDepth = 64

var errDecline = errors.New("httpadapter: left to encoding/json")

func (t *fastTokens) space() {
	for t.i < len(t.b) {
		switch t.b[t.i] {
		case ' ', '\t', '\n', '\r':
			t.i++
		default:
			return
		}
	}
}

// Token answers the next token, or errDecline.
func (t *fastTokens) Token() (json.Token, error) {
	for !t.done {
		t.space()
		if t.i >= len(t.b) {
			return nil, errDecline
		}
		c := t.b[t.i]
		switch t.state {
		case fastCommaOrClose:
			top := t.stack[len(t.stack)-1]
			switch {
			case c == ',':
				t.i++
				t.state = fastValue
				if top == '{' {
					t.state = fastKey
				}
				continue
			case c == '}' && top == '{', c == ']' && top == '[':
				return t.close(c), nil
			}
			return nil, errDecline
		case fastKeyOrClose, fastKey:
			if c == '}' && t.state == fastKeyOrClose {
				return t.close(c), nil
			}
			key, ok := t.name()
			if !ok {
				return nil, errDecline
			}
			t.space()
			if t.i >= len(t.b) || t.b[t.i] != ':' {
				return nil, errDecline
			}
			t.i++
			t.state = fastValue
			return key, nil
		case fastValueOrClose:
			if c == ']' {
				return t.close(c), nil
			}
		}
		return t.value(c)
	}
	return nil, errDecline
}

// value reads the value starting with c.
func (t *fastTokens) value(c byte) (json.Token, error) {
	switch {
	case c == '{' || c == '[':
		if len(t.stack) >= maxFastDepth {
			return nil, errDecline
		}
		t.i++
		t.stack = append(t.stack, c)
		t.state = fastKeyOrClose
		if c == '[' {
			t.state = fastValueOrClose
		}
		return json.Delim(c), nil
	case c == '"':
		if !t.skipString() {
			return nil, errDecline
		}
		t.ended()
		return "", nil
	case c == '-' || (c >= '0' && c <= '9'):
		if !t.skipNumber() {
			return nil, errDecline
		}
		t.ended()
		return nil, nil
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(t.b)-t.i >= len(lit) && string(t.b[t.i:t.i+len(lit)]) == lit {
			t.i += len(lit)
			t.ended()
			return nil, nil
		}
	}
	return nil, errDecline
}

// close ends the innermost container with c.
func (t *fastTokens) close(c byte) json.Token {
	t.i++
	t.stack = t.stack[:len(t.stack)-1]
	t.ended()
	return json.Delim(c)
}

// ended moves past a complete value.
func (t *fastTokens) ended() {
	if len(t.stack) == 0 {
		t.done = true
		return
	}
	t.state = fastCommaOrClose
}

// name reads a member name of printable ASCII without escapes.
func (t *fastTokens) name() (string, bool) {
	if t.i >= len(t.b) || t.b[t.i] != '"' {
		return "", false
	}
	start := t.i + 1
	for j := start; j < len(t.b); j++ {
		switch c := t.b[j]; {
		case c == '"':
			t.i = j + 1
			return string(t.b[start:j]), true
		case c == '\\' || c < 0x20 || c >= 0x7f:
			return "", false
		}
	}
	return "", false
}

// skipString moves past a string value, escapes included.
func (t *fastTokens) skipString() bool {
	j := t.i + 1
	for j < len(t.b) {
		c := t.b[j]
		switch {
		case c == '"':
			t.i = j + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if j+1 >= len(t.b) {
				return false
			}
			switch t.b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(t.b) {
					return false
				}
				for _, h := range t.b[j+2 : j+6] {
					if !isHex(h) {
						return false
					}
				}
				j += 6
			default:
				return false
			}
		default:
			j++
		}
	}
	return false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// skipNumber moves past a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (t *fastTokens) skipNumber() bool {
	j := t.i
	if t.b[j] == '-' {
		j++
	}
	digits := func() int {
		n := 0
		for j < len(t.b) && t.b[j] >= '0' && t.b[j] <= '9' {
			j++
			n++
		}
		return n
	}
	switch {
	case j < len(t.b) && t.b[j] == '0':
		j++
	case digits() == 0:
		return false
	}
	if j < len(t.b) && t.b[j] == '.' {
		j++
		if digits() == 0 {
			return false
		}
	}
	if j < len(t.b) && (t.b[j] == 'e' || t.b[j] == 'E') {
		j++
		if j < len(t.b) && (t.b[j] == '+' || t.b[j] == '-') {
			j++
		}
		if digits() == 0 {
			return false
		}
	}
	t.i = j
	return true
}
