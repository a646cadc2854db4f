package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// column is one field of a table: a header and a dotted path into the object
// ("registrar.slug").
type column struct {
	Header string
	Path   string
}

// lookup follows a dotted path through nested objects.
func lookup(obj map[string]any, path string) (any, bool) {
	var cur any = obj
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// cell renders a JSON value for a table: null as "-", booleans as yes/no,
// lists comma-separated, objects as compact JSON, on one line.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		if x == "" {
			return "-"
		}
		return oneLine(x)
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case json.Number:
		return x.String()
	case float64:
		return fmt.Sprint(x)
	case []any:
		if len(x) == 0 {
			return "-"
		}
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = cell(e)
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		if len(x) == 0 {
			return "-"
		}
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	default:
		return oneLine(fmt.Sprint(x))
	}
}

// oneLine keeps a cell on one line so that columns stay aligned.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
}

func newTabWriter(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

// writeRecord prints one object as aligned "FIELD  value" lines.
func writeRecord(w io.Writer, obj map[string]any, cols []column) error {
	tw := newTabWriter(w)
	for _, c := range cols {
		v, _ := lookup(obj, c.Path)
		fmt.Fprintf(tw, "%s\t%s\n", c.Header, cell(v))
	}
	return tw.Flush()
}

// writeTable prints rows under a header line, columns aligned.
func writeTable(w io.Writer, rows []map[string]any, cols []column) error {
	tw := newTabWriter(w)
	headers := make([]string, len(cols))
	for i, c := range cols {
		headers[i] = c.Header
	}
	fmt.Fprintln(tw, strings.Join(headers, "\t"))
	for _, r := range rows {
		cells := make([]string, len(cols))
		for i, c := range cols {
			v, _ := lookup(r, c.Path)
			cells[i] = cell(v)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// objects returns the list at path as objects (non-objects are skipped).
func objects(obj map[string]any, path string) []map[string]any {
	v, _ := lookup(obj, path)
	list, _ := v.([]any)
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// str returns the string at path, or "".
func str(obj map[string]any, path string) string {
	v, _ := lookup(obj, path)
	s, _ := v.(string)
	return s
}

// boolAt returns the boolean at path, or false.
func boolAt(obj map[string]any, path string) bool {
	v, _ := lookup(obj, path)
	b, _ := v.(bool)
	return b
}

// writeJSON prints an answer body as indented JSON, members in the order
// the server sent them.
func writeJSON(w io.Writer, body []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, bytes.TrimSpace(body), "", "  "); err != nil {
		return fmt.Errorf("the server's answer is not JSON: %w", err)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// sortedKeys lists a map's keys in order, for stable output.
func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// writeJSONValue prints a value registryctl builds itself as indented JSON.
func writeJSONValue(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
