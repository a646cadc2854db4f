package rdap_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// evalPath evaluates the JSONPath subset RFC 9537 redactions use here (RFC
// 9535: root, member names, array indices and equality filters over a
// relative path) and answers the nodes it selects. A path outside the
// subset is an error, so a redaction this test cannot read fails it.
func evalPath(root any, path string) ([]any, error) {
	if !strings.HasPrefix(path, "$") {
		return nil, fmt.Errorf("%q does not start at the root", path)
	}
	nodes := []any{root}
	rest := path[1:]
	for rest != "" {
		var next []any
		switch {
		case rest[0] == '.':
			i := 1
			for i < len(rest) && (rest[i] == '_' || rest[i] >= 'a' && rest[i] <= 'z' || rest[i] >= 'A' && rest[i] <= 'Z' || rest[i] >= '0' && rest[i] <= '9') {
				i++
			}
			if i == 1 {
				return nil, fmt.Errorf("%q: empty member name", path)
			}
			name := rest[1:i]
			rest = rest[i:]
			for _, n := range nodes {
				if v, ok := obj(n)[name]; ok {
					next = append(next, v)
				}
			}
		case strings.HasPrefix(rest, "[?("):
			end := strings.Index(rest, ")]")
			if end < 0 {
				return nil, fmt.Errorf("%q: unterminated filter", path)
			}
			lhs, lit, ok := strings.Cut(rest[3:end], "==")
			if !ok || !strings.HasPrefix(lhs, "@") || len(lit) < 2 || lit[0] != '\'' || lit[len(lit)-1] != '\'' {
				return nil, fmt.Errorf("%q: filter %q is not @path=='literal'", path, rest[3:end])
			}
			rest = rest[end+2:]
			for _, n := range nodes {
				for _, child := range arr(n) {
					got, err := evalPath(child, "$"+lhs[1:])
					if err != nil {
						return nil, err
					}
					for _, g := range got {
						if s, ok := g.(string); ok && s == lit[1:len(lit)-1] {
							next = append(next, child)
							break
						}
					}
				}
			}
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("%q: unterminated index", path)
			}
			idx, err := strconv.Atoi(rest[1:end])
			if err != nil || idx < 0 {
				return nil, fmt.Errorf("%q: index %q", path, rest[1:end])
			}
			rest = rest[end+1:]
			for _, n := range nodes {
				if a := arr(n); idx < len(a) {
					next = append(next, a[idx])
				}
			}
		default:
			return nil, fmt.Errorf("%q: cannot read %q", path, rest)
		}
		nodes = next
	}
	return nodes, nil
}

func TestEvalPath(t *testing.T) {
	doc := map[string]any{"entities": []any{
		map[string]any{"roles": []any{"registrar"}, "handle": "r"},
		map[string]any{"roles": []any{"registrant"}, "vcardArray": []any{"vcard", []any{
			[]any{"fn", map[string]any{}, "text", ""}, []any{"adr", map[string]any{}, "text", []any{"", "", "street"}}}}},
	}}
	for path, want := range map[string]int{
		"$.entities[?(@.roles[0]=='registrant')]":                                 1,
		"$.entities[?(@.roles[0]=='registrar')].handle":                           1,
		"$.entities[?(@.roles[0]=='registrant')].handle":                          0,
		"$.entities[?(@.roles[0]=='registrant')].vcardArray[1][?(@[0]=='fn')][3]": 1,
		"$.entities[?(@.roles[0]=='registrant')].vcardArray[1][?(@[0]=='tel')]":   0,
		"$.entities[1].vcardArray[1][1][3][2]":                                    1,
	} {
		got, err := evalPath(doc, path)
		if err != nil || len(got) != want {
			t.Errorf("%s: %v %v, want %d nodes", path, got, err, want)
		}
	}
	for _, bad := range []string{"entities", "$..x", "$.entities[?(@.roles[0]!='x')]", "$[x]"} {
		if _, err := evalPath(doc, bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
